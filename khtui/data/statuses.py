"""The domain's status sets and predicates as SQL: the one way the data layer filters visits
and complaints by state, so a query can never disagree with the rule it stands for.

The sets are :mod:`khtui.domain.visits`' and :mod:`khtui.domain.complaints`'; this module only
writes them as SQL text (constants, never user input)."""

from __future__ import annotations

from collections.abc import Iterable

from khtui.domain import complaints as complaint_rules
from khtui.domain import visits as visit_rules


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for an SQL ``IN``: only for the domain's constant sets."""
    items = list(values)
    assert items and all("'" not in v for v in items)
    return "(" + ", ".join(f"'{v}'" for v in items) + ")"


# visits (khtui.domain.visits)
OPEN_VISITS = sql_list(visit_rules.OPEN)  # still to be made
LIVE_VISITS = sql_list(visit_rules.LIVE)  # stands on its day: capacity, the month's plan
ON_ITS_DAY = sql_list(visit_rules.ON_ITS_DAY)  # planned for its day (not moved to another)


def visit_from(action: str) -> str:
    """The statuses ``action`` starts from (:func:`khtui.domain.visits.sources`)."""
    return sql_list(visit_rules.sources(action))


# complaints (khtui.domain.complaints)
OPEN_COMPLAINTS = sql_list(complaint_rules.OPEN_STATUSES)
# the list order of complaint statuses: open first, closed last
COMPLAINT_ORDER = (
    "CASE {col} "
    + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(complaint_rules.STATUSES))
    + f" ELSE {len(complaint_rules.STATUSES)} END"
)


def overdue_complaint(alias: str = "") -> str:
    """:func:`khtui.domain.complaints.is_overdue` as SQL: still open and due before the day
    given as the condition's one parameter (``alias``: the table's, e.g. ``"c."``)."""
    return f"{alias}status IN {OPEN_COMPLAINTS} AND {alias}due_on < ?"


def complaint_order(alias: str = "") -> str:
    """An ``ORDER BY`` term putting complaints in status order (open first)."""
    return COMPLAINT_ORDER.format(col=f"{alias}status")


__all__ = [
    "COMPLAINT_ORDER",
    "LIVE_VISITS",
    "ON_ITS_DAY",
    "OPEN_COMPLAINTS",
    "OPEN_VISITS",
    "complaint_order",
    "overdue_complaint",
    "sql_list",
    "visit_from",
]
