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
from pathlib import Path
from typing import TYPE_CHECKING

from khtui.data import wordml
from khtui.data.wordml import Fonts
from khtui.domain.dates import as_date
from khtui.domain.messages import Tr
from khtui.domain.monthly import build_monthly
from khtui.domain.plan_document import build_plan, measure_names
from khtui.domain.problems import KeyedError
from khtui.domain.report import (
    Chart,
    Heading,
    Paragraph,
    ReportDocument,
    Table,
    weekday_name,
)
from khtui.domain.weekly import build_weekly

if TYPE_CHECKING:
    from khtui.data.masking import Masker
    from khtui.rules import Rules


class DocumentError(KeyedError):
    """A document that cannot be written: the message ``key`` with ``params`` says why and
    what to do."""


# -- building the documents -------------------------------------------------------------------
# Every document is written in the words of the translator it is given (the user's language).
def document_words(t: Tr, rules: Rules) -> Callable[[str], str]:
    """The company's words of a report (categories, price classes, complaint categories and
    departments, the choices of the market-information forms) in ``t``'s language: as the
    rules and the catalogue name them (:meth:`khtui.i18n.format.Translator.word`)."""
    return lambda value: t.word(value, rules)


def weekly_document(
    store, week: str, t: Tr, report: dict | None = None, am_name: str | None = None
) -> ReportDocument:
    """The weekly report of ``week`` (its latest version; ``report`` if already loaded), by
    ``am_name`` (default: the database's AM)."""
    report = report or store.weekly_report(week)
    return build_weekly(
        report["figures"],
        report["narrative"],
        t,
        word=document_words(t, store.rules),
        am_name=am_name or store.am_name,
        version=report["version"] or None,
        status=report["status"],
        max_rows=store.rules.documents.max_detail_rows,
        max_routes=store.rules.documents.max_routes_listed,
    )


def monthly_document(
    store, month: str, t: Tr, report: dict | None = None, am_name: str | None = None
) -> ReportDocument:
    """The monthly market analysis of ``month`` (its latest version: the AM's text and the
    figures, frozen once submitted), by ``am_name`` (default: the database's AM)."""
    report = report or store.monthly_report(month)
    return build_monthly(
        report["figures"],
        report["narrative"],
        t,
        word=document_words(t, store.rules),
        am_name=am_name or store.am_name,
        drop_pct=store.rules.reports.sales_drop_pct,
        max_rows=store.rules.documents.max_detail_rows,
        version=report["version"] or None,
        status=report["status"],
    )


def measure_labels(t: Tr) -> dict[str, str]:
    from khtui.domain.planning import MEASURES

    return {k: t(f"plan.measure.{k}") for k in MEASURES}


def plan_document(store, month: str, t: Tr, figures=None) -> ReportDocument:
    return build_plan(
        figures or store.plan_document_figures(month),
        t,
        am_name=store.am_name,
        measure_labels=measure_labels(t),
    )


def _masked(doc: ReportDocument, store, mask: bool) -> ReportDocument:
    if not mask:
        return doc
    from khtui.data.masking import masker_for

    return masker_for(store).document(doc)


def write_weekly_docx(
    store, week: str, path, *, t: Tr, force: bool = False, mask: bool = False
) -> Path:
    """Write the weekly report of ``week`` as DOCX to ``path`` (``mask``: phone and licence
    numbers shortened to their last digits, for a file that leaves the AM's hands)."""
    doc = _masked(weekly_document(store, week, t), store, mask)
    return write_docx(doc, store.rules, path, t=t, force=force)


def write_monthly_docx(
    store, month: str, path, *, t: Tr, force: bool = False, mask: bool = False
) -> Path:
    """Write the monthly market analysis of ``month`` as DOCX to ``path``."""
    doc = _masked(monthly_document(store, month, t), store, mask)
    return write_docx(doc, store.rules, path, t=t, force=force)


def write_plan_docx(
    store, month: str, path, *, t: Tr, force: bool = False, mask: bool = False
) -> Path:
    """Write the monthly visit plan of ``month`` as DOCX (for the market manager's approval)."""
    doc = _masked(plan_document(store, month, t), store, mask)
    return write_docx(doc, store.rules, path, t=t, force=force)


def write_plan_xlsx(
    store, month: str, path, *, t: Tr, force: bool = False, mask: bool = False
) -> Path:
    """Write the monthly visit plan of ``month`` as XLSX: a summary sheet (title, period, routes,
    reasons, frequency, warnings, approval fields) and one row per visit."""
    figures = store.plan_document_figures(month)
    masker = None
    if mask:
        from khtui.data.masking import masker_for

        masker = masker_for(store)

    def save(tmp: Path) -> None:
        plan_workbook(figures, store.am_name, t, masker).save(tmp)

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


def export_folder(folder: Path) -> Path:
    """``folder``, made with its parents if missing: where the screens export to (the
    ``KHTUI_EXPORT_DIR`` folder, else the user's documents). A clear error when it cannot be
    made: a file of that name, a folder not writable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise DocumentError("doc.err.not_folder", folder=folder) from None
    except PermissionError:
        raise DocumentError("doc.err.folder_readonly", folder=folder) from None
    except OSError as exc:
        raise DocumentError("doc.err.write", path=folder, reason=exc.strerror or exc) from None
    return folder


def save_safely(path, save: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``save(tmp)`` and move the result to ``path``; clear errors, nothing half-written."""
    path = Path(path).expanduser()
    folder = path.parent
    if path.is_dir():
        raise DocumentError("doc.err.is_dir", path=path)
    if not folder.is_dir():
        raise DocumentError("doc.err.no_folder", folder=folder)
    if path.exists() and not force:
        raise DocumentError("doc.err.exists", path=path)
    if any(lock.exists() for lock in _lock_files(path)):
        raise DocumentError("doc.err.open_elsewhere", path=path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".khtui-", suffix=path.suffix, dir=folder)
    except PermissionError:
        raise DocumentError("doc.err.folder_readonly", folder=folder) from None
    except OSError as exc:
        raise DocumentError("doc.err.write", path=path, reason=exc.strerror or exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        save(tmp)
        # mkstemp makes the file private (0600); a document gets the usual mode instead
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        os.replace(tmp, path)
    except PermissionError:
        raise DocumentError("doc.err.open_elsewhere", path=path) from None
    except OSError as exc:
        raise DocumentError("doc.err.write", path=path, reason=exc.strerror or exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def write_docx(doc: ReportDocument, rules: Rules, path, *, t: Tr, force: bool = False) -> Path:
    document = render_docx(doc, rules, t)
    return save_safely(path, document.save, force=force)


# -- python-docx layout -----------------------------------------------------------------------
class _Fonts:
    def __init__(self, rules: Rules):
        d = rules.documents
        self.body = Fonts(d.body_latin, d.body_east_asian)
        self.heading = Fonts(d.heading_latin, d.heading_east_asian)
        self.body_pt = d.body_size_pt
        self.table_pt = d.table_size_pt
        self.title_pt = d.title_size_pt
        self.heading_pt = list(d.heading_sizes_pt)
        self.lang = d.language
        self.margins = d.margins_cm
        self.landscape_margins = d.landscape_margins_cm
        self.plan_table_pt = d.plan_table_size_pt
        self.chart_dpi = d.chart_dpi


_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rPr, fonts: Fonts) -> None:
    """Set Latin and East Asian fonts on an ``w:rPr`` and drop theme fonts that override them."""
    from docx.oxml.ns import qn

    rFonts = rPr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        rFonts.attrib.pop(qn(attr), None)
    rFonts.set(qn("w:ascii"), fonts.latin)
    rFonts.set(qn("w:hAnsi"), fonts.latin)
    rFonts.set(qn("w:cs"), fonts.latin)
    rFonts.set(qn("w:eastAsia"), fonts.east_asian)


def _set_lang(rPr, lang: str) -> None:
    """East Asian text in ``lang`` (zh-CN); Latin text — digits included — in English. A
    Chinese Latin-text language would let LibreOffice break a number such as "302" or "92.7%"
    across two lines, as it breaks Chinese between any two characters."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = rPr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rPr.append(el)
    el.set(qn("w:val"), "en-US")
    el.set(qn("w:eastAsia"), lang)


def _style_fonts(style, fonts: Fonts, size_pt: float, lang: str | None = None) -> None:
    from docx.shared import Pt, RGBColor

    rPr = style.element.get_or_add_rPr()
    set_fonts(rPr, fonts)
    style.font.size = Pt(size_pt)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if lang:
        _set_lang(rPr, lang)


def _setup(document, f: _Fonts, t: Tr, *, landscape: bool = False) -> dict[str, str]:
    """Page (A4, portrait or landscape), styles and footer; returns the style ids used for
    paragraphs."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor
    from docx.styles.style import ParagraphStyle

    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    m = f.landscape_margins if landscape else f.margins
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
    set_fonts(rPr, f.body)
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
        # a new document has none of these names: added without python-docx's check for a
        # style of the same name (which reads the name of every style in the template)
        st = ParagraphStyle(styles.element.add_style_of_type(name, WD_STYLE_TYPE.PARAGRAPH, False))
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

    table_text = custom("Table Text", f.plan_table_pt if landscape else f.table_pt)
    if landscape:
        # the plan's long tables: exact line height, so that a row is one line high
        table_text.paragraph_format.line_spacing = Pt(round(f.plan_table_pt * 1.35, 1))
    caption = custom("Report Caption", f.table_pt, center=True)
    caption.paragraph_format.space_after = Pt(6)
    picture = custom("Report Picture", f.table_pt, center=True)
    picture.paragraph_format.keep_with_next = True
    note = custom("Report Note", f.table_pt, gray=True)
    note.paragraph_format.space_after = Pt(6)
    meta = custom("Report Meta", f.body_pt, center=True)
    footer_style = custom("Report Footer", f.table_pt, center=True)

    # footer: 第 X 页 共 Y 页
    footer = section.footer
    p = footer.paragraphs[0]._p
    p.style = footer_style.style_id
    before, middle, after = t("doc.page_of").split("{}")
    fonts = f.body
    wordml.append_runs(
        p,
        wordml.run(before, fonts)
        + wordml.field("PAGE", fonts)
        + wordml.run(middle, fonts)
        + wordml.field("NUMPAGES", fonts)
        + wordml.run(after, fonts),
    )

    return {
        "table": table_text.style_id,
        "note": note.style_id,
        "meta": meta.style_id,
        "body": body.style_id,
        "bullet": bullet.style_id,
        "caption": caption.style_id,
        "picture": picture.style_id,
    }


# -- column widths: numbers and short words never wrap -------------------------------------
_CELL_PADDING_CM = 0.42  # Word's default cell margins (0.19 cm each side) and a little air
_PT_CM = 2.54 / 72


def text_em(text: str) -> float:
    """Width of ``text`` in em: CJK and full-width characters 1, others a little more than
    half (an English header such as "Done" in bold needs 0.6 of an em a letter)."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in text)


def min_em(text: str) -> float:
    """The narrowest ``text`` can be set: its longest run of Latin letters, digits and signs
    (Chinese may break between any two characters, those runs may not)."""
    import re

    runs = re.findall(r"[^\s\u2e80-\uffef]+", text)
    return max([text_em(r) for r in runs] + [2.0])


def column_widths(
    block: Table, usable_cm: float, size_pt: float, *, spread: bool = True
) -> list[float]:
    """Column widths in cm. A ``fit`` column gets the width of its longest text (header
    included, so short headers do not break either); the other columns share what is left in
    proportion to ``block.widths``, never below their header's width. When the fitted columns
    alone are too wide, their headers may wrap; only then are they scaled down."""
    em_cm = size_pt * _PT_CM
    n = len(block.headers)

    def need(i: int, with_header: bool = True) -> float:
        texts = [row[i] for row in block.rows]
        if with_header:
            texts.append(block.headers[i])
        return max((text_em(x) for x in texts), default=1.0) * em_cm * 1.06 + _CELL_PADDING_CM

    header_min = [min_em(block.headers[i]) * em_cm + _CELL_PADDING_CM for i in range(n)]
    widths = [need(i) if block.fit[i] else 0.0 for i in range(n)]
    if sum(widths) + sum(header_min[i] for i in range(n) if not block.fit[i]) > usable_cm:
        widths = [max(need(i, False), header_min[i]) if block.fit[i] else 0.0 for i in range(n)]
    free = [i for i in range(n) if not block.fit[i]]
    left = usable_cm - sum(widths)
    if free:
        weight = sum(block.widths[i] for i in free) or 1.0
        for i in free:
            widths[i] = max(header_min[i], left * block.widths[i] / weight)
    elif left > 0 and spread:
        # every column fits: spread the rest so the table spans the page like the others
        total = sum(widths)
        widths = [w + left * w / total for w in widths]
    total = sum(widths)
    if total > usable_cm:
        widths = [w * usable_cm / total for w in widths]
    return widths


def _table(
    block: Table,
    layout: wordml.TableLayout,
    usable_emu: int,
    size_pt: float,
    *,
    spread: bool = True,
) -> str:
    """The table's XML: fixed layout, centred, the columns as wide as ``column_widths``, a
    shaded header row repeated on every page, rows never split, numbers aligned right."""
    usable_cm = usable_emu / 360000
    # whole twips (Word's unit), rounded down, so the columns never add up past the margins
    widths = [
        int(w * 360000 / 635) for w in column_widths(block, usable_cm, size_pt, spread=spread)
    ]
    return wordml.table(
        layout,
        block.headers,
        block.rows,
        widths,
        block.aligns,
        total=block.total,
    )


def _chart(
    document,
    blocks: wordml.Blocks,
    block: Chart,
    f: _Fonts,
    ids: dict[str, str],
    usable_emu: int,
    pictures: dict[int, bytes] | None,
    t: Tr,
) -> None:
    """The chart's picture, then its caption and legend as document text (coloured squares
    before the series' names)."""
    import io

    from docx.shared import Emu, RGBColor
    from docx.text.paragraph import Paragraph as DocxParagraph
    from docx.text.run import Run

    width_cm = usable_emu / 360000
    height_cm = min(7.0, width_cm * 0.38)
    png = (pictures or {}).get(id(block))
    if png is None:
        from khtui.data.charts import render_png

        png = render_png(block, width_cm, height_cm, f.chart_dpi)
    # the picture goes in through python-docx (it adds the image to the package)
    blocks.add(wordml.paragraph(ids["picture"], wordml.run("", f.body)))
    p = blocks.flush()[-1]
    Run(p.r_lst[0], DocxParagraph(p, document)).add_picture(
        io.BytesIO(png), width=Emu(int(usable_emu))
    )
    runs = [wordml.run(block.caption + ("  " if block.series else ""), f.body)]
    for s in block.series:
        runs.append(wordml.run("■", f.body, color=str(RGBColor.from_string(s.color))))
        runs.append(wordml.run(f" {s.name}  ", f.body))
    if block.unit:
        runs.append(wordml.run(t("rpt.chart.unit", unit=block.unit), f.body))
    blocks.add(wordml.paragraph(ids["caption"], "".join(runs)))


def render_docx(doc: ReportDocument, rules: Rules, t: Tr, pictures: dict[int, bytes] | None = None):
    """A python-docx ``Document`` laid out from a :class:`ReportDocument` (``pictures``:
    chart PNGs already drawn, by ``id`` of their chart block)."""
    import docx

    f = _Fonts(rules)
    document = docx.Document()
    ids = _setup(document, f, t, landscape=doc.landscape)
    section = document.sections[0]
    assert section.page_width and section.left_margin and section.right_margin  # a new A4 page
    usable = section.page_width - section.left_margin - section.right_margin
    table_pt = f.plan_table_pt if doc.landscape else f.table_pt
    core = document.core_properties
    core.title = doc.title
    core.author = doc.meta[0] if doc.meta else ""
    core.language = f.lang

    blocks = wordml.Blocks(document)
    blocks.add(
        wordml.paragraph(document.styles["Title"].style_id, wordml.run(doc.title, f.heading))
    )
    for line in doc.meta:
        blocks.add(wordml.paragraph(ids["meta"], wordml.run(line, f.body)))

    heading_ids = {lvl: document.styles[f"Heading {lvl}"].style_id for lvl in (1, 2, 3)}
    layout = wordml.TableLayout(
        table_style_id=document.styles["Table Grid"].style_id,
        text_style_id=ids["table"],
        header_fonts=f.heading,
        body_fonts=f.body,
        header_fill="D9D9D9",
    )
    items = doc.blocks
    for i, block in enumerate(items):
        if isinstance(block, Heading):
            run = wordml.run(block.text, f.heading)
            blocks.add(wordml.paragraph(heading_ids[min(block.level, 3)], run))
        elif isinstance(block, Paragraph):
            style = {"bullet": "bullet", "note": "note", "empty": "note"}.get(block.style, "body")
            # an introduction stays with its table
            keep = i + 1 < len(items) and isinstance(items[i + 1], Table | Chart)
            blocks.add(
                wordml.paragraph(ids[style], wordml.run(block.printed, f.body), keep_next=keep)
            )
        elif isinstance(block, Table):
            # a landscape page is wide: small tables keep their natural width there
            blocks.add(_table(block, layout, usable, table_pt, spread=not doc.landscape))
            # a little air after a table (Word glues the next paragraph to it otherwise)
            blocks.add(wordml.paragraph(ids["note"]))
        elif isinstance(block, Chart):
            _chart(document, blocks, block, f, ids, usable, pictures, t)
    blocks.flush()
    return document


# -- the plan as a workbook -------------------------------------------------------------------
def plan_workbook(figures, am_name: str, t: Tr, masker: Masker | None = None):
    """An openpyxl Workbook of the monthly plan: a summary sheet (title and period, routes,
    reasons, visit frequency by tier, the generator's warnings, approval fields), every visit
    (one row each, wrapped measures, filters, frozen header) and the visits per day. Every
    sheet prints landscape on A4 with its title rows repeated and page numbers in the footer;
    every text is a string cell."""
    from openpyxl import Workbook

    from khtui.data.exporters import Sheet
    from khtui.domain.plan_document import warning_text
    from khtui.domain.report import cn_month, reason_name, reason_order, short_date

    labels = measure_labels(t)
    month = cn_month(figures.month, t)
    period = t(
        "xlsx.plan.period",
        month=month,
        start=short_date(figures.month + "-01", t),
        end=short_date(_month_end(figures.month), t),
        am=am_name,
        status=t(f"rpt.plan.status.{figures.status}"),
    )
    sep = t("rpt.list_sep")

    def text(value):
        return masker.text(value) if masker is not None and isinstance(value, str) else value

    wb = Workbook()
    wb.remove(wb.active)
    title = t("rpt.plan.title", month=month)

    # summary
    summary = Sheet(wb, t("xlsx.sheet.summary"), text)
    summary.title(title, period, 6)
    if figures.submitted_at:
        summary.line([t("xlsx.submitted_on"), figures.submitted_at[:10]])
    elif figures.submit_by:
        summary.line([t("xlsx.submit_by"), figures.submit_by])
    summary.line(
        [
            t("xlsx.plan.visits"),
            figures.visits,
            t("xlsx.plan.retailers"),
            figures.retailers,
            t("xlsx.plan.active"),
            figures.active,
        ]
    )
    summary.gap()
    summary.table(
        [
            t("rpt.col.route"),
            t("rpt.col.weekday"),
            t("rpt.col.visit_days"),
            t("rpt.col.retailers"),
            t("rpt.col.visits"),
        ],
        [
            [
                r.route or "",
                sep.join(dict.fromkeys(weekday_name(d, t) for d in r.days)),
                sep.join(str(int(d[8:10])) for d in r.days),
                r.retailers,
                r.visits,
            ]
            for r in figures.routes
        ],
        total=[t("xlsx.total"), "", "", sum(r.retailers for r in figures.routes), figures.visits],
        heading=t("rpt.plan.routes"),
    )
    summary.gap()
    reasons = sorted(figures.reasons.items(), key=lambda kv: reason_order(kv[0]))
    summary.table(
        [t("rpt.col.reason"), t("rpt.col.visits_with_reason"), t("rpt.col.share_of_visits")],
        [
            [reason_name(k, t), n, n / figures.visits if figures.visits else None]
            for k, n in reasons
        ],
        heading=t("rpt.plan.reasons"),
        percent_columns={2},
    )
    if figures.reason_visits != figures.visits:
        summary.note(t("rpt.plan.reasons_note", visits=figures.visits, sum=figures.reason_visits))
    summary.gap()
    summary.table(
        [
            t("rpt.col.tier"),
            t("rpt.col.per_month_rule"),
            t("rpt.col.retailers"),
            t("rpt.col.visits"),
        ],
        [
            [
                t("rpt.tier_name", tier=f.tier) if f.tier else t("rpt.tier_none"),
                f.per_month,
                f.retailers,
                f.visits,
            ]
            for f in figures.frequency
        ],
        total=[
            t("xlsx.total"),
            None,
            sum(f.retailers for f in figures.frequency),
            sum(f.visits for f in figures.frequency),
        ],
        heading=t("rpt.plan.frequency"),
    )
    if figures.warnings:
        summary.gap()
        summary.heading(t("rpt.plan.warnings"))
        for w in figures.warnings:
            summary.note(warning_text(w, t))
    summary.gap()
    summary.heading(t("rpt.sec.plan_approval"))
    for key in (
        "xlsx.sign_am",
        "xlsx.sign_date",
        "xlsx.sign_opinion",
        "xlsx.sign_manager",
        "xlsx.sign_date",
    ):
        summary.field(t(key))
    summary.finish([16, 14, 22, 12, 12, 12], t("xlsx.footer"))

    # every visit
    visits = Sheet(wb, t("xlsx.sheet.visits"), text)
    visits.title(title, period, 9)
    visits.table(
        [
            t("rpt.col.date"),
            t("rpt.col.weekday"),
            t("rpt.col.seq"),
            t("rpt.col.route"),
            t("rpt.col.code"),
            t("rpt.col.retailer"),
            t("rpt.col.tier"),
            t("rpt.col.reason"),
            t("rpt.col.measures"),
        ],
        [
            [
                as_date(v.day),
                weekday_name(v.day, t),
                i,
                v.route or "",
                v.code,
                v.name,
                v.tier,
                sep.join(reason_name(k, t) for k in sorted(v.reasons, key=reason_order)),
                measure_names(v.measures, t, labels),
            ]
            for i, v in _numbered_by_day(figures.visit_rows)
        ],
        wrap_columns={8},
        text_columns={4},
        data_sheet=True,
    )
    visits.finish([11, 7, 5, 12, 15, 26, 5, 20, 42], t("xlsx.footer"))

    # visits per day
    days = Sheet(wb, t("xlsx.sheet.days"), text)
    days.title(title, period, 4)
    days.table(
        [t("rpt.col.date"), t("rpt.col.weekday"), t("rpt.col.routes"), t("rpt.col.visits")],
        [
            [as_date(d.day), weekday_name(d.day, t), t.join(d.routes), d.visits]
            for d in figures.days
        ],
        total=[t("xlsx.total"), "", "", figures.visits],
        data_sheet=True,
    )
    days.finish([11, 8, 30, 10], t("xlsx.footer"))
    return wb


def _numbered_by_day(rows):
    n, day = 0, None
    for v in rows:
        n = n + 1 if v.day == day else 1
        day = v.day
        yield n, v


def _month_end(month: str) -> str:
    from khtui.domain.months import month_range

    return month_range(month)[1].isoformat()
