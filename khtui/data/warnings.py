"""Warnings (预警) and supply suggestions (精准投放): the facts gathered for
:mod:`khtui.domain.warnings` and :mod:`khtui.domain.supply`.

Stock is the last finished visit's count per brand (``price_observations.stock_tiao``); the
sell rate is the brand's orders over the last ``[warnings] sell_rate_months`` complete months
per day; sales swings compare orders with the stored forecast made before the month began;
reminders read the licence expiry and the open complaints. Only active retailers are warned
about and supplied.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from khtui.data.forecasts import ForecastOps
from khtui.data.statuses import ON_ITS_DAY, OPEN_COMPLAINTS

if TYPE_CHECKING:
    from khtui.domain.supply import SupplyLine
    from khtui.domain.warnings import Warning


@dataclass(frozen=True)
class RetailerSupply:
    """The suggestion for one retailer's next order."""

    code: str
    name: str
    tier: int | None
    next_order_day: dt.date
    cycle_days: int
    month: str
    lines: list[SupplyLine]
    has_forecast: bool


class WarningOps(ForecastOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    def _active_retailers(
        self, columns: str, codes: Sequence[str] | None, order_by: str = ""
    ) -> list[Any]:
        """``columns`` of the active retailers (``r``), limited to ``codes`` (all when None)."""
        from khtui.domain.retailer import ACTIVE

        cond, cparams = self._codes_cond(codes)
        return self.tuples(
            f"SELECT {columns} FROM retailers r WHERE r.status = ?{cond}{order_by}",
            (ACTIVE, *cparams),
        ).fetchall()

    def _workday_fn(self):
        calendar = self.work_calendar
        memo: dict[dt.date, bool] = {}

        def is_workday(d: dt.date) -> bool:
            if d not in memo:
                memo[d] = calendar.is_workday(d)
            return memo[d]

        return is_workday

    def _stock_facts(
        self, day: dt.date, codes: Sequence[str] | None
    ) -> dict[tuple[str, str], tuple[float, dt.date, float, float]]:
        """(retailer, brand) -> (stock, counted_on, ordered since, daily rate) of the last
        finished count on or before ``day`` of the active retailers (or ``codes``), for the
        counts still judged (warnings, suggestions): a count older than ``stale_days`` is not
        read here (:meth:`_stale_counts` says which are stale)."""
        from khtui.data.base import placeholders
        from khtui.domain.months import add_months, month_key, month_range
        from khtui.domain.retailer import ACTIVE
        from khtui.domain.warnings import oldest_judged

        wr = self.rules.warnings
        last = add_months(month_key(day), -1)
        months = [add_months(last, -k) for k in reversed(range(wr.sell_rate_months))]
        days = (month_range(last)[1] - month_range(months[0])[0]).days + 1
        judged = (oldest_judged(day, wr).isoformat(), day.isoformat())
        cond, cparams = self._codes_cond(codes, "retailer_code")
        counted = (
            "FROM price_observations WHERE is_draft = 0 AND stock_tiao IS NOT NULL AND "
            f"observed_on BETWEEN ? AND ?{cond}"
        )
        # only the counts of the days a count is judged for are ranked (price_obs_day; the
        # few retailers of a day: price_obs_retailer), each with its sell rate (the brand's
        # months, one key each); ranking every count ever made, most of them stale on a
        # city's data, took seconds
        counts = self.tuples(
            "SELECT p.retailer_code, p.brand_code, p.stock_tiao, p.observed_on, ("
            "SELECT sum(s.qty_tiao) FROM monthly_brand_sales s WHERE s.retailer_code = "
            f"p.retailer_code AND s.month IN ({placeholders(months)}) AND s.brand_code = "
            "p.brand_code) FROM (SELECT retailer_code, brand_code, stock_tiao, observed_on, "
            "row_number() OVER (PARTITION BY retailer_code, brand_code ORDER BY observed_on "
            f"DESC, id) AS k {counted}) p JOIN retailers r ON r.code = p.retailer_code AND "
            "r.status = ? WHERE p.k = 1",
            (*months, *judged, *cparams, ACTIVE),
        ).fetchall()
        # the lines ordered since the counts: one pass over the days a count can be judged
        # for (the lines' key leads with the date), the lines of the retailers counted then,
        # summed by count here (joined to the counts, SQLite searched each date for each)
        lines = self.tuples(
            "SELECT retailer_code, brand_code, order_date, qty_tiao FROM order_lines WHERE "
            f"order_date BETWEEN ? AND ? AND retailer_code IN (SELECT retailer_code {counted})",
            (*judged, *judged, *cparams),
        )
        counted_on = {(r[0], r[1]): r[3] for r in counts}
        since: dict[tuple[str, str], float] = defaultdict(float)
        for code, brand, on, qty in lines:
            after = counted_on.get((code, brand))
            if after is not None and on > after:
                since[(code, brand)] += float(qty)
        return {
            (r[0], r[1]): (
                float(r[2]),
                dt.date.fromisoformat(r[3]),
                since.get((r[0], r[1]), 0.0),
                0.0 if r[4] is None else float(r[4]) / days,
            )
            for r in counts
        }

    def _stale_counts(
        self, day: dt.date, codes: Sequence[str] | None
    ) -> dict[str, tuple[dt.date, int]]:
        """retailer -> (its newest stale count, how many brands) for the brands whose last
        finished count on or before ``day`` is older than ``stale_days`` (every retailer's, or
        ``codes``'). One pass over the counts by retailer: a retailer whose newest count is
        stale has every brand's stale; only those with a count still judged are read brand by
        brand."""
        from khtui.domain.warnings import oldest_judged

        judged_from = oldest_judged(day, self.rules.warnings).isoformat()
        cond, cparams = self._codes_cond(codes, "retailer_code")
        counted = (
            "FROM price_observations WHERE is_draft = 0 AND stock_tiao IS NOT NULL AND "
            f"observed_on <= ?{cond}"
        )
        out: dict[str, tuple[dt.date, int]] = {}
        recent = []
        for code, newest, brands in self.tuples(
            f"SELECT retailer_code, max(observed_on), count(DISTINCT brand_code) {counted} "
            "GROUP BY retailer_code",
            (day.isoformat(), *cparams),
        ):
            if newest < judged_from:
                out[code] = (dt.date.fromisoformat(newest), brands)
            else:
                recent.append(code)
        if recent:
            stale: dict[str, list[str]] = defaultdict(list)
            for code, newest in self.tuples(
                f"SELECT retailer_code, max(observed_on) AS last {counted} AND retailer_code "
                "IN (SELECT value FROM json_each(?)) GROUP BY retailer_code, brand_code "
                "HAVING last < ?",
                (day.isoformat(), *cparams, json.dumps(recent), judged_from),
            ):
                stale[code].append(newest)
            for code, lasts in stale.items():
                out[code] = (dt.date.fromisoformat(max(lasts)), len(lasts))
        return out

    def warnings_for(self, day: dt.date | None = None, codes: Sequence[str] | None = None):
        """Every warning on ``day`` (default today) for the active retailers (or ``codes``),
        most urgent first."""
        from khtui.domain.order_cycle import order_weekday
        from khtui.domain.warnings import (
            StockFacts,
            complaint_warning,
            licence_warning,
            next_order_day,
            sort_warnings,
            stale_warning,
            stock_warning,
        )

        day = day or self.today()
        wr = self.rules.warnings
        is_workday = self._workday_fn()
        retailers = self._active_retailers("r.code, r.order_day, r.licence_expiry", codes)
        weekday = {r[0]: order_weekday(r[1]) for r in retailers}
        next_order = {d: next_order_day(day, d, is_workday) for d in {None, *weekday.values()}}
        out: list[Warning] = []
        for (code, brand), (stock, counted, ordered, rate) in self._stock_facts(day, codes).items():
            w = stock_warning(
                StockFacts(
                    code, brand, stock, counted, ordered, rate, next_order[weekday.get(code)]
                ),
                day,
                wr,
            )
            if w is not None:
                out.append(w)
        # the stale counts: one warning per retailer, its newest (the visit recounts them all)
        for code, (newest, brands) in self._stale_counts(day, codes).items():
            if code in weekday:
                out.append(stale_warning(code, newest, brands, day, wr))
        for r in retailers:
            if r[2]:
                try:
                    expiry = dt.date.fromisoformat(str(r[2])[:10])
                except ValueError:
                    continue
                w = licence_warning(r[0], expiry, day, wr)
                if w is not None:
                    out.append(w)
        active = set(weekday)
        for r in self.query(
            "SELECT id, retailer_code, category, due_on FROM complaints "
            f"WHERE status IN {OPEN_COMPLAINTS} ORDER BY due_on"
        ):
            if r[1] not in active:
                continue
            due = dt.date.fromisoformat(r[3])
            if due >= day:
                left = sum(
                    1
                    for k in range(1, (due - day).days + 1)
                    if is_workday(day + dt.timedelta(days=k))
                )
            else:
                left = -sum(
                    1
                    for k in range(0, (day - due).days)
                    if is_workday(due + dt.timedelta(days=k + 1))
                )
            w = complaint_warning(r[1], r[0], r[2], due, left, wr)
            if w is not None:
                out.append(w)
        out.extend(w for w in self.swing_warnings(day, codes) if w.retailer_code in active)
        return sort_warnings(out)

    def swing_warnings(self, day: dt.date, codes: Collection[str] | None = None) -> list[Warning]:
        """Sales swings of every retailer forecast (or of ``codes``): the last complete month
        against the forecast made before it began, and the month so far (once
        ``swing_min_share`` of its working days have passed) against the same share of its
        forecast. On a team database each AM's forecast judges the retailers counted for that
        AM (:meth:`forecast_owners`): the AMs' own warnings."""
        from khtui.domain.months import add_months, month_days, month_key
        from khtui.domain.warnings import swing_warning

        wr = self.rules.warnings
        this = month_key(day)
        is_workday = self._workday_fn()
        owners = self.forecast_owners(codes)
        # a day's few retailers: only theirs are read
        cond, cparams = self._codes_cond(None if codes is None else sorted(codes), "retailer_code")
        out = []
        for month, complete in ((add_months(this, -1), True), (this, False)):
            runs = {am: self.run_before(month, am) for am in owners}
            if not any(runs.values()):
                continue
            share = 1.0
            if not complete:
                work = [d for d in month_days(month) if is_workday(d)]
                share = sum(1 for d in work if d < day) / len(work) if work else 0.0
                if share < wr.swing_min_share:
                    continue
            if complete:
                actual = {
                    r[0]: float(r[1])
                    for r in self.tuples(
                        f"SELECT retailer_code, qty_tiao FROM monthly_sales WHERE month = ?{cond}",
                        (month, *cparams),
                    )
                }
            else:
                actual = {
                    r[0]: float(r[1])
                    for r in self.tuples(
                        "SELECT retailer_code, sum(qty_tiao) FROM order_lines WHERE "
                        f"order_date BETWEEN ? AND ?{cond} GROUP BY retailer_code",
                        (month + "-01", (day - dt.timedelta(days=1)).isoformat(), *cparams),
                    )
                }
            for am, run in runs.items():
                if run is None:
                    continue
                mine = codes if owners[am] is None else owners[am]  # (of ``codes``)
                for code, f in self.retailer_forecasts(run["id"], month, mine).items():
                    w = swing_warning(code, month, actual.get(code, 0.0), f, share, wr)
                    if w is not None:
                        out.append(w)
        return out

    def forecast_swing_codes(self, as_of: dt.date) -> frozenset[str]:
        """Active retailers whose sales swing against their forecast on ``as_of``: the monthly
        plan raises their visit frequency (reason 销量波动)."""
        from khtui.domain.retailer import ACTIVE

        active = {
            r[0] for r in self.query("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))
        }
        return frozenset(
            w.retailer_code for w in self.swing_warnings(as_of) if w.retailer_code in active
        )

    # -- supply suggestion ----------------------------------------------------------------------
    def supply_suggestions(
        self, codes: Sequence[str] | None = None, day: dt.date | None = None
    ) -> list[RetailerSupply]:
        """The suggestion for the next order of each active retailer (or ``codes``), from this
        month's stored forecast (on a team database, that of the AM the retailer counts for),
        the last count and the tier's ceiling."""
        from khtui.domain.months import month_days, month_key
        from khtui.domain.order_cycle import order_weekday
        from khtui.domain.supply import BrandDemand, cycle_days, suggest
        from khtui.domain.warnings import next_order_day

        day = day or self.today()
        month = month_key(day)
        n_days = len(month_days(month))
        is_workday = self._workday_fn()
        retailers = self._active_retailers(
            "r.code, r.name, r.tier, r.order_day, r.order_frequency",
            codes,
            " ORDER BY r.route, r.route_seq, r.code",
        )
        stock = self._stock_facts(day, codes)  # the active retailers' (or codes')
        demand: dict[str, list[tuple[str, float]]] = defaultdict(list)
        forecast: set[str | None] = set()  # whose runs forecast the month (None: this database's)
        owner: dict[str, str | None] = {}  # a team database's retailers: the AM they count for
        for am, owned in self.forecast_owners(codes).items():
            owner.update(dict.fromkeys(owned or (), am))
            run = self.run_for_target(month, am)
            if run is None:
                continue
            forecast.add(am)
            for r in self.tuples(
                "SELECT retailer_code, brand_code, qty_tiao FROM forecasts WHERE run_id = ? AND "
                "target_month = ? AND level = 'brand' AND qty_tiao > 0",
                (run["id"], month),
            ):
                if owned is None or r[0] in owned:
                    demand[r[0]].append((r[1], float(r[2])))
        brands = {
            r[0]: (r[1], bool(r[2]))
            for r in self.query("SELECT brand_code, name, is_new FROM brands")
        }
        sr, wr = self.rules.supply, self.rules.warnings
        out = []
        for r in retailers:
            code = r[0]
            items = []
            for brand, qty in demand.get(code, []):
                s = stock.get((code, brand))
                name, is_new = brands.get(brand, (brand, False))
                items.append(
                    BrandDemand(
                        brand,
                        name,
                        qty,
                        n_days,
                        is_new,
                        None if s is None else s[0],
                        None if s is None else s[1],
                        0.0 if s is None else s[2],
                    )
                )
            cycle = cycle_days(r[4])
            out.append(
                RetailerSupply(
                    code,
                    r[1],
                    r[2],
                    next_order_day(day, order_weekday(r[3]), is_workday),
                    cycle,
                    month,
                    suggest(items, r[2], day, cycle, sr, wr),
                    owner.get(code) in forecast,
                )
            )
        return out

    def suggestion_rows(self, day: dt.date | None = None) -> list[list]:
        """The supply suggestions of every active retailer for the order system: one row per
        brand suggested (or held back: the last value names why, ``supply.note.<key>``)."""
        rows = []
        for s in self.supply_suggestions(day=day):
            for ln in s.lines:
                if ln.suggested_tiao <= 0 and ln.note is None:
                    continue
                rows.append(
                    [
                        s.code,
                        s.name,
                        s.tier,
                        s.next_order_day.isoformat(),
                        ln.brand_code,
                        ln.name,
                        ln.suggested_tiao,
                        round(ln.forecast_month_tiao, 1),
                        None if ln.on_hand_tiao is None else round(ln.on_hand_tiao, 1),
                        ln.ceiling_tiao,
                        ln.note,
                    ]
                )
        return rows

    # -- small reads for the panels -------------------------------------------------------------
    def day_codes(self, day: dt.date) -> list[str]:
        """The retailers on ``day``'s visit list (not the visits moved away), in list order;
        reads only (the carry-over happens when the list itself is read)."""
        return self.column(
            "SELECT retailer_code FROM visits WHERE planned_date = ? AND status IN "
            f"{ON_ITS_DAY} GROUP BY retailer_code ORDER BY min(seq), retailer_code",
            (day.isoformat(),),
        )

    def retailer_names(self, codes: Sequence[str]) -> dict[str, str]:
        cond, cparams = self._codes_cond(codes)
        return {
            r[0]: r[1]
            for r in self.conn.execute(f"SELECT code, name FROM retailers r WHERE 1{cond}", cparams)
        }

    def brand_names(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.query("SELECT brand_code, name FROM brands")}
