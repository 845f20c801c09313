"""The monthly visit plan generator: coverage, working days, capacity, frequency, situations."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from khtui.domain.calendar import WorkCalendar
from khtui.domain.planning import (
    PlanFacts,
    PlanRetailer,
    is_sales_swing,
    plan_month,
    route_days,
    route_weekday,
    route_weekdays,
    submit_day,
)
from khtui.rules import Rules, default_rules

D = dt.date
BATCH = ["周一", "周二", "周三", "周四", "周五", "周一"]


def with_visits(rules: Rules, **changes) -> Rules:
    data = {**rules.data, "visits": {**rules.data["visits"], **changes}}
    return Rules(data)


def town(
    n=320, routes=6, tiers=(1, 2, 3, 4, 5, 6, 7, 8), batches=BATCH, **kw
) -> list[PlanRetailer]:
    """``n`` retailers on ``routes`` routes, tiers cycling, route weekday from the batch."""
    return [
        PlanRetailer(
            code=f"C{i:04d}",
            name=f"店{i}",
            route=f"线路{i % routes + 1}",
            route_seq=i // routes,
            visit_batch=batches[i % routes] if batches else None,
            tier=tiers[i % len(tiers)],
            **kw,
        )
        for i in range(n)
    ]


@pytest.fixture
def cal(rules):
    return WorkCalendar(rules)


# -- coverage, working days, route weekdays -----------------------------------------------------
@pytest.mark.parametrize("month", ["2026-02", "2026-09", "2026-10", "2026-11", "2026-12"])
def test_every_active_retailer_is_visited_on_working_days_only(rules, cal, month):
    rs = town()
    plan = plan_month(rs, month, cal, rules)
    visited = {v.code for v in plan.visits}
    assert visited == {r.code for r in rs}
    assert plan.coverage == 1.0
    assert all(cal.is_workday(v.day) for v in plan.visits)
    assert all(v.day.strftime("%Y-%m") == month for v in plan.visits)
    # never twice a day for one retailer
    assert len({(v.code, v.day) for v in plan.visits}) == len(plan.visits)


@pytest.mark.parametrize(
    ("month", "days_off"),
    [
        # 国庆 (10-01 to 10-07) and a plain Sunday
        ("2026-10", [D(2026, 10, 1), D(2026, 10, 5), D(2026, 10, 7), D(2026, 10, 11)]),
        ("2026-02", [D(2026, 2, 16), D(2026, 2, 23)]),  # 春节 Mondays
    ],
)
def test_no_visit_on_holidays_or_rest_weekends(rules, cal, month, days_off):
    plan = plan_month(town(), month, cal, rules)
    assert plan.visits and not [v for v in plan.visits if v.day in days_off]


@pytest.mark.parametrize(
    ("weekday", "month", "days"),
    [
        # Thursday 2026-10-01 is 国庆: the Thursday route starts on Thursday 10-08 (its nearest
        # working day), the Wednesday route's 10-07 also moves to 10-08.
        (3, "2026-10", [D(2026, 10, 8), D(2026, 10, 15), D(2026, 10, 22), D(2026, 10, 29)]),
        (2, "2026-10", [D(2026, 10, 8), D(2026, 10, 14), D(2026, 10, 21), D(2026, 10, 28)]),
        # Monday: 10-05 (holiday) -> 10-08 (3 days) rather than 09-28 (other month)
        (0, "2026-10", [D(2026, 10, 8), D(2026, 10, 12), D(2026, 10, 19), D(2026, 10, 26)]),
        # 2026-02-16 and 02-23 are 春节 Mondays; Saturday 02-14 is a swapped working day (调休)
        (0, "2026-02", [D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 14), D(2026, 2, 24)]),
    ],
)
def test_holidays_move_route_days_to_the_nearest_working_day(cal, weekday, month, days):
    assert route_days(weekday, month, cal) == days


def test_swapped_working_weekend_is_a_fallback_not_a_route_day(cal):
    # Sunday 2026-09-20 and Saturday 2026-10-10 are working days but no route's weekday
    assert D(2026, 9, 20) not in route_days(0, "2026-09", cal)
    assert D(2026, 10, 10) not in route_days(4, "2026-10", cal)
    assert cal.is_workday(D(2026, 9, 20)) and cal.is_workday(D(2026, 10, 10))


def test_each_route_is_visited_on_its_weekday(rules, cal):
    plan = plan_month(town(), "2026-12", cal, rules)  # December 2026 has no holiday
    want = {f"线路{i + 1}": [0, 1, 2, 3, 4, 0][i] for i in range(6)}
    route_of = {r.code: r.route for r in town()}
    for v in plan.visits:
        assert v.day.weekday() == want[route_of[v.code]], v


@pytest.mark.parametrize(
    ("batches", "weekday"),
    [
        (["周三", "周三", "周一"], 2),
        (["周一", "周三"], 0),  # a tie: the earlier weekday
        (["星期五", None, ""], 4),
        ([None, "每周"], None),
    ],
)
def test_route_weekday_is_the_most_common_visit_batch(batches, weekday):
    assert route_weekday(batches) == weekday


def test_routes_without_a_batch_are_spread_in_route_name_order():
    rs = [
        PlanRetailer("A", route="B线"),
        PlanRetailer("B", route="A线"),
        PlanRetailer("C", route="C线", visit_batch="周一"),
    ]
    assert route_weekdays(rs) == {"C线": 0, "A线": 1, "B线": 2}
    many = [PlanRetailer(str(i), route=f"R{i}") for i in range(7)]
    assert sorted(Counter(route_weekdays(many).values()).values()) == [1, 1, 1, 2, 2]


def test_a_route_whose_weekday_has_passed_still_gets_a_day(rules, cal):
    # planning the rest of November from Friday 11-27: the Monday route keeps 11-30
    rs = town(n=12)
    plan = plan_month(rs, "2026-11", cal, rules, PlanFacts(from_day=D(2026, 11, 27)))
    assert {v.code for v in plan.visits} == {r.code for r in rs}
    assert all(v.day >= D(2026, 11, 27) for v in plan.visits)
    tue = [v for v in plan.visits if v.code == "C0001"]  # the Tuesday route
    assert tue and tue[0].day in (D(2026, 11, 27), D(2026, 11, 30))


# -- capacity --------------------------------------------------------------------------------
@pytest.mark.parametrize("capacity", [10, 17, 25, 40])
def test_capacity_is_respected_while_it_can_be(rules, cal, capacity):
    rs = town(n=200)
    plan = plan_month(rs, "2026-12", cal, with_visits(rules, daily_capacity=capacity))
    loads = Counter(v.day for v in plan.visits)
    assert max(loads.values()) <= capacity
    assert {v.code for v in plan.visits} == {r.code for r in rs}  # first visits never dropped
    wanted = sum(plan.wanted.values())
    assert len(plan.visits) + plan.dropped == wanted
    if plan.dropped:
        assert "dropped" in [w.key for w in plan.warnings]


def test_coverage_beats_capacity_with_a_warning(rules, cal):
    # 23 working days × 5 = 115 places for 150 retailers: coverage wins, days are overfull
    rs = town(n=150, tiers=(8,))
    plan = plan_month(rs, "2026-12", cal, with_visits(rules, daily_capacity=5))
    assert {v.code for v in plan.visits} == {r.code for r in rs}
    keys = [w.key for w in plan.warnings]
    assert "over_capacity" in keys and "off_route" in keys


def test_exact_capacity_fits_without_warning(rules, cal):
    # one route on Monday, December 2026 has 4 Mondays: 4 days × 10 = 40 retailers once
    rs = town(n=40, routes=1, tiers=(8,))
    plan = plan_month(rs, "2026-12", cal, with_visits(rules, daily_capacity=10))
    assert Counter(v.day for v in plan.visits) == {D(2026, 12, d): 10 for d in (7, 14, 21, 28)}
    assert plan.warnings == []
    rs = town(n=41, routes=1, tiers=(8,))
    plan = plan_month(rs, "2026-12", cal, with_visits(rules, daily_capacity=10))
    assert [w.key for w in plan.warnings] == ["off_route"]


# -- frequency -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tier", "n"), [(1, 4), (2, 4), (3, 3), (4, 3), (5, 2), (6, 2), (7, 1), (8, 1)]
)
def test_frequency_by_tier(rules, cal, tier, n):
    rs = town(n=6, tiers=(tier,))
    plan = plan_month(rs, "2026-12", cal, rules)
    assert Counter(v.code for v in plan.visits) == {r.code: n for r in rs}


def test_visits_of_one_retailer_are_spread_over_the_month(rules, cal):
    rs = town(n=6, tiers=(5,))  # 2 visits; December Mondays are 7, 14, 21, 28
    plan = plan_month(rs, "2026-12", cal, rules)
    for r in rs:
        days = sorted(v.day for v in plan.visits if v.code == r.code)
        assert (days[1] - days[0]).days >= 14


@pytest.mark.parametrize(("value", "n"), [("core", 3), ("general", 2), ("problem", 3), (None, 2)])
def test_value_adds_a_visit(rules, cal, value, n):
    rs = town(n=1, tiers=(5,), value_class=value)
    plan = plan_month(rs, "2026-12", cal, rules)
    assert len(plan.visits) == n


def test_max_per_month_caps_and_keeps_the_first_visit(rules, cal):
    r = town(n=1, tiers=(1,), value_class="core")[0]
    facts = PlanFacts(
        sales_swing=frozenset({r.code}),
        debit_failure=frozenset({r.code}),
        open_complaint=frozenset({r.code}),
    )
    plan = plan_month([r], "2026-12", cal, with_visits(rules, max_per_month=4), facts)
    # Mondays only: 4 route days, cap 4; the first visit carries every situation
    assert len(plan.visits) == 4
    first = plan.visits[0]
    assert first.mandatory and first.reasons == (  # the one order: most pressing first
        "complaint",
        "debit_failure",
        "sales_swing",
        "plan",
    )
    # situational extras come before tier extras when the cap cuts
    assert Counter(x for v in plan.visits[1:] for x in v.reasons) == {
        "complaint": 1,
        "debit_failure": 1,
        "sales_swing": 1,
    }


@pytest.mark.parametrize(
    ("situation", "reason", "measure"),
    [
        ("open_complaint", "complaint", "anomaly"),
        ("debit_failure", "debit_failure", "anomaly"),
        ("sales_swing", "sales_swing", "guidance"),
    ],
)
def test_each_special_situation_adds_a_visit_with_its_reason(
    rules, cal, situation, reason, measure
):
    r = town(n=1, tiers=(7,))[0]
    plain = plan_month([r], "2026-12", cal, rules)
    facts = PlanFacts(**{situation: frozenset({r.code})})
    plan = plan_month([r], "2026-12", cal, rules, facts)
    assert len(plain.visits) == 1 and len(plan.visits) == 2
    assert all(reason in v.reasons for v in plan.visits)
    assert all(measure in v.measures for v in plan.visits)
    assert measure not in plain.visits[0].measures


def test_new_product_is_a_reason_without_extra_visit(rules, cal):
    r = town(n=1, tiers=(7,))[0]
    plan = plan_month([r], "2026-12", cal, rules, PlanFacts(new_product=frozenset({r.code})))
    assert len(plan.visits) == 1
    assert plan.visits[0].reasons == ("new_product", "plan")
    assert "new_product" in plan.visits[0].measures


def test_vulnerable_retailer_gets_a_care_visit_near_the_holiday(rules, cal):
    r = town(n=1, tiers=(8,), vulnerable=True)[0]  # Monday route
    # October 2026 starts with 国庆: one extra visit, the care one the first, on 10-08
    plan = plan_month([r], "2026-10", cal, rules)
    assert len(plan.visits) == 2
    care = [v for v in plan.visits if "care" in v.reasons]
    assert len(care) == 1 and care[0].day == D(2026, 10, 8)
    assert "care" in care[0].measures
    # December 2026 has no public holiday and no birthday: no care visit
    assert len(plan_month([r], "2026-12", cal, rules).visits) == 1


def test_care_on_birthday_month(rules, cal):
    r = town(n=1, tiers=(8,), vulnerable=True, birthday="1950-12-20")[0]
    plan = plan_month([r], "2026-12", cal, rules)
    care = [v for v in plan.visits if "care" in v.reasons]
    assert len(plan.visits) == 2 and len(care) == 1
    assert care[0].day == D(2026, 12, 14)  # the Monday nearest before the 20th
    off = plan_month([r], "2026-12", cal, with_visits(rules, care_on_birthday=False))
    assert len(off.visits) == 1


@pytest.mark.parametrize(
    ("last", "prior", "swing"),
    [
        (130, 100, False),
        (130.01, 100, True),
        (70, 100, False),
        (69.99, 100, True),
        (50, 0, False),
        (0, 10, True),
    ],
)
def test_sales_swing_boundary(last, prior, swing):
    assert is_sales_swing(last, prior, 30.0) is swing


def test_measures_follow_tier_and_value(rules, cal):
    top = plan_month(town(n=1, tiers=(1,)), "2026-12", cal, rules).visits[0]
    low = plan_month(town(n=1, tiers=(8,)), "2026-12", cal, rules).visits[0]
    assert top.measures == ("collect_demand", "communicate", "relationship", "ledger", "brand")
    assert low.measures == ("collect_demand", "communicate")
    problem = plan_month(town(n=1, tiers=(8,), value_class="problem"), "2026-12", cal, rules)
    assert "guidance" in problem.visits[0].measures


# -- visits that stay, order, warnings ----------------------------------------------------------
def test_kept_visits_count_and_fill_capacity(rules, cal):
    rs = town(n=2, routes=1, tiers=(5,))
    kept = {"C0000": [D(2026, 12, 7)]}
    plan = plan_month(rs, "2026-12", cal, rules, PlanFacts(kept=kept))
    mine = [v for v in plan.visits if v.code == "C0000"]
    assert len(mine) == 1 and not mine[0].mandatory and mine[0].day != D(2026, 12, 7)
    assert len([v for v in plan.visits if v.code == "C0001"]) == 2
    assert plan.coverage == 1.0


def test_day_order_follows_route_and_route_position(rules, cal):
    plan = plan_month(town(n=120, tiers=(8,)), "2026-12", cal, rules)
    seq_of = {r.code: (r.route, r.route_seq) for r in town(n=120, tiers=(8,))}
    for vs in plan.by_day().values():
        assert [v.seq for v in vs] == list(range(1, len(vs) + 1))
        assert [seq_of[v.code] for v in vs] == sorted(seq_of[v.code] for v in vs)


def test_2027_works_with_a_warning(rules):
    cal = WorkCalendar(rules)
    plan = plan_month(town(), "2027-02", cal, rules)
    assert plan.coverage == 1.0
    assert ("calendar_unknown", {"year": 2027}) in [(w.key, w.params) for w in plan.warnings]
    # the rules file's provisional 春节 days are not used
    assert not [v for v in plan.visits if D(2027, 2, 5) <= v.day <= D(2027, 2, 12)]
    assert all(v.day.weekday() < 5 for v in plan.visits)


def test_untiered_retailers_are_planned_with_a_warning(rules, cal):
    rs = [PlanRetailer("X", route="R", visit_batch="周一")]
    plan = plan_month(rs, "2026-12", cal, rules)
    assert len(plan.visits) == 1
    assert [w.key for w in plan.warnings] == ["untiered"]


@pytest.mark.parametrize(
    ("month_before", "day"),
    [("2026-11", D(2026, 11, 30)), ("2026-02", D(2026, 2, 28)), ("2026-05", D(2026, 5, 29))],
)
def test_submit_day(rules, cal, month_before, day):
    # 30th, or the last day of a short month (02-28 is a swapped working Saturday), moved back
    # to a working day (05-30 is a plain Saturday)
    assert submit_day(month_before, cal, rules) == day


def test_default_rules_fit_320_retailers_on_six_routes():
    rules = default_rules()
    cal = WorkCalendar(rules)
    tiers = (3, 4, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 8)
    plan = plan_month(town(tiers=tiers), "2026-12", cal, rules)
    assert plan.coverage == 1.0
    assert plan.dropped == 0 and plan.warnings == []
