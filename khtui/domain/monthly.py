"""The monthly market analysis 月度市场分析: its figures as typed records, and the document.

Sections follow what the analysis must cover: overall sales (trend against last year, by tier,
category, price class and brand), execution of the month's visit plan, customer service
(complaints, satisfaction), brand cultivation, the eight kinds of market information grouped,
market potential, problems and their causes, improvement measures and next month's targets.
The last three are partly the AM's own text (:data:`MONTHLY_NARRATIVE_KEYS`, stored and
versioned like the weekly report's).

Year on year is only given against a base month the order data covers in full (a month before
the data starts, or only partly after, is no basis): otherwise "—" and a note say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from khtui.domain import records
from khtui.domain.accuracy import MonthAccuracyFigures, accuracy_part
from khtui.domain.capture import KINDS
from khtui.domain.report import (
    DASH,
    PALETTE,
    Chart,
    Column,
    Paragraph,
    ReportDocument,
    Sections,
    Series,
    Tr,
    brand_kind,
    change_pct,
    cn_month,
    fmt_money,
    fmt_num,
    fmt_num1,
    fmt_pct,
    fmt_signed_pct,
    fmt_wan,
    num_col,
    rate,
    short_date,
)
from khtui.domain.texts import TextGroup
from khtui.domain.weekly import (
    COMPLAINT_EVENTS,
    BrandRow,
    ComplaintStatus,
    Coverage,
    SkipReason,
    StockRow,
    skip_reasons_part,
)

# The parts of the monthly analysis the AM writes: problems and their causes, improvement
# measures, next month's targets.
MONTHLY_NARRATIVE_KEYS: tuple[str, ...] = ("problems", "improvements", "targets")


# -- the figures -------------------------------------------------------------------------------
@dataclass
class MonthSales:
    month: str
    qty: float
    amount: float
    retailers: int
    qty_ly: float
    amount_ly: float
    complete: bool = True  # the order data covers the whole month
    ly_complete: bool = True  # … and the same month a year before

    @property
    def yoy_qty(self) -> float | None:
        return change_pct(self.qty, self.qty_ly) if self.complete and self.ly_complete else None

    @property
    def yoy_amount(self) -> float | None:
        ok = self.complete and self.ly_complete
        return change_pct(self.amount, self.amount_ly) if ok else None


@dataclass
class MonthToDate:
    """A month still running: its days so far against the same days a year before."""

    end: str
    qty: float
    amount: float
    qty_ly: float
    amount_ly: float
    ly_complete: bool


@dataclass
class TierRow:
    tier: int | None
    retailers: int
    qty: float
    amount: float
    qty_ly: float


@dataclass
class CategoryRow:
    category: str | None
    retailers: int
    qty: float
    amount: float


@dataclass
class ClassRow:
    price_class: str | None
    qty: float
    amount: float
    qty_ly: float


@dataclass
class TopBrand:
    brand_code: str
    brand: str
    price_class: str | None
    is_key: bool
    is_new: bool
    qty: float
    amount: float
    retailers: int


@dataclass
class RouteExecution:
    route: str | None
    planned: int
    done: int
    skipped: int
    rescheduled: int
    open: int


@dataclass
class PlanExecution:
    plan_status: str  # none / draft / submitted / approved
    as_of: str
    planned: int  # visits planned in the month up to as_of (rescheduled-away ones included)
    done: int
    skipped: int
    rescheduled: int
    open: int  # planned up to as_of and neither done nor skipped
    adhoc: int
    still_planned: int  # planned after as_of
    by_route: list[RouteExecution] = field(default_factory=list)
    skip_reasons: list[SkipReason] = field(default_factory=list)


@dataclass
class ComplaintCategory:
    category: str
    category_name: str
    department: str
    received: int
    forwarded: int
    answered: int
    closed: int
    overdue: int


@dataclass
class Satisfaction:
    answers: int
    average: float | None
    by_score: dict[str, int] = field(default_factory=dict)
    display: dict[str, int] = field(default_factory=dict)  # 陈列 好/一般/差
    price_labels_yes: int = 0
    price_labels_no: int = 0


@dataclass
class CustomerService:
    complaints: ComplaintStatus
    by_category: list[ComplaintCategory] = field(default_factory=list)
    satisfaction: Satisfaction | None = None


@dataclass
class BrandPriceRow:
    brand_code: str
    brand: str
    price_class: str | None
    guide: float | None
    observations: int
    average: float | None
    low: float | None
    high: float | None
    deviations: int
    unmarked: int


@dataclass
class ChoiceRow:
    """A brand (or other subject) and how often each choice was recorded for it."""

    subject: str
    count: int
    choices: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MarketInfo:
    counts: dict[str, int] = field(default_factory=dict)  # finished captures by kind
    activities: list[ChoiceRow] = field(default_factory=list)  # brand, methods
    brand_sales: list[ChoiceRow] = field(default_factory=list)  # brand, 好/一般/差
    new_brands: list[ChoiceRow] = field(default_factory=list)  # brand, acceptance, potential
    prices: list[BrandPriceRow] = field(default_factory=list)
    dynamics: list[ChoiceRow] = field(default_factory=list)  # event, retailers
    stock: list[StockRow] = field(default_factory=list)
    texts: list[TextGroup] = field(default_factory=list)  # opinions, work log, notes


@dataclass
class GrowthRow:
    subject: str
    qty: float
    qty_before: float


@dataclass
class NextMonth:
    month: str
    plan_status: str
    visits: int
    retailers: int
    active: int
    covered: int


@dataclass
class MonthlyFigures(records.Stored):
    month: str
    start: str
    end: str
    as_of: str  # the last day the figures cover (the month's end, or today's eve)
    complete: bool  # the month is over
    data_start: str | None  # the first day of order data
    tiao_per_jian: int
    sales: list[MonthSales]  # 12 months ending with this one
    tiers: list[TierRow]
    tiers_as_of: str | None  # when the tiers the rows group by were computed
    categories: list[CategoryRow]
    classes: list[ClassRow]
    top_brands: list[TopBrand]
    execution: PlanExecution
    coverage: Coverage
    service: CustomerService
    cultivation: list[BrandRow]
    market: MarketInfo
    potential_brands: list[GrowthRow]
    next_month: NextMonth
    price_threshold_pct: float
    price_deviations: int
    month_to_date: MonthToDate | None = None
    weekly_narrative: dict[str, list[str]] = field(default_factory=dict)
    brand_targets: dict[str, float] = field(default_factory=dict)
    accuracy: list[MonthAccuracyFigures] | None = None  # None: stored before it existed

    @property
    def current(self) -> MonthSales:
        return self.sales[-1]


# -- findings: problems the figures show, each with its cause -------------------------------------
def monthly_findings(
    f: MonthlyFigures, tr: Tr, *, drop_pct: float, word: Callable[[str], str] = str
) -> list[str]:
    """Problems the figures show by themselves, each followed by what the figures say caused
    it (the tiers, price classes or departments behind it). A fall is only named against a
    complete base month. ``word``: a company word (a price class, a department) in ``tr``'s
    language, as :class:`~khtui.domain.report.Sections` says it."""
    out: list[str] = []
    cur = f.current
    yoy = cur.yoy_qty
    if yoy is not None and yoy < -drop_pct:
        falls = sorted(
            ((pct, r) for r in f.classes if (pct := change_pct(r.qty, r.qty_ly)) is not None),
            key=lambda x: x[0],
        )
        worst = [
            tr(
                "rpt.finding.part",
                name=word(r.price_class) if r.price_class else tr("rpt.class_none"),
                pct=fmt_num1(-c),
            )
            for c, r in falls[:2]
            if c < 0
        ]
        cause = tr("rpt.list_sep").join(worst) or DASH
        out.append(tr("rpt.finding.sales_drop", pct=fmt_num1(-yoy), cause=cause))
    cov = f.coverage
    if cov.active and cov.visited < cov.active:
        reasons = tr("rpt.list_sep").join(
            f"{r.reason} {r.count}" for r in f.execution.skip_reasons[:3]
        )
        out.append(
            tr(
                "rpt.finding.coverage",
                n=cov.active - cov.visited,
                rate=fmt_pct(rate(cov.visited, cov.active)),
                unplanned=cov.unplanned,
                reasons=reasons or DASH,
            )
        )
    cp = f.service.complaints
    if cp.overdue:
        depts: dict[str, int] = {}
        for c in f.service.by_category:
            if c.overdue:
                depts[c.department] = depts.get(c.department, 0) + c.overdue
        who = tr("rpt.list_sep").join(
            f"{word(d)} {n}" for d, n in sorted(depts.items(), key=lambda kv: -kv[1])
        )
        out.append(tr("rpt.finding.overdue", n=cp.overdue, who=who or DASH))
    if f.price_deviations:
        worst_brands = sorted(f.market.prices, key=lambda r: -r.deviations)[:3]
        names = tr("rpt.list_sep").join(r.brand for r in worst_brands if r.deviations)
        out.append(
            tr(
                "rpt.finding.prices",
                n=f.price_deviations,
                threshold=fmt_num(f.price_threshold_pct),
                brands=names or DASH,
            )
        )
    targets = f.brand_targets
    for r in f.cultivation:
        goal = targets.get("distribution_pct")
        if goal is not None and r.distribution_rate is not None and r.distribution_rate < goal:
            out.append(
                tr(
                    "rpt.finding.distribution",
                    brand=r.brand,
                    rate=fmt_pct(r.distribution_rate),
                    goal=fmt_pct(goal, 0),
                )
            )
    return out


# -- the document --------------------------------------------------------------------------------
def build_monthly(
    f: MonthlyFigures,
    narrative: Mapping[str, str],
    tr: Tr,
    *,
    word: Callable[[str], str],
    am_name: str,
    drop_pct: float,
    max_rows: int = 30,
    version: int | None = None,
    status: str = "draft",
) -> ReportDocument:
    """The monthly market analysis 月度市场分析报告; ``word`` says a company word as stored (a
    category, a price class, a department, a choice of a form) in ``tr``'s language (see
    :class:`~khtui.domain.report.Sections`)."""
    meta = [
        tr("rpt.meta.am", name=am_name),
        tr(
            "rpt.meta.month_period",
            start=short_date(f.start, tr),
            end=short_date(f.end, tr),
            month=cn_month(f.month, tr),
        ),
    ]
    if not f.complete:
        meta.append(tr("rpt.meta.month_running", as_of=short_date(f.as_of, tr)))
    if version:
        meta.append(tr("rpt.meta.version", version=version, status=tr(f"rpt.status.{status}")))
    doc = ReportDocument("monthly", tr("rpt.monthly.title", month=cn_month(f.month, tr)), meta)
    s = Sections(doc, tr, max_rows, word)
    _sales(s, f)
    accuracy_part(s, f.accuracy, detail=True)
    _execution(s, f)
    _service(s, f.service)
    _cultivation(s, f)
    _market(s, f.market)
    _potential(s, f)
    _problems(s, f, narrative, drop_pct)
    _improvements(s, f, narrative)
    _targets(s, f, narrative)
    return doc


def _yoy_note(s: Sections, f: MonthlyFigures) -> None:
    if any(not m.ly_complete for m in f.sales) and f.data_start:
        s.para("rpt.sales.no_basis", "note", start=f.data_start)


def _sales(s: Sections, f: MonthlyFigures) -> None:
    tr = s.tr
    cur = f.current
    s.heading("rpt.sec.sales")
    if f.month_to_date is not None:
        m = f.month_to_date
        s.para(
            "rpt.sales.summary_running",
            month=cn_month(f.month, tr),
            end=short_date(m.end, tr),
            qty=fmt_num(m.qty),
            jian=fmt_num1(m.qty / f.tiao_per_jian),
            amount=fmt_wan(m.amount),
            yoy_qty=fmt_signed_pct(change_pct(m.qty, m.qty_ly)) if m.ly_complete else DASH,
            yoy_amount=fmt_signed_pct(change_pct(m.amount, m.amount_ly)) if m.ly_complete else DASH,
            retailers=cur.retailers,
        )
    else:
        s.para(
            "rpt.sales.summary",
            month=cn_month(f.month, tr),
            qty=fmt_num(cur.qty),
            jian=fmt_num1(cur.qty / f.tiao_per_jian),
            amount=fmt_wan(cur.amount),
            yoy_qty=fmt_signed_pct(cur.yoy_qty),
            yoy_amount=fmt_signed_pct(cur.yoy_amount),
            retailers=cur.retailers,
        )
    # the trend: this year's months with last year's beside them
    s.sub("rpt.sales.by_month")
    s.add(
        Chart(
            tr("rpt.chart.sales_trend"),
            [m.month[2:] for m in f.sales],
            [
                Series(
                    tr("rpt.series.last_year"),
                    tuple(m.qty_ly if m.ly_complete else None for m in f.sales),
                    PALETTE[3],
                ),
                Series(
                    tr("rpt.series.this_year"),
                    tuple(m.qty if m.complete else None for m in f.sales),
                    PALETTE[0],
                    "line",
                ),
            ],
            unit=tr("rpt.unit.tiao"),
        )
    )
    running = {m.month for m in f.sales if not m.complete}
    s.add(
        _table(
            tr,
            [
                Column(
                    "rpt.col.month",
                    "month",
                    lambda m: m + (tr("rpt.mark.running") if m in running else ""),
                ),
                num_col("rpt.col.qty", "qty"),
                num_col("rpt.col.qty_ly", lambda m: m.qty_ly if m.ly_complete else None),
                num_col("rpt.col.yoy", lambda m: m.yoy_qty, fmt_signed_pct),
                num_col("rpt.col.amount_wan", "amount", fmt_wan),
                num_col(
                    "rpt.col.amount_ly_wan",
                    lambda m: m.amount_ly if m.ly_complete else None,
                    fmt_wan,
                ),
                num_col("rpt.col.yoy", lambda m: m.yoy_amount, fmt_signed_pct),
            ],
            f.sales,
        )
    )
    _yoy_note(s, f)
    if running:
        s.para("rpt.sales.running_note", "note", as_of=short_date(f.as_of, tr))

    ly_ok = cur.ly_complete and cur.complete
    s.sub("rpt.sec.tiers")
    tiers_total = _total(TierRow, f.tiers, "retailers", "qty", "amount", "qty_ly")
    s.add(
        _table(
            tr,
            [
                _label_col(
                    tr,
                    "rpt.col.tier_now",
                    tiers_total,
                    lambda r: tr("rpt.tier_name", tier=r.tier) if r.tier else tr("rpt.tier_none"),
                ),
                num_col("rpt.col.retailers", "retailers"),
                num_col("rpt.col.qty", "qty"),
                num_col("rpt.col.share", lambda r: rate(r.qty, tiers_total.qty), fmt_pct),
                *_last_year_cols(ly_ok),
                num_col("rpt.col.amount_wan", "amount", fmt_wan),
                num_col(
                    "rpt.col.per_retailer",
                    lambda r: r.qty / r.retailers if r.retailers else None,
                    fmt_num1,
                ),
            ],
            f.tiers,
            total=tiers_total,
        )
    )
    s.para("rpt.tiers.note", "note", as_of=f.tiers_as_of or DASH)

    s.sub("rpt.sec.categories")
    cat_total = _total(CategoryRow, f.categories, "retailers", "qty", "amount")
    s.detail(
        [
            _label_col(
                tr,
                "rpt.col.category",
                cat_total,
                lambda r: s.word(r.category) if r.category else tr("rpt.category_none"),
                width=3.0,
            ),
            num_col("rpt.col.retailers", "retailers"),
            num_col("rpt.col.qty", "qty"),
            num_col("rpt.col.share", lambda r: rate(r.qty, cat_total.qty), fmt_pct),
            num_col("rpt.col.amount_wan", "amount", fmt_wan),
            num_col("rpt.col.avg_price", lambda r: r.amount / r.qty if r.qty else None, fmt_money),
        ],
        f.categories,
        total=cat_total,
    )

    s.sub("rpt.brand_structure.by_class")
    cls_total = _total(ClassRow, f.classes, "qty", "amount", "qty_ly")
    s.add(
        _table(
            tr,
            [
                _label_col(
                    tr,
                    "rpt.col.class",
                    cls_total,
                    lambda r: s.word(r.price_class) if r.price_class else tr("rpt.class_none"),
                ),
                num_col("rpt.col.qty", "qty"),
                num_col("rpt.col.share", lambda r: rate(r.qty, cls_total.qty), fmt_pct),
                *_last_year_cols(ly_ok),
                num_col("rpt.col.amount_wan", "amount", fmt_wan),
                num_col(
                    "rpt.col.avg_price", lambda r: r.amount / r.qty if r.qty else None, fmt_money
                ),
            ],
            f.classes,
            total=cls_total,
        )
    )
    s.sub("rpt.brand_structure.top")
    total_qty = sum(r.qty for r in f.categories) or cur.qty
    s.add(
        _table(
            tr,
            [
                Column("rpt.col.brand", "brand", width=3.0),
                Column("rpt.col.class", "price_class", s.word_cell),
                Column("rpt.col.brand_type", lambda r: brand_kind(r.is_key, r.is_new, tr)),
                num_col("rpt.col.qty", "qty"),
                num_col("rpt.col.share", lambda r: rate(r.qty, total_qty), fmt_pct),
                num_col("rpt.col.distributed", "retailers"),
                num_col("rpt.col.amount_wan", "amount", fmt_wan),
            ],
            f.top_brands,
        )
    )


def _table(tr: Tr, columns: Sequence[Column], rows: Sequence[Any], total: Any = None):
    from khtui.domain.report import table

    return table(tr, columns, rows, total=total)


def _capped(s: Sections, columns: Sequence[Column], rows: Sequence[Any]):
    """A table of at most ``max_rows`` rows (the most frequent first); the note of how many
    were left out follows it."""
    from khtui.domain.report import table

    if len(rows) > s.max_rows:
        s.add(table(s.tr, columns, rows[: s.max_rows]))
        return Paragraph(s.tr("rpt.more_rows", n=len(rows) - s.max_rows), "note")
    return table(s.tr, columns, rows)


def _total(cls: Callable[..., Any], rows: Sequence[Any], *fields: str) -> Any:
    """The total row of ``rows``: no label (its first field), each of ``fields`` summed."""
    return cls(None, *(sum(getattr(r, k) for r in rows) for k in fields))


def _label_col(tr: Tr, header: str, total: Any, label: Callable[[Any], str], **kw: Any) -> Column:
    """The first column of a table with a total row: ``label(row)``, 合计 on ``total``."""
    return Column(header, lambda r: r, lambda r: tr("rpt.total") if r is total else label(r), **kw)


def _last_year_cols(ly_ok: bool) -> list[Column]:
    """Last year's quantity and the change against it, blank unless both years are complete."""
    return [
        num_col("rpt.col.qty_ly", lambda r: r.qty_ly if ly_ok else None),
        num_col(
            "rpt.col.yoy",
            lambda r: change_pct(r.qty, r.qty_ly) if ly_ok else None,
            fmt_signed_pct,
        ),
    ]


def _execution(s: Sections, f: MonthlyFigures) -> None:
    tr = s.tr
    e = f.execution
    s.heading("rpt.sec.execution")
    s.para(
        "rpt.execution.summary",
        status=tr(f"rpt.plan.status.{e.plan_status}"),
        planned=e.planned,
        done=e.done,
        rate=fmt_pct(rate(e.done, e.planned)),
        skipped=e.skipped,
        rescheduled=e.rescheduled,
        open=e.open,
        adhoc=e.adhoc,
        later=e.still_planned,
    )
    c = f.coverage
    s.para(
        "rpt.execution.coverage",
        active=c.active,
        visited=c.visited,
        rate=fmt_pct(rate(c.visited, c.active)),
        unvisited=c.active - c.visited,
        unplanned=c.unplanned,
    )
    if e.by_route:
        total = RouteExecution(None, e.planned, e.done, e.skipped, e.rescheduled, e.open)
        s.add(
            _table(
                tr,
                [
                    _label_col(tr, "rpt.col.route", total, lambda r: r.route or DASH, width=2.0),
                    num_col("rpt.col.planned", "planned"),
                    num_col("rpt.col.done", "done"),
                    num_col("rpt.col.done_rate", lambda r: rate(r.done, r.planned), fmt_pct),
                    num_col("rpt.col.skipped", "skipped"),
                    num_col("rpt.col.rescheduled", "rescheduled"),
                    num_col("rpt.col.open", "open"),
                ],
                e.by_route,
                total,
            )
        )
    skip_reasons_part(s, e.skip_reasons)


def _service(s: Sections, sv: CustomerService) -> None:
    tr = s.tr
    cp = sv.complaints
    s.heading("rpt.sec.service")
    # how many complaints were opened, answered, closed, overdue, and are open now
    s.para("rpt.service.summary", **{k: getattr(cp, k) for k in (*COMPLAINT_EVENTS, "open_total")})
    if sv.by_category:
        rows = sv.by_category
        total = ComplaintCategory(
            "",
            tr("rpt.total"),
            "",
            *(
                sum(getattr(r, k) for r in rows)
                for k in ("received", "forwarded", "answered", "closed", "overdue")
            ),
        )
        s.add(
            _table(
                tr,
                [
                    Column("rpt.col.category", "category_name", s.word_cell, width=2.0),
                    Column("rpt.col.department", "department", s.word, width=2.0),
                    num_col("rpt.col.received", "received"),
                    num_col("rpt.col.forwarded", "forwarded"),
                    num_col("rpt.col.answered", "answered"),
                    num_col("rpt.col.closed", "closed"),
                    num_col("rpt.col.overdue", "overdue"),
                ],
                rows,
                total,
            )
        )
    sat = sv.satisfaction
    if sat is None or not sat.answers:
        s.para("rpt.service.no_satisfaction")
        return
    scores = tr("rpt.list_sep").join(
        tr("rpt.service.score", score=k, n=n) for k, n in sorted(sat.by_score.items(), reverse=True)
    )
    s.para(
        "rpt.service.satisfaction",
        n=sat.answers,
        avg=fmt_num(sat.average, 2) if sat.average is not None else DASH,
        scores=scores or DASH,
        labels_yes=sat.price_labels_yes,
        labels_no=sat.price_labels_no,
        display=_counted(s, sat.display.items()) or DASH,
    )


# The rates of a brand's cultivation, in the order the table and the chart show them.
CULTIVATION_RATES = ("distribution_rate", "sell_through_rate", "on_shelf_rate")


def _rate_of(rate_key: str) -> Callable[[tuple[int, BrandRow]], float | None]:
    """The rate ``rate_key`` of a numbered brand row."""
    return lambda r: getattr(r[1], rate_key)


def _cultivation(s: Sections, f: MonthlyFigures) -> None:
    tr = s.tr
    s.heading("rpt.sec.cultivation")
    rows = f.cultivation
    if not rows:
        s.para("rpt.brands.none")
        return
    s.para("rpt.cultivation.summary", active=f.coverage.active, month=cn_month(f.month, tr))
    numbered = list(enumerate(rows, 1))
    s.add(
        _table(
            tr,
            [
                Column("rpt.col.seq", lambda r: r[0], str, "right"),
                Column("rpt.col.brand", lambda r: r[1].brand, width=3.0),
                Column("rpt.col.brand_type", lambda r: brand_kind(r[1].is_key, r[1].is_new, tr)),
                num_col("rpt.col.qty", lambda r: r[1].qty),
                num_col("rpt.col.distributed", lambda r: r[1].ordered),
                *(num_col(f"rpt.col.{k}", _rate_of(k), fmt_pct) for k in CULTIVATION_RATES),
            ],
            numbered,
        )
    )
    s.add(
        Chart(
            tr("rpt.chart.brands"),
            [str(i) for i in range(1, len(rows) + 1)],
            [
                Series(tr(f"rpt.col.{k}"), tuple(getattr(r, k) for r in rows), PALETTE[i])
                for i, k in enumerate(CULTIVATION_RATES)
            ],
            percent=True,
            unit="%",
        )
    )
    s.add(Paragraph(tr("rpt.brands.definitions_month"), "note", tr("rpt.brands.chart_numbers")))


def _counted(s: Sections, counts: Iterable[tuple[str, int]]) -> str:
    """Company words with how often each was recorded ('好 5、一般 3'), in the document's
    language."""
    return s.tr("rpt.list_sep").join(f"{s.word(k)} {n}" for k, n in counts)


def _choices(s: Sections, row: Any, order: Sequence[str]) -> str:
    """A row's counts of the choices ``order`` (those recorded), in that order."""
    return _counted(s, ((k, row.choices[k]) for k in order if row.choices.get(k)))


def _kind(s: Sections, kind: str, rows: Sequence[Any], show: Callable[[Any], Any]) -> None:
    """One kind of market information: its heading, then ``show(rows)``, or 'none'."""
    s.sub(f"rpt.kind.{kind}")
    if rows:
        show(rows)
    else:
        s.para("rpt.market.none")


def _market(s: Sections, m: MarketInfo) -> None:
    tr = s.tr
    sep = tr("rpt.list_sep")
    s.heading("rpt.sec.market")
    # the eight kinds of market information (display and satisfaction is customer service's)
    kinds = [k.key for k in KINDS if k.key != "display"]
    s.para(
        "rpt.market.summary",
        counts=sep.join(f"{tr('rpt.kind.' + k)} {m.counts.get(k, 0)}" for k in kinds),
    )
    subject = [Column("rpt.col.brand", "subject", width=2.5), num_col("rpt.col.times", "count")]
    # 1. manufacturer activities
    methods = Column(
        "rpt.col.methods",
        lambda r: sep.join(f"{k} {n}" for k, n in r.choices.items()),
        width=5.0,
    )
    _kind(s, "activity", m.activities, lambda rows: s.add(_capped(s, [*subject, methods], rows)))
    # 2. brand sales
    selling = [
        Column("rpt.col.selling", lambda r: _choices(s, r, ("好", "一般", "差")), width=2.5),
        num_col("rpt.col.avg_sale_price", lambda r: r.extra.get("price"), fmt_money),
    ]
    _kind(
        s, "brand_sales", m.brand_sales, lambda rows: s.add(_capped(s, [*subject, *selling], rows))
    )
    # 3. new brands
    new_brand = [
        num_col("rpt.col.sold_tiao", lambda r: r.extra.get("sales_tiao")),
        Column(
            "rpt.col.acceptance",
            lambda r: _counted(s, r.extra.get("consumer", {}).items()),
            width=2.0,
        ),
        Column(
            "rpt.col.price_kept",
            lambda r: tr("rpt.yes_no", yes=r.extra.get("kept", 0), no=r.extra.get("not_kept", 0)),
        ),
        Column("rpt.col.potential", lambda r: _choices(s, r, ("大", "中", "小")), width=1.8),
    ]
    _kind(
        s, "new_brand", m.new_brands, lambda rows: s.add(_table(tr, [*subject, *new_brand], rows))
    )
    # 4. prices against guide prices
    prices = [
        Column("rpt.col.brand", "brand", width=2.5),
        Column("rpt.col.class", "price_class", s.word_cell),
        num_col("rpt.col.guide_price", "guide", fmt_money),
        num_col("rpt.col.avg_price_seen", "average", fmt_money),
        num_col(
            "rpt.col.price_range",
            lambda r: (r.low, r.high),
            lambda lh: DASH if lh[0] is None else f"{lh[0]:,.0f}–{lh[1]:,.0f}",
        ),
        num_col("rpt.col.observations", "observations"),
        num_col("rpt.col.deviations", "deviations"),
        num_col("rpt.col.unmarked", "unmarked"),
    ]
    _kind(s, "prices", m.prices, lambda rows: s.detail(prices, rows))
    # 5. retailer dynamics
    dynamics = [
        Column("rpt.col.event", "subject", s.word_cell),
        num_col("rpt.col.retailers", "count"),
        Column("rpt.col.retailer_names", lambda r: sep.join(r.extra.get("names", [])), width=6.0),
    ]
    _kind(s, "dynamics", m.dynamics, lambda rows: s.add(_table(tr, dynamics, rows)))
    # 6. stock on hand
    stock = [
        Column("rpt.col.brand", "brand", width=3.0),
        num_col("rpt.col.retailers_observed", "retailers"),
        num_col("rpt.col.stock_tiao", "stock_tiao"),
        num_col("rpt.col.stock_avg", "stock_avg", fmt_num1),
    ]
    _kind(s, "stock", m.stock, lambda rows: s.detail(stock, rows))
    # 7-8. opinions and the work log, grouped
    for kind in ("opinion", "worklog"):
        s.sub(f"rpt.kind.{kind}")
        groups = [g for g in m.texts if g.kind == kind]
        if not groups:
            s.para("rpt.market.none")
            continue
        s.para("rpt.market.grouped", n=sum(g.count for g in groups), groups=len(groups))
        columns = [Column("rpt.col.content", "text", width=7.0), num_col("rpt.col.times", "count")]
        if kind == "opinion":
            columns.append(num_col("rpt.col.retailers", "retailers"))
            columns.insert(
                1,
                Column(
                    "rpt.col.labels",
                    lambda g: _counted(s, sorted(g.labels.items(), key=lambda kv: -kv[1])),
                    fit=True,
                ),
            )
        s.detail(columns, groups)
    s.para("rpt.market.same_rule", "note")


def _potential(s: Sections, f: MonthlyFigures) -> None:
    tr = s.tr
    s.heading("rpt.sec.potential")
    big = [r for r in f.market.new_brands if r.choices.get("大")]
    if big:
        s.para(
            "rpt.potential.new_brands",
            brands=tr("rpt.list_sep").join(
                tr("rpt.potential.brand", brand=r.subject, n=r.choices["大"]) for r in big
            ),
        )
    if f.potential_brands:
        s.para("rpt.potential.growth")
        s.add(
            _table(
                tr,
                [
                    Column("rpt.col.brand", "subject", width=3.0),
                    num_col("rpt.col.qty", "qty"),
                    num_col("rpt.col.qty_before", "qty_before"),
                    num_col(
                        "rpt.col.mom", lambda r: change_pct(r.qty, r.qty_before), fmt_signed_pct
                    ),
                ],
                f.potential_brands,
            )
        )
    if not big and not f.potential_brands:
        s.para("rpt.market.none")


def _problems(s: Sections, f: MonthlyFigures, narrative: Mapping[str, str], drop_pct: float):
    tr = s.tr
    s.heading("rpt.sec.problems")
    findings = monthly_findings(f, tr, drop_pct=drop_pct, word=s.word)
    for text in findings:
        s.text(text, "bullet")
    _am_text(s, f, narrative, "problems", ("problems",), bool(findings))


def _am_text(s, f, narrative, key, weekly_keys, have_other: bool) -> None:
    """The AM's own text of a section; when not written yet, the lines of the month's weekly
    reports (said so); when neither, '(not written)'."""
    text = (narrative.get(key) or "").strip()
    if text:
        s.narrative(text)
        return
    lines = [ln for k in weekly_keys for ln in f.weekly_narrative.get(k, [])]
    if lines:
        s.para("rpt.from_weekly", "note")
        for ln in lines:
            s.text(ln, "bullet")
    elif not have_other:
        s.para("rpt.not_written", "empty")


def _improvements(s: Sections, f: MonthlyFigures, narrative: Mapping[str, str]) -> None:
    s.heading("rpt.sec.improvements")
    _am_text(s, f, narrative, "improvements", ("improvements", "suggestions"), False)


def _targets(s: Sections, f: MonthlyFigures, narrative: Mapping[str, str]) -> None:
    tr = s.tr
    nm = f.next_month
    s.heading("rpt.sec.targets")
    if nm.visits:
        s.para(
            "rpt.targets.plan",
            month=cn_month(nm.month, tr),
            status=tr(f"rpt.plan.status.{nm.plan_status}"),
            visits=nm.visits,
            retailers=nm.retailers,
            rate=fmt_pct(rate(nm.covered, nm.active)),
        )
    else:
        s.para("rpt.targets.no_plan", month=cn_month(nm.month, tr))
    t = f.brand_targets
    if t and f.cultivation:
        s.para(
            "rpt.targets.brands",
            distribution=fmt_pct(t.get("distribution_pct"), 0),
            sell_through=fmt_pct(t.get("sell_through_pct"), 0),
            on_shelf=fmt_pct(t.get("on_shelf_pct"), 0),
        )
    text = (narrative.get("targets") or "").strip()
    if text:
        s.narrative(text)
    else:
        s.para("rpt.not_written", "empty")


__all__ = ["MONTHLY_NARRATIVE_KEYS", "MonthlyFigures", "build_monthly", "monthly_findings"]
