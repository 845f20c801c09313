"""Complaint rules: the routing table, due dates (working days), overdue at the day boundary,
status steps."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.complaints import (
    ComplaintProblem,
    check_step,
    due_date,
    is_overdue,
    next_statuses,
    route_for,
    routing,
)
from khtui.rules import Rules, default_rules

D = dt.date


@pytest.mark.parametrize(
    ("category", "department", "share", "days"),
    [
        ("supply", "销售部门", "secondary", 5),
        ("order_service", "呼叫中心", "secondary", 3),
        ("delivery", "配送中心", "secondary", 3),
        ("market_management", "专卖部门", "secondary", 7),
        ("visit_service", "客户经理", "full", 2),
        ("prices", "计划部门", "secondary", 5),
    ],
)
def test_routing_table(rules, category, department, share, days):
    r = route_for(category, rules)
    assert (r.department, r.am_share, r.due_days) == (department, share, days)


def test_unknown_category_names_the_choices(rules):
    with pytest.raises(ComplaintProblem) as err:
        route_for("weather", rules)
    assert err.value.code == "bad_category"
    assert "supply" in err.value.details["choices"]


@pytest.mark.parametrize(
    ("raised", "days", "due"),
    [
        (D(2026, 11, 23), 0, D(2026, 11, 23)),  # same day
        (D(2026, 11, 23), 1, D(2026, 11, 24)),  # Monday -> Tuesday
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday -> Monday
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # raised on Saturday -> Monday
        (D(2026, 11, 27), 3, D(2026, 12, 2)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # National Day: 1-7 Oct off, next working day 8 Oct
    ],
)
def test_due_dates_count_working_days(rules, raised, days, due):
    assert due_date(raised, days, rules) == due


def test_due_dates_in_calendar_days_when_the_rules_say_so(rules):
    data = {**rules.data, "complaints": {**rules.data["complaints"], "due_days_are": "calendar"}}
    cal_rules = Rules(data)
    assert due_date(D(2026, 11, 27), 3, cal_rules) == D(2026, 11, 30)
    assert routing("supply", D(2026, 11, 27), cal_rules).due_on == D(2026, 12, 2)


@pytest.mark.parametrize(
    ("status", "day", "overdue"),
    [
        ("open", D(2026, 11, 26), False),  # due that day
        ("open", D(2026, 11, 27), True),  # the day after
        ("forwarded", D(2026, 11, 26), False),
        ("forwarded", D(2026, 11, 27), True),
        ("answered", D(2026, 11, 27), False),
        ("closed", D(2027, 1, 1), False),
    ],
)
def test_overdue_at_the_day_boundary(status, day, overdue):
    assert is_overdue(status, D(2026, 11, 26), day) is overdue
    assert is_overdue(status, "2026-11-26", day.isoformat()) is overdue


def test_next_statuses():
    assert next_statuses("open", "secondary") == ("forwarded",)
    assert next_statuses("open", "full") == ("forwarded", "answered")
    assert next_statuses("forwarded", "secondary") == ("answered",)
    assert next_statuses("answered", "full") == ("closed",)
    assert next_statuses("closed", "full") == ()


@pytest.mark.parametrize(
    ("status", "new", "kw", "code"),
    [
        ("open", "answered", {"answer": "x"}, "bad_step"),
        ("open", "reopened", {}, "bad_status"),
        ("forwarded", "answered", {"answer": " "}, "need_answer"),
        ("answered", "closed", {"resolution": None}, "need_resolution"),
        ("open", "forwarded", {"on": D(2026, 11, 22)}, "step_before"),
        ("closed", "forwarded", {}, "finished"),
    ],
)
def test_bad_steps(status, new, kw, code):
    args = {"on": D(2026, 11, 23), "last_step_on": D(2026, 11, 23), "answer": None}
    args["resolution"] = None
    args.update(kw)
    with pytest.raises(ComplaintProblem) as err:
        check_step(status, new, "secondary", **args)
    assert err.value.code == code


def test_default_rules_load():
    assert default_rules().complaints.due_days_are == "workdays"
