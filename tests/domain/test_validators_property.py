"""Property tests of the form validators (the capture form and grid, the profile's fields) and of
the readings of a day, a week and a month that the date boxes and the command line share: any
text gives a value of the field's kind or the validator's own error, never another exception,
and what the validator accepts is what a person meant."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from khtui.domain.capture import KINDS, ValueProblem, clean_field, clean_grid_value
from khtui.domain.dates import parse_day
from khtui.domain.months import parse_month
from khtui.domain.report import normalise_week, parse_week, week_key
from khtui.domain.retailer import FIELD_BY_NAME, FIELDS, FieldError, clean_value
from khtui.rules import default_rules

EXAMPLES = settings(max_examples=150, deadline=None)

# Text as people and files give it: digits, signs, separators, CJK, full-width forms, anything.
TYPED = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789+-./ 年月日:eE_infatyw¥￥１２３,", max_size=14),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
CAPTURE_FIELDS = [f for kind in KINDS for f in kind.fields]
BASE = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))


# -- the capture form --------------------------------------------------------------------------
@EXAMPLES
@example(field=CAPTURE_FIELDS[[f.type for f in CAPTURE_FIELDS].index("money")], raw="1E-9")
@example(field=CAPTURE_FIELDS[[f.type for f in CAPTURE_FIELDS].index("int")], raw="inf")
@given(field=st.sampled_from(CAPTURE_FIELDS), raw=TYPED)
def test_a_capture_field_takes_a_value_of_its_kind_or_says_why_not(field, raw):
    try:
        value = clean_field(field, raw)
    except ValueProblem as exc:
        assert exc.code
        return
    if value is None:
        assert not raw.strip()
        return
    if field.type == "money":
        assert isinstance(value, float) and math.isfinite(value) and value > 0
        assert round(value, 2) == value
    elif field.type == "int":
        assert isinstance(value, int) and value >= 0
    elif field.type == "bool":
        assert isinstance(value, bool)
    elif field.type == "date":
        assert dt.date.fromisoformat(value).isoformat() == value
    elif field.type == "choice":
        assert value in field.choices
    else:
        assert isinstance(value, str) and value == raw.strip()


@EXAMPLES
@given(cents=st.integers(1, 10**9))
def test_every_price_in_fen_is_taken_as_typed(cents):
    price = CAPTURE_FIELDS[[f.type for f in CAPTURE_FIELDS].index("money")]
    typed = f"{cents // 100}.{cents % 100:02d}"
    assert clean_field(price, typed) == round(cents / 100, 2)
    assert clean_field(price, "¥" + typed) == round(cents / 100, 2)


@EXAMPLES
@given(n=st.integers(0, 10**9))
def test_every_whole_number_is_taken_as_typed(n):
    whole = CAPTURE_FIELDS[[f.type for f in CAPTURE_FIELDS].index("int")]
    assert clean_field(whole, str(n)) == n
    assert clean_field(whole, f" {n} ") == n


@EXAMPLES
@example(field="stock_tiao", raw="inf")
@example(field="stock_tiao", raw="nan")
@example(field="retail_price", raw="1e400")
@given(field=st.sampled_from(["retail_price", "stock_tiao", "marked_price", "on_shelf"]), raw=TYPED)
def test_a_grid_cell_takes_a_value_or_says_why_not(field, raw):
    try:
        clean_grid_value(field, raw, guide=250.0, rules=default_rules().capture)
    except ValueProblem as exc:
        assert exc.code


# -- the profile's fields ----------------------------------------------------------------------
@EXAMPLES
@example(field=FIELD_BY_NAME["floor_area"], raw="inf")
@example(field=FIELD_BY_NAME["floor_area"], raw="nan")
@example(field=FIELD_BY_NAME["phone"], raw="1" + "\u0663" * 10)  # Arabic-Indic digits
@example(field=FIELD_BY_NAME["route_seq"], raw="\u0663")
@given(field=st.sampled_from(FIELDS), raw=TYPED)
def test_a_profile_field_takes_a_value_of_its_kind_or_says_why_not(field, raw):
    try:
        value = clean_value(field.name, raw)
    except FieldError as exc:
        assert str(exc)
        return
    if value is None:
        assert not raw.strip()
    elif field.type == "real":
        assert isinstance(value, float) and math.isfinite(value) and value >= 0
    elif field.type in ("int", "bool"):
        assert isinstance(value, int) and value >= 0
    elif field.type == "date":
        assert dt.date.fromisoformat(value).isoformat() == value
    elif field.type == "phone":
        assert value.isascii() and value.replace("-", "").isdigit()
    else:
        assert value == raw.strip()


@EXAMPLES
@given(n=st.integers(0, 10**9))
def test_a_profile_number_is_taken_as_typed(n):
    assert clean_value("route_seq", str(n)) == n
    assert clean_value("floor_area", str(n)) == float(n)


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("route_seq", "99999999999999999999999"),  # past SQLite's INTEGER
        ("route_seq", "9" * 5000),  # past the digits Python reads as a number
        ("floor_area", "1e400"),  # infinity
        ("floor_area", "9" * 400),
    ],
    ids=["23 digits", "5000 digits", "1e400", "400 digits"],
)
def test_a_profile_number_too_large_to_store_says_so(field, raw):
    with pytest.raises(FieldError) as err:
        clean_value(field, raw)
    assert err.value.key == "retailer.err.too_large"
    assert clean_value(field, "0" * 30 + "7") == 7  # leading zeros are no size


# -- a day, a week, a month --------------------------------------------------------------------
@EXAMPLES
@given(text=TYPED, base=BASE)
def test_any_text_names_a_day_or_is_refused_as_no_day(text, base):
    try:
        day = parse_day(text, base)
    except ValueError:
        return
    assert isinstance(day, dt.date)


@EXAMPLES
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)), base=BASE)
def test_every_way_to_write_a_day_names_it(day, base):
    for text in (
        day.isoformat(),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y.%m.%d"),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
        f" {day.isoformat()} ",
    ):
        assert parse_day(text, base) == day, text


@EXAMPLES
@given(base=BASE, month=st.integers(1, 12), day=st.integers(1, 31))
def test_month_and_day_are_in_the_base_year_and_a_day_in_the_base_month(base, month, day):
    try:
        meant = dt.date(base.year, month, day)
    except ValueError:
        meant = None
    for text in (f"{month}-{day}", f"{month:02d}-{day:02d}", f"{month}月{day}日"):
        if meant is None:
            try:
                parse_day(text, base)
            except ValueError:
                continue
            raise AssertionError(f"{text} is no day of {base.year}")
        assert parse_day(text, base) == meant
    try:
        in_month = dt.date(base.year, base.month, day)
    except ValueError:
        return
    assert parse_day(str(day), base) == in_month


@EXAMPLES
@given(base=BASE, n=st.integers(0, 999))
def test_plus_and_minus_count_days_from_the_base(base, n):
    assert parse_day(f"+{n}", base) == base + dt.timedelta(days=n)
    assert parse_day(f"-{n}", base) == base - dt.timedelta(days=n)


@EXAMPLES
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)))
def test_every_week_and_month_reads_back(day):
    key = week_key(day)
    assert normalise_week(key) == key
    assert normalise_week(key.replace("-", "").lower()) == key
    assert parse_month(f"{day.year:04d}-{day.month:02d}") == (day.year, day.month)


@EXAMPLES
@given(text=TYPED)
def test_any_text_is_a_week_and_a_month_or_refused_as_none(text):
    for parse in (parse_week, parse_month):
        try:
            year, n = parse(text)
        except ValueError:
            continue
        assert year >= 1 and 1 <= n <= 53
