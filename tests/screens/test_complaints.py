"""The complaints screen and the brand view, driven by keys: overdue ones stand out, filters,
status steps with the answer and resolution, a follow-up visit, a new complaint."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Checkbox, DataTable, Label, OptionList, Static

from khtui.screens.brands import BrandsScreen
from khtui.screens.complaints import ComplaintsScreen, RaiseComplaintScreen, StepScreen
from khtui.widgets.theme import style
from tests.capture_helpers import seed
from tests.conftest import TODAY
from tests.screens.pilot import Notices, running, settle, sync


@pytest.fixture
def seeded(store):
    seed(store)
    # due 2026-11-18 (3 working days after Fri 13 Nov): overdue on TODAY
    late = store.raise_complaint("R1", "delivery", "送货晚", raised_on=dt.date(2026, 11, 13))
    # due 2026-11-30: not overdue
    store.raise_complaint("R2", "supply", "中华缺货", raised_on=TODAY)
    store.late_id = late
    return store


async def typed(pilot, text):
    for ch in text:
        await pilot.press(ch)


@sync
async def test_overdue_stand_out_and_filter(seeded):
    async with running(seeded, (120, 40), screen=lambda: ComplaintsScreen()) as (app, pilot):
        screen = app.screen
        table = screen.query_one("#cmp-table", DataTable)
        assert table.row_count == 2
        first = table.get_row_at(0)
        assert "超期" in first[4].plain and first[4].style == style(app, "alarm")
        assert "共 2 件，超期 1 件" in str(screen.query_one("#cmp-count").render())
        screen.query_one("#flt-overdue", Checkbox).value = True
        await settle(app, pilot)
        assert table.row_count == 1 and screen.rows[0]["id"] == seeded.late_id


@sync
async def test_steps_by_keys_record_dates_answer_and_resolution(seeded):
    async with running(seeded, (120, 40), screen=lambda: ComplaintsScreen()) as (app, pilot):
        screen = app.screen
        notices = Notices(app)
        assert screen.current["id"] == seeded.late_id
        await pilot.press("a")  # cannot answer before forwarding: says why, nothing stored
        await settle(app, pilot)
        assert isinstance(app.screen, StepScreen)
        await typed(pilot, "ok")
        await pilot.press("enter")
        await settle(app, pilot)
        assert seeded.get_complaint(seeded.late_id)["status"] == "open"
        assert notices == ["不能从“待处理”改为“已答复”，下一步可以是：已转办"], notices
        await pilot.press("f")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        await typed(pilot, "next week")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await typed(pilot, "fixed")
        await pilot.press("enter")
        await settle(app, pilot)
        notices.clear()
        await pilot.press("f")  # a closed complaint is not forwarded again: says why
        await settle(app, pilot)
        await pilot.press("v")  # nor given a follow-up visit
        await settle(app, pilot)
        assert notices == ["投诉已是“已办结”，不能再改为“已转办”", "投诉已是“已办结”，无需回访"], (
            notices
        )
    c = seeded.get_complaint(seeded.late_id)
    assert (c["status"], c["forwarded_on"], c["answered_on"], c["closed_on"]) == (
        "closed",
        TODAY.isoformat(),
        TODAY.isoformat(),
        TODAY.isoformat(),
    )
    assert (c["answer"], c["resolution"]) == ("next week", "fixed")


@sync
async def test_followup_visit_and_new_complaint(seeded):
    async with running(seeded, (120, 40), screen=lambda: ComplaintsScreen()) as (app, pilot):
        await pilot.press("v")  # follow-up of the overdue one: an ad-hoc visit tomorrow
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RaiseComplaintScreen)
        title = form.query_one("#new-title", Label)
        assert str(title.render()) == "记录投诉"
        await typed(pilot, "sh")  # 三号超市 by its pinyin initials
        await settle(app, pilot)
        hits = form.query_one("#new-results", OptionList)
        assert hits.get_option_at_index(0).id == "R3"
        await pilot.press("enter")  # picks the hit; the title names it
        await settle(app, pilot)
        assert str(title.render()) == "记录投诉（R3 三号超市）"
        await pilot.press("down", "down", "down", "down", "enter")  # 拜访服务
        await typed(pilot, "rarely visits")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ComplaintsScreen)
    visits = seeded.query("SELECT retailer_code, planned_date, reasons FROM visits WHERE adhoc = 1")
    assert [tuple(v) for v in visits] == [("R1", "2026-11-24", '["complaint"]')]
    [new] = seeded.complaints(retailer="R3")
    assert (new["category"], new["department"], new["am_share"]) == (
        "visit_service",
        "客户经理",
        "full",
    )
    assert new["description"] == "rarely visits" and new["raised_on"] == TODAY.isoformat()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_a_complaint_needs_a_retailer_picked_and_says_so_where_it_is_seen(seeded, size):
    """Nothing found says how to find; saving with no retailer picked is refused in a line
    under the title (seen at 80x24 too) and stores nothing; typing again undoes a pick."""
    import asyncio

    async def scenario():
        async with running(seeded, size, screen=lambda: ComplaintsScreen()) as (app, pilot):
            await pilot.press("n")
            await settle(app, pilot)
            form = app.screen
            assert not form.query_one("#new-error").display  # no empty line under the title
            await typed(pilot, "zzz")
            await settle(app, pilot)
            hint = str(form.query_one("#new-hint", Static).render())
            assert hint.startswith("没有找到")
            await pilot.press("tab", "enter")  # to the categories; the first chosen
            await typed(pilot, "no shop")
            await pilot.press("enter")
            await settle(app, pilot)
            assert form is app.screen
            error = form.query_one("#new-error", Static)
            assert str(error.render()) == "先输入并选中一户，再按 Enter"
            assert error.region.height == 1 and form.region.contains_region(error.region)
            assert app.focused is form.query_one("#new-query")
            assert len(seeded.complaints()) == 2
            await pilot.press(*["backspace"] * 3, *"sh")
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert form.code == "R3"
            assert app.focused is form.query_one("#new-category")
            await pilot.press("shift+tab", "1")  # another retailer typed: unpicked
            await settle(app, pilot)
            assert form.code is None
            assert str(form.query_one("#new-title", Label).render()) == "记录投诉"

    asyncio.run(scenario())


@sync
async def test_brand_view_shows_the_three_rates(seeded):
    seeded.add_order_lines(
        [
            ("R1", "2026-11-02", "K1", "重点甲", 5, 1100.0, 220.0),
            ("R1", "2026-11-16", "K1", "重点甲", 5, 1100.0, 220.0),
        ]
    )
    async with running(seeded, (120, 40), screen=lambda: BrandsScreen()) as (app, pilot):
        table = app.screen.query_one("#brand-table", DataTable)
        row = table.get_row("K1")
        # 4 active retailers, R1 ordered twice within the cycle
        assert row[2:6] == ["1/4", "25.0%", "1/1", "100.0%"]
        footer = str(app.screen.query_one("#brand-footer").render())
        assert "2026-10-25 至 2026-11-23" in footer
        # another period: p, the first day as the README says, Enter
        await pilot.press("p")
        assert app.focused is app.screen.query_one("#brand-from")
        await typed(pilot, "2026-11-20")  # its old value was selected: typing replaces it
        await pilot.press("enter")
        await settle(app, pilot)
        assert table.get_row("K1")[2] == "0/4"
        assert app.focused is app.screen.query_one("#brand-to")  # then the last day
        await pilot.press("escape", "p")
        await typed(pilot, "2026-12-31")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "起始日期晚于结束日期" in str(app.screen.query_one("#brand-msg").render())


@sync
async def test_a_long_list_is_shown_a_page_at_a_time_and_keeps_its_place(seeded):
    """A city's open complaints: the table takes a page of them, the count says all of them,
    the cursor nearing the last row brings the next page, and a step on a complaint far down
    the list leaves the cursor on it."""
    from khtui.widgets.paging import PAGE

    n = PAGE + 40
    for i in range(n - 2):
        seeded.raise_complaint("R2", "supply", f"缺货 {i}", raised_on=TODAY)
    async with running(seeded, (120, 40), screen=lambda: ComplaintsScreen()) as (app, pilot):
        screen = app.screen
        table = screen.query_one("#cmp-table", DataTable)
        assert table.row_count == PAGE and len(screen.rows) == n
        assert f"共 {n} 件" in str(screen.query_one("#cmp-count").render())
        await pilot.press("ctrl+end")  # the last row shown: the next page comes
        await settle(app, pilot)
        assert table.row_count == n
        table.move_cursor(row=PAGE + 20)
        await settle(app, pilot)
        far = screen.current["id"]
        await pilot.press("f")
        await settle(app, pilot)
        assert seeded.get_complaint(far)["status"] == "forwarded"
        assert screen.current["id"] == far and table.row_count >= PAGE + 21
