"""How people write a day: one reading for the screens' date boxes, the command line and the
imported files.

Accepted: ``2026-11-25`` (also ``2026/11/25``, ``2026.11.25``, ``2026年11月25日``,
``20261125``), ``11-25`` (that day in the base day's year), ``25`` (that day of the base
day's month), ``+2`` / ``-1`` (days after or before the base day). The base is today on the
command line and where a screen asks for a new day (reschedule), the day shown where it asks
where to go (go to date). Imported files use only the full forms (:func:`full_date`).
"""

from __future__ import annotations

import datetime as dt
import re

_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_DAY = re.compile(r"^(\d{1,2})日?$")
_OFFSET = re.compile(r"^([+-])\s*(\d{1,3})$")

# The years the program handles, for a day and for a month (``YYYY-MM``) alike: a day outside
# them names none it can work with (its months, weeks and look-backs would leave them).
FIRST_YEAR, LAST_YEAR = 1900, 2999


def as_date(value: dt.date | str) -> dt.date:
    """``value`` as a date: a date as it is, text as ISO ``YYYY-MM-DD`` (ValueError otherwise)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def full_date(text: str) -> dt.date | None:
    """The day of a date written in full (``2026-11-25``, ``2026/11/25``, ``2026.11.25``,
    ``2026年11月25日``, ``20261125``); None when ``text`` has none of these forms, ValueError
    when it has one but names no day (``2026-02-30``) or a day outside the years handled
    (:data:`FIRST_YEAR` to :data:`LAST_YEAR`)."""
    if m := _FULL.match(text) or _COMPACT.match(text):
        return _handled(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    return None


def parse_day(text: str, base: dt.date) -> dt.date:
    """The day ``text`` names, relative to ``base``; ValueError when it names none, or one
    outside the years handled."""
    s = text.strip().replace(" ", "")
    if not s:
        raise ValueError("empty")
    if m := _OFFSET.match(s):
        n = int(m.group(2))
        try:
            return _handled(base + dt.timedelta(days=n if m.group(1) == "+" else -n))
        except OverflowError:  # past the calendar's first or last day
            raise ValueError(f"not a date: {text!r}") from None
    if (day := full_date(s)) is not None:
        return day
    if m := _MONTH_DAY.match(s):
        return _handled(dt.date(base.year, int(m.group(1)), int(m.group(2))))
    if m := _DAY.match(s):
        return _handled(dt.date(base.year, base.month, int(m.group(1))))
    raise ValueError(f"not a date: {text!r}")


def _handled(day: dt.date) -> dt.date:
    """``day``, when its year is one the program handles; ValueError otherwise."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"not a day the program handles: {day.isoformat()}")
    return day


def day_examples(base: dt.date) -> dict[str, str]:
    """The ways of writing a day that :func:`parse_day` reads, shown with a day of ``base``'s
    month at or after it (two days on while the month lasts), to fill a hint's ``{full}``,
    ``{md}`` and ``{d}``: examples never name a day long past."""
    day = base + dt.timedelta(days=2)
    if day.month != base.month:
        day = base
    return {"full": day.isoformat(), "md": day.strftime("%m-%d"), "d": str(day.day)}


__all__ = ["FIRST_YEAR", "LAST_YEAR", "as_date", "day_examples", "full_date", "parse_day"]
