"""Small widget helpers at their boundaries: text cut by terminal cells, the chart's layout."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import DataTable, TabbedContent, TabPane

from khtui.widgets.cells import MARK, clip, cut, pad, right
from khtui.widgets.sales_chart import chart_lines, layout
from khtui.widgets.tabs import focus_shown_table
from tests.screens.pilot import running, settle, sync


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


def lists_app(total: int, page: int):
    """A text box over two lists: ``#short`` (30 rows, all shown) and ``#paged`` (``total``
    rows added ``page`` at a time), and a grid with a cell cursor."""
    from khtui.widgets.paging import Pager
    from khtui.widgets.table import DataTable as ListTable
    from khtui.widgets.text_boxes import Input

    class Lists(App):
        def compose(self) -> ComposeResult:
            self.pager = Pager(self.add_rows, page=page)
            yield Input("重庆路烟酒店", id="box")
            yield ListTable(id="short", cursor_type="row")
            yield ListTable(id="paged", cursor_type="row", pager=self.pager)
            yield ListTable(id="grid", cursor_type="cell")

        def on_mount(self) -> None:
            for table in self.query(ListTable):
                table.add_columns("a", "b", "c")
            short = self.query_one("#short", ListTable)
            for i in range(30):
                short.add_row(str(i), "x", "y")
            self.query_one("#grid", ListTable).add_row("1", "2", "3")
            self.pager.reset(total)

        def add_rows(self, start: int, stop: int) -> None:
            paged = self.query_one("#paged", ListTable)
            for i in range(start, stop):
                paged.add_row(str(i), "x", "y")

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            if event.data_table.id == "paged":
                self.pager.follow(event.cursor_row)

    return Lists()


@sync
async def test_home_and_end_go_to_a_lists_first_and_last_row():
    """Textual's table scrolls a row cursor's list sideways on Home / End; the program's lists
    go to their first and last row (of the whole list, where it is added a page at a time),
    while a text box keeps Home / End for its text and a grid for its columns."""
    app = lists_app(total=45, page=8)
    async with app.run_test(size=(80, 40)) as pilot:
        short, paged, grid = (app.query_one(f"#{i}", DataTable) for i in ("short", "paged", "grid"))
        box = app.query_one("#box")
        box.focus()
        await pilot.press("home")
        assert box.cursor_position == 0
        await pilot.press("end")
        assert box.cursor_position == len("重庆路烟酒店")
        assert short.cursor_row == 0 and paged.cursor_row == 0  # the lists untouched

        short.focus()
        await pilot.press("end")
        await pilot.pause()
        assert short.cursor_row == 29
        await pilot.press("home")
        await pilot.pause()
        assert short.cursor_row == 0

        paged.focus()
        assert paged.row_count == 8
        await pilot.press("end")  # past the rows shown: the list's last
        await pilot.pause()
        assert (paged.row_count, paged.cursor_row) == (45, 44)
        await pilot.press("home")
        await pilot.pause()
        assert paged.cursor_row == 0

        grid.focus()
        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor_coordinate == (0, 2)  # a grid's End: its last column, as Textual's
        await pilot.press("home")
        await pilot.pause()
        assert grid.cursor_coordinate == (0, 0)


@sync
async def test_end_in_a_list_of_many_thousands_goes_reach_rows_further(monkeypatch):
    """End does not add a city's hundred thousand rows at once (a minute frozen): at most
    REACH rows each press, the next press going on to the list's last row."""
    import khtui.widgets.paging as paging

    monkeypatch.setattr(paging, "REACH", 20)
    app = lists_app(total=45, page=8)
    async with app.run_test(size=(80, 40)) as pilot:
        paged = app.query_one("#paged", DataTable)
        paged.focus()
        seen = []
        for _ in range(3):
            await pilot.press("end")
            await pilot.pause()
            seen.append(paged.cursor_row)
        # 8 shown; End adds 20 (row 27), the cursor there brings a page (36), End: the rest
        assert seen == [27, 44, 44] and paged.row_count == 45


def test_every_list_of_the_program_is_one_whose_home_and_end_go_to_its_rows():
    """No module uses Textual's own DataTable (Home / End scroll it sideways)."""
    from tests.screens.plain_widgets import plain_imports

    assert plain_imports({"DataTable"}, replaced_in="table.py") == []


def test_every_static_text_and_label_of_the_program_takes_its_text_as_written():
    """No module uses Textual's own Static or Label (they read a name's brackets as markup)."""
    from tests.screens.plain_widgets import plain_imports

    assert plain_imports({"Static", "Label"}, replaced_in="plain_text.py") == []


@sync
async def test_a_name_with_brackets_is_shown_as_written(day_store):
    """A retailer named with square brackets: its check-in notice and its profile show the
    name whole. Textual read them as markup: ``[A1]`` vanished, and ``[/b]`` (no tag to
    close) stopped the app in a loop of failed toasts."""
    from textual.widgets._toast import Toast

    from tests.screens.conftest import CQ

    name = "重庆路[A1]烟酒[/b]店"
    with day_store.write() as conn:
        conn.execute("UPDATE retailers SET name = ? WHERE code = ?", (name, CQ))
    async with running(day_store, (100, 30)) as (app, pilot):
        await pilot.press("i")
        await settle(app, pilot)
        # each notification as its toast draws it (a pilot shows no toasts)
        toasts = [str(Toast(notice).render()) for notice in app._notifications]
        assert any(f"{name} 已签到" in text for text in toasts), toasts
        await pilot.press("enter")
        await settle(app, pilot)
        head = str(app.screen.query_one("#profile-head").render())
        assert name in head


def test_a_string_cell_is_shown_as_written():
    """Every string a list is given comes out of Textual's markup reading as it went in:
    brackets of a tag, of a style's name, and backslashes before them or at the end."""
    from rich.text import Text

    from khtui.widgets.table import _as_written

    for cell in (
        "重庆[/b]小面",
        "店[A1]",
        "x [bold]y",
        "C:\\[x]",
        "\\[b]",
        "a[/b]\\",
        "a\\",
        "a\\\\",
    ):
        assert Text.from_markup(_as_written(cell)).plain == cell
    styled = Text("签到", style="bold")
    assert _as_written(styled) is styled
