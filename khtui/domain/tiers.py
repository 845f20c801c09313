"""Tier 分档 (1..8) by average monthly purchase in 件; each tier's upper bound is inclusive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from khtui.domain.messages import Message, Messages
from khtui.domain.months import months_before
from khtui.domain.why import Why
from khtui.rules import Rules

# Averages are rounded to this many decimals before they meet the bounds, so that float noise
# (3 × 1000 条 / 3 / 50 = 20.000000000000004) never moves a retailer across a boundary.
_PRECISION = 6


def tier_for(monthly_jian: float, rules: Rules) -> int:
    """Tier for an average monthly purchase in 件.

    Tier N (1..7) is ``monthly_jian > lower_bounds[N-1]``, first match wins; so exactly 20 件 is
    tier 2 and 20.02 件 is tier 1. At or below the last bound (no purchases too) is tier 8.
    """
    value = round(monthly_jian, _PRECISION)
    bounds = rules.tier_lower_bounds
    for i, lower in enumerate(bounds):
        if value > lower:
            return i + 1
    return len(bounds) + 1


def tier_band(tier: int, rules: Rules) -> Message:
    """One tier's band in 件 ('> 14 ≤ 20 件'), as a message: the unit agrees with the number
    it follows (``why.tier.band.*``)."""
    bounds = rules.tier_lower_bounds
    if tier == 1:
        return Message("why.tier.band.above", {"lo": bounds[0]})
    if tier == len(bounds) + 1:
        return Message("why.tier.band.at_most", {"hi": bounds[-1]})
    return Message("why.tier.band.between", {"lo": bounds[tier - 1], "hi": bounds[tier - 2]})


@dataclass(frozen=True)
class TierResult:
    tier: int
    monthly_avg_jian: float
    monthly_avg_tiao: float
    basis: list[str]
    why: Why


def tier_of(monthly_tiao: Mapping[str, float], as_of: dt.date, rules: Rules) -> TierResult:
    """Tier from a retailer's purchases by month ('YYYY-MM' -> 条) as of a date.

    The basis is the last ``tiers.basis_months`` complete months before ``as_of``; a month with
    no purchases counts as zero.
    """
    basis = months_before(as_of, rules.tier_basis_months)
    per_month = {m: float(monthly_tiao.get(m, 0.0) or 0.0) for m in basis}
    total_tiao = sum(per_month.values())
    avg_tiao = round(total_tiao / len(basis), _PRECISION)
    avg_jian = round(total_tiao / len(basis) / rules.tiao_per_jian, _PRECISION)
    tier = tier_for(avg_jian, rules)
    why = Why(
        rule="tier",
        inputs={
            "monthly_tiao": per_month,
            "total_tiao": total_tiao,
            "tiao_per_jian": rules.tiao_per_jian,
        },
        period=basis,
        thresholds={"lower_bounds_jian": rules.tier_lower_bounds, "upper_bound_inclusive": True},
        explain=Message(
            "why.tier",
            {
                "first": basis[0],
                "last": basis[-1],
                "n": len(basis),
                "total": total_tiao,
                "months": Messages(
                    Message("why.tier.month", {"month": m, "qty": per_month[m]}) for m in basis
                ),
                "avg_tiao": avg_tiao,
                "avg_jian": avg_jian,
                "tier": tier,
                "band": tier_band(tier, rules),
            },
        ),
    )
    return TierResult(tier, avg_jian, avg_tiao, basis, why)
