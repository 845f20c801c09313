"""预测准确率 in the weekly report and the monthly analysis: the figures a report keeps (frozen
with a submitted version, like the rest of its figures) and the part of the document that
shows them.

A month is scored against the forecast made for it before it began (the data layer finds it,
``ForecastOps.run_before``): 1 − |forecast − actual| / actual, capped to [0, 1], on the summed
forecast and summed actual of the area, a retailer or a brand. A month still running has no
accuracy yet: the report shows its forecast, the actual so far and how far the month has gone
(完成进度 against 时间进度, in working days) instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from khtui.domain.report import (
    DASH,
    Column,
    Sections,
    Tr,
    brand_kind,
    cn_month,
    fmt_num,
    fmt_pct,
    num_col,
    rate,
    short_date,
    table,
)


@dataclass
class ScoredRow:
    """A retailer or a brand in one month: its forecast, actual and accuracy."""

    code: str
    name: str | None
    forecast: float
    actual: float
    accuracy: float
    is_key: bool = False  # brands: a key brand (重点品牌)
    is_new: bool = False  # brands: a new brand (新品)


@dataclass
class MonthAccuracyFigures:
    """One month's 预测准确率 as a report shows it.

    ``forecast_as_of`` is the day the scored forecast stood on; None when no forecast was made
    for the month before it began (then ``forecast`` and ``accuracy`` are None too).
    ``complete``: the month is over as of the report (``actual_to`` its last day); otherwise
    ``actual`` runs to ``actual_to`` and ``accuracy`` is None.
    """

    month: str
    complete: bool
    actual_to: str
    actual: float
    forecast_as_of: str | None = None
    forecast: float | None = None
    accuracy: float | None = None
    workdays: int = 0  # working days in the month
    workdays_passed: int = 0  # of them, up to actual_to
    retailers_scored: int = 0  # retailers with a forecast or an order in the month
    lowest_retailers: list[ScoredRow] = field(default_factory=list)  # lowest accuracy first
    lowest_brands: list[ScoredRow] = field(default_factory=list)  # key and new brands

    @property
    def progress(self) -> float | None:
        """完成进度: the actual so far as a share of the month's forecast."""
        return rate(self.actual, self.forecast) if self.forecast else None

    @property
    def time_progress(self) -> float | None:
        """时间进度: the working days gone as a share of the month's."""
        return rate(self.workdays_passed, self.workdays) if self.workdays else None


def fmt_accuracy(x: float | None) -> str:
    """An accuracy (a share, 0..1) as a percentage; None -> '—'."""
    return fmt_pct(None if x is None else 100.0 * x)


def fmt_tiao(x: float | None) -> str:
    """条 as whole numbers (a forecast is not more precise than that)."""
    return fmt_num(None if x is None else round(x))


def lowest(rows: Sequence[ScoredRow], n: int) -> list[ScoredRow]:
    """The ``n`` rows of lowest accuracy (the larger miss first among equals); rows with
    neither a forecast nor an order say nothing and are left out."""
    scored = [r for r in rows if round(r.forecast) or r.actual]
    scored.sort(key=lambda r: (r.accuracy, -abs(r.forecast - r.actual), r.code))
    return scored[:n]


def accuracy_part(
    s: Sections, months: Sequence[MonthAccuracyFigures] | None, *, detail: bool = False
) -> None:
    """The 预测准确率 part of a report (a sub-heading): one row per month; with ``detail``
    (the monthly analysis) the retailers and the key and new brands of lowest accuracy.
    ``months`` None: a version stored before reports kept it."""
    tr = s.tr
    s.sub("rpt.acc.title")
    if months is None:
        s.para("rpt.acc.not_recorded", "note")
        return
    if not any(m.forecast_as_of for m in months):
        s.para("rpt.acc.none", "note")
        return
    for m in months:
        _summary(s, m)
    s.add(_months_table(tr, months))
    s.para("rpt.acc.definition", "note")
    if not detail:
        return
    for m in months:
        if not (m.complete and m.forecast_as_of):
            continue
        if m.lowest_retailers:
            s.para("rpt.acc.lowest_retailers", n=len(m.lowest_retailers), of=m.retailers_scored)
            s.detail(_row_columns("rpt.col.retailer", "rpt.col.code"), m.lowest_retailers)
        if m.lowest_brands:
            s.para("rpt.acc.lowest_brands", n=len(m.lowest_brands))
            s.detail(
                [
                    *_row_columns("rpt.col.brand", "rpt.col.brand_code"),
                    Column("rpt.col.brand_type", lambda r: brand_kind(r.is_key, r.is_new, tr)),
                ],
                m.lowest_brands,
            )


def _summary(s: Sections, m: MonthAccuracyFigures) -> None:
    tr = s.tr
    month = cn_month(m.month, tr)
    if m.forecast_as_of is None:
        s.para("rpt.acc.month_none", month=month)
    elif m.complete:
        s.para(
            "rpt.acc.month_done",
            month=month,
            accuracy=fmt_accuracy(m.accuracy),
            forecast=fmt_tiao(m.forecast),
            actual=fmt_tiao(m.actual),
            as_of=short_date(m.forecast_as_of, tr),
        )
    else:
        s.para(
            "rpt.acc.month_running",
            month=month,
            to=short_date(m.actual_to, tr),
            forecast=fmt_tiao(m.forecast),
            actual=fmt_tiao(m.actual),
            progress=fmt_pct(m.progress),
            time=fmt_pct(m.time_progress),
            as_of=short_date(m.forecast_as_of, tr),
        )


def _months_table(tr: Tr, months: Sequence[MonthAccuracyFigures]):
    def month_label(m: MonthAccuracyFigures) -> str:
        if m.complete:
            return m.month
        return m.month + tr("rpt.acc.mark_running", to=short_date(m.actual_to, tr))

    return table(
        tr,
        [
            Column("rpt.col.month", month_label),
            Column(
                "rpt.col.forecast_date",
                lambda m: short_date(m.forecast_as_of, tr) if m.forecast_as_of else DASH,
            ),
            num_col("rpt.col.forecast_qty", "forecast", fmt_tiao),
            num_col("rpt.col.actual_qty", "actual", fmt_tiao),
            num_col("rpt.col.accuracy", "accuracy", fmt_accuracy),
            num_col("rpt.col.progress", lambda m: None if m.complete else m.progress, fmt_pct),
            num_col(
                "rpt.col.time_progress",
                lambda m: None if m.complete else m.time_progress,
                fmt_pct,
            ),
        ],
        months,
    )


def _row_columns(name: str, code: str) -> list[Column]:
    return [
        Column(name, lambda r: r.name or r.code, width=3.0),
        Column(code, "code"),
        num_col("rpt.col.forecast_qty", "forecast", fmt_tiao),
        num_col("rpt.col.actual_qty", "actual", fmt_tiao),
        num_col("rpt.col.accuracy", "accuracy", fmt_accuracy),
    ]


__all__ = [
    "MonthAccuracyFigures",
    "ScoredRow",
    "accuracy_part",
    "fmt_accuracy",
    "fmt_tiao",
    "lowest",
]
