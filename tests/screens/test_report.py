"""The weekly report screen, driven with the keys a person would press.

(No async pytest plugin is installed: each scenario is made a plain test by ``sync``.)
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata

import docx
import pytest
from textual.geometry import Region
from textual.widgets import Input, Static, TextArea

from khtui.app import create_app
from khtui.screens.help import HelpScreen
from khtui.screens.report import MONTH, ReportScreen, export_week
from khtui.screens.retailer import RetailerScreen
from khtui.widgets.confirm import ConfirmScreen
from tests.conftest import EN, TODAY, ZH, insert_visit, seed_reports
from tests.screens.pilot import Notices, running, settle, sync


@pytest.fixture
def seeded(store):
    seed_reports(store)
    return store


async def open_report(app, pilot, week=None) -> ReportScreen:
    screen = ReportScreen(week)
    await app.push_screen(screen)
    await settle(app, pilot)
    return screen


def shown(widget) -> str:
    """What a widget shows on the screen, its lines joined (wrapped text reads through)."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return "".join(strip.text.strip() for strip in widget.render_lines(region))


def narrative(store, week="2026-W47") -> dict:
    return store.weekly_report(week)["narrative"]


def versions(store, week="2026-W47") -> list[tuple[int, str, dict]]:
    return [(v["version"], v["status"], v["narrative"]) for v in store.weekly_versions(week)]


@sync
async def test_edit_export_and_find_the_text(seeded, tmp_path):
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(app, pilot)
        assert screen.period == "2026-W47"  # the last complete week before Monday 11-23
        assert app.focused is screen.figures  # opens on the figures, not in a text box
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        # W47 planned 8 visits: 3 done, 2 skipped, 1 checked in, 1 rescheduled away (R006),
        # and R005's missed 11-17 visit still open: reading the list does not carry it over
        # (the day's housekeeping does). A visit rescheduled away was still planned in its
        # week, so the figure is the same before and after a carry-over (it was 7, then 6,
        # when rescheduled ones were left out, which made a past week shrink).
        assert "本周计划拜访 8 户次，完成 3 户次（完成率 37.5%）" in figures
        # (spaces left out: a line may end at one)
        assert "未完成2户次；改期1户次" in figures.replace(" ", "")
        assert "老街食杂店" in figures  # the price deviation table
        assert seeded.weekly_versions("2026-W47") == []  # opening writes nothing

        await pilot.press("e")  # into the first narrative box
        assert app.focused is screen.query_one("#rpt-problems", TextArea)
        await pilot.press(*"断货两次", "enter", *"原因是投放不足")
        await pilot.press("escape")  # leaving the box saves it, without any save key
        await settle(app, pilot)
        assert app.focused is screen.figures
        assert narrative(seeded)["problems"] == "断货两次\n原因是投放不足"
        assert seeded.weekly_report("2026-W47")["version"] == 1

        screen.export_dir = tmp_path
        await pilot.press("f8")
        await settle(app, pilot)
        out = screen.last_export
        assert out is not None and out.parent == tmp_path
        assert out.name == "周报_2026-W47_第1版.docx"
        texts = [p.text for p in docx.Document(out).paragraphs]
        i = texts.index("十、存在问题及原因")
        assert texts[i + 1 : i + 3] == ["断货两次", "原因是投放不足"]
        # the whole file name and its folder stay on the screen (the notification fades)
        line = str(screen.query_one("#rpt-export", Static).render())
        assert f"已导出：{out.name}" in line and f"文件夹：{tmp_path}" in line
        assert notices.any(out.name, str(tmp_path))

        # a second export never overwrites the first
        await pilot.press("f8")
        await settle(app, pilot)
        assert screen.last_export.name == "周报_2026-W47_第1版 (2).docx"
        assert "周报_2026-W47_第1版 (2).docx" in str(screen.query_one("#rpt-export").render())


def test_export_file_names_have_no_ambiguous_width_characters(seeded, tmp_path):
    seeded.save_weekly_draft("2026-W47", {"problems": "x"})
    for tr in (ZH, EN):
        for week in ("2026-W47", "2026-W46"):  # a version, and a week never written
            path = export_week(seeded, week, tmp_path / tr.lang, tr)
            widths = {unicodedata.east_asian_width(ch) for ch in path.name}
            assert "A" not in widths, path.name


@sync
async def test_submit_asks_first_and_editing_a_submitted_version_asks_before_any_character(seeded):
    app = create_app(seeded, today=lambda: TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(app, pilot)
        await pilot.click("#rpt-suggestions")
        await pilot.press(*"增加投放")
        await pilot.press("ctrl+s")  # submit: asks first (and saves what was typed)
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "提交 2026-W47 第 1 版" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("enter")  # Enter is on 取消: a quick Enter never submits
        await settle(app, pilot)
        assert app.screen is screen
        assert versions(seeded) == [
            (1, "draft", {"problems": "", "suggestions": "增加投放", "improvements": ""})
        ]
        await pilot.press("ctrl+s", "y")
        await settle(app, pilot)
        assert app.screen is screen
        assert [(v, s) for v, s, _n in versions(seeded)] == [(1, "submitted")]
        assert "第 1 版 · 已提交" in shown(screen.query_one("#rpt-status", Static))
        assert app.focused is screen.figures
        assert all(area.read_only for area in screen.areas())

        # a click into a box of the submitted version asks before anything can be typed
        await pilot.click("#rpt-improvements")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-detail").render())
        assert "生成第 2 版" in question and "第 1 版保持不变" in question
        await pilot.press("n")  # no: back on the figures, keys are keys again
        await settle(app, pilot)
        assert app.focused is screen.figures
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert [(v, s) for v, s, _n in versions(seeded)] == [(1, "submitted")]
        await pilot.press("y")
        await settle(app, pilot)
        assert app.focused is screen.query_one("#rpt-problems", TextArea)
        await pilot.press("tab", "tab", *"提前预约", "escape")
        await settle(app, pilot)
        assert versions(seeded) == [
            (1, "submitted", {"problems": "", "suggestions": "增加投放", "improvements": ""}),
            (2, "draft", {"problems": "", "suggestions": "增加投放", "improvements": "提前预约"}),
        ]
        assert "第 2 版 · 草稿" in shown(screen.query_one("#rpt-status", Static))


@sync
async def test_pick_another_week(seeded):
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(app, pilot)
        await pilot.press("e", *"第47周", "escape")
        await pilot.press("left_square_bracket")  # previous week
        await settle(app, pilot)
        assert screen.period == "2026-W46"
        assert screen.query_one("#rpt-problems", TextArea).text == ""
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.query_one("#rpt-problems", TextArea).text == "第47周"

        await pilot.press("w")  # the week box, its text selected: typing replaces it
        assert app.focused is screen.query_one("#rpt-period", Input)
        await pilot.press(*"2026-W40", "enter")
        await settle(app, pilot)
        assert screen.period == "2026-W40"
        assert app.focused is screen.figures
        assert screen.sub_title == "周报 2026-W40（09-28 至 10-04）"
        assert dt.date(2026, 9, 28).isocalendar()[1] == 40

        await pilot.press("w", *"2026-W99", "enter")
        await pilot.pause()
        assert screen.period == "2026-W40"  # refused with a notification
        assert notices.any("周次无效")
        await pilot.press("escape")  # Esc leaves the week box too
        assert app.focused is screen.figures


@sync
async def test_a_period_not_begun_is_not_shown(seeded):
    """On Monday 2026-11-23 the week under way (W48) is shown as far as it has gone; the next
    week, stepped to with ] or typed, and a week of a year the program does not handle, are
    refused where the screen stands; so is December on the monthly analysis."""
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_report(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-W48"  # the week under way
        assert "本周尚未结束" in shown(screen.query_one("#rpt-figures-text", Static))
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-W48"
        assert notices[-1] == (
            "2026-W49 还没开始（今天是 2026-11-23，属于 2026-W48）：请选本周 2026-W48 或更早的周"
        )
        await pilot.press("w", *"2027-W01", "enter")
        await settle(app, pilot)
        assert screen.period == "2026-W48" and notices.any("2027-W01 还没开始")
        await pilot.press("ctrl+u", *"0001-W01", "enter")
        await settle(app, pilot)
        assert screen.period == "2026-W48" and notices.any("周次无效：0001-W01")
        await pilot.press("escape", "m", "right_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-11"  # the month under way
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-11" and notices.any("2026-12 还没开始（今天是 2026-11-23）")
        assert app.errors == []
    assert seeded.weekly_versions("2026-W49") == [] and seeded.monthly_versions("2026-12") == []


@sync
async def test_the_report_key_trap_is_gone(seeded):
    """F2 meant as "lookup", then `yh`, Esc, `2`, `?` and F6 back, then a week typed as the
    README says: the submitted week is left exactly as it was."""
    seeded.save_weekly_draft(
        "2026-W47", {"problems": "断货", "suggestions": "", "improvements": ""}
    )
    seeded.submit_weekly("2026-W47")
    before = versions(seeded)
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReportScreen) and report.period == "2026-W47"
        assert app.focused is report.figures

        await pilot.press("f2")  # the section key, not "previous week"
        await settle(app, pilot)
        assert isinstance(app.screen, RetailerScreen)
        lookup = app.screen.query_one("#lookup-input", Input)
        assert app.focused is lookup  # the lookup opens in its box
        await pilot.press("y", "h")
        await settle(app, pilot)
        assert lookup.value == "yh"
        await pilot.press("escape")  # leaves the box
        assert not isinstance(app.focused, Input)
        await pilot.press("2")  # a section key again: the lookup's own first screen
        await settle(app, pilot)
        assert isinstance(app.screen, RetailerScreen) and lookup.value == ""
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("f6")
        await settle(app, pilot)
        assert app.screen is report
        assert app.focused is report.figures  # never back into a narrative box
        assert all(area.text == "" or area.text == "断货" for area in report.areas())

        await pilot.press("w", *"2026-W45", "enter")
        await settle(app, pilot)
        assert report.period == "2026-W45"
        assert report.query_one("#rpt-problems", TextArea).text == ""

        # F7 is the import section here too (it used to submit), F3 the capture
        await pilot.press("f7")
        await settle(app, pilot)
        assert app.current_mode == "import"
        await pilot.press("f6")
        await settle(app, pilot)
        assert app.screen is report and app.focused is report.figures
    assert versions(seeded) == before
    assert seeded.weekly_versions("2026-W45") == []


@sync
async def test_esc_leaves_every_text_box_of_the_report(seeded):
    async with running(seeded, (80, 24)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        for box in ("#rpt-period", "#rpt-problems", "#rpt-suggestions", "#rpt-improvements"):
            screen.query_one(box).focus()
            await pilot.pause()
            assert app.focused is screen.query_one(box)
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.focused is screen.figures, box
            await pilot.press("4")  # and a digit is a section key again
            await settle(app, pilot)
            assert app.current_mode == "complaints", box
            await pilot.press("f6")
            await settle(app, pilot)
            assert app.screen is screen and app.focused is screen.figures
        assert seeded.weekly_versions("2026-W47") == []


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_on_a_narrow_terminal_the_figures_take_the_width_and_the_boxes_go_under(seeded, size):
    app = create_app(seeded, today=lambda: TODAY)
    async with app.run_test(size=size) as pilot:
        screen = await open_report(app, pilot)
        figures = screen.figures.region
        boxes = screen.query_one("#rpt-narrative").region
        if size[0] < 110:  # stacked: the figures over the whole width, the boxes below them
            assert figures.width == size[0] and boxes.width == size[0]
            assert boxes.y >= figures.bottom
        else:  # side by side
            assert boxes.x >= figures.right and boxes.y == figures.y
        await pilot.press("e")  # the boxes stay reachable, and Esc leaves them
        await settle(app, pilot)
        assert isinstance(app.focused, TextArea)
        await pilot.press("escape")
        assert not isinstance(app.focused, TextArea)


@sync
async def test_the_screen_does_not_speak_of_a_chart_it_does_not_show(seeded, tmp_path):
    """The brand figures' note names the chart's numbers only in the Word file (the screen has
    no chart), in the weekly report and the monthly analysis."""
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        assert "上摊率为“—”。" in figures and "图中" not in figures
        await pilot.press("m")
        await settle(app, pilot)
        assert screen.period == "2026-10"
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        assert "未采集上摊情况的为“—”。" in figures and "图中" not in figures
    path = export_week(seeded, "2026-W47", tmp_path, ZH)
    assert any(
        p.text.endswith("上摊率为“—”。序号即图中横轴序号。") for p in docx.Document(path).paragraphs
    )


@sync
async def test_the_export_line_belongs_to_the_report_it_was_exported_for(seeded, tmp_path):
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        screen.export_dir = tmp_path
        line = screen.query_one("#rpt-export", Static)
        await pilot.press("f8")
        await settle(app, pilot)
        assert line.display and "周报_2026-W47.docx" in shown(line)
        await pilot.press("left_square_bracket")  # another week: not its export
        await settle(app, pilot)
        assert screen.period == "2026-W46" and not line.display
        await pilot.press("m")  # nor the monthly analysis's
        await settle(app, pilot)
        assert not line.display
        await pilot.press("w")  # back on the weekly report (its week W46): still none
        await settle(app, pilot)
        assert screen.period == "2026-W46" and not line.display
        await pilot.press("right_square_bracket")  # the week exported: its line again
        await settle(app, pilot)
        assert screen.period == "2026-W47"
        assert line.display and "周报_2026-W47.docx" in shown(line)


@sync
async def test_an_export_place_that_is_a_file_says_so(seeded, tmp_path):
    """The export folder (KHTUI_EXPORT_DIR) names a file: F8 says it is a file and how to
    choose another folder, and writes nothing."""
    place = tmp_path / "out" / "exports"
    place.parent.mkdir()
    place.write_text("not a folder", encoding="utf-8")
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        screen.export_dir = place
        await pilot.press("f8")
        await settle(app, pilot)
        line = shown(screen.query_one("#rpt-export", Static))
        assert str(place) in line and "是一个文件，不是文件夹" in line
        assert "KHTUI_EXPORT_DIR" in line and "不存在" not in line
    assert [p.name for p in place.parent.iterdir()] == ["exports"]
    assert place.read_text(encoding="utf-8") == "not a folder"


def visits_line(screen) -> str:
    """The weekly report's sentence of the week's visits, as shown (its spaces left out: a
    line may end at one)."""
    figures = shown(screen.query_one("#rpt-figures-text", Static)).replace(" ", "")
    return figures[figures.index("本周计划拜访") :].split("。")[0]


@sync
async def test_back_on_the_report_after_a_visit_is_skipped_the_figures_are_read_again(seeded):
    """This week's report, then a visit skipped on the day's list (1), then the report again
    (6): it counts the skip without [ and ] (the figures are read again because the database
    changed; not when nothing did)."""
    with seeded.write() as conn:
        insert_visit(conn, seeded.am_id, "R001", TODAY.isoformat(), "planned", seq=1)
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6", "right_square_bracket")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReportScreen) and report.period == "2026-W48"
        assert "未访1户次" in visits_line(report)
        reads = []
        real = report.kind.load
        object.__setattr__(report.kind, "load", lambda *a: reads.append(1) or real(*a))
        try:
            await pilot.press("1")
            await settle(app, pilot)
            await pilot.press("6")  # nothing changed: not read again
            await settle(app, pilot)
            assert reads == []
            await pilot.press("1", "s")
            await pilot.pause()
            await pilot.press("down", "enter")  # a reason: the visit is skipped
            await settle(app, pilot)
            await pilot.press("6")
            await settle(app, pilot)
        finally:
            object.__setattr__(report.kind, "load", real)
        assert app.screen is report and app.focused is report.figures
        assert reads == [1]
        assert "未访2户次" in visits_line(report)


@sync
async def test_text_typed_while_the_figures_are_read_again_is_kept(seeded):
    """The figures are read again on return to the screen; what the AM types in a box while
    they are read is neither replaced by the stored text nor lost."""
    import threading

    gate = threading.Event()
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6", "e", *"断货", "escape")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReportScreen)
        real = report.kind.load

        def slow(*a):
            gate.wait(10)
            return real(*a)

        object.__setattr__(report.kind, "load", slow)
        try:
            seeded.set_meta("probe", "x")  # a write elsewhere
            await pilot.press("1", "6")
            await pilot.pause()
            await pilot.pause()
            await pilot.press("e", "end", *"两次")  # typed while the figures are being read
            gate.set()
            await settle(app, pilot)
        finally:
            object.__setattr__(report.kind, "load", real)
        box = report.query_one("#rpt-problems", TextArea)
        assert box.text == "断货两次"
        await pilot.press("escape")
        await settle(app, pilot)
        assert narrative(seeded)["problems"] == "断货两次"


@sync
async def test_another_periods_figures_never_stand_under_this_ones_title(seeded):
    """While the monthly analysis (m) or another week (]) is read, the figures say so: the
    week's figures stood under the month's title until the month arrived."""
    import threading

    gate = threading.Event()
    async with running(seeded, (120, 40)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReportScreen)
        text = report.query_one("#rpt-figures-text")

        def said() -> str:
            return "".join(shown_lines(text)).replace(" ", "")

        assert "本周拜访" in said()
        waits = []
        for key in ("m", "right_square_bracket"):
            kind = report.kind if key != "m" else MONTH
            real = kind.load

            def slow(*a, real=real):
                gate.wait(10)
                return real(*a)

            object.__setattr__(kind, "load", slow)
            try:
                gate.clear()
                await pilot.press(key)
                await pilot.pause()
                waits.append(said())
                gate.set()
                await settle(app, pilot)
            finally:
                object.__setattr__(kind, "load", real)
        assert waits == ["正在读取数据…", "正在读取数据…"], waits
        assert "本周拜访" not in said() and "销售" in said()  # the month's figures, read


def shown_lines(widget) -> list[str]:
    """What a widget shows on the screen, line by line (right-hand blanks left out)."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@sync
async def test_the_figures_keep_numbers_heads_and_units_whole(seeded, size):
    """At 120x40 the figures have two thirds of the width; at both sizes no number, date or
    short head of a table folds, and no paragraph leaves a number at a line's end and its
    unit at the next line's start."""
    async with running(seeded, size) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        if size[0] >= 110:
            boxes = screen.query_one("#rpt-narrative").region
            assert screen.figures.region.width >= 2 * boxes.width - 2
        lines = shown_lines(screen.query_one("#rpt-figures-text", Static))
        text = "\n".join(lines)
        # the price table's heads: the unit on its own line, whole
        assert any("指导价" in line and "实际价" in line for line in lines)
        assert any(line.count("(元/条)") == 2 for line in lines)
        # the sales table's heads: the week and its dates broken after the dash
        assert any("本周" in line and "上周" in line for line in lines)
        assert any(line.count("日—") == 3 for line in lines)
        for cell in ("37.5%", "11-16", "276.00", "+10.4%", "订购户数"):
            assert cell in text, cell
        for line, after in itertools.pairwise(lines):
            assert not (line[-1:].isdigit() and after.lstrip()[:1] in ("户", "条", "件", "天")), (
                line,
                after,
            )


def test_a_paragraph_breaks_between_chinese_characters_but_keeps_a_number_with_its_unit():
    from khtui.widgets.document_view import Prose

    text = "本周计划拜访 143 户次，完成 21 户次（完成率 14.7%），未访 2 户次，尚未完成 120 户次。"
    lines = Prose(text).lines(30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert all(len(line) > 10 for line in lines[:-1])  # lines are filled, not left short
    for line in lines:
        assert not line.endswith(("143", "21", "2", "120")) and not line.startswith(("，", "）"))
    # a count closing a clause stays with what it counts
    assert Prose("投诉回访 1、扣款异常 2、销量波动 2、新品推广 9").lines(24) == [
        "投诉回访 1、扣款异常 2、",
        "销量波动 2、新品推广 9",
    ]


def test_an_english_paragraph_keeps_a_number_with_its_word_and_nothing_more():
    """A figure closed by its punctuation (96.7%);) does not hold the next number's words to
    it: the line fills up to the width."""
    from khtui.widgets.document_view import Prose

    text = (
        "As of 11-29, 292 of 302 active retailers visited this month (96.7%); 10 still to "
        "visit, 1 working day left."
    )
    lines = Prose(text).lines(75)
    assert lines == [
        "As of 11-29, 292 of 302 active retailers visited this month (96.7%);",
        "10 still to visit, 1 working day left.",
    ]


@sync
async def test_a_day_of_many_routes_names_the_first_and_counts_them(seeded, tmp_path):
    """A city AM's day covers dozens of routes: the day's routes cell names the first ones and
    says how many there are (等 N 条), on one line of the screen and in the Word file alike,
    where every route was named and the cell ran down the screen. A day of few routes names
    them all."""
    per_day = seeded.rules.documents.max_routes_listed
    many = [f"历下{i:03d}线" for i in range(1, per_day + 6)]
    with seeded.write() as conn:
        for i, route in enumerate(many):
            code = f"M{i:03d}"
            conn.execute(
                "INSERT INTO retailers (code, name, route, route_seq, status, created_at, "
                "updated_at) VALUES (?, ?, ?, 1, '正常', '2026-11-01', '2026-11-01')",
                (code, f"多线路店{i}", route),
            )
            insert_visit(conn, seeded.am_id, code, "2026-11-19", "done", seq=i + 1)
    cell = "、".join(many[:per_day]) + f" 等 {len(many)} 条"
    async with running(seeded, (120, 40)) as (app, pilot):
        screen = await open_report(app, pilot)
        text = screen.query_one("#rpt-figures-text", Static)
        region = Region(0, 0, text.outer_size.width, text.outer_size.height)
        lines = [strip.text for strip in text.render_lines(region)]
        [day] = [ln for ln in lines if "11-19" in ln and "星期四" in ln]
        assert cell in day  # whole, on the day's own line
        assert not any(many[-1] in ln for ln in lines)
        [monday] = [ln for ln in lines if "11-16" in ln and "星期一" in ln]
        assert "A线" in monday and " 等 " not in monday  # few routes: all named, no count
    path = export_week(seeded, "2026-W47", tmp_path, ZH)
    cells = [c.text for tbl in docx.Document(path).tables for row in tbl.rows for c in row.cells]
    assert cell in cells
    assert not any(many[-1] in c for c in cells)
