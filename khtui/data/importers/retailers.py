"""Retailers 零售户 (key: customer code): cleaned rows to ``store.upsert_retailers``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from khtui.data.importers.common import (
    HeaderMatch,
    TextLimits,
    ValueProblem,
    check_length,
    clean_code,
    fold_width,
    parse_date,
    yes_no,
)
from khtui.domain.retailer import FIELD_BY_NAME, FieldError, clean_value

_DOT_ZERO = re.compile(r"^(\d+)\.0+$")
# What people put between the digits of a phone number: spaces, dashes, brackets, dots.
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MOBILE = re.compile(r"^1\d{10}$")
# Names of people and shops (the name limit); every other text field has the text limit.
_NAMES = frozenset({"name", "owner", "contact", "am_name", "phone_clerk", "deliverer", "monopoly_officer"})  # fmt: skip


def fold_phone(raw: str) -> str:
    """A phone number as typed (full-width digits, ``138-0000-0005``, ``138 0000 0005``): a
    mobile number as its 11 digits, a landline without spaces (its area-code dash kept)."""
    text = fold_width(raw).strip()
    digits = _PHONE_SEPARATORS.sub("", text)
    if _MOBILE.match(digits):
        return digits
    return re.sub(r"\s+", "", text)


def _label(match: HeaderMatch, fld: str) -> str:
    return match.headers[match.columns[fld]]


def clean_retailer(cells: Sequence[str], match: HeaderMatch, rules, limits: TextLimits) -> dict:
    """One row as a retailer record; raises ValueProblem (column label, value, reason)."""
    market_syn = rules.imports.values.market_type
    rec: dict = {}
    typed: dict[str, str] = {}  # fields whose value was folded: as the file had it
    for fld, col in match.columns.items():
        raw = orig = cells[col].strip() if col < len(cells) else ""
        label = _label(match, fld)
        spec = FIELD_BY_NAME.get(fld)
        if spec is None:
            continue
        try:
            if fld == "code":
                rec[fld] = clean_code(raw, label, limits.code)
                continue
            if fld == "licence_no":
                rec[fld] = clean_code(raw, label, limits.code) if raw else None
                if rec[fld] != (orig or None):
                    typed[fld] = orig
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
            if spec.type == "phone":
                raw = fold_phone(raw)
            elif spec.type in ("int", "real"):
                raw = fold_width(raw)
            if raw != orig:
                typed[fld] = orig
            if spec.type in ("int", "phone") and (m := _DOT_ZERO.match(raw)):
                raw = m.group(1)
            if spec.type == "text":
                check_length(raw, label, limits.name if fld in _NAMES else limits.text)
            rec[fld] = clean_value(fld, raw)
        except ValueProblem as exc:
            raise exc.at(label, orig) from None
        except FieldError as exc:
            raise ValueProblem(exc.key, label, orig, **exc.params) from None
    extra = {}
    for col, header in match.unknown:
        extra[header] = check_length(
            cells[col].strip() if col < len(cells) else "", header, limits.text
        )
    if extra:
        rec["extra"] = extra
    if typed:
        rec["as_typed"] = typed
    return rec
