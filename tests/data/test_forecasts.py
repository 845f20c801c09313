"""Stored forecasts, their accuracy, the warnings and suggestions read from the store, and the
plan's sales-swing reason fed by the forecast."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import pytest

from khtui.data.store import Store
from khtui.data.visits import VisitProblem
from khtui.domain.forecast import accuracy
from khtui.domain.months import add_months, month_days
from tests.conftest import ZH

D = dt.date
TODAY = D(2026, 11, 23)
BRANDS = ("B1", "B2")


def at(store: Store, day: dt.date) -> None:
    store.clock = lambda: dt.datetime.combine(day, dt.time(9, 0))


def weekly_lines(code: str, first: str, last: str, qty: dict[str, float], weekday: int = 1):
    """Order lines of ``code`` every ``weekday`` from month ``first`` to ``last``."""
    out = []
    m = first
    while m <= last:
        for d in month_days(m):
            if d.weekday() == weekday:
                for brand, q in qty.items():
                    out.append((code, d.isoformat(), brand, brand, q, q * 100.0, 100.0))
        m = add_months(m, 1)
    return out


@pytest.fixture
def town(store):
    """Five retailers: steady (R1, R2), one that closed (R3), one new without orders (R4),
    one with a single month of orders (R5); 24 months of weekly orders."""
    store.upsert_brands(
        [
            {"brand_code": b, "name": f"品牌{b}", "guide_price": 120.0, "wholesale_price": 100.0}
            for b in BRANDS
        ]
    )
    store.upsert_retailers(
        [
            {
                "code": f"R{i}",
                "name": f"店{i}",
                "route": "线路1",
                "route_seq": i,
                "visit_batch": "周一",
                "order_day": "周二",
                "status": "歇业" if i == 3 else "正常",
                "order_frequency": "每周一次",
            }
            for i in range(1, 6)
        ],
        source="test",
    )
    store.conn.execute("UPDATE retailers SET tier = 4, value_class = 'general'")
    lines = weekly_lines("R1", "2024-10", "2026-11", {"B1": 10.0, "B2": 5.0})
    lines += weekly_lines("R2", "2024-10", "2026-11", {"B1": 20.0})
    lines += weekly_lines("R3", "2024-10", "2026-05", {"B1": 8.0})
    lines += weekly_lines("R5", "2026-09", "2026-09", {"B2": 6.0})
    lines = [ln for ln in lines if ln[1] < TODAY.isoformat()]
    store.add_order_lines(lines)
    at(store, TODAY)
    return store


def test_a_run_is_stored_with_the_data_it_saw(town):
    summary = town.compute_forecasts(D(2026, 11, 1))
    assert summary.targets == ("2026-11", "2026-12")
    assert summary.data_through == "2026-10-27"  # the last order before November
    assert summary.history == ("2024-10", "2026-10")
    run = town.latest_forecast_run()
    assert run["data_stamp"] == town.order_data_stamp()
    assert run["data_lines"] == town.scalar(
        "SELECT count(*) FROM order_lines WHERE order_date < '2026-11-01'"
    )
    rows = {r.retailer_code: r for r in town.forecast_rows("2026-12", level="retailer")}
    assert rows["R3"].method == "closed" and rows["R3"].qty == 0
    assert rows["R4"].method == "no_history" and rows["R4"].qty == 0
    assert rows["R5"].method == "short"
    assert rows["R1"].method not in ("closed", "no_history", "short")
    assert rows["R1"].windows >= town.rules.forecast.min_select_windows
    assert rows["R1"].wape is not None and "snaive" in rows["R1"].scores
    area = town.forecast_rows("2026-12", level="area")[0]
    assert area.qty == pytest.approx(sum(r.qty for r in rows.values()), abs=0.05)
    # a steady weekly order: about four or five Tuesdays' worth
    assert 4 * 15 <= rows["R1"].qty <= 5 * 15 + 1
    brands = town.forecast_rows("2026-12", retailer="R1", level="brand")
    assert {b.brand_code for b in brands} == {"B1", "B2"}
    backtest = json.loads(run["backtest"])
    assert backtest["horizon_1"]["measure"].startswith("WAPE")
    assert backtest["horizon_1"]["holdout_months"][-1] == "2026-10"


def _stored_run(store: Store, run_id: str) -> list[tuple]:
    return [
        tuple(r)
        for r in store.query(
            "SELECT target_month, level, retailer_code, brand_code, qty_tiao, lo_tiao, hi_tiao, "
            "method, windows, wape, baseline_wape, why FROM forecasts WHERE run_id = ? "
            "ORDER BY target_month, level, retailer_code, brand_code",
            (run_id,),
        )
    ]


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="origins are computed in forked processes on Linux with two cores or more",
)
def test_a_run_in_forked_processes_is_the_run_in_one(town, monkeypatch):
    import khtui.data.forecasts as forecasts_mod

    alone = town.compute_forecasts(D(2026, 11, 1))
    alone_rows = _stored_run(town, alone.run_id)  # the next run supersedes it
    monkeypatch.setattr(forecasts_mod, "PARALLEL_MIN_SERIES", 1)
    forked = []
    made = forecasts_mod.forked_mapper

    def watched(series, progress=None):
        mapper = made(series, progress)
        forked.append(mapper is not None)
        return mapper

    monkeypatch.setattr(forecasts_mod, "forked_mapper", watched)
    told: list[tuple[int, int]] = []
    parallel = town.compute_forecasts(D(2026, 11, 1), lambda *a: told.append(a))
    assert forked == [True]
    assert parallel.backtest == alone.backtest
    assert len(alone_rows) > 10
    assert _stored_run(town, parallel.run_id) == alone_rows
    total = told[0][1]  # every origin told, in order, as its results arrive
    assert total > 1 and told == [(done, total) for done in range(total + 1)]


def test_a_run_tells_how_many_of_its_origins_are_done_and_is_the_same_run(town):
    """One process: ``progress(done, total)`` before the first origin and after each; the run
    stored is the one made without being asked."""
    alone = town.compute_forecasts(D(2026, 11, 1))
    alone_rows = _stored_run(town, alone.run_id)
    told: list[tuple[int, int]] = []
    watched = town.compute_forecasts(D(2026, 11, 1), lambda *a: told.append(a))
    total = told[0][1]
    assert total > 1 and told == [(done, total) for done in range(total + 1)]
    assert watched.backtest == alone.backtest
    assert _stored_run(town, watched.run_id) == alone_rows


def test_small_runs_and_threaded_processes_compute_their_origins_in_one_process(monkeypatch):
    import threading

    from khtui.data.forecasts import PARALLEL_MIN_SERIES, forked_mapper

    assert forked_mapper(PARALLEL_MIN_SERIES - 1) is None
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert forked_mapper(PARALLEL_MIN_SERIES) is None


def test_forecasts_are_stale_when_the_orders_change_or_a_month_begins(town):
    assert town.forecasts_stale()  # none yet
    town.compute_forecasts()
    assert not town.forecasts_stale()
    town.add_order_lines([("R2", "2026-11-20", "B2", "B2", 3.0, 300.0, 100.0)])
    assert town.forecasts_stale()
    town.compute_forecasts()
    assert not town.forecasts_stale()
    at(town, D(2026, 12, 1))
    assert town.forecasts_stale()


def test_a_months_accuracy_scores_the_forecast_made_before_it_began(town):
    at(town, D(2026, 10, 1))
    before = town.compute_forecasts(D(2026, 10, 1))
    oct_before = {r.retailer_code: r.qty for r in town.forecast_rows("2026-10", level="retailer")}
    stored = town.query(
        "SELECT * FROM forecasts WHERE run_id = ? ORDER BY 2, 3, 4, 5", (before.run_id,)
    )
    # later in October September's orders are re-imported, larger, and forecast again
    at(town, D(2026, 10, 20))
    town.add_order_lines(
        [
            ("R1", d.isoformat(), "B1", "B1", 40.0, 4000.0, 100.0)
            for d in month_days("2026-09")
            if d.weekday() == 1
        ]
    )
    later = town.compute_forecasts(D(2026, 10, 20))
    assert later.run_id != before.run_id
    # the run made before October is kept as it was
    again = town.query(
        "SELECT * FROM forecasts WHERE run_id = ? ORDER BY 2, 3, 4, 5", (before.run_id,)
    )
    assert [tuple(r) for r in again] == [tuple(r) for r in stored]
    # whatever the later run says about October, the score is the earlier one's
    town.conn.execute(
        "UPDATE forecasts SET qty_tiao = 999 WHERE run_id = ? AND target_month = '2026-10'",
        (later.run_id,),
    )
    assert town.forecast_rows("2026-10", retailer="R1", level="retailer")[0].qty == 999
    at(town, TODAY)
    acc = town.month_accuracy("2026-10")
    assert acc.run_id == before.run_id and acc.run_as_of == "2026-10-01" and acc.complete
    r1 = next(s for s in acc.retailers if s.key == "R1")
    assert r1.forecast == pytest.approx(oct_before["R1"], abs=0.01)
    actual = town.scalar(
        "SELECT qty_tiao FROM monthly_sales WHERE retailer_code = 'R1' AND month = '2026-10'"
    )
    assert r1.actual == actual and r1.accuracy == pytest.approx(accuracy(r1.forecast, actual))
    # the area on its summed forecast and summed actual
    total_f = sum(s.forecast for s in acc.retailers)
    total_a = sum(s.actual for s in acc.retailers)
    assert acc.area.forecast == pytest.approx(total_f)
    assert acc.area.accuracy == pytest.approx(accuracy(total_f, total_a))
    # a closed retailer: nothing forecast, nothing ordered: 1
    r3 = next(s for s in acc.retailers if s.key == "R3")
    assert (r3.forecast, r3.actual, r3.accuracy) == (0.0, 0.0, 1.0)
    # per brand: summed over the retailers
    b1 = next(s for s in acc.brands if s.key == "B1")
    assert b1.name == "品牌B1" and b1.accuracy == pytest.approx(accuracy(b1.forecast, b1.actual))
    # a month with no forecast made before it began has no accuracy
    assert town.month_accuracy("2026-09").area is None
    # this month so far: scored, not complete
    assert not town.month_accuracy("2026-11").complete


def test_the_profile_view_has_the_forecasts_and_the_last_months_accuracy(town):
    at(town, D(2026, 10, 1))
    town.compute_forecasts(D(2026, 10, 1))
    at(town, TODAY)
    town.compute_forecasts()
    view = town.retailer_forecast("R1")
    assert view.this_month.target_month == "2026-11" and view.next_month.target_month == "2026-12"
    assert [s.key for s in view.accuracy] == ["2026-10"]
    assert {b.brand_code for b in view.brands} == {"B1", "B2"}


# -- warnings and suggestions from the store ----------------------------------------------------
def count_stock(store, code, brand, day, stock):
    store.conn.execute(
        "INSERT INTO price_observations (id, am_id, retailer_code, brand_code, observed_on, "
        "stock_tiao, is_draft) VALUES (?, 'am', ?, ?, ?, ?, 0)",
        (f"{code}{brand}{day}", code, brand, day.isoformat(), stock),
    )


def test_stock_cover_warnings_from_the_last_count_and_the_orders(town):
    # R2 buys 20 条 of B1 every Tuesday: Aug-Oct 2026 is 92 days
    count_stock(town, "R2", "B1", D(2026, 11, 9), 30)  # older count: not the last
    count_stock(town, "R2", "B1", D(2026, 11, 16), 2)
    count_stock(town, "R1", "B2", D(2026, 11, 16), 200)  # five weeks' worth... and more
    items = town.warnings_for(TODAY)
    short = next(w for w in items if w.kind == "shortage")
    tuesdays = sum(
        1 for m in ("2026-08", "2026-09", "2026-10") for d in month_days(m) if d.weekday() == 1
    )
    assert short.retailer_code == "R2" and short.params["stock"] == 2
    assert short.params["ordered"] == 20  # the Tuesday after the count, 11-17
    assert short.params["rate"] == pytest.approx(round(20 * tuesdays / 92, 2))
    assert short.params["next_order"] == "2026-11-24"
    over = next(w for w in items if w.kind == "overstock")
    assert over.retailer_code == "R1" and over.brand_code == "B2"
    # the closed retailer and the brands nobody counted have no stock warning
    assert not any(w.retailer_code == "R3" for w in items)


def test_a_count_on_the_stale_limit_is_judged_with_its_orders_and_rate(town):
    """A count exactly ``stale_days`` old is still judged, with the lines ordered since and
    the sell rate; one a day older is stale, whatever its stock."""
    limit = TODAY - dt.timedelta(days=town.rules.warnings.stale_days)
    count_stock(town, "R2", "B1", limit, 100)
    count_stock(town, "R1", "B1", limit - dt.timedelta(days=1), 100)
    items = {(w.retailer_code, w.brand_code): w for w in town.warnings_for(TODAY)}
    tuesdays_since = sum(
        1 for k in range(1, (TODAY - limit).days) if (limit + dt.timedelta(days=k)).weekday() == 1
    )
    tuesdays = sum(
        1 for m in ("2026-08", "2026-09", "2026-10") for d in month_days(m) if d.weekday() == 1
    )
    judged = items[("R2", "B1")]
    assert judged.kind == "overstock"
    assert judged.params["ordered"] == 20 * tuesdays_since > 0
    assert judged.params["rate"] == pytest.approx(round(20 * tuesdays / 92, 2))
    assert items[("R1", None)].kind == "stale_stock"


STOCK_KINDS = ("shortage", "overstock", "stale_stock")


def observe(store, oid, code, brand, day, stock, *, draft=0):
    store.conn.execute(
        "INSERT INTO price_observations (id, am_id, retailer_code, brand_code, observed_on, "
        "stock_tiao, is_draft) VALUES (?, 'am', ?, ?, ?, ?, ?)",
        (oid, code, brand, day.isoformat(), stock, draft),
    )


def stock_warnings_count_by_count(store, day, codes=None):
    """The stock warnings as each count was once judged on its own: every (active retailer,
    brand)'s last finished count ranked among all its counts (the latest day, then the
    smallest id), its sell rate and the orders since summed from the order lines, judged one
    by one; the stale ones merged into one per retailer (its newest count, how many brands)."""
    from khtui.domain.months import month_range
    from khtui.domain.order_cycle import order_weekday
    from khtui.domain.warnings import StockFacts, Warning, next_order_day, stock_warning

    wr = store.rules.warnings
    is_workday = store._workday_fn()
    active = {
        r["code"]: order_weekday(r["order_day"])
        for r in store.query("SELECT code, order_day FROM retailers WHERE status = '正常'")
        if codes is None or r["code"] in codes
    }
    last: dict[tuple[str, str], tuple] = {}
    for r in store.query(
        "SELECT * FROM price_observations WHERE is_draft = 0 AND stock_tiao IS NOT NULL "
        "AND observed_on <= ? ORDER BY id",
        (day.isoformat(),),
    ):
        key = (r["retailer_code"], r["brand_code"])
        if r["retailer_code"] in active and (key not in last or r["observed_on"] > last[key][1]):
            last[key] = (r["stock_tiao"], r["observed_on"])
    months = [add_months(day.strftime("%Y-%m"), -k) for k in range(1, wr.sell_rate_months + 1)]
    first, end = month_range(months[-1])[0], month_range(months[0])[1]
    lines = store.query("SELECT * FROM order_lines WHERE order_date <= ?", (day.isoformat(),))
    out, stale = [], {}
    for (code, brand), (stock, counted) in last.items():
        mine = [ln for ln in lines if (ln["retailer_code"], ln["brand_code"]) == (code, brand)]
        sold = sum(
            ln["qty_tiao"] for ln in mine if first.isoformat() <= ln["order_date"] <= str(end)
        )
        since = sum(ln["qty_tiao"] for ln in mine if ln["order_date"] > counted)
        w = stock_warning(
            StockFacts(
                code,
                brand,
                float(stock),
                D.fromisoformat(counted),
                float(since),
                sold / ((end - first).days + 1),
                next_order_day(day, active[code], is_workday),
            ),
            day,
            wr,
        )
        if w is not None and w.kind == "stale_stock":
            stale.setdefault(code, []).append(w)
        elif w is not None:
            out.append(w)
    for code, ws in stale.items():
        newest = max(ws, key=lambda w: w.params["counted_on"])
        params = {k: v for k, v in newest.params.items() if k not in ("brand", "stock")}
        out.append(Warning("stale_stock", code, None, {**params, "brands": len(ws)}))
    return out


def said(items):
    """Warnings as compared: their params in order too (the command line's JSON shows them)."""
    return [(w.kind, w.retailer_code, w.brand_code, list(w.params.items())) for w in items]


def test_the_warnings_are_the_counts_judged_one_by_one(town):
    """Every kind of warning on a database of many kinds of counts: the stock warnings are
    those of each count judged on its own, the others as they come, in the same order; the
    warnings of some retailers are theirs among everyone's."""
    from khtui.domain.warnings import sort_warnings

    at(town, D(2026, 10, 1))
    town.compute_forecasts(D(2026, 10, 1))  # October's and November's sales swings
    at(town, TODAY)
    town.add_order_lines([("R2", "2026-11-05", "B2", "B2", 300.0, 30000.0, 100.0)])  # a rise
    town.conn.execute("UPDATE retailers SET licence_expiry = '2026-12-10' WHERE code = 'R1'")
    town.raise_complaint("R2", "delivery", "送货晚", raised_on=D(2026, 11, 20))
    limit = TODAY - dt.timedelta(days=town.rules.warnings.stale_days)
    town.upsert_brands([{"brand_code": "B3", "name": "品牌B3", "guide_price": 120.0}])
    # R1: two stale brands (one counted twice) beside a judged one
    observe(town, "a1", "R1", "B1", limit - dt.timedelta(days=20), 30)
    observe(town, "a2", "R1", "B1", limit - dt.timedelta(days=1), 25)
    observe(town, "a3", "R1", "B2", D(2026, 11, 17), 200)  # an order day: not since
    observe(town, "a4", "R1", "B3", limit - dt.timedelta(days=9), 5)
    # R2: two counts of a day (the smallest id stands), a draft, a count without stock and one
    # after the day, none of which stands; a brand counted on the stale limit (judged)
    observe(town, "b1", "R2", "B1", D(2026, 11, 16), 2)
    observe(town, "b2", "R2", "B1", D(2026, 11, 16), 500)
    observe(town, "b0", "R2", "B1", D(2026, 11, 20), 900, draft=1)
    observe(town, "b3", "R2", "B1", D(2026, 11, 21), None)
    observe(town, "b4", "R2", "B1", D(2026, 11, 30), 700)
    observe(town, "b5", "R2", "B2", limit, 3)
    # R3 closed: never warned; R4: only stale brands, one counted again later; R5: a stale
    # brand beside one counted on the limit
    observe(town, "c1", "R3", "B1", D(2026, 11, 16), 1)
    observe(town, "d1", "R4", "B1", D(2026, 9, 1), 4)
    observe(town, "d2", "R4", "B2", D(2026, 9, 20), 4)
    observe(town, "d3", "R4", "B2", D(2026, 8, 2), 9)
    observe(town, "e1", "R5", "B2", limit - dt.timedelta(days=1), 0)
    observe(town, "e2", "R5", "B1", limit, 6)  # its newest count, on the limit: judged
    for day in (TODAY, D(2026, 11, 30)):
        items = town.warnings_for(day)
        stock = stock_warnings_count_by_count(town, day)
        others = [w for w in items if w.kind not in STOCK_KINDS]
        assert said(items) == said(sort_warnings(stock + others))
        for codes in (["R1"], ["R2", "R3"], ["R4", "R5", "R9"], []):
            assert said(town.warnings_for(day, codes)) == said(
                [w for w in items if w.retailer_code in codes]
            )
    kinds = {w.kind for w in town.warnings_for(TODAY)}
    assert kinds == {*STOCK_KINDS, "licence", "complaint", "swing_low", "swing_high"}
    stale = {w.retailer_code: w.params for w in town.warnings_for(TODAY) if w.kind == "stale_stock"}
    assert stale["R1"]["brands"] == 2 and stale["R4"]["brands"] == 2
    assert stale["R1"]["counted_on"] == (limit - dt.timedelta(days=1)).isoformat()
    assert stale["R4"]["counted_on"] == "2026-09-20" and stale["R5"]["brands"] == 1


def test_licence_and_complaint_reminders(town):
    town.conn.execute("UPDATE retailers SET licence_expiry = '2026-12-10' WHERE code = 'R1'")
    town.conn.execute("UPDATE retailers SET licence_expiry = '2027-06-10' WHERE code = 'R2'")
    town.raise_complaint("R2", "delivery", "送货晚", raised_on=D(2026, 11, 20))
    items = town.warnings_for(TODAY)
    lic = [w for w in items if w.kind == "licence"]
    assert [(w.retailer_code, w.params["days"]) for w in lic] == [("R1", 17)]
    comp = [w for w in items if w.kind == "complaint"]
    assert len(comp) == 1 and comp[0].retailer_code == "R2"


def test_a_sales_swing_against_the_forecast_feeds_the_drafted_plan(town):
    at(town, D(2026, 10, 1))
    town.compute_forecasts(D(2026, 10, 1))
    # R1 ordered far less than forecast in October: its orders of 10-20 and 10-27 are gone
    with town.write() as c:
        c.execute(
            "DELETE FROM order_lines WHERE retailer_code = 'R1' "
            "AND order_date BETWEEN '2026-10-14' AND '2026-10-31'"
        )
    town.rebuild_monthly()
    at(town, D(2026, 11, 2))
    swings = {w.retailer_code: w for w in town.swing_warnings(D(2026, 11, 2))}
    # R1 and R5 (a September buyer who ordered nothing in October); not the steady R2
    assert set(swings) == {"R1", "R5"}
    assert swings["R1"].kind == "swing_low" and swings["R1"].params["complete"]
    assert swings["R1"].params["pct"] < -town.rules.warnings.swing_pct
    assert town.forecast_swing_codes(D(2026, 11, 2)) == frozenset({"R1", "R5"})
    town.generate_month_plan("2026-11")
    reasons: dict[str, set[str]] = {}
    for r in town.query(
        "SELECT retailer_code, reasons FROM visits WHERE planned_date >= '2026-11-01'"
    ):
        reasons.setdefault(r[0], set()).update(json.loads(r[1]))
    assert "sales_swing" in reasons["R1"] and "sales_swing" not in reasons["R2"]
    visits = dict(town.query("SELECT retailer_code, count(*) FROM visits GROUP BY retailer_code"))
    assert visits["R1"] == visits["R2"] + town.rules.visits.extra_sales_swing


def test_an_approved_plan_is_not_changed_by_a_later_swing(town):
    town.generate_month_plan("2026-12")
    town.submit_plan("2026-12")
    town.approve_plan("2026-12")
    before = town.query(
        "SELECT id, reasons FROM visits WHERE planned_date >= '2026-12-01' ORDER BY id"
    )
    at(town, D(2026, 10, 1))
    town.compute_forecasts(D(2026, 10, 1))
    at(town, TODAY)
    with pytest.raises(VisitProblem) as refused:
        town.generate_month_plan("2026-12")
    assert refused.value.key == "plan.err.plan_locked"
    after = town.query(
        "SELECT id, reasons FROM visits WHERE planned_date >= '2026-12-01' ORDER BY id"
    )
    assert [tuple(r) for r in before] == [tuple(r) for r in after]


def test_suggestions_use_this_months_forecast_and_the_tier_ceiling(town, tmp_path):
    from openpyxl import load_workbook

    from khtui.data.exporters import export

    count_stock(town, "R2", "B1", D(2026, 11, 16), 2)
    town.conn.execute("UPDATE retailers SET tier = 6 WHERE code = 'R2'")
    town.compute_forecasts()
    found = {s.code: s for s in town.supply_suggestions()}
    assert "R3" not in found  # not active
    r2 = found["R2"]
    assert r2.next_order_day == D(2026, 11, 24) and r2.cycle_days == 7 and r2.has_forecast
    line = next(ln for ln in r2.lines if ln.brand_code == "B1")
    # 80 条 a month: 10 days' need is ~24, above tier 6's ceiling
    assert line.capped and line.suggested_tiao == town.rules.supply.ceiling_for(6)
    assert found["R4"].lines == []
    out = tmp_path / "s.xlsx"
    n = export(town, "suggestions", out, t=ZH)
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "客户编码" and len(rows) == n + 1
    r2_b1 = next(r for r in rows[1:] if r[0] == "R2" and r[4] == "B1")
    assert r2_b1[6] == line.suggested_tiao and r2_b1[10] == "已按档位上限"


def test_the_plan_asks_the_forecast_for_its_sales_swings(town, monkeypatch):
    """R2's orders are steady (no swing against its own past months); flagged by the forecast,
    it gets the sales-swing reason and its extra visit."""
    asked = []

    def swings(as_of):
        asked.append(as_of)
        return frozenset({"R2"})

    monkeypatch.setattr(town, "forecast_swing_codes", swings)
    town.generate_month_plan("2026-12")
    assert asked == [TODAY]  # what is known when the plan is drafted
    reasons: dict[str, set[str]] = {}
    for r in town.query("SELECT retailer_code, reasons FROM visits"):
        reasons.setdefault(r[0], set()).update(json.loads(r[1]))
    assert "sales_swing" in reasons["R2"] and "sales_swing" not in reasons["R1"]


def test_superseded_runs_are_removed_but_not_the_one_made_before_a_month(town):
    at(town, D(2026, 10, 1))
    first = town.compute_forecasts(D(2026, 10, 1))  # before October: kept for its accuracy
    at(town, D(2026, 10, 10))
    middle = town.compute_forecasts(D(2026, 10, 10))
    at(town, D(2026, 10, 20))
    last_october = town.compute_forecasts(D(2026, 10, 20))  # the last before November
    at(town, TODAY)
    latest = town.compute_forecasts(TODAY)
    kept = {r[0] for r in town.query("SELECT id FROM forecast_runs")}
    assert kept == {first.run_id, last_october.run_id, latest.run_id}
    assert middle.run_id not in {r[0] for r in town.query("SELECT DISTINCT run_id FROM forecasts")}
    assert town.month_accuracy("2026-10").run_id == first.run_id
    assert town.month_accuracy("2026-11").run_id == last_october.run_id


def test_a_run_in_a_process_of_its_own_is_stored_and_summed_up(town):
    from khtui.data.forecasts import compute_in_child

    town.conn.commit()
    started = []
    summary = compute_in_child(town.path, town.rules, D(2026, 11, 1), on_start=started.append)
    assert len(started) == 1 and started[0].returncode == 0
    assert summary is not None and summary.targets == ("2026-11", "2026-12")
    assert town.run_before("2026-11")["id"] == summary.run_id


def test_the_forecasts_process_gives_way_to_the_screens(town, monkeypatch):
    """The child lowers its own priority (its forked workers inherit it) before it reads."""
    import io

    import khtui.data.forecasts as forecasts_mod

    town.conn.commit()
    order: list[object] = []  # what the child did, in order

    def nice(increment: int) -> int:
        order.append(("nice", increment))
        return increment

    monkeypatch.setattr(os, "nice", nice)
    args = {
        "db": str(town.path),
        "rules": town.rules.data,
        "origin": town.rules.origin,
        "as_of": "2026-11-01",
    }

    class Stdin(io.StringIO):
        def read(self, *a):
            order.append("read")
            return super().read(*a)

    monkeypatch.setattr("sys.stdin", Stdin(json.dumps(args)))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    forecasts_mod._child_main()
    assert order == [("nice", forecasts_mod.CHILD_NICENESS), "read"]
    assert json.loads(out.getvalue())["targets"] == ["2026-11", "2026-12"]
