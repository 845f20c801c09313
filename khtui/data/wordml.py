"""WordprocessingML for the report documents, written as text and parsed in bulk.

python-docx adds a document's content one element at a time, and each addition looks up the
element's place among its siblings in the schema (a paragraph, a run, a cell's width, a table's
alignment each cost such a search and a few XPath queries). The report documents are made of
many small, regular pieces — paragraphs with one styled run, tables whose cells differ only by
text, width and alignment — so their XML is written here as text, with the elements and
attributes python-docx's own calls make, in the same order, and parsed once per group of blocks
(``Blocks``) into the document body. Styles, sections, pictures and the package stay with
python-docx.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_TEXT_ESCAPES = {"\r": "&#13;"}  # a bare CR would be read back as a newline
_ATTR_ESCAPES = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def text(value: str) -> str:
    """``value`` as XML character data."""
    return escape(value, _TEXT_ESCAPES)


def attr(value: str) -> str:
    """``value`` as the inside of a double-quoted XML attribute."""
    return escape(value, _ATTR_ESCAPES)


@dataclass(frozen=True)
class Fonts:
    """A run's fonts: Latin (``w:ascii``, ``w:hAnsi``, ``w:cs``) and East Asian."""

    latin: str
    east_asian: str

    def rfonts(self) -> str:
        """The ``w:rFonts`` element (no theme fonts, which would override these)."""
        a, e = attr(self.latin), attr(self.east_asian)
        return f'<w:rFonts w:ascii="{a}" w:hAnsi="{a}" w:cs="{a}" w:eastAsia="{e}"/>'


def run_content(value: str) -> str:
    """A run's content as python-docx writes a run's text: a tab is ``w:tab``, a line break
    (CR or LF) ``w:br``, and each stretch of other characters one ``w:t`` (its spaces kept
    when it begins or ends with one)."""
    if "\t" not in value and "\n" not in value and "\r" not in value:
        return _t(value) if value else ""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(value):
        if ch in "\t\r\n":
            if i > start:
                out.append(_t(value[start:i]))
            out.append("<w:tab/>" if ch == "\t" else "<w:br/>")
            start = i + 1
    if start < len(value):
        out.append(_t(value[start:]))
    return "".join(out)


def _t(value: str) -> str:
    if len(value.strip()) < len(value):
        return f'<w:t xml:space="preserve">{text(value)}</w:t>'
    return f"<w:t>{text(value)}</w:t>"


def run(value: str, fonts: Fonts, *, bold: bool = False, color: str | None = None) -> str:
    """A ``w:r`` with the fonts (bold, a colour ``RRGGBB``) and ``value`` as its text."""
    props = fonts.rfonts()
    if bold:
        props += "<w:b/>"
    if color:
        props += f'<w:color w:val="{attr(color)}"/>'
    return f"<w:r><w:rPr>{props}</w:rPr>{run_content(value)}</w:r>"


def paragraph(style_id: str, runs: str = "", *, keep_next: bool = False) -> str:
    """A ``w:p`` of the paragraph style ``style_id`` holding ``runs`` (kept with the next
    paragraph on one page with ``keep_next``)."""
    props = f'<w:pStyle w:val="{attr(style_id)}"/>'
    if keep_next:
        props += "<w:keepNext/>"
    return f"<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"


_JC = {"right": "right", "center": "center"}


@dataclass(frozen=True)
class TableLayout:
    """How a report table is laid out: its table style, the paragraph style of its cells,
    the header's and the body's fonts, the header's shading (``RRGGBB``)."""

    table_style_id: str
    text_style_id: str
    header_fonts: Fonts
    body_fonts: Fonts
    header_fill: str


def table(
    layout: TableLayout,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_twips: Sequence[int],
    aligns: Sequence[str],
    *,
    total: bool = False,
) -> str:
    """A ``w:tbl`` of fixed layout, centred: one column per header of the given width (in
    twips, also each cell's width), a header row repeated on every page (shaded, centred,
    bold, in the header's fonts), then one row per ``rows`` item, never split across pages,
    aligned per column ("left", "right" or "center"); with ``total`` the last row is bold."""
    n = len(headers)
    if len(widths_twips) != n or len(aligns) != n:
        raise ValueError("a width and an alignment for every column")
    style = attr(layout.text_style_id)
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    out = [
        "<w:tbl><w:tblPr>"
        f'<w:tblStyle w:val="{attr(layout.table_style_id)}"/>'
        '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
        'w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
    ]
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{attr(layout.header_fill)}"/>'
    header_run = f"<w:r><w:rPr>{layout.header_fonts.rfonts()}<w:b/></w:rPr>"
    for value, w in zip(headers, widths_twips, strict=True):
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/>{shading}</w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:jc w:val="center"/></w:pPr>'
            f"{header_run}{run_content(value)}</w:r></w:p></w:tc>"
        )
    out.append("</w:tr>")
    # every body cell: its width, the cell style and alignment, the body fonts, the text
    body_fonts = layout.body_fonts.rfonts()
    cells = []
    for w, how in zip(widths_twips, aligns, strict=True):
        jc = f'<w:jc w:val="{_JC[how]}"/>' if how != "left" else ""
        cells.append(
            (
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr><w:r><w:rPr>{body_fonts}',
                '</w:rPr><w:t xml:space="preserve">',
                "</w:t></w:r></w:p></w:tc>",
            )
        )
    last = len(rows) - 1
    for i, values in enumerate(rows):
        bold = "<w:b/>" if total and i == last else ""
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        for (head, mid, tail), value in zip(cells, values, strict=True):
            out.append(f"{head}{bold}{mid}{text(value)}{tail}")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


class Blocks:
    """Block-level XML (paragraphs, tables) collected and added to the end of a python-docx
    document's body, before its section properties, in one parse per ``flush``."""

    def __init__(self, document) -> None:
        self._body = document.element.body
        self._parts: list[str] = []

    def add(self, xml: str) -> None:
        self._parts.append(xml)

    def flush(self) -> list:
        """Add what was collected to the document, before anything added to it through
        python-docx after this call; returns the elements added."""
        if not self._parts:
            return []
        from docx.oxml.ns import nsdecls, qn
        from docx.oxml.parser import parse_xml

        holder = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self._parts)}</w:body>")
        self._parts.clear()
        body = self._body
        sect_pr = body.find(qn("w:sectPr"))
        at = body.index(sect_pr) if sect_pr is not None else len(body)
        added = list(holder)
        body[at:at] = added
        return added


def field(instruction: str, fonts: Fonts, shown: str = "1") -> str:
    """A Word field (``PAGE``, ``NUMPAGES``) as its runs: begin, the instruction, separate,
    the result shown until the field is updated, end."""
    props = f"<w:rPr>{fonts.rfonts()}</w:rPr>"

    def char(kind: str) -> str:
        return f'<w:r>{props}<w:fldChar w:fldCharType="{kind}"/></w:r>'

    return (
        char("begin")
        + f'<w:r>{props}<w:instrText xml:space="preserve"> {text(instruction)} </w:instrText></w:r>'
        + char("separate")
        + run(shown, fonts)
        + char("end")
    )


def append_runs(p, runs: str) -> None:
    """Append ``runs`` (XML of ``w:r`` elements) to the paragraph element ``p``."""
    from docx.oxml.ns import nsdecls
    from docx.oxml.parser import parse_xml

    p.extend(list(parse_xml(f"<w:p {nsdecls('w')}>{runs}</w:p>")))
