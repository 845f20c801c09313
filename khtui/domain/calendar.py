"""The working-day calendar: Chinese public holidays and swapped working weekends (调休).

chinese-calendar knows the State Council's arrangements up to its release year and raises
``NotImplementedError`` after that. For such years the calendar falls back to weekends plus
the rules file's ``calendar.extra_holidays`` / ``extra_workdays`` and records a warning; it
never crashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar

from khtui.domain.messages import Key
from khtui.rules import Rules

# The official holidays by the names chinese_calendar gives them, as the catalogue names them
# (``calendar.holiday.<key>``; a holiday not listed is ``calendar.holiday``).
HOLIDAYS = {
    "New Year's Day": "new_year",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "qingming",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat",
    "National Day": "national_day",
    "Mid-autumn Festival": "mid_autumn",
    "Anti-Fascist 70th Day": "victory_day",
}


class WorkCalendar:
    def __init__(self, rules: Rules):
        self._extra_holidays = set(rules.calendar.extra_holidays)
        self._extra_workdays = set(rules.calendar.extra_workdays)
        self.unknown_years: set[int] = set()
        # chinese-calendar's answer per day: a fixed fact, asked for over and over (every
        # retailer's route days and care anchor of a month plan), and not cheap to ask
        self._days: dict[dt.date, tuple[bool, str | None] | None] = {}

    @property
    def warnings(self) -> list[str]:
        return [
            f"{y}: no official holiday data; using weekends and the rules file's calendar overrides"
            for y in sorted(self.unknown_years)
        ]

    def _official(self, d: dt.date) -> tuple[bool, str | None] | None:
        """(is_workday, holiday name) from chinese-calendar, or None for a year it lacks."""
        try:
            return self._days[d]
        except KeyError:
            pass
        answer: tuple[bool, str | None] | None = None
        if d.year not in self.unknown_years:
            try:
                on_holiday, name = chinese_calendar.get_holiday_detail(d)
            except NotImplementedError:
                self.unknown_years.add(d.year)
            else:
                answer = (not on_holiday, name)
        self._days[d] = answer
        return answer

    def is_workday(self, d: dt.date) -> bool:
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        official = self._official(d)
        if official is not None:
            return official[0]
        return d.weekday() < 5

    def holiday_name(self, d: dt.date) -> Key | None:
        """The public holiday on ``d`` as a message key, its name where shown (None on a plain
        weekend or workday; a holiday of the rules file's is ``calendar.holiday``)."""
        official = self._official(d)
        if official is not None and not official[0] and official[1]:
            known = HOLIDAYS.get(official[1])
            return Key(f"calendar.holiday.{known}" if known else "calendar.holiday")
        if d in self._extra_holidays:
            return Key("calendar.holiday")
        return None

    def workdays(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [d for d in days if self.is_workday(d)]

    def workdays_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Working days from ``start`` to ``end``, both inclusive."""
        out = []
        d = start
        while d <= end:
            if self.is_workday(d):
                out.append(d)
            d += dt.timedelta(days=1)
        return out

    def next_workday(self, d: dt.date, *, include: bool = False) -> dt.date:
        d = d if include else d + dt.timedelta(days=1)
        for _ in range(60):
            if self.is_workday(d):
                return d
            d += dt.timedelta(days=1)
        raise ValueError(f"no working day within 60 days after {d}")

    def previous_workday(self, d: dt.date, *, include: bool = False) -> dt.date:
        d = d if include else d - dt.timedelta(days=1)
        for _ in range(60):
            if self.is_workday(d):
                return d
            d -= dt.timedelta(days=1)
        raise ValueError(f"no working day within 60 days before {d}")
