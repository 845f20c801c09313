"""Warnings (预警): stock cover, sales swings against the forecast, reminders.

Pure: each function takes the facts (stock captured at the last visit, orders, the stored
forecast, dates) and returns a :class:`Warning` or None. Every warning carries a message key
and the numbers and dates behind it, so the screens and the CLI can say why. Limits from rules
``[warnings]``.

* **Stock cover** (货源短缺预警 / 社会库存积压): the stock a visit counted, plus what the retailer
  ordered of the brand since, lasts ``(stock + ordered since) / daily sell rate`` days from the
  visit. A likely *shortage* when that cover ends before the next order day plus
  ``safety_days`` (ending exactly then is not a shortage); *overstock* when the cover is longer
  than ``overstock_days`` (exactly that many is not). A count older than ``stale_days`` is
  *stale*: said so, and not used.
* **Sales swing** (销量波动): a month's orders more than ``swing_pct`` % below or above its
  forecast (the forecast made before the month began; for the month so far, its share of the
  month's working days).
* **Reminders**: a licence expiring within ``licence_days`` (or expired); a complaint open or
  forwarded that is due within ``complaint_days`` working days (or overdue).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from khtui.rules import Warnings

KINDS = (
    "shortage",
    "overstock",
    "stale_stock",
    "swing_low",
    "swing_high",
    "licence",
    "complaint",
)
# Display order: what needs action first.
SEVERITY = {
    "shortage": 0,
    "complaint": 1,
    "licence": 1,
    "swing_low": 2,
    "swing_high": 2,
    "overstock": 3,
    "stale_stock": 4,
}


@dataclass(frozen=True)
class Warning:
    """One warning: its kind, whom it concerns and the numbers and dates that explain it
    (``params``: the message key ``warn.<kind>`` takes them)."""

    kind: str
    retailer_code: str
    brand_code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"warn.{self.kind}"

    @property
    def severity(self) -> int:
        return SEVERITY[self.kind]


@dataclass(frozen=True)
class StockFacts:
    """What is known of one brand's stock at a retailer."""

    retailer_code: str
    brand_code: str
    stock_tiao: float
    counted_on: dt.date
    ordered_since_tiao: float  # ordered after the count (on later days)
    daily_rate_tiao: float  # sell rate from the orders
    next_order_day: dt.date


def cover_days(stock: float, daily_rate: float) -> float:
    """Days the stock lasts at the sell rate (infinite when nothing sells)."""
    if daily_rate <= 0:
        return math.inf if stock > 0 else 0.0
    return stock / daily_rate


def oldest_judged(today: dt.date, wr: Warnings) -> dt.date:
    """The day of the oldest count still judged on ``today`` (a warning, a suggestion): one
    older than ``stale_days`` is stale."""
    return today - dt.timedelta(days=wr.stale_days)


def stock_warning(f: StockFacts, today: dt.date, wr: Warnings) -> Warning | None:
    """Shortage, overstock or stale stock of one brand (None when the cover is fine)."""
    if f.counted_on < oldest_judged(today, wr):
        return Warning(
            "stale_stock",
            f.retailer_code,
            f.brand_code,
            {
                "brand": f.brand_code,
                "stock": round(f.stock_tiao, 1),
                "counted_on": f.counted_on.isoformat(),
                "age": (today - f.counted_on).days,
                "limit": wr.stale_days,
            },
        )
    rate = f.daily_rate_tiao
    days = cover_days(f.stock_tiao + f.ordered_since_tiao, rate)
    endless = math.isinf(days)
    # the params are made only for a warning (a city has a hundred thousand counts to judge)
    last: dict[str, Any]
    if endless or days > wr.overstock_days:
        kind, last = "overstock", {"limit": wr.overstock_days}
    elif rate <= 0 or days >= (f.next_order_day - f.counted_on).days + wr.safety_days:
        return None
    else:
        runs_out = f.counted_on + dt.timedelta(days=math.floor(days))
        kind, last = "shortage", {"runs_out": runs_out.isoformat(), "safety": wr.safety_days}
    return Warning(
        kind,
        f.retailer_code,
        f.brand_code,
        {
            "brand": f.brand_code,
            "stock": round(f.stock_tiao, 1),
            "counted_on": f.counted_on.isoformat(),
            "ordered": round(f.ordered_since_tiao, 1),
            "rate": round(rate, 2),
            "cover": None if endless else round(days, 1),
            "next_order": f.next_order_day.isoformat(),
            **last,
        },
    )


def swing_warning(
    code: str, month: str, actual: float, forecast: float, share: float, wr: Warnings
) -> Warning | None:
    """A month running more than ``swing_pct`` % off its forecast. ``share`` is the part of
    the month's forecast due by now (1 for a finished month)."""
    expected = forecast * share
    if expected <= 0:
        return None
    pct = (actual - expected) / expected * 100
    if abs(pct) <= wr.swing_pct:
        return None
    return Warning(
        "swing_low" if pct < 0 else "swing_high",
        code,
        None,
        {
            "month": month,
            "actual": round(actual, 1),
            "expected": round(expected, 1),
            "forecast": round(forecast, 1),
            "pct": round(pct, 1),
            "limit": wr.swing_pct,
            "complete": share >= 1,
        },
    )


def licence_warning(code: str, expiry: dt.date | None, today: dt.date, wr: Warnings):
    """A licence that has expired or expires within ``licence_days``."""
    if expiry is None:
        return None
    days = (expiry - today).days
    if days > wr.licence_days:
        return None
    return Warning(
        "licence",
        code,
        None,
        {"expiry": expiry.isoformat(), "days": days, "limit": wr.licence_days},
    )


def complaint_warning(
    code: str, complaint_id: str, category: str, due_on: dt.date, days_left: int, wr: Warnings
) -> Warning | None:
    """An open complaint due within ``complaint_days`` working days (``days_left`` working
    days from today to its due date; negative when overdue)."""
    if days_left > wr.complaint_days:
        return None
    return Warning(
        "complaint",
        code,
        None,
        {
            "id": complaint_id,
            "category": category,
            "due_on": due_on.isoformat(),
            "days": days_left,
            "limit": wr.complaint_days,
        },
    )


def next_order_day(
    today: dt.date, weekday: int | None, is_workday, *, default_days: int = 7
) -> dt.date:
    """The retailer's next order day after today: its order weekday (订货周期) on a working
    day, else ``default_days`` from today."""
    if weekday is None:
        return today + dt.timedelta(days=default_days)
    d = today + dt.timedelta(days=1)
    for _ in range(60):
        if d.weekday() == weekday and is_workday(d):
            return d
        d += dt.timedelta(days=1)
    return today + dt.timedelta(days=default_days)


def stale_warning(code: str, newest: dt.date, brands: int, today: dt.date, wr: Warnings) -> Warning:
    """One stale-stock warning per retailer, not one per brand (the visit recounts them all):
    its newest stale count (``newest``) and how many brands' last counts are stale."""
    return Warning(
        "stale_stock",
        code,
        None,
        {
            "counted_on": newest.isoformat(),
            "age": (today - newest).days,
            "limit": wr.stale_days,
            "brands": brands,
        },
    )


def sort_warnings(items: list[Warning]) -> list[Warning]:
    return sorted(items, key=lambda w: (w.severity, w.retailer_code, w.brand_code or ""))


__all__ = [
    "KINDS",
    "StockFacts",
    "Warning",
    "complaint_warning",
    "cover_days",
    "licence_warning",
    "next_order_day",
    "oldest_judged",
    "sort_warnings",
    "stale_warning",
    "stock_warning",
    "swing_warning",
]
