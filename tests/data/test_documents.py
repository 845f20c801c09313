"""The Word and Excel documents, read back with python-docx and openpyxl."""

from __future__ import annotations

import os
import re

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from khtui.data.documents import (
    DocumentError,
    monthly_document,
    weekly_document,
    write_monthly_docx,
    write_plan_docx,
    write_plan_xlsx,
    write_weekly_docx,
)
from tests.conftest import (
    EN,
    REPORT_RETAILERS,
    ZH,
    _report_capture,
    check_fonts_and_layout,
    seed_reports,
)


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


def right_aligned(cell) -> bool:
    return cell.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


def texts(d):
    return [p.text for p in d.paragraphs]


def pictures(d):
    """The PNG pictures of the document (inline images)."""
    return [
        rel.target_part.blob
        for rel in d.part.rels.values()
        if rel.reltype.endswith("/image") and rel.target_part.blob[:4] == b"\x89PNG"
    ]


# -- weekly -----------------------------------------------------------------------------------
def test_weekly_docx(seeded, tmp_path):
    out = write_weekly_docx(seeded, "2026-W47", tmp_path / "周报.docx", t=ZH)
    d = docx.Document(out)
    check_fonts_and_layout(d)
    assert d.paragraphs[0].style.name == "Title"
    assert d.paragraphs[0].text == "客户经理工作周报（2026年第47周）"
    assert "报告期间：2026年第47周（11月16日—11月22日）" in texts(d)
    assert "客户经理：张经理" in texts(d)
    assert headings(d) == [
        "一、本周拜访情况",
        "二、本月走访覆盖",
        "三、本周销售情况",
        "四、价格信息采集",
        "五、社会库存",
        "六、重点品牌与新品培育",
        "七、投诉受理与处理",
        "八、客户动态",
        "九、下周工作计划",
        "十、存在问题及原因",
        "十一、意见和建议",
        "十二、改进措施",
    ]
    # the visits by day equal the database's counts
    by_day = rows(table_after(d, "本周拜访情况"))
    assert by_day[0] == ["日期", "星期", "线路", "计划", "完成", "完成率", "未访", "改期"]
    moved_within = "status = 'rescheduled' AND rescheduled_to BETWEEN '2026-11-16' AND '2026-11-22'"
    for day, _, _, planned, done, _rate, skipped, rescheduled in by_day[1:-1]:
        db = seeded.query_one(
            f"SELECT sum(NOT coalesce({moved_within}, 0)), sum(status = 'done'), "
            f"sum(status = 'skipped'), sum(status = 'rescheduled' AND NOT coalesce({moved_within}, 0)) "
            "FROM visits WHERE planned_date = ?",
            ("2026-" + day,),
        )
        assert (int(planned), int(done), int(skipped), int(rescheduled)) == tuple(db)
    assert by_day[-1][0] == "合计" and by_day[-1][3:5] == ["8", "3"]
    t = table_after(d, "本周拜访情况")
    assert right_aligned(t.rows[1].cells[3]) and not right_aligned(t.rows[1].cells[0])
    # a chart picture for the visits by day and one for the brand figures, with their legends
    assert len(pictures(d)) == 2
    assert any(x.startswith("图：本周每日计划与完成户次") and "■ 计划" in x for x in texts(d))
    # the price deviations equal the observations
    dev = rows(table_after(d, "价格信息采集"))
    assert dev[1] == ["11-16", "老街食杂店", "红金龙(软)", "50.00", "44.00", "-12.0%"]
    assert dev[2][3:] == ["250.00", "276.00", "+10.4%"]
    assert len(dev) == 3
    # the week's sales against last week and the same week last year, periods in the headers
    sales = rows(table_after(d, "本周销售情况"))
    assert sales[0][1] == "本周（11月16日—11月22日）" and sales[0][2] == "上周（11月9日—11月15日）"
    week_qty = seeded.scalar(
        "SELECT sum(qty_tiao) FROM order_lines WHERE order_date BETWEEN '2026-11-16' AND '2026-11-22'"
    )
    assert sales[1][:2] == ["销量(条)", f"{week_qty:,.0f}"]
    # the same week a year before is covered by the data (it starts 2025-10-05) but had no
    # orders: 0, and no growth rate against nothing
    assert sales[1][4:] == ["0", "—"]
    # brand figures: one period for every column, "—" for a rate nothing was observed for
    brands = rows(table_after(d, "重点品牌与新品培育"))
    assert brands[0] == [
        "序号",
        "品规",
        "类型",
        "销量(条)",
        "订购户数",
        "铺货率",
        "动销率",
        "上摊率",
    ]
    assert brands[1][1:3] == ["黄鹤楼(硬金砂)", "重点"]
    # the note under them names the chart's numbers (the screen, without the chart, does not)
    assert any(
        x.startswith("注：铺货率") and x.endswith("。序号即图中横轴序号。") for x in texts(d)
    )
    # complaints: the count of closures matches the rows that say closed
    cp = rows(table_after(d, "投诉受理与处理"))
    summary = next(x for x in texts(d) if x.startswith("本周受理投诉"))
    closed = int(summary.split("办结 ")[1].split(" 件")[0])
    assert closed == sum(1 for r in cp[1:] if r[4].startswith("已办结"))
    # the AM's text is in its section
    i = texts(d).index("十、存在问题及原因")
    assert texts(d)[i + 1 : i + 3] == ["R002 店主两次不在。", "部分客户未明码标价。"]
    assert texts(d)[texts(d).index("十一、意见和建议") + 1] == "（未填写）"


@pytest.mark.parametrize(
    ("tr", "words"),
    [
        (
            ZH,
            [
                "注：本周尚未结束，以下数据截至11月25日。",
                "本周截至11月24日 ",
                "较上周同期",
                "注：本周尚未结束（销售数据截至11月24日）",
                "截至11月25日超期未办",
            ],
        ),
        (
            EN,
            [
                "The week is not over: the figures below are up to 11-25.",
                "this week up to 11-24",
                "on the same days last week",
                "The week is not over (sales up to 11-24)",
                "overdue on 11-25",
            ],
        ),
    ],
)
def test_a_week_not_over_says_so(seeded, tmp_path, tr, words):
    """W48 read on its Wednesday: the document says the week is not over and up to when its
    figures run, its sales are against the same days, and no date still ahead is named (as if
    the week were over: 截至周末, 截至11月29日)."""
    import datetime as dt

    seeded.clock = lambda: dt.datetime(2026, 11, 25, 9)
    d = docx.Document(write_weekly_docx(seeded, "2026-W48", tmp_path / "w.docx", t=tr))
    text = "\n".join(texts(d))
    for part in words:
        assert part in text, part
    for gone in ("截至周末", "at the week's end", "11月29日，", "环比上周"):
        assert gone not in text, gone
    # a week that is over reads as before
    over = "\n".join(
        texts(docx.Document(write_weekly_docx(seeded, "2026-W47", tmp_path / "o.docx", t=tr)))
    )
    assert words[0] not in over and words[-1] not in over


def bracket_depth(text: str) -> int:
    """How deep brackets nest in ``text`` (full-width and ASCII alike)."""
    depth = deepest = 0
    for ch in text:
        if ch in "（(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "）)":
            depth -= 1
    return deepest


@pytest.mark.parametrize(
    ("tr", "start"), [(ZH, "下周为2026年第48周（"), (EN, "Next week, 2026 week 48 (")]
)
def test_next_weeks_plan_has_one_level_of_brackets(seeded, tmp_path, tr, start):
    d = docx.Document(write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=tr))
    [line] = [x for x in texts(d) if x.startswith(start)]
    assert bracket_depth(line) == 1, line
    # nor when no visit is planned next week
    d = docx.Document(write_weekly_docx(seeded, "2026-W45", tmp_path / "x.docx", t=tr))
    [line] = [x for x in texts(d) if x.startswith(start.replace("48", "46"))]
    assert bracket_depth(line) == 1, line


def test_weekly_docx_in_english(seeded, tmp_path):
    d = docx.Document(write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=EN))
    assert headings(d)[0] == "1. Visits this week"  # 一、 numbers Chinese headings only
    assert rows(table_after(d, "Visits this week"))[0][0] == "Date"


def test_reports_say_the_company_words_in_english(seeded):
    """In English the weekly and monthly reports say the company's words in English, as the
    rest of the program does: complaint categories and departments, retailer categories, price
    classes, a retailer's event, the choices of the market-information forms. What is Chinese
    in them is a name (a retailer, a brand, a route, the AM) or the user's own text; the same
    documents in Chinese keep the words as stored."""
    with seeded.write() as conn:
        for kind, payload in (
            ("display", {"display": "一般", "price_labels": True, "satisfaction": "4"}),
            ("brand_sales", {"brand_code": "B1", "selling": "差", "price": 250}),
            ("new_brand", {"brand_code": "B2", "consumer_acceptance": "好", "potential": "大"}),
            ("opinion", {"type": "建议", "text": "希望增加细支烟供应"}),
        ):
            _report_capture(conn, seeded.am_id, "R003", kind, "2026-11-18", payload)
    week = weekly_document(seeded, "2026-W47", EN).text()
    month = monthly_document(seeded, "2026-11", EN).text()
    for said in (
        "| delivery | distribution centre |",  # §7 complaints: 送货服务 | 配送中心
        "renovating | 下周重新开业",  # §8 dynamics: the event 装修, its note as written
    ):
        assert said in week
    for said in (
        "urban large convenience store | 1 |",  # by category: 城镇大型便利店
        "class 1 | ",  # by price class: 一类
        "\ndelivery | distribution centre | ",  # customer service
        "display: fair 1;",  # satisfaction: 陈列 一般
        "| bad 1 | 250.00",  # brand sales: 差
        "| good 1 | ",  # new brand: consumer acceptance 好
        "| large 1",  # new brand: potential 大
        "renovating | 1 | 新村超市",  # dynamics: 装修
        "| suggestion 1 |",  # opinions labelled 建议
        "high potential: 利群(新版) (1).",  # no Chinese brackets around the count
    ):
        assert said in month, said
    names = [
        seeded.am_name,
        *(r[1] for r in REPORT_RETAILERS),
        *(r[2] for r in REPORT_RETAILERS),
        *(b["name"] for b in seeded.query("SELECT name FROM brands")),
        "店主不在",  # a skip reason, as the AM wrote it
        "下周重新开业",
        "希望增加细支烟供应",
        "R002 店主两次不在。\n部分客户未明码标价。",
    ]
    for text in (week, month):
        for run in re.findall(r"[\u4e00-\u9fff]+", text):
            assert any(run in name for name in names), run
    zh = monthly_document(seeded, "2026-11", ZH).text()
    assert "\n送货服务 | 配送中心 | " in zh and "陈列：一般 1；" in zh and "| 建议 1 |" in zh


def test_numbers_and_short_words_never_wrap(seeded, tmp_path):
    """Each fitted column is at least as wide as its longest text needs (an estimate from the
    font size: CJK 1 em, others 0.55 em, plus the cell margins)."""
    from khtui.data.documents import text_em

    d = docx.Document(write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=ZH))
    em_cm = 10.5 * 2.54 / 72
    checked = 0
    for table in d.tables:
        widths = [c.w.cm for c in table._tbl.tblGrid.gridCol_lst]
        for row in table.rows[1:]:
            for cell, w in zip(row.cells, widths, strict=True):
                if cell.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT:
                    assert text_em(cell.text) * em_cm + 0.38 <= w, (cell.text, w)
                    checked += 1
    assert checked > 20


# -- monthly ----------------------------------------------------------------------------------
def test_monthly_docx(seeded, tmp_path):
    seeded.save_monthly_draft("2026-10", {"targets": "十一月走访面 100%"})
    d = docx.Document(write_monthly_docx(seeded, "2026-10", tmp_path / "m.docx", t=ZH))
    check_fonts_and_layout(d)
    assert d.paragraphs[0].text == "2026年10月市场分析报告"
    assert (
        "注：统计期为本月（未结束的月份截至昨日）；铺货率、动销率、上摊率的定义同周报；未采集上摊情况的为“—”。序号即图中横轴序号。"
        in texts(d)
    )
    assert headings(d) == [
        "一、销售总体情况",
        "二、月度拜访计划执行情况",
        "三、客户服务工作",
        "四、品牌培育情况",
        "五、市场信息收集",
        "六、市场潜力",
        "七、存在问题及原因",
        "八、改进措施",
        "九、下月工作目标",
    ]
    assert headings(d, 2)[:5] == [
        "销量走势：近十二个月与去年同期",
        "分档销售情况",
        "分类销售情况",
        "按价类",
        "主销品规",
    ]
    months = rows(table_after(d, "销量走势：近十二个月与去年同期"))
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
        f"{amount / 10000:,.2f}",
        f"{amount_ly / 10000:,.2f}",
        f"{100 * (amount - amount_ly) / amount_ly:+.1f}%",
    ]
    # no broken year on year: a month whose base month the data does not cover shows "—"
    assert months[-2][2:4] == ["—", "—"]
    assert any(x.startswith("注：订单数据从 2025-10-05 开始") for x in texts(d))
    # tiers: grouped by their tier now, said in the header; a 合计 row adding up
    tiers = rows(table_after(d, "分档销售情况"))
    assert tiers[0][0] == "现档位" and tiers[-1][0] == "合计"
    assert tiers[-1][2] == f"{qty:,.0f}"
    # price classes in their order, with a total
    classes = rows(table_after(d, "按价类"))
    assert [r[0] for r in classes[1:]] == ["一类", "五类", "合计"]
    assert classes[2][:2] == ["五类", "40"] and classes[2][4] == "-20.0%"
    # the problems name their causes: the coverage shortfall with why visits were not made
    assert any(x.startswith("本月尚有 6 户未走访") and "原因：" in x for x in texts(d))
    # the opinion is grouped with its count; the rule for "the same" is stated
    opinions = rows(table_after(d, "客户意见建议"))
    assert opinions[1] == ["希望增加细支烟供应", "建议 1", "1", "1"]
    assert any("视为同一内容" in x for x in texts(d))
    # the AM's own targets; the trend and brand charts are pictures
    i = texts(d).index("九、下月工作目标")
    assert "十一月走访面 100%" in texts(d)[i:]
    assert len(pictures(d)) == 2


# -- plan -------------------------------------------------------------------------------------
def test_plan_docx(seeded, tmp_path):
    d = docx.Document(write_plan_docx(seeded, "2026-12", tmp_path / "p.docx", t=ZH))
    check_fonts_and_layout(d)
    sec = d.sections[0]
    assert sec.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE
    assert sec.page_width > sec.page_height
    assert d.paragraphs[0].text == "2026年12月客户拜访计划"
    assert headings(d) == ["一、计划概况", "二、品牌培育目标", "三、客户拜访安排", "四、审批"]
    assert "应于2026年11月30日提交（尚未提交）" in texts(d) or any(
        x.startswith("提交日期：") for x in texts(d)
    )
    # one row per retailer, a table per route
    route_a = rows(table_after(d, "A线（星期二、星期三；3 户，3 户次）"))
    assert route_a[0] == [
        "序号",
        "档",
        "客户编码",
        "客户名称",
        "拜访日",
        "次数",
        "拜访事由",
        "服务措施",
    ]
    assert route_a[1] == ["1", "1", "R001", "幸福便利店", "1", "1", "新品推广、例行拜访",
                          "采集需求、新品推广"]  # fmt: skip
    n_db = seeded.scalar(
        "SELECT count(DISTINCT retailer_code) FROM visits WHERE planned_date LIKE '2026-12-%' "
        "AND status != 'rescheduled'"
    )
    assert len(route_a) - 1 == n_db
    # the reasons: a visit carries several, said so
    assert any("一次拜访可以有多个事由" in x for x in texts(d))
    # visit frequency by tier, and the chart of visits per day
    freq = rows(table_after(d, "分档拜访频次"))
    assert freq[0][:2] == ["档位", "规定次数/月"] and freq[-1][0] == "合计"
    assert len(pictures(d)) == 1


def test_plan_xlsx(seeded, tmp_path):
    wb = openpyxl.load_workbook(write_plan_xlsx(seeded, "2026-12", tmp_path / "p.xlsx", t=ZH))
    assert wb.sheetnames == ["汇总", "拜访计划", "每日汇总"]
    ws = wb["拜访计划"]
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "2026年12月客户拜访计划"
    assert values[1][0].startswith("2026年12月（12月1日—12月31日）")
    assert values[2] == (
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
    assert len(values) - 3 == n_db
    assert values[3][1:] == (
        "星期二",
        1,
        "A线",
        "R001",
        "幸福便利店",
        1,
        "新品推广、例行拜访",
        "采集需求、新品推广",
    )
    assert values[3][0].date().isoformat() == "2026-12-01"  # a date, not text
    assert ws.freeze_panes == "A4" and ws["A3"].font.b and ws.auto_filter.ref == "A3:I6"
    assert ws["I4"].alignment.wrap_text and ws["A4"].border.left.style == "thin"
    assert "&P" in ws.oddFooter.center.text and ws.page_setup.orientation == "landscape"
    summary = [r for r in wb["汇总"].iter_rows(values_only=True)]
    flat = [v for r in summary for v in r if v is not None]
    assert "市场经理审批意见" in flat and "客户经理（签字）" in flat and "合计" in flat
    days = list(wb["每日汇总"].iter_rows(values_only=True))
    assert days[3][1:] == ("星期二", "A线", 2)


# -- writing safely ---------------------------------------------------------------------------
def test_existing_file_kept_without_force(seeded, tmp_path):
    out = tmp_path / "w.docx"
    out.write_bytes(b"mine")
    with pytest.raises(DocumentError) as raised:
        write_weekly_docx(seeded, "2026-W47", out, t=ZH)
    assert re.search("已存在；加 --force 覆盖", ZH.message(raised.value))
    assert out.read_bytes() == b"mine"
    write_weekly_docx(seeded, "2026-W47", out, force=True, t=ZH)
    assert docx.Document(out).paragraphs[0].text.startswith("客户经理工作周报")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".docx") == ["w.docx"]


def test_document_gets_the_usual_file_mode(seeded, tmp_path):
    out = write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=ZH)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("lock", ["~$w.docx", ".~lock.w.docx#"])
def test_file_open_in_word_or_libreoffice(seeded, tmp_path, lock):
    out = tmp_path / "w.docx"
    out.write_bytes(b"mine")
    (tmp_path / lock).write_bytes(b"")
    with pytest.raises(DocumentError) as raised:
        write_weekly_docx(seeded, "2026-W47", out, force=True, t=ZH)
    assert re.search("正被其他程序打开", ZH.message(raised.value))
    assert out.read_bytes() == b"mine"


def test_readonly_folder(seeded, readonly_dir):
    with pytest.raises(DocumentError) as raised:
        write_weekly_docx(seeded, "2026-W47", readonly_dir / "w.docx", t=ZH)
    assert re.search(r"无法在文件夹 .* 中写入", ZH.message(raised.value))
    assert list(readonly_dir.iterdir()) == []


def test_missing_folder_and_folder_as_target(seeded, tmp_path):
    with pytest.raises(DocumentError) as raised:
        write_plan_xlsx(seeded, "2026-12", tmp_path / "nope" / "p.xlsx", t=ZH)
    assert re.search("不存在", ZH.message(raised.value))
    with pytest.raises(DocumentError) as raised:
        write_plan_docx(seeded, "2026-12", tmp_path, t=ZH)
    assert re.search("是文件夹", ZH.message(raised.value))


def test_failure_while_writing_leaves_nothing(seeded, tmp_path, monkeypatch):
    import khtui.data.documents as documents

    def boom(doc, rules, t):
        class Broken:
            def save(self, path):
                path.write_bytes(b"half")
                raise OSError(28, "No space left on device")

        return Broken()

    monkeypatch.setattr(documents, "render_docx", boom)
    with pytest.raises(DocumentError) as raised:
        write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=ZH)
    assert re.search("No space left", ZH.message(raised.value))
    assert list(tmp_path.glob("*.docx")) == [] and list(tmp_path.glob(".khtui-*")) == []


def test_every_service_measure_the_planner_uses_has_a_label():
    from khtui.data.documents import measure_labels
    from khtui.domain.planning import MEASURES

    labels = measure_labels(ZH)
    assert set(labels) == set(MEASURES)
    assert all(labels[m] and not labels[m].startswith("plan.measure.") for m in MEASURES)
