"""Small widget helpers at their boundaries: text cut by terminal cells, the chart's layout."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import DataTable, TabbedContent, TabPane

from khtui.widgets.cells import MARK, clip, cut, pad, right
from khtui.widgets.sales_chart import chart_lines, layout
from khtui.widgets.tabs import focus_shown_table
from tests.screens.pilot import sync


def test_clip_counts_cells_not_characters():
    assert clip("重庆路烟酒店", 12) == "重庆路烟酒店"  # exactly 12 cells: kept whole
    cut = clip("重庆路烟酒店", 11)
    assert cut == "重庆路烟" + MARK and cell_len(cut) == 10
    assert clip("abcdef", 6) == "abcdef" and clip("abcdefg", 6) == "abcd" + MARK
    assert cell_len(clip("双喜(硬经典1906)", 12)) <= 12
    assert clip(None, 5) == "" and clip("长", 1) == MARK[:1]
    assert all(ord(ch) < 128 for ch in MARK)  # never an ambiguous-width ellipsis


def test_cut_and_pad_count_cells():
    assert cut("重庆路烟酒店", 12) == "重庆路烟酒店"
    assert cut("重庆路烟酒店", 11) == "重庆路烟酒"  # no half of a wide character, no mark
    assert cut("ab重庆", 3) == "ab" and cut(None, 4) == ""
    assert pad("重庆", 6) == "重庆  " and cell_len(pad("ab", 5)) == 5
    assert pad("重庆路", 4) == "重庆路"  # never cut by padding
    assert right("现有", 5) == " 现有" and right("12", 5) == "   12"
    assert right("月预测", 4) == "月预测"  # never cut either


def test_chart_layout_gives_every_month_a_gap():
    assert layout(24, 72) == (24, 3, 2)  # 80 columns less the axis: bars of 2, one gap
    assert layout(24, 96) == (24, 4, 3)  # wider: bars of 3 at most
    assert layout(24, 48) == (24, 2, 1)
    assert layout(24, 47) == (23, 2, 1)  # too narrow for all: the oldest months left out


def test_chart_lines_label_every_month_and_year():
    months = [f"{2024 + (11 + i) // 12}-{(11 + i) % 12 + 1:02d}" for i in range(24)]
    qty = [100.0 + i for i in range(24)]
    qty[3] = 0.0  # a month without sales: no bar at all
    lines = [line.plain for line in chart_lines(months, qty, qty, 80, 12)]
    assert len(lines) == 12 and all(cell_len(line) <= 80 for line in lines)
    assert lines[-2].split() == [m[5:] for m in months]
    assert lines[-1].split() == ["2025", "2026"]
    bottom = next(line for line in lines if line.split("┤")[0].strip() == "0")
    bars = bottom[bottom.index("┤") + 1 :].split(" ")
    assert [b for b in bars if b] == ["██"] * 23  # 23 months with sales, each apart


def test_theme_styles_follow_the_theme():
    from textual.app import App

    from khtui.widgets.theme import ROLES, rgb, style

    app = App()
    dark = {role: style(app, role) for role in ROLES}
    assert all("{" not in s for s in dark.values())  # every variable known to the theme
    app.theme = "textual-light"
    assert style(app, "late") != dark["late"]  # not the first theme's, kept from before
    assert style(app, "late") == ROLES["late"].format_map(app.get_css_variables())
    assert all(0 <= c <= 255 for c in rgb(app, "warning"))


class TwoTabs(App):
    def compose(self) -> ComposeResult:
        with TabbedContent():
            with TabPane("a", id="a"):
                yield DataTable(id="table-a")
            with TabPane("b", id="b"):
                yield DataTable(id="table-b")


@sync
async def test_the_shown_tab_s_table_is_focused_unless_it_has_the_focus():
    app = TwoTabs()
    async with app.run_test(size=(40, 10)) as pilot:
        focused: list[str | None] = []
        for table in app.query(DataTable):
            focus = table.focus
            table.focus = lambda t=table, f=focus: focused.append(t.id) or f()  # type: ignore[method-assign]
        tabs = app.query_one(TabbedContent)
        focus_shown_table(tabs)
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "table-a"
        focus_shown_table(tabs)  # focused already: not again (Textual would draw it again)
        await pilot.pause()
        assert focused == ["table-a"]
        tabs.active = "b"
        await pilot.pause()
        focus_shown_table(tabs)
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "table-b"
        assert focused == ["table-a", "table-b"]


def test_the_pager_adds_a_page_when_the_cursor_nears_the_last_row():
    from khtui.widgets.paging import Pager

    added: list[tuple[int, int]] = []
    pager = Pager(lambda start, stop: added.append((start, stop)), page=8)
    pager.reset(20)
    assert added == [(0, 8)]
    pager.follow(5)  # more than a quarter page above the last row shown (7)
    assert added == [(0, 8)]
    pager.follow(6)
    assert added == [(0, 8), (8, 16)]
    pager.follow(14)
    assert added[-1] == (16, 20) and pager.shown == 20
    pager.follow(19)  # the whole list shown: nothing more
    assert len(added) == 3
    added.clear()
    pager.reset(20, upto=13)  # a cursor to land on row 12: the rows up to it
    assert added == [(0, 13)]
    pager.reset(0)
    assert added == [(0, 13)] and pager.shown == 0
    added.clear()
    small = Pager(lambda start, stop: added.append((start, stop)), page=3)
    small.reset(7)
    small.follow(1)
    assert added == [(0, 3)]
    small.follow(2)  # a page too small for a quarter: the last row shown brings the next
    assert added == [(0, 3), (3, 6)]
