"""The weekly report 周报: its figures as typed records, and the document built from them.

The data layer (``data/reports.py``) fills :class:`WeeklyFigures`; a submitted version stores
them as JSON (``records.dump``) and reads them back with ``records.load``, so a version stored
before a field existed still reads (the field takes its default and its part is left out).
:func:`build_weekly` writes one section per function, each table from column specs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from khtui.domain import records
from khtui.domain.accuracy import MonthAccuracyFigures, accuracy_part
from khtui.domain.report import (
    DASH,
    NARRATIVE_KEYS,
    PALETTE,
    Chart,
    Column,
    Paragraph,
    ReportDocument,
    Sections,
    Series,
    Table,
    Tr,
    brand_kind,
    change_pct,
    fmt_md,
    fmt_money,
    fmt_num,
    fmt_num1,
    fmt_pct,
    fmt_signed_pct,
    fmt_wan,
    num_col,
    parse_week,
    rate,
    reason_names,
    short_date,
    week_name,
    weekday_name,
)


# -- the figures -------------------------------------------------------------------------------
@dataclass
class DayVisits:
    day: str
    routes: tuple[str, ...]  # the routes' names as stored, joined where shown
    total: int
    done: int
    skipped: int
    rescheduled: int = 0


@dataclass
class SkipReason:
    reason: str
    count: int


@dataclass
class WeekVisits:
    """Visits planned in the week: total = done + skipped + checked_in + planned + rescheduled."""

    total: int
    done: int
    skipped: int
    checked_in: int
    planned: int
    rescheduled: int
    adhoc: int
    skip_reasons: list[SkipReason] = field(default_factory=list)
    by_day: list[DayVisits] = field(default_factory=list)


@dataclass
class Unvisited:
    code: str
    name: str
    route: str | None
    next_planned: str | None = None  # the next visit planned for it this month, if any


@dataclass
class Coverage:
    """Active retailers with a done visit in ``month`` up to ``as_of``."""

    month: str
    as_of: str
    active: int
    visited: int
    unvisited: list[Unvisited] = field(default_factory=list)
    working_days_left: int = 0
    closed: bool = False  # the month ended on or before as_of

    @property
    def unplanned(self) -> int:
        """Unvisited retailers with no visit planned before the month's end."""
        return sum(1 for u in self.unvisited if not u.next_planned)


@dataclass
class PeriodSales:
    start: str
    end: str
    qty: float
    amount: float
    retailers: int
    complete: bool = True  # the order data covers the whole period


@dataclass
class WeekSales:
    week: PeriodSales
    previous: PeriodSales
    last_year: PeriodSales


@dataclass
class PriceDeviation:
    observed_on: str
    code: str
    name: str
    brand_code: str
    brand: str
    guide: float | None
    actual: float | None
    dev_pct: float | None


@dataclass
class WeekPrices:
    observations: int
    retailers: int
    brands: int
    unmarked: int
    threshold_pct: float
    deviations: list[PriceDeviation] = field(default_factory=list)


@dataclass
class StockRow:
    brand_code: str
    brand: str
    retailers: int
    stock_tiao: float
    stock_avg: float | None


@dataclass
class BrandRow:
    """A key or new brand's cultivation figures over the window (brand_figures' definitions)."""

    brand_code: str
    brand: str
    is_key: bool
    is_new: bool
    qty: float = 0  # 条 ordered in the window
    ordered: int = 0
    distribution_rate: float | None = None
    reordered: int = 0
    sell_through_rate: float | None = None
    shelf_checked: int = 0
    on_shelf: int = 0
    on_shelf_rate: float | None = None


@dataclass
class WeekBrands:
    window_start: str
    window_end: str
    cycle_days: int
    active: int
    rows: list[BrandRow] = field(default_factory=list)


@dataclass
class ComplaintItem:
    id: str
    raised_on: str
    code: str
    name: str
    category: str
    category_name: str
    department: str
    status: str  # as of the period's end: open / forwarded / answered / closed
    due_on: str
    overdue: bool
    answered_on: str | None = None
    closed_on: str | None = None


@dataclass
class ComplaintStatus:
    opened: int
    answered: int
    closed: int
    overdue: int
    open_total: int
    items: list[ComplaintItem] = field(default_factory=list)


@dataclass
class Dynamic:
    captured_on: str
    code: str
    name: str
    event: str
    note: str = ""


@dataclass
class NextWeekDay:
    day: str
    routes: tuple[str, ...]  # the routes' names as stored, joined where shown
    visits: int
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class NextWeek:
    week: str
    total: int
    days: list[NextWeekDay] = field(default_factory=list)


@dataclass
class WeeklyFigures(records.Stored):
    week: str
    start: str
    end: str
    visits: WeekVisits
    coverage: Coverage
    prices: WeekPrices
    stock: list[StockRow]
    brands: WeekBrands
    complaints: ComplaintStatus
    dynamics: list[Dynamic]
    next_week: NextWeek
    coverage_closed: Coverage | None = None  # a week across a month's end: the closed month
    sales: WeekSales | None = None  # None in versions stored before it existed
    # 预测准确率: the closed month when the week saw a month end, then the month so far
    accuracy: list[MonthAccuracyFigures] | None = None  # None: stored before it existed
    # a week not over when its figures were read: the day they run to (today); None: over
    as_of: str | None = None


# -- the document --------------------------------------------------------------------------------
def build_weekly(
    figures: WeeklyFigures,
    narrative: Mapping[str, str],
    tr: Tr,
    *,
    word: Callable[[str], str],
    am_name: str,
    version: int | None = None,
    status: str = "draft",
    max_rows: int = 30,
    max_routes: int = 2,
) -> ReportDocument:
    """The weekly report 周报 from its figures and the AM's narrative; ``word`` says a company
    word as stored (a complaint category, a department, a retailer's event) in ``tr``'s
    language (see :class:`~khtui.domain.report.Sections`); a day names at most ``max_routes``
    routes, then how many there are."""
    name = week_name(figures.week, tr)
    meta = [tr("rpt.meta.am", name=am_name), tr("rpt.meta.week", week=name)]
    if version:
        meta.append(tr("rpt.meta.version", version=version, status=tr(f"rpt.status.{status}")))
    year, wk = parse_week(figures.week)
    doc = ReportDocument(
        "weekly", tr("rpt.weekly.title", week=tr("rpt.fmt.week_short", y=year, w=wk)), meta
    )
    s = Sections(doc, tr, max_rows, word, max_routes)
    if figures.as_of:
        s.para("rpt.week_running", "note", as_of=short_date(figures.as_of, tr))
    _visits(s, figures.visits)
    _coverage_section(s, figures)
    _sales(s, figures.sales, figures.end)
    accuracy_part(s, figures.accuracy)
    _prices(s, figures.prices)
    _stock(s, figures.stock)
    _brands(s, figures.brands)
    _complaints(s, figures.complaints, figures.as_of)
    _dynamics(s, figures.dynamics)
    _next_week(s, figures.next_week)
    for key in NARRATIVE_KEYS:
        s.heading(f"rpt.narrative.{key}")
        s.narrative(narrative.get(key))
    return doc


def _visits(s: Sections, v: WeekVisits) -> None:
    tr = s.tr
    s.heading("rpt.sec.visits")
    s.para(
        "rpt.visits.summary",
        total=v.total,
        done=v.done,
        rate=fmt_pct(rate(v.done, v.total)),
        skipped=v.skipped,
        open=v.planned + v.checked_in,
        rescheduled=v.rescheduled,
        adhoc=v.adhoc,
    )
    if not v.by_day:
        return
    s.add(
        Chart(
            tr("rpt.chart.visits_by_day"),
            [fmt_md(d.day) for d in v.by_day],
            [
                Series(tr("rpt.col.planned"), tuple(d.total for d in v.by_day), PALETTE[3]),
                Series(tr("rpt.col.done"), tuple(d.done for d in v.by_day), PALETTE[0]),
            ],
            unit=tr("rpt.unit.visits"),
        )
    )
    total = DayVisits(tr("rpt.total"), (), v.total, v.done, v.skipped, v.rescheduled)
    s.detail(
        [
            Column("rpt.col.date", "day", lambda d: d if d == tr("rpt.total") else fmt_md(d)),
            Column(
                "rpt.col.weekday",
                "day",
                lambda d: "" if d == tr("rpt.total") else weekday_name(d, tr),
            ),
            Column("rpt.col.routes", "routes", s.routes_cell, width=4.0),
            num_col("rpt.col.planned", "total"),
            num_col("rpt.col.done", "done"),
            num_col("rpt.col.done_rate", lambda d: rate(d.done, d.total), fmt_pct),
            num_col("rpt.col.skipped", "skipped"),
            num_col("rpt.col.rescheduled", "rescheduled"),
        ],
        v.by_day,
        total=total,
    )
    skip_reasons_part(s, v.skip_reasons)


def skip_reasons_part(s: Sections, reasons: list[SkipReason]) -> None:
    """Why visits were skipped and how often (nothing when none was)."""
    if reasons:
        s.para("rpt.visits.skip_reasons")
        s.detail(
            [Column("rpt.col.skip_reason", "reason", width=6.0), num_col("rpt.col.count", "count")],
            reasons,
        )


def _coverage_section(s: Sections, f: WeeklyFigures) -> None:
    """A week across a month's end: the month that closed in it first, in full."""
    s.heading("rpt.sec.coverage")
    if f.coverage_closed:
        _coverage(s, f.coverage_closed)
    _coverage(s, f.coverage)


def _coverage(s: Sections, c: Coverage) -> None:
    tr = s.tr
    missed = c.active - c.visited
    common: dict[str, Any] = {
        "active": c.active,
        "visited": c.visited,
        "rate": fmt_pct(rate(c.visited, c.active)),
        "unvisited": missed,
    }
    if c.closed:
        s.para("rpt.coverage.closed", month=_month_name(c.month, tr), **common)
    else:
        s.para(
            "rpt.coverage.summary",
            as_of=short_date(c.as_of, tr),
            days_left=c.working_days_left,
            **common,
        )
        if c.unvisited:
            n = c.unplanned
            s.para(
                "rpt.coverage.short" if n else "rpt.coverage.all_planned",
                "note" if not n else "body",
                n=n,
                unvisited=len(c.unvisited),
            )
    if not c.unvisited:
        return
    columns = [
        Column("rpt.col.code", "code"),
        Column("rpt.col.retailer", "name", width=4.0),
        Column("rpt.col.route", "route"),
    ]
    if not c.closed:
        columns.append(
            Column(
                "rpt.col.next_planned",
                "next_planned",
                lambda d: fmt_md(d) if d else tr("rpt.not_planned"),
            ),
        )
    # those without a planned visit first: they are the ones to act on
    rows = sorted(c.unvisited, key=lambda u: u.next_planned is not None)
    s.detail(columns, rows)


def _month_name(key: str, tr: Tr) -> str:
    y, m = (int(x) for x in key.split("-"))
    return tr("rpt.fmt.month", y=y, m=m)


def _sales(s: Sections, sales: WeekSales | None, week_end: str) -> None:
    """The week's orders against last week and the same week last year; a week not over
    (its sales end before ``week_end``) against as many days of each, and says so."""
    tr = s.tr
    s.heading("rpt.sec.week_sales")
    if sales is None:
        s.para("rpt.sales.not_recorded", "note")
        return
    w, p, ly = sales.week, sales.previous, sales.last_year

    def vs(cur: float | None, base: float | None, complete: bool) -> str:
        return fmt_signed_pct(change_pct(cur, base)) if complete else DASH

    running = w.end < week_end
    s.para(
        "rpt.week_sales.summary_running" if running else "rpt.week_sales.summary",
        end=short_date(w.end, tr),
        qty=fmt_num(w.qty),
        amount=fmt_wan(w.amount),
        retailers=w.retailers,
        wow=vs(w.qty, p.qty, p.complete),
        yoy=vs(w.qty, ly.qty, ly.complete),
    )

    def period(ps: PeriodSales) -> str:
        return tr("rpt.fmt.span", a=short_date(ps.start, tr), b=short_date(ps.end, tr))

    rows = [
        ("rpt.col.qty", w.qty, p.qty, ly.qty, fmt_num),
        ("rpt.col.amount_wan", w.amount, p.amount, ly.amount, fmt_wan),
        ("rpt.col.ordering", w.retailers, p.retailers, ly.retailers, fmt_num),
    ]
    s.add(_sales_table(tr, rows, period(w), period(p), period(ly), p.complete, ly.complete))
    if running:
        s.para("rpt.week_sales.running_note", "note", end=short_date(w.end, tr))
    if not ly.complete:
        s.para("rpt.week_sales.no_ly", "note", start=short_date(ly.start, tr))


def _sales_table(tr: Tr, rows, cur_h, prev_h, ly_h, prev_ok: bool, ly_ok: bool) -> Table:
    """This week against last week and the same week last year, each column headed by its
    dates; a basis the order data does not fully cover shows '—'."""
    out = []
    for key, cur, prev, last, fmt in rows:
        out.append(
            [
                tr(key),
                fmt(cur),
                fmt(prev) if prev_ok else DASH,
                fmt_signed_pct(change_pct(cur, prev)) if prev_ok else DASH,
                fmt(last) if ly_ok else DASH,
                fmt_signed_pct(change_pct(cur, last)) if ly_ok else DASH,
            ]
        )
    return Table(
        [
            tr("rpt.col.measure"),
            tr("rpt.col.this_week", period=cur_h),
            tr("rpt.col.last_week", period=prev_h),
            tr("rpt.col.wow"),
            tr("rpt.col.same_week_ly", period=ly_h),
            tr("rpt.col.yoy"),
        ],
        out,
        ["left", "right", "right", "right", "right", "right"],
        [2.0, 2.0, 2.0, 1.0, 2.0, 1.0],
        [True, False, False, True, False, True],
    )


def _prices(s: Sections, p: WeekPrices) -> None:
    s.heading("rpt.sec.prices")
    s.para(
        "rpt.prices.summary",
        n=p.observations,
        retailers=p.retailers,
        brands=p.brands,
        threshold=fmt_num(p.threshold_pct),
        deviations=len(p.deviations),
        unmarked=p.unmarked,
    )
    if p.deviations:
        s.detail(
            [
                Column("rpt.col.date", "observed_on", fmt_md),
                Column("rpt.col.retailer", "name", width=3.5),
                Column("rpt.col.brand", "brand", width=3.0),
                num_col("rpt.col.guide_price", "guide", fmt_money),
                num_col("rpt.col.actual_price", "actual", fmt_money),
                num_col("rpt.col.deviation", "dev_pct", fmt_signed_pct),
            ],
            p.deviations,
        )


def _stock(s: Sections, stock: list[StockRow]) -> None:
    s.heading("rpt.sec.stock")
    if not stock:
        s.para("rpt.stock.none")
        return
    s.para("rpt.stock.summary", brands=len(stock))
    s.detail(
        [
            Column("rpt.col.brand", "brand", width=4.0),
            num_col("rpt.col.retailers_observed", "retailers"),
            num_col("rpt.col.stock_tiao", "stock_tiao"),
            num_col("rpt.col.stock_avg", "stock_avg", fmt_num1),
        ],
        stock,
    )


def _brands(s: Sections, br: WeekBrands) -> None:
    tr = s.tr
    s.heading("rpt.sec.brands")
    if not br.rows:
        s.para("rpt.brands.none")
        return
    s.para(
        "rpt.brands.summary",
        start=short_date(br.window_start, tr),
        end=short_date(br.window_end, tr),
        days=br.cycle_days,
        active=br.active,
    )
    numbered = list(enumerate(br.rows, 1))
    s.detail(
        [
            Column("rpt.col.seq", lambda r: r[0], str, "right"),
            Column("rpt.col.brand", lambda r: r[1].brand, width=3.0),
            Column("rpt.col.brand_type", lambda r: brand_kind(r[1].is_key, r[1].is_new, tr)),
            num_col("rpt.col.qty_window", lambda r: r[1].qty, header_kw={"days": br.cycle_days}),
            num_col("rpt.col.distributed", lambda r: r[1].ordered),
            num_col("rpt.col.distribution_rate", lambda r: r[1].distribution_rate, fmt_pct),
            num_col("rpt.col.sell_through_rate", lambda r: r[1].sell_through_rate, fmt_pct),
            num_col("rpt.col.on_shelf_rate", lambda r: r[1].on_shelf_rate, fmt_pct),
        ],
        numbered,
    )
    shown = br.rows[: s.max_rows]
    s.add(
        Chart(
            tr("rpt.chart.brands"),
            [str(i) for i in range(1, len(shown) + 1)],
            [
                Series(
                    tr("rpt.col.distribution_rate"),
                    tuple(r.distribution_rate for r in shown),
                    PALETTE[0],
                ),
                Series(
                    tr("rpt.col.sell_through_rate"),
                    tuple(r.sell_through_rate for r in shown),
                    PALETTE[1],
                ),
                Series(
                    tr("rpt.col.on_shelf_rate"), tuple(r.on_shelf_rate for r in shown), PALETTE[2]
                ),
            ],
            percent=True,
            unit="%",
        )
    )
    definitions = tr("rpt.brands.definitions", cycle=br.cycle_days)
    s.add(Paragraph(definitions, "note", tr("rpt.brands.chart_numbers")))


COMPLAINT_EVENTS = ("opened", "answered", "closed", "overdue")


def complaint_events(item: ComplaintItem, start: str, end: str) -> list[str]:
    """What happened to a complaint in [start, end]: received, answered, closed; overdue at
    the end."""
    out = []
    if start <= item.raised_on <= end:
        out.append("opened")
    if item.answered_on and start <= item.answered_on <= end:
        out.append("answered")
    if item.closed_on and start <= item.closed_on <= end:
        out.append("closed")
    if item.overdue:
        out.append("overdue")
    return out


def _complaints(s: Sections, cp: ComplaintStatus, as_of: str | None) -> None:
    """The week's complaints; overdue as of its end, or of ``as_of`` in a week not over."""
    tr = s.tr
    s.heading("rpt.sec.complaints")
    # opened, answered, closed, overdue, open_total
    if as_of:
        s.para("rpt.complaints.summary_running", **vars(cp), as_of=short_date(as_of, tr))
    else:
        s.para("rpt.complaints.summary", **vars(cp))
    if not cp.items:
        return
    s.detail(
        [
            Column("rpt.col.raised_on", "raised_on", fmt_md),
            Column("rpt.col.retailer", "name", width=3.0),
            Column("rpt.col.category", "category_name", s.word_cell),
            Column("rpt.col.department", "department", s.word_cell),
            Column(
                "rpt.col.status",
                lambda r: (
                    tr(f"rpt.complaint.{r.status}")
                    + (tr("rpt.complaint.overdue_mark") if r.overdue else "")
                ),
            ),
            Column("rpt.col.due_on", "due_on", fmt_md),
            Column("rpt.col.closed_on", lambda r: r.closed_on or r.answered_on, fmt_md),
        ],
        cp.items,
    )


def _dynamics(s: Sections, dy: list[Dynamic]) -> None:
    s.heading("rpt.sec.dynamics")
    if not dy:
        s.para("rpt.dynamics.none")
        return
    s.detail(
        [
            Column("rpt.col.date", "captured_on", fmt_md),
            Column("rpt.col.retailer", "name", width=3.0),
            Column("rpt.col.event", "event", s.word_cell),
            Column("rpt.col.note", "note", width=6.0),
        ],
        dy,
    )


def _next_week(s: Sections, nw: NextWeek) -> None:
    tr = s.tr
    s.heading("rpt.sec.next_week")
    name = week_name(nw.week, tr)
    if not nw.days:
        s.para("rpt.next_week.none", week=name)
        return
    s.para("rpt.next_week.summary", week=name, total=nw.total, days=len(nw.days))
    s.detail(
        [
            Column("rpt.col.date", "day", fmt_md),
            Column("rpt.col.weekday", "day", lambda d: weekday_name(d, tr)),
            Column("rpt.col.routes", "routes", s.routes_cell, width=3.0),
            num_col("rpt.col.visits", "visits"),
            Column(
                "rpt.col.focus",
                lambda d: reason_names({k: n for k, n in d.reasons.items() if k != "plan"}, tr),
                width=5.0,
            ),
        ],
        nw.days,
    )
