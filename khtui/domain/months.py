"""Month arithmetic on 'YYYY-MM' keys."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

from khtui.domain.dates import FIRST_YEAR, LAST_YEAR


def month_key(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def parse_month(key: str) -> tuple[int, int]:
    """'2026-10' -> (2026, 10); raises ValueError with a clear message otherwise, and for a
    month outside the years the program handles."""
    year, month = _split(key)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"not a month: {key!r} (use YYYY-MM, e.g. 2026-10)")
    return year, month


def _split(key: str) -> tuple[int, int]:
    """'2026-10' -> (2026, 10) for any year of the calendar: the months counted back or on
    from a handled one (a look-back from January 1900) are months like any other."""
    try:
        y, m = key.split("-")
        year, month = int(y), int(m)
    except (ValueError, AttributeError):
        raise ValueError(f"not a month: {key!r} (use YYYY-MM, e.g. 2026-10)") from None
    if not (1 <= month <= 12 and dt.MINYEAR <= year <= dt.MAXYEAR) or len(y) != 4:
        raise ValueError(f"not a month: {key!r} (use YYYY-MM, e.g. 2026-10)")
    return year, month


@lru_cache(maxsize=4096)  # deriving a city's retailers asks the same few thousand times
def add_months(key: str, n: int) -> str:
    year, month = _split(key)
    idx = year * 12 + (month - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def months_before(as_of: dt.date, n: int) -> list[str]:
    """The last ``n`` complete months before ``as_of``, oldest first.

    The month that contains ``as_of`` is never complete (its remaining days are still to come),
    so for 2026-11-23 and n=3 this is 2026-08, 2026-09, 2026-10.
    """
    return list(_months_before(month_key(as_of), n))


@lru_cache(maxsize=256)
def _months_before(current: str, n: int) -> tuple[str, ...]:
    return tuple(add_months(current, -i) for i in range(n, 0, -1))


def month_days(key: str) -> list[dt.date]:
    year, month = _split(key)
    last = calendar.monthrange(year, month)[1]
    return [dt.date(year, month, d) for d in range(1, last + 1)]


def month_range(key: str) -> tuple[dt.date, dt.date]:
    days = month_days(key)
    return days[0], days[-1]


def month_over(key: str, today: dt.date) -> bool:
    """Whether month ``key`` ended before ``today`` (no plan is drafted for it any more)."""
    return month_range(key)[1] < today


def month_started(key: str, today: dt.date) -> bool:
    """Whether month ``key`` has begun by ``today`` (the current month has; a later one has
    no figures yet, and no report)."""
    year, month = _split(key)
    return dt.date(year, month, 1) <= today
