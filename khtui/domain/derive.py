"""All derived values of one retailer (tier, category, level, value), each with its why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from khtui.domain.category import CategoryResult, category_for
from khtui.domain.level import LevelResult, level_for
from khtui.domain.months import add_months, months_before
from khtui.domain.tiers import TierResult, tier_of
from khtui.domain.value import ValueInputs, ValueResult, value_for
from khtui.rules import Rules

YES = {"是", "Y", "1", "TRUE", "YES", "√"}


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value or "").strip().upper() in YES


@dataclass(frozen=True)
class MonthSales:
    tiao: float
    amount: float


@dataclass(frozen=True)
class Derived:
    as_of: dt.date
    tier: TierResult
    category: CategoryResult
    level: LevelResult
    value: ValueResult

    def to_dict(self) -> dict[str, Any]:
        cat = self.category.category
        return {
            "as_of": self.as_of.isoformat(),
            "tier": self.tier.tier,
            "monthly_avg_jian": self.tier.monthly_avg_jian,
            "monthly_avg_tiao": self.tier.monthly_avg_tiao,
            "tier_basis": self.tier.basis,
            "tier_why": self.tier.why.to_dict(),
            "category": {"code": cat.code, "name": cat.name, "seq": cat.seq} if cat else None,
            "category_why": self.category.why.to_dict(),
            "level": self.level.level,
            "avg_price": self.level.avg_price,
            "level_why": self.level.why.to_dict(),
            "value": self.value.value,
            "value_score": self.value.score,
            "value_why": self.value.why.to_dict(),
        }


def growth_pct(monthly: Mapping[str, MonthSales], basis: list[str]) -> float | None:
    now = sum(monthly[m].tiao for m in basis if m in monthly)
    before = sum(monthly[k].tiao for m in basis if (k := add_months(m, -12)) in monthly)
    if before <= 0:
        return None
    return round((now - before) / before * 100, 1)


def derive(
    retailer: Mapping[str, Any],
    monthly: Mapping[str, MonthSales],
    as_of: dt.date,
    rules: Rules,
    *,
    ordered_new_brand: bool = False,
    marked_price: bool | None = None,
    debit_failures: int = 0,
) -> Derived:
    """Derive tier, category, level and value for one retailer as of a date."""
    return Deriver(rules, as_of)(
        retailer,
        monthly,
        ordered_new_brand=ordered_new_brand,
        marked_price=marked_price,
        debit_failures=debit_failures,
    )


class Deriver:
    """Derives many retailers as of one day under one set of rules (:func:`derive` for each):
    a retailer's category depends only on its format, market type and scale, so each
    combination is worked out once."""

    def __init__(self, rules: Rules, as_of: dt.date):
        self.rules = rules
        self.as_of = as_of
        self._categories: dict[tuple, CategoryResult] = {}

    def __call__(
        self,
        retailer: Mapping[str, Any],
        monthly: Mapping[str, MonthSales],
        *,
        ordered_new_brand: bool = False,
        marked_price: bool | None = None,
        debit_failures: int = 0,
    ) -> Derived:
        rules, as_of = self.rules, self.as_of
        tier = tier_of({m: s.tiao for m, s in monthly.items()}, as_of, rules)
        amount = sum(monthly[m].amount for m in tier.basis if m in monthly) / len(tier.basis)
        level = level_for(tier.monthly_avg_tiao, round(amount, 2), tier.basis, rules)
        key = (retailer.get("business_format"), retailer.get("market_type"), retailer.get("scale"))
        category = self._categories.get(key)
        if category is None:
            category = self._categories[key] = category_for(*key, rules)
        compliance = str(retailer.get("compliance") or "")
        value = value_for(
            ValueInputs(
                tier=tier.tier,
                cooperation=retailer.get("cooperation"),
                ordered_new_brand=ordered_new_brand,
                marked_price=marked_price,
                credit_grade=retailer.get("credit_grade"),
                debit_failures=debit_failures,
                violation=bool(compliance) and compliance not in rules.value.compliance_clean,
                growth_pct=growth_pct(monthly, tier.basis),
                trade_area=retailer.get("trade_area"),
                model_outlet=truthy(retailer.get("model_outlet")),
            ),
            rules,
        )
        return Derived(as_of, tier, category, level, value)


# -- the why as stored -----------------------------------------------------------------------
# A retailer's why is stored as what it is made from, not as its text: a JSON array of
# WHY_LAYOUT, then the digest of the rules it was derived under (their snapshot is stored once
# per run), then the inputs below in this order; :func:`rebuild` makes the same why again from
# them (and the day derived for). The text of the whole why is some 3.5 KB a retailer; this
# is about 110 bytes, and writing it costs a fraction of encoding the text.
WHY_LAYOUT = 1
# The sections of the rules the derivation reads (their snapshot is what a stored why names).
DERIVE_SECTIONS = ("units", "tiers", "categories", "levels", "value")
# The inputs of ValueInputs stored, in this order (its tier is the derived tier).
_VALUE_INPUTS = (
    "cooperation",
    "ordered_new_brand",
    "marked_price",
    "credit_grade",
    "debit_failures",
    "violation",
    "growth_pct",
    "trade_area",
    "model_outlet",
)


@lru_cache(maxsize=8)
def rules_snapshot(rules: Rules) -> tuple[str, str]:
    """The digest and the JSON text of the sections of ``rules`` the derivation reads (worked
    out once for a set of rules)."""
    import hashlib
    import json

    text = json.dumps(
        {name: rules.data[name] for name in DERIVE_SECTIONS},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], text


def rules_from_snapshot(rules: Rules, text: str) -> Rules:
    """``rules`` with the derivation's sections as a snapshot holds them (raises
    :class:`khtui.rules.RulesError` when they no longer fit the other sections)."""
    import json

    return Rules({**rules.data, **json.loads(text)}, rules.origin)


def why_inputs(d: Derived, retailer: Mapping[str, Any], digest: str) -> list[Any]:
    """What :func:`rebuild` makes the why of ``d`` from (see :data:`WHY_LAYOUT`)."""
    inputs = d.value.why.inputs
    return [
        WHY_LAYOUT,
        digest,
        list(d.tier.why.inputs["monthly_tiao"].values()),
        d.level.why.inputs["monthly_amount"],
        retailer.get("business_format"),
        retailer.get("market_type"),
        retailer.get("scale"),
        *[inputs[name] for name in _VALUE_INPUTS],
    ]


def is_why_inputs(stored: Any) -> bool:
    """Whether a stored why (parsed) is the inputs :func:`why_inputs` gives (else it is the
    whole why, as stored before)."""
    return isinstance(stored, list) and len(stored) > 1 and stored[0] == WHY_LAYOUT


def rebuild(stored: list[Any], as_of: dt.date, rules: Rules) -> Derived:
    """The derived values with their why from what :func:`why_inputs` stored, under the rules
    it was derived under (the same values, the same why)."""
    _layout, _digest, monthly_tiao, monthly_amount, fmt, market, scale, *rest = stored
    basis = months_before(as_of, rules.tier_basis_months)
    if len(monthly_tiao) != len(basis):
        raise ValueError(f"{len(monthly_tiao)} months stored for a basis of {len(basis)}")
    tier = tier_of(dict(zip(basis, monthly_tiao, strict=True)), as_of, rules)
    level = level_for(tier.monthly_avg_tiao, monthly_amount, tier.basis, rules)
    category = category_for(fmt, market, scale, rules)
    value = value_for(ValueInputs(tier.tier, **dict(zip(_VALUE_INPUTS, rest, strict=True))), rules)
    return Derived(as_of, tier, category, level, value)
