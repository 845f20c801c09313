"""A one-line date input that understands the ways people type a day
(:func:`khtui.domain.dates.parse_day`: ``2026-11-25``, ``11-25``, ``25``, ``+2``; the command
line reads dates the same way). Anything else is refused with a message saying how to write it.
"""

from __future__ import annotations

import datetime as dt

from textual.validation import ValidationResult, Validator

from khtui.domain.dates import parse_day
from khtui.widgets.text_boxes import Input


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
