"""The monthly market analysis on the report screen (``m``), driven with the keys a person
would press: the same rules as the weekly report (opens on the figures, Esc leaves a box,
saves as typed off the UI thread, submit and editing a submitted version ask first).

(No async pytest plugin is installed: each scenario is made a plain test by ``sync``.)
"""

from __future__ import annotations

import docx
import pytest
from textual.widgets import Input, Static, TextArea

from khtui.app import create_app
from khtui.screens.report import ReportScreen, data_only, export_month
from khtui.widgets.confirm import ConfirmScreen
from tests.conftest import EN, TODAY, ZH
from tests.data.test_report_accuracy import store_run
from tests.data.test_reports import seed_reports
from tests.screens.pilot import Notices, settle, sync
from tests.screens.test_report import shown


@pytest.fixture
def seeded(store):
    seed_reports(store)
    store_run(store, "2026-10-01", {"2026-10": {"R001": 20, "R002": 50}})
    return store


def versions(store, month="2026-10") -> list[tuple[int, str, dict]]:
    return [(v["version"], v["status"], v["narrative"]) for v in store.monthly_versions(month)]


def footer_keys(app) -> dict[str, str]:
    """The keys the footer offers now: key -> label."""
    return {
        key: b.binding.description
        for key, b in app.screen.active_bindings.items()
        if b.binding.show and b.enabled
    }


@sync
async def test_write_submit_edit_again_and_export_the_monthly_analysis(seeded, tmp_path):
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.period == "2026-W47"
        assert footer_keys(app)["m"] == "月度分析"
        await pilot.press("m")  # the monthly analysis of the last complete month
        await settle(app, pilot)
        assert screen.period == "2026-10"
        assert screen.sub_title == "月度市场分析 2026-10（10-01 至 10-31）"
        assert app.focused is screen.figures  # on the figures, not in a box
        keys = footer_keys(app)
        assert (keys["m"], keys["w"], keys["left_square_bracket"]) == ("选月", "周报", "上一月")
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        assert "一、销售总体情况" in figures and "预测准确率" in figures
        assert "2026年10月预测准确率" in figures
        assert [a.id for a in screen.areas()] == [
            "rpt-month-problems",
            "rpt-month-improvements",
            "rpt-month-targets",
        ]
        assert not screen.query_one("#rpt-week-boxes").display
        assert seeded.monthly_versions("2026-10") == []  # opening writes nothing

        await pilot.press("e")
        assert app.focused is screen.query_one("#rpt-month-problems", TextArea)
        await pilot.press(*"新品铺货慢", "enter", *"原因是宣传少", "escape")
        await settle(app, pilot)
        assert app.focused is screen.figures
        assert versions(seeded) == [
            (
                1,
                "draft",
                {"problems": "新品铺货慢\n原因是宣传少", "improvements": "", "targets": ""},
            )
        ]
        await pilot.press("e", "tab", "tab", *"铺货率20%", "escape")  # m and w are typed
        await settle(app, pilot)
        assert seeded.monthly_report("2026-10")["narrative"]["targets"] == "铺货率20%"
        await pilot.press("e", "tab", *"mw", "escape")  # the keys of the kinds, typed too
        await settle(app, pilot)
        assert screen.period == "2026-10"
        assert seeded.monthly_report("2026-10")["narrative"]["improvements"] == "mw"

        # the figures never show the AM's own text (it is in the boxes)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        assert "新品铺货慢" not in figures and "铺货率20%" not in figures

        await pilot.press("ctrl+s")  # asks first
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "提交 2026-10 市场分析报告 第 1 版" in str(
            app.screen.query_one("#confirm-question").render()
        )
        assert "本月数据" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert [(v, s) for v, s, _n in versions(seeded)] == [(1, "draft")]
        await pilot.press("ctrl+s", "y")
        await settle(app, pilot)
        assert [(v, s) for v, s, _n in versions(seeded)] == [(1, "submitted")]
        assert notices.any("已提交 2026-10 市场分析报告 第 1 版")
        assert "第 1 版 · 已提交" in shown(screen.query_one("#rpt-status", Static))
        assert all(area.read_only for area in screen.areas())

        # editing the submitted version asks before any character is stored
        await pilot.click("#rpt-month-improvements")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "生成第 2 版" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert app.focused is screen.figures
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.focused is screen.query_one("#rpt-month-problems", TextArea)
        assert [(v, s) for v, s, _n in versions(seeded)] == [(1, "submitted")]
        await pilot.press("tab", *"加强宣传", "escape")  # the cursor at the start of "mw"
        await settle(app, pilot)
        assert versions(seeded) == [
            (
                1,
                "submitted",
                {
                    "problems": "新品铺货慢\n原因是宣传少",
                    "improvements": "mw",
                    "targets": "铺货率20%",
                },
            ),
            (
                2,
                "draft",
                {
                    "problems": "新品铺货慢\n原因是宣传少",
                    "improvements": "加强宣传mw",
                    "targets": "铺货率20%",
                },
            ),
        ]

        screen.export_dir = tmp_path
        await pilot.press("f8")
        await settle(app, pilot)
        out = screen.last_export
        assert out is not None and out.name == "市场分析_2026-10_第2版.docx"
        texts = [p.text for p in docx.Document(out).paragraphs]
        i = next(n for n, p in enumerate(texts) if p.endswith("、改进措施"))
        assert texts[i + 1] == "加强宣传mw"
        assert "第 2 版 · 草稿" in texts
        assert f"已导出：{out.name}" in str(screen.query_one("#rpt-export", Static).render())


@sync
async def test_pick_months_and_come_back_to_the_week(seeded):
    seeded.save_weekly_draft("2026-W46", {"problems": "第46周"})
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("6", "left_square_bracket")
        await settle(app, pilot)
        screen = app.screen
        assert screen.period == "2026-W46"
        await pilot.press("m", "left_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-09"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        assert screen.period == "2026-11"  # the month still running
        figures = shown(screen.query_one("#rpt-figures-text", Static))
        assert "截至" in figures

        await pilot.press("m")  # the month box
        box = screen.query_one("#rpt-period", Input)
        assert app.focused is box
        await pilot.press(*"2026-13", "enter")  # the box's text is selected: typing replaces it
        await pilot.pause()
        assert notices.any("月份无效：2026-13")
        assert screen.period == "2026-11"
        await pilot.press("ctrl+u", *"2025-12", "enter")
        await settle(app, pilot)
        assert screen.period == "2025-12" and app.focused is screen.figures
        await pilot.press("e", "escape")  # Esc leaves the box, keys are keys again
        assert app.focused is screen.figures

        await pilot.press("w")  # back to the weekly report, on the week it showed
        await settle(app, pilot)
        assert screen.period == "2026-W46"
        assert screen.query_one("#rpt-problems", TextArea).text == "第46周"
        assert screen.query_one("#rpt-period-label").render().plain == "周次"
        await pilot.press("m")  # and to the month it showed
        await settle(app, pilot)
        assert screen.period == "2025-12"
        await pilot.press("4")  # a section key
        await settle(app, pilot)
        assert app.current_mode == "complaints"
        await pilot.press("6")
        await settle(app, pilot)
        assert app.screen is screen and app.focused is screen.figures
    assert seeded.monthly_versions("2025-12") == seeded.monthly_versions("2026-11") == []


@sync
async def test_english_keys_and_labels(seeded):
    app = create_app(seeded, lang="en", today=lambda: TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        assert footer_keys(app)["m"] == "Monthly analysis"
        await pilot.press("m")
        await settle(app, pilot)
        keys = footer_keys(app)
        assert (keys["m"], keys["w"]) == ("Month", "Weekly report")
        assert app.screen.sub_title == "Monthly market analysis 2026-10 (10-01 to 10-31)"
        labels = [str(w.render()) for w in app.screen.query("#rpt-month-boxes .rpt-label")]
        assert labels == ["Problems and their causes", "What to improve", "Next month's targets"]


def test_the_figures_leave_out_the_places_of_text(seeded):
    from khtui.screens.report import load_month

    doc = load_month(seeded, "2026-10", ZH).doc
    assert not any(getattr(b, "style", "") == "empty" for b in doc.blocks)
    assert data_only(doc) == doc


def test_export_names(seeded, tmp_path):
    assert export_month(seeded, "2026-10", tmp_path, EN).name == "market-analysis_2026-10.docx"
    seeded.save_monthly_draft("2026-10", {"targets": "x"})
    assert export_month(seeded, "2026-10", tmp_path, ZH).name == "市场分析_2026-10_第1版.docx"
    assert export_month(seeded, "2026-10", tmp_path, ZH).name == "市场分析_2026-10_第1版 (2).docx"
