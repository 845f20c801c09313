"""The monthly visit plan 月度拜访计划: how often each retailer is visited, why, and on which day.

Pure: the data layer gathers the facts (retailers, sales swings, debit failures, open
complaints, new-brand targets, visits already made) and this module decides.

The rules it follows (numbers from rules ``[visits]``):

* Frequency: visits a month by tier, plus extras for core and problem value, sales swings,
  electronic-debit failures, open complaints, care of vulnerable retailers in a month with a
  public holiday (or their birthday) and new-product promotion, capped at ``max_per_month``.
* Every active retailer is visited at least once (coverage 100%, 月内走访面100%): the first
  visit is *mandatory* and never dropped, even when that exceeds the daily capacity.
* Each route is visited on its weekday (the most common 拜访批次 ``周一``..``周五`` of its
  retailers; routes without one are spread over Monday..Friday in route-name order), on the
  working days of the Chinese calendar. A route day that falls on a holiday moves to the nearest
  working day of the month, so a route always keeps at least one day.
* Several visits of one retailer are spread evenly over its route days; a day holds at most
  ``daily_capacity`` visits: extra visits move to another route day with room or are dropped
  (with a warning); a mandatory visit moves to another route day, then to the nearest working
  day with room, and only when the whole month is full exceeds the capacity (with a warning).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from khtui.domain.calendar import WorkCalendar
from khtui.domain.months import add_months, month_days, month_key
from khtui.domain.visits import REASONS
from khtui.rules import Rules
from khtui.rules import Visits as VisitRules

# The service measures of a visit (主要服务措施), named in the catalogue (plan.measure.<key>).
# Order = display order.
MEASURES: tuple[str, ...] = (
    "collect_demand",  # 采集需求
    "communicate",  # 信息沟通
    "relationship",  # 感情联络
    "care",  # 弱势群体关爱
    "guidance",  # 经营指导
    "ledger",  # 动销台账
    "new_product",  # 新品推广
    "brand",  # 品牌培育
    "anomaly",  # 异常情况处理
)
# Situations that add visits, most important first: when max_per_month cuts, it cuts from the
# end (tier and value extras last).
SITUATIONS: tuple[str, ...] = ("complaint", "care", "debit_failure", "sales_swing", "new_product")
WEEKDAY_NAMES = {
    "周一": 0,
    "周二": 1,
    "周三": 2,
    "周四": 3,
    "周五": 4,
    "星期一": 0,
    "星期二": 1,
    "星期三": 2,
    "星期四": 3,
    "星期五": 4,
}
PLAN_STATUSES = ("draft", "submitted", "approved")


@dataclass(frozen=True)
class PlanRetailer:
    """What the plan needs to know of one active retailer."""

    code: str
    name: str = ""
    route: str | None = None
    route_seq: int | None = None
    visit_batch: str | None = None
    tier: int | None = None
    value_class: str | None = None  # core / general / problem
    vulnerable: bool = False
    birthday: str | None = None  # YYYY-MM-DD (only month and day matter)


@dataclass(frozen=True)
class PlanFacts:
    """Situations found in the data, as sets of retailer codes, and the visits already made.

    ``kept`` holds, per retailer, the days of visits of this month that stay (done, checked in,
    ad hoc or already planned before ``from_day``): they count towards the frequency and fill
    the days' capacity. ``from_day`` is the first day new visits may be placed on.
    """

    sales_swing: frozenset[str] = frozenset()
    debit_failure: frozenset[str] = frozenset()
    open_complaint: frozenset[str] = frozenset()
    new_product: frozenset[str] = frozenset()
    kept: Mapping[str, Sequence[dt.date]] = field(default_factory=dict)
    from_day: dt.date | None = None


@dataclass(frozen=True)
class PlannedVisit:
    code: str
    day: dt.date
    seq: int
    reasons: tuple[str, ...]
    measures: tuple[str, ...]
    mandatory: bool  # the retailer's first visit of the month (coverage); never dropped


@dataclass(frozen=True)
class PlanWarning:
    """A problem worth telling the AM; ``key`` names the message (i18n ``plan.warn.<key>``)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class MonthPlan:
    month: str
    visits: list[PlannedVisit]
    route_weekdays: dict[str | None, int]
    route_days: dict[str | None, list[dt.date]]
    warnings: list[PlanWarning]
    wanted: dict[str, int]  # visits each retailer should get this month (after the cap)
    dropped: int = 0  # extra visits that found no room
    retailers: int = 0
    covered: int = 0

    def by_day(self) -> dict[dt.date, list[PlannedVisit]]:
        out: dict[dt.date, list[PlannedVisit]] = defaultdict(list)
        for v in self.visits:
            out[v.day].append(v)
        return {d: sorted(vs, key=lambda v: v.seq) for d, vs in sorted(out.items())}

    def counts(self) -> Counter:
        return Counter(v.code for v in self.visits)

    @property
    def coverage(self) -> float:
        return 1.0 if not self.retailers else self.covered / self.retailers


# -- small rules, tested on their own ----------------------------------------------------------
def is_sales_swing(last_month_tiao: float, prior_avg_tiao: float, pct: float) -> bool:
    """Sales changed by more than ``pct`` % against the average of the months before.

    A retailer without sales before (new, or back after a pause) is not a swing: there is
    nothing to compare with.
    """
    if prior_avg_tiao <= 0:
        return False
    return abs(last_month_tiao - prior_avg_tiao) / prior_avg_tiao * 100.0 > pct


def route_weekday(batches: Iterable[str | None]) -> int | None:
    """The weekday (0 = Monday) a route is visited on: its retailers' most common 拜访批次."""
    counts = Counter(WEEKDAY_NAMES[b.strip()] for b in batches if b and b.strip() in WEEKDAY_NAMES)
    if not counts:
        return None
    best = max(counts.values())
    return min(d for d, n in counts.items() if n == best)


def route_weekdays(retailers: Iterable[PlanRetailer]) -> dict[str | None, int]:
    """Each route's weekday; routes without a 拜访批次 go, in route-name order, to the weekday
    with the fewest routes so far (Monday first)."""
    batches: dict[str | None, list[str | None]] = defaultdict(list)
    for r in retailers:
        batches[r.route].append(r.visit_batch)
    out: dict[str | None, int] = {}
    loose = []
    for route in sorted(batches, key=lambda x: (x is None, x or "")):
        wd = route_weekday(batches[route])
        if wd is None:
            loose.append(route)
        else:
            out[route] = wd
    load = Counter(out.values())
    for route in loose:
        wd = min(range(5), key=lambda d: (load[d], d))
        out[route] = wd
        load[wd] += 1
    return out


def route_days(
    weekday: int, month: str, calendar: WorkCalendar, from_day: dt.date | None = None
) -> list[dt.date]:
    """The days of ``month`` (from ``from_day`` on) a route on ``weekday`` is visited.

    A route weekday that is not a working day (holiday) moves to the nearest working day of the
    month (the earlier one on a tie), so every route keeps at least one day while the month has
    a working day left.
    """
    days = [d for d in month_days(month) if from_day is None or d >= from_day]
    work = [d for d in days if calendar.is_workday(d)]
    if not work:
        return []
    out = set()
    for d in days:
        if d.weekday() != weekday:
            continue
        if calendar.is_workday(d):
            out.add(d)
        else:
            out.add(min(work, key=lambda w: (abs((w - d).days), w)))
    if not out:  # the weekday has passed for this month: the nearest working day left
        out.add(work[0])
    return sorted(out)


def measures_for(r: PlanRetailer, reasons: Iterable[str], cfg: VisitRules) -> tuple:
    """The service measures of a visit, from the retailer's situation and the visit's reasons."""
    reasons = set(reasons)
    tier = r.tier or 99
    chosen = {"collect_demand", "communicate"}
    if r.value_class == "core" or tier <= cfg.relationship_max_tier:
        chosen.add("relationship")
    if "care" in reasons or r.vulnerable:
        chosen.add("care")
    if r.value_class == "problem" or "sales_swing" in reasons:
        chosen.add("guidance")
    if tier <= cfg.ledger_max_tier:
        chosen.add("ledger")
    if "new_product" in reasons:
        chosen.add("new_product")
    if r.value_class == "core" or tier <= cfg.brand_max_tier:
        chosen.add("brand")
    if reasons & {"complaint", "debit_failure"}:
        chosen.add("anomaly")
    return tuple(m for m in MEASURES if m in chosen)


def care_anchor(
    r: PlanRetailer, month: str, calendar: WorkCalendar, cfg: VisitRules
) -> dt.date | None:
    """The day a vulnerable retailer's care visit should be near (关爱): the month's first public
    holiday, else the retailer's birthday in this month; None when no care visit is due."""
    if not r.vulnerable:
        return None
    days = month_days(month)
    for d in days:
        if calendar.holiday_name(d):
            return d
    if cfg.care_on_birthday and r.birthday:
        try:
            b = dt.date.fromisoformat(r.birthday)
        except ValueError:
            return None
        if b.month == days[0].month:
            return days[0].replace(day=min(b.day, days[-1].day))
    return None


def visit_reasons(
    r: PlanRetailer, facts: PlanFacts, care_due: bool, cfg: VisitRules
) -> list[tuple[str, ...]]:
    """The reasons of each of a retailer's visits this month, first (mandatory) visit first,
    already capped at ``max_per_month``. Situational reasons also go on the first visit."""
    tier_key = (
        str(r.tier) if r.tier is not None else str(max(int(k) for k in cfg.per_month_by_tier))
    )
    base = cfg.per_month_by_tier.get(tier_key, 1)
    if r.value_class == "core":
        base += cfg.extra_core_value
    elif r.value_class == "problem":
        base += cfg.extra_problem_value
    applies = {
        "complaint": r.code in facts.open_complaint,
        "care": care_due,
        "debit_failure": r.code in facts.debit_failure,
        "sales_swing": r.code in facts.sales_swing,
        "new_product": r.code in facts.new_product,
    }
    extras_n = {
        "complaint": cfg.extra_open_complaint,
        "care": cfg.extra_vulnerable_holiday,
        "debit_failure": cfg.extra_debit_failure,
        "sales_swing": cfg.extra_sales_swing,
        "new_product": cfg.extra_new_product,
    }
    first = ("plan", *(s for s in SITUATIONS if applies[s] and s != "care"))
    out: list[tuple[str, ...]] = [first]
    for s in SITUATIONS:
        if applies[s]:
            out += [(s,)] * extras_n[s]
    out += [("plan",)] * max(0, base - 1)
    return out[: cfg.max_per_month]


# -- the generator ---------------------------------------------------------------------------
def _nearest(days: list[dt.date], anchor: dt.date) -> dt.date:
    """The day of ``days`` nearest ``anchor``, one on or before it first."""
    return min(days, key=lambda d: (d > anchor, abs((d - anchor).days)))


def plan_month(
    retailers: Sequence[PlanRetailer],
    month: str,
    calendar: WorkCalendar,
    rules: Rules,
    facts: PlanFacts | None = None,
) -> MonthPlan:
    """Plan ``month`` for the active ``retailers`` (see the module docstring for the rules)."""
    facts = facts or PlanFacts()
    cfg = rules.visits
    capacity = cfg.daily_capacity
    warnings: list[PlanWarning] = []
    all_days = month_days(month)
    from_day = facts.from_day or all_days[0]
    work = [d for d in all_days if d >= from_day and calendar.is_workday(d)]
    weekdays = route_weekdays(retailers)
    rdays = {route: route_days(wd, month, calendar, from_day) for route, wd in weekdays.items()}
    load: Counter = Counter()
    for days in facts.kept.values():
        load.update(days)
    wanted: dict[str, int] = {}
    placed: list[tuple[PlanRetailer, dt.date, tuple[str, ...], bool]] = []
    dropped = 0
    over_capacity: set[dt.date] = set()
    off_route = 0
    untiered = sum(1 for r in retailers if r.tier is None)
    if untiered:
        warnings.append(PlanWarning("untiered", {"n": untiered}))

    def nearest_with_room(target: dt.date, exclude: Iterable[dt.date]) -> dt.date | None:
        exclude = set(exclude)
        free = [d for d in work if load[d] < capacity and d not in exclude]
        if not free:
            return None
        return min(free, key=lambda d: (abs((d - target).days), d))

    ordered = sorted(
        retailers, key=lambda r: ((r.route is None, r.route or ""), r.route_seq or 0, r.code)
    )
    # visits per retailer: (retailer, day, reasons, mandatory)
    chosen: dict[str, list[tuple[dt.date, tuple[str, ...], bool]]] = defaultdict(list)
    anchors: dict[str, dt.date] = {}
    extras: list[tuple[tuple, PlanRetailer, int, tuple[str, ...], list[dt.date]]] = []
    first_index: dict[str, int] = {}
    # 1. the first visit of everyone not yet visited this month (coverage 100%): on the least
    #    loaded of its route days, else the nearest working day with room, else over capacity.
    for r in ordered:
        anchor = care_anchor(r, month, calendar, cfg)
        if anchor is not None:
            anchors[r.code] = anchor
        reasons = visit_reasons(r, facts, anchor is not None, cfg)
        wanted[r.code] = len(reasons)
        kept = sorted(facts.kept.get(r.code, ()))
        todo = reasons[len(kept) :]  # visits that stay count first: the rest are extras
        if not todo:
            continue
        days = rdays.get(r.route) or (work[:1] if work else [])
        if not days:
            if not kept:
                warnings.append(PlanWarning("no_working_day", {"code": r.code}))
            continue
        if kept:
            i0 = min(range(len(days)), key=lambda i: (load[days[i]], i))
            rest = todo
        else:
            i0 = min(range(len(days)), key=lambda i: (load[days[i]] >= capacity, load[days[i]], i))
            day = days[i0]
            if load[day] >= capacity:
                near = nearest_with_room(day, ())
                if near is not None:
                    day, off_route = near, off_route + 1
                else:
                    over_capacity.add(day)
            load[day] += 1
            chosen[r.code].append((day, todo[0], True))
            rest = todo[1:]
        first_index[r.code] = i0
        n = len(rest) + (0 if kept else 1)
        step = len(days) / max(1, n)
        for k, why in enumerate(rest, start=0 if kept else 1):
            if k >= len(days):
                dropped += 1  # never twice a day: more visits than route days
                continue
            want = days[(i0 + round(k * step)) % len(days)]
            if "care" in why and r.code in anchors:  # the care visit goes near its day
                anchor = anchors[r.code]
                want = _nearest(days, anchor)
            prio = min(
                (SITUATIONS.index(x) for x in why if x in SITUATIONS), default=len(SITUATIONS)
            )
            extras.append(((k, prio, r.tier or 99), r, k, why, [want, *days]))
    # 2. extra visits, round by round (everyone's second before anyone's third), the most
    #    important situations first; a full day sends a visit to another route day with room,
    #    else it is dropped.
    by_code = {r.code: r for r in retailers}
    for _key, r, _k, why, (want, *days) in sorted(extras, key=lambda e: e[0]):
        used = {d for d, _, _ in chosen[r.code]} | set(facts.kept.get(r.code, ()))
        day = want
        if load[day] >= capacity or day in used:
            alt = [d for d in days if load[d] < capacity and d not in used]
            if not alt:
                dropped += 1
                continue
            day = min(alt, key=lambda d: (abs((d - want).days), d))
        load[day] += 1
        chosen[r.code].append((day, why, False))
    # 3. the care reason goes to the last visit on or before the anchor day (greetings come
    #    before the holiday), else the first one after it
    for code, anchor in anchors.items():
        mine = chosen.get(code)
        if not mine:
            continue
        j = min(
            range(len(mine)), key=lambda j: (mine[j][0] > anchor, abs((mine[j][0] - anchor).days))
        )
        for i, (d, why, m) in enumerate(mine):
            if "care" in why and i != j:
                mine[i] = (d, tuple(x for x in why if x != "care") or ("plan",), m)
        d, why, m = mine[j]
        if "care" not in why:
            mine[j] = (d, (*why, "care"), m)
    placed = [(by_code[c], d, why, m) for c, vs in chosen.items() for d, why, m in vs]
    if dropped:
        warnings.append(PlanWarning("dropped", {"n": dropped, "capacity": capacity}))
    if off_route:
        warnings.append(PlanWarning("off_route", {"n": off_route}))
    for d in sorted(over_capacity):
        warnings.append(
            PlanWarning("over_capacity", {"day": d.isoformat(), "n": load[d], "capacity": capacity})
        )
    if not work:
        warnings.append(PlanWarning("no_days_left", {"month": month}))
    for y in sorted(calendar.unknown_years):
        if str(y) == month[:4]:
            warnings.append(PlanWarning("calendar_unknown", {"year": y}))

    route_rank = {
        route: i for i, route in enumerate(sorted(weekdays, key=lambda x: (x is None, x or "")))
    }
    placed.sort(key=lambda p: (p[1], route_rank.get(p[0].route, 0), p[0].route_seq or 0, p[0].code))
    visits: list[PlannedVisit] = []
    seq: Counter = Counter()
    for r, day, day_reasons, mandatory in placed:
        seq[day] += 1
        ordered_reasons = tuple(x for x in REASONS if x in day_reasons)
        visits.append(
            PlannedVisit(
                r.code,
                day,
                seq[day],
                ordered_reasons,
                measures_for(r, ordered_reasons, cfg),
                mandatory,
            )
        )
    covered = {v.code for v in visits} | {c for c, ds in facts.kept.items() if ds}
    active = {r.code for r in retailers}
    return MonthPlan(
        month=month,
        visits=visits,
        route_weekdays=weekdays,
        route_days=rdays,
        warnings=warnings,
        wanted=wanted,
        dropped=dropped,
        retailers=len(active),
        covered=len(covered & active),
    )


# -- carry-over 补访 ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MissedVisit:
    """A planned visit of an earlier day that was neither made nor skipped."""

    id: str
    code: str
    day: dt.date
    seq: int = 0


@dataclass(frozen=True)
class DayRoom:
    """A working day a missed visit may go to: the visits that stand on it (planned, checked
    in, done) and, per retailer code, the id of its visit that day."""

    day: dt.date
    load: int
    visits: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CarryPlacement:
    """Where a missed visit goes: ``day`` (None: no day had room; it stays missed) and, when
    the retailer already has a visit that day, that visit's id (``into``: the reason is added
    to it instead of a second visit). When an earlier miss of the same retailer was placed on
    that day, ``into`` is that miss's id: this one joins the visit it became."""

    visit_id: str
    day: dt.date | None
    into: str | None = None


def place_missed(
    missed: Iterable[MissedVisit], days: Sequence[DayRoom], capacity: int
) -> list[CarryPlacement]:
    """Bring missed visits back (补访) on the given working days, oldest miss first.

    Each goes to the first day (in date order) where its retailer already has a visit (the
    reason is added there: no day holds one retailer twice) or that holds fewer than
    ``capacity`` visits; a day never goes past ``capacity`` because of carry-over. A missed
    visit that finds no such day stays missed (``day`` None): the AM places it by hand.
    """
    ordered = sorted(days, key=lambda d: d.day)
    load = {d.day: d.load for d in ordered}
    there: dict[dt.date, dict[str, str]] = {d.day: dict(d.visits) for d in ordered}
    out: list[CarryPlacement] = []
    for m in sorted(missed, key=lambda m: (m.day, m.seq, m.id)):
        placed = None
        for d in ordered:
            into = there[d.day].get(m.code)
            if into is not None:
                placed = CarryPlacement(m.id, d.day, into)
                break
            if load[d.day] < capacity:
                load[d.day] += 1
                there[d.day][m.code] = m.id
                placed = CarryPlacement(m.id, d.day)
                break
        out.append(placed or CarryPlacement(m.id, None))
    return out


# -- the month's turn: when next month's plan is drafted and submitted ------------------------
def next_month_due(today: dt.date, calendar: WorkCalendar, rules: Rules) -> bool:
    """Whether next month's plan should exist (as a draft at least) on ``today``.

    From ``plan_draft_from_day`` of the month; in any case in the month's last
    ``plan_draft_last_workdays`` working days; and whenever today's week (Monday to Sunday)
    reaches a working day of next month, so that no day of this week or of the weekly
    report's "next week" is empty because a plan is missing.
    """
    cfg = rules.visits
    if today.day >= cfg.plan_draft_from_day:
        return True
    days = month_days(month_key(today))
    work = [d for d in days if calendar.is_workday(d)]
    if today in work[-cfg.plan_draft_last_workdays :]:
        return True
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    return any(d > days[-1] and calendar.is_workday(d) for d in week)


def plan_months_due(today: dt.date, calendar: WorkCalendar, rules: Rules) -> list[str]:
    """The months whose plan should exist on ``today``: this month, and next month once
    :func:`next_month_due`."""
    this = month_key(today)
    return [this, add_months(this, 1)] if next_month_due(today, calendar, rules) else [this]


def submit_day(month_before: str, calendar: WorkCalendar, rules: Rules) -> dt.date:
    """The day the plan of the month after ``month_before`` is submitted: ``plan_submit_day``
    of ``month_before`` (or its last day when shorter), moved back to a working day."""
    days = month_days(month_before)
    want = min(rules.visits.plan_submit_day, days[-1].day)
    d = days[0].replace(day=want)
    return calendar.previous_workday(d, include=True)
