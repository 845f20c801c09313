"""ComplaintOps: raising with the routing table, status steps, filters, overdue, follow-up."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.complaints import ComplaintProblem
from tests.capture_helpers import add_visit, seed
from tests.conftest import TODAY

MON = TODAY  # 2026-11-23, a Monday
FRI = dt.date(2026, 11, 27)


@pytest.fixture
def seeded(store):
    seed(store)
    return store


def at(store, day: dt.date) -> None:
    """The store's day is ``day`` (a complaint and its steps are dated no later than it)."""
    store.clock = lambda: dt.datetime.combine(day, dt.time(9, 0))


def test_raise_routes_by_category_and_sets_working_day_due_date(seeded):
    at(seeded, FRI)
    cid = seeded.raise_complaint("R1", "delivery", "送货晚了两天", raised_on=FRI)
    c = seeded.get_complaint(cid)
    assert (c["department"], c["am_share"], c["status"]) == ("配送中心", "secondary", "open")
    # 3 working days after Friday 27 Nov: Mon 30, Tue 1, Wed 2 Dec
    assert c["due_on"] == "2026-12-02"
    assert c["raised_on"] == FRI.isoformat()
    assert c["am_id"] == seeded.am_id and len(c["id"]) == 32
    v = seeded.raise_complaint("R1", "visit_service", "客户经理来得少", raised_on=MON)
    c = seeded.get_complaint(v)
    assert (c["department"], c["am_share"], c["due_on"]) == ("客户经理", "full", "2026-11-25")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("R1", "weather", "太热"), "bad_category"),
        (("R1", "supply", "   "), "need_description"),
        (("R999", "supply", "缺货"), "unknown_retailer"),
    ],
)
def test_raise_refuses_bad_input_and_writes_nothing(seeded, args, code):
    with pytest.raises(ComplaintProblem) as err:
        seeded.raise_complaint(*args, raised_on=MON)
    assert err.value.code == code
    assert seeded.scalar("SELECT count(*) FROM complaints") == 0


def test_a_complaint_and_its_steps_are_never_dated_ahead_of_today(seeded):
    """Dated after today a complaint would stand as received and be due later, and a step
    would bar today's next one (dated before it): both refused, nothing written."""
    with pytest.raises(ComplaintProblem) as err:
        seeded.raise_complaint("R1", "supply", "缺货", raised_on=MON + dt.timedelta(days=1))
    assert err.value.code == "future"
    assert seeded.scalar("SELECT count(*) FROM complaints") == 0
    cid = seeded.raise_complaint("R1", "supply", "缺货", raised_on=MON)  # today: fine
    with pytest.raises(ComplaintProblem) as err:
        seeded.advance_complaint(cid, "forwarded", on=MON + dt.timedelta(days=30))
    assert err.value.code == "future"
    assert seeded.get_complaint(cid)["status"] == "open"
    seeded.advance_complaint(cid, "forwarded", on=MON)
    assert seeded.get_complaint(cid)["forwarded_on"] == MON.isoformat()


def test_status_steps_are_dated_and_record_answer_and_resolution(seeded):
    at(seeded, MON + dt.timedelta(days=4))
    cid = seeded.raise_complaint("R2", "supply", "中华断货", raised_on=MON)
    seeded.advance_complaint(cid, "forwarded", on=MON)
    with pytest.raises(ComplaintProblem) as err:
        seeded.advance_complaint(cid, "answered", on=MON + dt.timedelta(days=1))
    assert err.value.code == "need_answer"
    seeded.advance_complaint(cid, "answered", on=MON + dt.timedelta(days=2), answer="下周补货")
    with pytest.raises(ComplaintProblem) as err:
        seeded.advance_complaint(cid, "closed", on=MON + dt.timedelta(days=1), resolution="x")
    assert err.value.code == "step_before"
    seeded.advance_complaint(cid, "closed", on=MON + dt.timedelta(days=3), resolution="已补货")
    c = seeded.get_complaint(cid)
    assert (c["status"], c["forwarded_on"], c["answered_on"], c["closed_on"]) == (
        "closed",
        "2026-11-23",
        "2026-11-25",
        "2026-11-26",
    )
    assert (c["answer"], c["resolution"]) == ("下周补货", "已补货")
    with pytest.raises(ComplaintProblem) as err:
        seeded.advance_complaint(cid, "forwarded", on=MON + dt.timedelta(days=4))
    assert err.value.code == "finished"  # a closed complaint has no next step


def test_a_secondary_complaint_cannot_skip_forwarding(seeded):
    cid = seeded.raise_complaint("R2", "prices", "批发价涨了", raised_on=MON)
    with pytest.raises(ComplaintProblem) as err:
        seeded.advance_complaint(cid, "answered", on=MON, answer="已解释")
    assert err.value.code == "bad_step"
    own = seeded.raise_complaint("R2", "visit_service", "来得少", raised_on=MON)
    seeded.advance_complaint(own, "answered", on=MON, answer="下周起每周来")
    assert seeded.get_complaint(own)["status"] == "answered"


def test_overdue_filter_at_the_day_boundary(seeded):
    at(seeded, MON + dt.timedelta(days=30))
    cid = seeded.raise_complaint("R1", "order_service", "电话打不通", raised_on=MON)
    due = dt.date.fromisoformat(seeded.get_complaint(cid)["due_on"])
    assert due == dt.date(2026, 11, 26)
    assert seeded.complaints(overdue_on=due) == []  # due that day: not yet overdue
    after = seeded.complaints(overdue_on=due + dt.timedelta(days=1))
    assert [c["id"] for c in after] == [cid] and after[0]["overdue"] is True
    seeded.advance_complaint(cid, "forwarded", on=MON)
    assert len(seeded.complaints(overdue_on=due + dt.timedelta(days=1))) == 1
    seeded.advance_complaint(cid, "answered", on=due + dt.timedelta(days=1), answer="已修复")
    assert seeded.complaints(overdue_on=due + dt.timedelta(days=30)) == []
    assert seeded.complaints(status="answered", on=due + dt.timedelta(days=1))[0]["id"] == cid


def test_filters_by_status_category_department_retailer(seeded):
    a = seeded.raise_complaint("R1", "supply", "缺货", raised_on=MON)
    b = seeded.raise_complaint("R2", "delivery", "送错货", raised_on=MON)
    seeded.advance_complaint(b, "forwarded", on=MON)
    assert [c["id"] for c in seeded.complaints(status="open")] == [a]
    assert [c["id"] for c in seeded.complaints(status=("open", "forwarded"))] == [a, b]
    assert [c["id"] for c in seeded.complaints(category="delivery")] == [b]
    assert [c["id"] for c in seeded.complaints(department="销售部门")] == [a]
    assert [c["id"] for c in seeded.complaints(retailer="R2")] == [b]
    assert seeded.complaints(retailer="R2")[0]["name"] == "二号便利店"
    assert seeded.complaints()[0]["category_name"] == "货源"


def test_followup_uses_a_planned_visit_before_the_due_date(seeded):
    cid = seeded.raise_complaint("R1", "supply", "缺货", raised_on=MON)
    vid = add_visit(seeded, "R1", MON + dt.timedelta(days=2), status="planned")
    assert seeded.propose_followup(cid, on=MON) == {
        "visit_id": vid,
        "day": "2026-11-25",
        "created": False,
    }


def test_followup_adds_an_adhoc_complaint_visit_next_working_day(seeded):
    at(seeded, FRI)
    cid = seeded.raise_complaint("R1", "supply", "缺货", raised_on=FRI)
    calls = []

    def add_adhoc_visit(code, day, reasons=("adhoc",)):
        calls.append((code, day, tuple(reasons)))
        return "v-new"

    seeded.add_adhoc_visit = add_adhoc_visit  # planning's operation, recorded here
    out = seeded.propose_followup(cid, on=FRI)
    assert out == {"visit_id": "v-new", "day": "2026-11-30", "created": True}
    assert calls == [("R1", dt.date(2026, 11, 30), ("complaint",))]


def test_followup_of_a_closed_complaint_is_refused(seeded):
    cid = seeded.raise_complaint("R1", "visit_service", "来得少", raised_on=MON)
    seeded.advance_complaint(cid, "answered", on=MON, answer="好")
    with pytest.raises(ComplaintProblem) as err:
        seeded.propose_followup(cid, on=MON)
    assert err.value.code == "not_open"
