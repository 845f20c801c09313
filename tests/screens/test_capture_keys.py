"""The capture screen's keys and layout: digits stay in the grid, the capture section key
returns to the open draft, the cursor skips what is there to read, the grid fits 80 columns,
Ctrl+R says where its values come from and leaves out old ones, Esc leaves a field."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import pytest
from rich.cells import cell_len
from textual.widgets import Input, OptionList

from khtui.app import create_app
from khtui.screens.capture import CaptureScreen
from khtui.screens.complaints import ComplaintsScreen
from khtui.widgets.cells import MARK
from khtui.widgets.price_grid import COLUMNS, PriceGrid
from tests.capture_helpers import add_visit, seed
from tests.conftest import TODAY
from tests.screens.pilot import Notices, running, settle, sync


@pytest.fixture
def seeded(store):
    seed(store)
    return store


def earlier_visit(store, days_ago: int, price: str = "48", stock: str = "9") -> None:
    """A finished price check of P1 at R1 ``days_ago`` days before today."""
    old = add_visit(store, "R1", TODAY - dt.timedelta(days=days_ago), status="done")
    cid = store.ensure_capture("prices", visit_id=old)
    store.set_grid_value(cid, "P1", "retail_price", price)
    store.set_grid_value(cid, "P1", "stock_tiao", stock)
    store.finish_capture(visit_id=old)


def observation(store, vid: str, brand: str) -> dict:
    cap = store.session_captures(visit_id=vid).get("prices")
    if cap is None:
        return {}
    return {r["brand_code"]: r for r in store.price_grid(cap["id"])}.get(brand, {})


async def open_capture(app, pilot, vid: str) -> tuple[CaptureScreen, PriceGrid]:
    screen = CaptureScreen(visit_id=vid)
    await app.push_screen(screen)
    await settle(app, pilot)
    return screen, screen.query_one(PriceGrid)


@contextlib.asynccontextmanager
async def capturing(store, size: tuple[int, int] = (120, 40)):
    """A checked-in visit of R1 today and the app with its capture open:
    ``(vid, app, pilot, screen, grid)``."""
    vid = add_visit(store, "R1", TODAY, status="checked_in")
    app = create_app(store, today=lambda: TODAY)
    async with app.run_test(size=size) as pilot:
        screen, grid = await open_capture(app, pilot, vid)
        yield vid, app, pilot, screen, grid


@sync
async def test_digits_in_the_grid_are_values_never_section_keys(seeded):
    async with capturing(seeded) as (vid, app, pilot, screen, grid):
        mode = app.current_mode
        await pilot.press("3", "0", "enter", "up")  # a price of 30
        await settle(app, pilot)
        for _ in range(3):
            await pilot.press("right")  # stock, on shelf, then marked price (明码)
        assert grid.current == ("K1", "marked_price")
        for digit in "7345":  # on a yes/no cell: explained, never a section key
            await pilot.press(digit)
            await settle(app, pilot)
            assert app.screen is screen and app.current_mode == mode, digit
        assert "y" in str(screen.query_one("#grid-msg").render())
        await pilot.press("1")  # 1 is yes there
        await settle(app, pilot)
        assert app.screen is screen
    assert observation(seeded, vid, "K1")["retail_price"] == 30.0
    assert observation(seeded, vid, "K1")["marked_price"] is True
    assert observation(seeded, vid, "K1")["stock_tiao"] is None


@sync
async def test_the_cursor_never_stops_on_what_is_there_to_read(seeded):
    async with capturing(seeded) as (vid, app, pilot, _screen, grid):
        stops = [grid.current[1]]
        for _ in range(len(COLUMNS)):
            await pilot.press("right")
            stops.append(grid.current[1])
        for _ in range(len(COLUMNS)):
            await pilot.press("left")
            stops.append(grid.current[1])
        assert set(stops) == {"retail_price", "stock_tiao", "on_shelf", "marked_price"}
        assert stops[:4] == ["retail_price", "stock_tiao", "on_shelf", "marked_price"]
        # a click on the deviation (偏离%) lands on the next cell one types into
        deviation = [k for k, _w in COLUMNS].index("deviation")
        left = sum(c.get_render_width(grid) for c in list(grid.columns.values())[:deviation])
        await pilot.click(grid, offset=(left + 1, 2))  # the header, then K1, then N1
        await settle(app, pilot)
        assert grid.current == ("N1", "stock_tiao")
        await pilot.press(*"12", "enter")
        await settle(app, pilot)
    assert observation(seeded, vid, "N1")["stock_tiao"] == 12


@sync
async def test_the_capture_key_returns_to_the_open_draft(seeded):
    vid = add_visit(seeded, "R1", TODAY, status="checked_in")
    async with running(seeded, (120, 40)) as (app, pilot):
        screen, grid = await open_capture(app, pilot, vid)  # opened from today's list
        assert app.current_mode == "today"
        assert screen.sub_title == "采集 一号烟酒店"
        await pilot.press(*"25", "enter")
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, ComplaintsScreen)
        await pilot.press("3")
        await settle(app, pilot)
        assert app.screen is screen  # back in the draft, not on "open a capture from …"
        assert grid.data_rows["K1"]["retail_price"] == 25.0
        await pilot.press("f3")  # and F3 there stays there
        await settle(app, pilot)
        assert app.screen is screen
        await pilot.press("escape")  # leaving it releases the key
        await settle(app, pilot)
        assert not isinstance(app.screen, CaptureScreen)
        await pilot.press("3")
        await settle(app, pilot)
        assert isinstance(app.screen, CaptureScreen) and app.screen.picker
    assert observation(seeded, vid, "K1")["retail_price"] == 25.0


@sync
async def test_esc_leaves_a_field_for_the_list_then_the_capture(seeded):
    async with capturing(seeded, (80, 24)) as (vid, app, pilot, screen, _grid):
        await pilot.press("ctrl+l", *["down"] * 7, "enter")
        assert isinstance(app.focused, Input)
        await pilot.press(*"posters 2", "escape")
        await settle(app, pilot)
        assert app.focused is screen.query_one("#cap-kinds", OptionList)
        assert app.screen is screen
        await pilot.press("4")  # a section key again, out of the field
        await settle(app, pilot)
        assert app.current_mode == "complaints"
        await pilot.press("3")
        await settle(app, pilot)
        assert app.screen is screen
        # F-keys leave a field too; coming back lands on the list, not in the field
        await pilot.press("ctrl+l", "enter")
        assert isinstance(app.focused, Input)
        await pilot.press("f4", "3")
        await settle(app, pilot)
        assert app.screen is screen
        assert app.focused is screen.query_one("#cap-kinds", OptionList)
        await pilot.press("escape")  # from the list: leaves the capture, draft kept
        await settle(app, pilot)
        assert not isinstance(app.screen, CaptureScreen)
    caps = seeded.session_captures(visit_id=vid)
    assert caps["worklog"]["payload"] == {"text": "posters 2"}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_the_grid_fits_80_columns_with_the_brand_pinned(seeded, size):
    seeded.upsert_brands(
        [
            {
                "brand_code": "L1",
                "name": "双喜(硬经典1906)加长版",
                "guide_price": 150.0,
                "is_key": 1,
                "is_new": 0,
            }
        ]
    )
    earlier_visit(seeded, 7)
    earlier_visit(seeded, 14, price="47", stock="11")
    async with capturing(seeded, size) as (_vid, _app, _pilot, _screen, grid):
        assert grid.fixed_columns == 1  # the brand stays when the grid scrolls sideways
        widths = {c.key.value: c.get_render_width(grid) for c in grid.columns.values()}
        upto_shelf = 0
        for key, _w in COLUMNS:
            upto_shelf += widths[key]
            if key == "on_shelf":
                break
        assert upto_shelf <= grid.scrollable_content_region.width  # price, stock, 上摊 fit
        # a name cut to its column ends with the mark; CJK counted in cells
        name = grid.get_row("L1")[0].plain
        assert name.endswith(MARK) and cell_len(name) <= COLUMNS[0][1]
        # the earlier visits are never cut: their column is as wide as its text
        history = grid.get_row("P1")[-1].plain
        assert "11-16 48/9/-" in history and "11-09 47/11/-" in history
        assert widths["history"] >= cell_len(history)


def test_copy_forward_says_where_the_values_come_from_and_leaves_out_old_ones(seeded):
    earlier_visit(seeded, 90)  # three months ago: too old to copy (rules: 45 days)
    old = add_visit(seeded, "R1", TODAY - dt.timedelta(days=10), status="done")
    cid = seeded.ensure_capture("prices", visit_id=old)
    seeded.set_grid_value(cid, "K1", "retail_price", "255")
    seeded.finish_capture(visit_id=old)
    vid = add_visit(seeded, "R1", TODAY, status="checked_in")
    notices = asyncio.run(_copy(seeded, vid))
    assert observation(seeded, vid, "K1")["retail_price"] == 255.0
    assert observation(seeded, vid, "P1")["retail_price"] is None  # from 90 days ago: left out
    ten, ninety = (TODAY - dt.timedelta(days=d) for d in (10, 90))
    assert any(
        f"已从 {ten} 的拜访复制 1 个值" in n
        and f"2 个值太旧没有复制（{ninety} 的拜访" in n
        and "超过 45 天" in n
        for n in notices
    ), notices


async def _copy(seeded, vid):
    app = create_app(seeded, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, _grid = await open_capture(app, pilot, vid)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "太旧" in str(screen.query_one("#grid-msg").render())
    return list(notices)
