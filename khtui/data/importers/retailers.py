"""Retailers 零售户 (key: customer code): cleaned rows to ``store.upsert_retailers``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from khtui.data.importers.common import (
    HeaderMatch,
    ValueProblem,
    clean_code,
    parse_date,
    yes_no,
)
from khtui.domain.retailer import FIELD_BY_NAME, FieldError, clean_value

_DOT_ZERO = re.compile(r"^(\d+)\.0+$")


def _label(match: HeaderMatch, fld: str) -> str:
    return match.headers[match.columns[fld]]


def clean_retailer(cells: Sequence[str], match: HeaderMatch, rules) -> dict:
    """One row as a retailer record; raises ValueProblem (column label, value, reason)."""
    market_syn = rules.imports.values.market_type
    rec: dict = {}
    for fld, col in match.columns.items():
        raw = cells[col].strip() if col < len(cells) else ""
        label = _label(match, fld)
        spec = FIELD_BY_NAME.get(fld)
        if spec is None:
            continue
        try:
            if fld == "code":
                rec[fld] = clean_code(raw, label)
                continue
            if fld == "licence_no":
                rec[fld] = clean_code(raw, label) if raw else None
                continue
            if fld == "status" and raw == "":
                continue  # a new retailer is 正常; a known one keeps its status
            if fld == "market_type":
                raw = market_syn.get(raw, raw)
            if spec.type == "bool":
                rec[fld] = yes_no(raw, label, rules)
                continue
            if spec.type == "date":
                rec[fld] = parse_date(raw, label)
                continue
            if spec.type in ("int", "phone") and (m := _DOT_ZERO.match(raw)):
                raw = m.group(1)
            rec[fld] = clean_value(fld, raw)
        except FieldError as exc:
            raise ValueProblem(str(exc), label, raw) from None
        except ValueProblem as exc:
            raise ValueProblem(str(exc), label, raw) from None
    extra = {}
    for col, header in match.unknown:
        extra[header] = cells[col].strip() if col < len(cells) else ""
    if extra:
        rec["extra"] = extra
    return rec


def write_retailers(store, records: Iterable[dict], *, source: str) -> dict[str, int]:
    return store.upsert_retailers(records, source=source)
