"""Reports as plain data (会报告): ISO weeks, the weekly report 周报, the monthly market analysis
月度市场分析 and the monthly visit plan 月度拜访计划.

The data layer gathers the *figures* (a JSON-able dict per report, see ``data/reports.py``); the
functions here turn figures and the AM's narrative into a :class:`ReportDocument`: a title,
a few meta lines and a list of blocks (headings, paragraphs, tables) with every value already
formatted. The Word writer (``data/documents.py``) only lays the blocks out, so what a report
says is tested here without python-docx.

Text comes through a translator ``tr(key, **kw)`` passed in (``khtui.i18n.t`` in the program),
so this module stays pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from khtui.domain.planning import REASONS

Tr = Callable[..., str]

# The narrative sections the AM writes in the weekly report (problems and their causes,
# suggestions, what to improve). Their text is never overwritten by a refresh of the figures.
NARRATIVE_KEYS: tuple[str, ...] = ("problems", "suggestions", "improvements")


CN_DIGITS = "〇一二三四五六七八九"

# -- ISO weeks ------------------------------------------------------------------------------
_WEEK_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})\s*$")


def week_key(d: dt.date) -> str:
    """The ISO week of a day: 2026-11-16 -> '2026-W47'."""
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def parse_week(key: str) -> tuple[int, int]:
    """'2026-W47' (also '2026W47', '2026-w7') -> (2026, 47); ValueError with a clear message."""
    m = _WEEK_RE.match(str(key))
    if not m:
        raise ValueError(f"not a week: {key!r} (use YYYY-Www, e.g. 2026-W47)")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"not a week: {key!r} ({year} has no week {week})") from None
    return year, week


def normalise_week(key: str) -> str:
    year, week = parse_week(key)
    return f"{year:04d}-W{week:02d}"


def week_range(key: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week."""
    year, week = parse_week(key)
    monday = dt.date.fromisocalendar(year, week, 1)
    return monday, monday + dt.timedelta(days=6)


def add_weeks(key: str, n: int) -> str:
    monday, _ = week_range(key)
    return week_key(monday + dt.timedelta(weeks=n))


def default_week(today: dt.date) -> str:
    """The last complete Monday–Sunday week before ``today``.

    A week is complete once its Sunday is over, so on a Monday it is the week that ended
    yesterday, and on a Sunday it is the week before the current one.
    """
    last_sunday = today - dt.timedelta(days=today.weekday() + 1)
    return week_key(last_sunday)


# -- small figures ----------------------------------------------------------------------------
def rate(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` in percent, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return 100.0 * part / whole


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Change against a previous value in percent (year on year); None without a basis."""
    if not previous or current is None:
        return None
    return 100.0 * (current - previous) / previous


def price_deviation_pct(actual: float | None, guide: float | None) -> float | None:
    """How far the actual retail price is from the guide price, in percent (signed)."""
    if actual is None or not guide:
        return None
    return 100.0 * (actual - guide) / guide


def is_price_deviation(actual: float | None, guide: float | None, threshold_pct: float) -> bool:
    """Flagged when |actual - guide| / guide is *above* the threshold (exactly at it is not)."""
    dev = price_deviation_pct(actual, guide)
    return dev is not None and abs(dev) > threshold_pct + 1e-9


def fmt_num(x: float | int | None, digits: int = 0) -> str:
    if x is None:
        return "-"
    if digits == 0 and float(x) != round(float(x)):
        digits = 1
    return f"{x:,.{digits}f}"


def fmt_money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}%"


def fmt_signed_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:+.1f}%"


def cn_date(d: str | dt.date, tr: Tr | None = None) -> str:
    """'2026-11-16' -> '2026年11月16日' (or the translator's ``rpt.fmt.date``)."""
    day = d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
    if tr is not None:
        return tr("rpt.fmt.date", y=day.year, m=day.month, d=day.day)
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(key: str, tr: Tr | None = None) -> str:
    """'2026-10' -> '2026年10月' (or the translator's ``rpt.fmt.month``)."""
    y, m = (int(x) for x in key.split("-"))
    if tr is not None:
        return tr("rpt.fmt.month", y=y, m=m)
    return f"{y}年{m}月"


def cn_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 1 -> 一, 10 -> 十, 11 -> 十一, 20 -> 二十, 21 -> 二十一."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")


def section_title(n: int, text: str) -> str:
    """Chinese section numbering: 1 -> '一、text', 11 -> '十一、text'."""
    return f"{cn_numeral(n)}、{text}"


# -- the document as plain data ---------------------------------------------------------------
@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body / bullet / note / empty (a narrative not written yet)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    widths: list[float]  # relative column widths

    def __post_init__(self) -> None:
        n = len(self.headers)
        if len(self.numeric) != n or len(self.widths) != n:
            raise ValueError("a table needs one numeric flag and one width per column")
        for row in self.rows:
            if len(row) != n:
                raise ValueError(f"table row {row!r} has {len(row)} cells, expected {n}")


Block = Heading | Paragraph | Table


@dataclass
class ReportDocument:
    kind: str  # weekly / monthly / plan
    title: str
    meta: list[str]
    blocks: list[Block] = field(default_factory=list)

    def counts(self) -> tuple[int, int]:
        """(paragraphs incl. headings, table cells incl. headers) the document holds."""
        paras = 1 + len(self.meta)
        cells = 0
        for b in self.blocks:
            if isinstance(b, Table):
                cells += len(b.headers) * (len(b.rows) + 1)
            else:
                paras += 1
        return paras, cells

    def text(self) -> str:
        """Everything the document says, as plain text (tests, previews)."""
        lines = [self.title, *self.meta]
        for b in self.blocks:
            if isinstance(b, Table):
                lines.append(" | ".join(b.headers))
                lines.extend(" | ".join(r) for r in b.rows)
            else:
                lines.append(b.text)
        return "\n".join(lines)


def _narrative_blocks(text: str | None, tr: Tr) -> list[Block]:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if not lines:
        return [Paragraph(tr("rpt.not_written"), "empty")]
    return [Paragraph(ln) for ln in lines]


def _detail(
    blocks: list,
    tr: Tr,
    limit: int,
    headers: list[str],
    rows: Sequence[list[str]],
    align: list[bool],
    widths: list[float],
) -> None:
    """A detail table of at most ``limit`` rows, then a note of how many were left out."""
    blocks.append(Table(headers, list(rows[:limit]), align, widths))
    if len(rows) > limit:
        blocks.append(Paragraph(tr("rpt.more_rows", n=len(rows) - limit), "note"))


def reason_names(reasons: Mapping[str, int] | Sequence[str], tr: Tr) -> str:
    """'complaint' -> 投诉回访; a mapping of counts -> '投诉回访 2、关爱 1'."""
    if isinstance(reasons, Mapping):
        parts = [
            f"{tr('plan.reason.' + k) if k in REASONS else k} {n}"
            for k, n in sorted(reasons.items(), key=lambda kv: _reason_order(kv[0]))
            if n
        ]
    else:
        parts = [tr("plan.reason." + k) if k in REASONS else str(k) for k in reasons]
    return tr("rpt.list_sep").join(parts)


def _reason_order(key: str) -> int:
    return REASONS.index(key) if key in REASONS else len(REASONS)


def weekday_name(d: str | dt.date, tr: Tr) -> str:
    day = d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
    return tr(f"rpt.weekday.{day.weekday()}")


# -- the weekly report ------------------------------------------------------------------------
def build_weekly(
    figures: Mapping[str, Any],
    narrative: Mapping[str, str],
    tr: Tr,
    *,
    am_name: str,
    version: int | None = None,
    status: str = "draft",
    max_rows: int = 30,
) -> ReportDocument:
    """The weekly report 周报 from its figures and the AM's narrative."""
    start, end = figures["start"], figures["end"]
    meta = [
        tr("rpt.meta.am", name=am_name),
        tr("rpt.meta.period", start=cn_date(start, tr), end=cn_date(end, tr), week=figures["week"]),
    ]
    if version:
        meta.append(tr("rpt.meta.version", version=version, status=tr(f"rpt.status.{status}")))
    doc = ReportDocument("weekly", tr("rpt.weekly.title", week=figures["week"]), meta)
    b = doc.blocks
    n = 0

    def heading(key: str) -> None:
        nonlocal n
        n += 1
        b.append(Heading(section_title(n, tr(key))))

    # 1. visits
    v = figures["visits"]
    heading("rpt.sec.visits")
    # total: every visit planned in the week, those rescheduled away included (see
    # ReportOps._rpt_week_visits), so a past week reads the same after later carry-overs
    effective = v["total"]
    b.append(
        Paragraph(
            tr(
                "rpt.visits.summary",
                total=effective,
                done=v["done"],
                rate=fmt_pct(rate(v["done"], effective)),
                skipped=v["skipped"],
                open=v["planned"] + v["checked_in"],
                rescheduled=v["rescheduled"],
                adhoc=v["adhoc"],
            )
        )
    )
    if v["by_day"]:
        b.append(
            Table(
                [
                    tr("rpt.col.date"),
                    tr("rpt.col.weekday"),
                    tr("rpt.col.routes"),
                    tr("rpt.col.planned"),
                    tr("rpt.col.done"),
                    tr("rpt.col.skipped"),
                    tr("rpt.col.rescheduled"),
                ],
                [
                    [
                        d["day"],
                        weekday_name(d["day"], tr),
                        d["routes"] or "-",
                        fmt_num(d["total"]),
                        fmt_num(d["done"]),
                        fmt_num(d["skipped"]),
                        fmt_num(d.get("rescheduled", 0)),
                    ]
                    for d in v["by_day"]
                ],
                [False, False, False, True, True, True, True],
                [2.2, 1.4, 3.0, 1.4, 1.4, 1.4, 1.4],
            )
        )
    if v["skip_reasons"]:
        b.append(Paragraph(tr("rpt.visits.skip_reasons")))
        b.append(
            Table(
                [tr("rpt.col.skip_reason"), tr("rpt.col.count")],
                [[r["reason"], fmt_num(r["count"])] for r in v["skip_reasons"]],
                [False, True],
                [6, 2],
            )
        )

    # 2. coverage (a week across a month's end: the month that closed in it first, in full)
    def coverage(key: str, c: Mapping[str, Any], **more: Any) -> None:
        missed = c["active"] - c["visited"]
        rate_text = fmt_pct(rate(c["visited"], c["active"]))
        b.append(
            Paragraph(
                tr(
                    key,
                    active=c["active"],
                    visited=c["visited"],
                    rate=rate_text,
                    unvisited=missed,
                    **more,
                )
            )
        )
        if c["unvisited"]:
            _detail(
                b,
                tr,
                max_rows,
                [tr("rpt.col.code"), tr("rpt.col.retailer"), tr("rpt.col.route")],
                [[u["code"], u["name"], u["route"] or "-"] for u in c["unvisited"]],
                [False, False, False],
                [2.5, 5, 2.5],
            )

    heading("rpt.sec.coverage")
    closed = figures.get("coverage_closed")  # absent from reports written before it existed
    if closed:
        coverage("rpt.coverage.closed", closed, month=cn_month(closed["month"], tr))
    c = figures["coverage"]
    coverage(
        "rpt.coverage.summary",
        c,
        as_of=cn_date(c["as_of"], tr),
        days_left=c["working_days_left"],
    )

    # 3. prices
    p = figures["prices"]
    heading("rpt.sec.prices")
    b.append(
        Paragraph(
            tr(
                "rpt.prices.summary",
                n=p["observations"],
                retailers=p["retailers"],
                brands=p["brands"],
                threshold=fmt_num(p["threshold_pct"]),
                deviations=len(p["deviations"]),
                unmarked=p["unmarked"],
            )
        )
    )
    if p["deviations"]:
        _detail(
            b,
            tr,
            max_rows,
            [
                tr("rpt.col.date"),
                tr("rpt.col.retailer"),
                tr("rpt.col.brand"),
                tr("rpt.col.guide_price"),
                tr("rpt.col.actual_price"),
                tr("rpt.col.deviation"),
            ],
            [
                [
                    d["observed_on"],
                    d["name"],
                    d["brand"],
                    fmt_money(d["guide"]),
                    fmt_money(d["actual"]),
                    fmt_signed_pct(d["dev_pct"]),
                ]
                for d in p["deviations"]
            ],
            [False, False, False, True, True, True],
            [2.1, 3.2, 2.9, 1.6, 1.6, 1.4],
        )

    # 4. stock
    s = figures["stock"]
    heading("rpt.sec.stock")
    if s:
        b.append(Paragraph(tr("rpt.stock.summary", brands=len(s))))
        _detail(
            b,
            tr,
            max_rows,
            [
                tr("rpt.col.brand"),
                tr("rpt.col.retailers_observed"),
                tr("rpt.col.stock_tiao"),
                tr("rpt.col.stock_avg"),
                tr("rpt.col.shelf_obs"),
            ],
            [
                [
                    r["brand"],
                    fmt_num(r["retailers"]),
                    fmt_num(r["stock_tiao"]),
                    fmt_num(r["stock_avg"], 1),
                    fmt_pct(r["on_shelf_rate"]),
                ]
                for r in s
            ],
            [False, True, True, True, True],
            [3.6, 1.6, 1.6, 1.6, 1.6],
        )
    else:
        b.append(Paragraph(tr("rpt.stock.none")))

    # 5. brand cultivation
    br = figures["brands"]
    heading("rpt.sec.brands")
    if br["rows"]:
        b.append(
            Paragraph(
                tr(
                    "rpt.brands.summary",
                    start=cn_date(br["window_start"], tr),
                    end=cn_date(br["window_end"], tr),
                    active=br["active"],
                )
            )
        )
        b.append(
            Table(
                [
                    tr("rpt.col.brand"),
                    tr("rpt.col.brand_type"),
                    tr("rpt.col.qty_week"),
                    tr("rpt.col.distributed"),
                    tr("rpt.col.distribution_rate"),
                    tr("rpt.col.sell_through_rate"),
                    tr("rpt.col.on_shelf_rate"),
                ],
                [
                    [
                        r["brand"],
                        tr("rpt.brand.key") if r["is_key"] else tr("rpt.brand.new"),
                        fmt_num(r["qty_week"]),
                        fmt_num(r["distributed"]),
                        fmt_pct(r["distribution_rate"]),
                        fmt_pct(r["sell_through_rate"]),
                        fmt_pct(r["on_shelf_rate"]),
                    ]
                    for r in br["rows"]
                ],
                [False, False, True, True, True, True, True],
                [3.0, 1.1, 1.4, 1.4, 1.4, 1.4, 1.4],
            )
        )
        b.append(Paragraph(tr("rpt.brands.definitions", cycle=br.get("cycle_days", "-")), "note"))
    else:
        b.append(Paragraph(tr("rpt.brands.none")))

    # 6. complaints
    cp = figures["complaints"]
    heading("rpt.sec.complaints")
    b.append(
        Paragraph(
            tr(
                "rpt.complaints.summary",
                opened=cp["opened"],
                answered=cp["answered"],
                closed=cp["closed"],
                overdue=cp["overdue"],
                open_total=cp["open_total"],
            )
        )
    )
    if cp["items"]:
        _detail(
            b,
            tr,
            max_rows,
            [
                tr("rpt.col.raised_on"),
                tr("rpt.col.retailer"),
                tr("rpt.col.category"),
                tr("rpt.col.department"),
                tr("rpt.col.status"),
                tr("rpt.col.due_on"),
            ],
            [
                [
                    r["raised_on"],
                    r["name"],
                    r["category_name"],
                    r["department"],
                    tr(f"rpt.complaint.{r['status']}")
                    + (tr("rpt.complaint.overdue_mark") if r["overdue"] else ""),
                    r["due_on"],
                ]
                for r in cp["items"]
            ],
            [False, False, False, False, False, False],
            [2.0, 3.0, 1.6, 1.7, 2.4, 2.0],
        )

    # 7. retailer dynamics
    dy = figures["dynamics"]
    heading("rpt.sec.dynamics")
    if dy:
        _detail(
            b,
            tr,
            max_rows,
            [
                tr("rpt.col.date"),
                tr("rpt.col.retailer"),
                tr("rpt.col.event"),
                tr("rpt.col.note"),
            ],
            [[r["captured_on"], r["name"], r["event"], r["note"] or ""] for r in dy],
            [False, False, False, False],
            [2.1, 3.4, 1.5, 5.8],
        )
    else:
        b.append(Paragraph(tr("rpt.dynamics.none")))

    # 8. next week's plan
    nw = figures["next_week"]
    heading("rpt.sec.next_week")
    if nw["days"]:
        b.append(
            Paragraph(
                tr(
                    "rpt.next_week.summary",
                    week=nw["week"],
                    total=nw["total"],
                    days=len(nw["days"]),
                )
            )
        )
        b.append(
            Table(
                [
                    tr("rpt.col.date"),
                    tr("rpt.col.weekday"),
                    tr("rpt.col.routes"),
                    tr("rpt.col.visits"),
                    tr("rpt.col.focus"),
                ],
                [
                    [
                        d["day"],
                        weekday_name(d["day"], tr),
                        d["routes"] or "-",
                        fmt_num(d["visits"]),
                        reason_names({k: n for k, n in d["reasons"].items() if k != "plan"}, tr)
                        or "-",
                    ]
                    for d in nw["days"]
                ],
                [False, False, False, True, False],
                [2.1, 1.3, 3.2, 1.3, 4.8],
            )
        )
    else:
        b.append(Paragraph(tr("rpt.next_week.none", week=nw["week"])))

    # 9-11. the AM's narrative
    for key in NARRATIVE_KEYS:
        heading(f"rpt.narrative.{key}")
        b.extend(_narrative_blocks(narrative.get(key), tr))
    return doc


# -- the monthly market analysis --------------------------------------------------------------
def monthly_findings(figures: Mapping[str, Any], tr: Tr, *, drop_pct: float) -> list[str]:
    """Problems the figures show by themselves (sales falls, overdue complaints, …)."""
    out: list[str] = []
    s = figures["sales"]["months"][-1]
    yoy = change_pct(s["qty"], s["qty_ly"])
    if yoy is not None and yoy < -drop_pct:
        out.append(tr("rpt.finding.sales_drop", pct=fmt_num(-yoy, 1)))
    for r in figures["tiers"]:
        tyoy = change_pct(r["qty"], r["qty_ly"])
        if tyoy is not None and tyoy < -drop_pct:
            out.append(tr("rpt.finding.tier_drop", tier=r["tier"], pct=fmt_num(-tyoy, 1)))
    for r in figures["classes"]:
        cyoy = change_pct(r["qty"], r["qty_ly"])
        if cyoy is not None and cyoy < -drop_pct:
            out.append(tr("rpt.finding.class_drop", cls=r["class"], pct=fmt_num(-cyoy, 1)))
    cov = figures["coverage"]
    if cov["active"] and cov["visited"] < cov["active"]:
        out.append(
            tr(
                "rpt.finding.coverage",
                n=cov["active"] - cov["visited"],
                rate=fmt_pct(rate(cov["visited"], cov["active"])),
            )
        )
    cp = figures["complaints"]
    if cp["overdue"]:
        out.append(tr("rpt.finding.overdue", n=cp["overdue"]))
    if figures["price_deviations"]:
        out.append(
            tr(
                "rpt.finding.prices",
                n=figures["price_deviations"],
                threshold=fmt_num(figures["price_threshold_pct"]),
            )
        )
    return out


def build_monthly(
    figures: Mapping[str, Any],
    tr: Tr,
    *,
    am_name: str,
    drop_pct: float,
    max_rows: int = 30,
) -> ReportDocument:
    """The monthly market analysis 月度市场分析报告."""
    month = figures["month"]
    doc = ReportDocument(
        "monthly",
        tr("rpt.monthly.title", month=cn_month(month, tr)),
        [
            tr("rpt.meta.am", name=am_name),
            tr(
                "rpt.meta.month_period",
                start=cn_date(figures["start"], tr),
                end=cn_date(figures["end"], tr),
            ),
        ],
    )
    b = doc.blocks
    n = 0

    def heading(key: str) -> None:
        nonlocal n
        n += 1
        b.append(Heading(section_title(n, tr(key))))

    sales = figures["sales"]
    cur = sales["months"][-1]
    heading("rpt.sec.sales")
    b.append(
        Paragraph(
            tr(
                "rpt.sales.summary",
                month=cn_month(month, tr),
                qty=fmt_num(cur["qty"]),
                jian=fmt_num(cur["qty"] / figures["tiao_per_jian"], 1),
                amount=fmt_money(cur["amount"]),
                yoy_qty=fmt_signed_pct(change_pct(cur["qty"], cur["qty_ly"])),
                yoy_amount=fmt_signed_pct(change_pct(cur["amount"], cur["amount_ly"])),
                retailers=cur["retailers"],
            )
        )
    )
    b.append(Heading(tr("rpt.sales.by_month"), 2))
    b.append(
        Table(
            [
                tr("rpt.col.month"),
                tr("rpt.col.qty"),
                tr("rpt.col.qty_ly"),
                tr("rpt.col.yoy"),
                tr("rpt.col.amount"),
                tr("rpt.col.amount_ly"),
                tr("rpt.col.yoy"),
            ],
            [
                [
                    r["month"],
                    fmt_num(r["qty"]),
                    fmt_num(r["qty_ly"]),
                    fmt_signed_pct(change_pct(r["qty"], r["qty_ly"])),
                    fmt_money(r["amount"]),
                    fmt_money(r["amount_ly"]),
                    fmt_signed_pct(change_pct(r["amount"], r["amount_ly"])),
                ]
                for r in sales["months"]
            ],
            [False, True, True, True, True, True, True],
            [1.5, 1.5, 1.5, 1.2, 2.0, 2.0, 1.2],
        )
    )

    heading("rpt.sec.tiers")
    b.append(
        Table(
            [
                tr("rpt.col.tier"),
                tr("rpt.col.retailers"),
                tr("rpt.col.qty"),
                tr("rpt.col.qty_ly"),
                tr("rpt.col.yoy"),
                tr("rpt.col.amount"),
                tr("rpt.col.per_retailer"),
            ],
            [
                [
                    tr("rpt.tier_name", tier=r["tier"]) if r["tier"] else tr("rpt.tier_none"),
                    fmt_num(r["retailers"]),
                    fmt_num(r["qty"]),
                    fmt_num(r["qty_ly"]),
                    fmt_signed_pct(change_pct(r["qty"], r["qty_ly"])),
                    fmt_money(r["amount"]),
                    fmt_num(r["qty"] / r["retailers"] if r["retailers"] else None, 1),
                ]
                for r in figures["tiers"]
            ],
            [False, True, True, True, True, True, True],
            [1.3, 1.2, 1.6, 1.6, 1.2, 2.2, 1.5],
        )
    )
    b.append(Paragraph(tr("rpt.tiers.note"), "note"))

    heading("rpt.sec.categories")
    total_qty = cur["qty"] or 0
    _detail(
        b,
        tr,
        max_rows,
        [
            tr("rpt.col.category"),
            tr("rpt.col.retailers"),
            tr("rpt.col.qty"),
            tr("rpt.col.share"),
            tr("rpt.col.amount"),
            tr("rpt.col.avg_price"),
        ],
        [
            [
                r["category"] or tr("rpt.category_none"),
                fmt_num(r["retailers"]),
                fmt_num(r["qty"]),
                fmt_pct(rate(r["qty"], total_qty)),
                fmt_money(r["amount"]),
                fmt_money(r["amount"] / r["qty"] if r["qty"] else None),
            ]
            for r in figures["categories"]
        ],
        [False, True, True, True, True, True],
        [3.4, 1.2, 1.6, 1.2, 2.2, 1.6],
    )

    heading("rpt.sec.brand_structure")
    b.append(Heading(tr("rpt.brand_structure.by_class"), 2))
    b.append(
        Table(
            [
                tr("rpt.col.class"),
                tr("rpt.col.qty"),
                tr("rpt.col.share"),
                tr("rpt.col.qty_ly"),
                tr("rpt.col.yoy"),
                tr("rpt.col.amount"),
            ],
            [
                [
                    r["class"] or tr("rpt.class_none"),
                    fmt_num(r["qty"]),
                    fmt_pct(rate(r["qty"], total_qty)),
                    fmt_num(r["qty_ly"]),
                    fmt_signed_pct(change_pct(r["qty"], r["qty_ly"])),
                    fmt_money(r["amount"]),
                ]
                for r in figures["classes"]
            ],
            [False, True, True, True, True, True],
            [2.6, 1.6, 1.2, 1.6, 1.2, 2.2],
        )
    )
    b.append(Heading(tr("rpt.brand_structure.top"), 2))
    b.append(
        Table(
            [
                tr("rpt.col.brand"),
                tr("rpt.col.class"),
                tr("rpt.col.brand_type"),
                tr("rpt.col.qty"),
                tr("rpt.col.share"),
                tr("rpt.col.distributed"),
                tr("rpt.col.amount"),
            ],
            [
                [
                    r["brand"],
                    r["class"] or "-",
                    tr("rpt.brand.key")
                    if r["is_key"]
                    else (tr("rpt.brand.new") if r["is_new"] else ""),
                    fmt_num(r["qty"]),
                    fmt_pct(rate(r["qty"], total_qty)),
                    fmt_num(r["retailers"]),
                    fmt_money(r["amount"]),
                ]
                for r in figures["top_brands"]
            ],
            [False, False, False, True, True, True, True],
            [3.0, 1.4, 1.0, 1.4, 1.1, 1.3, 2.0],
        )
    )

    heading("rpt.sec.opinions")
    ops = figures["opinions"]
    if ops:
        b.append(Paragraph(tr("rpt.opinions.summary", n=len(ops))))
        _detail(
            b,
            tr,
            max_rows,
            [
                tr("rpt.col.date"),
                tr("rpt.col.retailer"),
                tr("rpt.col.opinion_type"),
                tr("rpt.col.content"),
            ],
            [[r["captured_on"], r["name"], r["type"], r["text"]] for r in ops],
            [False, False, False, False],
            [2.1, 3.0, 1.1, 6.5],
        )
    else:
        b.append(Paragraph(tr("rpt.opinions.none")))

    heading("rpt.sec.problems")
    findings = monthly_findings(figures, tr, drop_pct=drop_pct)
    b.extend(Paragraph(f, "bullet") for f in findings)
    weekly = figures.get("weekly_narrative", {})
    written = [ln for ln in (weekly.get("problems") or []) if ln.strip()]
    b.extend(Paragraph(ln, "bullet") for ln in written)
    if not findings and not written:
        b.append(Paragraph(tr("rpt.not_written"), "empty"))

    heading("rpt.sec.improvements")
    written = [
        ln
        for key in ("improvements", "suggestions")
        for ln in (weekly.get(key) or [])
        if ln.strip()
    ]
    if written:
        b.extend(Paragraph(ln, "bullet") for ln in written)
    else:
        b.append(Paragraph(tr("rpt.not_written"), "empty"))
    return doc


# -- the monthly visit plan -------------------------------------------------------------------
def measure_names(measures: Sequence[str], tr: Tr, known: Mapping[str, str]) -> str:
    """Service measures as the market manager reads them (known keys translated)."""
    return tr("rpt.list_sep").join(known.get(m, str(m)) for m in measures)


def build_plan(
    figures: Mapping[str, Any],
    tr: Tr,
    *,
    am_name: str,
    measure_labels: Mapping[str, str],
) -> ReportDocument:
    """The monthly visit plan 月度拜访计划, per day and route, for the market manager."""
    month = figures["month"]
    meta = [
        tr("rpt.meta.am", name=am_name),
        tr(
            "rpt.plan.meta",
            month=cn_month(month, tr),
            status=tr(f"rpt.plan.status.{figures['status']}"),
        ),
    ]
    doc = ReportDocument("plan", tr("rpt.plan.title", month=cn_month(month, tr)), meta)
    b = doc.blocks
    b.append(Heading(section_title(1, tr("rpt.sec.plan_overview"))))
    b.append(
        Paragraph(
            tr(
                "rpt.plan.summary",
                visits=figures["visits"],
                retailers=figures["retailers"],
                active=figures["active"],
                rate=fmt_pct(rate(figures["covered_active"], figures["active"])),
                days=len(figures["days"]),
                per_day=fmt_num(figures["visits"] / len(figures["days"]), 1)
                if figures["days"]
                else "-",
            )
        )
    )
    if figures["missing"]:
        b.append(Paragraph(tr("rpt.plan.missing", n=len(figures["missing"])), "note"))
    if figures["routes"]:
        b.append(
            Table(
                [
                    tr("rpt.col.route"),
                    tr("rpt.col.visit_days"),
                    tr("rpt.col.retailers"),
                    tr("rpt.col.visits"),
                ],
                [
                    [r["route"] or "-", r["days"], fmt_num(r["retailers"]), fmt_num(r["visits"])]
                    for r in figures["routes"]
                ],
                [False, False, True, True],
                [3.0, 6.0, 1.6, 1.6],
            )
        )
    if figures["reasons"]:
        b.append(
            Table(
                [tr("rpt.col.reason"), tr("rpt.col.visits")],
                [
                    [reason_names([k], tr), fmt_num(nv)]
                    for k, nv in sorted(
                        figures["reasons"].items(), key=lambda kv: _reason_order(kv[0])
                    )
                ],
                [False, True],
                [6, 2],
            )
        )
    b.append(Heading(section_title(2, tr("rpt.sec.plan_days"))))
    if not figures["days"]:
        b.append(Paragraph(tr("rpt.plan.none", month=cn_month(month, tr))))
    for day in figures["days"]:
        b.append(
            Heading(
                tr(
                    "rpt.plan.day",
                    date=cn_date(day["day"], tr),
                    weekday=weekday_name(day["day"], tr),
                    routes=day["routes"] or "-",
                    n=len(day["visits"]),
                ),
                2,
            )
        )
        b.append(
            Table(
                [
                    tr("rpt.col.seq"),
                    tr("rpt.col.code"),
                    tr("rpt.col.retailer"),
                    tr("rpt.col.route"),
                    tr("rpt.col.tier"),
                    tr("rpt.col.reason"),
                    tr("rpt.col.measures"),
                ],
                [
                    [
                        str(i),
                        v["code"],
                        v["name"],
                        v["route"] or "-",
                        str(v["tier"]) if v["tier"] else "-",
                        reason_names(v["reasons"], tr),
                        measure_names(v["measures"], tr, measure_labels) or "-",
                    ]
                    for i, v in enumerate(day["visits"], 1)
                ],
                [True, False, False, False, True, False, False],
                [0.9, 2.7, 3.0, 1.4, 0.9, 2.1, 3.2],
            )
        )
    b.append(Heading(section_title(3, tr("rpt.sec.plan_approval"))))
    b.append(Paragraph(tr("rpt.plan.sign_am")))
    b.append(Paragraph(tr("rpt.plan.sign_manager_opinion")))
    b.append(Paragraph(tr("rpt.plan.sign_manager")))
    return doc
