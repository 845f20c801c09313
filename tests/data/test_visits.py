"""VisitOps: plan storage and status, the day's list, carry-over and the visit transitions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khtui.data.store import Store
from khtui.data.visits import VisitProblem

D = dt.date
TODAY = D(2026, 11, 23)  # Monday
BATCH = ["周一", "周二", "周三", "周四", "周五", "周一"]


def seed(store: Store, n: int = 30, **extra) -> None:
    store.upsert_retailers(
        [
            {
                "code": f"C{i:03d}",
                "name": f"店{i}",
                "route": f"线路{i % 6 + 1}",
                "route_seq": i // 6,
                "visit_batch": BATCH[i % 6],
                "status": "正常",
                "phone": "13800000000",
                **extra,
            }
            for i in range(n)
        ],
        source="test",
    )
    store.conn.execute("UPDATE retailers SET tier = 8, value_class = 'general'")


def rows(store, sql, params=()):
    return [dict(r) for r in store.query(sql, params)]


@pytest.fixture
def town(store):
    seed(store)
    return store


@pytest.fixture
def today_list(town):
    town.generate_month_plan("2026-11")
    visits = town.day_visits(TODAY)
    assert visits
    return visits


# -- the plan ----------------------------------------------------------------------------------
def test_generate_covers_every_active_retailer_and_stores_the_plan(town):
    town.update_retailer("C005", {"status": "歇业"})
    summary = town.generate_month_plan("2026-12")
    assert summary["retailers"] == 29 and summary["covered"] == 29 and summary["coverage"] == 1.0
    assert summary["status"] == "draft" and summary["warnings"] == []
    plan = town.month_plan("2026-12")
    assert plan["status"] == "draft" and plan["submit_by"] == "2026-11-30"
    codes = {v["retailer_code"] for v in plan["visits"]}
    assert len(codes) == 29 and "C005" not in codes
    stored = rows(town, "SELECT * FROM visits WHERE planned_date LIKE '2026-12-%'")
    assert len(stored) == summary["visits"]
    assert all(v["plan_id"] == plan["id"] and v["am_id"] == town.am_id for v in stored)
    assert all(json.loads(v["reasons"]) == ["plan"] for v in stored)


def test_plan_status_transitions(town):
    with pytest.raises(VisitProblem, match="还没有拜访计划"):
        town.submit_plan("2026-12")
    town.generate_month_plan("2026-12")
    with pytest.raises(VisitProblem, match="只有已提交的计划可以审批"):
        town.approve_plan("2026-12")
    assert town.submit_plan("2026-12")["status"] == "submitted"
    with pytest.raises(VisitProblem, match="只有草稿或已退回的计划可以提交"):
        town.submit_plan("2026-12")
    plan = town.approve_plan("2026-12")
    assert plan["status"] == "approved" and plan["approved_at"] == "2026-11-23T09:30:00"
    row = town.query_one("SELECT status, submitted_at FROM visit_plans WHERE month = '2026-12'")
    assert tuple(row) == ("approved", "2026-11-23T09:30:00")


def test_regenerating_a_submitted_plan_needs_replace_and_keeps_what_was_done(town):
    town.generate_month_plan("2026-11")
    done = town.day_visits(TODAY)[0]
    town.finish_visit(done["id"])
    skipped = town.day_visits(TODAY)[1]
    town.skip_visit(skipped["id"], "店主不在")
    town.submit_plan("2026-11")
    before = town.scalar("SELECT count(*) FROM visits")
    with pytest.raises(VisitProblem, match="--replace"):
        town.generate_month_plan("2026-11")
    assert town.scalar("SELECT count(*) FROM visits") == before
    assert town.month_plan_row("2026-11")["status"] == "submitted"
    summary = town.generate_month_plan("2026-11", replace=True)
    assert town.month_plan_row("2026-11")["status"] == "draft"
    kept = rows(town, "SELECT id, status FROM visits WHERE status != 'planned'")
    assert {(v["id"], v["status"]) for v in kept} == {
        (done["id"], "done"),
        (skipped["id"], "skipped"),
    }
    # the retailer visited today is not planned again (tier 8: once a month)
    assert not town.query(
        "SELECT 1 FROM visits WHERE retailer_code = ? AND status = 'planned'",
        (done["retailer_code"],),
    )
    assert summary["coverage"] == 1.0


def test_past_month_and_bad_month(town):
    with pytest.raises(VisitProblem, match="已过去"):
        town.generate_month_plan("2026-10")
    with pytest.raises(VisitProblem, match="不是有效月份"):
        town.generate_month_plan("2026-13")


def test_plan_from_the_data_raises_visits_for_situations(store):
    seed(store, n=6)
    store.conn.execute("UPDATE retailers SET debit_failures = 2 WHERE code = 'C000'")
    store.raise_complaint("C001", "delivery", "送货晚了", raised_on=D(2026, 11, 20))
    # C002: 100 条 a month Jul-Sep, 140 in October. Drafted on 11-23, the plan of December
    # compares October (the last complete month) with the three before it: +40% > 30%.
    store.add_order_lines(
        [
            ("C002", f"2026-{m:02d}-05", "B1", "烟", q, q * 100.0, 100.0)
            for m, q in ((7, 100), (8, 100), (9, 100), (10, 140))
        ]
    )
    store.upsert_brands(
        [{"brand_code": "N1", "name": "新品", "is_new": 1, "launch_date": "2026-11-01"}]
    )
    store.conn.execute("UPDATE retailers SET tier = 5 WHERE code = 'C003'")
    store.generate_month_plan("2026-12")
    reasons = {}
    for v in store.month_plan("2026-12")["visits"]:
        reasons.setdefault(v["retailer_code"], []).append(v["reasons"])
    assert sorted(reasons["C000"]) == [["debit_failure"], ["plan", "debit_failure"]]
    assert sorted(reasons["C001"]) == [["complaint"], ["plan", "complaint"]]
    assert sorted(reasons["C002"]) == [["plan", "sales_swing"], ["sales_swing"]]
    assert reasons["C003"] == [["plan", "new_product"], ["plan"]]  # tier 5: two visits
    assert reasons["C004"] == [["plan"]]  # tier 8 is above new_product_max_tier


# -- the day's list ----------------------------------------------------------------------------
def test_day_visits_have_the_contract_keys_in_route_order(town, today_list):
    keys = {
        "id", "retailer_code", "name", "route", "route_seq", "seq", "status", "reasons",
        "measures", "tier", "value_class", "phone", "address", "last_visit", "open_complaints",
        "overdue_complaints", "checked_in_at", "done_at", "skip_reason", "adhoc",
    }  # fmt: skip
    assert keys <= set(today_list[0])
    # Monday: 线路1 and 线路6
    assert {v["route"] for v in today_list} <= {"线路1", "线路6"}
    order = [(v["route"], v["route_seq"]) for v in today_list]
    assert order == sorted(order)
    assert [v["seq"] for v in today_list] == list(range(1, len(today_list) + 1))


def test_last_visit_and_complaint_counts(town, today_list):
    code = today_list[0]["retailer_code"]
    with town.write() as c:
        c.execute(
            "INSERT INTO visits (id, am_id, retailer_code, planned_date, status, created_at, updated_at) "
            "VALUES ('old', 'x', ?, '2026-10-12', 'done', 'x', 'x')",
            (code,),
        )
    town.raise_complaint(code, "delivery", "晚", raised_on=D(2026, 11, 2))
    town.raise_complaint(code, "supply", "缺货", raised_on=D(2026, 11, 20))
    v = town.day_visits(TODAY)[0]
    assert v["last_visit"] == "2026-10-12"
    assert v["open_complaints"] == 2
    assert v["overdue_complaints"] == 1  # delivery: 3 working days after 11-02 is before today


def test_progress_and_coverage(town, today_list):
    a, b, c = today_list[:3]
    town.check_in(a["id"])
    town.finish_visit(b["id"])
    town.skip_visit(c["id"], "关门")
    p = town.day_progress(TODAY)
    assert p == {
        "done": 1, "skipped": 1, "checked_in": 1, "planned": len(today_list) - 3,
        "total": len(today_list), "rescheduled": 0,
    }  # fmt: skip
    cov = town.month_coverage("2026-11", TODAY)
    assert cov["active"] == 30 and cov["visited"] == 1
    assert len(cov["unvisited"]) == 29
    assert b["retailer_code"] not in {u["code"] for u in cov["unvisited"]}
    assert cov["working_days_left"] == 6  # 23..27 and 30 November
    assert town.month_coverage("2026-11", D(2026, 11, 30))["working_days_left"] == 1


# -- transitions ---------------------------------------------------------------------------------
def test_check_in_records_the_time_and_twice_is_refused(town, today_list):
    vid = today_list[0]["id"]
    town.check_in(vid)
    row = town.query_one("SELECT status, checked_in_at FROM visits WHERE id = ?", (vid,))
    assert tuple(row) == ("checked_in", "2026-11-23T09:30:00")
    with pytest.raises(VisitProblem, match="已于 09:30 签到"):
        town.check_in(vid)
    town.finish_visit(vid)
    with pytest.raises(VisitProblem, match="已于 09:30 完成"):
        town.finish_visit(vid)
    with pytest.raises(VisitProblem, match="已完成，不能跳过"):
        town.skip_visit(vid, "x")
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "done"


def test_finish_without_check_in_sets_both_times(town, today_list):
    vid = today_list[0]["id"]
    town.finish_visit(vid)
    row = town.query_one("SELECT status, checked_in_at, done_at FROM visits WHERE id = ?", (vid,))
    assert tuple(row) == ("done", "2026-11-23T09:30:00", "2026-11-23T09:30:00")


def test_future_visit_cannot_be_checked_in(town, today_list):
    tomorrow = town.day_visits(D(2026, 11, 24))[0]
    with pytest.raises(VisitProblem, match="不能提前签到"):
        town.check_in(tomorrow["id"])
    assert (
        town.query_one("SELECT status FROM visits WHERE id = ?", (tomorrow["id"],))[0] == "planned"
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_skip_needs_a_reason(town, today_list, reason):
    vid = today_list[0]["id"]
    with pytest.raises(VisitProblem, match="需要填写原因"):
        town.skip_visit(vid, reason)
    assert (
        town.query_one("SELECT status, skip_reason FROM visits WHERE id = ?", (vid,))[0]
        == "planned"
    )


def test_skip_records_the_reason(town, today_list):
    vid = today_list[0]["id"]
    town.skip_visit(vid, " 店主不在 ")
    row = town.query_one("SELECT status, skip_reason FROM visits WHERE id = ?", (vid,))
    assert tuple(row) == ("skipped", "店主不在")


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (D(2026, 11, 20), "已过去"),
        (D(2026, 11, 28), "是休息日，不是工作日；可改到 2026-11-30"),
        (D(2027, 1, 1), "是节假日，不是工作日"),
        (D(2026, 10, 1), "已过去"),
        (TODAY, "已经在 2026-11-23"),
    ],
)
def test_reschedule_to_a_bad_day_is_refused(town, today_list, day, message):
    vid = today_list[0]["id"]
    with pytest.raises(VisitProblem, match=message):
        town.reschedule_visit(vid, day)
    assert town.scalar("SELECT count(*) FROM visits WHERE origin_visit_id = ?", (vid,)) == 0
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "planned"


def test_reschedule_to_a_holiday_names_it(town):
    town.generate_month_plan("2026-12")
    v = town.day_visits(D(2026, 12, 31))[0]
    with pytest.raises(VisitProblem, match="2027-01-01 是节假日"):
        town.reschedule_visit(v["id"], D(2027, 1, 1))


def test_reschedule_moves_the_visit_and_keeps_history(town, today_list):
    old = today_list[0]
    new = town.reschedule_visit(old["id"], D(2026, 11, 25))
    o = town.query_one("SELECT status, rescheduled_to FROM visits WHERE id = ?", (old["id"],))
    assert tuple(o) == ("rescheduled", "2026-11-25")
    n = dict(town.query_one("SELECT * FROM visits WHERE id = ?", (new,)))
    assert n["planned_date"] == "2026-11-25" and n["origin_visit_id"] == old["id"]
    assert json.loads(n["reasons"]) == old["reasons"] and n["status"] == "planned"
    assert n["id"] in [v["id"] for v in town.day_visits(D(2026, 11, 25))]
    with pytest.raises(VisitProblem, match="已改期到 2026-11-25"):
        town.check_in(old["id"])


def test_move_visit_reorders_the_day(town, today_list):
    ids = [v["id"] for v in today_list]
    assert town.move_visit(ids[2], -1) == 2
    assert [v["id"] for v in town.day_visits(TODAY)][:3] == [ids[0], ids[2], ids[1]]
    assert town.move_visit(ids[0], -5) == 1  # already first: stays
    assert town.move_visit(ids[0], 100) == len(ids)
    assert [v["id"] for v in town.day_visits(TODAY)][-1] == ids[0]


def test_add_adhoc_visit_and_remove(town, today_list):
    on_list = {v["retailer_code"] for v in today_list}
    code = next(f"C{i:03d}" for i in range(30) if f"C{i:03d}" not in on_list)
    vid = town.add_adhoc_visit(code, TODAY)
    last = town.day_visits(TODAY)[-1]
    assert last["id"] == vid and last["adhoc"] is True and last["reasons"] == ["adhoc"]
    row = dict(town.query_one("SELECT * FROM visits WHERE id = ?", (vid,)))
    assert row["am_id"] == town.am_id and row["plan_id"] is not None
    with pytest.raises(VisitProblem, match="已有拜访"):
        town.add_adhoc_visit(code, TODAY)
    town.remove_visit(vid)
    assert town.query_one("SELECT 1 FROM visits WHERE id = ?", (vid,)) is None


@pytest.mark.parametrize(
    ("code", "day", "message"),
    [
        ("NOPE", TODAY, "没有客户编码为 NOPE"),
        ("C001", D(2026, 11, 20), "已过去"),
        ("C005", TODAY, "状态为歇业"),
    ],
)
def test_add_adhoc_visit_refusals(town, code, day, message):
    town.update_retailer("C005", {"status": "歇业"})
    with pytest.raises(VisitProblem, match=message):
        town.add_adhoc_visit(code, day)
    assert town.scalar("SELECT count(*) FROM visits WHERE adhoc = 1") == 0


def test_remove_a_done_visit_is_refused(town, today_list):
    vid = today_list[0]["id"]
    town.finish_visit(vid)
    with pytest.raises(VisitProblem, match="不能删除"):
        town.remove_visit(vid)
    assert town.query_one("SELECT 1 FROM visits WHERE id = ?", (vid,)) is not None


def test_status_change_takes_the_retailer_out_of_future_visits(town, today_list):
    town.generate_month_plan("2026-12")
    code = today_list[0]["retailer_code"]
    town.update_retailer(code, {"status": "暂停"})
    assert not town.query(
        "SELECT 1 FROM visits WHERE retailer_code = ? AND planned_date > ? AND status = 'planned'",
        (code, TODAY.isoformat()),
    )
    assert code not in {v["retailer_code"] for v in town.month_plan("2026-12")["visits"]}


# -- carry-over ----------------------------------------------------------------------------------
def test_missed_visits_are_carried_to_todays_list(db_path):
    friday = {"now": dt.datetime(2026, 11, 20, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: friday["now"])
    seed(store)
    store.generate_month_plan("2026-11")
    fri = store.day_visits(D(2026, 11, 20))
    store.finish_visit(fri[0]["id"])
    store.skip_visit(fri[1]["id"], "关门")
    missed = fri[2:]
    assert missed
    # Saturday: a rest day, nothing is carried
    friday["now"] = dt.datetime(2026, 11, 21, 9, 0)
    assert store.carry_over(D(2026, 11, 21)) == 0
    # Monday: the missed Friday visits are on the list with reason 补访
    friday["now"] = dt.datetime(2026, 11, 23, 9, 0)
    monday = store.day_visits(D(2026, 11, 23))
    carried = [v for v in monday if "carry_over" in v["reasons"]]
    assert {v["retailer_code"] for v in carried} == {v["retailer_code"] for v in missed}
    assert all(v["reasons"] == ["plan", "carry_over"] for v in carried)
    old = rows(store, "SELECT status, rescheduled_to FROM visits WHERE planned_date = '2026-11-20'")
    assert sorted(o["status"] for o in old) == sorted(
        ["done", "skipped"] + ["rescheduled"] * len(missed)
    )
    assert all(o["rescheduled_to"] == "2026-11-23" for o in old if o["status"] == "rescheduled")
    # reading again carries nothing twice
    assert len(store.day_visits(D(2026, 11, 23))) == len(monday)
    # viewing Friday now shows what happened
    assert {v["status"] for v in store.day_visits(D(2026, 11, 20))} == {
        "done",
        "skipped",
        "rescheduled",
    }
    store.close()


def test_old_misses_are_not_carried(db_path):
    now = {"t": dt.datetime(2026, 11, 2, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store)
    store.generate_month_plan("2026-11")
    now["t"] = dt.datetime(2026, 11, 23, 8, 0)
    store.day_visits(D(2026, 11, 23))
    # visits planned 11-16 (7 days before) are carried; 11-13 and earlier stay missed
    late = rows(store, "SELECT planned_date, status FROM visits WHERE planned_date < '2026-11-16'")
    assert late and {v["status"] for v in late} == {"planned"}
    carried = rows(store, "SELECT DISTINCT planned_date FROM visits WHERE status = 'rescheduled'")
    assert {v["planned_date"] for v in carried} == {
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    }
    store.close()


def test_visit_history_newest_first(town, today_list):
    code = today_list[0]["retailer_code"]
    town.generate_month_plan("2026-12")
    town.finish_visit(today_list[0]["id"])
    hist = town.visit_history(code)
    dates = [h["planned_date"] for h in hist]
    assert dates == sorted(dates, reverse=True) and "2026-11-23" in dates
    assert hist[-1]["status"] == "done"
    assert len(town.visit_history(code, limit=1)) == 1
