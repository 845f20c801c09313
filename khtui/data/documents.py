"""Word and Excel documents: the weekly report, the monthly market analysis and the monthly
visit plan (python-docx, openpyxl; both imported only when a document is made).

What a document says is built as plain data in ``khtui.domain.report``; this module lays it out
so that it reads well in Word and WPS and when printed: A4, real Title/Heading styles, tables
with a repeated header row, right-aligned numbers and per-cell widths, page numbers (PAGE and
NUMPAGES fields in the footer), and Chinese fonts set as ``w:eastAsia`` on the document
defaults, on every style used and on every run (the heading styles' theme font attributes,
which would override them, are removed). Fonts and sizes come from the rules' ``[documents]``.

A file is written to a temporary file beside the target and moved into place, so a failure
never leaves half a document; an existing file is only replaced with ``force``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from khtui.domain.report import (
    Heading,
    Paragraph,
    ReportDocument,
    Table,
    build_monthly,
    build_plan,
    build_weekly,
    reason_names,
    weekday_name,
)
from khtui.i18n import t

if TYPE_CHECKING:
    from khtui.rules import Rules


class DocumentError(Exception):
    """A document that cannot be written; the message says why and what to do."""


# -- building the documents -------------------------------------------------------------------
def weekly_document(store, week: str, report: dict | None = None) -> ReportDocument:
    """The weekly report of ``week`` (its latest version; ``report`` if already loaded)."""
    report = report or store.weekly_report(week)
    return build_weekly(
        report["figures"],
        report["narrative"],
        t,
        am_name=store.am_name,
        version=report["version"] or None,
        status=report["status"],
        max_rows=store.rules.documents.max_detail_rows,
    )


def monthly_document(store, month: str) -> ReportDocument:
    return build_monthly(
        store.monthly_figures(month),
        t,
        am_name=store.am_name,
        drop_pct=store.rules.reports.sales_drop_pct,
        max_rows=store.rules.documents.max_detail_rows,
    )


def measure_labels() -> dict[str, str]:
    from khtui.domain.planning import MEASURES

    return {k: t(f"plan.measure.{k}") for k in MEASURES}


def plan_document(store, month: str, figures: dict | None = None) -> ReportDocument:
    return build_plan(
        figures or store.plan_document_figures(month),
        t,
        am_name=store.am_name,
        measure_labels=measure_labels(),
    )


def write_weekly_docx(store, week: str, path, *, force: bool = False) -> Path:
    """Write the weekly report of ``week`` as DOCX to ``path``."""
    return write_docx(weekly_document(store, week), store.rules, path, force=force)


def write_monthly_docx(store, month: str, path, *, force: bool = False) -> Path:
    """Write the monthly market analysis of ``month`` as DOCX to ``path``."""
    return write_docx(monthly_document(store, month), store.rules, path, force=force)


def write_plan_docx(store, month: str, path, *, force: bool = False) -> Path:
    """Write the monthly visit plan of ``month`` as DOCX (for the market manager's approval)."""
    return write_docx(plan_document(store, month), store.rules, path, force=force)


def write_plan_xlsx(store, month: str, path, *, force: bool = False) -> Path:
    """Write the monthly visit plan of ``month`` as XLSX: one row per visit, plus a summary."""
    figures = store.plan_document_figures(month)

    def save(tmp: Path) -> None:
        plan_workbook(figures, store.am_name).save(tmp)

    return save_safely(path, save, force=force)


# -- safe writing ---------------------------------------------------------------------------
def _lock_files(path: Path) -> list[Path]:
    """Owner files Word/WPS (``~$name``) and LibreOffice (``.~lock.name#``) keep beside an
    open document."""
    name = path.name
    out = [path.with_name("~$" + name), path.with_name(f".~lock.{name}#")]
    if len(name) > 2:
        out.append(path.with_name("~$" + name[2:]))
    return out


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def save_safely(path, save: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``save(tmp)`` and move the result to ``path``; clear errors, nothing half-written."""
    path = Path(path).expanduser()
    folder = path.parent
    if path.is_dir():
        raise DocumentError(t("doc.err.is_dir", path=path))
    if not folder.is_dir():
        raise DocumentError(t("doc.err.no_folder", folder=folder))
    if path.exists() and not force:
        raise DocumentError(t("doc.err.exists", path=path))
    if any(lock.exists() for lock in _lock_files(path)):
        raise DocumentError(t("doc.err.open_elsewhere", path=path))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".khtui-", suffix=path.suffix, dir=folder)
    except PermissionError:
        raise DocumentError(t("doc.err.folder_readonly", folder=folder)) from None
    except OSError as exc:
        raise DocumentError(t("doc.err.write", path=path, reason=exc.strerror or exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        save(tmp)
        # mkstemp makes the file private (0600); a document gets the usual mode instead
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        os.replace(tmp, path)
    except PermissionError:
        raise DocumentError(t("doc.err.open_elsewhere", path=path)) from None
    except OSError as exc:
        raise DocumentError(t("doc.err.write", path=path, reason=exc.strerror or exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def write_docx(doc: ReportDocument, rules: Rules, path, *, force: bool = False) -> Path:
    document = render_docx(doc, rules)
    return save_safely(path, document.save, force=force)


# -- python-docx layout -----------------------------------------------------------------------
class _Fonts:
    def __init__(self, rules: Rules):
        d = rules.documents
        self.body = (d.body_latin, d.body_east_asian)
        self.heading = (d.heading_latin, d.heading_east_asian)
        self.body_pt = d.body_size_pt
        self.table_pt = d.table_size_pt
        self.title_pt = d.title_size_pt
        self.heading_pt = list(d.heading_sizes_pt)
        self.lang = d.language
        self.margins = d.margins_cm


_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rPr, latin: str, east_asian: str) -> None:
    """Set Latin and East Asian fonts on an ``w:rPr`` and drop theme fonts that override them."""
    from docx.oxml.ns import qn

    rFonts = rPr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        rFonts.attrib.pop(qn(attr), None)
    rFonts.set(qn("w:ascii"), latin)
    rFonts.set(qn("w:hAnsi"), latin)
    rFonts.set(qn("w:cs"), latin)
    rFonts.set(qn("w:eastAsia"), east_asian)


def _set_lang(rPr, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = rPr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rPr.append(el)
    el.set(qn("w:val"), lang)
    el.set(qn("w:eastAsia"), lang)


def _style_fonts(style, fonts: tuple[str, str], size_pt: float, lang: str | None = None) -> None:
    from docx.shared import Pt, RGBColor

    rPr = style.element.get_or_add_rPr()
    set_fonts(rPr, *fonts)
    style.font.size = Pt(size_pt)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if lang:
        _set_lang(rPr, lang)


def _setup(document, f: _Fonts) -> dict[str, str]:
    """Page, styles and footer; returns the style ids used for paragraphs."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    m = f.margins
    section.top_margin, section.bottom_margin = Cm(m.top), Cm(m.bottom)
    section.left_margin, section.right_margin = Cm(m.left), Cm(m.right)

    # document defaults: fonts without theme attributes, language
    styles_el = document.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rPr = rpr_default.find(qn("w:rPr"))
    if rPr is None:
        rPr = OxmlElement("w:rPr")
        rpr_default.append(rPr)
    set_fonts(rPr, *f.body)
    _set_lang(rPr, f.lang)

    styles = document.styles
    normal = styles["Normal"]
    _style_fonts(normal, f.body, f.body_pt, f.lang)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25

    title = styles["Title"]
    _style_fonts(title, f.heading, f.title_pt)
    title.font.bold = True
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    # the template's Title has a coloured bottom border; a printed report does not need it
    ppr = title.element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)

    for level, size in enumerate(f.heading_pt, 1):
        h = styles[f"Heading {level}"]
        _style_fonts(h, f.heading, size)
        h.font.bold = True
        h.font.italic = False
        h.paragraph_format.keep_with_next = True
        h.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        h.paragraph_format.space_after = Pt(6 if level == 1 else 4)

    body = styles["Body Text"]
    _style_fonts(body, f.body, f.body_pt)
    body.paragraph_format.first_line_indent = Pt(f.body_pt * 2)
    body.paragraph_format.space_after = Pt(4)
    body.paragraph_format.line_spacing = 1.25

    bullet = styles["List Bullet"]
    _style_fonts(bullet, f.body, f.body_pt)

    def custom(name: str, size: float, *, gray: bool = False, center: bool = False):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        _style_fonts(st, f.body, size)
        if gray:
            st.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        pf = st.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(0 if not center else 2)
        pf.line_spacing = 1.0
        if center:
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return st

    table_text = custom("Table Text", f.table_pt)
    note = custom("Report Note", f.table_pt, gray=True)
    note.paragraph_format.space_after = Pt(6)
    meta = custom("Report Meta", f.body_pt, center=True)
    footer_style = custom("Report Footer", f.table_pt, center=True)

    # footer: 第 X 页 共 Y 页
    footer = section.footer
    p = footer.paragraphs[0]
    p.style = footer_style
    before, middle, after = t("doc.page_of").split("{}")
    _run(p, before, f.body)
    _field(p, "PAGE", f.body)
    _run(p, middle, f.body)
    _field(p, "NUMPAGES", f.body)
    _run(p, after, f.body)

    return {
        "table": table_text.style_id,
        "note": note.style_id,
        "meta": meta.style_id,
        "body": body.style_id,
        "bullet": bullet.style_id,
    }


def _run(paragraph, text: str, fonts: tuple[str, str], *, bold: bool = False):
    run = paragraph.add_run(text)
    set_fonts(run._r.get_or_add_rPr(), *fonts)
    if bold:
        run.bold = True
    return run


def _field(paragraph, instr: str, fonts: tuple[str, str]) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instrText / separate / result / end runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld(kind: str) -> None:
        r = _run(paragraph, "", fonts)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        r._r.append(el)

    fld("begin")
    r = _run(paragraph, "", fonts)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r._r.append(it)
    fld("separate")
    _run(paragraph, "1", fonts)
    fld("end")


def _table(document, block: Table, f: _Fonts, style_ids: dict[str, str], usable_emu: int) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu

    n = len(block.headers)
    total = sum(block.widths)
    # whole twips (Word's unit), rounded down, so the columns never add up past the margins
    widths = [Emu(int(usable_emu / 635 * w / total) * 635) for w in block.widths]
    table = document.add_table(rows=1, cols=n)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblPr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblPr.append(layout)
    for col, w in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = w

    header = table.rows[0]
    trPr = header._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        trPr.append(OxmlElement(tag))
    for cell, text, w in zip(header.cells, block.headers, widths, strict=True):
        cell.width = w
        tcPr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), "D9D9D9")
        tcPr.append(shd)
        p = cell.paragraphs[0]
        p._p.style = style_ids["table"]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, f.heading, bold=True)

    if not block.rows:
        return
    # One body row is laid out with python-docx (per-cell width from the grid, table text
    # style, right-aligned numbers, East Asian font on the run), then copied for every row
    # with only the texts changed: the same XML, without python-docx's per-element lookups.
    template = table.add_row()
    tr = template._tr
    tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell, numeric in zip(template.cells, block.numeric, strict=True):
        p = cell.paragraphs[0]
        p._p.style = style_ids["table"]
        if numeric:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run("-")
        set_fonts(run._r.get_or_add_rPr(), *f.body)
    texts = list(tr.iter(qn("w:t")))
    for el in texts:
        el.set(qn("xml:space"), "preserve")
    tbl = table._tbl
    tbl.remove(tr)
    t_tag = qn("w:t")
    for values in block.rows:
        row = deepcopy(tr)
        for el, text in zip(row.iter(t_tag), values, strict=True):
            el.text = text
        tbl.append(row)


def render_docx(doc: ReportDocument, rules: Rules):
    """A python-docx ``Document`` laid out from a :class:`ReportDocument`."""
    import docx

    f = _Fonts(rules)
    document = docx.Document()
    ids = _setup(document, f)
    section = document.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    core = document.core_properties
    core.title = doc.title
    core.author = doc.meta[0] if doc.meta else ""
    core.language = f.lang

    title = document.add_paragraph(style="Title")
    _run(title, doc.title, f.heading)
    for line in doc.meta:
        p = document.add_paragraph()
        p._p.style = ids["meta"]
        _run(p, line, f.body)

    heading_styles = {1: "Heading1", 2: "Heading2", 3: "Heading3"}
    heading_ids = {lvl: document.styles[f"Heading {lvl}"].style_id for lvl in heading_styles}
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            p = document.add_paragraph()
            p._p.style = heading_ids[min(block.level, 3)]
            _run(p, block.text, f.heading)
        elif isinstance(block, Paragraph):
            p = document.add_paragraph()
            style = {"bullet": "bullet", "note": "note", "empty": "note"}.get(block.style, "body")
            p._p.style = ids[style]
            _run(p, block.text, f.body)
            if i + 1 < len(blocks) and isinstance(blocks[i + 1], Table):
                p.paragraph_format.keep_with_next = True  # an introduction stays with its table
        elif isinstance(block, Table):
            _table(document, block, f, ids, usable)
            # a little air after a table (Word glues the next paragraph to it otherwise)
            spacer = document.add_paragraph()
            spacer._p.style = ids["note"]
    return document


# -- the plan as a workbook -------------------------------------------------------------------
def plan_workbook(figures: dict[str, Any], am_name: str):
    """An openpyxl Workbook of the monthly plan: sheet 1 every visit, sheet 2 per day."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    labels = measure_labels()
    wb = Workbook()
    ws = wb.active
    ws.title = t("xlsx.sheet.visits")
    headers = [
        t("rpt.col.date"),
        t("rpt.col.weekday"),
        t("rpt.col.seq"),
        t("rpt.col.route"),
        t("rpt.col.code"),
        t("rpt.col.retailer"),
        t("rpt.col.tier"),
        t("rpt.col.reason"),
        t("rpt.col.measures"),
    ]
    widths = [12, 8, 6, 14, 16, 28, 6, 22, 40]
    ws.append(headers)
    for day in figures["days"]:
        for i, v in enumerate(day["visits"], 1):
            ws.append(
                [
                    day["day"],
                    weekday_name(day["day"], t),
                    i,
                    v["route"] or "",
                    v["code"],
                    v["name"],
                    v["tier"],
                    reason_names(v["reasons"], t),
                    t("rpt.list_sep").join(labels.get(m, m) for m in v["measures"]),
                ]
            )
    head_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
        cell = ws.cell(row=1, column=col)
        cell.font = head_font
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    ws2 = wb.create_sheet(t("xlsx.sheet.days"))
    ws2.append([t("rpt.col.date"), t("rpt.col.weekday"), t("rpt.col.routes"), t("rpt.col.visits")])
    for day in figures["days"]:
        ws2.append([day["day"], weekday_name(day["day"], t), day["routes"], len(day["visits"])])
    ws2.append([])
    ws2.append([t("xlsx.total"), "", "", figures["visits"]])
    ws2.append([t("xlsx.am"), am_name])
    ws2.append([t("xlsx.status"), t(f"rpt.plan.status.{figures['status']}")])
    for col, w in enumerate([12, 8, 30, 10], 1):
        ws2.column_dimensions[get_column_letter(col)].width = w
        ws2.cell(row=1, column=col).font = head_font
        ws2.cell(row=1, column=col).fill = fill
    ws2.freeze_panes = "A2"
    return wb
