"""The approval loop by file: the market manager decides in the team database, the AM imports
the file (khtui.data.manager, khtui.data.importers.approvals, khtui.data.reviews)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from khtui.data.importers.approvals import ApprovalFileError, import_approvals
from khtui.data.manager import DecisionProblem
from khtui.data.store import Store
from khtui.data.team import merge_into
from tests.team_helpers import build_ams

TODAY = dt.date(2026, 11, 23)


def _at(hour: int, minute: int = 0, day: dt.date = TODAY):
    return lambda: dt.datetime.combine(day, dt.time(hour, minute))


def _submit_december(s: Store, _am: int) -> None:
    s.generate_month_plan("2026-12")
    s.submit_plan("2026-12")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("approvals")
    return build_ams(folder, (41, 42), then=_submit_december, clock=lambda i: _at(10 + i))


@pytest.fixture
def loop(built, tmp_path):
    ams = [shutil.copy(p, tmp_path / p.name) for p in built]
    team = tmp_path / "team.db"
    merge_into(team, ams, now="2026-11-23T16:00:00")
    return ams, team, tmp_path / "outbox"


def _team(team, hour=17):
    s = Store(team, clock=_at(hour))
    s.set_meta("am_name", "赵经理")
    return s


def test_approve_one_plan_return_another_with_its_comment(loop):
    (am1, am2), team, outbox = loop
    t = _team(team)
    waiting = {p.label: p for p in t.plans_waiting()}
    assert set(waiting) == {"DEMO01 " + Store(am1).am_name, "DEMO02 " + Store(am2).am_name}
    plans = sorted(waiting.values(), key=lambda p: p.label)
    assert all(p.month == "2026-12" and p.visits > 0 and p.covered > 0 for p in plans)
    with pytest.raises(DecisionProblem) as caught:
        t.decide_plan(plans[1].plan_id, "returned", "  ")
    assert caught.value.key == "comment_needed"
    a1 = t.decide_plan(plans[0].plan_id, "approved")
    a2 = t.decide_plan(plans[1].plan_id, "returned", "城东二线拜访频次不足，请补足重点客户")
    with pytest.raises(DecisionProblem) as caught:
        t.decide_plan(plans[0].plan_id, "returned", "again")
    assert caught.value.key == "already_decided"
    assert t.plans_waiting() == []
    status = {f.am_id: f.plan_status for f in t.team_figures("2026-11", TODAY)}
    assert status == {a1: "approved", a2: "returned"}
    f1, f2 = t.write_approvals(a1, outbox), t.write_approvals(a2, outbox)
    t.close()
    assert f1.name == "khtui-approvals-DEMO01-2026-11-23.json"
    content = json.loads(f2.read_text(encoding="utf-8"))
    assert [d["decision"] for d in content["decisions"]] == ["returned"]
    assert content["decisions"][0]["month"] == "2026-12"

    s1 = Store(am1, clock=_at(19))
    r1 = import_approvals(s1, f1)
    assert (r1.approved, r1.returned, r1.made_by) == (1, 0, "赵经理")
    assert s1.month_plan_row("2026-12")["status"] == "approved"
    notice = s1.review_notice(TODAY)
    assert (notice.month, notice.status, notice.comment) == ("2026-12", "approved", None)
    with pytest.raises(ApprovalFileError) as caught:
        import_approvals(s1, f2)  # the other AM's file
    assert caught.value.key == "other_am"
    s1.close()

    s2 = Store(am2, clock=_at(19))
    r2 = import_approvals(s2, f2)
    assert (r2.approved, r2.returned) == (0, 1)
    plan = s2.month_plan_row("2026-12")
    assert plan["status"] == "returned"
    notice = s2.review_notice(TODAY)
    assert notice.status == "returned"
    assert notice.comment == "城东二线拜访频次不足，请补足重点客户"
    assert notice.decided_by == "赵经理"
    # the same file again changes nothing
    again = import_approvals(s2, f2)
    assert (again.already, again.returned) == (1, 0)
    # the AM redrafts and submits again: the plan waits for the manager once more
    s2.clock = _at(20)
    s2.generate_month_plan("2026-12")
    s2.submit_plan("2026-12")
    s2.close()
    merge_into(team, [am1, am2], now="2026-11-23T21:00:00")
    t = _team(team, 22)
    assert [p.am_id for p in t.plans_waiting()] == [a2]
    # both AMs' receipts came back with their databases: nothing is left to send
    assert t.approvals_for(a1)["decisions"] == []
    assert t.approvals_for(a2)["decisions"] == []
    t.close()


def test_a_rejected_retailer_change_goes_back_with_its_reason(loop):
    (am1, _am2), team, outbox = loop
    s1 = Store(am1, clock=_at(11))
    code, phone = s1.query_one(
        "SELECT code, phone FROM retailers WHERE status = '正常' ORDER BY code LIMIT 1"
    )
    other = s1.query_one(
        "SELECT code FROM retailers WHERE status = '正常' ORDER BY code LIMIT 1 OFFSET 1"
    )[0]
    s1.update_retailer(code, {"phone": "13700001111"})
    s1.update_retailer(other, {"order_day": "周五"})
    s1.close()
    merge_into(team, [am1], now="2026-11-23T16:30:00")
    t = _team(team)
    waiting = {(c.retailer_code, c.field): c for c in t.changes_waiting()}
    change = waiting[(code, "phone")]
    assert (change.old, change.new) == (phone, "13700001111")
    with pytest.raises(DecisionProblem) as caught:
        t.decide_change(change.change_id, "rejected")
    assert caught.value.key == "reason_needed"
    am_id = t.decide_change(change.change_id, "rejected", "电话与许可证登记不符，请核实")
    t.decide_change(waiting[(other, "order_day")].change_id, "confirmed")
    assert (code, "phone") not in {(c.retailer_code, c.field) for c in t.changes_waiting()}
    path = t.write_approvals(am_id, outbox)
    t.close()

    s1 = Store(am1, clock=_at(19))
    # a dry run counts what the import will do, and leaves the change, its history and the
    # decisions unreceived
    history = s1.retailer_changes(code)
    dry = import_approvals(s1, path, dry_run=True)
    assert (dry.rejected, dry.undone, dry.confirmed, dry.dry_run) == (1, 1, 1, True)
    assert s1.get_retailer(code)["phone"] == "13700001111"
    assert s1.retailer_changes(code) == history and s1.change_reviews(code) == {}
    assert s1.scalar("SELECT count(*) FROM reviews") == 0
    r = import_approvals(s1, path)
    assert (r.rejected, r.undone, r.confirmed, r.dry_run) == (1, 1, 1, False)
    assert s1.get_retailer(code)["phone"] == phone  # set back
    assert s1.get_retailer(other)["order_day"] == "周五"  # confirmed: stays
    reviews = s1.change_reviews(code)
    assert [(v["decision"], v["comment"]) for v in reviews.values()] == [
        ("rejected", "电话与许可证登记不符，请核实")
    ]
    last = s1.retailer_changes(code)[0]
    assert (last["field"], last["old"], last["new"], last["source"]) == (
        "phone",
        "13700001111",
        phone,
        "review",
    )
    assert s1.review_notice(TODAY).rejected_changes == 1
    assert s1.search_retailers(phone[-4:], 50)  # the lookup follows the phone set back
    s1.close()


def test_a_file_that_is_not_an_approval_file_is_refused(loop, tmp_path):
    (am1, _), _team_path, _ = loop
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    newer = tmp_path / "y.json"
    newer.write_text(
        json.dumps({"format": "khtui-approvals", "version": 99, "am_id": "x", "decisions": []}),
        encoding="utf-8",
    )
    s = Store(am1)
    for path, key in ((bad, "not_approvals"), (newer, "newer"), (tmp_path / "no.json", "missing")):
        with pytest.raises(ApprovalFileError) as caught:
            import_approvals(s, path)
        assert caught.value.key == key
    s.close()


def test_the_decision_names_the_submission_not_the_clock(loop):
    """A manager's clock a day behind the AM's: the decision still applies (it names the
    submission it is about), and a plan submitted again after it waits for a new one."""
    (am1, _), team, outbox = loop
    t = Store(team, clock=_at(9, day=TODAY - dt.timedelta(days=1)))
    plan = next(p for p in t.plans_waiting() if p.label.startswith("DEMO01"))
    am_id = t.decide_plan(plan.plan_id, "approved", "同意")
    assert plan.plan_id not in {p.plan_id for p in t.plans_waiting()}
    path = t.write_approvals(am_id, outbox)
    t.close()
    s = Store(am1, clock=_at(19))
    assert import_approvals(s, path).approved == 1
    assert s.month_plan_row("2026-12")["status"] == "approved"
    assert s.review_notice(TODAY).comment == "同意"
    s.close()
