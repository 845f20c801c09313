"""客户: lookup and profile, driven by the keys a person presses."""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from khtui.app import create_app
from khtui.screens import retailer
from khtui.screens.retailer import (
    EditFieldScreen,
    ProfileScreen,
    RetailerScreen,
    StatusScreen,
    WhyScreen,
)
from tests.capture_helpers import add_visit
from tests.conftest import ZH
from tests.screens.conftest import CQ, PROFILE_RETAILERS, QC, seed_profile
from tests.screens.pilot import goto_field, make_app, running, settle, sync

TODAY = dt.date(2026, 11, 23)
SIZE = (100, 32)


def table_codes(screen) -> list[str]:
    table = screen.query_one("#lookup-results", DataTable)
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


def cell_texts(table: DataTable) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@pytest.fixture
def seeded(store):
    seed_profile(store)
    return store


async def open_lookup(app, pilot) -> RetailerScreen:
    await app.push_screen(RetailerScreen())
    await settle(app, pilot)
    assert isinstance(app.screen, RetailerScreen)
    return app.screen


@sync
async def test_pinyin_initials_find_the_retailer_and_enter_opens_its_profile(seeded):
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        assert len(table_codes(screen)) == len(PROFILE_RETAILERS)  # empty query: everyone, paged
        await pilot.press("c", "q")
        await settle(app, pilot)
        assert screen.query_one("#lookup-input", Input).value == "cq"
        codes = table_codes(screen)
        assert codes[0] == CQ
        assert "370102100006" not in codes  # 泉城路 has no c-q in its initials
        row = " ".join(str(c) for c in screen.query_one(DataTable).get_row_at(0))
        assert "重庆路烟酒店" in row and "城东一线" in row and "13972770615" in row
        assert "！1" in row  # the overdue complaint marker
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.code == CQ
        head = str(app.screen.query_one("#profile-head", Static).render())
        assert "重庆路烟酒店" in head and "逾期投诉 1" in head
        await pilot.press("escape")
        assert app.screen is screen


class FirstLayout(ProfileScreen):
    """A profile that notes what it holds when Textual first lays it out (its resume, whose
    handler runs after this one)."""

    # the profile's stylesheet (a relative path is read beside the subclass's module)
    CSS_PATH = str(Path(inspect.getfile(ProfileScreen)).with_name(ProfileScreen.CSS_PATH))
    at_first_layout: tuple[int, str] | None = None

    def on_screen_resume(self) -> None:
        if self.at_first_layout is None:
            head = str(self.query_one("#profile-head", Static).render())
            self.at_first_layout = (self.query_one("#profile-fields", DataTable).row_count, head)


@sync
async def test_a_profile_is_first_laid_out_and_drawn_with_its_data(seeded, monkeypatch):
    monkeypatch.setattr(retailer, "FIRST_FRAME_WAIT", 60)  # any machine reads it in that time
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = FirstLayout(CQ)
        await app.push_screen(screen)
        await settle(app, pilot)
        assert screen.at_first_layout is not None
        rows, head = screen.at_first_layout
        assert rows == screen.query_one("#profile-fields", DataTable).row_count > 0
        assert "重庆路烟酒店" in head and "逾期投诉 1" in head


@sync
async def test_a_profile_whose_data_are_slow_is_drawn_first_and_filled_when_they_come(
    seeded, monkeypatch
):
    monkeypatch.setattr(retailer, "FIRST_FRAME_WAIT", 0)
    read = threading.Event()
    load_profile = retailer.load_profile

    def slow(store, code, today):
        read.wait(60)
        return load_profile(store, code, today)

    monkeypatch.setattr(retailer, "load_profile", slow)
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = FirstLayout(CQ)
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.at_first_layout == (0, ZH("profile.loading"))
        read.set()
        await settle(app, pilot)
        assert screen.query_one("#profile-fields", DataTable).row_count > 0
        head = str(screen.query_one("#profile-head", Static).render())
        assert "重庆路烟酒店" in head and "逾期投诉 1" in head
        await pilot.press("down")  # the fields' keys work as ever
        assert screen.query_one("#profile-fields", DataTable).cursor_row == 1


@sync
async def test_one_character_and_phone_tail_queries(seeded):
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        await pilot.press("银")
        await settle(app, pilot)
        assert table_codes(screen) == ["370102100002"]
        screen.query_one("#lookup-input", Input).value = ""
        await pilot.press(*"1234")
        await settle(app, pilot)
        assert "370102100005" in table_codes(screen)
        await pilot.press(*"xyzq")
        await settle(app, pilot)
        assert table_codes(screen) == []
        assert "没有找到" in str(screen.query_one("#lookup-status", Static).render())


@sync
async def test_lookup_pages_from_sql_as_the_cursor_goes_down(seeded, monkeypatch):
    import khtui.screens.retailer as mod

    monkeypatch.setattr(mod, "PAGE", 2)
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        assert len(table_codes(screen)) == 2
        assert "6" in str(screen.query_one("#lookup-status", Static).render())
        await pilot.press("down")  # into the list
        for _ in range(6):
            await pilot.press("down")
            await settle(app, pilot)
        assert len(table_codes(screen)) == len(PROFILE_RETAILERS)
        assert sorted(table_codes(screen)) == sorted(r[0] for r in PROFILE_RETAILERS)


@sync
async def test_home_and_end_move_in_the_box_and_in_the_list(seeded, monkeypatch):
    """In the box Home / End go to the start and end of what is typed; in the list to its
    first and last row (the last fetched: End there fetches the next page, as the cursor
    reaching it does, and End again goes on to the last retailer)."""
    import khtui.screens.retailer as mod

    monkeypatch.setattr(mod, "PAGE", 4)
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        box = screen.query_one("#lookup-input", Input)
        table = screen.query_one("#lookup-results", DataTable)
        assert app.focused is box
        await pilot.press(*"3701")
        await settle(app, pilot)
        await pilot.press("home")
        assert box.cursor_position == 0 and app.focused is box
        await pilot.press("end")
        assert box.cursor_position == 4 and table.cursor_row == 0
        await pilot.press("down")  # into the list
        await settle(app, pilot)
        assert app.focused is table
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor_row == 3 and table.row_count > 4  # the next page came
        await pilot.press("end")
        await settle(app, pilot)
        assert table.row_count == len(PROFILE_RETAILERS)
        assert table.cursor_row == len(PROFILE_RETAILERS) - 1
        await pilot.press("home")
        await settle(app, pilot)
        assert table.cursor_row == 0


@sync
async def test_a_count_past_the_cap_says_or_more_and_paging_goes_on(seeded, monkeypatch):
    """Six codes start with 3701; with a cap of three and pages of two the status says "3+"
    until a page reaches past them, which counts them all."""
    import khtui.data.search as search
    import khtui.screens.retailer as mod

    monkeypatch.setattr(mod, "PAGE", 2)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        await pilot.press(*"3701")
        await settle(app, pilot)
        status = screen.query_one("#lookup-status", Static)
        assert str(status.render()).startswith("3+ 户，已显示 2 户")
        assert len(table_codes(screen)) == 2
        await pilot.press("down")  # into the list
        for _ in range(6):
            await pilot.press("down")
            await settle(app, pilot)
        assert sorted(table_codes(screen)) == sorted(r[0] for r in PROFILE_RETAILERS)
        assert str(status.render()).startswith("共 6 户，已显示 6 户")


@sync
async def test_tier_calculation_is_a_key_away_and_shows_its_inputs(seeded):
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WhyScreen)
        derived = seeded.derive_retailer(CQ, TODAY)
        title = str(app.screen.query_one("#why-title").render())
        assert f"分档：{derived.tier.tier}" in title
        rows = cell_texts(app.screen.query_one("#why-table", DataTable))
        text = "\n".join(rows)
        # the three basis months with their cartons, the total and the bounds
        for month in derived.tier.basis:
            assert f"月进货(条) {month}" in text
        assert "2026-08, 2026-09, 2026-10" in text
        assert "20, 14, 10, 7, 4, 2, 1" in text
        explain = str(app.screen.query_one("#why-explain", Static).render())
        assert explain == ZH.say(derived.tier.why.explain)
        await pilot.press("v")
        await pilot.pause()
        assert "客户价值" in str(app.screen.query_one("#why-title").render())
        assert "贡献度" in "\n".join(cell_texts(app.screen.query_one("#why-table", DataTable)))
        await pilot.press("escape")
        assert isinstance(app.screen, ProfileScreen)


@sync
async def test_bad_phone_is_refused_beside_the_field_and_good_one_is_kept_in_history(seeded):
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        profile = app.screen
        await goto_field(app, pilot, "phone")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditFieldScreen)
        box = app.screen.query_one("#edit-input", Input)
        assert box.cursor_position == len("13972770615") and box.selected_text == ""
        await pilot.press(*"12345", "enter")  # the cursor is after the old value: typed on
        await settle(app, pilot)
        assert isinstance(app.screen, EditFieldScreen)  # still open, message beside the field
        error = str(app.screen.query_one("#edit-error", Static).render())
        assert "不是有效电话" in error
        assert seeded.get_retailer(CQ)["phone"] == "13972770615"
        assert seeded.retailer_changes(CQ) == [] or all(
            c["source"] != "manual" for c in seeded.retailer_changes(CQ)
        )

        await pilot.press("end", "ctrl+u", *"13800001111", "enter")
        await settle(app, pilot)
        assert app.screen is profile
        assert seeded.get_retailer(CQ)["phone"] == "13800001111"
        await pilot.press("left_square_bracket")  # round to 变更
        await pilot.pause()
        history = cell_texts(profile.query_one("#profile-changes", DataTable))
        assert any(
            "联系电话" in row
            and "13972770615 → 13800001111" in row
            and "张经理" in row
            and "手工" in row
            for row in history
        )
        fields = cell_texts(profile.query_one("#profile-fields", DataTable))
        assert any("13800001111" in row for row in fields)


@sync
async def test_static_field_is_not_editable(seeded):
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await goto_field(app, pilot, "name")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        assert seeded.get_retailer(CQ)["name"] == "重庆路烟酒店"


@sync
async def test_status_to_suspended_takes_future_visits_out_of_the_plan(seeded):
    past = add_visit(seeded, CQ, TODAY - dt.timedelta(days=7), "done")
    add_visit(seeded, CQ, TODAY + dt.timedelta(days=2), "planned")
    add_visit(seeded, CQ, TODAY + dt.timedelta(days=9), "planned")
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)
        assert "2 次" in str(app.screen.query_one("#status-note", Static).render())
        await pilot.press("down", "enter")  # 正常 -> 暂停
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert seeded.get_retailer(CQ)["status"] == "暂停"
        left = seeded.query("SELECT id FROM visits WHERE retailer_code = ?", (CQ,))
        assert [r[0] for r in left] == [past]
        assert "暂停" in str(app.screen.query_one("#profile-head", Static).render())
        change = seeded.retailer_changes(CQ)[0]
        assert (change["field"], change["old"], change["new"]) == ("status", "正常", "暂停")


@sync
async def test_statuses_speak_english_with_lang_en(seeded):
    """Statuses are stored as the company's words; the English UI names them in English."""
    app = create_app(seeded, lang="en", today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        rows = cell_texts(screen.query_one("#lookup-results", DataTable))
        assert any("长安超市" in r and "suspended" in r for r in rows)
        assert any("重庆路烟酒店" in r and "active" in r for r in rows)
        assert not any("暂停" in r or "正常" in r for r in rows)
        await app.push_screen(ProfileScreen(CQ))
        await settle(app, pilot)
        assert "active" in str(app.screen.query_one("#profile-head", Static).render())
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)
        options = app.screen.query_one("#status-options", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["active", "suspended", "closed", "licence cancelled"]
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert seeded.get_retailer(CQ)["status"] == "暂停"  # stored as the company's word
        assert "suspended" in str(app.screen.query_one("#profile-head", Static).render())


@sync
async def test_histories_sales_and_complaints_are_shown(seeded):
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        profile = app.screen
        chart = profile.query_one("#sales-chart")
        assert len(chart.months) == 24
        assert chart.months[0] == "2024-12" and chart.months[-1] == "2026-11"
        assert chart.qty[-1] == 10 + 23 % 5 + 200 + 5 * 23 + 60
        brands = cell_texts(profile.query_one("#top-brands", DataTable))
        assert brands[0].startswith("玉溪(软)")
        await pilot.press(*["left_square_bracket"] * 3)  # round to 投诉 (past 预测, 变更)
        await pilot.pause()
        assert profile.query_one(TabbedContent).active == "tab-complaints"
        complaints = cell_texts(profile.query_one("#profile-complaints", DataTable))
        assert any("中华断货两周" in row and "逾期" in row for row in complaints)
        captures = cell_texts(profile.query_one("#profile-captures", DataTable))
        assert any("希望多给中华" in row for row in captures)


@pytest.mark.parametrize("code", [CQ, QC])
def test_an_empty_history_says_so(seeded, code):
    """A tab whose history is empty says so in words, not with its column heads alone; one
    with rows does not."""
    import asyncio

    none = {
        "profile-visits": ("visits", "还没有拜访记录"),
        "profile-captures": ("captures", "还没有采集的信息"),
        "profile-complaints": ("complaints", "没有投诉"),
        "profile-changes": ("changes", "还没有修改过资料"),
    }

    async def scenario():
        async with running(seeded, SIZE, screen=lambda: ProfileScreen(code)) as (app, pilot):
            profile = app.screen
            await pilot.press("right_square_bracket")  # the other tabs are made
            await settle(app, pilot)
            empties = 0
            for table_id, (key, text) in none.items():
                rows = cell_texts(profile.query_one(f"#{table_id}", DataTable))
                if profile.profile[key]:
                    assert not any(text in r for r in rows), table_id
                else:
                    empties += 1
                    assert len(rows) == 1 and rows[0].startswith(text), (table_id, rows)
            return empties

    assert asyncio.run(scenario()) >= (0 if code == CQ else 1)


@sync
async def test_raise_a_complaint_from_the_profile(seeded):
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # 送货服务
        await pilot.press("enter")  # empty text is refused
        await pilot.pause()
        assert "请填写投诉内容" in str(app.screen.query_one("#new-error", Static).render())
        await pilot.press(*"送货晚了", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        rows = seeded.query(
            "SELECT category, description FROM complaints WHERE retailer_code = ? "
            "AND description = '送货晚了'",
            (CQ,),
        )
        assert [tuple(r) for r in rows] == [("delivery", "送货晚了")]


class FakeCapture(Screen):
    """Stands in for the capture screen: records how the profile opened it."""

    opened: ClassVar[list[dict]] = []

    def __init__(self, visit_id=None, retailer_code=None):
        super().__init__()
        FakeCapture.opened.append({"visit_id": visit_id, "retailer_code": retailer_code})


@sync
async def test_adhoc_visit_today_and_capture_key(seeded, monkeypatch):
    import khtui.screens.capture

    monkeypatch.setattr(khtui.screens.capture, "CaptureScreen", FakeCapture)
    FakeCapture.opened.clear()
    async with running(seeded, SIZE, screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await pilot.press("a")  # asks first: a stray key adds no visit
        await settle(app, pilot)
        assert seeded.query("SELECT id FROM visits WHERE retailer_code = ?", (CQ,)) == []
        await pilot.press("y")
        await settle(app, pilot)
        rows = seeded.query("SELECT planned_date, adhoc FROM visits WHERE retailer_code = ?", (CQ,))
        assert [tuple(r) for r in rows] == [("2026-11-23", 1)]
        await pilot.press("right_square_bracket", "right_square_bracket")  # 拜访
        await pilot.pause()
        visits = cell_texts(app.screen.query_one("#profile-visits", DataTable))
        assert any("2026-11-23" in row and "临时" in row for row in visits)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, FakeCapture)
        assert FakeCapture.opened == [{"visit_id": None, "retailer_code": CQ}]


@sync
async def test_retailer_screen_with_a_code_opens_that_profile(seeded):
    async with running(seeded, SIZE, screen=lambda: RetailerScreen(code="370102100003")) as (
        app,
        pilot,
    ):
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.code == "370102100003"
        await pilot.press("escape")
        assert isinstance(app.screen, RetailerScreen)


@sync
async def test_down_from_the_box_lands_on_the_first_hit(seeded):
    app = make_app(seeded)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lookup(app, pilot)
        table = screen.query_one("#lookup-results", DataTable)
        await pilot.press("c", "q")
        await settle(app, pilot)
        first = table_codes(screen)[0]
        assert isinstance(app.focused, Input)
        await pilot.press("down")
        await settle(app, pilot)
        assert app.focused is table and table.cursor_row == 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.code == first
        await pilot.press("escape")
        await settle(app, pilot)
        # typed on and ↓ pressed before the answer came: still the first hit of the new query
        await pilot.press("slash", "backspace", "backspace", "店", "down")
        await settle(app, pilot)
        assert app.focused is table and table.cursor_row == 0
        hits = table_codes(screen)
        assert len(hits) == 4
        await pilot.press("down")
        assert table.cursor_row == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.code == hits[1]
