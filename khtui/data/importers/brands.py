"""Brands 卷烟 (key: brand code): cleaned rows to ``store.upsert_brands``."""

from __future__ import annotations

from collections.abc import Sequence

from khtui.data.importers.common import (
    HeaderMatch,
    TextLimits,
    ValueProblem,
    check_length,
    clean_code,
    parse_date,
    parse_number,
    yes_no,
)


def clean_brand(cells: Sequence[str], match: HeaderMatch, rules, limits: TextLimits) -> dict:
    rec: dict = {}
    for fld, col in match.columns.items():
        raw = cells[col].strip() if col < len(cells) else ""
        label = match.headers[col]
        try:
            if fld == "brand_code":
                rec["brand_code"] = clean_code(raw, label, limits.code)
            elif fld == "brand_name":
                if not raw:
                    raise ValueProblem("imp.reason.empty", column=label)
                rec["name"] = check_length(raw, label, limits.name)
            elif fld in ("wholesale_price", "guide_price"):
                rec[fld] = parse_number(raw, label)
            elif fld in ("is_key", "is_new"):
                rec[fld] = yes_no(raw, label, rules)
            elif fld == "launch_date":
                rec[fld] = parse_date(raw, label)
            elif fld in ("manufacturer", "class"):
                rec[fld] = check_length(raw, label, limits.text) or None
        except ValueProblem as exc:
            raise exc.at(label, raw) from None
    return rec
