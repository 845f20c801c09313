"""Warnings and supply suggestions at their exact thresholds (rules [warnings], [supply])."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from khtui.domain.supply import BrandDemand, cycle_days, suggest
from khtui.domain.warnings import (
    StockFacts,
    complaint_warning,
    cover_days,
    licence_warning,
    next_order_day,
    stale_warning,
    stock_warning,
    swing_warning,
)
from khtui.rules import default_rules

WR = default_rules().warnings
SR = default_rules().supply
D = dt.date
TODAY = D(2026, 11, 23)


COUNTED = D(2026, 11, 16)
NEXT_ORDER = D(2026, 11, 24)


def facts(stock, rate, *, counted=COUNTED, next_order=NEXT_ORDER, ordered=0.0):
    return StockFacts("R1", "B1", stock, counted, ordered, rate, next_order)


# -- stock cover -----------------------------------------------------------------------------
def test_shortage_exactly_at_the_threshold_is_not_a_shortage():
    # counted 11-16, next order 11-24: 8 days + safety 3 = 11 days of cover needed
    needed = 8 + WR.safety_days
    assert stock_warning(facts(needed * 2.0, 2.0), TODAY, WR) is None
    w = stock_warning(facts(needed * 2.0 - 0.1, 2.0), TODAY, WR)
    assert w is not None and w.kind == "shortage"
    assert w.params["cover"] == pytest.approx(10.9, abs=0.05)
    assert w.params["runs_out"] == "2026-11-26"
    assert w.params["next_order"] == "2026-11-24" and w.params["safety"] == WR.safety_days


def test_orders_after_the_count_add_to_the_stock():
    needed = 8 + WR.safety_days
    assert stock_warning(facts(needed * 2.0 - 4, 2.0, ordered=4), TODAY, WR) is None
    assert stock_warning(facts(needed * 2.0 - 4, 2.0, ordered=3.9), TODAY, WR).kind == "shortage"


def test_overstock_exactly_at_the_limit_is_not_overstock():
    assert stock_warning(facts(WR.overstock_days * 1.0, 1.0), TODAY, WR) is None
    w = stock_warning(facts(WR.overstock_days * 1.0 + 0.5, 1.0), TODAY, WR)
    assert w.kind == "overstock" and w.params["limit"] == WR.overstock_days


def test_stock_that_does_not_sell_is_overstock_and_no_stock_no_sales_is_nothing():
    w = stock_warning(facts(5, 0.0), TODAY, WR)
    assert w.kind == "overstock" and w.params["cover"] is None
    assert stock_warning(facts(0, 0.0), TODAY, WR) is None
    assert cover_days(5, 0) == math.inf and cover_days(0, 0) == 0.0


def test_stale_counts_are_said_to_be_stale_not_judged():
    on_limit = TODAY - dt.timedelta(days=WR.stale_days)
    assert stock_warning(facts(0, 5.0, counted=on_limit), TODAY, WR).kind == "shortage"
    older = TODAY - dt.timedelta(days=WR.stale_days + 1)
    w = stock_warning(facts(0, 5.0, counted=older), TODAY, WR)
    assert w.kind == "stale_stock" and w.params["age"] == WR.stale_days + 1
    # one per retailer: its newest stale count and how many brands
    merged = stale_warning("R1", older, 2, TODAY, WR)
    assert merged.brand_code is None and merged.params == {
        "counted_on": older.isoformat(),
        "age": WR.stale_days + 1,
        "limit": WR.stale_days,
        "brands": 2,
    }


def test_next_order_day_is_the_order_weekday_on_a_working_day():
    def workday(d):
        return d.weekday() < 5 and d != D(2026, 11, 24)

    assert next_order_day(TODAY, 1, lambda d: d.weekday() < 5) == D(2026, 11, 24)
    assert next_order_day(TODAY, 1, workday) == D(2026, 12, 1)  # that Tuesday is a holiday
    assert next_order_day(TODAY, 0, lambda d: True) == D(2026, 11, 30)  # never today itself
    assert next_order_day(TODAY, None, lambda d: True) == TODAY + dt.timedelta(days=7)


# -- sales swings --------------------------------------------------------------------------------
def test_sales_swing_beyond_the_limit_either_way():
    limit = WR.swing_pct
    assert swing_warning("R1", "2026-10", 100 - limit, 100, 1.0, WR) is None  # exactly -30 %
    low = swing_warning("R1", "2026-10", 100 - limit - 0.1, 100, 1.0, WR)
    assert low.kind == "swing_low" and low.params["complete"]
    high = swing_warning("R1", "2026-10", 100 + limit + 0.1, 100, 1.0, WR)
    assert high.kind == "swing_high"
    # the month so far: half the month, half the forecast
    assert swing_warning("R1", "2026-11", 50, 100, 0.5, WR) is None
    assert swing_warning("R1", "2026-11", 30, 100, 0.5, WR).params["expected"] == 50
    assert swing_warning("R1", "2026-11", 10, 0, 1.0, WR) is None  # no forecast, no swing


# -- reminders -----------------------------------------------------------------------------------
def test_licence_expiring_within_the_limit():
    edge = TODAY + dt.timedelta(days=WR.licence_days)
    assert licence_warning("R1", edge, TODAY, WR).params["days"] == WR.licence_days
    assert licence_warning("R1", edge + dt.timedelta(days=1), TODAY, WR) is None
    assert licence_warning("R1", TODAY - dt.timedelta(days=3), TODAY, WR).params["days"] == -3
    assert licence_warning("R1", None, TODAY, WR) is None


def test_complaint_due_within_the_limit_or_overdue():
    due = D(2026, 11, 25)
    w = complaint_warning("R1", "c1", "supply", due, WR.complaint_days, WR)
    assert w.kind == "complaint" and w.params["days"] == WR.complaint_days
    assert complaint_warning("R1", "c1", "supply", due, WR.complaint_days + 1, WR) is None
    assert complaint_warning("R1", "c1", "supply", due, -2, WR).params["days"] == -2


# -- supply suggestion ---------------------------------------------------------------------------
def demand(code, month_qty, **kw):
    return BrandDemand(code, code, month_qty, 30, **kw)


def test_suggestion_covers_the_cycle_and_safety_less_the_stock():
    # 60 条 a month = 2 a day; weekly cycle + 3 days' safety = 10 days = 20 条, 8 on hand
    line = suggest([demand("B1", 60, stock_tiao=8, counted_on=TODAY)], 4, TODAY, 7, SR, WR)[0]
    assert line.need_tiao == pytest.approx(12) and line.suggested_tiao == 12
    assert not line.capped and line.note is None


def test_suggestion_at_the_tier_ceiling_is_cut_to_it():
    ceiling = SR.ceiling_for(4)
    days = 7 + WR.safety_days
    exact = demand("B1", ceiling / days * 30)  # needs exactly the ceiling
    line = suggest([exact], 4, TODAY, 7, SR, WR)[0]
    assert line.suggested_tiao == ceiling and not line.capped
    over = demand("B2", (ceiling + 1) / days * 30)
    line = suggest([over], 4, TODAY, 7, SR, WR)[0]
    assert line.suggested_tiao == ceiling and line.capped and line.note == "supply.note.ceiling"
    # a smaller tier has a lower ceiling
    assert suggest([over], 8, TODAY, 7, SR, WR)[0].suggested_tiao == SR.ceiling_for(8)


def test_stale_stock_is_not_used_for_the_suggestion():
    old = TODAY - dt.timedelta(days=WR.stale_days + 1)
    line = suggest([demand("B1", 60, stock_tiao=100, counted_on=old)], 4, TODAY, 7, SR, WR)[0]
    assert line.on_hand_tiao is None and line.suggested_tiao == 20


def test_no_new_or_slow_brand_is_suggested_beside_a_scarce_one():
    scarce = next(iter(SR.scarce_brands))
    lines = [
        demand(scarce, 30),
        demand("NEW", 30, is_new=True),
        demand("SLOW", SR.slow_tiao_per_month - 0.5),
        demand("PLAIN", 30),
    ]
    by_code = {ln.brand_code: ln for ln in suggest(lines, 4, TODAY, 7, SR, WR)}
    assert by_code[scarce].suggested_tiao == 10 and by_code[scarce].scarce
    assert by_code["NEW"].suggested_tiao == 0
    assert by_code["NEW"].note == "supply.note.no_bundling"
    assert by_code["SLOW"].suggested_tiao == 0 and by_code["SLOW"].slow
    assert by_code["PLAIN"].suggested_tiao == 10
    # without the scarce brand, the new brand is suggested on its own demand
    alone = {ln.brand_code: ln for ln in suggest(lines[1:], 4, TODAY, 7, SR, WR)}
    assert alone["NEW"].suggested_tiao == 10 and alone["NEW"].note is None


def test_cycle_days_from_the_order_frequency():
    assert cycle_days("每周一次") == 7
    assert cycle_days("两周一次") == 14
    assert cycle_days("每月一次") == 30
    assert cycle_days(None) == 7
