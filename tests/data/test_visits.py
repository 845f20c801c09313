"""VisitOps: plan storage and status, the day's list, carry-over and the visit transitions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khtui.data.store import Store
from khtui.data.visits import VisitProblem
from tests.conftest import ZH, route_retailers

D = dt.date
TODAY = D(2026, 11, 23)  # Monday


def seed(store: Store, n: int = 30, **extra) -> None:
    store.upsert_retailers(route_retailers(n, phone="13800000000", **extra), source="test")
    store.conn.execute("UPDATE retailers SET tier = 8, value_class = 'general'")


def refused(key: str, text: str, fn, *args, **kw) -> None:
    """``fn`` raises the problem ``key``, whose message (in Chinese) says ``text``."""
    with pytest.raises(VisitProblem) as e:
        fn(*args, **kw)
    assert e.value.key == key
    assert text in ZH.message(e.value), ZH.message(e.value)


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
    refused("plan.err.no_plan", "还没有拜访计划", town.submit_plan, "2026-12")
    town.generate_month_plan("2026-12")
    refused(
        "plan.err.cannot_approved",
        "状态为草稿，只有已提交的计划可以审批",
        town.approve_plan,
        "2026-12",
    )
    assert town.submit_plan("2026-12")["status"] == "submitted"
    refused(
        "plan.err.cannot_submitted",
        "状态为已提交，只有草稿或已退回的计划可以提交",
        town.submit_plan,
        "2026-12",
    )
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
    refused(
        "plan.err.plan_locked",
        "状态为已提交，不能直接重新生成",
        town.generate_month_plan,
        "2026-11",
    )
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
    refused("plan.err.past_month", "已过去", town.generate_month_plan, "2026-10")
    refused("plan.err.bad_month", "不是有效月份", town.generate_month_plan, "2026-13")


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
    assert sorted(reasons["C000"]) == [["debit_failure"], ["debit_failure", "plan"]]
    assert sorted(reasons["C001"]) == [["complaint"], ["complaint", "plan"]]
    assert sorted(reasons["C002"]) == [["sales_swing"], ["sales_swing", "plan"]]
    assert reasons["C003"] == [["new_product", "plan"], ["plan"]]  # tier 5: two visits
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
    refused("visit.no.check_in.checked_in", "已于 09:30 签到", town.check_in, vid)
    town.finish_visit(vid)
    refused("visit.no.finish.done", "已于 09:30 完成", town.finish_visit, vid)
    refused("visit.no.skip.done", "不能再记为未访", town.skip_visit, vid, "x")
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "done"


def test_finish_without_check_in_records_no_arrival_unless_given(town, today_list):
    first, second = today_list[0]["id"], today_list[1]["id"]
    town.finish_visit(first)
    row = town.query_one("SELECT status, checked_in_at, done_at FROM visits WHERE id = ?", (first,))
    assert tuple(row) == ("done", None, "2026-11-23T09:30:00")  # no time made up
    town.finish_visit(second, arrived=dt.time(9, 5))
    row = town.query_one("SELECT checked_in_at, done_at FROM visits WHERE id = ?", (second,))
    assert tuple(row) == ("2026-11-23T09:05:00", "2026-11-23T09:30:00")


def test_an_arrival_after_now_is_refused(town, today_list):
    vid = today_list[0]["id"]
    refused(
        "visit.err.arrived_later",
        "到店时间 09:31 比现在（09:30）还晚",
        town.finish_visit,
        vid,
        arrived=dt.time(9, 31),
    )
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "planned"


def test_a_checked_in_visit_keeps_its_check_in_time(town, today_list):
    vid = today_list[0]["id"]
    town.check_in(vid)
    town.finish_visit(vid, arrived=dt.time(8, 0))  # the recorded check-in wins
    row = town.query_one("SELECT checked_in_at FROM visits WHERE id = ?", (vid,))
    assert row[0] == "2026-11-23T09:30:00"


def test_future_visit_cannot_be_checked_in(town, today_list):
    tomorrow = town.day_visits(D(2026, 11, 24))[0]
    refused("plan.err.check_in_future", "不能提前签到", town.check_in, tomorrow["id"])
    assert (
        town.query_one("SELECT status FROM visits WHERE id = ?", (tomorrow["id"],))[0] == "planned"
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_skip_needs_a_reason(town, today_list, reason):
    vid = today_list[0]["id"]
    refused("plan.err.skip_no_reason", "需要填写原因", town.skip_visit, vid, reason)
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
    ("day", "key", "message"),
    [
        (D(2026, 11, 20), "plan.err.past_day", "已过去"),
        (D(2026, 11, 28), "plan.err.not_workday", "是休息日，不是工作日；可改到 2026-11-30"),
        (D(2027, 1, 1), "plan.err.not_workday", "是节假日，不是工作日"),
        (D(2026, 10, 1), "plan.err.past_day", "已过去"),
        (TODAY, "plan.err.same_day", "已经在 2026-11-23"),
    ],
)
def test_reschedule_to_a_bad_day_is_refused(town, today_list, day, key, message):
    vid = today_list[0]["id"]
    refused(key, message, town.reschedule_visit, vid, day)
    assert town.scalar("SELECT count(*) FROM visits WHERE origin_visit_id = ?", (vid,)) == 0
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "planned"


def test_reschedule_to_a_holiday_names_it(town):
    town.generate_month_plan("2026-12")
    v = town.day_visits(D(2026, 12, 31))[0]
    refused(
        "plan.err.not_workday", "2027-01-01 是节假日", town.reschedule_visit, v["id"], D(2027, 1, 1)
    )


def test_reschedule_moves_the_visit_and_keeps_history(town, today_list):
    old = today_list[0]
    new = town.reschedule_visit(old["id"], D(2026, 11, 25))
    o = town.query_one("SELECT status, rescheduled_to FROM visits WHERE id = ?", (old["id"],))
    assert tuple(o) == ("rescheduled", "2026-11-25")
    n = dict(town.query_one("SELECT * FROM visits WHERE id = ?", (new,)))
    assert n["planned_date"] == "2026-11-25" and n["origin_visit_id"] == old["id"]
    assert json.loads(n["reasons"]) == old["reasons"] and n["status"] == "planned"
    assert n["id"] in [v["id"] for v in town.day_visits(D(2026, 11, 25))]
    refused("visit.no.check_in.rescheduled", "已改到 2026-11-25", town.check_in, old["id"])


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
    refused("plan.err.already_on_day", "已有拜访", town.add_adhoc_visit, code, TODAY)
    town.remove_visit(vid)
    assert town.query_one("SELECT 1 FROM visits WHERE id = ?", (vid,)) is None


@pytest.mark.parametrize(
    ("code", "day", "key", "message"),
    [
        ("NOPE", TODAY, "plan.err.no_retailer", "没有客户编码为 NOPE"),
        ("C001", D(2026, 11, 20), "plan.err.past_day", "已过去"),
        ("C005", TODAY, "plan.err.not_active", "状态为歇业"),
    ],
)
def test_add_adhoc_visit_refusals(town, code, day, key, message):
    town.update_retailer("C005", {"status": "歇业"})
    refused(key, message, town.add_adhoc_visit, code, day)
    assert town.scalar("SELECT count(*) FROM visits WHERE adhoc = 1") == 0


def test_remove_a_done_visit_is_refused(town, today_list):
    vid = today_list[0]["id"]
    town.finish_visit(vid)
    refused("visit.no.remove.done", "不能删除", town.remove_visit, vid)
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
def with_capacity(store: Store, capacity: int) -> None:
    from khtui.rules import Rules

    data = store.rules.data
    store.rules = Rules({**data, "visits": {**data["visits"], "daily_capacity": capacity}})


def live_on(store, day: dt.date) -> int:
    return store.scalar(
        "SELECT count(*) FROM visits WHERE planned_date = ? AND status IN "
        "('planned', 'checked_in', 'done')",
        (day.isoformat(),),
    )


def test_missed_visits_are_carried_to_todays_list(db_path):
    clock = {"now": dt.datetime(2026, 11, 20, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: clock["now"])
    seed(store)
    store.generate_month_plan("2026-11")
    fri = store.day_visits(D(2026, 11, 20))
    store.finish_visit(fri[0]["id"])
    store.skip_visit(fri[1]["id"], "关门")
    missed = fri[2:]
    assert missed
    # Saturday: a rest day, nothing is carried
    clock["now"] = dt.datetime(2026, 11, 21, 9, 0)
    assert store.carry_over(D(2026, 11, 21)).carried == 0
    # Monday: reading the list changes nothing; carry-over brings the missed Friday visits
    clock["now"] = dt.datetime(2026, 11, 23, 9, 0)
    before = len(store.day_visits(D(2026, 11, 23)))
    assert len(store.day_visits(D(2026, 11, 23))) == before
    assert len(store.missed_visits(D(2026, 11, 23))) >= len(missed)
    result = store.carry_over(D(2026, 11, 23))
    assert (result.carried, result.merged, result.unplaced) == (len(missed), 0, 0)
    assert result.days == (D(2026, 11, 23),)  # room today: all of them today
    monday = store.day_visits(D(2026, 11, 23))
    carried = [v for v in monday if "carry_over" in v["reasons"]]
    assert {v["retailer_code"] for v in carried} == {v["retailer_code"] for v in missed}
    assert all(v["reasons"] == ["carry_over", "plan"] for v in carried)
    old = rows(store, "SELECT status, rescheduled_to FROM visits WHERE planned_date = '2026-11-20'")
    assert sorted(o["status"] for o in old) == sorted(
        ["done", "skipped"] + ["rescheduled"] * len(missed)
    )
    assert all(o["rescheduled_to"] == "2026-11-23" for o in old if o["status"] == "rescheduled")
    # a second run carries nothing twice
    assert store.carry_over(D(2026, 11, 23)).carried == 0
    assert len(store.day_visits(D(2026, 11, 23))) == len(monday)
    # viewing Friday now shows what happened
    assert {v["status"] for v in store.day_visits(D(2026, 11, 20))} == {
        "done",
        "skipped",
        "rescheduled",
    }
    # the plan records what carry-over changed in it
    changes = store.month_plan("2026-11")["changes"]
    assert len(changes) == len(missed)
    assert {(c["from_day"], c["to_day"], c["kind"]) for c in changes} == {
        ("2026-11-20", "2026-11-23", "carry_over")
    }
    store.close()


def test_old_misses_are_not_carried_but_stay_listed(db_path):
    now = {"t": dt.datetime(2026, 11, 2, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store)
    store.generate_month_plan("2026-11")
    now["t"] = dt.datetime(2026, 11, 23, 8, 0)
    store.carry_over(D(2026, 11, 23))
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
    # they are still this month's missed visits, for the AM to place by hand
    missed = store.missed_visits(D(2026, 11, 23))
    assert [v["id"] for v in missed] == [
        v["id"] for v in rows(store, "SELECT id FROM visits WHERE planned_date < '2026-11-16'")
    ]
    store.close()


def test_carry_over_keeps_every_day_within_capacity_and_lists_what_does_not_fit(db_path):
    """A week of nothing done, read on the last working day of the month: only the room left
    that day is filled; the rest stays missed (the 200-visit day must never happen)."""
    now = {"t": dt.datetime(2026, 11, 2, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store, n=60)
    store.generate_month_plan("2026-11")
    last = D(2026, 11, 30)
    now["t"] = dt.datetime(2026, 11, 30, 8, 0)
    window = store.scalar(
        "SELECT count(*) FROM visits WHERE status = 'planned' AND planned_date BETWEEN "
        "'2026-11-23' AND '2026-11-29'"
    )
    whole_month = store.scalar(
        "SELECT count(*) FROM visits WHERE status = 'planned' AND planned_date < '2026-11-30'"
    )
    capacity = live_on(store, last) + 3
    assert window > 3
    with_capacity(store, capacity)
    result = store.carry_over(last)
    assert (result.carried, result.unplaced) == (3, window - 3)
    assert live_on(store, last) == capacity
    assert len(store.missed_visits(last)) == store.count_missed(last) == whole_month - 3
    store.close()


def test_carry_over_spreads_over_the_next_working_days_and_joins_a_visit_already_there(db_path):
    now = {"t": dt.datetime(2026, 11, 2, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store, n=60)
    store.generate_month_plan("2026-11")
    missed = [v["retailer_code"] for v in store.day_visits(D(2026, 11, 16))]
    now["t"] = dt.datetime(2026, 11, 23, 8, 0)
    store.conn.execute(
        "UPDATE visits SET status = 'done' WHERE planned_date BETWEEN '2026-11-17' AND '2026-11-20'"
    )
    # one of the missed retailers is already on today's list (an ad-hoc visit)
    store.add_adhoc_visit(missed[0], TODAY)
    days = [D(2026, 11, d) for d in (23, 24, 25, 26, 27, 30)]
    cap = max(live_on(store, d) for d in days[:2]) + 2
    with_capacity(store, cap)
    result = store.carry_over(TODAY)
    assert all(live_on(store, d) <= cap for d in days)
    assert (result.carried, result.merged, result.unplaced) == (len(missed) - 1, 1, 0)
    assert result.days[0] == TODAY and len(result.days) > 1  # today first, then the next days
    placed = {c["to_day"] for c in store.plan_changes("2026-11")}
    assert placed == {d.isoformat() for d in result.days}
    joined = [v for v in store.day_visits(TODAY) if v["retailer_code"] == missed[0]]
    assert len(joined) == 1 and joined[0]["reasons"] == ["carry_over", "adhoc", "plan"]
    store.close()


def test_reading_never_writes(db_path):
    """The day's list, its progress, the coverage, the missed visits and the plan are reads:
    the database is the same before and after, on today and on any other day."""
    now = {"t": dt.datetime(2026, 11, 2, 8, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store)
    store.generate_month_plan("2026-11")
    now["t"] = dt.datetime(2026, 11, 30, 8, 0)
    before = list(store.conn.iterdump())
    for day in (D(2026, 11, 30), D(2026, 11, 27), D(2026, 12, 1)):
        store.day_visits(day)
        store.day_progress(day)
        store.missed_visits(day)
    store.month_coverage("2026-11", D(2026, 11, 30))
    store.month_plan("2026-11")
    store.plan_state("2026-12")
    assert list(store.conn.iterdump()) == before
    store.close()


def test_past_outcomes_in_bulk_pass_the_same_rules_or_write_nothing(town, today_list):
    from khtui.data.visits import VisitOutcome

    a, b, c = (v["id"] for v in today_list[:3])
    town.skip_visit(c, "关门")
    at = "2026-11-23T09:00:00"
    refused(
        "visit.no.finish.skipped",
        "已记为未访",
        town.record_outcomes,
        [VisitOutcome(a, "finish", at, at, at), VisitOutcome(c, "finish", at, at, at)],
    )
    refused(
        "plan.err.skip_no_reason",
        "需要填写原因",
        town.record_outcomes,
        [VisitOutcome(a, "skip", at, skip_reason=" ")],
    )
    refused(
        "visit.err.arrived_later",
        "到店时间 09:10",
        town.record_outcomes,
        [VisitOutcome(a, "finish", at, "2026-11-23T09:10:00", at)],
    )
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (a,))[0] == "planned"
    counts = town.record_outcomes(
        [
            VisitOutcome(a, "finish", at, "2026-11-23T08:40:00", at),
            VisitOutcome(b, "skip", at, skip_reason="雨"),
        ]
    )
    assert counts == {"finish": 1, "skip": 1}
    assert tuple(
        town.query_one("SELECT status, checked_in_at, done_at FROM visits WHERE id = ?", (a,))
    ) == (
        "done",
        "2026-11-23T08:40:00",
        at,
    )
    assert tuple(town.query_one("SELECT status, skip_reason FROM visits WHERE id = ?", (b,))) == (
        "skipped",
        "雨",
    )
    assert town.last_action() is not None and town.last_action()["action"] == "skip"  # not logged


# -- revisit and undo ----------------------------------------------------------------------------
def test_a_skipped_visit_is_booked_again_once_and_stays_skipped(town, today_list):
    v = today_list[0]
    town.skip_visit(v["id"], "关门")
    new = town.reschedule_visit(v["id"], D(2026, 11, 25))
    old = dict(town.query_one("SELECT * FROM visits WHERE id = ?", (v["id"],)))
    assert (old["status"], old["skip_reason"], old["rescheduled_to"]) == (
        "skipped",
        "关门",
        "2026-11-25",
    )
    again = dict(town.query_one("SELECT * FROM visits WHERE id = ?", (new,)))
    assert again["status"] == "planned" and again["origin_visit_id"] == v["id"]
    assert json.loads(again["reasons"]) == ["carry_over", "plan"]
    refused(
        "visit.err.revisit_again",
        "已另约到 2026-11-25",
        town.reschedule_visit,
        v["id"],
        D(2026, 11, 26),
    )


def test_undo_takes_back_the_days_actions_last_first(town, today_list):
    a, b, c, d = (v["id"] for v in today_list[:4])
    status = lambda vid: tuple(  # noqa: E731
        town.query_one(
            "SELECT status, checked_in_at, done_at, skip_reason, rescheduled_to FROM visits "
            "WHERE id = ?",
            (vid,),
        )
    )
    planned = ("planned", None, None, None, None)
    town.check_in(a)
    town.finish_visit(a)
    town.skip_visit(b, "店主不在")
    moved = town.reschedule_visit(c, D(2026, 11, 25))
    on_list = {v["retailer_code"] for v in today_list}
    code = next(f"C{i:03d}" for i in range(30) if f"C{i:03d}" not in on_list)
    added = town.add_adhoc_visit(code, TODAY)

    undone = town.undo_last_action()
    assert (undone.action, undone.code) == ("adhoc", code)
    assert town.query_one("SELECT 1 FROM visits WHERE id = ?", (added,)) is None
    undone = town.undo_last_action()
    assert (undone.action, undone.details) == ("reschedule", {"day": "2026-11-25"})
    assert status(c) == planned
    assert town.query_one("SELECT 1 FROM visits WHERE id = ?", (moved,)) is None
    undone = town.undo_last_action()
    assert (undone.action, undone.details) == ("skip", {"reason": "店主不在"})
    assert status(b) == planned
    assert town.undo_last_action().action == "finish"
    assert status(a) == ("checked_in", "2026-11-23T09:30:00", None, None, None)
    assert town.undo_last_action().action == "check_in"
    assert status(a) == planned
    refused("visit.undo.nothing", "2026-11-23 没有可以撤销的拜访操作", town.undo_last_action)
    assert status(d) == planned


def test_undo_is_refused_when_the_visit_changed_since_or_has_a_capture(town, today_list):
    a, b = (v["id"] for v in today_list[:2])
    town.finish_visit(a)
    with town.write() as conn:
        conn.execute(
            "INSERT INTO captures (id, am_id, visit_id, retailer_code, kind, payload, is_draft, "
            "captured_on, created_at, updated_at) VALUES ('cap', 'x', ?, ?, 'opinion', "
            "'{\"text\": \"好\"}', 0, '2026-11-23', 'x', 'x')",
            (a, today_list[0]["retailer_code"]),
        )
    refused("visit.undo.captured", "已录入采集信息", town.undo_last_action)
    assert town.query_one("SELECT status FROM visits WHERE id = ?", (a,))[0] == "done"
    town.conn.execute("DELETE FROM captures")
    town.check_in(b)
    town.conn.execute("UPDATE visits SET status = 'done' WHERE id = ?", (b,))  # changed outside
    refused("visit.undo.changed", "之后又有了变动", town.undo_last_action)


def test_only_todays_actions_are_undone(db_path):
    now = {"t": dt.datetime(2026, 11, 23, 9, 0)}
    store = Store(db_path, create=True, clock=lambda: now["t"])
    seed(store)
    store.generate_month_plan("2026-11")
    store.check_in(store.day_visits(TODAY)[0]["id"])
    now["t"] = dt.datetime(2026, 11, 24, 9, 0)
    refused("visit.undo.nothing", "2026-11-24", store.undo_last_action)
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
