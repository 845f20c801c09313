"""Browsing a team database with Datasette (``khtui team serve``): the metadata that gives its
tables and columns their labels in the user's language and hides the internal tables (the
lookup index and the program's own settings). Datasette shows a table's ``title`` and each
column's description; the data themselves are served read-only.

The labels are catalogue keys: ``browse.table.<table>``, ``browse.col.<column>`` for a column
several tables share, ``browse.col.<table>.<column>`` for one table's own, and the retailer
record's fields under their own keys (``retailer.field.<name>``), as the program names them
everywhere else."""

from __future__ import annotations

from typing import Any

from khtui.data.retailers import DERIVED_COLUMNS
from khtui.data.sales import BRAND_COLUMNS
from khtui.domain.messages import Tr
from khtui.domain.retailer import FIELDS

HIDDEN = (
    "meta",
    "search_keys",
    "search_prefix",
    "search_suffix",
    "search_counts",
    "derive_rules",
)

# The tables shown, in this order.
TABLES: tuple[str, ...] = (
    "retailers",
    "retailer_changes",
    "brands",
    "order_lines",
    "monthly_sales",
    "monthly_brand_sales",
    "visit_plans",
    "visits",
    "captures",
    "price_observations",
    "complaints",
    "weekly_reports",
    "reviews",
    "team_sources",
    "team_ams",
    "team_books",
)

# Columns that several tables share: ``browse.col.<column>``.
COMMON: tuple[str, ...] = (
    "id",
    "am_id",
    "source_id",
    "retailer_code",
    "brand_code",
    "brand_name",
    "visit_id",
    "capture_id",
    "plan_id",
    "status",
    "created_at",
    "updated_at",
    "month",
    "qty_tiao",
    "amount",
    "note",
)

# Each table's own columns: ``browse.col.<table>.<column>``.
COLUMNS: dict[str, tuple[str, ...]] = {
    "retailers": ("extra", *DERIVED_COLUMNS),
    "retailer_changes": ("field", "old", "new", "changed_at", "changed_by", "source"),
    "brands": tuple(c for c in BRAND_COLUMNS if c not in COMMON),
    "order_lines": ("order_date", "price"),
    "monthly_sales": ("lines",),
    "visit_plans": ("submitted_at", "approved_at", "warnings"),
    "visits": (
        "planned_date",
        "seq",
        "reasons",
        "measures",
        "adhoc",
        "checked_in_at",
        "done_at",
        "skip_reason",
        "rescheduled_to",
        "origin_visit_id",
    ),
    "captures": ("kind", "payload", "is_draft", "captured_on"),
    "price_observations": (
        "observed_on",
        "retail_price",
        "guide_price",
        "marked_price",
        "stock_tiao",
        "on_shelf",
        "is_draft",
    ),
    "complaints": (
        "category",
        "department",
        "am_share",
        "raised_on",
        "due_on",
        "forwarded_on",
        "answered_on",
        "closed_on",
        "description",
        "answer",
        "resolution",
    ),
    "weekly_reports": ("week", "version", "narrative", "figures", "submitted_at"),
    "reviews": (
        "subject",
        "subject_id",
        "decision",
        "comment",
        "decided_at",
        "decided_by",
        "received_at",
        "subject_stamp",
    ),
    "team_sources": (
        "am_code",
        "am_name",
        "path",
        "schema_version",
        "last_write",
        "merged_at",
        "counts",
    ),
    "team_ams": ("code", "name", "last_source_id", "last_write", "merged_at"),
    "team_books": ("updated_at",),
}


def column_keys(table: str) -> dict[str, str]:
    """Each labelled column of ``table`` and its catalogue key (a table's own label over a
    shared one)."""
    keys = {c: f"browse.col.{c}" for c in COMMON}
    if table == "retailers":
        keys.update({f.name: f"retailer.field.{f.name}" for f in FIELDS})
    keys.update({c: f"browse.col.{table}.{c}" for c in COLUMNS.get(table, ())})
    return keys


def datasette_metadata(database: str, tr: Tr) -> dict[str, Any]:
    """Datasette's metadata for the database served under the name ``database``, labelled
    in ``tr``'s language."""
    tables: dict[str, Any] = {name: {"hidden": True} for name in HIDDEN}
    for name in TABLES:
        labels = {col: tr(key) for col, key in column_keys(name).items()}
        tables[name] = {"title": tr(f"browse.table.{name}"), "columns": labels}
    return {
        "title": tr("browse.title"),
        "description": tr("browse.description"),
        "databases": {database: {"tables": tables}},
    }
