"""Complaints and who answers them (首问负责): routing, due dates, overdue, status steps.

The AM is the retailer's first point of responsibility. A complaint's category sets its owning
department and the AM's share (rules ``[complaints.routing]``) and its due date: ``due_days``
after the day it was raised, counted in working days or calendar days as rules
``complaints.due_days_are`` says. Status moves forward only: open 待处理 → forwarded 已转办 →
answered 已答复 → closed 已办结, each step dated. A complaint the AM owns alone (am_share
"full") may be answered without being forwarded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from khtui.domain.messages import Key, Keys
from khtui.domain.problems import CodedProblem

if TYPE_CHECKING:
    from khtui.domain.calendar import WorkCalendar
    from khtui.rules import Route, Rules

STATUSES: tuple[str, ...] = ("open", "forwarded", "answered", "closed")
OPEN_STATUSES: tuple[str, ...] = ("open", "forwarded")
STEP_DATE = {"forwarded": "forwarded_on", "answered": "answered_on", "closed": "closed_on"}


def status_key(status: str) -> Key:
    """A complaint status as a message parameter (translated where it is shown)."""
    return Key(f"complaint.status.{status}")


class ComplaintProblem(CodedProblem):
    """A complaint operation that cannot be done; ``code`` names why: the message
    ``complaint.err.<code>`` (``key``) with ``params``."""

    PREFIX = "complaint.err."


@dataclass(frozen=True)
class Routing:
    """Where a new complaint goes: its route (department, AM's share) and its due date."""

    route: Route
    due_on: dt.date


def route_for(category: str, rules: Rules) -> Route:
    routes = rules.complaint_routes
    if category not in routes:
        raise ComplaintProblem("bad_category", value=category, choices=", ".join(routes))
    return routes[category]


def due_date(
    raised_on: dt.date, due_days: int, rules: Rules, calendar: WorkCalendar | None = None
) -> dt.date:
    """The last day to answer: ``due_days`` working (or calendar) days after ``raised_on``.

    0 days is the same day. In working days, a complaint raised on Friday with 1 day is due on
    Monday (or the next working day after a holiday).
    """
    if due_days <= 0:
        return raised_on
    if rules.complaints.due_days_are == "calendar":
        return raised_on + dt.timedelta(days=due_days)
    if calendar is None:
        from khtui.domain.calendar import WorkCalendar

        calendar = WorkCalendar(rules)
    cal = calendar
    d = raised_on
    for _ in range(due_days):
        d = cal.next_workday(d)
    return d


def routing(
    category: str, raised_on: dt.date, rules: Rules, calendar: WorkCalendar | None = None
) -> Routing:
    route = route_for(category, rules)
    return Routing(route, due_date(raised_on, route.due_days, rules, calendar))


def is_overdue(status: str, due_on: dt.date | str, day: dt.date | str) -> bool:
    """Overdue on ``day``: still open or forwarded and due before that day (due that very day
    is not overdue yet)."""
    return status in OPEN_STATUSES and str(due_on) < str(day)


def next_statuses(status: str, am_share: str) -> tuple[str, ...]:
    """The statuses a complaint can move to from ``status``."""
    if status == "open":
        return ("forwarded", "answered") if am_share == "full" else ("forwarded",)
    if status == "forwarded":
        return ("answered",)
    if status == "answered":
        return ("closed",)
    return ()


def check_step(
    status: str,
    new_status: str,
    am_share: str,
    *,
    on: dt.date,
    last_step_on: dt.date,
    answer: str | None,
    resolution: str | None,
) -> None:
    """Raise :class:`ComplaintProblem` unless ``status -> new_status`` on ``on`` is allowed."""
    if new_status not in STATUSES:
        raise ComplaintProblem("bad_status", value=new_status, choices=", ".join(STATUSES))
    allowed = next_statuses(status, am_share)
    if not allowed:
        raise ComplaintProblem("finished", status=status_key(status), new=status_key(new_status))
    if new_status not in allowed:
        raise ComplaintProblem(
            "bad_step",
            status=status_key(status),
            new=status_key(new_status),
            allowed=Keys(status_key(s) for s in allowed),
        )
    if on < last_step_on:
        raise ComplaintProblem("step_before", on=on.isoformat(), last=last_step_on.isoformat())
    if new_status == "answered" and not (answer or "").strip():
        raise ComplaintProblem("need_answer")
    if new_status == "closed" and not (resolution or "").strip():
        raise ComplaintProblem("need_resolution")
