"""Reports as plain data (会报告): ISO weeks, figures formatting, and the document model.

Three documents are built from figures the data layer gathers: the weekly report 周报
(``domain/weekly.py``), the monthly market analysis 月度市场分析 (``domain/monthly.py``) and the
monthly visit plan 月度拜访计划 (``domain/plan_document.py``). Each turns typed figures and the
AM's narrative into a :class:`ReportDocument`: a title, a few meta lines and a list of blocks
(headings, paragraphs, tables, charts) with every value already formatted. The Word writer
(``data/documents.py``) only lays the blocks out, so what a report says is tested without
python-docx.

Tables are described by :class:`Column` specs (header, value, format, alignment, width) and
built with :func:`table`; a column that holds numbers or short words is sized by the writer to
its longest text (``fit``), so they never wrap. Charts are data too (:class:`Chart`): their
category labels are dates, months or row numbers, never Chinese words, and their legend and
caption are document text, so a chart picture needs no CJK font.

Text comes through a translator ``tr(key, **kw)`` passed in (a ``khtui.i18n.Translator`` of the
user's language in the program), so these modules stay pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from khtui.domain.dates import FIRST_YEAR, LAST_YEAR
from khtui.domain.planning import REASONS

Tr = Callable[..., str]

# The narrative sections the AM writes in the weekly report (problems and their causes,
# suggestions, what to improve). Their text is never overwritten by a refresh of the figures.
NARRATIVE_KEYS: tuple[str, ...] = ("problems", "suggestions", "improvements")

DASH = "—"  # a figure that cannot be given (nothing observed, no complete basis)
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


def handled_week(key: str) -> str:
    """A week the user names, normalised: ValueError for one that is not a week, or one of a
    year the program does not handle (:data:`~khtui.domain.dates.FIRST_YEAR` to
    :data:`~khtui.domain.dates.LAST_YEAR`, as for a month: a week's figures look a year back
    and a week on, which the calendar's first and last years do not have)."""
    week = normalise_week(key)
    if not FIRST_YEAR <= int(week[:4]) <= LAST_YEAR:
        raise ValueError(f"not a week the program handles: {key!r}")
    return week


def week_started(key: str, today: dt.date) -> bool:
    """Whether week ``key`` has begun by ``today`` (the current week has; a later one has no
    figures yet, and no report)."""
    return week_range(key)[0] <= today


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


def default_month(today: dt.date) -> str:
    """The last complete month before ``today`` (the monthly analysis is written on it)."""
    from khtui.domain.months import add_months, month_key

    return add_months(month_key(today), -1)


def week_name(key: str, tr: Tr) -> str:
    """A week as people say it: '2026年第47周（11月16日—11月22日）'."""
    year, week = parse_week(key)
    monday, sunday = week_range(key)
    return tr(
        "rpt.fmt.week",
        y=year,
        w=week,
        m1=monday.month,
        d1=monday.day,
        m2=sunday.month,
        d2=sunday.day,
    )


# -- small figures ----------------------------------------------------------------------------
def rate(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` in percent, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return 100.0 * part / whole


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Change against a previous value in percent; None without a basis."""
    if not previous or current is None:
        return None
    return 100.0 * (current - previous) / previous


def fmt_num(x: float | None, digits: int = 0) -> str:
    """1234 -> '1,234'; a fraction gets one decimal; None -> '—'."""
    if x is None:
        return DASH
    if digits == 0 and float(x) != round(float(x)):
        digits = 1
    return f"{x:,.{digits}f}"


def fmt_num1(x: float | None) -> str:
    return fmt_num(x, 1)


def fmt_money(x: float | None) -> str:
    """Yuan with two decimals: 1234.5 -> '1,234.50'."""
    return DASH if x is None else f"{x:,.2f}"


def fmt_wan(x: float | None) -> str:
    """Yuan as 万元 with two decimals, for tables about scale: 6,900,390 -> '690.04'."""
    return DASH if x is None else f"{x / 10000:,.2f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return DASH if x is None else f"{x:.{digits}f}%"


def fmt_signed_pct(x: float | None) -> str:
    return DASH if x is None else f"{x:+.1f}%"


def fmt_text(x: Any) -> str:
    return DASH if x is None or x == "" else str(x)


def fmt_md(day: str | dt.date | None) -> str:
    """'2026-11-16' -> '11-16' (a date inside a period already named)."""
    if not day:
        return DASH
    return str(day)[5:10]


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


def short_date(d: str | dt.date, tr: Tr) -> str:
    """'2026-11-16' -> '11月16日' (``rpt.fmt.md``)."""
    day = d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
    return tr("rpt.fmt.md", m=day.month, d=day.day)


def cn_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 1 -> 一, 10 -> 十, 11 -> 十一, 20 -> 二十, 21 -> 二十一."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")


class Numeral(int):
    """A section's number as a message parameter: ``{n:cn}`` writes it in Chinese numerals
    (一, 十一), ``{n}`` in digits; the catalogue's ``rpt.heading`` picks per language."""

    def __format__(self, spec: str) -> str:
        return cn_numeral(int(self)) if spec == "cn" else format(int(self), spec)


def section_title(n: int, text: str, tr: Tr) -> str:
    """A numbered level-1 heading: '一、text' in Chinese, '1. text' in English."""
    return tr("rpt.heading", n=Numeral(n), text=text)


# -- the document as plain data ---------------------------------------------------------------
@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body / bullet / note / empty (a narrative not written yet)
    # what it adds about the document's charts: said where they are drawn (the Word file),
    # left out where they are not (the screen)
    about_charts: str = ""

    @property
    def printed(self) -> str:
        """The paragraph where the charts are drawn."""
        return self.text + self.about_charts


ALIGNS = ("left", "right", "center")


@dataclass
class Table:
    """A table with every cell formatted. ``fit`` columns are sized by the writer to their
    longest text (numbers, dates, short words never wrap); the others share what is left in
    proportion to ``widths``. ``total``: the last row is a 合计 row."""

    headers: list[str]
    rows: list[list[str]]
    aligns: list[str]
    widths: list[float]
    fit: list[bool] = field(default_factory=list)
    total: bool = False

    def __post_init__(self) -> None:
        n = len(self.headers)
        if not self.fit:
            self.fit = [a != "left" for a in self.aligns]
        if len(self.aligns) != n or len(self.widths) != n or len(self.fit) != n:
            raise ValueError("a table needs one alignment, width and fit flag per column")
        if any(a not in ALIGNS for a in self.aligns):
            raise ValueError(f"alignments are {ALIGNS}")
        for row in self.rows:
            if len(row) != n:
                raise ValueError(f"table row {row!r} has {len(row)} cells, expected {n}")

    @property
    def numeric(self) -> list[bool]:
        """Right-aligned (number) columns."""
        return [a == "right" for a in self.aligns]


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name (document text: the legend is written beside the
    picture), its values (None: no value) and its colour (hex RGB)."""

    name: str
    values: tuple[float | None, ...]
    color: str
    kind: str = "bar"  # bar / line


@dataclass
class Chart:
    """A chart as data. ``labels`` are the categories (dates, months, row numbers: plain ASCII,
    so the picture needs no CJK font); ``caption`` and the series' names are written as the
    document's own text. ``percent``: values are percentages (axis 0–100)."""

    caption: str
    labels: list[str]
    series: list[Series]
    percent: bool = False
    horizontal: bool = False
    unit: str = ""  # the value axis' unit, written in the caption line

    def __post_init__(self) -> None:
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError(
                    f"series {s.name!r} has {len(s.values)} values, expected {len(self.labels)}"
                )
        for text in self.labels:
            if not text.isascii():
                raise ValueError(
                    f"chart label {text!r} is not plain ASCII (put words in the "
                    "caption, not in the picture)"
                )


Block = Heading | Paragraph | Table | Chart


@dataclass
class ReportDocument:
    kind: str  # weekly / monthly / plan
    title: str
    meta: list[str]
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False

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

    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]

    def text(self) -> str:
        """Everything the document says, as plain text (tests, previews)."""
        lines = [self.title, *self.meta]
        for b in self.blocks:
            if isinstance(b, Table):
                lines.append(" | ".join(b.headers))
                lines.extend(" | ".join(r) for r in b.rows)
            elif isinstance(b, Chart):
                lines.append(b.caption)
                lines.append(" ".join(s.name for s in b.series))
            elif isinstance(b, Paragraph):
                lines.append(b.printed)
            else:
                lines.append(b.text)
        return "\n".join(lines)


# -- tables from column specs ---------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a report table: its header (a catalogue key, with ``header_kw``), where
    its value comes from (a field name of the row record, or a function of the record), how it
    is formatted, aligned and how wide it may grow (relative ``width`` of the space left after
    the ``fit`` columns). ``fit=None``: fit every column but left-aligned free text."""

    header: str
    key: str | Callable[[Any], Any]
    fmt: Callable[[Any], str] = fmt_text
    align: str = "left"
    width: float = 1.0
    fit: bool | None = None
    header_kw: Mapping[str, Any] = field(default_factory=dict)

    def value(self, record: Any) -> Any:
        if callable(self.key):
            return self.key(record)
        if isinstance(record, Mapping):
            return record.get(self.key)
        return getattr(record, self.key)


def num_col(header: str, key: str | Callable[[Any], Any], fmt=fmt_num, **kw: Any) -> Column:
    """A right-aligned number column."""
    return Column(header, key, fmt, "right", **kw)


def table(
    tr: Tr,
    columns: Sequence[Column],
    records: Iterable[Any],
    *,
    total: Any | None = None,
) -> Table:
    """A :class:`Table` from column specs and row records; ``total`` is a record formatted by
    the same columns and written last, in bold (its first column should say 合计)."""
    rows = [[c.fmt(c.value(r)) for c in columns] for r in records]
    if total is not None:
        rows.append([c.fmt(c.value(total)) for c in columns])
    return Table(
        [tr(c.header, **c.header_kw) for c in columns],
        rows,
        [c.align for c in columns],
        [c.width for c in columns],
        [c.fit if c.fit is not None else c.align != "left" or c.width <= 1.0 for c in columns],
        total=total is not None,
    )


class Sections:
    """The blocks of a document with its numbered level-1 headings (一、二、… in Chinese).

    ``word`` says a company word as stored (a retailer category, a price class, a complaint
    category or department, a choice of a market-information form) in the document's language
    (``Translator.word`` with the rules; by default the word as stored)."""

    def __init__(
        self,
        doc: ReportDocument,
        tr: Tr,
        max_rows: int = 30,
        word: Callable[[str], str] = str,
        max_routes: int = 2,
    ):
        self.doc, self.tr, self.max_rows, self.word = doc, tr, max_rows, word
        self.max_routes = max_routes
        self.n = 0

    def routes_cell(self, routes: Sequence[str]) -> str:
        """A day's routes as a table cell: every one up to ``max_routes``; past that the first
        ``max_routes`` and how many there are (a city AM's day has dozens: named all, the cell
        ran down a screen and a page)."""
        listed = self.tr("fmt.sep").join(routes[: self.max_routes])
        if len(routes) <= self.max_routes:
            return listed
        return self.tr("rpt.routes_more", routes=listed, total=len(routes))

    def word_cell(self, value: Any) -> str:
        """A company word as a table cell: in the document's language, '—' when empty."""
        return fmt_text(self.word(value) if value else value)

    @property
    def blocks(self) -> list[Block]:
        return self.doc.blocks

    def heading(self, key: str, **kw: Any) -> None:
        self.n += 1
        self.doc.blocks.append(Heading(section_title(self.n, self.tr(key, **kw), self.tr)))

    def sub(self, key: str, **kw: Any) -> None:
        self.doc.blocks.append(Heading(self.tr(key, **kw), 2))

    def para(self, key: str, style: str = "body", **kw: Any) -> None:
        self.doc.blocks.append(Paragraph(self.tr(key, **kw), style))

    def text(self, text: str, style: str = "body") -> None:
        self.doc.blocks.append(Paragraph(text, style))

    def add(self, block: Block) -> None:
        self.doc.blocks.append(block)

    def detail(
        self, columns: Sequence[Column], records: Sequence[Any], *, total: Any | None = None
    ) -> None:
        """A detail table of at most ``max_rows`` rows, then a note of how many were left out."""
        self.add(table(self.tr, columns, records[: self.max_rows], total=total))
        if len(records) > self.max_rows:
            self.para("rpt.more_rows", "note", n=len(records) - self.max_rows)

    def narrative(self, text: str | None) -> None:
        lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
        if not lines:
            self.para("rpt.not_written", "empty")
        for ln in lines:
            self.text(ln)


# -- words shared by the documents ----------------------------------------------------------
def reason_name(key: str, tr: Tr) -> str:
    """A visit reason as the documents say it (the plain planned visit reads 例行拜访)."""
    if key == "plan":
        return tr("rpt.reason.plan")
    return tr("plan.reason." + key) if key in REASONS else str(key)


def reason_names(reasons: Mapping[str, int] | Sequence[str], tr: Tr) -> str:
    """'complaint' -> 投诉回访; a mapping of counts -> '投诉回访 2、关爱 1'."""
    if isinstance(reasons, Mapping):
        parts = [
            f"{reason_name(k, tr)} {n}"
            for k, n in sorted(reasons.items(), key=lambda kv: reason_order(kv[0]))
            if n
        ]
    else:
        parts = [reason_name(k, tr) for k in sorted(reasons, key=reason_order)]
    return tr("rpt.list_sep").join(parts)


def reason_order(key: str) -> int:
    return REASONS.index(key) if key in REASONS else len(REASONS)


def weekday_name(d: str | dt.date, tr: Tr) -> str:
    day = d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
    return tr(f"rpt.weekday.{day.weekday()}")


def brand_kind(is_key: bool, is_new: bool, tr: Tr) -> str:
    """重点 / 新品 / both ('重点、新品') / ''."""
    parts = ([tr("rpt.brand.key")] if is_key else []) + ([tr("rpt.brand.new")] if is_new else [])
    return tr("rpt.list_sep").join(parts)


# Series colours (hex RGB): a printable palette that stays apart in grey too.
PALETTE = ("4472C4", "ED7D31", "70AD47", "A5A5A5", "FFC000", "5B9BD5")
