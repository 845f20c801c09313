"""How people write a day: one reading for the screens' date boxes and the command line.

Accepted: ``2026-11-25`` (also ``2026/11/25``, ``2026.11.25``, ``2026年11月25日``,
``20261125``), ``11-25`` (that day in the base day's year), ``25`` (that day of the base
day's month), ``+2`` / ``-1`` (days after or before the base day). The base is today on the
command line and where a screen asks for a new day (reschedule), the day shown where it asks
where to go (go to date).
"""

from __future__ import annotations

import datetime as dt
import re

_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_DAY = re.compile(r"^(\d{1,2})日?$")
_OFFSET = re.compile(r"^([+-])\s*(\d{1,3})$")


def parse_day(text: str, base: dt.date) -> dt.date:
    """The day ``text`` names, relative to ``base``; ValueError when it names none."""
    s = text.strip().replace(" ", "")
    if not s:
        raise ValueError("empty")
    if m := _OFFSET.match(s):
        n = int(m.group(2))
        return base + dt.timedelta(days=n if m.group(1) == "+" else -n)
    if m := _FULL.match(s) or _COMPACT.match(s):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH_DAY.match(s):
        return dt.date(base.year, int(m.group(1)), int(m.group(2)))
    if m := _DAY.match(s):
        return dt.date(base.year, base.month, int(m.group(1)))
    raise ValueError(f"not a date: {text!r}")


__all__ = ["parse_day"]
