"""A one-line date input that understands the ways people type a day.

Accepted: ``2026-11-25`` (also ``2026/11/25``, ``2026.11.25``, ``20261125``), ``11-25`` (this
year of the base day), ``25`` (that day of the base day's month), ``+2`` / ``-1`` (days after or
before the base day). Anything else is refused with a message saying how to write it.
"""

from __future__ import annotations

import datetime as dt
import re

from textual.validation import ValidationResult, Validator
from textual.widgets import Input

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


class _DayValidator(Validator):
    def __init__(self, base: dt.date, message: str) -> None:
        super().__init__(failure_description=message)
        self.base = base

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_day(value, self.base)
        except ValueError:
            return self.failure()
        return self.success()


class DateInput(Input):
    """An :class:`Input` for a day; :attr:`day` is the parsed value or None."""

    def __init__(self, base: dt.date, *, message: str, value: str = "", **kw) -> None:
        super().__init__(
            value=value,
            validators=[_DayValidator(base, message)],
            validate_on=["changed", "submitted"],
            **kw,
        )
        self.base = base

    @property
    def day(self) -> dt.date | None:
        try:
            return parse_day(self.value, self.base)
        except ValueError:
            return None


__all__ = ["DateInput", "parse_day"]
