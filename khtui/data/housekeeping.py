"""The day's housekeeping 例行处理: what opening the program does once a day.

1. The daily automatic backup (before anything else changes, on a connection of its own).
2. Carry-over 补访 on a working day: missed visits come back on the month's next working days
   within the daily capacity (:meth:`khtui.data.visits.VisitOps.carry_over`).
3. The plans due (:func:`khtui.domain.planning.plan_months_due`): this month's if it has none,
   and next month's draft from the drafting day or in the month's last working days.

It runs once per day (the day it ran is kept in ``meta``); every read of the program leaves the
database as it was. ``KHTUI_TODAY`` makes a date today, and the housekeeping runs for it as for
the real one. The app runs it in a worker at start; ``khtui housekeeping`` from the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khtui.data.visits import CarryOver

DONE_KEY = "housekeeping_done"  # meta: when the last housekeeping ran (ISO date and time)


@dataclass(frozen=True)
class Housekeeping:
    """What the day's housekeeping did on ``day``. ``already``: it had run that day (at
    ``done_at``) and nothing was done this time."""

    day: dt.date
    workday: bool
    already: bool = False
    done_at: str | None = None
    carry: CarryOver | None = None
    plans: list[dict[str, Any]] = field(default_factory=list)  # generate_month_plan summaries
    backup: Path | None = None


def last_done(store) -> str | None:
    """When the housekeeping last ran (ISO date and time), or None."""
    return store.meta(DONE_KEY)


def is_done(store, day: dt.date) -> bool:
    done = last_done(store)
    return done is not None and done[:10] == day.isoformat()


def run_housekeeping(store, *, backup: bool = True, plans: bool = True) -> Housekeeping:
    """Do the day's housekeeping on ``store.today()`` unless it was done that day; without
    ``plans`` (a team database) only the backup: no carry-over and no plan is drafted."""
    from khtui.domain.planning import plan_months_due

    day = store.today()
    workday = store.work_calendar.is_workday(day)
    done = last_done(store)
    if done and done[:10] == day.isoformat():
        return Housekeeping(day, workday, already=True, done_at=done)
    path = _backup(store) if backup else None
    carry = store.carry_over(day) if workday and plans else None
    drafted = [
        store.generate_month_plan(month)
        for month in (plan_months_due(day, store.work_calendar, store.rules) if plans else ())
        if store.month_plan_row(month) is None
    ]
    stamp = store.now_text()
    store.set_meta(DONE_KEY, stamp)
    return Housekeeping(day, workday, done_at=stamp, carry=carry, plans=drafted, backup=path)


def _backup(store) -> Path | None:
    """At most one automatic backup a day (on the calling thread's connection: run in a
    worker, the screens never wait for it)."""
    from khtui.data import backup

    now = store.now()
    since_midnight = now - dt.datetime.combine(now.date(), dt.time())
    return backup.auto_backup(store, min_hours=since_midnight.total_seconds() / 3600)


__all__ = ["DONE_KEY", "Housekeeping", "is_done", "last_done", "run_housekeeping"]
