"""The profile's keys: a field edit that keeps its text, emptying a field asks first, tabs on
``[``/``]`` (digits are section keys), and the 24-month chart at 80 columns."""

from __future__ import annotations

import threading

from rich.cells import cell_len
from textual.widgets import Label, TabbedContent

from khtui.screens.retailer import EditFieldScreen, ProfileScreen
from khtui.screens.today import TodayScreen
from khtui.widgets.confirm import ConfirmScreen
from khtui.widgets.sales_chart import SalesChart
from tests.screens.conftest import CQ, seed_profile
from tests.screens.pilot import open_edit, running, settle, sync

PHONE = "13972770615"


@sync
async def test_backspace_takes_one_character_and_emptying_a_field_asks_first(store):
    seed_profile(store)
    async with running(store, (80, 24), screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        # the sequence that used to wipe the phone: e, Backspace, Enter
        box = await open_edit(app, pilot, "phone")
        assert box.value == PHONE and box.cursor_position == len(PHONE)
        assert box.selected_text == ""
        await pilot.press("backspace")
        assert box.value == PHONE[:-1]  # one character, not the whole value
        await pilot.press("enter")  # ten digits: refused beside the field, nothing saved
        await settle(app, pilot)
        assert isinstance(app.screen, EditFieldScreen)
        assert "不是有效电话" in str(app.screen.query_one("#edit-error").render())
        assert store.get_retailer(CQ)["phone"] == PHONE

        # emptied on purpose: asked first; "no" keeps the value
        await pilot.press("ctrl+u", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "清空“联系电话”" in str(app.screen.query_one("#confirm-question").render())
        assert PHONE in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("enter")  # Enter is on 取消
        await settle(app, pilot)
        assert isinstance(app.screen, EditFieldScreen)
        assert store.get_retailer(CQ)["phone"] == PHONE
        await pilot.press("enter", "y")  # asked again, and yes
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
    assert store.get_retailer(CQ)["phone"] is None
    changes = [c for c in store.retailer_changes(CQ) if c["field"] == "phone"]
    assert [(c["old"], c["new"]) for c in changes] == [(PHONE, None)]


def test_the_edit_dialog_says_the_value_as_the_profile_does(store):
    """In English a stored 电子结算 reads as the profile's table says it; the box holds what
    is stored, to edit it."""
    import asyncio

    seed_profile(store)

    async def scenario():
        async with running(store, (100, 30), lang="en", screen=lambda: ProfileScreen(CQ)) as (
            app,
            pilot,
        ):
            box = await open_edit(app, pilot, "settlement")
            now = str(list(app.screen.query("#edit-box Label"))[1].render())
            assert box.value == "电子结算"
            assert now.startswith("Now: e-payment ")

    asyncio.run(scenario())


@sync
async def test_a_number_is_edited_as_the_profile_shows_it(store):
    """营业面积 33.0 is 33 in the profile, so the edit box and its current value say 33 too."""
    seed_profile(store)
    store.update_retailer(CQ, {"floor_area": "33"})
    async with running(store, (80, 24), screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        box = await open_edit(app, pilot, "floor_area")
        assert box.value == "33" and box.cursor_position == 2
        assert any("当前值：33　" in str(label.render()) for label in app.screen.query(Label))
        await pilot.press(".", "5", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
    assert store.get_retailer(CQ)["floor_area"] == 33.5


@sync
async def test_tabs_move_with_brackets_and_digits_switch_sections(store):
    seed_profile(store)
    async with running(store, (80, 24)) as (app, pilot):
        await app.push_screen(ProfileScreen(CQ))
        await settle(app, pilot)
        profile = app.screen
        assert profile.sub_title == "客户档案 重庆路烟酒店"
        tabs = profile.query_one(TabbedContent)
        seen = []
        for _ in range(7):
            await pilot.press("right_square_bracket")
            seen.append(tabs.active)
        assert seen == [
            "tab-sales",
            "tab-visits",
            "tab-captures",
            "tab-complaints",
            "tab-changes",
            "tab-forecast",
            "tab-info",
        ]
        await pilot.press("left_square_bracket")
        assert tabs.active == "tab-forecast"
        await pilot.press("4")  # a section key, not a tab
        await settle(app, pilot)
        assert app.current_mode == "complaints"
        await pilot.press("1")
        await settle(app, pilot)
        assert app.screen is profile  # today's section kept its profile
        await pilot.press("1")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)


@sync
async def test_the_sales_chart_tells_months_apart_at_80_columns(store):
    seed_profile(store)
    async with running(store, (80, 24), screen=lambda: ProfileScreen(CQ)) as (app, pilot):
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        chart = app.screen.query_one(SalesChart)
        assert chart.size.width >= 76  # the top brands went under it: the chart has the width
        lines = [line.plain for line in chart.render().split("\n")]
        months, years = lines[-2], lines[-1]
        # every month's number under its bar, in order, one space apart
        assert months.split() == [m[5:] for m in chart.months]
        assert "2025" in years and "2026" in years
        # each month a separate bar: in the bottom row of the cartons, bars of equal width
        # with a blank column between any two
        bottom = next(line for line in lines if line.split("┤")[0].strip() == "0")
        axis = bottom.index("┤") + 1
        runs = [r for r in bottom[axis:].split(" ") if r]
        assert len(runs) == sum(1 for q in chart.qty if q > 0)
        assert len({cell_len(r) for r in runs}) == 1 and cell_len(runs[0]) >= 2


@sync
async def test_a_tab_chosen_before_the_profile_is_shown_opens_with_its_data(store, monkeypatch):
    """The tabs after the first are made once the profile has been shown; ``]`` pressed
    before the profile's data have arrived still lands on the sales tab, focused, and shows
    its chart and top brands when they come."""
    import khtui.screens.retailer as retailer

    seed_profile(store)
    arrived = threading.Event()
    read = retailer.load_profile

    def held(*args):
        arrived.wait(timeout=30)  # until the key has been pressed
        return read(*args)

    monkeypatch.setattr(retailer, "load_profile", held)
    async with running(store, (120, 36)) as (app, pilot):
        await app.push_screen(ProfileScreen(CQ))
        await pilot.press("right_square_bracket")
        profile = app.screen
        assert profile.data is None  # the data have not arrived yet
        arrived.set()
        await settle(app, pilot)
        assert profile.query_one(TabbedContent).active == "tab-sales"
        chart = profile.query_one(SalesChart)
        assert len(chart.months) == 24 and chart.months[-1] == "2026-11"
        brands = profile.query_one("#top-brands")
        assert brands.row_count > 0 and app.focused is brands
        await pilot.press("right_square_bracket")  # 拜访: its list has the focus
        await settle(app, pilot)
        assert profile.query_one(TabbedContent).active == "tab-visits"
        assert app.focused is profile.query_one("#profile-visits")
