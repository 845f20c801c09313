"""The report documents' XML written as text: the same elements python-docx's own calls make,
any text kept exactly (markup characters, spaces, tabs, line breaks), read back by python-docx."""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from lxml import etree

from khtui.data import wordml
from khtui.data.documents import render_docx, set_fonts
from khtui.domain.report import Heading, Paragraph, ReportDocument, Table
from khtui.rules import default_rules
from tests.conftest import ZH

FONTS = wordml.Fonts("Times New Roman", "宋体")
AWKWARD = [
    "",
    "plain",
    " leading",
    "trailing ",
    "a\tb",
    "one\ntwo\r\nthree\r",
    "\t",
    "R&D <b>\"quoted\"</b> 'single'",
    "黄鹤楼(硬金砂) ＆ 中华",
]


def c14n(el) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True)


def parsed(xml: str, holder: str = "w:body"):
    return parse_xml(f"<{holder} {nsdecls('w')}>{xml}</{holder}>")[0]


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("bold", [False, True])
def test_a_run_is_what_python_docx_makes(text, bold):
    p = docx.Document().add_paragraph()
    run = p.add_run(text)
    set_fonts(run._r.get_or_add_rPr(), FONTS)
    if bold:
        run.bold = True
    ours = parsed(wordml.run(text, FONTS, bold=bold), "w:p")
    assert c14n(ours) == c14n(run._r)


def test_a_coloured_run_and_a_field():
    p = docx.Document().add_paragraph()
    run = p.add_run("■")
    set_fonts(run._r.get_or_add_rPr(), FONTS)
    run.font.color.rgb = docx.shared.RGBColor.from_string("4472C4")
    assert c14n(parsed(wordml.run("■", FONTS, color="4472C4"), "w:p")) == c14n(run._r)
    runs = parse_xml(f"<w:p {nsdecls('w')}>{wordml.field('PAGE', FONTS)}</w:p>")
    assert [el.tag for r in runs for el in r if el.tag != qn("w:rPr")] == [
        qn("w:fldChar"),
        qn("w:instrText"),
        qn("w:fldChar"),
        qn("w:t"),
        qn("w:fldChar"),
    ]
    assert runs.find(f"{qn('w:r')}/{qn('w:instrText')}").text == " PAGE "


def test_font_names_with_markup_are_attributes_not_markup():
    odd = wordml.Fonts('A "B" & <C>', "宋体")
    rfonts = parsed(wordml.run("x", odd), "w:p").find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert rfonts.get(qn("w:ascii")) == 'A "B" & <C>'
    assert rfonts.get(qn("w:eastAsia")) == "宋体"


@pytest.mark.parametrize("keep", [False, True])
def test_a_paragraph_is_what_python_docx_makes(keep):
    p = docx.Document().add_paragraph()
    p._p.style = "BodyText"
    set_fonts(p.add_run("正文")._r.get_or_add_rPr(), FONTS)
    if keep:
        p.paragraph_format.keep_with_next = True
    ours = parsed(wordml.paragraph("BodyText", wordml.run("正文", FONTS), keep_next=keep))
    assert c14n(ours) == c14n(p._p)


LAYOUT = wordml.TableLayout(
    "TableGrid", "TableText", wordml.Fonts("Arial", "黑体"), FONTS, "D9D9D9"
)


def test_a_table_reads_back_cell_for_cell():
    headers = ["序号", "名称 & 备注", "金额"]
    rows = [["1", text, "1,234.50"] for text in AWKWARD] + [["", "合计", "9.00"]]
    d = docx.Document()
    blocks = wordml.Blocks(d)
    blocks.add(
        wordml.table(
            LAYOUT, headers, rows, [600, 4000, 1200], ["center", "left", "right"], total=True
        )
    )
    blocks.flush()
    d.add_paragraph("after")  # python-docx's own additions still go after the table
    buf = io.BytesIO()
    d.save(buf)
    back = docx.Document(buf)
    (table,) = back.tables
    assert [[c.text for c in r.cells] for r in table.rows] == [headers, *rows]
    # the text of a body cell is kept as it is: tabs and line breaks are characters there
    assert table.rows[6].cells[1]._tc.find(f".//{qn('w:t')}").text == "one\ntwo\r\nthree\r"
    assert [c.w.twips for c in table._tbl.tblGrid.gridCol_lst] == [600, 4000, 1200]
    assert table.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert all(r._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in table.rows)
    first = table.rows[1].cells
    assert [c.paragraphs[0].alignment for c in first] == [
        WD_ALIGN_PARAGRAPH.CENTER,
        None,
        WD_ALIGN_PARAGRAPH.RIGHT,
    ]
    assert [c.width.twips for c in first] == [600, 4000, 1200]
    bold = [[r.runs[0].bold for r in (c.paragraphs[0] for c in row.cells)] for row in table.rows]
    assert bold[0] == [True] * 3 and bold[-1] == [True] * 3
    assert all(b == [None] * 3 for b in bold[1:-1])
    assert back.paragraphs[-1].text == "after"
    assert back.element.body[-1].tag == qn("w:sectPr")


def test_a_table_needs_a_width_and_an_alignment_per_column():
    with pytest.raises(ValueError):
        wordml.table(LAYOUT, ["a", "b"], [], [100], ["left", "left"])


def test_a_document_keeps_awkward_text():
    table = Table(
        headers=["名称", "数"],
        rows=[[t, "1"] for t in AWKWARD if "\r" not in t],
        aligns=["left", "right"],
        widths=[3.0, 1.0],
        fit=[False, True],
    )
    doc = ReportDocument(
        kind="weekly",
        title="R&D <周报>",
        meta=["客户经理：A & B"],
        blocks=[
            Heading("一、<情况>"),
            Paragraph("第一行\n第二行 & more"),
            table,
        ],
    )
    buf = io.BytesIO()
    render_docx(doc, default_rules(), ZH).save(buf)
    back = docx.Document(buf)
    texts = [p.text for p in back.paragraphs]
    assert texts[:4] == ["R&D <周报>", "客户经理：A & B", "一、<情况>", "第一行\n第二行 & more"]
    assert [[c.text for c in r.cells] for r in back.tables[0].rows][1:] == table.rows
