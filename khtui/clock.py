"""The one source of "now" and "today" for the whole program.

``KHTUI_TODAY=YYYY-MM-DD`` in the environment makes that date today (the time of day stays the
system clock's): the program then behaves on that date as it would on the real one, day's
housekeeping included. Without it, the system clock. The store, the CLI, the app and the demo
builder all read the date here; tests pin it through the same variable.
"""

from __future__ import annotations

import datetime as dt
import os

ENV = "KHTUI_TODAY"


class ClockError(ValueError):
    """``KHTUI_TODAY`` is set but is not a date."""

    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


def pinned_date() -> dt.date | None:
    """The date set by ``KHTUI_TODAY``, or None when it is not set (or empty)."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ClockError(value) from None


def system_now() -> dt.datetime:
    """The system clock's local time (the one place the program reads it)."""
    return dt.datetime.now()


def now() -> dt.datetime:
    """The current local time, on ``KHTUI_TODAY``'s date when it is set."""
    real = system_now()
    day = pinned_date()
    return real if day is None else dt.datetime.combine(day, real.time())


def today() -> dt.date:
    return now().date()


__all__ = ["ENV", "ClockError", "now", "pinned_date", "system_now", "today"]
