"""The moving festivals of the lunar calendar, for any year, and how a day is aligned to them.

The Spring Festival (春节, lunar 1/1) falls between late January and mid-February and the
Mid-Autumn Festival (中秋, lunar 8/15) between early September and early October; their dates
come from the ``lunardate`` library (1900–2099), never from a table typed by hand. Demand
around them is compared by the distance to the festival, so a January peak one year and a
February peak the next are the same event: :func:`season_key` names the part of the season a
day belongs to.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from lunardate import LunarDate

from khtui.rules import Forecast


def _solar(year: int, month: int, day: int) -> dt.date | None:
    """The day of ``year`` that is lunar ``month``/``day``; None outside 1900–2099."""
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:
        return None


@lru_cache(maxsize=256)
def spring_festival(year: int) -> dt.date | None:
    """The Spring Festival (lunar new year's day) of ``year``; None outside 1900–2099."""
    return _solar(year, 1, 1)


@lru_cache(maxsize=256)
def mid_autumn(year: int) -> dt.date | None:
    """The Mid-Autumn Festival (lunar 8/15) of ``year``; None outside 1900–2099."""
    return _solar(year, 8, 15)


def spring_window(year: int, fr: Forecast) -> tuple[dt.date, dt.date] | None:
    """The first and last day aligned to ``year``'s Spring Festival."""
    sf = spring_festival(year)
    if sf is None:
        return None
    return (
        sf - dt.timedelta(days=fr.spring_before_days),
        sf + dt.timedelta(days=fr.spring_after_days - 1),
    )


def season_key(day: dt.date, fr: Forecast) -> str:
    """The part of the season ``day`` belongs to.

    ``sf-2`` is the second ``bin_days`` step before the Spring Festival (``sf+0`` its first
    days), ``ma-1`` the step before the Mid-Autumn Festival; any other day is its calendar
    month (``m07``). National Day (国庆, 1 October) needs no alignment: its date is fixed.
    """
    step = fr.bin_days
    for year in (day.year, day.year + 1):
        sf = spring_festival(year)
        if sf is None:
            continue
        off = (day - sf).days
        if -fr.spring_before_days <= off < fr.spring_after_days:
            return f"sf{off // step:+d}"
    ma = mid_autumn(day.year)
    if ma is not None:
        off = (day - ma).days
        if -fr.mid_autumn_before_days <= off <= fr.mid_autumn_after_days:
            return f"ma{off // step:+d}"
    return f"m{day.month:02d}"


def is_spring_month(month: str, fr: Forecast) -> bool:
    """Whether the month 'YYYY-MM' holds days aligned to a Spring Festival."""
    from khtui.domain.months import month_range

    first, last = month_range(month)
    for year in (first.year, first.year + 1):
        window = spring_window(year, fr)
        if window and window[0] <= last and first <= window[1]:
            return True
    return False


__all__ = ["is_spring_month", "mid_autumn", "season_key", "spring_festival", "spring_window"]
