"""Supply suggestion (精准投放) for a retailer's next order, per brand.

Pure. For each brand the retailer is forecast to buy: the daily rate is this month's forecast
over the month's days; the order should cover the days until the order after the next one
(the order cycle) plus ``[warnings] safety_days``, less the stock on hand (the last visit's
count plus what was ordered since, minus what sold since at that rate; a stale count is not
used). The suggestion is that need rounded up to whole 条, at most the supply ceiling of the
retailer's tier (合理定量, ``[supply] ceiling_tiao_by_tier``, 条 per brand per order).

搭售 is against the sales rules: when the suggestion holds a brand in short supply
(``[supply] scarce_brands``), no new brand and no slow brand (forecast below
``slow_tiao_per_month``) is suggested beside it; such lines stay at 0 and say why.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from khtui.domain.warnings import oldest_judged
from khtui.rules import Supply, Warnings


@dataclass(frozen=True)
class BrandDemand:
    brand_code: str
    name: str
    forecast_month_tiao: float  # this month's forecast for the retailer and brand
    days_in_month: int
    is_new: bool = False
    stock_tiao: float | None = None  # the last visit's count
    counted_on: dt.date | None = None
    ordered_since_tiao: float = 0.0


@dataclass(frozen=True)
class SupplyLine:
    brand_code: str
    name: str
    forecast_month_tiao: float
    daily_rate_tiao: float
    on_hand_tiao: float | None  # None: no count, or a stale one
    need_tiao: float
    suggested_tiao: int
    ceiling_tiao: float
    capped: bool  # the ceiling cut the need
    scarce: bool
    new: bool
    slow: bool
    note: str | None  # message key: why the line is 0 or cut ("supply.note.*")


def cycle_days(order_frequency: str | None) -> int:
    """Days between two orders from the order frequency (订货频次): two-weekly 14, monthly 30,
    otherwise weekly 7."""
    text = order_frequency or ""
    if any(w in text for w in ("两周", "双周", "隔周", "半月")):
        return 14
    if "月" in text:
        return 30
    return 7


def suggest(
    demands: list[BrandDemand],
    tier: int | None,
    today: dt.date,
    cycle: int,
    sr: Supply,
    wr: Warnings,
) -> list[SupplyLine]:
    """The suggested quantity of every brand for the retailer's next order, largest first."""
    ceiling = sr.ceiling_for(tier)
    lines: list[SupplyLine] = []
    for d in demands:
        rate = d.forecast_month_tiao / d.days_in_month if d.days_in_month else 0.0
        on_hand = None
        if d.stock_tiao is not None and d.counted_on is not None:
            age = (today - d.counted_on).days
            if d.counted_on >= oldest_judged(today, wr):
                on_hand = max(0.0, d.stock_tiao + d.ordered_since_tiao - rate * max(age, 0))
        need = max(0.0, rate * (cycle + wr.safety_days) - (on_hand or 0.0))
        want = math.ceil(need - 1e-9)
        suggested = int(min(want, ceiling))
        lines.append(
            SupplyLine(
                d.brand_code,
                d.name,
                d.forecast_month_tiao,
                rate,
                on_hand,
                need,
                suggested,
                ceiling,
                capped=want > ceiling,
                scarce=d.brand_code in sr.scarce_brands,
                new=d.is_new,
                slow=d.forecast_month_tiao < sr.slow_tiao_per_month,
                note="supply.note.ceiling" if want > ceiling else None,
            )
        )
    if any(ln.scarce and ln.suggested_tiao > 0 for ln in lines):
        lines = [
            _replace(ln, suggested_tiao=0, note="supply.note.no_bundling")
            if (ln.new or ln.slow) and not ln.scarce and ln.suggested_tiao > 0
            else ln
            for ln in lines
        ]
    return sorted(
        lines, key=lambda ln: (-ln.suggested_tiao, -ln.forecast_month_tiao, ln.brand_code)
    )


def _replace(line: SupplyLine, **kw) -> SupplyLine:
    from dataclasses import replace

    return replace(line, **kw)


__all__ = ["BrandDemand", "SupplyLine", "cycle_days", "suggest"]
