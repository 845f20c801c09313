"""The forecast: holiday alignment, the methods chosen by backtest, the rules for short, empty,
intermittent and closed series, and 预测准确率 — on hand-made series."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.forecast import (
    Exposure,
    Series,
    accuracy,
    forecast_runs,
    order_weekday,
)
from khtui.domain.holidays import is_spring_month, mid_autumn, season_key, spring_festival
from khtui.domain.months import add_months, month_days
from khtui.rules import default_rules

FR = default_rules().forecast
D = dt.date


def weekdays(d: dt.date) -> bool:
    return d.weekday() < 5


def months_between(first: str, last: str) -> list[str]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def festive_day(d: dt.date, base: float = 10.0) -> float:
    """Orders of a working day: ``base``, doubled in the three weeks before the Spring
    Festival (whatever its month)."""
    if not weekdays(d):
        return 0.0
    for year in (d.year, d.year + 1):
        sf = spring_festival(year)
        if sf is not None and 0 < (sf - d).days <= 21:
            return 2 * base
    return base


def monthly(months: list[str], daily) -> list[float]:
    return [sum(daily(d) for d in month_days(m)) for m in months]


# -- the lunar calendar ------------------------------------------------------------------------
def test_festival_dates_come_from_the_lunar_calendar_for_any_year():
    assert spring_festival(2025) == D(2025, 1, 29)
    assert spring_festival(2026) == D(2026, 2, 17)
    assert spring_festival(2031) == D(2031, 1, 23)
    assert mid_autumn(2026) == D(2026, 9, 25)
    assert mid_autumn(2025) == D(2025, 10, 6)
    assert spring_festival(2100) is None  # beyond the library's range: no alignment, no crash


def test_season_key_aligns_days_by_their_distance_to_the_festival():
    # 20 days before the festival: the same step in January 2025 and in late January 2026
    assert season_key(D(2025, 1, 9), FR) == season_key(D(2026, 1, 28), FR) == "sf-3"
    assert season_key(D(2026, 2, 17), FR) == "sf+0"
    assert season_key(D(2025, 7, 9), FR) == "m07"
    assert season_key(D(2026, 9, 24), FR) == "ma-1"
    assert is_spring_month("2026-02", FR) and is_spring_month("2025-01", FR)
    assert not is_spring_month("2026-06", FR)


# -- a Spring Festival that moves from January to February ----------------------------------------
def test_a_spring_festival_moving_from_january_to_february_is_the_same_event():
    """2025's peak lay in January, 2026's in February: the holiday-aligned forecast sees it
    coming; the same month a year earlier (seasonal naive) does not."""
    months = months_between("2023-01", "2025-12")
    values = monthly(months, festive_day)
    daily = {d: festive_day(d) for m in months for d in month_days(m)}
    series = [Series("retailer", "R1", None, values, 0)]
    runs = forecast_runs(months, series, daily, weekdays, FR, horizons=2)
    truth = dict(
        zip(("2026-01", "2026-02"), monthly(["2026-01", "2026-02"], festive_day), strict=True)
    )
    for run in runs:
        f = next(x for x in run.forecasts if x.level == "retailer")
        actual = truth[run.target]
        assert f.choice.method != "snaive"
        assert abs(f.qty - actual) / actual < 0.02
        last_year = values[months.index(add_months(run.target, -12))]
        if run.target == "2026-02":
            # February 2025 had no peak, February 2026 has it: seasonal naive misses by far
            assert abs(last_year - actual) / actual > 0.15
    # the backtest reports the Spring Festival months apart, below the baseline's error
    spring = runs[0].backtest["retailer"].spring
    assert runs[0].spring_months and spring.windows > 0
    assert spring.ratio is not None and spring.ratio < 0.2


def test_exposure_counts_the_order_weekday_and_the_festival_factor():
    months = months_between("2024-01", "2025-12")
    daily = {d: festive_day(d) for m in months for d in month_days(m)}
    exp = Exposure([*months, "2026-01"], daily, weekdays, FR)
    factors = exp.factors(len(months))
    assert factors["m07"] == pytest.approx(1.0)
    assert factors["sf-1"] == pytest.approx(2.0)
    matrix = exp.matrix(len(months))
    # July 2025 has 23 weekdays, 4 of them Tuesdays
    july = months.index("2025-07")
    assert matrix[july, 7] == pytest.approx(23.0)
    assert matrix[july, 1] == pytest.approx(5.0)


# -- series too short, empty, intermittent, closed -------------------------------------------------
def _run(series_values, *, start=None, closed=False, months=None, level="retailer"):
    months = months or months_between("2024-01", "2025-12")
    values = list(series_values)
    values = [0.0] * (len(months) - len(values)) + values
    if start is None:
        start = next((i for i, v in enumerate(values) if v > 0), len(months))
    daily = {d: 10.0 for m in months for d in month_days(m) if weekdays(d)}
    series = [
        Series(level, "R1", None if level == "retailer" else "B1", values, start, None, closed)
    ]
    return forecast_runs(months, series, daily, weekdays, FR, horizons=1)[0], months


def test_a_retailer_with_no_history_is_forecast_zero_and_says_so():
    run, _ = _run([])
    f = next(x for x in run.forecasts if x.level == "retailer")
    assert (f.choice.method, f.qty, f.lo, f.hi) == ("no_history", 0.0, 0.0, 0.0)


def test_a_single_month_uses_the_short_series_rule_aligned_to_its_working_days():
    run, _ = _run([230.0])  # December 2025: 23 weekdays at 10 条
    f = next(x for x in run.forecasts if x.level == "retailer")
    assert f.choice.method == "short" and f.choice.windows == 0
    jan = sum(1 for d in month_days("2026-01") if weekdays(d))
    assert f.qty == pytest.approx(10.0 * jan)


def test_intermittent_demand_is_forecast_with_intermittent_methods():
    pattern = [6, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 4, 0, 0, 6, 0, 0, 0, 0, 5, 0, 0, 6, 0]
    run, _ = _run([float(x) for x in pattern], level="brand")
    f = next(x for x in run.forecasts if x.level == "brand")
    assert f.choice.intermittent  # 24 months, 8 with orders: 3 months between orders
    assert {"croston", "tsb", "adida"} <= set(f.choice.scores)
    assert "ses" not in f.choice.scores
    assert f.choice.method in ("snaive", "mean3", "croston", "tsb", "adida")
    assert f.choice.windows >= FR.min_select_windows
    assert 0 <= f.qty < 7
    # bought every month: regular demand, regular methods
    run, _ = _run([float(5 + i % 3) for i in range(24)], level="brand")
    f = next(x for x in run.forecasts if x.level == "brand")
    assert not f.choice.intermittent
    assert "ses" in f.choice.scores and "croston" not in f.choice.scores


def test_a_closed_retailer_is_forecast_zero():
    run, _ = _run([200.0] * 24, closed=True)
    f = next(x for x in run.forecasts if x.level == "retailer")
    assert (f.choice.method, f.qty) == ("closed", 0.0)
    area = next(x for x in run.forecasts if x.level == "area")
    assert area.qty == 0.0


def test_a_steady_series_is_chosen_on_earlier_windows_and_beats_the_baseline():
    # the level stepped up by half at the turn of the year: the same month last year lags
    values = [80.0] * 12 + [120.0] * 12
    run, _ = _run(values)
    f = next(x for x in run.forecasts if x.level == "retailer")
    assert f.choice.method != "snaive" and f.choice.windows >= FR.min_select_windows
    assert f.choice.scores[f.choice.method] < f.choice.scores["snaive"]
    rep = run.backtest["retailer"].overall
    assert rep.windows == len(run.holdout)  # every held-out month had a baseline
    assert rep.ratio is not None and rep.ratio < 1


# -- 预测准确率 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("forecast", "actual", "expected"),
    [
        (100, 100, 1.0),
        (90, 100, 0.9),
        (110, 100, 0.9),
        (150, 100, 0.5),
        (200, 100, 0.0),  # |F - A| = A: 0
        (350, 100, 0.0),  # capped at 0, never negative
        (0, 100, 0.0),
        (0, 0, 1.0),  # nothing forecast, nothing ordered
        (0.4, 0, 1.0),  # rounds to 0 条
        (0.6, 0, 0.0),  # rounds to 1 条: something forecast, nothing ordered
        (1, 0, 0.0),
    ],
)
def test_accuracy_formula_and_its_edges(forecast, actual, expected):
    assert accuracy(forecast, actual) == pytest.approx(expected)


def test_order_weekday_reads_the_order_cycle():
    assert order_weekday("周二") == 1
    assert order_weekday("每周五") == 4
    assert order_weekday("星期日") == 6
    assert order_weekday("Tue") == 1
    assert order_weekday("") is None
    assert order_weekday("两周一次") is None
