"""A report document (``khtui.domain.report.ReportDocument``) as Rich renderables, to read it
on screen: the report screen shows its figures beside the boxes the AM types in, the manager's
view shows a submitted report whole."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Group, JustifyMethod
from rich.table import Table as RichTable
from rich.text import Text

from khtui.domain.report import Heading, Paragraph, ReportDocument, Table

_JUSTIFY: dict[str, JustifyMethod] = {"left": "left", "right": "right", "center": "center"}


def _table(block: Table) -> RichTable:
    table = RichTable(show_edge=False, pad_edge=False, expand=False, box=None)
    for header, align in zip(block.headers, block.aligns, strict=True):
        table.add_column(header, justify=_JUSTIFY.get(align, "left"), overflow="fold")
    for row in block.rows:
        table.add_row(*row)
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
            parts.append(Text(block.text, style="dim" if block.style in ("note", "empty") else ""))
        elif isinstance(block, Table):
            parts.append(_table(block))
        else:
            continue
        parts.append(Text(""))
    return Group(*parts)


__all__ = ["document_renderable"]
