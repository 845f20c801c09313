"""A visit's states and actions, the one order of reasons, carry-over placement and the month's
turn (when next month's plan is due)."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain import visits
from khtui.domain.calendar import WorkCalendar
from khtui.domain.planning import (
    CarryPlacement,
    DayRoom,
    MissedVisit,
    next_month_due,
    place_missed,
    plan_months_due,
)
from khtui.i18n import LANGS

D = dt.date


# the statuses each action may be taken in; every other status refuses it
TAKEN_IN = {
    "check_in": {"planned"},
    "finish": {"planned", "checked_in"},
    "skip": {"planned", "checked_in"},
    "reschedule": {"planned"},
    "revisit": {"skipped"},
    "remove": {"planned"},
}


def test_every_action_is_specified():
    assert set(TAKEN_IN) == set(visits.ACTIONS)


@pytest.mark.parametrize("status", visits.STATUSES)
@pytest.mark.parametrize("action", TAKEN_IN)
def test_transitions(action, status):
    ok = status in TAKEN_IN[action]
    assert visits.allowed(action, status) is ok
    if ok:
        visits.check(action, status)
    else:
        with pytest.raises(visits.VisitRefused) as e:
            visits.check(action, status, day="2026-11-25")
        assert e.value.key == f"visit.no.{action}.{status}"
        assert e.value.params == {"day": "2026-11-25"}


def test_every_refusal_says_what_to_do_in_both_languages():
    for action, status in visits.refused_pairs():
        key = visits.refusal(action, status)
        assert key in LANGS["zh"] and key in LANGS["en"], key


def test_the_sets_follow_the_statuses():
    assert set(visits.OPEN) | set(visits.CLOSED) | {"done"} == set(visits.STATUSES)
    assert set(visits.ON_ITS_DAY) == set(visits.STATUSES) - {"rescheduled"}
    assert all(visits.RESULT[a] in (*visits.STATUSES, None) for a in visits.ACTIONS)


def test_one_order_of_reasons_most_pressing_first():
    assert visits.order_reasons(["plan", "care", "complaint", "care"]) == (
        "complaint",
        "care",
        "plan",
    )
    assert visits.shown_reasons(["plan"]) == ("plan",)
    assert visits.shown_reasons(["plan", "new_product", "debit_failure"]) == (
        "debit_failure",
        "new_product",
    )
    assert visits.order_reasons(["later", "plan"]) == ("plan", "later")


# -- carry-over placement ------------------------------------------------------------------------
def test_missed_visits_fill_the_days_in_order_never_past_capacity():
    missed = [MissedVisit(f"m{i}", f"C{i}", D(2026, 11, 20), i) for i in range(5)]
    days = [DayRoom(D(2026, 11, 23), 3), DayRoom(D(2026, 11, 24), 4), DayRoom(D(2026, 11, 25), 5)]
    out = place_missed(missed, days, capacity=5)
    assert [p.day for p in out] == [
        D(2026, 11, 23),
        D(2026, 11, 23),  # 23 is full at 5
        D(2026, 11, 24),  # 24 is full at 5
        None,  # 25 already holds 5: no room left
        None,
    ]


def test_a_retailer_already_on_a_day_is_joined_not_doubled():
    missed = [
        MissedVisit("m1", "A", D(2026, 11, 19), 1),
        MissedVisit("m2", "B", D(2026, 11, 20), 1),
        MissedVisit("m3", "B", D(2026, 11, 20), 2),  # B missed twice
    ]
    days = [DayRoom(D(2026, 11, 23), 5, {"A": "va"}), DayRoom(D(2026, 11, 24), 0)]
    out = place_missed(missed, days, capacity=5)
    assert out == [
        CarryPlacement("m1", D(2026, 11, 23), "va"),  # joined, even on a full day
        CarryPlacement("m2", D(2026, 11, 24)),
        CarryPlacement("m3", D(2026, 11, 24), "m2"),  # joins the visit m2 became
    ]


# -- the month's turn ------------------------------------------------------------------------------
@pytest.fixture
def cal(rules):
    return WorkCalendar(rules)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (D(2026, 11, 23), False),  # Monday: the week ends in November
        (D(2026, 11, 26), False),  # the week ends on Sunday 11-29
        (D(2026, 11, 27), True),  # Friday: one of the last two working days (27, 30)
        (D(2026, 11, 28), True),  # plan_draft_from_day
        (D(2026, 11, 30), True),
        (D(2026, 10, 26), False),  # the week ends on Sunday 11-01: no November working day
        (D(2026, 12, 28), True),
        (D(2026, 12, 21), False),
        (D(2026, 9, 21), False),
    ],
)
def test_next_months_plan_is_due(cal, rules, day, due):
    assert next_month_due(day, cal, rules) is due


def test_a_week_reaching_next_month_makes_its_plan_due(cal, rules):
    """November 2028 ends on Thursday 30th: on Monday 27th (before the 28th, not one of the
    last two working days) the week already holds Friday 12-01, so December's plan is due."""
    assert plan_months_due(D(2028, 11, 24), cal, rules) == ["2028-11"]
    assert plan_months_due(D(2028, 11, 27), cal, rules) == ["2028-11", "2028-12"]


def test_every_reason_and_measure_has_its_words():
    from khtui.domain.planning import MEASURES

    for key in [f"plan.reason.{r}" for r in visits.REASONS] + [
        f"plan.measure.{m}" for m in MEASURES
    ]:
        assert key in LANGS["zh"] and key in LANGS["en"], key
