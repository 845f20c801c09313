"""Capture kinds and the validation of their values."""

from __future__ import annotations

import pytest

from khtui.domain.capture import (
    KIND_BY_KEY,
    KINDS,
    ValueProblem,
    clean_field,
    clean_grid_value,
    deviation_flagged,
    deviation_pct,
    missing_required,
    parse_date,
    parse_money,
    parse_whole,
)
from khtui.rules import default_rules


def test_the_eight_kinds_plus_display():
    assert [k.key for k in KINDS] == [
        "activity",
        "brand_sales",
        "new_brand",
        "prices",
        "dynamics",
        "stock",
        "opinion",
        "worklog",
        "display",
    ]


@pytest.mark.parametrize(
    ("raw", "value"), [("25", 25.0), (" 25.5 ", 25.5), ("0.01", 0.01), ("¥30", 30.0), ("", None)]
)
def test_money(raw, value):
    assert parse_money(raw) == value


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0", "price_positive"),
        ("-1", "price_positive"),
        ("1.234", "two_decimals"),
        ("x", "not_number"),
        ("nan", "not_number"),
        ("1e400", "too_large"),  # infinity, not "no number"
        pytest.param("9" * 400, "too_large", id="400 digits"),
    ],
)
def test_bad_money(raw, code):
    with pytest.raises(ValueProblem) as err:
        parse_money(raw)
    assert err.value.code == code


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("12", 12), ("12.0", 12), (None, None)])
def test_whole_tiao(raw, value):
    assert parse_whole(raw) == value


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.5", "whole_tiao"),
        ("-2", "not_negative"),
        ("三", "not_number"),
        ("1e400", "too_large"),  # int() of infinity raised OverflowError
        ("99999999999999999999999", "too_large"),
    ],
)
def test_bad_whole(raw, code):
    with pytest.raises(ValueProblem) as err:
        parse_whole(raw)
    assert err.value.code == code


def test_dates_must_be_real():
    assert parse_date("2028-02-29") == "2028-02-29"
    for bad in ("2026-02-29", "2026-13-01", "明天"):
        with pytest.raises(ValueProblem) as err:
            parse_date(bad)
        assert err.value.code == "bad_date"


def test_choice_and_bool_fields():
    f = {x.name: x for x in KIND_BY_KEY["new_brand"].fields}
    assert clean_field(f["potential"], "大") == "大"
    with pytest.raises(ValueProblem) as err:
        clean_field(f["potential"], "巨大")
    assert err.value.code == "bad_choice"
    assert clean_field(f["price_kept"], "否") is False
    rules = default_rules().capture
    assert clean_grid_value("on_shelf", "y", guide=250.0, rules=rules) is True
    assert clean_grid_value("marked_price", "无", guide=250.0, rules=rules) is False


@pytest.mark.parametrize(
    ("field", "raw", "guide", "refused"),
    [
        # a retail price within the guide price times / divided by price_typo_factor (10)
        ("retail_price", "2500", 250.0, None),
        ("retail_price", "2500.01", 250.0, "price_typo"),
        ("retail_price", "25", 250.0, None),
        ("retail_price", "24.99", 250.0, "price_typo"),
        ("retail_price", "999999999999", 250.0, "price_typo"),
        ("retail_price", "999999", None, None),  # no guide price: nothing to judge it by
        # a stock up to stock_max_tiao (3000)
        ("stock_tiao", "3000", 250.0, None),
        ("stock_tiao", "3001", 250.0, "stock_typo"),
        ("stock_tiao", "9999999999", 250.0, "stock_typo"),
    ],
)
def test_a_grid_value_that_cannot_be_true_is_refused_as_a_typo(field, raw, guide, refused):
    rules = default_rules().capture
    if refused is None:
        assert clean_grid_value(field, raw, guide=guide, rules=rules) == float(raw)
        return
    with pytest.raises(ValueProblem) as err:
        clean_grid_value(field, raw, guide=guide, rules=rules)
    assert err.value.code == refused


def test_required_fields():
    kind = KIND_BY_KEY["opinion"]
    assert missing_required(kind, {"text": "x"}) == ["type"]
    assert missing_required(kind, {"type": "建议", "text": " "}) == ["text"]
    assert missing_required(kind, {"type": "建议", "text": "多配新品"}) == []


@pytest.mark.parametrize(
    ("actual", "guide", "flagged"),
    [
        (110.0, 100.0, False),
        (110.01, 100.0, True),
        (90.0, 100.0, False),
        (89.99, 100.0, True),
        (None, 100.0, False),
    ],
)
def test_deviation_threshold_is_exclusive(actual, guide, flagged):
    assert deviation_flagged(actual, guide, 10.0) is flagged


def test_deviation_pct():
    assert deviation_pct(275.0, 250.0) == pytest.approx(10.0)
    assert deviation_pct(100.0, None) is None
