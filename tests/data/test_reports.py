"""Report figures and weekly report versions, on a small dataset with known answers.

The dataset is ``seed_reports(store)`` of tests/conftest.py, shared with the report's document,
CLI and screen tests.
Week under test: 2026-W47 (Monday 2026-11-16 .. Sunday 2026-11-22); today is 2026-11-23.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from khtui.data.base import StoreError
from tests.conftest import _report_price, insert_visit, seed_reports
from tests.data.conftest import shelf_looks


@pytest.fixture
def seeded(store):
    seed_reports(store)
    return store


# -- weekly figures -------------------------------------------------------------------------
def wf(store, week):
    """The week's figures as the dict they are stored as (``WeeklyFigures.to_dict``)."""
    return store.weekly_figures(week).to_dict()


def test_week_visits(seeded):
    v = wf(seeded, "2026-W47")["visits"]
    assert (v["total"], v["done"], v["skipped"], v["planned"], v["checked_in"]) == (8, 3, 2, 1, 1)
    assert (v["rescheduled"], v["adhoc"]) == (1, 1)
    assert v["skip_reasons"] == [{"reason": "店主不在", "count": 2}]
    # total 8 = 3 done + 2 skipped + 1 planned + 1 checked in + 1 rescheduled away (R006 on
    # 11-17): a visit rescheduled away was still planned in the week
    rows = [(d["day"], d["total"], d["done"], d["skipped"], d["rescheduled"]) for d in v["by_day"]]
    assert rows == [
        ("2026-11-16", 3, 2, 1, 0),
        ("2026-11-17", 3, 1, 0, 1),  # R004 done (ad hoc), R005 planned, R006 rescheduled away
        ("2026-11-18", 2, 0, 1, 0),
    ]


def test_carry_over_after_the_week_leaves_its_planned_visits_as_they_were(seeded):
    """Reading Monday 11-23's list carries R005's missed 11-17 visit over to that day: it
    becomes 'rescheduled' in W47 and a 'carry_over' visit in W48. W47 still planned 8."""
    before = wf(seeded, "2026-W47")["visits"]
    assert seeded.carry_over(dt.date(2026, 11, 23)).carried == 1
    after = wf(seeded, "2026-W47")["visits"]
    assert (after["total"], after["done"], after["planned"], after["rescheduled"]) == (8, 3, 0, 2)
    assert after["total"] == before["total"] and after["done"] == before["done"]
    assert [d["total"] for d in after["by_day"]] == [d["total"] for d in before["by_day"]]
    # the carry-over visit is planned on its new day, in next week's plan
    nw = wf(seeded, "2026-W47")["next_week"]
    assert nw["total"] == 3 and nw["days"][0]["day"] == "2026-11-23"
    assert nw["days"][0]["reasons"] == {"carry_over": 1, "plan": 1}
    w48 = wf(seeded, "2026-W48")["visits"]
    # W48: the 11-23 carry-over, R006 11-24 and R001 11-25 planned, R002 11-25 skipped, R003
    # 11-26 rescheduled away
    assert (w48["total"], w48["planned"], w48["skipped"], w48["rescheduled"]) == (5, 3, 1, 1)


def test_a_visit_moved_within_the_week_counts_once(seeded):
    # R005's 11-17 visit moved to Thursday 11-19 of the same week: the replacement counts
    with seeded.write() as conn:
        old = conn.execute(
            "SELECT id FROM visits WHERE retailer_code = 'R005' AND planned_date = '2026-11-17'"
        ).fetchone()[0]
        conn.execute(
            "UPDATE visits SET status = 'rescheduled', rescheduled_to = '2026-11-19' WHERE id = ?",
            (old,),
        )
        new = insert_visit(conn, seeded.am_id, "R005", "2026-11-19", "done")
        conn.execute("UPDATE visits SET origin_visit_id = ? WHERE id = ?", (old, new))
    v = wf(seeded, "2026-W47")["visits"]
    assert (v["total"], v["done"], v["planned"], v["rescheduled"]) == (8, 4, 0, 1)
    assert [(d["day"], d["total"]) for d in v["by_day"]] == [
        ("2026-11-16", 3),
        ("2026-11-17", 2),  # R004, and R006 rescheduled out of the week
        ("2026-11-18", 2),
        ("2026-11-19", 1),
    ]


def test_week_accepts_loose_spelling(seeded):
    assert wf(seeded, "2026w47")["start"] == "2026-11-16"


def test_coverage_counts_active_retailers_only(seeded):
    c = wf(seeded, "2026-W47")["coverage"]
    assert (c["month"], c["as_of"], c["active"], c["visited"]) == ("2026-11", "2026-11-22", 6, 4)
    assert [u["code"] for u in c["unvisited"]] == ["R005", "R006"]
    # 11-23..27 and 11-30 are the working days left in November 2026
    assert c["working_days_left"] == 6


def on_day(store, day: dt.date) -> None:
    """Move the store's clock to 9:00 on ``day``."""
    store.clock = lambda: dt.datetime.combine(day, dt.time(9))


def test_a_week_across_a_month_end_reports_the_closed_month_in_full(seeded):
    """W49 runs Mon 11-30 .. Sun 12-06: November closes in it, December starts (read on the
    Monday after it)."""
    assert wf(seeded, "2026-W47")["coverage_closed"] is None  # one month only
    with seeded.write() as conn:
        insert_visit(conn, seeded.am_id, "R005", "2026-11-30", "done")  # the last day of November
        insert_visit(conn, seeded.am_id, "R001", "2026-12-01", "done")
    on_day(seeded, dt.date(2026, 12, 7))
    f = wf(seeded, "2026-W49")
    closed, c = f["coverage_closed"], f["coverage"]
    assert (closed["month"], closed["as_of"], closed["active"], closed["visited"]) == (
        "2026-11",
        "2026-11-30",
        6,
        5,
    )
    assert [u["code"] for u in closed["unvisited"]] == ["R006"]
    assert closed["working_days_left"] == 0
    assert (c["month"], c["as_of"], c["visited"]) == ("2026-12", "2026-12-06", 1)


def test_a_week_not_over_counts_as_of_today_not_its_end(seeded):
    """W49 read on its Tuesday 12-01: November closed in it, December is counted to today (not
    to Sunday 12-06, a date still ahead); a retailer whose visit is today, not made yet, has a
    visit planned, and today is one of the working days left."""
    with seeded.write() as conn:
        insert_visit(conn, seeded.am_id, "R005", "2026-11-30", "done")
        insert_visit(conn, seeded.am_id, "R002", "2026-12-01", "done")
        insert_visit(conn, seeded.am_id, "R006", "2026-12-01", "planned", seq=3)
    on_day(seeded, dt.date(2026, 12, 1))
    f = wf(seeded, "2026-W49")
    closed, c = f["coverage_closed"], f["coverage"]
    assert (closed["month"], closed["as_of"], closed["visited"]) == ("2026-11", "2026-11-30", 5)
    assert (c["month"], c["as_of"], c["visited"]) == ("2026-12", "2026-12-01", 1)
    planned = {u["code"]: u["next_planned"] for u in c["unvisited"]}
    # R001 (12-01, from the seeded December plan) and R006 are due today, R003 tomorrow
    assert planned["R001"] == planned["R006"] == "2026-12-01"
    assert planned["R003"] == "2026-12-02" and planned["R005"] is None
    # December 2026: 23 working days, today the first of them
    assert c["working_days_left"] == 23
    # the brand figures' window ends today too
    assert f["brands"]["window_end"] == "2026-12-01"


def test_price_deviation_threshold_is_exclusive(seeded):
    p = wf(seeded, "2026-W47")["prices"]
    assert (p["observations"], p["retailers"], p["brands"], p["unmarked"]) == (4, 3, 3, 1)
    assert [(d["code"], d["brand_code"], d["dev_pct"]) for d in p["deviations"]] == [
        ("R002", "B3", -12.0),
        ("R002", "B1", 10.4),
    ]


def test_price_deviations_at_the_threshold_in_the_last_digits(seeded):
    """The deviations SQLite hands over are decided by ``deviation_flagged``: a price a hair
    over the threshold (10.00000004 %) is flagged, one within its tolerance (10.0000000004 %) is
    not, nor one whose guide price is 0; every observation with a price is still counted."""
    with seeded.write() as conn:
        for code, retail, guide in (
            ("R004", 275.0001, 250),  # +10.00004 %
            ("R005", 275.000000001, 250),  # +10.0000000004 %: inside the tolerance
            ("R006", 30, 0),  # no guide price to compare with
        ):
            _report_price(conn, seeded.am_id, code, "B2", "2026-11-19", retail, guide)
    p = wf(seeded, "2026-W47")["prices"]
    assert (p["observations"], p["retailers"], p["brands"]) == (7, 6, 3)
    assert [(d["code"], d["brand_code"], d["dev_pct"]) for d in p["deviations"]] == [
        ("R002", "B3", -12.0),
        ("R002", "B1", 10.4),
        ("R004", "B2", 10.0),
    ]


def test_week_sales_against_last_week_and_last_year(seeded):
    """W47 (11-16..11-22): R001's two lines of 11-17 and R002's of 11-18; W46 has none; W47
    of 2025 (2025-11-17..23) none either, until a line is added there."""
    seeded.add_order_lines([("R005", "2025-11-23", "B1", "黄鹤楼", 3, 750, 250)])
    s = wf(seeded, "2026-W47")["sales"]
    week, prev, ly = s["week"], s["previous"], s["last_year"]
    assert (week["start"], week["end"]) == ("2026-11-16", "2026-11-22")
    assert (week["qty"], week["amount"], week["retailers"]) == (29, 2650, 2)
    assert (prev["start"], prev["qty"], prev["retailers"]) == ("2026-11-09", 0, 0)
    assert (ly["start"], ly["end"], ly["qty"], ly["retailers"]) == (
        "2025-11-17",
        "2025-11-23",
        3,
        1,
    )


def test_a_week_not_over_compares_its_days_so_far_with_as_many_of_last_week(seeded):
    """W48 read on Wednesday 11-25: its orders up to yesterday (Mon-Tue) against Mon-Tue of
    W47 and of the same week last year, not against whole weeks; a week over is whole."""
    seeded.add_order_lines([("R003", "2026-11-24", "B3", "红金龙", 8, 400, 50)])
    on_day(seeded, dt.date(2026, 11, 25))
    f = wf(seeded, "2026-W48")
    w, p, ly = (f["sales"][k] for k in ("week", "previous", "last_year"))
    assert (w["start"], w["end"], w["qty"]) == ("2026-11-23", "2026-11-24", 8)
    # W47's Monday and Tuesday: R001's 5 + 20 条 on 11-17 (not R002's 4 on Wednesday)
    assert (p["start"], p["end"], p["qty"]) == ("2026-11-16", "2026-11-17", 25)
    assert (ly["start"], ly["end"]) == ("2025-11-24", "2025-11-25")
    assert f["as_of"] == "2026-11-25"
    over = wf(seeded, "2026-W47")
    assert over["as_of"] is None
    assert (over["sales"]["week"]["end"], over["sales"]["previous"]["end"]) == (
        "2026-11-22",
        "2026-11-15",
    )


def test_week_figures_inside_a_transaction_see_its_rows(seeded):
    """Read inside a write transaction, the figures (every one of them, the week's sales
    included) include the rows the transaction has written and not yet committed."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), seeded.write() as conn:
        conn.execute(
            "INSERT INTO order_lines (retailer_code, order_date, brand_code, brand_name, "
            "qty_tiao, amount, price) VALUES ('R006', '2026-11-20', 'B2', '利群', 7, 700, 100)"
        )
        inside = wf(seeded, "2026-W47")["sales"]["week"]
        raise Undo  # rolled back
    assert (inside["qty"], inside["retailers"]) == (36, 3)
    assert wf(seeded, "2026-W47")["sales"]["week"]["qty"] == 29


def test_an_error_reading_the_week_sales_is_the_figures_error(seeded, monkeypatch):
    """The week's sales are read beside the other figures; their failure is not lost."""

    def broken(start, end):
        raise RuntimeError("the sales could not be read")

    monkeypatch.setattr(seeded, "_rpt_sales", broken)
    with pytest.raises(RuntimeError, match="could not be read"):
        seeded.weekly_figures("2026-W47")


def test_figures_read_beside_see_the_transactions_rows(seeded):
    """The coverage is read on a thread of its own beside the rest; inside a write transaction
    it is read in it, as the rest is, and sees its rows."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), seeded.write() as conn:
        conn.execute("UPDATE retailers SET status = '暂停' WHERE code = 'R001'")
        inside = wf(seeded, "2026-W47")
        raise Undo  # rolled back
    after = wf(seeded, "2026-W47")
    assert (inside["coverage"]["active"], after["coverage"]["active"]) == (5, 6)
    assert (inside["brands"]["active"], after["brands"]["active"]) == (5, 6)
    # B1 was ordered in the window by R001 and R003: R001 suspended, by one active retailer
    b1_inside, b1_after = (
        next(r for r in f["brands"]["rows"] if r["brand_code"] == "B1") for f in (inside, after)
    )
    assert (b1_inside["ordered"], b1_after["ordered"]) == (1, 2)
    assert b1_inside["distribution_rate"] == pytest.approx(100 / 5)


@pytest.mark.parametrize(
    "part",
    ["_rpt_coverage", "_rpt_week_prices", "_rpt_week_accuracy"],
)
def test_an_error_of_a_figure_read_beside_is_the_figures_error(seeded, monkeypatch, part):
    """Whatever is read on a thread of its own, its failure is raised where the figures wait
    for it, not lost with its thread."""

    def broken(*args):
        raise RuntimeError(f"{part} could not be read")

    monkeypatch.setattr(seeded, part, broken)
    with pytest.raises(RuntimeError, match=f"{part} could not be read"):
        seeded.weekly_figures("2026-W47")


@pytest.mark.parametrize(
    ("figures", "period", "beside", "here"),
    [
        ("weekly_figures", "2026-W47", "_rpt_week_prices", "_rpt_week_visits"),
        ("monthly_figures", "2026-10", "_rpt_month_sales", "_rpt_brand_info"),
    ],
)
def test_parts_read_beside_end_before_the_figures_fail(
    seeded, monkeypatch, figures, period, beside, here
):
    """A part made on the caller's thread fails while a part read beside is still reading: the
    figures raise only once that part has ended, so no thread still reads when the caller goes
    on (and perhaps closes the store and its connections)."""
    release = threading.Event()
    order: list[str] = []
    read = getattr(seeded, beside)

    def still_reading(*args):
        release.wait(0.5)  # ends on its own, or once the figures have raised
        order.append("part ended")
        return read(*args)

    def broken(*args):
        raise RuntimeError("this part failed")

    monkeypatch.setattr(seeded, beside, still_reading)
    monkeypatch.setattr(seeded, here, broken)
    with pytest.raises(RuntimeError, match="this part failed"):
        getattr(seeded, figures)(period)
    order.append("figures raised")
    release.set()
    assert order == ["part ended", "figures raised"]


def test_of_two_shelf_looks_on_one_day_the_later_counts(seeded):
    """A brand looked at twice on one day at one retailer: the observation written last is the
    shelf's state, whichever it says."""

    def b3_on_shelf() -> int:
        [b3] = [f for f in seeded.brand_figures(*period) if f["brand_code"] == "B3"]
        return b3["on_shelf"]

    period = seeded.brand_period(dt.date(2026, 11, 22))
    with seeded.write() as conn:
        conn.execute("UPDATE brands SET is_new = 1 WHERE brand_code = 'B3'")
    before = b3_on_shelf()
    with seeded.write() as conn:
        _report_price(conn, seeded.am_id, "R005", "B3", "2026-11-20", 20, 20, shelf=1)
        _report_price(conn, seeded.am_id, "R005", "B3", "2026-11-20", 20, 20, shelf=0)
    assert b3_on_shelf() == before
    with seeded.write() as conn:
        _report_price(conn, seeded.am_id, "R005", "B3", "2026-11-20", 20, 20, shelf=1)
    assert b3_on_shelf() == before + 1


def test_stock_by_brand(seeded):
    s = wf(seeded, "2026-W47")["stock"]
    # each retailer's last stock record of the week; B2 was seen without a stock figure
    assert [(r["brand_code"], r["retailers"], r["stock_tiao"]) for r in s] == [
        ("B3", 1, 20),
        ("B1", 2, 15),
    ]
    assert s[1]["stock_avg"] == 7.5
    # on-shelf has one definition, the brand figures' (section 6), not a stock column
    assert "on_shelf_rate" not in s[1]


def test_brand_cultivation_window(seeded):
    """The report's brand figures are ``store.brand_figures`` (one definition, in
    khtui/domain/brand_figures.py) over the 30-day cycle (rules brands.cycle_days) ending on
    the week's Sunday: 2026-10-24 .. 2026-11-22. Expectations worked out by hand below."""
    # sell-through looks up to one cycle after a retailer's first order in the window, past the
    # window's end: R003's first B1 order is 10-24, so 11-23 is the last day that counts
    # (10-24 + 30 days); R002's first B2 order is 11-18, so 12-19 is one day too late (12-18)
    seeded.add_order_lines(
        [
            ("R003", "2026-11-23", "B1", "黄鹤楼", 3, 750, 250),
            ("R002", "2026-12-19", "B2", "利群", 2, 200, 100),
        ]
    )
    br = wf(seeded, "2026-W47")["brands"]
    # active = R001..R006 (R007 is suspended)
    assert (br["window_start"], br["window_end"], br["active"]) == ("2026-10-24", "2026-11-22", 6)
    assert br["cycle_days"] == 30
    rows = {r["brand_code"]: r for r in br["rows"]}
    assert list(rows) == ["B1", "B2"]  # key and new brands only
    b1, b2 = rows["B1"], rows["B2"]

    # distribution B1: R001 (11-03, 11-17) and R003 (10-24, the window's first day) ordered it
    # in the window; R004's 10-23 is the day before and R001's 10-05 long before -> 2 / 6
    assert (b1["ordered"], br["active"]) == (2, 6)
    assert b1["distribution_rate"] == pytest.approx(100 * 2 / 6)
    # sell-through B1: R001 again on 11-17 (14 days after 11-03), R003 again on 11-23 (30 days
    # after 10-24, after the window but inside the cycle) -> 2 / 2. A count of order days inside
    # the window would give 1 / 2.
    assert (b1["reordered"], b1["sell_through_rate"]) == (2, 100.0)
    # on-shelf: retailers with a finished on-shelf check in the window are R001, R002 and R003
    # (R004's check is a draft; R001's 11-23 check records no shelf and is after the window).
    # B1 was last seen on the shelf at R001 only (R002 said no) -> 1 / 3; per observation it
    # would have been 1 of 2.
    assert (b1["on_shelf"], b1["shelf_checked"]) == (1, 3)
    assert b1["on_shelf_rate"] == pytest.approx(100 / 3)
    # the report's own extra, over the same window (one period per table): B1's cartons
    # ordered 10-24..11-22 = R003's 6 (10-24) + R001's 10 (11-03) and 5 (11-17)
    assert b1["qty"] == 21

    # B2: only R002 (11-18) -> 1 / 6; its 12-19 reorder is 31 days later -> 0 / 1; seen on the
    # shelf at R003 (which never ordered it) -> 1 / 3; the week's quantity is R002's 4 cartons
    assert (b2["ordered"], b2["reordered"], b2["sell_through_rate"]) == (1, 0, 0.0)
    assert b2["distribution_rate"] == pytest.approx(100 / 6)
    assert b2["on_shelf_rate"] == pytest.approx(100 / 3)
    assert b2["qty"] == 4

    # the same numbers as the brand view for a day that is the week's Sunday
    period = seeded.brand_period(dt.date(2026, 11, 22))
    canonical = {f["brand_code"]: f for f in seeded.brand_figures(*period)}
    for code in ("B1", "B2"):
        for key in ("distribution_rate", "sell_through_rate", "on_shelf_rate"):
            assert rows[code][key] == canonical[code][key]


def test_brand_orders_only_after_the_period_or_returned_in_it_are_not_distribution(seeded):
    """Of a brand's order days after the period (in the cycle that follows it), only those of a
    retailer that ordered it in the period count, as its reorder; a return in the period (a
    line of fewer than none) is no order."""
    period = (dt.date(2026, 10, 24), dt.date(2026, 11, 22))

    def b2() -> dict:
        [row] = [f for f in seeded.brand_figures(*period) if f["brand_code"] == "B2"]
        return row

    before = b2()
    seeded.add_order_lines(
        [
            ("R005", "2026-11-25", "B2", "利群", 2, 200, 100),  # after the period only
            ("R006", "2026-11-10", "B2", "利群", -1, -100, 100),  # a return in the period
            ("R006", "2026-11-24", "B2", "利群", 3, 300, 100),  # then an order after it
        ]
    )
    after = b2()
    assert (after["ordered"], after["reordered"]) == (before["ordered"], before["reordered"])
    seeded.add_order_lines([("R005", "2026-11-21", "B2", "利群", 1, 100, 100)])
    # R005 ordered in the period now, and again four days later, after it: a reorder
    assert (b2()["ordered"], b2()["reordered"]) == (before["ordered"] + 1, before["reordered"] + 1)


def test_complaints_as_of_the_week_end(seeded):
    c = wf(seeded, "2026-W47")["complaints"]
    assert (c["opened"], c["answered"], c["closed"], c["overdue"], c["open_total"]) == (
        3,
        1,
        1,
        2,
        3,
    )
    overdue = {i["code"]: i["status"] for i in c["items"] if i["overdue"]}
    # R004 was forwarded and overdue on 11-22 although it was closed later; R005 is due on
    # the 22nd itself and so not overdue yet
    assert overdue == {"R001": "open", "R004": "forwarded"}
    # the items are every complaint the counts speak of: received (R001, R003, R005), answered
    # (R002, received the week before), closed (R003), overdue (R001, R004)
    assert sorted(i["code"] for i in c["items"]) == ["R001", "R002", "R003", "R004", "R005"]
    assert sum(1 for i in c["items"] if i["closed_on"]) == c["closed"]
    assert sum(1 for i in c["items"] if i["answered_on"]) == c["answered"]


def test_in_a_week_not_over_a_complaint_due_later_in_it_is_not_overdue(seeded):
    """W48 read on its Monday 11-23 (today): a complaint due on Wednesday is not overdue yet,
    as on the complaints screen; one due last Friday is."""
    from tests.conftest import _report_complaint

    with seeded.write() as conn:
        _report_complaint(
            conn, seeded.am_id, "R006", "delivery", "2026-11-23", "2026-11-25", "open"
        )
    c = wf(seeded, "2026-W48")["complaints"]
    late = {i["code"]: i["overdue"] for i in c["items"] if i["raised_on"] == "2026-11-23"}
    assert late == {"R006": False}
    # R001 (due 11-20) and R005 (due 11-22) are overdue today
    overdue = sorted(i["code"] for i in c["items"] if i["overdue"])
    assert overdue == ["R001", "R005"] and c["overdue"] == 2


def test_complaints_settled_before_the_week_count_nowhere_and_open_ones_everywhere(seeded):
    """Older complaints: one closed before the week, one answered before it and closed after
    it (settled as of the week's end), and one forwarded long ago and still open (an empty
    answer date is no answer): only the last one counts, as open and overdue."""
    from tests.conftest import _report_complaint

    before = wf(seeded, "2026-W47")["complaints"]
    with seeded.write() as conn:
        am = seeded.am_id
        _report_complaint(
            conn, am, "R006", "supply", "2026-10-01", "2026-10-10", "closed", closed="2026-10-05"
        )
        _report_complaint(
            conn,
            am,
            "R006",
            "supply",
            "2026-10-02",
            "2026-10-12",
            "closed",
            answered="2026-11-10",
            closed="2026-11-30",
        )
        _report_complaint(
            conn,
            am,
            "R006",
            "prices",
            "2026-10-03",
            "2026-10-13",
            "forwarded",
            forwarded="2026-10-04",
            answered="",
        )
    c = wf(seeded, "2026-W47")["complaints"]
    assert (c["opened"], c["answered"], c["closed"]) == (
        before["opened"],
        before["answered"],
        before["closed"],
    )
    assert (c["overdue"], c["open_total"]) == (before["overdue"] + 1, before["open_total"] + 1)
    [new] = [i for i in c["items"] if i["code"] == "R006"]
    assert (new["raised_on"], new["status"], new["overdue"]) == ("2026-10-03", "forwarded", True)


def test_dynamics_and_next_week(seeded):
    f = wf(seeded, "2026-W47")
    assert [(d["code"], d["event"], d["note"]) for d in f["dynamics"]] == [
        ("R005", "装修", "下周重新开业")
    ]
    nw = f["next_week"]
    assert nw["week"] == "2026-W48" and nw["total"] == 2
    assert [(d["day"], d["visits"], d["reasons"]) for d in nw["days"]] == [
        ("2026-11-24", 1, {"plan": 1, "complaint": 1}),
        ("2026-11-25", 1, {"plan": 1, "care": 1}),
    ]


# -- versions ---------------------------------------------------------------------------------
def test_new_week_has_no_version_and_fresh_figures(seeded):
    r = seeded.weekly_report("2026-W47")
    assert r["version"] == 0 and r["status"] == "draft" and r["versions"] == 0
    assert r["figures"].visits.done == 3


def test_draft_saved_as_typed_then_submit_freezes(seeded):
    seeded.save_weekly_draft("2026-W47", {"problems": "断货"})
    seeded.save_weekly_draft("2026-W47", {"suggestions": "增加投放"})
    r = seeded.weekly_report("2026-W47")
    assert r["version"] == 1 and r["versions"] == 1
    assert r["narrative"] == {"problems": "断货", "suggestions": "增加投放", "improvements": ""}
    sub = seeded.submit_weekly("2026-W47")
    assert sub["status"] == "submitted" and sub["submitted_at"] == "2026-11-23T09:30:00"
    assert sub["figures"]["visits"]["done"] == 3

    # data changes after the submission: the submitted version keeps its figures
    with seeded.write() as conn:
        conn.execute("UPDATE visits SET status = 'done' WHERE status = 'checked_in'")
    frozen = seeded.weekly_report("2026-W47")
    assert frozen["status"] == "submitted" and frozen["figures"].visits.done == 3
    with pytest.raises(StoreError, match="already_submitted"):
        seeded.submit_weekly("2026-W47")

    # a later edit makes version 2, carrying the text forward; version 1 is untouched
    seeded.save_weekly_draft("2026-W47", {"improvements": "提前预约"})
    r2 = seeded.weekly_report("2026-W47")
    assert r2["version"] == 2 and r2["status"] == "draft"
    assert r2["narrative"]["problems"] == "断货" and r2["narrative"]["improvements"] == "提前预约"
    assert r2["figures"].visits.done == 4  # a draft refreshes its figures
    v1 = seeded.weekly_versions("2026-W47")[0]
    assert v1["status"] == "submitted" and v1["narrative"]["improvements"] == ""
    assert v1["figures"]["visits"]["done"] == 3


def test_unknown_section_refused_and_nothing_written(seeded):
    with pytest.raises(StoreError, match="unknown_sections"):
        seeded.save_weekly_draft("2026-W47", {"summary": "x"})
    assert seeded.weekly_versions("2026-W47") == []


def test_report_rows_carry_ids_and_am(seeded):
    row = seeded.save_weekly_draft("2026-W47", {"problems": "x"})
    assert len(row["id"]) == 32 and row["am_id"] == seeded.am_id


# -- monthly figures --------------------------------------------------------------------------
def test_monthly_sales_against_last_year(seeded):
    m = seeded.monthly_figures("2026-10")
    assert m.complete and m.as_of == "2026-10-31"
    months = m.sales
    assert months[0].month == "2025-11" and months[-1].month == "2026-10"
    oct_ = months[-1]
    assert (oct_.qty, oct_.amount, oct_.retailers) == (60, 7000, 4)
    assert (oct_.qty_ly, oct_.amount_ly) == (60, 5000)
    # the order data starts on 2025-10-05 (a Sunday): October 2025 is a complete base month
    assert oct_.ly_complete and oct_.yoy_qty == 0.0
    tiers = {r.tier: r for r in m.tiers}
    assert (tiers[3].retailers, tiers[3].qty, tiers[3].qty_ly) == (2, 46, 50)
    assert (tiers[1].qty, tiers[1].qty_ly) == (12, 10)
    assert (tiers[8].qty, tiers[8].qty_ly) == (2, 0)
    # price classes in their order, 一类 first
    assert [c.price_class for c in m.classes] == ["一类", "五类"]
    classes = {r.price_class: r for r in m.classes}
    assert (classes["五类"].qty, classes["五类"].qty_ly) == (40, 50)
    assert (classes["一类"].qty, classes["一类"].qty_ly) == (20, 10)
    assert [b.brand_code for b in m.top_brands] == ["B3", "B1"]
    [opinion] = [g for g in m.market.texts if g.kind == "opinion"]
    assert (opinion.text, opinion.count, opinion.labels) == ("希望增加细支烟供应", 1, {"建议": 1})
    assert m.coverage.visited == 0 and m.coverage.active == 6


@pytest.mark.parametrize(
    ("part", "month"),
    [
        ("_rpt_month_brand_sums", "2026-10"),
        ("_rpt_month_brand_sums", "2026-11"),
        ("_rpt_growth", "2026-11"),  # the month still running: its growth from the lines
        ("_rpt_month_sales", "2026-10"),
        ("_rpt_month_categories", "2026-10"),
        ("_rpt_sales", "2026-11"),  # the month to date and a year before
    ],
)
def test_an_error_of_a_monthly_figure_read_beside_is_the_figures_error(
    seeded, monkeypatch, part, month
):
    """What SQLite sums alone is read on threads of its own: a failure of one part is raised
    where the monthly figures wait for it."""

    def broken(*args):
        raise RuntimeError(f"{part} could not be read")

    monkeypatch.setattr(seeded, part, broken)
    with pytest.raises(RuntimeError, match=f"{part} could not be read"):
        seeded.monthly_figures(month)


def test_monthly_brand_figures_inside_a_transaction_see_its_rows(seeded):
    """Inside a write transaction the brands' sums are read in it and see its rows."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), seeded.write() as conn:
        conn.execute(
            "UPDATE monthly_brand_sales SET qty_tiao = qty_tiao + 100, amount = amount + 0.5 "
            "WHERE brand_code = 'B1' AND month = '2026-10'"
        )
        inside = seeded.monthly_figures("2026-10")
        raise Undo  # rolled back
    after = seeded.monthly_figures("2026-10")
    assert [b.brand_code for b in inside.top_brands] == ["B1", "B3"]
    b1_inside, b1_after = (
        next(b for b in f.top_brands if b.brand_code == "B1") for f in (inside, after)
    )
    assert b1_inside.qty == b1_after.qty + 100 * b1_inside.retailers
    assert b1_inside.amount == round(b1_after.amount + 0.5 * b1_inside.retailers, 2)
    # B1 is the one brand of 一类 sold in the month, B3 of 五类
    classes = {c.price_class: c for c in inside.classes}
    assert (classes["一类"].qty, classes["五类"].qty) == (b1_inside.qty, 40)
    assert classes["一类"].amount == b1_inside.amount
    assert [b.brand_code for b in after.top_brands] == ["B3", "B1"]


def test_monthly_report_counts_next_months_visits(seeded):
    """Next month (November for October): its 14 visits less the 2 rescheduled away, to 7
    retailers, of whom R007 is suspended: 6 of the 6 active retailers planned."""
    nm = seeded.monthly_figures("2026-10").next_month
    assert (nm.month, nm.visits, nm.retailers, nm.active, nm.covered) == ("2026-11", 12, 7, 6, 6)
    with seeded.write() as conn:
        conn.execute("UPDATE retailers SET status = '暂停' WHERE code = 'R001'")
    nm = seeded.monthly_figures("2026-10").next_month
    assert (nm.visits, nm.retailers, nm.active, nm.covered) == (12, 7, 5, 5)


def test_potential_brands_grew_against_the_month_before(seeded):
    """A month that is over against the whole month before; the month still running against
    as many days of the month before (November to the 22nd against October's 1st..22nd)."""
    seeded.add_order_lines(
        [
            ("R001", "2026-09-10", "B1", "黄鹤楼", 8, 2000, 250),
            ("R002", "2026-09-11", "B3", "红金龙", 50, 2500, 50),
            ("R005", "2026-09-14", "B2", "利群", 3, 300, 100),
            ("R005", "2026-10-12", "B2", "利群", 9, 900, 100),
        ]
    )
    names = dict(seeded.query("SELECT brand_code, name FROM brands"))
    grown = [
        (g.subject, g.qty, g.qty_before) for g in seeded.monthly_figures("2026-10").potential_brands
    ]
    # October: B1 20 against 8 (+12), B2 9 against 3 (+6); B3 fell from 50 to 40
    assert grown == [(names["B1"], 20, 8), (names["B2"], 9, 3)]
    grown = [
        (g.subject, g.qty, g.qty_before) for g in seeded.monthly_figures("2026-11").potential_brands
    ]
    # November to the 22nd: B1 15 against 12 (October's 23rd and 24th not counted); B2 4 < 9
    assert grown == [(names["B1"], 15, 12)]


def test_year_on_year_needs_a_complete_base_month(seeded):
    """The data starts on 2025-10-05: October 2025 is complete (its first working day is
    10-09 after the National Day holiday), September 2025 and before are no basis."""
    m = seeded.monthly_figures("2026-10")
    by = {x.month: x for x in m.sales}
    assert by["2026-10"].ly_complete and by["2026-10"].yoy_qty is not None
    assert not by["2026-09"].ly_complete and by["2026-09"].yoy_qty is None
    # the month still running (today 2026-11-23) is never compared as a whole month
    nov = seeded.monthly_figures("2026-11")
    assert not nov.complete and nov.as_of == "2026-11-22" and nov.current.yoy_qty is None
    assert nov.month_to_date is not None and nov.month_to_date.end == "2026-11-22"


def test_month_narrative_collects_the_weeks_of_the_month(seeded):
    seeded.save_weekly_draft("2026-W47", {"problems": "断货\n价格偏高"})
    seeded.save_weekly_draft("2026-W44", {"problems": "十月底的问题"})  # Thu 10-29: October
    seeded.save_weekly_draft("2026-W45", {"problems": "十一月初"})  # Mon 11-02: November
    nov = seeded.monthly_figures("2026-11").weekly_narrative
    assert nov["problems"] == ["十一月初", "断货", "价格偏高"]
    oct_ = seeded.monthly_figures("2026-10").weekly_narrative
    assert oct_["problems"] == ["十月底的问题"]


def test_monthly_narrative_is_versioned_like_the_weekly_report(seeded):
    assert seeded.monthly_report("2026-10")["version"] == 0
    seeded.save_monthly_draft("2026-10", {"problems": "五类烟下滑"})
    seeded.save_monthly_draft("2026-10", {"targets": "走访面 100%"})
    r = seeded.monthly_report("2026-10")
    assert (r["version"], r["status"]) == (1, "draft")
    assert r["narrative"] == {
        "problems": "五类烟下滑",
        "improvements": "",
        "targets": "走访面 100%",
    }
    sub = seeded.submit_monthly("2026-10")
    assert sub["status"] == "submitted" and sub["figures"]["month"] == "2026-10"
    with pytest.raises(StoreError, match="already_submitted"):
        seeded.submit_monthly("2026-10")
    frozen = seeded.monthly_report("2026-10")
    assert frozen["figures"].month == "2026-10" and frozen["figures"].sales[-1].qty == 60
    seeded.save_monthly_draft("2026-10", {"improvements": "加强回访"})
    r2 = seeded.monthly_report("2026-10")
    assert (r2["version"], r2["status"]) == (2, "draft")
    assert r2["narrative"]["problems"] == "五类烟下滑"
    assert seeded.monthly_versions("2026-10")[0]["narrative"]["improvements"] == ""
    with pytest.raises(StoreError, match="unknown_sections"):
        seeded.save_monthly_draft("2026-10", {"suggestions": "x"})


# -- the plan ---------------------------------------------------------------------------------
def test_plan_figures(seeded):
    p = seeded.plan_document_figures("2026-12")
    assert (p.status, p.visits, p.retailers, p.active, p.covered_active) == (
        "submitted",
        3,
        3,
        6,
        3,
    )
    assert p.missing == ["R004", "R005", "R006"]
    assert [(d.day, d.visits) for d in p.days] == [("2026-12-01", 2), ("2026-12-02", 1)]
    rows = {r.code: r for r in p.retailer_rows}
    assert rows["R001"].days == ["2026-12-01"] and rows["R001"].measures == [
        "collect_demand",
        "新品推广",
    ]
    assert p.reasons == {"plan": 3, "new_product": 1, "care": 1}
    assert p.reason_visits == 5 and p.visits == 3  # a visit can carry several reasons
    assert [(f.tier, f.per_month, f.retailers, f.visits) for f in p.frequency] == [
        (1, 4, 1, 1),
        (3, 3, 2, 2),
    ]
    assert p.submit_by == "2026-11-30"


def test_plan_warnings_are_stored_with_the_plan(store):
    """The generator's warnings are kept with the plan, for the plan document."""
    seed_reports(store)
    with store.write() as conn:
        conn.execute("DELETE FROM visits WHERE planned_date >= '2026-12-01'")
        conn.execute("DELETE FROM visit_plans")
        conn.execute("UPDATE retailers SET tier = NULL WHERE code = 'R001'")
    store.generate_month_plan("2026-12")
    p = store.plan_document_figures("2026-12")
    # R006 has no tier in the seed, R001 lost its tier above
    assert [w.key for w in p.warnings] == ["untiered"] and p.warnings[0].params == {"n": 2}


@pytest.mark.parametrize(
    "quantities",
    [
        (0.1, 0.2, 12345.678901234567),  # the last one needs 17 digits
        (0.5, 2.25, 7.0),  # exact in binary
        (1e15 + 1, 3.0, 4.0),  # a whole number of 16 digits
    ],
)
def test_brand_quantities_are_the_lines_added_up_exactly(seeded, quantities):
    """A brand's quantity over the period is its lines' quantities added one by one in the
    key's order, to the last bit, whatever numbers the lines hold."""
    period = (dt.date(2026, 10, 24), dt.date(2026, 11, 22))
    seeded.add_order_lines(
        [
            (code, "2026-11-21", "B2", "利群", q, 100 * q, 100)
            for code, q in zip(("R001", "R003", "R005"), quantities, strict=True)
        ]
    )
    want = 0.0
    for (q,) in seeded.conn.execute(
        "SELECT qty_tiao FROM order_lines WHERE brand_code = 'B2' "
        "AND order_date BETWEEN '2026-10-24' AND '2026-11-22' "
        "ORDER BY order_date, retailer_code"
    ):
        want += q
    _, qty = seeded.brand_figures_with_qty(*period)
    assert qty["B2"] == want
    assert [
        r["qty"] for r in wf(seeded, "2026-W47")["brands"]["rows"] if r["brand_code"] == "B2"
    ] == [want]


def test_brand_figures_of_retailer_codes_holding_control_characters(seeded):
    """A retailer's code may hold any character, control characters included: its lines
    count as any other's (against the definition fed the lines one by one)."""
    from khtui.domain.brand_figures import brand_figures

    period = (dt.date(2026, 10, 24), dt.date(2026, 11, 22))
    odd = ["R\x1e01", "R\x1d02", "R\x1c03"]
    with seeded.write() as conn:
        for code in odd:
            conn.execute(
                "INSERT INTO retailers (code, name, status, created_at, updated_at) "
                "VALUES (?, ?, '正常', '2026-01-01', '2026-01-01')",
                (code, code),
            )
    seeded.add_order_lines(
        [
            (code, day, "B2", "利群", 2, 200, 100)
            for code in odd
            for day in ("2026-11-03", "2026-11-10")
        ]
    )
    lines = seeded.conn.execute(
        "SELECT retailer_code, brand_code, order_date, qty_tiao FROM order_lines "
        "ORDER BY order_date, retailer_code, brand_code"
    ).fetchall()
    shelf = shelf_looks(seeded)
    active = [r["code"] for r in seeded.query("SELECT code FROM retailers WHERE status = '正常'")]
    expected = brand_figures(
        seeded.cultivated_brands(),
        active,
        [(c, b, dt.date.fromisoformat(d)) for c, b, d, q in lines if q > 0],
        shelf,
        *period,
        seeded.rules.brands.cycle_days,
    )
    rows, qty = seeded.brand_figures_with_qty(*period)
    assert [
        {k: v for k, v in r.items() if k not in ("guide_price", "start", "end")} for r in rows
    ] == [f.to_dict() for f in expected]
    [b2] = [f for f in expected if f.brand_code == "B2"]
    assert b2.ordered >= 4 and b2.reordered >= 3
    want: dict[str, float] = {}
    for _c, b, d, q in lines:
        if "2026-10-24" <= d <= "2026-11-22" and b in qty:
            want[b] = want.get(b, 0.0) + q
    assert qty == want
