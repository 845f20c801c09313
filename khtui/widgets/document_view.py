"""A report document (``khtui.domain.report.ReportDocument``) as Rich renderables, to read it
on screen: the report screen shows its figures beside the boxes the AM types in, the manager's
view shows a submitted report whole."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, Group, JustifyMethod, RenderResult
from rich.measure import Measurement
from rich.table import Table as RichTable
from rich.text import Text

from khtui.domain.report import Heading, Paragraph, ReportDocument, Table

_JUSTIFY: dict[str, JustifyMethod] = {"left": "left", "right": "right", "center": "center"}


_OPENING = ("（", "(")
# no line starts with these (they close what is before them) …
_CLOSING = frozenset("，。、；：！？）》」』”’)]},.;:!?%")
# … nor ends with these (they open what follows)
_OPENERS = frozenset("（《「『“‘([{")
_UNIT = 4  # at most so many characters of a unit stay with the number before it (个工作日)


def _ideograph(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and unicodedata.east_asian_width(ch) in "WF"


def _units(text: str) -> list[str]:
    """``text`` in the pieces a line may break between: each Chinese character, each run of
    other characters with the spaces after it; punctuation stays with the character it
    closes or opens, a number with the unit after it (48 户, 46 个品规, 3,646条, 5 days), and
    a count that closes a clause with what it counts (销量波动 2、)."""
    units: list[str] = []
    glue = False  # the next piece joins the last one
    unit_left = 0  # characters of a unit that still join the number before them
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            if units:
                units[-1] += text[i:j]
            i = j
            continue
        if _ideograph(ch):
            piece, i = ch, i + 1
        else:
            j = i
            while j < n and not text[j].isspace() and not _ideograph(text[j]):
                j += 1
                if j < n and text[j] in _OPENERS:  # （ starts a piece of its own
                    break
            piece, i = text[i:j], j
        last = units[-1] if units else ""
        # a count closing a clause stays with what it counts: 销量波动 2、…
        counted = any(c.isdigit() for c in piece) and (piece[-1] in _CLOSING or i >= n)
        joins = bool(last) and (
            glue
            or counted
            or piece[0] in _CLOSING
            or last[-1] in _OPENERS
            or (unit_left > 0 and _ideograph(piece[0]))
            or (last[-1].isdigit() and _ideograph(piece[0]))  # 12月, 1日
        )
        if joins:
            units[-1] += piece
        else:
            units.append(piece)
        glue = False
        if _ideograph(piece[0]):
            unit_left = unit_left - 1 if joins and unit_left > 0 else 0
        elif piece[-1].isdigit() and i < n and text[i].isspace():
            unit_left = _UNIT  # a number and a space: its unit follows (not after 96.7%);)
            glue = True
        else:
            unit_left = 0
    return units


class Prose:
    """A paragraph of mixed Chinese and Latin text, wrapped as Chinese is set: a line may
    break between any two Chinese characters and at spaces, but not before closing or after
    opening punctuation, nor between a number and its unit (Rich alone breaks only at spaces,
    so a long run of Chinese went whole to the next line and a number left its unit behind)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text, self.style = text, style

    def lines(self, width: int) -> list[str]:
        width = max(1, width)
        out: list[str] = []
        line = ""
        for unit in _units(self.text):
            if line and cell_len((line + unit).rstrip()) > width:
                out.append(line.rstrip())
                line = ""
            while cell_len(unit.rstrip()) > width:  # longer than a line: folded
                head, *_ = chop_cells(unit, width)
                out.append(head)
                unit = unit[len(head) :]
            line += unit
        if line.strip() or not out:
            out.append(line.rstrip())
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield Text(line, style=self.style, end="\n")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(u.rstrip()) for u in _units(self.text)), default=0)
        return Measurement(min(widest, options.max_width), cell_len(self.text))


def head_lines(header: str, cells: int = 0) -> list[str]:
    """A column's head as lines on screen: what its brackets hold on a line of its own, and
    a span of dates (…—…) without its brackets, broken after its dash: 指导价(元/条) reads
    指导价 / (元/条), 本周（11月30日—12月6日） reads 本周 / 11月30日— / 12月6日; a head
    without brackets breaks after a slash, or at spaces (to about half its width, or as wide
    as its ``cells``)."""
    at = min((i for i in (header.find(o) for o in _OPENING) if i > 0), default=-1)
    if at < 0 or header[-1] not in "）)":
        if "/" in header.strip("/"):  # 答复/办结日: 答复/ and 办结日
            first, rest = header.split("/", 1)
            return [f"{first}/", rest]
        if " " in header:  # On last week: On last / week
            width = max(cells, *(len(w) for w in header.split()), len(header) // 2 + 1)
            return textwrap.wrap(header, width)
        return [header]
    inside = header[at + 1 : -1]
    for dash in ("—", " to "):
        if dash in inside:
            first, rest = inside.split(dash, 1)
            return [header[:at].rstrip(), f"{first}{dash.rstrip()}", rest]
    return [header[:at].rstrip(), header[at:]]


def _table(block: Table) -> RichTable:
    """The table on screen: a column of numbers, or one the document fits to its text (dates,
    short words), is as wide as its widest cell and never folds; the other columns (names,
    notes) fold into what is left; a head wider than its cells goes on as many lines as its
    brackets need."""
    # one space between columns (Rich's default is two): the width goes to the names
    table = RichTable(show_edge=False, pad_edge=False, expand=False, box=None, padding=(0, 1, 0, 0))
    prose: set[int] = set()  # the columns whose cells wrap as a paragraph does
    for i, (header, align) in enumerate(zip(block.headers, block.aligns, strict=True)):
        justify = _JUSTIFY.get(align, "left")
        cells = [cell_len(row[i]) for row in block.rows]
        widest_cell = max(cells, default=0)
        lines = head_lines(header, widest_cell) if widest_cell < cell_len(header) else [header]
        head = "\n".join(lines)
        if not (block.fit[i] or align == "right"):  # names, notes: fold into what is left
            table.add_column(head, justify=justify, overflow="fold")
            prose.add(i)
            continue
        widest = max([*cells, *(cell_len(line) for line in lines)])
        table.add_column(head, justify=justify, no_wrap=True, min_width=widest)
    for row in block.rows:
        table.add_row(*(Prose(c) if i in prose else c for i, c in enumerate(row)))
    return table


def document_renderable(
    doc: ReportDocument, *, title: bool = True, stop_at: Iterable[str] = ()
) -> Group:
    """``doc`` as one Rich group: its title and meta lines (``title``), then its headings,
    paragraphs and tables (charts are pictures: their captions are paragraphs); it ends before
    the first heading that ends with one of ``stop_at``."""
    stops = tuple(stop_at)
    parts: list[Any] = []
    if title:
        parts += [Text(doc.title, style="bold underline"), *(Text(m) for m in doc.meta), Text("")]
    for block in doc.blocks:
        if isinstance(block, Heading):
            if stops and block.text.endswith(stops):
                break
            parts.append(Text(block.text, style="bold"))
        elif isinstance(block, Paragraph):
            parts.append(Prose(block.text, "dim" if block.style in ("note", "empty") else ""))
        elif isinstance(block, Table):
            parts.append(_table(block))
        else:
            continue
        parts.append(Text(""))
    return Group(*parts)


__all__ = ["document_renderable"]
