import datetime as dt

import pytest

from khtui.domain.calendar import WorkCalendar
from khtui.rules import default_rules, load_rules
from tests.conftest import EN, ZH

D = dt.date


@pytest.fixture
def cal():
    return WorkCalendar(default_rules())


@pytest.mark.parametrize(
    ("day", "workday", "holiday"),
    [
        (D(2026, 9, 30), True, None),
        (D(2026, 10, 1), False, "国庆节"),
        (D(2026, 10, 7), False, "国庆节"),
        (D(2026, 10, 8), True, None),
        (D(2026, 10, 10), True, None),  # Saturday made a working day (调休)
        (D(2026, 10, 11), False, None),  # plain Sunday
        (D(2026, 9, 20), True, None),  # Sunday made a working day (调休)
        (D(2026, 2, 14), True, None),  # Saturday before 春节, working
        (D(2026, 2, 15), False, "春节"),
        (D(2026, 2, 17), False, "春节"),  # Spring Festival day
        (D(2026, 2, 23), False, "春节"),
        (D(2026, 2, 24), True, None),
    ],
)
def test_2026_holidays_and_swapped_weekends(cal, day, workday, holiday):
    assert cal.is_workday(day) is workday
    name = cal.holiday_name(day)
    assert (name and ZH(name)) == holiday
    assert name is None or EN(name).isascii()  # said in English in the English UI
    assert cal.warnings == []


def test_2027_falls_back_to_weekends_and_overrides_with_a_warning(cal):
    assert cal.is_workday(D(2027, 3, 10)) is True  # Wednesday
    assert cal.is_workday(D(2027, 3, 13)) is False  # Saturday
    assert cal.is_workday(D(2027, 10, 1)) is False  # rules override
    assert ZH(cal.holiday_name(D(2027, 10, 1))) == "节假日"
    assert cal.unknown_years == {2027}
    assert "2027" in cal.warnings[0]


def test_override_can_make_a_weekend_a_workday(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text(
        '[calendar]\nextra_holidays = []\nextra_workdays = ["2027-02-20"]\n', encoding="utf-8"
    )
    cal = WorkCalendar(load_rules(p))
    assert cal.is_workday(D(2027, 2, 20)) is True  # a Saturday


def test_workdays_between_and_next(cal):
    days = cal.workdays_between(D(2026, 9, 28), D(2026, 10, 11))
    assert days == [
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
    ]
    assert cal.next_workday(D(2026, 9, 30)) == D(2026, 10, 8)
    assert cal.previous_workday(D(2026, 10, 8)) == D(2026, 9, 30)


def test_each_day_is_asked_of_chinese_calendar_once(cal, monkeypatch):
    import chinese_calendar

    asked = []
    real = chinese_calendar.get_holiday_detail

    def counted(day):
        asked.append(day)
        return real(day)

    monkeypatch.setattr(chinese_calendar, "get_holiday_detail", counted)
    for _ in range(3):
        assert cal.is_workday(D(2026, 10, 1)) is False
        assert ZH(cal.holiday_name(D(2026, 10, 1))) == "国庆节"
        assert cal.is_workday(D(2027, 3, 13)) is False  # a year it lacks: a Saturday
    assert asked == [D(2026, 10, 1), D(2027, 3, 13)]
    assert cal.unknown_years == {2027}
