"""Reports (会报告): the figures of a week / month / monthly plan, and report versions.

Figures are read straight from the tables (``data/schema.py``), so they are the database's own
numbers, and returned as the typed records of ``domain/weekly.py``, ``domain/monthly.py`` and
``domain/plan_document.py``.

The weekly report (``weekly_reports``) and the monthly market analysis (``monthly_reports``)
are kept as numbered versions the same way: the AM's draft is saved as typed; submitting
freezes that version (its figures and text never change again); an edit after that makes a new
draft version carrying the text forward. Refreshing the figures never touches the AM's text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from khtui.data.base import Beside, StoreError, from_row, new_id, own_records, placeholders
from khtui.data.brands import BrandOps
from khtui.data.statuses import LIVE_VISITS, ON_ITS_DAY, OPEN_VISITS
from khtui.data.visits import VisitOps
from khtui.domain import visits as visit_rules
from khtui.domain.complaints import OPEN_STATUSES, is_overdue
from khtui.domain.problems import KeyedError
from khtui.domain.retailer import ACTIVE

if TYPE_CHECKING:  # the report modules are imported where a report is made (not at start)
    from khtui.domain.accuracy import MonthAccuracyFigures
    from khtui.domain.monthly import (
        CategoryRow,
        ChoiceRow,
        ClassRow,
        ComplaintCategory,
        CustomerService,
        GrowthRow,
        MarketInfo,
        MonthlyFigures,
        MonthSales,
        NextMonth,
        PlanExecution,
        RouteExecution,
        TierRow,
        TopBrand,
    )
    from khtui.domain.plan_document import PlanFigures
    from khtui.domain.weekly import (
        BrandRow,
        ComplaintStatus,
        Coverage,
        DayVisits,
        Dynamic,
        NextWeek,
        NextWeekDay,
        PeriodSales,
        SkipReason,
        StockRow,
        WeekBrands,
        WeeklyFigures,
        WeekPrices,
        WeekSales,
        WeekVisits,
    )


# How far below the price-deviation threshold SQLite still hands an observation to
# ``deviation_flagged`` (percentage points): its arithmetic may differ from Python's in the
# last bits, so the boundary itself is always decided in Python.
_DEVIATION_MARGIN_PCT = 0.01


# the kinds of market information whose payload the monthly report reads (the rest are counted)
_MARKET_KINDS = frozenset(
    ("activity", "brand_sales", "new_brand", "dynamics", "opinion", "worklog")
)


class _BrandSum(NamedTuple):
    """A brand's sums over a month's monthly_brand_sales rows."""

    qty: float
    amount: float
    retailers: int


def _d(x: dt.date) -> str:
    return x.isoformat()


class ReportProblem(KeyedError, StoreError):
    """A report operation that cannot be done; ``key`` names the message (``rpt.err.<key>``),
    ``params`` its details. The CLI and the screens translate it."""

    def __init__(self, key: str, /, **params: Any):
        super().__init__(f"rpt.err.{key}", **params)


class _VisitRow(NamedTuple):
    """A visit as the report's counts read it (``_rpt_visits``)."""

    planned_date: str
    status: str
    adhoc: int
    skip_reason: str | None
    rescheduled_to: str | None
    route: str | None


@dataclass(frozen=True)
class _Kind:
    """A versioned report kind: its table, its period column and its narrative sections."""

    table: str
    column: str

    @property
    def keys(self) -> tuple[str, ...]:
        if self is WEEKLY:
            from khtui.domain.report import NARRATIVE_KEYS

            return NARRATIVE_KEYS
        from khtui.domain.monthly import MONTHLY_NARRATIVE_KEYS

        return MONTHLY_NARRATIVE_KEYS


WEEKLY = _Kind("weekly_reports", "week")
MONTHLY = _Kind("monthly_reports", "month")


class ReportOps(BrandOps, VisitOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- shared pieces ------------------------------------------------------------------------
    def _rpt_active_count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM retailers WHERE status = ?", (ACTIVE,)))

    def _rpt_data_start(self) -> str | None:
        """The first day of order data (the primary key leads with the date: one lookup)."""
        return self.scalar("SELECT min(order_date) FROM order_lines")

    def _rpt_covered(self, start: dt.date, end: dt.date) -> bool:
        """The order data covers [start, end] in full: it starts on or before the period's
        first working day, and the period is over."""
        first = self._rpt_data_start()
        if first is None or end >= self.today():
            return False
        days = self.work_calendar.workdays_between(start, end)
        return first <= _d(days[0] if days else start)

    def _rpt_coverage(self, month: str, as_of: dt.date) -> Coverage:
        """Active retailers visited (a done visit) in ``month`` up to ``as_of``; for each one
        not visited, the next visit planned for it after ``as_of`` in the month."""
        from khtui.domain.months import month_range
        from khtui.domain.weekly import Coverage, Unvisited

        start, end = month_range(month)
        as_of = min(as_of, end)
        # the visits still ahead: those after as_of, and today's while today is not over (an
        # open visit today is still planned, and today is still a working day left)
        ahead = min(as_of + dt.timedelta(days=1), self.today())
        # the expression is visits_done_day's (the index serves it only as written)
        visited_sql = (
            "SELECT v.retailer_code FROM visits v WHERE v.status = 'done' "
            "AND coalesce(substr(v.done_at, 1, 10), v.planned_date) BETWEEN ? AND ?"
        )
        params = (_d(start), _d(as_of))
        active = self._rpt_active_count()
        # the retailers from the index that holds the columns shown (retailers_active_route),
        # in its order, not from their large rows
        cur = self.conn.cursor()
        # a city's month: 15,000 unvisited, handed over as one JSON text that SQLite writes
        # without Python's lock (a row at a time, this thread would wait for the lock at each
        # row while the caller counts beside it)
        [(found,)] = cur.execute(
            "SELECT json_group_array(json_array(code, name, route, next_planned)) FROM ("
            "SELECT r.code, r.name, r.route, (SELECT min(x.planned_date) FROM visits x "
            f"WHERE x.retailer_code = r.code AND x.status IN {OPEN_VISITS} "
            "AND x.planned_date >= ? AND x.planned_date <= ?) AS next_planned "
            "FROM retailers r INDEXED BY retailers_active_route WHERE r.status = ? "
            f"AND r.code NOT IN ({visited_sql}) ORDER BY r.route, r.route_seq, r.code)",
            (_d(ahead), _d(end), ACTIVE, *params),
        ).fetchall()
        unvisited = [Unvisited(*row) for row in json.loads(found)]
        visited = active - len(unvisited)
        days_left = len(self.work_calendar.workdays_between(ahead, end)) if ahead <= end else 0
        return Coverage(
            month=month,
            as_of=_d(as_of),
            active=active,
            visited=visited,
            unvisited=unvisited,
            working_days_left=days_left,
            closed=as_of >= end,
        )

    def _rpt_complaints_status(self, start: dt.date, end: dt.date) -> ComplaintStatus:
        """Complaints received / answered / closed in [start, end]; overdue and open as of
        ``end``; the items are every complaint something happened to in the period (received,
        answered, closed) or overdue at its end, so each count matches its rows.

        Status is taken *as of* ``end`` from the dates of each step, so an old period reads
        the same after later progress. Overdue on day D: still open or forwarded and due
        before D, where D is ``end`` or, for a period not over yet, today (a deadline still
        ahead is not missed).
        """
        from khtui.domain.weekly import ComplaintItem, ComplaintStatus

        routes = self.rules.complaint_routes
        a, b = _d(start), _d(end)
        day = min(b, _d(self.today()))  # the day overdue is judged on
        # only the complaints the period touches: raised, answered or closed in it, or neither
        # answered nor closed by its end (open or forwarded, so perhaps overdue); the others,
        # settled before it, count nowhere
        rows = self.query(
            "SELECT c.*, r.name FROM complaints c LEFT JOIN retailers r INDEXED BY retailers_shown ON r.code = c.retailer_code "
            "WHERE c.raised_on <= :b AND (c.raised_on >= :a OR c.answered_on BETWEEN :a AND :b "
            "OR c.closed_on BETWEEN :a AND :b OR NOT ((c.closed_on IS NOT NULL "
            "AND c.closed_on != '' AND c.closed_on <= :b) OR (c.answered_on IS NOT NULL "
            "AND c.answered_on != '' AND c.answered_on <= :b))) ORDER BY c.raised_on, c.id",
            {"a": a, "b": b},
        )
        opened = answered = closed = overdue = open_total = 0
        items = []
        for r in rows:
            if r["closed_on"] and r["closed_on"] <= b:
                status = "closed"
            elif r["answered_on"] and r["answered_on"] <= b:
                status = "answered"
            elif r["forwarded_on"] and r["forwarded_on"] <= b:
                status = "forwarded"
            else:
                status = "open"
            is_open = status in OPEN_STATUSES
            late = is_overdue(status, r["due_on"], day)
            new = a <= r["raised_on"] <= b
            was_answered = bool(r["answered_on"] and a <= r["answered_on"] <= b)
            was_closed = bool(r["closed_on"] and a <= r["closed_on"] <= b)
            opened += new
            answered += was_answered
            closed += was_closed
            overdue += late
            open_total += is_open
            if new or late or was_answered or was_closed:
                route = routes.get(r["category"])
                items.append(
                    ComplaintItem(
                        id=r["id"],
                        raised_on=r["raised_on"],
                        code=r["retailer_code"],
                        name=r["name"] or r["retailer_code"],
                        category=r["category"],
                        category_name=route.name if route else r["category"],
                        department=r["department"],
                        status=status,
                        due_on=r["due_on"],
                        overdue=late,
                        answered_on=r["answered_on"]
                        if r["answered_on"] and r["answered_on"] <= b
                        else None,
                        closed_on=r["closed_on"]
                        if r["closed_on"] and r["closed_on"] <= b
                        else None,
                    )
                )
        return ComplaintStatus(opened, answered, closed, overdue, open_total, items)

    def _rpt_visits(self, a: str, b: str) -> list[_VisitRow]:
        """Visits planned in [a, b] (a visit rescheduled to another day inside it counts once,
        as its replacement)."""
        cur = self.conn.cursor()
        cur.row_factory = None  # a city's week: 11,000 visits, read as named tuples
        return [
            r
            for r in map(
                _VisitRow._make,
                cur.execute(
                    "SELECT v.planned_date, v.status, v.adhoc, v.skip_reason, v.rescheduled_to, "
                    "r.route FROM visits v LEFT JOIN retailers r INDEXED BY retailers_shown "
                    "ON r.code = v.retailer_code "
                    "WHERE v.planned_date BETWEEN ? AND ? ORDER BY v.planned_date, v.seq",
                    (a, b),
                ),
            )
            if not (r.status == "rescheduled" and a <= (r.rescheduled_to or "") <= b)
        ]

    @staticmethod
    def _rpt_skip_reasons(rows) -> list[SkipReason]:
        from khtui.domain.weekly import SkipReason

        skips = Counter((r.skip_reason or "").strip() or "—" for r in rows if r.status == "skipped")
        return [SkipReason(k, n) for k, n in sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))]

    def _rpt_sales(self, start: dt.date, end: dt.date) -> PeriodSales:
        from khtui.domain.weekly import PeriodSales

        [row] = self.query(
            "SELECT coalesce(sum(qty_tiao), 0), coalesce(round(sum(amount), 2), 0), "
            "count(DISTINCT retailer_code) FROM order_lines WHERE order_date BETWEEN ? AND ?",
            (_d(start), _d(end)),
        )
        return PeriodSales(
            _d(start), _d(end), row[0], row[1], row[2], self._rpt_covered(start, end)
        )

    def _rpt_stock(self, a: str, b: str) -> list[StockRow]:
        """Stock on hand per brand: each retailer's last observation in [a, b]."""
        from khtui.domain.weekly import StockRow

        cur = self.conn.cursor()
        cur.row_factory = None  # a week's tens of thousands of observations: plain tuples
        last: dict[tuple[str, str], float] = {
            (brand, code): stock  # in the order they were seen: the last one stands
            for brand, code, stock in cur.execute(
                "SELECT brand_code, retailer_code, stock_tiao FROM price_observations "
                "WHERE is_draft = 0 AND observed_on BETWEEN ? AND ? AND stock_tiao IS NOT NULL "
                "ORDER BY observed_on",
                (a, b),
            )
        }
        names = dict(cur.execute("SELECT brand_code, name FROM brands WHERE name IS NOT NULL"))
        per: dict[str, list[float]] = defaultdict(list)
        for (brand, _code), stock in last.items():
            per[brand].append(stock)
        out = [
            StockRow(b, names.get(b, b), len(v), sum(v), sum(v) / len(v) if v else None)
            for b, v in per.items()
        ]
        out.sort(key=lambda s: (-s.stock_tiao, s.brand_code))
        return out

    def _rpt_brand_rows(self, start: dt.date, end: dt.date) -> list[BrandRow]:
        """Key and new brands' figures over [start, end] (``store.brand_figures``, one
        definition) with the quantity ordered in the same period."""
        from khtui.domain.weekly import BrandRow

        figures, qty = self.brand_figures_with_qty(start, end)
        return [
            from_row(
                BrandRow,
                f,
                brand=f["name"],
                is_key=bool(f["is_key"]),
                is_new=bool(f["is_new"]),
                qty=qty.get(f["brand_code"], 0),
            )
            for f in figures
        ]

    def _rpt_brand_targets(self) -> dict[str, float]:
        return dict(vars(self.rules.brands.targets))

    # -- the weekly figures -------------------------------------------------------------------
    def weekly_figures(self, week: str) -> WeeklyFigures:
        """Every figure of the weekly report for ISO week ``week`` ('2026-W47')."""
        from khtui.domain.report import add_weeks, normalise_week, week_range
        from khtui.domain.weekly import WeeklyFigures

        week = normalise_week(week)
        start, end = week_range(week)
        a, b = _d(start), _d(end)
        # what is counted "as of the week's end" is, for a week not over yet, as of today: a
        # date still ahead has seen nothing (no deadline missed, no visit made)
        today = self.today()
        upto = min(end, today)
        # orders are complete up to yesterday: a week not over compares its days so far
        yesterday = today - dt.timedelta(days=1)
        # what SQLite does alone (sums over the lines, the month's coverage, the price counts,
        # the forecast's accuracy) is read on threads of their own while this one makes the
        # figures Python counts, and waited for last; the brand figures read their lines
        # beside it too, once the others are under way
        with Beside(self.conn) as beside:
            sales = beside(self._rpt_week_sales, week, max(start, min(end, yesterday)))
            coverage = beside(self._rpt_coverage, _d(upto)[:7], upto)
            # a week that saw a month end: that month's coverage is final, and it is the figure
            # the manager asks for (月内走访面); the new month's so far follows it
            ended = start <= upto and start.month != upto.month
            closed = beside(self._rpt_coverage, a[:7], upto) if ended else None
            prices = beside(self._rpt_week_prices, a, b)
            accuracy = beside(self._rpt_week_accuracy, start, end)
            visits = self._rpt_week_visits(a, b)
            stock = self._rpt_stock(a, b)
            brands = self._rpt_week_brands(upto)
            complaints = self._rpt_complaints_status(start, end)
            dynamics = self._rpt_dynamics(a, b)
            next_week = self._rpt_next_week(add_weeks(week, 1))
            figures = WeeklyFigures(
                week=week,
                start=a,
                end=b,
                visits=visits,
                coverage=coverage(),
                prices=prices(),
                stock=stock,
                brands=brands,
                complaints=complaints,
                dynamics=dynamics,
                next_week=next_week,
                sales=sales(),
                as_of=_d(upto) if end >= today else None,
            )
            if closed is not None:
                figures.coverage_closed = closed()
            figures.accuracy = accuracy()
            return figures

    def _rpt_week_accuracy(self, start: dt.date, end: dt.date) -> list[MonthAccuracyFigures]:
        """预测准确率 in the weekly report: the month that ended in the week (scored in full),
        then the month of the week's end so far (to the week's end, or yesterday)."""
        rows = self.rules.reports.accuracy_rows
        upto = min(end, self.today() - dt.timedelta(days=1))
        out = []
        if start.month != end.month:
            out.append(self.report_accuracy(_d(start)[:7], upto, rows))
        current = self.report_accuracy(_d(end)[:7], upto, rows)
        if current.workdays_passed or not out:  # a new month without a working day yet: no line
            out.append(current)
        return out

    def _rpt_week_sales(self, week: str, upto: dt.date) -> WeekSales:
        """The week's orders up to ``upto`` (its Sunday, or the last day a week not over has
        orders for) against as many days of last week and of the same ISO week a year before
        (its week 52 when the year before has no week 53)."""
        from khtui.domain.report import add_weeks, parse_week, week_range
        from khtui.domain.weekly import WeekSales

        year, wk = parse_week(week)
        try:
            ly_start = week_range(f"{year - 1:04d}-W{wk:02d}")[0]
        except ValueError:
            ly_start = week_range(f"{year - 1:04d}-W52")[0]
        p_start = week_range(add_weeks(week, -1))[0]
        w_start = week_range(week)[0]
        days = upto - w_start
        return WeekSales(
            self._rpt_sales(w_start, upto),
            self._rpt_sales(p_start, p_start + days),
            self._rpt_sales(ly_start, ly_start + days),
        )

    def _rpt_week_visits(self, a: str, b: str) -> WeekVisits:
        """Visits planned in the week [a, b] and what became of them.

        "Planned in the week" is fixed once the week is over, whatever happens afterwards:
        a visit rescheduled away from the week (改期, or carried over as 补访 when a later day's
        list is read) was still planned in it and counts there as ``rescheduled``; the visit it
        became is planned on its new day and counts in that day's week. A visit moved to another
        day of the same week counts once, as its replacement. So
        total = done + skipped + checked_in + planned + rescheduled, and a past week's figures
        do not change when today's list carries its missed visits over.
        """
        from khtui.domain.weekly import DayVisits, WeekVisits

        rows = self._rpt_visits(a, b)
        status = Counter(r.status for r in rows)
        days: dict[str, DayVisits] = {}
        routes: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            d = days.get(r.planned_date)
            if d is None:  # a day's record made once, not for each of its visits
                d = days[r.planned_date] = DayVisits(r.planned_date, (), 0, 0, 0, 0)
            d.total += 1
            d.done += r.status == "done"
            d.skipped += r.status == "skipped"
            d.rescheduled += r.status == "rescheduled"
            if r.route and r.route not in routes[d.day]:
                routes[d.day].append(r.route)
        for d in days.values():
            d.routes = tuple(routes[d.day])
        return WeekVisits(
            total=len(rows),
            done=status["done"],
            skipped=status["skipped"],
            checked_in=status["checked_in"],
            planned=status["planned"],
            rescheduled=status["rescheduled"],
            adhoc=sum(1 for r in rows if r.adhoc and r.status != "rescheduled"),
            skip_reasons=self._rpt_skip_reasons(rows),
            by_day=list(days.values()),
        )

    def _rpt_week_prices(self, a: str, b: str) -> WeekPrices:
        """The week's price observations counted by SQLite, and the deviations from the guide
        price: SQLite picks the observations near or over the threshold (a margin below it),
        ``deviation_flagged`` decides, so only those rows are read with their names."""
        from khtui.domain.capture import deviation_flagged, deviation_pct
        from khtui.domain.weekly import PriceDeviation, WeekPrices

        threshold = self.rules.capture.price_deviation_pct
        [counts] = self.query(
            "SELECT count(retail_price), "
            "count(DISTINCT CASE WHEN retail_price IS NOT NULL THEN retailer_code END), "
            "count(DISTINCT CASE WHEN retail_price IS NOT NULL THEN brand_code END), "
            "count(DISTINCT CASE WHEN marked_price = 0 THEN retailer_code END) "
            "FROM price_observations WHERE is_draft = 0 AND observed_on BETWEEN ? AND ?",
            (a, b),
        )
        rows = self.query(
            "SELECT p.observed_on, p.retailer_code, r.name, p.brand_code, "
            "coalesce(br.name, p.brand_code) AS brand, p.retail_price, "
            "coalesce(p.guide_price, br.guide_price) AS guide "
            "FROM price_observations p LEFT JOIN brands br ON br.brand_code = p.brand_code "
            "LEFT JOIN retailers r INDEXED BY retailers_shown ON r.code = p.retailer_code "
            "WHERE p.is_draft = 0 AND p.observed_on BETWEEN ? AND ? "
            "AND 100.0 * abs(p.retail_price - coalesce(p.guide_price, br.guide_price)) "
            "> ? * abs(coalesce(p.guide_price, br.guide_price)) "
            "ORDER BY p.observed_on, p.retailer_code, p.brand_code",
            (a, b, threshold - _DEVIATION_MARGIN_PCT),
        )
        deviations = [
            PriceDeviation(
                observed_on=r["observed_on"],
                code=r["retailer_code"],
                name=r["name"] or r["retailer_code"],
                brand_code=r["brand_code"],
                brand=r["brand"],
                guide=r["guide"],
                actual=r["retail_price"],
                dev_pct=round(deviation_pct(r["retail_price"], r["guide"]) or 0.0, 1),
            )
            for r in rows
            if deviation_flagged(r["retail_price"], r["guide"], threshold)
        ]
        deviations.sort(key=lambda d: (-abs(d.dev_pct or 0), d.observed_on, d.code))
        return WeekPrices(
            observations=counts[0],
            retailers=counts[1],
            brands=counts[2],
            unmarked=counts[3],
            threshold_pct=threshold,
            deviations=deviations,
        )

    def _rpt_week_brands(self, end: dt.date) -> WeekBrands:
        """Cultivation figures of key and new brands over the brand cycle ending on the week's
        Sunday, or today in a week not over (the brand view's window for that day,
        ``brand_period(end)``): a week alone is
        shorter than most retailers' order cycle and would understate distribution. Every
        column of the table is over that one window. Sell-through looks up to one cycle past
        the window's end, so a draft's figure can still rise after the week; the submitted
        version keeps the one it was submitted with.
        """
        from khtui.domain.weekly import WeekBrands

        w_start, w_end = self.brand_period(end)
        return WeekBrands(
            window_start=_d(w_start),
            window_end=_d(w_end),
            cycle_days=self.rules.brands.cycle_days,
            active=self._rpt_active_count(),
            rows=self._rpt_brand_rows(w_start, w_end),
        )

    def _rpt_dynamics(self, a: str, b: str) -> list[Dynamic]:
        from khtui.domain.weekly import Dynamic

        rows = self.query(
            "SELECT c.captured_on, c.retailer_code, r.name, c.payload FROM captures c "
            "LEFT JOIN retailers r INDEXED BY retailers_shown ON r.code = c.retailer_code "
            "WHERE c.kind = 'dynamics' AND c.is_draft = 0 AND c.captured_on BETWEEN ? AND ? "
            "ORDER BY c.captured_on, c.retailer_code",
            (a, b),
        )
        out = []
        for r in rows:
            payload = _payload(r["payload"])
            out.append(
                Dynamic(
                    captured_on=r["captured_on"],
                    code=r["retailer_code"],
                    name=r["name"] or r["retailer_code"] or "—",
                    event=str(payload.get("event") or "—"),
                    note=str(payload.get("note") or ""),
                )
            )
        return out

    def _rpt_next_week(self, week: str) -> NextWeek:
        from khtui.domain.report import week_range
        from khtui.domain.weekly import NextWeek, NextWeekDay

        start, end = week_range(week)
        cur = self.conn.cursor()
        cur.row_factory = None  # a city's week: 11,000 visits, read as plain tuples
        rows = cur.execute(
            "SELECT v.planned_date, v.reasons, r.route FROM visits v "
            "LEFT JOIN retailers r INDEXED BY retailers_shown ON r.code = v.retailer_code "
            f"WHERE v.planned_date BETWEEN ? AND ? AND v.status IN {LIVE_VISITS} "
            "ORDER BY v.planned_date, v.seq",
            (_d(start), _d(end)),
        ).fetchall()
        days: dict[str, NextWeekDay] = {}
        routes: dict[str, list[str]] = defaultdict(list)
        parsed: dict[str | None, list[Any]] = {}  # a city's week: few texts, 10,000s of rows
        for planned_date, reasons_text, route in rows:
            d = days.get(planned_date)
            if d is None:  # a day's record made once, not for each of its visits
                d = days[planned_date] = NextWeekDay(planned_date, (), 0, {})
            d.visits += 1
            reasons = parsed.get(reasons_text)
            if reasons is None:
                reasons = parsed[reasons_text] = _json_list(reasons_text)
            for reason in reasons:
                d.reasons[reason] = d.reasons.get(reason, 0) + 1
            if route and route not in routes[d.day]:
                routes[d.day].append(route)
        for d in days.values():
            d.routes = tuple(routes[d.day])
        return NextWeek(week=week, total=len(rows), days=list(days.values()))

    # -- report versions (weekly and monthly, the same way) -----------------------------------
    def _rpt_versions(self, kind: _Kind, key: str) -> list[dict[str, Any]]:
        return [
            _report_row(r, kind)
            for r in self.query(
                f"SELECT * FROM {kind.table} WHERE {kind.column} = ? ORDER BY version", (key,)
            )
        ]

    def _rpt_latest(self, kind: _Kind, key: str) -> dict[str, Any]:
        versions = self._rpt_versions(kind, key)
        if versions:
            latest = versions[-1]
        else:
            latest = {
                "id": None,
                kind.column: key,
                "version": 0,
                "status": "draft",
                "narrative": {k: "" for k in kind.keys},
                "figures": {},
                "created_at": None,
                "updated_at": None,
                "submitted_at": None,
            }
        latest["versions"] = len(versions)
        return latest

    def _rpt_save_draft(self, kind: _Kind, key: str, narrative: dict[str, str]) -> dict:
        unknown = set(narrative) - set(kind.keys)
        if unknown:
            raise ReportProblem(
                "unknown_sections", sections=", ".join(sorted(unknown)), known=", ".join(kind.keys)
            )
        now = self.now_text()
        with self.write() as conn:
            latest = conn.execute(
                f"SELECT * FROM {kind.table} WHERE {kind.column} = ? ORDER BY version DESC LIMIT 1",
                (key,),
            ).fetchone()
            if latest is not None and latest["status"] == "draft":
                text = {**json.loads(latest["narrative"]), **narrative}
                conn.execute(
                    f"UPDATE {kind.table} SET narrative = ?, updated_at = ? WHERE id = ?",
                    (json.dumps(text, ensure_ascii=False), now, latest["id"]),
                )
                rid = latest["id"]
            else:
                base = json.loads(latest["narrative"]) if latest is not None else {}
                text = {**{k: "" for k in kind.keys}, **base, **narrative}
                rid = new_id()
                version = (latest["version"] if latest is not None else 0) + 1
                conn.execute(
                    f"INSERT INTO {kind.table} (id, am_id, {kind.column}, version, status, "
                    "narrative, figures, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, 'draft', ?, '{}', ?, ?)",
                    (rid, self.am_id, key, version, json.dumps(text, ensure_ascii=False), now, now),
                )
        return _report_row(self.query_one(f"SELECT * FROM {kind.table} WHERE id = ?", (rid,)), kind)

    def _rpt_submit(self, kind: _Kind, key: str, figures_json: str) -> dict[str, Any]:
        latest = self.query_one(
            f"SELECT * FROM {kind.table} WHERE {kind.column} = ? ORDER BY version DESC LIMIT 1",
            (key,),
        )
        if latest is None:
            self._rpt_save_draft(kind, key, {})
        elif latest["status"] == "submitted":
            raise ReportProblem(
                "already_submitted",
                period=key,
                version=latest["version"],
                next=latest["version"] + 1,
            )
        now = self.now_text()
        with self.write() as conn:
            row = conn.execute(
                f"SELECT id FROM {kind.table} WHERE {kind.column} = ? AND status = 'draft' "
                "ORDER BY version DESC LIMIT 1",
                (key,),
            ).fetchone()
            conn.execute(
                f"UPDATE {kind.table} SET status = 'submitted', figures = ?, submitted_at = ?, "
                "updated_at = ? WHERE id = ?",
                (figures_json, now, now, row["id"]),
            )
        return _report_row(
            self.query_one(f"SELECT * FROM {kind.table} WHERE id = ?", (row["id"],)), kind
        )

    # -- weekly report versions ---------------------------------------------------------------
    def weekly_versions(self, week: str) -> list[dict[str, Any]]:
        from khtui.domain.report import normalise_week

        return self._rpt_versions(WEEKLY, normalise_week(week))

    def _rpt_with_figures(
        self,
        kind: _Kind,
        period: str,
        figures: Callable[[str], Any],
        load: Callable[[dict], Any],
    ) -> dict[str, Any]:
        """The latest version of ``period``: a draft with fresh ``figures(period)``, a submitted
        one with its own, frozen ones (``load`` reads them back)."""
        latest = self._rpt_latest(kind, period)
        if latest["status"] != "submitted":
            latest["figures"] = figures(period)
        else:
            latest["figures"] = load(latest["figures"])
        return latest

    def weekly_report(self, week: str) -> dict[str, Any]:
        """The latest version of a week's report: id, week, version (0: none yet), status,
        narrative, figures (:class:`WeeklyFigures`), versions. A draft gets fresh figures; a
        submitted version keeps the figures frozen when it was submitted."""
        from khtui.domain.report import normalise_week
        from khtui.domain.weekly import WeeklyFigures

        return self._rpt_with_figures(
            WEEKLY, normalise_week(week), self.weekly_figures, WeeklyFigures.from_dict
        )

    @own_records
    def save_weekly_draft(self, week: str, narrative: dict[str, str]) -> dict[str, Any]:
        """Save the AM's narrative as typed (keys of ``NARRATIVE_KEYS``; others are refused).

        Writes into the current draft; when there is none (new week, or the latest version is
        submitted) it starts the next version, carrying the submitted text forward.
        """
        from khtui.domain.report import normalise_week

        return self._rpt_save_draft(WEEKLY, normalise_week(week), narrative)

    @own_records
    def submit_weekly(self, week: str) -> dict[str, Any]:
        """Freeze the current draft with the figures of this moment; returns that version."""
        from khtui.domain.report import normalise_week

        week = normalise_week(week)
        figures = self.weekly_figures(week)
        return self._rpt_submit(WEEKLY, week, json.dumps(figures.to_dict(), ensure_ascii=False))

    # -- the monthly market analysis: versions ------------------------------------------------
    def monthly_versions(self, month: str) -> list[dict[str, Any]]:
        return self._rpt_versions(MONTHLY, _month(month))

    def monthly_report(self, month: str) -> dict[str, Any]:
        """The latest version of a month's market analysis: id, month, version (0: none yet),
        status, narrative (``MONTHLY_NARRATIVE_KEYS``), figures (:class:`MonthlyFigures`),
        versions. A draft gets fresh figures; a submitted version keeps its own."""
        from khtui.domain.monthly import MonthlyFigures

        return self._rpt_with_figures(
            MONTHLY, _month(month), self.monthly_figures, MonthlyFigures.from_dict
        )

    @own_records
    def save_monthly_draft(self, month: str, narrative: dict[str, str]) -> dict[str, Any]:
        """Save the AM's text of the monthly analysis (keys of ``MONTHLY_NARRATIVE_KEYS``) into
        the current draft, or start the next version after a submitted one."""
        return self._rpt_save_draft(MONTHLY, _month(month), narrative)

    @own_records
    def submit_monthly(self, month: str) -> dict[str, Any]:
        """Freeze the current draft of the month's analysis with the figures of this moment."""
        month = _month(month)
        figures = self.monthly_figures(month)
        return self._rpt_submit(MONTHLY, month, json.dumps(figures.to_dict(), ensure_ascii=False))

    # -- the monthly market analysis: figures -------------------------------------------------
    def monthly_figures(self, month: str) -> MonthlyFigures:
        """Every figure of the monthly market analysis for ``month`` ('2026-10'), up to the
        month's end or, for the month still running, up to yesterday."""
        from khtui.domain.monthly import MonthlyFigures, MonthToDate
        from khtui.domain.months import add_months, month_range

        month = _month(month)
        start, end = month_range(month)
        today = self.today()
        complete = end < today
        as_of = end if complete else max(start, today - dt.timedelta(days=1))
        a, b = _d(start), _d(as_of)
        months = [add_months(month, -i) for i in range(11, -1, -1)]
        # what SQLite does alone (the brands' sums, the growth against the month before, the
        # twelve months' sales, sales by tier and category, the month to date against a year
        # before) is read on threads of their own while this one makes the figures Python
        # counts. A month that is over grows against the whole month before: the brands' sums
        # of the three months are read at once; the month still running compares its days so
        # far with as many of the month before's, from the lines.
        before = add_months(month, -1) if complete else None
        with Beside(self.conn) as beside:
            brand_sums = beside(self._rpt_month_brand_sums, month, before)
            growth = None if complete else beside(self._rpt_growth, month, start, as_of, complete)
            sales = beside(self._rpt_month_sales, months)
            groups = beside(
                lambda: (self._rpt_month_tiers(month), self._rpt_month_categories(month))
            )
            ly = _year_before(start), _year_before(as_of)
            to_date = (
                None
                if complete
                else beside(lambda: (self._rpt_sales(start, as_of), self._rpt_sales(*ly)))
            )
            brands = self._rpt_brand_info()
            threshold = self.rules.capture.price_deviation_pct
            market = self._rpt_market(a, b, threshold)
            figures = MonthlyFigures(
                month=month,
                start=a,
                end=_d(end),
                as_of=b,
                complete=complete,
                data_start=self._rpt_data_start(),
                tiao_per_jian=self.rules.tiao_per_jian,
                sales=sales(),
                tiers=groups()[0],
                tiers_as_of=self.scalar("SELECT max(derived_as_of) FROM retailers"),
                categories=groups()[1],
                classes=self._rpt_month_classes(month, brand_sums(), brands),
                top_brands=self._rpt_month_top(month, brand_sums(), brands),
                execution=self._rpt_execution(month, start, as_of, end),
                coverage=self._rpt_coverage(month, as_of),
                service=self._rpt_service(start, as_of),
                cultivation=self._rpt_brand_rows(start, as_of),
                market=market,
                potential_brands=(
                    growth()
                    if growth is not None
                    else self._rpt_month_growth(month, before or "", brand_sums(), brands)
                ),
                next_month=self._rpt_next_month(add_months(month, 1)),
                price_threshold_pct=threshold,
                price_deviations=sum(p.deviations for p in market.prices),
                weekly_narrative=self._rpt_month_narrative(start, end),
                brand_targets=self._rpt_brand_targets(),
                accuracy=[self.report_accuracy(month, as_of, self.rules.reports.accuracy_rows)],
            )
            if to_date is not None:
                cur, last = to_date()
                figures.month_to_date = MonthToDate(
                    b, cur.qty, cur.amount, last.qty, last.amount, self._rpt_covered(*ly)
                )
            return figures

    def _rpt_month_sales(self, months: list[str]) -> list[MonthSales]:
        from khtui.domain.monthly import MonthSales
        from khtui.domain.months import add_months, month_range

        wanted = months + [add_months(m, -12) for m in months]
        by_month = self.rows_by(
            "month",
            "SELECT month, sum(qty_tiao) AS qty, round(sum(amount), 2) AS amount, count(*) AS "
            f"retailers FROM monthly_sales WHERE month IN ({placeholders(wanted)}) GROUP BY month",
            wanted,
        )

        def get(m: str, key: str) -> Any:
            r = by_month.get(m)
            return r[key] if r is not None else 0

        return [
            MonthSales(
                month=m,
                qty=get(m, "qty"),
                amount=get(m, "amount"),
                retailers=get(m, "retailers"),
                qty_ly=get(add_months(m, -12), "qty"),
                amount_ly=get(add_months(m, -12), "amount"),
                complete=self._rpt_covered(*month_range(m)),
                ly_complete=self._rpt_covered(*month_range(add_months(m, -12))),
            )
            for m in months
        ]

    def _rpt_month_tiers(self, month: str) -> list[TierRow]:
        """Sales by tier, retailers grouped by their tier *now* (the last recompute)."""
        from khtui.domain.monthly import TierRow
        from khtui.domain.months import add_months

        ly = add_months(month, -12)
        tiers: dict[Any, TierRow] = {}
        for r in self.query(
            "SELECT r.tier, s.month, count(*) AS n, sum(s.qty_tiao) AS qty, "
            "round(sum(s.amount), 2) AS amount FROM monthly_sales s "
            "LEFT JOIN retailers r ON r.code = s.retailer_code WHERE s.month IN (?, ?) "
            "GROUP BY r.tier, s.month",
            (month, ly),
        ):
            t = tiers.setdefault(r["tier"], TierRow(r["tier"], 0, 0, 0, 0))
            if r["month"] == month:
                t.retailers, t.qty, t.amount = r["n"], r["qty"], r["amount"]
            else:
                t.qty_ly = r["qty"]
        return sorted(tiers.values(), key=lambda t: (t.tier is None, t.tier or 0))

    def _rpt_month_categories(self, month: str) -> list[CategoryRow]:
        from khtui.domain.monthly import CategoryRow

        return [
            CategoryRow(r["category"], r["retailers"], r["qty"], r["amount"])
            for r in self.query(
                "SELECT r.category_name AS category, count(*) AS retailers, sum(s.qty_tiao) AS qty, "
                "round(sum(s.amount), 2) AS amount FROM monthly_sales s "
                "LEFT JOIN retailers r ON r.code = s.retailer_code WHERE s.month = ? "
                "GROUP BY r.category_name ORDER BY qty DESC, category",
                (month,),
            )
        ]

    def _rpt_month_brand_sums(
        self, month: str, before: str | None = None
    ) -> dict[tuple[str, str], _BrandSum]:
        """Each brand's quantity, amount and retailers in ``month``, the same month a year
        before and the month ``before`` (if any), from monthly_brand_sales, keyed by (brand
        code, month): what sales by price class, the top brands and the growth are made of. Read by each retailer's (retailer, month) slice
        of the primary key (the retailers that bought in either month), not by the brand index
        with a table row fetched for each of a city's ~350,000 rows a month."""
        from khtui.domain.months import add_months

        months = (month, add_months(month, -12), *([before] if before else []))
        cur = self.conn.cursor()
        cur.row_factory = None  # a few hundred rows, plain tuples
        return {
            (code, m): _BrandSum(qty, amount, n)
            for code, m, qty, amount, n in cur.execute(
                "SELECT brand_code, month, sum(qty_tiao), sum(amount), count(*) "
                f"FROM monthly_brand_sales WHERE month IN ({placeholders(months)}) AND "
                "retailer_code IN (SELECT retailer_code FROM monthly_sales WHERE month IN "
                f"({placeholders(months)})) GROUP BY brand_code, month",
                months + months,
            )
        }

    def _rpt_brand_info(self) -> dict[str, tuple[str | None, str | None, bool, bool]]:
        """Each brand's name, price class and key and new flags."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return {
            code: (name, cls, bool(is_key), bool(is_new))
            for code, name, cls, is_key, is_new in cur.execute(
                "SELECT brand_code, name, class, is_key, is_new FROM brands"
            )
        }

    def _rpt_month_classes(
        self, month: str, sums: dict[tuple[str, str], _BrandSum], info: dict[str, tuple]
    ) -> list[ClassRow]:
        """Sales by price class, in the classes' own order (一类 → 五类, rules
        ``reports.price_classes``; others after them by name)."""
        from math import fsum

        from khtui.domain.monthly import ClassRow
        from khtui.domain.months import add_months

        ly = add_months(month, -12)
        qty: dict[tuple[Any, bool], list[float]] = defaultdict(list)
        amount: dict[tuple[Any, bool], list[float]] = defaultdict(list)
        for (code, m), x in sorted(sums.items()):
            if m not in (month, ly):  # the month before, for the growth
                continue
            key = (info[code][1] if code in info else None, m == month)
            qty[key].append(x.qty)
            amount[key].append(x.amount)
        classes: dict[Any, ClassRow] = {}
        for (cls, this), q in qty.items():
            c = classes.setdefault(cls, ClassRow(cls, 0, 0, 0))
            if this:
                c.qty, c.amount = fsum(q), round(fsum(amount[cls, this]), 2)
            else:
                c.qty_ly = fsum(q)
        order = list(self.rules.reports.price_classes)
        return sorted(
            classes.values(),
            key=lambda c: (
                c.price_class is None,
                order.index(c.price_class) if c.price_class in order else len(order),
                str(c.price_class),
            ),
        )

    def _rpt_month_top(
        self, month: str, sums: dict[tuple[str, str], _BrandSum], info: dict[str, tuple]
    ) -> list[TopBrand]:
        from khtui.domain.monthly import TopBrand

        top_n = self.rules.reports.top_brands
        rows = sorted(
            ((code, x) for (code, m), x in sums.items() if m == month),
            key=lambda cx: (-cx[1].qty, cx[0]),
        )
        out = []
        for code, x in rows[:top_n]:
            name, cls, is_key, is_new = info.get(code, (None, None, False, False))
            out.append(
                TopBrand(
                    brand_code=code,
                    brand=name if name is not None else code,
                    price_class=cls,
                    is_key=is_key,
                    is_new=is_new,
                    qty=x.qty,
                    amount=round(x.amount, 2),
                    retailers=x.retailers,
                )
            )
        return out

    def _rpt_execution(
        self, month: str, start: dt.date, as_of: dt.date, end: dt.date
    ) -> PlanExecution:
        """How the month's visit plan was carried out up to ``as_of`` (the weekly report's
        count of planned visits, over the month)."""
        from khtui.domain.monthly import PlanExecution, RouteExecution

        plan = self.query_one("SELECT status FROM visit_plans WHERE month = ?", (month,))
        rows = self._rpt_visits(_d(start), _d(as_of))
        status = Counter(r.status for r in rows)
        routes: dict[Any, RouteExecution] = {}
        for r in rows:
            x = routes.setdefault(r.route, RouteExecution(r.route, 0, 0, 0, 0, 0))
            x.planned += 1
            x.done += r.status == "done"
            x.skipped += r.status == "skipped"
            x.rescheduled += r.status == "rescheduled"
            x.open += r.status in visit_rules.OPEN
        later = (
            int(
                self.scalar(
                    "SELECT count(*) FROM visits WHERE planned_date > ? AND planned_date <= ? "
                    f"AND status IN {OPEN_VISITS}",
                    (_d(as_of), _d(end)),
                )
            )
            if as_of < end
            else 0
        )
        return PlanExecution(
            plan_status=plan["status"] if plan is not None else "none",
            as_of=_d(as_of),
            planned=len(rows),
            done=status["done"],
            skipped=status["skipped"],
            rescheduled=status["rescheduled"],
            open=status["planned"] + status["checked_in"],
            adhoc=sum(1 for r in rows if r.adhoc and r.status != "rescheduled"),
            still_planned=later,
            by_route=sorted(routes.values(), key=lambda x: (x.route is None, x.route or "")),
            skip_reasons=self._rpt_skip_reasons(rows),
        )

    def _rpt_service(self, start: dt.date, as_of: dt.date) -> CustomerService:
        from khtui.domain.monthly import ComplaintCategory, CustomerService, Satisfaction

        status = self._rpt_complaints_status(start, as_of)
        cats: dict[str, ComplaintCategory] = {}
        routes = self.rules.complaint_routes
        a, b = _d(start), _d(as_of)
        for item in status.items:
            c = cats.setdefault(
                item.category,
                ComplaintCategory(
                    item.category, item.category_name, item.department, 0, 0, 0, 0, 0
                ),
            )
            c.received += a <= item.raised_on <= b
            c.answered += bool(item.answered_on and a <= item.answered_on <= b)
            c.closed += bool(item.closed_on and a <= item.closed_on <= b)
            c.overdue += item.overdue
        for r in self.query(
            "SELECT category, count(*) FROM complaints WHERE forwarded_on BETWEEN ? AND ? "
            "GROUP BY category",
            (a, b),
        ):
            if r[0] in cats:
                cats[r[0]].forwarded = r[1]
        order = list(routes)
        by_category = sorted(
            cats.values(),
            key=lambda c: order.index(c.category) if c.category in order else len(order),
        )
        sat = Satisfaction(0, None)
        scores: list[int] = []
        for r in self.query(
            "SELECT payload FROM captures WHERE kind = 'display' AND is_draft = 0 "
            "AND captured_on BETWEEN ? AND ?",
            (a, b),
        ):
            p = _payload(r["payload"])
            score = str(p.get("satisfaction") or "").strip()
            if score.isdigit():
                scores.append(int(score))
                sat.by_score[score] = sat.by_score.get(score, 0) + 1
            if p.get("display"):
                key = str(p["display"])
                sat.display[key] = sat.display.get(key, 0) + 1
            if p.get("price_labels") is True:
                sat.price_labels_yes += 1
            elif p.get("price_labels") is False:
                sat.price_labels_no += 1
        sat.answers = len(scores)
        sat.average = sum(scores) / len(scores) if scores else None
        return CustomerService(status, by_category, sat)

    def _rpt_market(self, a: str, b: str, threshold: float) -> MarketInfo:
        """The eight kinds of market information of [a, b], grouped."""
        from khtui.domain.capture import deviation_flagged
        from khtui.domain.monthly import BrandPriceRow, ChoiceRow, MarketInfo
        from khtui.domain.texts import Remark, group_texts

        names = {r[0]: r[1] for r in self.query("SELECT brand_code, name FROM brands")}

        def brand(p: dict) -> str:
            code = str(p.get("brand_code") or "")
            return names.get(code, code) or "—"

        cur = self.conn.cursor()
        cur.row_factory = None  # a city's month: tens of thousands of captures, plain tuples
        rows = cur.execute(
            "SELECT c.kind, c.captured_on, c.retailer_code, r.name, c.payload FROM captures c "
            "LEFT JOIN retailers r INDEXED BY retailers_shown ON r.code = c.retailer_code "
            "WHERE c.is_draft = 0 AND c.captured_on BETWEEN ? AND ? "
            "ORDER BY c.captured_on, c.retailer_code",
            (a, b),
        ).fetchall()
        m = MarketInfo()
        counts: Counter = Counter()
        activity: dict[str, ChoiceRow] = {}
        selling: dict[str, ChoiceRow] = {}
        prices_seen: dict[str, list[float]] = defaultdict(list)
        new: dict[str, ChoiceRow] = {}
        dyn: dict[str, ChoiceRow] = {}
        remarks: list[Remark] = []
        for kind, captured_on, code, name, payload in rows:
            counts[kind] += 1
            if kind not in _MARKET_KINDS:  # counted only (displays, price and stock grids)
                continue
            p = _payload(payload)
            if kind == "activity":
                row = activity.setdefault(brand(p), ChoiceRow(brand(p), 0))
                row.count += 1
                method = str(p.get("method") or "").strip() or "—"
                row.choices[method] = row.choices.get(method, 0) + 1
            elif kind == "brand_sales":
                row = selling.setdefault(brand(p), ChoiceRow(brand(p), 0))
                row.count += 1
                sell = str(p.get("selling") or "")
                if sell:
                    row.choices[sell] = row.choices.get(sell, 0) + 1
                if isinstance(p.get("price"), int | float):
                    prices_seen[brand(p)].append(float(p["price"]))
            elif kind == "new_brand":
                row = new.setdefault(
                    brand(p),
                    ChoiceRow(
                        brand(p), 0, {}, {"sales_tiao": 0, "consumer": {}, "kept": 0, "not_kept": 0}
                    ),
                )
                row.count += 1
                if p.get("potential"):
                    row.choices[p["potential"]] = row.choices.get(p["potential"], 0) + 1
                if isinstance(p.get("sales_tiao"), int | float):
                    row.extra["sales_tiao"] += p["sales_tiao"]
                acc = p.get("consumer_acceptance")
                if acc:
                    row.extra["consumer"][acc] = row.extra["consumer"].get(acc, 0) + 1
                if p.get("price_kept") is True:
                    row.extra["kept"] += 1
                elif p.get("price_kept") is False:
                    row.extra["not_kept"] += 1
            elif kind == "dynamics":
                who = name or code or ""
                event = str(p.get("event") or "—")
                row = dyn.setdefault(event, ChoiceRow(event, 0, {}, {"names": []}))
                if who and who not in row.extra["names"]:
                    row.count += 1
                    row.extra["names"].append(who)
            elif kind in ("opinion", "worklog"):
                # an opinion is labelled by its type; a work-log entry has none
                label = str(p.get("type") or "") if kind == "opinion" else ""
                text = str(p.get("text") or "")
                remarks.append(Remark(kind, text, code or "", captured_on, label))
        for name, values in prices_seen.items():
            selling[name].extra["price"] = sum(values) / len(values)
        m.counts = dict(counts)
        m.activities = sorted(activity.values(), key=lambda x: (-x.count, x.subject))
        m.brand_sales = sorted(selling.values(), key=lambda x: (-x.count, x.subject))
        m.new_brands = sorted(new.values(), key=lambda x: (-x.count, x.subject))
        m.dynamics = sorted(dyn.values(), key=lambda x: (-x.count, x.subject))
        m.texts = group_texts(remarks, self.rules.reports.same_text_ratio)
        m.stock = self._rpt_stock(a, b)
        # prices against guide prices, per brand
        per: dict[str, dict[str, Any]] = {}
        flagged: dict[tuple[float, Any], bool] = {}  # a city's month: ~100,000 observations
        for code, name, cls, retailer, price, guide, marked in cur.execute(
            "SELECT p.brand_code, coalesce(br.name, p.brand_code) AS brand, br.class, "
            "p.retailer_code, p.retail_price, coalesce(p.guide_price, br.guide_price) AS guide, "
            "p.marked_price FROM price_observations p "
            "LEFT JOIN brands br ON br.brand_code = p.brand_code "
            "WHERE p.is_draft = 0 AND p.observed_on BETWEEN ? AND ?",
            (a, b),
        ):
            x = per.get(code)
            if x is None:
                x = per[code] = {
                    "brand": name,
                    "class": cls,
                    "guide": guide,
                    "prices": [],
                    "dev": 0,
                    "unmarked": set(),
                }
            if price is not None:
                x["prices"].append(price)
                flag = flagged.get((price, guide))
                if flag is None:
                    flag = flagged[price, guide] = deviation_flagged(price, guide, threshold)
                x["dev"] += flag
            if marked == 0:
                x["unmarked"].add(retailer)
        order = list(self.rules.reports.price_classes)
        m.prices = sorted(
            (
                BrandPriceRow(
                    brand_code=code,
                    brand=x["brand"],
                    price_class=x["class"],
                    guide=x["guide"],
                    observations=len(x["prices"]),
                    average=sum(x["prices"]) / len(x["prices"]) if x["prices"] else None,
                    low=min(x["prices"]) if x["prices"] else None,
                    high=max(x["prices"]) if x["prices"] else None,
                    deviations=x["dev"],
                    unmarked=len(x["unmarked"]),
                )
                for code, x in per.items()
                if x["prices"] or x["unmarked"]
            ),
            key=lambda r: (
                -r.deviations,
                order.index(r.price_class) if r.price_class in order else len(order),
                -r.observations,
                r.brand_code,
            ),
        )
        return m

    def _rpt_growth(
        self, month: str, start: dt.date, as_of: dt.date, complete: bool
    ) -> list[GrowthRow]:
        """Brands that grew most against the month before, over the same number of days (the
        whole months when this one is over)."""
        from khtui.domain.months import add_months, month_range

        p_start, p_end = month_range(add_months(month, -1))
        if not complete:
            p_end = min(p_end, p_start + (as_of - start))
        # the lines summed per brand first, the brand's name looked up once per brand
        rows = self.query(
            "SELECT coalesce(b.name, o.brand_code) AS brand, o.qty, o.before FROM ("
            "SELECT brand_code, sum(CASE WHEN order_date >= ? THEN qty_tiao ELSE 0 END) AS qty, "
            "sum(CASE WHEN order_date <= ? THEN qty_tiao ELSE 0 END) AS before "
            "FROM order_lines WHERE (order_date BETWEEN ? AND ?) OR (order_date BETWEEN ? AND ?) "
            "GROUP BY brand_code) o LEFT JOIN brands b ON b.brand_code = o.brand_code",
            (_d(start), _d(p_end), _d(start), _d(as_of), _d(p_start), _d(p_end)),
        )
        return self._rpt_grown([(r["brand"], r["qty"], r["before"]) for r in rows])

    def _rpt_month_growth(
        self,
        month: str,
        before: str,
        sums: dict[tuple[str, str], _BrandSum],
        info: dict[str, tuple],
    ) -> list[GrowthRow]:
        """:meth:`_rpt_growth` of a month that is over, against the whole month ``before``,
        from the brands' monthly sums (:meth:`_rpt_month_brand_sums`)."""
        codes = sorted({code for code, m in sums if m in (month, before)})
        nothing = _BrandSum(0, 0, 0)
        return self._rpt_grown(
            [
                (
                    info[code][0] if code in info else code,
                    sums.get((code, month), nothing).qty,
                    sums.get((code, before), nothing).qty,
                )
                for code in codes
            ]
        )

    def _rpt_grown(self, rows: list[tuple[str, float, float]]) -> list[GrowthRow]:
        """The brands (name, quantity, quantity before) that grew most, most first."""
        from khtui.domain.monthly import GrowthRow

        grown = [GrowthRow(b, qty, prior) for b, qty, prior in rows if prior > 0 and qty > prior]
        grown.sort(key=lambda g: (-(g.qty - g.qty_before), g.subject))
        return grown[: self.rules.reports.growth_brands]

    def _rpt_next_month(self, month: str) -> NextMonth:
        from khtui.domain.monthly import NextMonth
        from khtui.domain.months import month_range

        start, end = month_range(month)
        plan = self.query_one("SELECT status FROM visit_plans WHERE month = ?", (month,))
        # counted by SQLite: a city's month plans tens of thousands of visits
        [(visits, retailers, covered)] = self.query(
            "SELECT count(*), count(DISTINCT v.retailer_code), "
            "count(DISTINCT CASE WHEN r.status = ? THEN v.retailer_code END) FROM visits v "
            "LEFT JOIN retailers r ON r.code = v.retailer_code "
            f"WHERE v.planned_date BETWEEN ? AND ? AND v.status IN {ON_ITS_DAY}",
            (ACTIVE, _d(start), _d(end)),
        )
        return NextMonth(
            month=month,
            plan_status=plan["status"] if plan is not None else "none",
            visits=visits,
            retailers=retailers,
            active=self._rpt_active_count(),
            covered=covered,
        )

    def _rpt_month_narrative(self, start: dt.date, end: dt.date) -> dict[str, list[str]]:
        """The AM's own lines from the weekly reports of the month's weeks (latest versions).

        A week belongs to the month its Thursday falls in (as ISO weeks do to years).
        """
        from khtui.domain.report import NARRATIVE_KEYS, week_range

        out: dict[str, list[str]] = {k: [] for k in NARRATIVE_KEYS}
        rows = self.query(
            "SELECT w.week, w.narrative FROM weekly_reports w WHERE w.version = "
            "(SELECT max(version) FROM weekly_reports x WHERE x.week = w.week) ORDER BY w.week"
        )
        for r in rows:
            monday, _ = week_range(r["week"])
            if not (start <= monday + dt.timedelta(days=3) <= end):
                continue
            text = json.loads(r["narrative"] or "{}")
            for k in NARRATIVE_KEYS:
                out[k].extend(ln.strip() for ln in (text.get(k) or "").splitlines() if ln.strip())
        return out

    # -- the monthly visit plan ---------------------------------------------------------------
    def plan_document_figures(self, month: str) -> PlanFigures:
        """The month's plan for the market manager: per retailer, route and day (visits
        rescheduled away left out), frequency by tier, the generator's warnings, the brand
        figures and targets."""
        from khtui.domain.months import add_months, month_range
        from khtui.domain.plan_document import (
            FrequencyRow,
            PlanDayRow,
            PlanFigures,
            PlanRetailerRow,
            PlanRouteRow,
            PlanVisitRow,
            PlanWarningRow,
        )
        from khtui.domain.planning import MEASURES, submit_day

        month = _month(month)
        start, end = month_range(month)
        plan = self.query_one("SELECT * FROM visit_plans WHERE month = ?", (month,))
        rows = self.query(
            "SELECT v.planned_date, v.seq, v.retailer_code, v.reasons, v.measures, r.name, "
            "r.route, r.route_seq, r.tier FROM visits v "
            "LEFT JOIN retailers r ON r.code = v.retailer_code "
            f"WHERE v.planned_date BETWEEN ? AND ? AND v.status IN {ON_ITS_DAY} "
            "ORDER BY v.planned_date, v.seq, r.route, r.route_seq",
            (_d(start), _d(end)),
        )
        visits: list[PlanVisitRow] = []
        by_retailer: dict[str, PlanRetailerRow] = {}
        routes: dict[Any, PlanRouteRow] = {}
        route_codes: dict[Any, set[str]] = defaultdict(set)
        days: dict[str, PlanDayRow] = {}
        day_routes: dict[str, list[str]] = defaultdict(list)
        reasons: Counter = Counter()
        for r in rows:
            rs = [str(x) for x in _json_list(r["reasons"])]
            ms = [str(x) for x in _json_list(r["measures"])]
            reasons.update(set(rs))
            visits.append(
                PlanVisitRow(
                    r["planned_date"],
                    r["seq"],
                    r["retailer_code"],
                    r["name"] or r["retailer_code"],
                    r["route"],
                    r["tier"],
                    rs,
                    ms,
                )
            )
            x = by_retailer.setdefault(
                r["retailer_code"],
                PlanRetailerRow(
                    r["retailer_code"],
                    r["name"] or r["retailer_code"],
                    r["route"],
                    r["route_seq"],
                    r["tier"],
                    [],
                    {},
                    [],
                ),
            )
            if r["planned_date"] not in x.days:
                x.days.append(r["planned_date"])
            for k in rs:
                x.reasons[k] = x.reasons.get(k, 0) + 1
            for k in ms:
                if k not in x.measures:
                    x.measures.append(k)
            rt = routes.setdefault(r["route"], PlanRouteRow(r["route"], [], 0, 0))
            rt.visits += 1
            route_codes[r["route"]].add(r["retailer_code"])
            if r["planned_date"] not in rt.days:
                rt.days.append(r["planned_date"])
            d = days.setdefault(r["planned_date"], PlanDayRow(r["planned_date"], (), 0))
            d.visits += 1
            if r["route"] and r["route"] not in day_routes[d.day]:
                day_routes[d.day].append(r["route"])
        for key, rt in routes.items():
            rt.retailers = len(route_codes[key])
        for d in days.values():
            d.routes = tuple(day_routes[d.day])
        rank = {m: i for i, m in enumerate(MEASURES)}
        for x in by_retailer.values():
            x.measures.sort(key=lambda m: rank.get(m, len(rank)))
        active_codes = {
            r[0] for r in self.query("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))
        }
        per_month = dict(self.rules.visits.per_month_by_tier)
        freq: dict[Any, FrequencyRow] = {}
        for x in by_retailer.values():
            f = freq.setdefault(
                x.tier, FrequencyRow(x.tier, per_month.get(str(x.tier)) if x.tier else None, 0, 0)
            )
            f.retailers += 1
            f.visits += len(x.days)
        warnings = []
        if plan is not None and "warnings" in plan.keys():  # noqa: SIM118 (a sqlite3.Row)
            warnings = [
                PlanWarningRow(str(w.get("key")), dict(w.get("params") or {}))
                for w in _json_list(plan["warnings"])
                if isinstance(w, dict) and w.get("key")
            ]
        w_start, w_end = self.brand_period(min(self.today(), start) - dt.timedelta(days=1))
        return PlanFigures(
            month=month,
            status=plan["status"] if plan is not None else "none",
            created_at=plan["created_at"] if plan is not None else None,
            submitted_at=plan["submitted_at"] if plan is not None else None,
            approved_at=plan["approved_at"] if plan is not None else None,
            submit_by=_d(submit_day(add_months(month, -1), self.work_calendar, self.rules)),
            visits=len(rows),
            retailers=len(by_retailer),
            active=len(active_codes),
            covered_active=len(active_codes & set(by_retailer)),
            missing=sorted(active_codes - set(by_retailer)),
            retailer_rows=list(by_retailer.values()),
            routes=sorted(routes.values(), key=lambda x: (x.route is None, str(x.route or ""))),
            days=list(days.values()),
            reasons=dict(reasons),
            frequency=sorted(freq.values(), key=lambda f: (f.tier is None, f.tier or 0)),
            visit_rows=visits,
            warnings=warnings,
            brands=self._rpt_brand_rows(w_start, w_end),
            brand_targets=self._rpt_brand_targets(),
            brand_window=(_d(w_start), _d(w_end)),
        )


def _month(month: str) -> str:
    from khtui.domain.months import parse_month

    y, m = parse_month(month)
    return f"{y:04d}-{m:02d}"


def _year_before(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _payload(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def _report_row(row, kind: _Kind = WEEKLY) -> dict[str, Any]:
    out = dict(row)
    out["narrative"] = {
        **{k: "" for k in kind.keys},
        **json.loads(out.get("narrative") or "{}"),
    }
    out["figures"] = json.loads(out.get("figures") or "{}")
    return out
