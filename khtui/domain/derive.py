"""All derived values of one retailer (tier, category, level, value), each with its why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from khtui.domain.category import CategoryResult, category_for
from khtui.domain.level import LevelResult, level_for
from khtui.domain.months import add_months
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
    tier = tier_of({m: s.tiao for m, s in monthly.items()}, as_of, rules)
    amount = sum(monthly[m].amount for m in tier.basis if m in monthly) / len(tier.basis)
    level = level_for(tier.monthly_avg_tiao, round(amount, 2), tier.basis, rules)
    category = category_for(
        retailer.get("business_format"), retailer.get("market_type"), retailer.get("scale"), rules
    )
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
