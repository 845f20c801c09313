"""The Word and Excel documents, read back with python-docx and openpyxl."""

from __future__ import annotations

import os
import shutil
import subprocess

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from khtui.data.documents import (
    DocumentError,
    write_monthly_docx,
    write_plan_docx,
    write_plan_xlsx,
    write_weekly_docx,
)
from khtui.i18n import set_lang
from tests.data.test_reports import seed_reports


@pytest.fixture
def seeded(store):
    seed_reports(store)
    store.save_weekly_draft(
        "2026-W47", {"problems": "R002 店主两次不在。\n部分客户未明码标价。", "suggestions": ""}
    )
    return store


def headings(d, level=1):
    return [p.text for p in d.paragraphs if p.style.name == f"Heading {level}"]


def table_after(d, heading_text):
    """The first table after the heading whose text ends with ``heading_text``."""
    body = d.element.body
    seen = False
    for el in body.iterchildren():
        if el.tag == qn("w:p") and "".join(el.itertext()).endswith(heading_text):
            seen = True
        elif seen and el.tag == qn("w:tbl"):
            return docx.table.Table(el, d._body)
    raise AssertionError(f"no table after {heading_text}")


def rows(table):
    return [[c.text for c in r.cells] for r in table.rows]


def check_fonts_and_layout(d):
    """A4, East Asian fonts on defaults, styles and every run, no theme fonts, zh-CN, page
    numbers, repeated header rows, per-cell widths and right-aligned numbers."""
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)  # A4
    defaults = d.styles.element.find(qn("w:docDefaults"))
    rfonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert rfonts.get(qn("w:eastAsia")) == "宋体" and rfonts.get(qn("w:asciiTheme")) is None
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    for name, east in (
        ("Normal", "宋体"),
        ("Title", "黑体"),
        ("Heading 1", "黑体"),
        ("Heading 2", "黑体"),
    ):
        rf = d.styles[name].element.rPr.rFonts
        assert rf.get(qn("w:eastAsia")) == east, name
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert rf.get(qn(attr)) is None, (name, attr)
    runs = d.element.body.iter(qn("w:r"))
    n = 0
    for r in runs:
        rf = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rf is not None and rf.get(qn("w:eastAsia")) in ("宋体", "黑体")
        n += 1
    assert n > 20
    footer_xml = sec.footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml
    for table in d.tables:
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        for tc in table._tbl.iter(qn("w:tc")):
            w = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            assert w is not None and int(w.get(qn("w:w"))) > 0
    usable = sec.page_width - sec.left_margin - sec.right_margin
    for table in d.tables:
        total = sum(c.w for c in table._tbl.tblGrid.gridCol_lst)
        assert total <= usable  # tables fit the page


def right_aligned(cell) -> bool:
    return cell.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


# -- weekly -----------------------------------------------------------------------------------
def test_weekly_docx(seeded, tmp_path):
    out = write_weekly_docx(seeded, "2026-W47", tmp_path / "周报.docx")
    d = docx.Document(out)
    check_fonts_and_layout(d)
    assert d.paragraphs[0].style.name == "Title"
    assert d.paragraphs[0].text == "客户经理工作周报（2026-W47）"
    assert "客户经理：张经理" in [p.text for p in d.paragraphs]
    assert headings(d) == [
        "一、本周拜访情况",
        "二、本月走访覆盖",
        "三、价格信息采集",
        "四、社会库存与上柜",
        "五、重点品牌与新品培育",
        "六、投诉受理与处理",
        "七、客户动态",
        "八、下周工作计划",
        "九、存在问题及原因",
        "十、意见和建议",
        "十一、改进措施",
    ]
    # the visits by day equal the database's counts
    by_day = rows(table_after(d, "本周拜访情况"))
    assert by_day[0] == ["日期", "星期", "线路", "计划", "完成", "跳过", "改期"]
    # planned on a day: its visits, those rescheduled away from the week included (only a visit
    # moved to another day of the same week counts there instead)
    moved_within = "status = 'rescheduled' AND rescheduled_to BETWEEN '2026-11-16' AND '2026-11-22'"
    for day, _, _, planned, done, skipped, rescheduled in by_day[1:]:
        db = seeded.query_one(
            f"SELECT sum(NOT coalesce({moved_within}, 0)), sum(status = 'done'), "
            f"sum(status = 'skipped'), sum(status = 'rescheduled' AND NOT coalesce({moved_within}, 0)) "
            "FROM visits WHERE planned_date = ?",
            (day,),
        )
        assert (int(planned), int(done), int(skipped), int(rescheduled)) == tuple(db)
    assert sum(int(r[3]) for r in by_day[1:]) == 8  # R006 rescheduled away is in 11-17's row
    t = table_after(d, "本周拜访情况")
    assert right_aligned(t.rows[1].cells[3]) and not right_aligned(t.rows[1].cells[0])
    # the price deviations equal the observations
    dev = rows(table_after(d, "价格信息采集"))
    assert dev[1] == ["2026-11-16", "老街食杂店", "红金龙(软)", "50.00", "44.00", "-12.0%"]
    assert dev[2][3:] == ["250.00", "276.00", "+10.4%"]
    assert len(dev) == 3
    # the AM's text is in its section
    texts = [p.text for p in d.paragraphs]
    i = texts.index("九、存在问题及原因")
    assert texts[i + 1 : i + 3] == ["R002 店主两次不在。", "部分客户未明码标价。"]
    assert texts[texts.index("十、意见和建议") + 1] == "（未填写）"


def test_weekly_docx_in_english(seeded, tmp_path):
    set_lang("en")
    d = docx.Document(write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx"))
    assert headings(d)[0] == "一、Visits this week"
    assert rows(table_after(d, "Visits this week"))[0][0] == "Date"


# -- monthly ----------------------------------------------------------------------------------
def test_monthly_docx(seeded, tmp_path):
    d = docx.Document(write_monthly_docx(seeded, "2026-10", tmp_path / "m.docx"))
    check_fonts_and_layout(d)
    assert d.paragraphs[0].text == "2026年10月市场分析报告"
    assert headings(d) == [
        "一、销售总体情况",
        "二、分档销售情况",
        "三、分类销售情况",
        "四、品牌结构",
        "五、零售客户意见建议",
        "六、存在问题及原因",
        "七、改进措施",
    ]
    assert headings(d, 2) == ["近十二个月销量与去年同期", "按价类", "主销品规"]
    months = rows(table_after(d, "销售总体情况"))
    assert len(months) == 13
    qty, amount = seeded.query_one(
        "SELECT sum(qty_tiao), sum(amount) FROM monthly_sales WHERE month = '2026-10'"
    )
    qty_ly, amount_ly = seeded.query_one(
        "SELECT sum(qty_tiao), sum(amount) FROM monthly_sales WHERE month = '2025-10'"
    )
    assert months[-1] == [
        "2026-10",
        f"{qty:,.0f}",
        f"{qty_ly:,.0f}",
        f"{100 * (qty - qty_ly) / qty_ly:+.1f}%",
        f"{amount:,.2f}",
        f"{amount_ly:,.2f}",
        f"{100 * (amount - amount_ly) / amount_ly:+.1f}%",
    ]
    classes = rows(table_after(d, "品牌结构"))
    assert classes[1][:2] == ["五类", "40"] and classes[1][4] == "-20.0%"
    texts = [p.text for p in d.paragraphs]
    assert "五类卷烟销量同比下降 20.0%。" in texts
    opinions = rows(table_after(d, "零售客户意见建议"))
    assert opinions[1] == ["2026-10-12", "幸福便利店", "建议", "希望增加细支烟供应"]


# -- plan -------------------------------------------------------------------------------------
def test_plan_docx(seeded, tmp_path):
    d = docx.Document(write_plan_docx(seeded, "2026-12", tmp_path / "p.docx"))
    check_fonts_and_layout(d)
    assert d.paragraphs[0].text == "2026年12月客户拜访计划"
    assert headings(d) == ["一、计划概况", "二、每日拜访安排", "三、审批"]
    assert headings(d, 2) == [
        "2026年12月1日 星期二 · A线（2 户）",
        "2026年12月2日 星期三 · A线（1 户）",
    ]
    day1 = rows(table_after(d, "星期二 · A线（2 户）"))
    assert day1[0] == ["序号", "客户编码", "客户名称", "线路", "档位", "拜访事由", "服务措施"]
    assert day1[1] == [
        "1",
        "R001",
        "幸福便利店",
        "A线",
        "1",
        "计划、新品推广",
        "采集需求、新品推广",
    ]
    n_db = seeded.scalar(
        "SELECT count(*) FROM visits WHERE planned_date = '2026-12-01' AND status != 'rescheduled'"
    )
    assert len(day1) - 1 == n_db


def test_plan_xlsx(seeded, tmp_path):
    wb = openpyxl.load_workbook(write_plan_xlsx(seeded, "2026-12", tmp_path / "p.xlsx"))
    ws = wb["拜访计划"]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == (
        "日期",
        "星期",
        "序号",
        "线路",
        "客户编码",
        "客户名称",
        "档位",
        "拜访事由",
        "服务措施",
    )
    n_db = seeded.scalar(
        "SELECT count(*) FROM visits WHERE planned_date LIKE '2026-12-%' AND status != 'rescheduled'"
    )
    assert len(values) - 1 == n_db
    assert values[1] == (
        "2026-12-01",
        "星期二",
        1,
        "A线",
        "R001",
        "幸福便利店",
        1,
        "计划、新品推广",
        "采集需求、新品推广",
    )
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    days = list(wb["每日汇总"].iter_rows(values_only=True))
    assert days[1] == ("2026-12-01", "星期二", "A线", 2)


# -- writing safely ---------------------------------------------------------------------------
def test_existing_file_kept_without_force(seeded, tmp_path):
    out = tmp_path / "w.docx"
    out.write_bytes(b"mine")
    with pytest.raises(DocumentError, match="已存在；加 --force 覆盖"):
        write_weekly_docx(seeded, "2026-W47", out)
    assert out.read_bytes() == b"mine"
    write_weekly_docx(seeded, "2026-W47", out, force=True)
    assert docx.Document(out).paragraphs[0].text.startswith("客户经理工作周报")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".docx") == ["w.docx"]


def test_document_gets_the_usual_file_mode(seeded, tmp_path):
    out = write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx")
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("lock", ["~$w.docx", ".~lock.w.docx#"])
def test_file_open_in_word_or_libreoffice(seeded, tmp_path, lock):
    out = tmp_path / "w.docx"
    out.write_bytes(b"mine")
    (tmp_path / lock).write_bytes(b"")
    with pytest.raises(DocumentError, match="正被其他程序打开"):
        write_weekly_docx(seeded, "2026-W47", out, force=True)
    assert out.read_bytes() == b"mine"


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nobody can write to (root included: the immutable flag where chmod is not
    enough for root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.geteuid() == 0 and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(folder)], check=False).returncode == 0
    try:
        (folder / "probe").write_bytes(b"")
    except PermissionError:
        pass
    else:
        pytest.fail("cannot make a read-only folder on this machine")
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_readonly_folder(seeded, readonly_dir):
    with pytest.raises(DocumentError, match=r"无法在文件夹 .* 中写入"):
        write_weekly_docx(seeded, "2026-W47", readonly_dir / "w.docx")
    assert list(readonly_dir.iterdir()) == []


def test_missing_folder_and_folder_as_target(seeded, tmp_path):
    with pytest.raises(DocumentError, match="不存在"):
        write_plan_xlsx(seeded, "2026-12", tmp_path / "nope" / "p.xlsx")
    with pytest.raises(DocumentError, match="是文件夹"):
        write_plan_docx(seeded, "2026-12", tmp_path)


def test_failure_while_writing_leaves_nothing(seeded, tmp_path, monkeypatch):
    import khtui.data.documents as documents

    def boom(doc, rules):
        class Broken:
            def save(self, path):
                path.write_bytes(b"half")
                raise OSError(28, "No space left on device")

        return Broken()

    monkeypatch.setattr(documents, "render_docx", boom)
    with pytest.raises(DocumentError, match="No space left"):
        write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx")
    assert list(tmp_path.glob("*.docx")) == [] and list(tmp_path.glob(".khtui-*")) == []


def test_every_service_measure_the_planner_uses_has_a_label():
    from khtui.data.documents import measure_labels
    from khtui.domain.planning import MEASURES

    labels = measure_labels()
    assert set(labels) == set(MEASURES)
    assert all(labels[m] and not labels[m].startswith("plan.measure.") for m in MEASURES)
