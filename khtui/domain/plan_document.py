"""The monthly visit plan as the market manager approves it (月度拜访计划): figures and document.

The document is landscape and short: one row per retailer (its planned days, the reasons and
service measures of its visits), grouped by route and ordered by tier, after an overview (visit
frequency by tier, routes, reasons, the visits per day as a chart, the warnings the generator
gave, the brand-cultivation targets). The day-by-day list is the workbook's job
(``data/documents.py``'s ``plan_workbook``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from khtui.domain.report import (
    DASH,
    PALETTE,
    Chart,
    Column,
    ReportDocument,
    Sections,
    Series,
    Tr,
    brand_kind,
    cn_date,
    cn_month,
    fmt_md,
    fmt_num,
    fmt_num1,
    fmt_pct,
    num_col,
    rate,
    reason_name,
    reason_order,
    table,
    weekday_name,
)
from khtui.domain.weekly import BrandRow


@dataclass
class PlanVisitRow:
    day: str
    seq: int
    code: str
    name: str
    route: str | None
    tier: int | None
    reasons: list[str]
    measures: list[str]


@dataclass
class PlanRetailerRow:
    code: str
    name: str
    route: str | None
    route_seq: int | None
    tier: int | None
    days: list[str]
    reasons: dict[str, int]  # reason -> visits carrying it
    measures: list[str]


@dataclass
class PlanRouteRow:
    route: str | None
    days: list[str]
    retailers: int
    visits: int


@dataclass
class PlanDayRow:
    day: str
    routes: tuple[str, ...]  # the routes' names as stored, joined where shown
    visits: int


@dataclass
class FrequencyRow:
    tier: int | None
    per_month: int | None  # the rules' visits a month for the tier
    retailers: int
    visits: int


@dataclass
class PlanWarningRow:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanFigures:
    month: str
    status: str  # none / draft / submitted / approved
    created_at: str | None
    submitted_at: str | None
    approved_at: str | None
    submit_by: str | None
    visits: int
    retailers: int
    active: int
    covered_active: int
    missing: list[str]
    retailer_rows: list[PlanRetailerRow]
    routes: list[PlanRouteRow]
    days: list[PlanDayRow]
    reasons: dict[str, int]
    frequency: list[FrequencyRow]
    visit_rows: list[PlanVisitRow] = field(default_factory=list)
    warnings: list[PlanWarningRow] = field(default_factory=list)
    brands: list[BrandRow] = field(default_factory=list)
    brand_targets: dict[str, float] = field(default_factory=dict)
    brand_window: tuple[str, str] | None = None

    @property
    def reason_visits(self) -> int:
        """Reasons counted over visits: more than the visits when a visit carries several."""
        return sum(self.reasons.values())


def measure_names(measures: list[str], tr: Tr, known: dict[str, str]) -> str:
    """Service measures as the market manager reads them (known keys translated)."""
    return tr("rpt.list_sep").join(known.get(m, str(m)) for m in measures)


def warning_text(w: PlanWarningRow, tr: Tr) -> str:
    return tr(f"plan.warn.{w.key}", **w.params)


def build_plan(
    f: PlanFigures, tr: Tr, *, am_name: str, measure_labels: dict[str, str]
) -> ReportDocument:
    """The monthly visit plan 月度拜访计划 for the market manager's approval (landscape)."""
    month = cn_month(f.month, tr)
    meta = [tr("rpt.meta.am", name=am_name)]
    meta.append(tr("rpt.plan.meta", month=month, status=tr(f"rpt.plan.status.{f.status}")))
    if f.submitted_at:
        meta.append(tr("rpt.plan.submitted_on", date=cn_date(f.submitted_at[:10], tr)))
    elif f.submit_by:
        meta.append(tr("rpt.plan.submit_by", date=cn_date(f.submit_by, tr)))
    if f.approved_at:
        meta.append(tr("rpt.plan.approved_on", date=cn_date(f.approved_at[:10], tr)))
    doc = ReportDocument("plan", tr("rpt.plan.title", month=month), meta, landscape=True)
    s = Sections(doc, tr, max_rows=10**6)
    _overview(s, f)
    _brands(s, f)
    _retailers(s, f, measure_labels)
    s.heading("rpt.sec.plan_approval")
    s.para("rpt.plan.sign_am")
    s.para("rpt.plan.sign_manager_opinion")
    s.para("rpt.plan.sign_manager")
    return doc


def _overview(s: Sections, f: PlanFigures) -> None:
    tr = s.tr
    s.heading("rpt.sec.plan_overview")
    if not f.visits:
        s.para("rpt.plan.none", month=cn_month(f.month, tr))
        return
    s.para(
        "rpt.plan.summary",
        visits=f.visits,
        retailers=f.retailers,
        active=f.active,
        rate=fmt_pct(rate(f.covered_active, f.active)),
        days=len(f.days),
        per_day=fmt_num1(f.visits / len(f.days)) if f.days else DASH,
    )
    if f.missing:
        s.para("rpt.plan.missing", "note", n=len(f.missing))
    if f.warnings:
        s.sub("rpt.plan.warnings")
        for w in f.warnings:
            s.text(warning_text(w, tr), "bullet")
    # visit frequency by tier
    s.sub("rpt.plan.frequency")
    total = FrequencyRow(
        None, None, sum(r.retailers for r in f.frequency), sum(r.visits for r in f.frequency)
    )
    s.add(
        table(
            tr,
            [
                Column(
                    "rpt.col.tier",
                    lambda r: r,
                    lambda r: (
                        tr("rpt.total")
                        if r is total
                        else (tr("rpt.tier_name", tier=r.tier) if r.tier else tr("rpt.tier_none"))
                    ),
                ),
                num_col("rpt.col.per_month_rule", "per_month"),
                num_col("rpt.col.retailers", "retailers"),
                num_col("rpt.col.visits", "visits"),
                num_col(
                    "rpt.col.per_retailer_visits",
                    lambda r: r.visits / r.retailers if r.retailers else None,
                    fmt_num1,
                ),
            ],
            f.frequency,
            total=total,
        )
    )
    s.para("rpt.plan.frequency_note", "note")
    # routes and their days
    s.sub("rpt.plan.routes")
    rtotal = PlanRouteRow(
        None, [], sum(r.retailers for r in f.routes), sum(r.visits for r in f.routes)
    )
    s.add(
        table(
            tr,
            [
                Column(
                    "rpt.col.route",
                    lambda r: r,
                    lambda r: tr("rpt.total") if r is rtotal else (r.route or DASH),
                    width=2.0,
                ),
                Column("rpt.col.weekday", "days", lambda d: _weekdays(d, tr)),
                Column(
                    "rpt.col.visit_days",
                    "days",
                    lambda d: tr("rpt.list_sep").join(str(int(x[8:10])) for x in d),
                    width=4.0,
                ),
                num_col("rpt.col.retailers", "retailers"),
                num_col("rpt.col.visits", "visits"),
            ],
            f.routes,
            total=rtotal,
        )
    )
    # reasons: they add up to more than the visits when a visit carries several
    s.sub("rpt.plan.reasons")
    rows = sorted(f.reasons.items(), key=lambda kv: reason_order(kv[0]))
    s.add(
        table(
            tr,
            [
                Column("rpt.col.reason", lambda kv: reason_name(kv[0], tr), width=3.0),
                num_col("rpt.col.visits_with_reason", lambda kv: kv[1]),
                num_col("rpt.col.share_of_visits", lambda kv: rate(kv[1], f.visits), fmt_pct),
            ],
            rows,
        )
    )
    if f.reason_visits != f.visits:
        s.para("rpt.plan.reasons_note", "note", visits=f.visits, sum=f.reason_visits)
    # visits per day
    s.add(
        Chart(
            tr("rpt.chart.plan_days"),
            [fmt_md(d.day) for d in f.days],
            [Series(tr("rpt.col.visits"), tuple(d.visits for d in f.days), PALETTE[0])],
            unit=tr("rpt.unit.visits"),
        )
    )


def _weekdays(days: list[str], tr: Tr) -> str:
    seen: list[str] = []
    for d in days:
        name = weekday_name(d, tr)
        if name not in seen:
            seen.append(name)
    return tr("rpt.list_sep").join(seen)


def _brands(s: Sections, f: PlanFigures) -> None:
    tr = s.tr
    s.heading("rpt.sec.plan_brands")
    if not f.brands:
        s.para("rpt.brands.none")
        return
    t = f.brand_targets
    if f.brand_window:
        s.para(
            "rpt.plan.brands_now", start=fmt_md(f.brand_window[0]), end=fmt_md(f.brand_window[1])
        )
    s.add(
        table(
            tr,
            [
                Column("rpt.col.brand", "brand", width=3.0),
                Column("rpt.col.brand_type", lambda r: brand_kind(r.is_key, r.is_new, tr)),
                num_col("rpt.col.distribution_rate", "distribution_rate", fmt_pct),
                num_col(
                    "rpt.col.distribution_goal",
                    lambda r: t.get("distribution_pct"),
                    lambda x: fmt_pct(x, 0),
                ),
                num_col("rpt.col.sell_through_rate", "sell_through_rate", fmt_pct),
                num_col(
                    "rpt.col.sell_through_goal",
                    lambda r: t.get("sell_through_pct"),
                    lambda x: fmt_pct(x, 0),
                ),
                num_col("rpt.col.on_shelf_rate", "on_shelf_rate", fmt_pct),
                num_col(
                    "rpt.col.on_shelf_goal",
                    lambda r: t.get("on_shelf_pct"),
                    lambda x: fmt_pct(x, 0),
                ),
            ],
            f.brands,
        )
    )
    promo = f.reasons.get("new_product", 0)
    s.para("rpt.plan.brands_visits", "note", n=promo)


def _retailers(s: Sections, f: PlanFigures, labels: dict[str, str]) -> None:
    """One row per retailer, a table per route, rows by tier then route order."""
    tr = s.tr
    s.heading("rpt.sec.plan_retailers")
    if not f.retailer_rows:
        s.para("rpt.plan.none", month=cn_month(f.month, tr))
        return
    s.para("rpt.plan.retailers_note", "note")
    by_route: dict[str | None, list[PlanRetailerRow]] = {}
    for r in f.retailer_rows:
        by_route.setdefault(r.route, []).append(r)
    sep = tr("rpt.list_sep")
    columns = [
        num_col("rpt.col.seq", "seq", str),
        num_col("rpt.col.tier_short", "tier", lambda x: str(x) if x else DASH),
        Column("rpt.col.code", "code"),
        Column("rpt.col.retailer", "name", fit=True),
        Column("rpt.col.plan_days", "days", lambda d: sep.join(str(int(x[8:10])) for x in d)),
        num_col("rpt.col.times", lambda r: len(r.days)),
        Column(
            "rpt.col.reason",
            lambda r: sep.join(reason_name(k, tr) for k in sorted(r.reasons, key=reason_order)),
            width=2.6,
        ),
        Column("rpt.col.measures", lambda r: measure_names(r.measures, tr, labels), width=5.0),
    ]
    for route in sorted(by_route, key=lambda x: (x is None, x or "")):
        rows = sorted(by_route[route], key=lambda r: (r.tier or 99, r.route_seq or 0, r.code))
        visits = sum(len(r.days) for r in rows)
        s.sub(
            "rpt.plan.route_heading",
            route=route or DASH,
            weekdays=_weekdays(sorted({d for r in rows for d in r.days}), tr),
            n=len(rows),
            visits=visits,
        )
        numbered = [_Numbered(i, r) for i, r in enumerate(rows, 1)]
        s.add(table(tr, columns, numbered))


class _Numbered:
    """A retailer row with its number in the route's table."""

    def __init__(self, seq: int, row: PlanRetailerRow):
        self.seq, self._row = seq, row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


__all__ = ["PlanFigures", "build_plan", "fmt_num", "measure_names", "warning_text"]
