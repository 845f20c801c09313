"""Next month's orders (条) per retailer × brand, per retailer and for the area (精确预测).

Pure: the data layer hands over monthly series, the area's daily orders and the working-day
calendar; this module aligns them to the holidays, backtests the methods, chooses one per
series and forecasts. Numbers from rules ``[forecast]``.

**Holiday alignment.** Every working day gets a *season factor*: the area's mean orders on the
working days of its part of the season (:func:`khtui.domain.holidays.season_key`: steps before
and after the Spring Festival and the Mid-Autumn Festival, otherwise its calendar month) over
its mean on ordinary working days, estimated from the days before the forecast origin only. A
month's *exposure* is the sum of the factors of its working days (of the retailer's order
weekday, 订货周期, when it has one). A series divided by its exposure is a rate per ordinary
order day that no longer jumps with the festival's date or the number of order days; the
methods forecast that rate and the target month's exposure turns it back into 条.

**Methods.** ``snaive`` seasonal naive (the same month a year earlier; the baseline),
``mean3`` the mean aligned rate of the last three months, ``ses`` simple exponential smoothing
and ``ets`` (retailer totals only) an automatically chosen exponential-smoothing model of the
aligned rate; for intermittent demand (a brand bought now and then: average months between
orders above ``intermittent_adi``) ``croston`` (Croston, SBA), ``tsb`` and ``adida`` instead
of ``ses``/``ets``. The last four come from statsforecast.
Rules instead of a backtest: ``closed`` (a retailer not active: 0), ``no_history`` (no month
of orders: 0), ``short`` (fewer than ``short_series_months`` months: their mean aligned rate).

**Rolling-origin backtest.** For every target month of the backtest each method forecasts it
from the months before it (the season factors too). The error measure is the WAPE, weighted
absolute percentage error: Σ|forecast − actual| / Σ actual. At each target the method is
*chosen* on the windows before it (at least ``min_select_windows``: mean absolute error on the
windows where every candidate could forecast), so the error reported for the last
``holdout_months`` months scores forecasts made as they would have been made then. The
method stored for next month is chosen the same way on all windows.

**预测准确率** (:func:`accuracy`) = 1 − |forecast − actual| / actual, capped to [0, 1]. A month
whose actual is 0 scores 1 when the forecast rounds to 0 条 and 0 otherwise. The area, a
retailer or a brand is scored on its summed forecast and summed actual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from khtui.domain.holidays import is_spring_month, season_key
from khtui.domain.months import month_days
from khtui.domain.order_cycle import order_weekday
from khtui.rules import Forecast

BASELINE = "snaive"
REGULAR = ("snaive", "mean3", "ses")
INTERMITTENT = ("snaive", "mean3", "croston", "tsb", "adida")
RULES_ONLY = ("closed", "no_history", "short")
METHODS = ("snaive", "mean3", "ses", "croston", "tsb", "adida", *RULES_ONLY)
SEASON_LAG = 12
LEVELS = ("area", "retailer", "brand")


@dataclass(frozen=True)
class Series:
    """One monthly series: ``values[i]`` is the 条 ordered in ``months[i]`` of the run.

    ``level`` is ``retailer`` (a retailer's total) or ``brand`` (a retailer × brand);
    ``start`` the index of its first month of history (earlier months are not its own: the
    retailer had not opened, or the brand was not on sale); ``weekday`` its order weekday
    (0 = Monday) or None for every working day; ``closed`` a retailer that is not active.
    """

    level: str
    retailer: str
    brand: str | None
    values: Sequence[float]
    start: int
    weekday: int | None = None
    closed: bool = False


@dataclass(frozen=True)
class Choice:
    """Why a method was chosen: its WAPE and each candidate's on the same windows."""

    method: str
    windows: int
    scores: dict[str, float]
    intermittent: bool = False


@dataclass(frozen=True)
class SeriesForecast:
    level: str
    retailer: str | None
    brand: str | None
    qty: float
    lo: float
    hi: float
    choice: Choice


@dataclass
class MethodError:
    """Errors summed over the held-out windows where the method was the chosen one."""

    abs_error: float = 0.0
    actual: float = 0.0
    baseline_abs_error: float = 0.0
    windows: int = 0

    def add(self, err: float, actual: float, base_err: float) -> None:
        self.abs_error += err
        self.actual += actual
        self.baseline_abs_error += base_err
        self.windows += 1

    @property
    def wape(self) -> float | None:
        return self.abs_error / self.actual if self.actual > 0 else None

    @property
    def ratio(self) -> float | None:
        """The chosen methods' error as a ratio to seasonal-naive's on the same windows."""
        return self.abs_error / self.baseline_abs_error if self.baseline_abs_error > 0 else None


@dataclass
class LevelReport:
    """One level's held-out backtest: by chosen method, overall, Spring Festival months."""

    by_method: dict[str, MethodError] = field(default_factory=dict)
    overall: MethodError = field(default_factory=MethodError)
    spring: MethodError = field(default_factory=MethodError)
    other: MethodError = field(default_factory=MethodError)
    by_month: dict[str, MethodError] = field(default_factory=dict)


@dataclass(frozen=True)
class ForecastRun:
    """What one run computed: the target month, one forecast per series plus the area, and
    the held-out backtest by level."""

    target: str
    months: tuple[str, ...]
    forecasts: list[SeriesForecast]
    backtest: dict[str, LevelReport]
    holdout: tuple[str, ...]
    spring_months: tuple[str, ...]


def accuracy(forecast: float, actual: float) -> float:
    """预测准确率: 1 − |forecast − actual| / actual, capped to [0, 1]. An actual of 0 scores
    1 when the forecast rounds to 0 条, else 0."""
    if actual > 0:
        return min(1.0, max(0.0, 1.0 - abs(forecast - actual) / actual))
    return 1.0 if round(forecast) == 0 else 0.0


# -- holiday alignment ----------------------------------------------------------------------
class Exposure:
    """Season factors estimated before each origin, and the months' exposures under them."""

    def __init__(
        self,
        months: Sequence[str],
        daily: Mapping[dt.date, float],
        is_workday: Callable[[dt.date], bool],
        fr: Forecast,
    ):
        self.months = list(months)
        self.fr = fr
        # per month: the working days' (weekday, key)
        self._days: list[list[tuple[int, str]]] = []
        for m in self.months:
            self._days.append(
                [(d.weekday(), season_key(d, fr)) for d in month_days(m) if is_workday(d)]
            )
        first = dt.date.fromisoformat(self.months[0] + "-01")
        self._daily = sorted(
            (d, float(q)) for d, q in daily.items() if d >= first and is_workday(d)
        )
        self._keys = {d: season_key(d, fr) for d, _q in self._daily}
        self._cache: dict[int, np.ndarray] = {}

    def factors(self, origin: int) -> dict[str, float]:
        """Season factors from the working days before ``months[origin]``."""
        cutoff = dt.date.fromisoformat(self.months[origin] + "-01")
        sums: dict[str, float] = {}
        counts: dict[str, int] = {}
        for d, q in self._daily:
            if d >= cutoff:
                break
            k = self._keys[d]
            sums[k] = sums.get(k, 0.0) + q
            counts[k] = counts.get(k, 0) + 1
        plain = [k for k in sums if k.startswith("m")]
        base_n = sum(counts[k] for k in plain)
        if base_n == 0:
            return {}
        base = sum(sums[k] for k in plain) / base_n
        if base <= 0:
            return {}
        return {k: (sums[k] / counts[k]) / base for k in sums}

    def matrix(self, origin: int) -> np.ndarray:
        """Exposure of each month (rows, the target after the last) by weekday (columns 0–6)
        and for every working day (column 7), with the factors known at ``origin``."""
        if origin not in self._cache:
            f = self.factors(origin)
            out = np.zeros((len(self.months), 8))
            for i, days in enumerate(self._days):
                for wd, key in days:
                    v = f.get(key, 1.0)
                    out[i, wd] += v
                    out[i, 7] += v
            self._cache[origin] = out
        return self._cache[origin]


# -- methods --------------------------------------------------------------------------------
def _sf_models():
    """statsforecast's models, imported on first use (its import takes seconds)."""
    from statsforecast.models import (
        ADIDA,
        TSB,
        CrostonSBA,
        SimpleExponentialSmoothingOptimized,
    )

    return {
        "ses": SimpleExponentialSmoothingOptimized(),
        "croston": CrostonSBA(),
        "tsb": TSB(alpha_d=0.2, alpha_p=0.2),
        "adida": ADIDA(),
    }


def _ahead(model, y: np.ndarray, h: int) -> float:
    """The model's forecast ``h`` months ahead of ``y``."""
    if not np.any(y > 0):
        return 0.0
    try:
        value = float(model.forecast(y=y.astype(np.float64), h=h)["mean"][h - 1])
    except (NotImplementedError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return float("nan")  # e.g. ETS on a series too short for its model ("tiny datasets")
    return value if np.isfinite(value) else float("nan")


# How the origins of a run are computed: ``mapper(fn, origins)`` returns ``[fn(t) for t in
# origins]`` (the caller may compute them in processes of its own; the results are the same).
Mapper = Callable[[Callable[[int], Any], Sequence[int]], Sequence[Any]]


def _serial(fn: Callable[[int], Any], items: Sequence[int]) -> list[Any]:
    return [fn(t) for t in items]


class _Engine:
    """At origin ``t`` (the months before ``t`` known) every method forecasts the months
    ``t + k`` for k in ``0 .. horizons - 1``; the backtest compares them with the actuals."""

    def __init__(
        self,
        months,
        targets,
        series,
        exposure: Exposure,
        fr: Forecast,
        mapper: Mapper | None = None,
    ):
        self.fr = fr
        self.mapper = mapper or _serial
        self.n = len(months)
        self.H = len(targets)
        self.all_months = [*months, *targets]
        self.series = series
        self.exposure = exposure
        self.Y = np.array([np.asarray(s.values, dtype=float) for s in series], dtype=float).reshape(
            len(series), self.n
        )
        self.start = np.array([s.start for s in series], dtype=int)
        self.col = np.array([7 if s.weekday is None else s.weekday for s in series], dtype=int)
        self.level = np.array([s.level for s in series])
        self.closed = np.array([s.closed for s in series], dtype=bool)
        self.models = None

    def _models(self):
        if self.models is None:
            self.models = _sf_models()
        return self.models

    def forecasts_at(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Every method's forecasts from origin ``t`` (array methods × horizons × series) and
        which series counted as intermittent then."""
        S, H, fr = len(self.series), self.H, self.fr
        E = self.exposure.matrix(t)[:, self.col].T  # S × (n + H)
        out = np.full((len(METHODS), H, S), np.nan)
        intermittent = np.zeros(S, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = self.Y[:, :t] / E[:, :t]
        rate = np.where(np.isfinite(rate), rate, 0.0)
        idx = {m: k for k, m in enumerate(METHODS)}
        models = None
        for i in range(S):
            h = t - self.start[i]
            if h <= 0:
                continue
            e = E[i, t : t + H]
            r = rate[i, self.start[i] : t]
            out[idx["short"], :, i] = r[-fr.short_series_months :].mean() * e
            if h < fr.short_series_months:
                continue
            y = self.Y[i, self.start[i] : t]
            nonzero = int(np.count_nonzero(y))
            intermittent[i] = nonzero == 0 or h / nonzero > fr.intermittent_adi
            for k in range(H):
                lag = t + k - SEASON_LAG
                if self.start[i] <= lag < t:
                    out[idx["snaive"], k, i] = self.Y[i, lag]
            out[idx["mean3"], :, i] = r[-3:].mean() * e
            models = models or self._models()
            names = ("croston", "tsb", "adida") if intermittent[i] else ("ses",)
            for name in names:
                out[idx[name], :, i] = _ahead(models[name], r, H) * e
        return out, intermittent

    def run(self) -> list[ForecastRun]:
        fr, n, S = self.fr, self.n, len(self.series)
        min_start = int(self.start.min()) if S else 0
        first = max(
            min_start + fr.short_series_months, n - fr.holdout_months - fr.min_select_windows - 1, 1
        )
        origins = list(range(min(first, n), n + 1))
        F = {}
        inter = {}
        for t, (out, intermittent) in zip(
            origins, self.mapper(self.forecasts_at, origins), strict=True
        ):
            F[t], inter[t] = out, intermittent
        runs = []
        for k in range(self.H):
            runs.append(self._horizon(k, origins, F, inter))
        return runs

    def _horizon(self, k, origins, F, inter) -> ForecastRun:
        """The backtest, the choices and the forecasts ``k + 1`` months ahead."""
        fr, n = self.fr, self.n
        known = [u for u in origins if u + k < n]  # windows whose target month is known
        holdout = [u for u in known if u + k >= n - fr.holdout_months]
        # errors: methods × windows × series
        pred = np.stack([F[u][:, k, :] for u in known], axis=1) if known else None
        if pred is not None:
            actual = np.stack([self.Y[:, u + k] for u in known], axis=0)  # windows × series
            err = np.abs(pred - actual[None, :, :])
        targets_u = np.array([u + k for u in known], dtype=int)
        origins_u = np.array(known, dtype=int)
        choices: dict[int, list[Choice]] = {}
        for t in [*holdout, n]:
            choices[t] = self._choose_all(
                t,
                k,
                inter[t],
                err if pred is not None else None,
                targets_u,
                origins_u,
                actual if pred is not None else None,
            )
        backtest = self._report(k, F, choices, holdout)
        forecasts = self._final(k, F, choices[n], known)
        months = tuple(self.all_months[:n])
        holdout_months = tuple(self.all_months[u + k] for u in holdout)
        spring = tuple(m for m in holdout_months if is_spring_month(m, fr))
        return ForecastRun(
            self.all_months[n + k], months, forecasts, backtest, holdout_months, spring
        )

    def _choose_all(self, t, k, intermittent, err, targets_u, origins_u, actual) -> list[Choice]:
        """The method of every series at origin ``t``, chosen on the windows whose target
        month was known then (vectorised over the series of each candidate set)."""
        fr, S = self.fr, len(self.series)
        hist = t - self.start
        out: list[Choice | None] = [None] * S
        for i in range(S):
            if t == self.n and self.closed[i]:
                out[i] = Choice("closed", 0, {})
            elif hist[i] <= 0:
                out[i] = Choice("no_history", 0, {})
            elif hist[i] < fr.short_series_months or err is None:
                out[i] = Choice("short", 0, {}, bool(intermittent[i]))
        if err is None:
            return out  # type: ignore[return-value]
        idx = {m: j for j, m in enumerate(METHODS)}
        before = targets_u < t
        started = origins_u[:, None] >= self.start[None, :]  # windows × series
        open_ = np.array([c is None for c in out])
        for cands, members in (
            (INTERMITTENT, open_ & intermittent),
            (REGULAR, open_ & ~intermittent),
        ):
            todo = members.copy()
            for attempt in (list(cands), [c for c in cands if c != BASELINE]):
                if not todo.any():
                    break
                rows = [idx[c] for c in attempt]
                e = err[rows][:, :, todo]  # candidates × windows × series
                ok = before[:, None] & started[:, todo] & np.all(np.isfinite(e), axis=0)
                w = ok.sum(axis=0)
                sums = np.where(ok[None, :, :], e, 0.0).sum(axis=1)  # candidates × series
                total = np.where(ok, actual[:, todo], 0.0).sum(axis=0)
                best = np.argmin(sums, axis=0)
                for j, i in enumerate(np.flatnonzero(todo).tolist()):
                    if w[j] < fr.min_select_windows:
                        continue
                    scale = total[j] if total[j] > 0 else 1.0
                    scores = {c: float(sums[m, j] / scale) for m, c in enumerate(attempt)}
                    out[i] = Choice(attempt[best[j]], int(w[j]), scores, bool(intermittent[i]))
                    todo[i] = False
            for i in np.flatnonzero(todo).tolist():
                out[i] = Choice("short", 0, {}, bool(intermittent[i]))
        return out  # type: ignore[return-value]

    def _value(self, F, t, k, i, method) -> float:
        if method in ("closed", "no_history"):
            return 0.0
        v = F[t][METHODS.index(method), k, i]
        return max(0.0, float(v)) if np.isfinite(v) else 0.0

    def _report(self, k, F, choices, holdout) -> dict[str, LevelReport]:
        fr = self.fr
        reports = {lv: LevelReport() for lv in LEVELS}
        base_row = METHODS.index(BASELINE)
        for t in holdout:
            target = t + k
            month = self.all_months[target]
            spring = is_spring_month(month, fr)
            area_f = area_a = area_b = 0.0
            for i, choice in enumerate(choices[t]):
                s = self.series[i]
                f = self._value(F, t, k, i, choice.method)
                a = float(self.Y[i, target])
                if s.level == "retailer":
                    area_f += f
                    area_a += a
                    if target - SEASON_LAG >= 0:
                        area_b += float(self.Y[i, target - SEASON_LAG])
                b = F[t][base_row, k, i]
                if not np.isfinite(b):
                    continue  # only windows where the baseline could forecast are compared
                rep = reports[s.level]
                err, base_err = abs(f - a), abs(b - a)
                rep.by_method.setdefault(choice.method, MethodError()).add(err, a, base_err)
                rep.overall.add(err, a, base_err)
                (rep.spring if spring else rep.other).add(err, a, base_err)
                rep.by_month.setdefault(month, MethodError()).add(err, a, base_err)
            if target - SEASON_LAG >= 0 and area_a > 0:
                rep = reports["area"]
                err, base_err = abs(area_f - area_a), abs(area_b - area_a)
                rep.overall.add(err, area_a, base_err)
                rep.by_method.setdefault("sum", MethodError()).add(err, area_a, base_err)
                (rep.spring if spring else rep.other).add(err, area_a, base_err)
                rep.by_month.setdefault(month, MethodError()).add(err, area_a, base_err)
        return reports

    def _final(self, k, F, choices: list[Choice], known) -> list[SeriesForecast]:
        fr, n = self.fr, self.n
        # interval: quantiles of actual / forecast of the chosen method on the known windows,
        # pooled by level and method (one series has too few windows of its own)
        ratios: dict[tuple[str, str], list[float]] = {}
        for i, choice in enumerate(choices):
            if choice.method in ("closed", "no_history"):
                continue
            row = METHODS.index(choice.method)
            for u in known:
                if u < self.start[i] + fr.short_series_months:
                    continue
                f = F[u][row, k, i]
                if np.isfinite(f) and f > 0:
                    key = (self.series[i].level, choice.method)
                    ratios.setdefault(key, []).append(float(self.Y[i, u + k]) / f)
        q = {
            key: (float(np.quantile(v, fr.interval[0])), float(np.quantile(v, fr.interval[1])))
            for key, v in ratios.items()
            if len(v) >= 5
        }
        retailer = self.level == "retailer"
        area_ratios: list[float] = []
        for u in known:
            fsum = sum(self._value(F, u, k, i, choices[i].method) for i in np.flatnonzero(retailer))
            if fsum > 0:
                area_ratios.append(float(self.Y[retailer, u + k].sum()) / fsum)
        out = []
        area_f = 0.0
        for i, choice in enumerate(choices):
            s = self.series[i]
            f = self._value(F, n, k, i, choice.method)
            lo_q, hi_q = q.get((s.level, choice.method), (1.0, 1.0))
            out.append(
                SeriesForecast(
                    s.level, s.retailer, s.brand, f, min(f, f * lo_q), max(f, f * hi_q), choice
                )
            )
            if s.level == "retailer":
                area_f += f
        if len(area_ratios) >= 3:
            area_lo = area_f * min(1.0, float(np.quantile(area_ratios, fr.interval[0])))
            area_hi = area_f * max(1.0, float(np.quantile(area_ratios, fr.interval[1])))
        else:
            area_lo = area_hi = area_f
        out.append(
            SeriesForecast(
                "area", None, None, area_f, area_lo, area_hi, Choice("sum", len(area_ratios), {})
            )
        )
        return out


def forecast_runs(
    months: Sequence[str],
    series: Sequence[Series],
    daily_area: Mapping[dt.date, float],
    is_workday: Callable[[dt.date], bool],
    fr: Forecast,
    *,
    horizons: int = 2,
    mapper: Mapper | None = None,
) -> list[ForecastRun]:
    """Backtest and forecast the ``horizons`` months after ``months`` (the first: one month
    ahead, and so on) for every series, each backtested at its own horizon.

    ``mapper(fn, origins)``, when given, computes every origin's forecasts (``fn(t)`` for each
    ``t``, in order), e.g. in several processes; by default one after the other.

    ``daily_area`` is the area's orders per day (条), from which the season factors come.
    The area's forecast is the sum of the retailers' (so the figures add up).
    """
    from khtui.domain.months import add_months

    if not months:
        raise ValueError("no months of history")
    targets = [add_months(months[-1], k) for k in range(1, horizons + 1)]
    exposure = Exposure([*months, *targets], daily_area, is_workday, fr)
    return _Engine(list(months), targets, list(series), exposure, fr, mapper).run()


__all__ = [
    "BASELINE",
    "LEVELS",
    "METHODS",
    "Choice",
    "ForecastRun",
    "LevelReport",
    "MethodError",
    "Series",
    "SeriesForecast",
    "accuracy",
    "forecast_runs",
    "order_weekday",
]
