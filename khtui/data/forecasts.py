"""Stored forecasts (精确预测): computed from the order history, kept with the data they saw.

:meth:`ForecastOps.compute_forecasts` reads the monthly series, runs
:func:`khtui.domain.forecast.forecast_run` for this month (one month ahead of the last
complete month) and the next (two ahead), and stores one *run*: when it was computed, the
date it stands on (``as_of``), a stamp of the order data it read (last order date, lines,
total 条) and the held-out backtest; with one row per area / retailer / retailer × brand and
target month: forecast, interval, method and why. It is never part of an import's
transaction: the program runs it in a worker after an import, and at start when the stored
forecasts are older than the order data (:meth:`ForecastOps.forecasts_stale`).

A month's 预测准确率 scores the forecast made for it *before it began*: the last run whose
``as_of`` is no later than the month's first day. Later runs (after an import in the month) add
forecasts of their own but never replace that one, so the score cannot be recomputed after
the fact. Runs that are neither the latest nor such a run are removed when a new one is stored. :meth:`ForecastOps.month_accuracy` returns it for the area, per retailer and per
brand.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from khtui.data.base import StoreBase, new_id, own_records, usable_cores, where_equal

if TYPE_CHECKING:
    from khtui.domain.accuracy import MonthAccuracyFigures
    from khtui.domain.forecast import ForecastRun, LevelReport, Mapper, Series


# a forecast run (alias r) of the AM given (the first parameter), or of any when it is None
# (given twice: ``(am_id, am_id)``)
_OF_AM = "(? IS NULL OR r.am_id = ?)"


def _scored_orders(run_id: str, month: str, am_id: str | None) -> tuple[str, tuple[Any, ...]]:
    """Whose orders of ``month`` a forecast's accuracy counts (a condition on
    ``retailer_code`` and its parameters): every retailer's; on a team database, for the AM
    ``am_id``, those of the retailers the AM's run ``run_id`` forecast and of those now on
    the AM's books (a shop new to the AM counts with a forecast of 0), as the AM's own
    database counts them."""
    if am_id is None:
        return "1", ()
    from khtui.data.manager import OWNERS

    return (
        "retailer_code IN (SELECT retailer_code FROM forecasts WHERE run_id = ? AND "
        "target_month = ? AND level = 'retailer' "
        f"UNION SELECT retailer_code FROM ({OWNERS}) WHERE am_id = ?)",
        (run_id, month, am_id),
    )


@dataclass(frozen=True)
class ForecastInputs:
    months: list[str]
    series: list[Series]
    daily: dict[dt.date, float]
    stamp: str
    data_through: str | None
    lines: int


@dataclass(frozen=True)
class RunSummary:
    """What a stored run computed and from which data; ``backtest`` as plain numbers."""

    run_id: str
    as_of: str
    targets: tuple[str, ...]
    computed_at: str
    data_through: str | None
    history: tuple[str, str] | None
    series: int
    seconds: float
    cpu_seconds: float
    backtest: dict[str, Any]


@dataclass(frozen=True)
class ForecastRow:
    """One stored forecast (条) and why its method was chosen."""

    target_month: str
    level: str
    retailer_code: str
    brand_code: str
    qty: float
    lo: float
    hi: float
    method: str
    windows: int
    wape: float | None
    baseline_wape: float | None
    scores: dict[str, float]
    run_id: str
    as_of: str
    computed_at: str
    data_through: str | None = None
    brand_name: str | None = None


@dataclass(frozen=True)
class Scored:
    """预测准确率 of one unit (the area, a retailer or a brand) in one month."""

    key: str
    name: str | None
    forecast: float
    actual: float
    accuracy: float

    @classmethod
    def each(
        cls, forecast: dict[str, float], actual: dict[str, float], names: dict[str, str]
    ) -> list[Scored]:
        """Every unit forecast or sold, in key order (none on one side counts as 0)."""
        from khtui.domain.forecast import accuracy

        out = []
        for key in sorted(set(forecast) | set(actual)):
            f, a = forecast.get(key, 0.0), actual.get(key, 0.0)
            out.append(cls(key, names.get(key), f, a, accuracy(f, a)))
        return out


@dataclass(frozen=True)
class MonthAccuracy:
    """A month's 预测准确率 from the forecast made before it began (``run_as_of``); ``area``
    None when no forecast was made for the month before it began."""

    month: str
    run_id: str | None
    run_as_of: str | None
    complete: bool
    area: Scored | None
    retailers: list[Scored] = field(default_factory=list)
    brands: list[Scored] = field(default_factory=list)


def _report_dict(rep: LevelReport) -> dict[str, Any]:
    def one(e) -> dict[str, Any]:
        return {
            "wape": None if e.wape is None else round(e.wape, 4),
            "seasonal_naive_wape": None
            if e.actual <= 0
            else round(e.baseline_abs_error / e.actual, 4),
            "ratio_to_seasonal_naive": None if e.ratio is None else round(e.ratio, 4),
            "windows": e.windows,
            "actual_tiao": round(e.actual, 1),
        }

    return {
        "overall": one(rep.overall),
        "spring_festival_months": one(rep.spring),
        "other_months": one(rep.other),
        "by_method": {m: one(e) for m, e in sorted(rep.by_method.items())},
        "by_month": {m: one(e) for m, e in sorted(rep.by_month.items())},
    }


class ForecastOps(StoreBase):
    """Mixin of :class:`khtui.data.store.Store`."""

    @staticmethod
    def _codes_cond(codes: Collection[str] | None, column: str = "r.code") -> tuple[str, tuple]:
        """A SQL condition on ``column`` limited to ``codes`` (all when None) and its parameter;
        reads only (no temporary table), so it works on a read-only database."""
        if codes is None:
            return "", ()
        return f" AND {column} IN (SELECT value FROM json_each(?))", (json.dumps(list(codes)),)

    # -- what the forecast reads -------------------------------------------------------------
    def order_data_stamp(self) -> str:
        """A fingerprint of the order data: last order date, lines and total 条 (from the
        monthly aggregates: two index lookups and a small sum)."""
        [row] = self.query(
            "SELECT (SELECT max(order_date) FROM order_lines), sum(lines), round(sum(qty_tiao), 1) "
            "FROM monthly_sales"
        )
        return f"{row[0] or '-'}|{row[1] or 0}|{row[2] or 0}"

    def forecast_inputs(self, as_of: dt.date) -> ForecastInputs:
        """The monthly series and the area's daily orders before ``as_of``'s month."""
        from khtui.domain.forecast import Series
        from khtui.domain.months import add_months, month_key
        from khtui.domain.order_cycle import order_weekday
        from khtui.domain.retailer import ACTIVE

        fr = self.rules.forecast
        last = add_months(month_key(as_of), -1)
        first_line = self.scalar("SELECT min(order_date) FROM order_lines")
        stamp = self.order_data_stamp()
        if first_line is None:
            return ForecastInputs([], [], {}, stamp, None, 0)
        first = str(first_line)[:7]
        if int(str(first_line)[8:10]) > 7:  # the data begin late in their first month
            first = add_months(first, 1)
        first = max(first, add_months(last, -(fr.history_months - 1)))
        months: list[str] = []
        m = first
        while m <= last:
            months.append(m)
            m = add_months(m, 1)
        if not months:
            return ForecastInputs([], [], {}, stamp, None, 0)
        index = {m: i for i, m in enumerate(months)}
        n = len(months)
        retailers = self.query("SELECT code, status, order_day FROM retailers ORDER BY code")
        totals: dict[str, list[float]] = {r["code"]: [0.0] * n for r in retailers}
        for r in self.query(
            "SELECT retailer_code, month, qty_tiao FROM monthly_sales WHERE month BETWEEN ? AND ?",
            (first, last),
        ):
            if r[0] in totals:
                totals[r[0]][index[r[1]]] = float(r[2])
        active_from = add_months(last, -(fr.active_brand_months - 1))
        by_brand: dict[tuple[str, str], list[float]] = {}
        for r in self.query(
            "SELECT s.retailer_code, s.brand_code, s.month, s.qty_tiao FROM monthly_brand_sales s "
            "JOIN retailers r ON r.code = s.retailer_code AND r.status = ? "
            "WHERE s.month BETWEEN ? AND ? AND (s.retailer_code, s.brand_code) IN ("
            "SELECT retailer_code, brand_code FROM monthly_brand_sales "
            "WHERE month BETWEEN ? AND ? AND qty_tiao > 0)",
            (ACTIVE, first, last, active_from, last),
        ):
            by_brand.setdefault((r[0], r[1]), [0.0] * n)[index[r[2]]] = float(r[3])

        def start_of(values: list[float]) -> int:
            return next((i for i, v in enumerate(values) if v > 0), n)

        series: list[Series] = []
        weekday: dict[str, int | None] = {}
        for r in retailers:
            code = r["code"]
            weekday[code] = order_weekday(r["order_day"])
            values = totals[code]
            series.append(
                Series(
                    "retailer",
                    code,
                    None,
                    values,
                    start_of(values),
                    weekday[code],
                    closed=r["status"] != ACTIVE,
                )
            )
        for (code, brand), values in sorted(by_brand.items()):
            series.append(Series("brand", code, brand, values, start_of(values), weekday[code]))
        daily = {
            dt.date.fromisoformat(r[0]): float(r[1])
            for r in self.query(
                "SELECT order_date, sum(qty_tiao) FROM order_lines "
                "WHERE order_date BETWEEN ? AND ? GROUP BY order_date",
                (first + "-01", last + "-31"),
            )
        }
        through = self.scalar(
            "SELECT max(order_date) FROM order_lines WHERE order_date < ?",
            (month_key(as_of) + "-01",),
        )
        lines = int(
            self.scalar(
                "SELECT coalesce(sum(lines), 0) FROM monthly_sales WHERE month <= ?", (last,)
            )
        )
        return ForecastInputs(months, series, daily, stamp, through, lines)

    # -- computing and storing ----------------------------------------------------------------
    @own_records
    def compute_forecasts(
        self, as_of: dt.date | None = None, progress: OriginsDone | None = None
    ) -> RunSummary | None:
        """Forecast this month and the next from the months before ``as_of`` (default today),
        backtest, and store the run. None when there is no complete month of orders yet. A run
        is the AM's record: a team database's runs are its AMs', merged (none is made there).
        ``progress(done, total)`` is told how many of the run's origins (the months it
        forecasts from, most of its time) are computed.

        The reading and the computing happen outside any write transaction (seconds for an
        AM's retailers); the rows are written in one short transaction at the end.
        """
        from khtui.domain.forecast import forecast_runs
        from khtui.domain.months import month_key

        as_of = as_of or self.today()
        wall, cpu = time.perf_counter(), _cpu_time()
        inputs = self.forecast_inputs(as_of)
        if not inputs.months:
            return None
        is_workday = functools.cache(self.work_calendar.is_workday)
        fr = self.rules.forecast
        runs: list[ForecastRun] = forecast_runs(
            inputs.months,
            inputs.series,
            inputs.daily,
            is_workday,
            fr,
            horizons=2,
            mapper=origins_mapper(len(inputs.series), progress),
        )
        seconds = time.perf_counter() - wall
        cpu_seconds = _cpu_time() - cpu
        backtest = {
            "horizon_1": self._backtest_dict(runs[0]),
            "horizon_2": self._backtest_dict(runs[1]),
        }
        run_id = new_id()
        computed = self.now_text()
        rows = []
        for run in runs:
            for f in run.forecasts:
                c = f.choice
                base = c.scores.get("snaive")
                rows.append(
                    (
                        run_id,
                        run.target,
                        f.level,
                        f.retailer or "",
                        f.brand or "",
                        round(f.qty, 2),
                        round(f.lo, 2),
                        round(f.hi, 2),
                        c.method,
                        c.windows,
                        None if c.method not in c.scores else round(c.scores[c.method], 4),
                        None if base is None else round(base, 4),
                        json.dumps(
                            {
                                "scores": {k: round(v, 4) for k, v in c.scores.items()},
                                "intermittent": c.intermittent,
                            }
                        ),
                    )
                )
        history = (inputs.months[0], inputs.months[-1])
        with self.write() as conn:
            conn.execute(
                "INSERT INTO forecast_runs (id, am_id, as_of, month, computed_at, data_stamp, "
                "data_through, data_lines, history_from, history_to, series, seconds, "
                "cpu_seconds, backtest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    self.am_id,
                    as_of.isoformat(),
                    month_key(as_of),
                    computed,
                    inputs.stamp,
                    inputs.data_through,
                    inputs.lines,
                    history[0],
                    history[1],
                    len(inputs.series),
                    round(seconds, 2),
                    round(cpu_seconds, 2),
                    json.dumps(backtest),
                ),
            )
            conn.executemany(
                "INSERT INTO forecasts (run_id, target_month, level, retailer_code, brand_code, "
                "qty_tiao, lo_tiao, hi_tiao, method, windows, wape, baseline_wape, why) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._prune_runs()
        return RunSummary(
            run_id,
            as_of.isoformat(),
            tuple(r.target for r in runs),
            computed,
            inputs.data_through,
            history,
            len(inputs.series),
            round(seconds, 2),
            round(cpu_seconds, 2),
            backtest,
        )

    def _prune_runs(self) -> None:
        """Keep the latest run and, for every month forecast, the run made before it began
        (its accuracy is scored against it); the runs in between are superseded."""
        keep = {r["id"] for r in [self.latest_forecast_run()] if r}
        for (month,) in self.query(
            "SELECT DISTINCT target_month FROM forecasts WHERE level = 'area'"
        ):
            run = self.run_before(month)
            if run is not None:
                keep.add(run["id"])
        stale = [r[0] for r in self.query("SELECT id FROM forecast_runs") if r[0] not in keep]
        for run_id in stale:
            self.conn.execute("DELETE FROM forecasts WHERE run_id = ?", (run_id,))
            self.conn.execute("DELETE FROM forecast_runs WHERE id = ?", (run_id,))

    @staticmethod
    def _backtest_dict(run: ForecastRun) -> dict[str, Any]:
        return {
            "target": run.target,
            "measure": "WAPE = sum|forecast - actual| / sum actual",
            "holdout_months": list(run.holdout),
            "spring_festival_months": list(run.spring_months),
            "levels": {level: _report_dict(rep) for level, rep in run.backtest.items()},
        }

    # -- reading ------------------------------------------------------------------------------
    def latest_forecast_run(self, am_id: str | None = None) -> dict[str, Any] | None:
        """The latest forecast run (on a team database, of the AM ``am_id`` if given)."""
        row = self.query_one(
            "SELECT * FROM forecast_runs r WHERE " + _OF_AM
            + " ORDER BY as_of DESC, computed_at DESC LIMIT 1",
            (am_id, am_id),
        )  # fmt: skip
        return None if row is None else dict(row)

    def forecasts_stale(self) -> bool:
        """Whether the forecasts should be computed again: none yet, the order data changed
        since the last run, or a new month began. Never on a team database: its forecasts are
        the AMs' runs, merged (a run of its own would stand for every AM's, and its pruning
        would remove the AMs' runs)."""
        from khtui.data.manager import is_team_database
        from khtui.domain.months import month_key

        if is_team_database(self.conn):
            return False
        run = self.latest_forecast_run()
        if run is None:
            return self.scalar("SELECT 1 FROM monthly_sales LIMIT 1") is not None
        return run["data_stamp"] != self.order_data_stamp() or run["month"] != month_key(
            self.today()
        )

    def run_before(self, month: str, am_id: str | None = None) -> dict[str, Any] | None:
        """The forecast made for ``month`` before it began: the last run standing on a day no
        later than its first day (its data end before the month) that forecast it (on a team
        database, the AM ``am_id``'s if given)."""
        row = self.query_one(
            "SELECT r.* FROM forecast_runs r WHERE r.as_of <= ? AND EXISTS (SELECT 1 FROM "
            "forecasts f WHERE f.run_id = r.id AND f.target_month = ? AND f.level = 'area') "
            f"AND {_OF_AM} ORDER BY r.as_of DESC, r.computed_at DESC LIMIT 1",
            (month + "-01", month, am_id, am_id),
        )
        return None if row is None else dict(row)

    def run_for_target(self, month: str, am_id: str | None = None) -> dict[str, Any] | None:
        """The latest run that forecast ``month`` (whenever it was made; on a team database,
        the AM ``am_id``'s if given)."""
        row = self.query_one(
            "SELECT r.* FROM forecast_runs r WHERE EXISTS (SELECT 1 FROM forecasts f "
            "WHERE f.run_id = r.id AND f.target_month = ? AND f.level = 'area') "
            f"AND {_OF_AM} ORDER BY r.as_of DESC, r.computed_at DESC LIMIT 1",
            (month, am_id, am_id),
        )
        return None if row is None else dict(row)

    def forecast_owners(
        self, codes: Collection[str] | None = None
    ) -> dict[str | None, frozenset[str] | None]:
        """Whose forecasts the retailers ``codes`` (all when None) are read from, and which of
        them: on an AM's database the database's own runs for every retailer (``{None: None}``);
        on a team database each AM's runs for the retailers counted for that AM (an AM's run
        forecasts only the AM's own retailers, and each retailer is read as the AM it counts
        for reads it in their own database)."""
        from khtui.data.manager import OWNERS, is_team_database

        if not is_team_database(self.conn):
            return {None: None}
        cond, params = self._codes_cond(codes, "retailer_code")
        owned: dict[str | None, set[str]] = defaultdict(set)
        for code, am in self.query(
            f"SELECT retailer_code, am_id FROM ({OWNERS}) WHERE 1{cond}", params
        ):
            owned[am].add(code)
        return {am: frozenset(c) for am, c in owned.items()}

    def forecast_rows(
        self,
        month: str,
        *,
        retailer: str | None = None,
        brand: str | None = None,
        level: str | None = None,
        run_id: str | None = None,
        am_id: str | None = None,
    ) -> list[ForecastRow]:
        """The forecasts of ``month`` from the latest run that made them (on a team database,
        the AM ``am_id``'s if given), or from ``run_id``."""
        run = (
            dict(self.query_one("SELECT * FROM forecast_runs WHERE id = ?", (run_id,)) or {})
            if run_id
            else self.run_for_target(month, am_id)
        )
        if not run:
            return []
        where, params = where_equal(
            {
                "f.run_id": run["id"],
                "f.target_month": month,
                "f.retailer_code": retailer,
                "f.brand_code": brand,
                "f.level": level,
            }
        )
        rows = self.query(
            "SELECT f.*, b.name AS brand_name FROM forecasts f LEFT JOIN brands b "
            "ON b.brand_code = f.brand_code WHERE " + " AND ".join(where) + " "
            "ORDER BY CASE f.level WHEN 'area' THEN 0 WHEN 'retailer' THEN 1 ELSE 2 END, "
            "f.retailer_code, f.qty_tiao DESC, f.brand_code",
            params,
        )
        return [_row(r, run) for r in rows]

    def retailer_forecasts(
        self, run_id: str, month: str, codes: Collection[str] | None = None
    ) -> dict[str, float]:
        """Each retailer's (or ``codes``') forecast (条) of ``month`` in the run ``run_id``, by
        code."""
        among, params = self._codes_cond(None if codes is None else sorted(codes), "retailer_code")
        rows = self.tuples(
            "SELECT retailer_code, qty_tiao FROM forecasts WHERE run_id = ? AND "
            f"target_month = ? AND level = 'retailer'{among} ORDER BY retailer_code",
            (run_id, month, *params),
        )
        return {code: float(qty) for code, qty in rows}

    def area_accuracy(self, month: str, am_id: str | None = None) -> float | None:
        """预测准确率 of the area in ``month``, as :meth:`month_accuracy` scores it, without
        the retailers' and brands' (the team view's figure of each AM); None when no forecast
        was made for the month before it began."""
        from khtui.domain.forecast import accuracy

        run = self.run_before(month, am_id)
        if run is None:
            return None
        mine, mine_params = _scored_orders(run["id"], month, am_id)
        forecast = self.scalar(
            "SELECT coalesce(sum(qty_tiao), 0) FROM forecasts WHERE run_id = ? "
            "AND target_month = ? AND level = 'retailer'",
            (run["id"], month),
        )
        actual = self.scalar(
            f"SELECT coalesce(sum(qty_tiao), 0) FROM monthly_sales WHERE month = ? AND {mine}",
            (month, *mine_params),
        )
        return accuracy(float(forecast), float(actual))

    def month_accuracy(self, month: str, am_id: str | None = None) -> MonthAccuracy:
        """预测准确率 of ``month`` for the area, each retailer and each brand, scoring the
        forecast made before the month began (:meth:`run_before`). ``complete`` is False for
        the month still running (its actual so far). On a team database, ``am_id`` scores that
        AM's forecast against the orders of the retailers it forecast and of those now on the
        AM's books, as the AM's own database does."""
        from khtui.domain.forecast import accuracy
        from khtui.domain.months import month_key

        complete = month < month_key(self.today())
        run = self.run_before(month, am_id)
        if run is None:
            return MonthAccuracy(month, None, None, complete, None)
        fc_r = self.retailer_forecasts(run["id"], month)
        mine, mine_params = _scored_orders(run["id"], month, am_id)
        act_r = {
            r[0]: float(r[1])
            for r in self.query(
                f"SELECT retailer_code, qty_tiao FROM monthly_sales WHERE month = ? AND {mine}",
                (month, *mine_params),
            )
        }
        names = {r[0]: r[1] for r in self.query("SELECT code, name FROM retailers")}
        retailers = Scored.each(fc_r, act_r, names)
        total_f, total_a = sum(fc_r.values()), sum(act_r.values())
        area = Scored("area", None, total_f, total_a, accuracy(total_f, total_a))
        fc_b: dict[str, float] = defaultdict(float)
        for r in self.query(
            "SELECT brand_code, sum(qty_tiao) FROM forecasts WHERE run_id = ? AND "
            "target_month = ? AND level = 'brand' GROUP BY brand_code",
            (run["id"], month),
        ):
            fc_b[r[0]] = float(r[1])
        act_b = {
            r[0]: float(r[1])
            for r in self.query(
                "SELECT brand_code, sum(qty_tiao) FROM monthly_brand_sales WHERE month = ? "
                f"AND {mine} GROUP BY brand_code",
                (month, *mine_params),
            )
        }
        bnames = {r[0]: r[1] for r in self.query("SELECT brand_code, name FROM brands")}
        brands = Scored.each(fc_b, act_b, bnames)
        return MonthAccuracy(month, run["id"], run["as_of"], complete, area, retailers, brands)

    def report_accuracy(self, month: str, upto: dt.date, rows: int) -> MonthAccuracyFigures:
        """预测准确率 of ``month`` as a report standing on ``upto`` shows it: scored in full when
        the month is over by then (with the ``rows`` retailers and key or new brands of lowest
        accuracy), else the forecast, the actual from the month's first day to ``upto`` and the
        working days gone."""
        from khtui.domain.accuracy import MonthAccuracyFigures, ScoredRow, lowest
        from khtui.domain.months import month_range

        first, last = month_range(month)
        complete = upto >= last
        to = min(upto, last)
        days = self.work_calendar.workdays_between(first, last)
        out = MonthAccuracyFigures(
            month,
            complete,
            to.isoformat(),
            0.0,
            workdays=len(days),
            workdays_passed=sum(1 for d in days if d <= to),
        )
        if complete:
            scored = self.month_accuracy(month)
            if scored.area is not None:
                out.actual = scored.area.actual
            else:
                out.actual = float(
                    self.scalar(
                        "SELECT coalesce(sum(qty_tiao), 0) FROM monthly_sales WHERE month = ?",
                        (month,),
                    )
                )
            if scored.area is None:
                return out
            out.forecast_as_of = scored.run_as_of
            out.forecast, out.accuracy = scored.area.forecast, scored.area.accuracy
            out.retailers_scored = sum(1 for r in scored.retailers if round(r.forecast) or r.actual)
            out.lowest_retailers = lowest(
                [
                    ScoredRow(r.key, r.name, r.forecast, r.actual, r.accuracy)
                    for r in scored.retailers
                ],
                rows,
            )
            kinds = {
                r[0]: (bool(r[1]), bool(r[2]))
                for r in self.query(
                    "SELECT brand_code, is_key, is_new FROM brands WHERE is_key OR is_new"
                )
            }
            out.lowest_brands = lowest(
                [
                    ScoredRow(b.key, b.name, b.forecast, b.actual, b.accuracy, *kinds[b.key])
                    for b in scored.brands
                    if b.key in kinds
                ],
                rows,
            )
            return out
        out.actual = float(
            self.scalar(
                "SELECT coalesce(sum(qty_tiao), 0) FROM order_lines "
                "WHERE order_date BETWEEN ? AND ?",
                (first.isoformat(), to.isoformat()),
            )
        )
        run = self.run_before(month)
        if run is not None:
            out.forecast_as_of = run["as_of"]
            out.forecast = float(
                self.scalar(
                    "SELECT coalesce(sum(qty_tiao), 0) FROM forecasts WHERE run_id = ? AND "
                    "target_month = ? AND level = 'retailer'",
                    (run["id"], month),
                )
            )
        return out

    def retailer_forecast(self, code: str) -> RetailerForecast:
        """What the profile shows: this month's and next month's forecast, the method and its
        backtest error, the brands forecast next, and the last complete months' accuracy (on a
        team database, from the forecasts of the AM the retailer counts for)."""
        from khtui.domain.forecast import accuracy
        from khtui.domain.months import add_months, month_key

        this = month_key(self.today())
        owners = self.forecast_owners([code])
        if not owners:  # a team database's retailer on no AM's books: nobody forecasts it
            return RetailerForecast(code, None, None, [], [])
        am = next(iter(owners))
        rows = {
            m: self.forecast_rows(m, retailer=code, level="retailer", am_id=am)
            for m in (this, add_months(this, 1))
        }
        brands = self.forecast_rows(this, retailer=code, level="brand", am_id=am)
        scores: list[Scored] = []
        for m in (add_months(this, -k) for k in range(3, 0, -1)):
            run = self.run_before(m, am)
            if run is None:
                continue
            f = self.scalar(
                "SELECT qty_tiao FROM forecasts WHERE run_id = ? AND target_month = ? AND "
                "level = 'retailer' AND retailer_code = ?",
                (run["id"], m, code),
            )
            if f is None:
                continue
            a = float(
                self.scalar(
                    "SELECT coalesce(sum(qty_tiao), 0) FROM monthly_sales WHERE retailer_code = ? "
                    "AND month = ?",
                    (code, m),
                )
            )
            scores.append(Scored(m, None, float(f), a, accuracy(float(f), a)))
        return RetailerForecast(
            code,
            rows[this][0] if rows[this] else None,
            rows[add_months(this, 1)][0] if rows[add_months(this, 1)] else None,
            brands,
            scores,
        )


@dataclass(frozen=True)
class RetailerForecast:
    code: str
    this_month: ForecastRow | None
    next_month: ForecastRow | None
    brands: list[ForecastRow]
    accuracy: list[Scored]  # the last complete months that had a forecast before them


def _row(r, run) -> ForecastRow:
    why = json.loads(r["why"] or "{}")
    return ForecastRow(
        r["target_month"],
        r["level"],
        r["retailer_code"],
        r["brand_code"],
        float(r["qty_tiao"]),
        float(r["lo_tiao"]),
        float(r["hi_tiao"]),
        r["method"],
        int(r["windows"] or 0),
        r["wape"],
        r["baseline_wape"],
        why.get("scores", {}),
        run["id"],
        run["as_of"],
        run["computed_at"],
        run["data_through"],
        r["brand_name"],
    )


# -- the origins of a run in processes of their own --------------------------------------------
# A run of at least this many series computes its origins (the months it forecasts from) in
# forked processes, one per core: each origin is a few seconds of Python (every series and
# method), independent of the others, so two cores nearly halve a run. The children inherit
# the inputs; only the origins' numbers and their results cross. Smaller runs stay in one
# process (forking costs more than they take).
PARALLEL_MIN_SERIES = 1000

_origin_task: Callable[[int], Any] | None = None


def _cpu_time() -> float:
    """CPU seconds of this process and of its ended children (a run's forked workers)."""
    try:
        import resource
    except ImportError:  # no fork there either
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _origin(t: int) -> Any:
    assert _origin_task is not None
    return _origin_task(t)


def _end_with(parent: int) -> None:
    """A worker ends when the process that forked it is gone (ended by the program as it
    quits): it would otherwise wait for work forever."""
    import os
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="forecast-parent", daemon=True).start()


# How far a run is: the origins computed and how many there are, told as each one ends.
OriginsDone = Callable[[int, int], None]


def origins_mapper(series: int, progress: OriginsDone | None = None) -> Mapper | None:
    """The mapper of a run's origins: in forked processes where :func:`forked_mapper` says
    so, else one after the other (None: the run's own loop, when nobody asks how far it
    is); ``progress(done, total)`` told before the first and as each origin ends."""
    forked = forked_mapper(series, progress)
    if forked is not None or progress is None:
        return forked

    def serial(fn: Callable[[int], Any], origins: Sequence[int]) -> list[Any]:
        return _collected((fn(t) for t in origins), len(origins), progress)

    return serial


def _collected(results: Iterable[Any], total: int, progress: OriginsDone | None) -> list[Any]:
    """The ``total`` origins' ``results`` in a list, ``progress(done, total)`` (if given) told
    before the first and as each one arrives."""
    out: list[Any] = []
    if progress is not None:
        progress(0, total)
    for result in results:
        out.append(result)
        if progress is not None:
            progress(len(out), total)
    return out


def forked_mapper(series: int, progress: OriginsDone | None = None) -> Mapper | None:
    """A mapper computing a run's origins in forked processes, or None (one after the
    other) for a small run, one core, a system without ``fork`` (Linux only: elsewhere a
    forked process may hang in the system's libraries) or a process running other threads
    (a fork copies only the calling thread, and locks others hold). ``progress(done,
    total)``, if given, is told before the first origin and as each one's results arrive
    (in order)."""
    import multiprocessing
    import os
    import sys
    import threading

    cores = usable_cores()
    if (
        series < PARALLEL_MIN_SERIES
        or cores < 2
        or not sys.platform.startswith("linux")
        or threading.active_count() > 1
    ):
        return None

    def mapper(fn: Callable[[int], Any], origins: Sequence[int]) -> list[Any]:
        global _origin_task
        _origin_task = fn
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(
                min(cores, len(origins)), initializer=_end_with, initargs=(os.getpid(),)
            ) as pool:
                return _collected(pool.imap(_origin, origins, chunksize=1), len(origins), progress)
        finally:
            _origin_task = None

    return mapper


# -- a process of its own ---------------------------------------------------------------------
def compute_in_child(path, rules, as_of: dt.date, on_start=None) -> RunSummary | None:
    """Run :meth:`ForecastOps.compute_forecasts` in a child Python process at a lower
    priority (the program's screens keep the whole interpreter, and the CPU they ask for: a
    computation of seconds never delays a keystroke) and return its summary.
    ``on_start(process)`` is told the process (so the program can end it when it quits
    first: the run's one write transaction is then simply not made). Raises
    :class:`~khtui.data.base.StoreError` with the child's last line when it fails."""
    import subprocess
    import sys

    from khtui.data.base import StoreError

    args = {
        "db": str(path),
        "rules": rules.data,
        "origin": rules.origin,
        "as_of": as_of.isoformat(),
    }
    proc = subprocess.Popen(
        # -P: the working directory is not searched (a folder there named khtui, such as the
        # user data directory's, would hide the package)
        [sys.executable, "-P", "-m", "khtui.data.forecasts"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    if on_start is not None:
        on_start(proc)
    out, err = proc.communicate(json.dumps(args, ensure_ascii=False))
    if proc.returncode != 0:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        raise StoreError(lines[-1] if lines else f"forecast process exited {proc.returncode}")
    data = json.loads(out or "null")
    if data is None:
        return None
    data["targets"] = tuple(data["targets"])
    data["history"] = tuple(data["history"]) if data["history"] else None
    return RunSummary(**data)


# The forecast's process runs at this lower priority (a Unix niceness), it and the workers it
# forks: on two cores the program's screens, which it runs beside, keep the CPU they ask for.
CHILD_NICENESS = 10


def _give_way() -> None:
    """Lower this process's priority by CHILD_NICENESS where the system has niceness (where
    it is not allowed, the forecast runs at the usual priority)."""
    import contextlib
    import os

    nice = getattr(os, "nice", None)
    if nice is not None:
        with contextlib.suppress(OSError):
            nice(CHILD_NICENESS)


def _child_main() -> None:
    import dataclasses
    import sys

    from khtui.data.store import Store
    from khtui.rules import Rules

    _give_way()
    args = json.loads(sys.stdin.read())
    store = Store(args["db"], rules=Rules(args["rules"], args["origin"]))
    try:
        summary = store.compute_forecasts(dt.date.fromisoformat(args["as_of"]))
    finally:
        store.close()
    sys.stdout.write(json.dumps(None if summary is None else dataclasses.asdict(summary)))


if __name__ == "__main__":
    _child_main()
