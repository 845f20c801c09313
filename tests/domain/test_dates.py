"""How people write a day: the full forms shared by the date boxes, the CLI and the imports."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.dates import FIRST_YEAR, LAST_YEAR, as_date, day_examples, full_date, parse_day
from khtui.domain.months import add_months, month_range, parse_month

D = dt.date
BASE = D(2026, 11, 23)


@pytest.mark.parametrize(
    "text", ["2026-11-25", "2026/11/25", "2026.11.25", "2026年11月25日", "20261125"]
)
def test_every_full_form_names_the_same_day(text):
    assert full_date(text) == D(2026, 11, 25)
    assert parse_day(text, BASE) == D(2026, 11, 25)


def test_a_full_form_that_names_no_day_is_an_error_and_other_text_is_no_full_form():
    with pytest.raises(ValueError):
        full_date("2026-02-30")
    with pytest.raises(ValueError):
        full_date("20261301")
    assert full_date("11-25") is None and full_date("2026-11") is None and full_date("") is None


def test_short_forms_are_read_from_the_base_day():
    assert parse_day("11-25", BASE) == D(2026, 11, 25)
    assert parse_day("25日", BASE) == D(2026, 11, 25)
    assert parse_day("+2", BASE) == D(2026, 11, 25)
    assert parse_day("- 1", BASE) == D(2026, 11, 22)
    with pytest.raises(ValueError):
        parse_day("明天", BASE)


def test_as_date_takes_a_date_or_its_iso_text():
    assert as_date(D(2026, 11, 23)) == D(2026, 11, 23)
    assert as_date("2026-11-23") == D(2026, 11, 23)
    with pytest.raises(ValueError):
        as_date("23/11/2026")


@pytest.mark.parametrize(
    ("base", "shown"),
    [
        (D(2026, 11, 23), ("2026-11-25", "11-25", "25")),
        (D(2026, 11, 28), ("2026-11-30", "11-30", "30")),  # the month's last day
        (D(2026, 11, 29), ("2026-11-29", "11-29", "29")),  # two days on is December
        (D(2026, 12, 31), ("2026-12-31", "12-31", "31")),
    ],
)
def test_the_examples_name_a_day_of_the_month_not_past(base, shown):
    ex = day_examples(base)
    assert (ex["full"], ex["md"], ex["d"]) == shown
    # every example names that same day
    assert {parse_day(ex[k], base) for k in ("full", "md", "d")} == {D.fromisoformat(shown[0])}


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("9999-12-31", BASE),
        ("0001-01-01", BASE),
        ("1899-12-31", BASE),
        ("3000-01-01", BASE),
        ("30000101", BASE),
        ("12-31", D(1899, 6, 1)),  # the base day's year
        ("1", D(3000, 1, 15)),  # the base day's month
        ("+3", D(2999, 12, 30)),
        ("-1", D(1900, 1, 1)),
        ("+999", D(9999, 12, 1)),  # past the calendar's last day
    ],
)
def test_a_day_outside_the_years_handled_is_no_day(text, base):
    with pytest.raises(ValueError):
        parse_day(text, base)


def test_the_first_and_last_days_handled_are_days_and_their_months_can_be_counted_back():
    first, last = D(FIRST_YEAR, 1, 1), D(LAST_YEAR, 12, 31)
    assert parse_day(first.isoformat(), BASE) == first
    assert parse_day(last.isoformat(), BASE) == last
    assert full_date(f"{LAST_YEAR}1231") == last
    # a look-back from the first month handled reaches months before it, which are no month
    # a user can ask for
    before = add_months(f"{FIRST_YEAR}-01", -1)
    assert month_range(before) == (D(FIRST_YEAR - 1, 12, 1), D(FIRST_YEAR - 1, 12, 31))
    with pytest.raises(ValueError):
        parse_month(before)
