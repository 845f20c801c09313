"""The capture screen, driven by the keys a person presses: a full visit, validation beside the
field, drafts surviving a kill -9, and the day's gaps."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from khtui.app import create_app
from khtui.data.store import Store
from khtui.screens.capture import CaptureScreen, GapsScreen
from khtui.widgets.price_grid import PriceGrid
from tests.capture_helpers import add_visit, seed
from tests.conftest import TODAY
from tests.screens.pilot import running, settle, sync

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(store):
    seed(store)
    return store


def finished_earlier_visit(store) -> None:
    """A finished capture at R1 a week ago: P1 at 48 元, 9 条, on the shelf."""
    old = add_visit(store, "R1", TODAY - dt.timedelta(days=7), status="done")
    cid = store.ensure_capture("prices", visit_id=old)
    store.set_grid_value(cid, "P1", "retail_price", "48")
    store.set_grid_value(cid, "P1", "stock_tiao", "9")
    store.set_grid_value(cid, "P1", "on_shelf", "y")
    store.finish_capture(visit_id=old)


async def type_keys(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


def grid_cell(app, brand: str, column: str) -> str:
    grid = app.screen.query_one(PriceGrid)
    return str(grid.get_cell(brand, column))


@sync
async def test_a_refused_value_given_up_with_escape_no_longer_stops_the_finish(seeded):
    """A price refused in the grid, then Esc: the cell shows what it held, the refusal is gone
    from beside the grid, and Ctrl+S finishes the visit with the value that was saved."""
    vid = add_visit(seeded, "R1", TODAY, status="planned")
    async with running(seeded, (120, 40), screen=lambda: CaptureScreen(visit_id=vid)) as (
        app,
        pilot,
    ):
        await type_keys(pilot, "250")
        await pilot.press("enter", "up")  # K1 at 250, and back onto it
        await type_keys(pilot, "1.2.3")
        await pilot.press("enter")
        assert "不是数字" in str(app.screen.query_one("#grid-msg").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert grid_cell(app, "K1", "retail_price") == "250"
        assert "不是数字" not in str(app.screen.query_one("#grid-msg").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CaptureScreen)
    (prices,) = seeded.captures(retailer="R1", start=TODAY)
    assert [(o["brand_code"], o["retail_price"]) for o in prices["observations"]] == [("K1", 250.0)]


@sync
async def test_a_price_or_stock_that_cannot_be_true_is_refused_in_the_grid(seeded):
    """K1's guide price is 250: 2501 (over 10 times) and a stock of 3001 are taken for typos,
    said beside the grid, and not saved; 2500 and 3000 are."""
    vid = add_visit(seeded, "R1", TODAY, status="planned")
    async with running(seeded, (120, 40), screen=lambda: CaptureScreen(visit_id=vid)) as (
        app,
        pilot,
    ):
        message = app.screen.query_one("#grid-msg")
        await type_keys(pilot, "25001")
        await pilot.press("enter")
        assert "多半是输错了" in str(message.render())
        await pilot.press("escape")
        await type_keys(pilot, "2500")
        await pilot.press("right")
        await type_keys(pilot, "3001")
        await pilot.press("enter")
        assert "库存 3001 条超过 3000 条" in str(message.render())
        await pilot.press("backspace")
        await pilot.press("0", "enter")
        await settle(app, pilot)
    saved = seeded.query("SELECT retail_price, stock_tiao FROM price_observations")
    assert [tuple(r) for r in saved] == [(2500.0, 3000)]


@sync
async def test_a_full_visit_by_keyboard(seeded):
    finished_earlier_visit(seeded)
    vid = add_visit(seeded, "R1", TODAY, status="planned")
    async with running(seeded, (120, 40), screen=lambda: CaptureScreen(visit_id=vid)) as (
        app,
        pilot,
    ):
        # opening today's planned visit checks in
        assert seeded.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == (
            "checked_in"
        )
        grid = app.screen.query_one(PriceGrid)
        assert app.focused is grid
        assert grid.order == ["K1", "N1", "P1"]
        assert [grid.get_row(c)[0].plain for c in grid.order] == ["重点甲", "新品乙", "普通丙"]
        # the last visit's values are beside P1
        assert "48/9/是" in grid_cell(app, "P1", "history")

        # K1: a bad price first: explained beside the grid, not saved, cursor stays
        await type_keys(pilot, "0")
        await pilot.press("enter")
        assert "价格必须大于 0" in str(app.screen.query_one("#grid-msg").render())
        assert grid.cursor_row == 0
        assert seeded.scalar("SELECT count(*) FROM price_observations WHERE brand_code='K1'") == 0
        await pilot.press("backspace")
        await type_keys(pilot, "280")  # +12 % off the guide price 250
        await pilot.press("enter")
        assert grid.cursor_row == 1
        assert "12.0!" in grid_cell(app, "K1", "deviation")
        assert "偏离指导价 +12.0%" in str(app.screen.query_one("#grid-msg").render())
        # N1: price, then to the right (past 偏离%, where the cursor never stops) stock,
        # on shelf and marked price (y)
        await type_keys(pilot, "100")
        await pilot.press("right")
        assert grid.current == ("N1", "stock_tiao")
        await type_keys(pilot, "12")
        await pilot.press("right", "right", "y")
        assert grid.current == ("N1", "marked_price")
        await pilot.press("down")
        # copy the last visit forward: P1's price, stock and shelf
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert grid_cell(app, "P1", "retail_price") == "48"
        assert grid_cell(app, "P1", "stock_tiao") == "9"

        # a complaint, from the capture
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # 货源, 订单服务, 送货服务
        await type_keys(pilot, "late delivery")
        await pilot.press("enter")
        await pilot.pause()

        # the work log, through the list of items
        await pilot.press("ctrl+l")
        for _ in range(7):
            await pilot.press("down")
        await pilot.press("enter")
        await type_keys(pilot, "posters")
        await pilot.pause()
        # finish: capture final, visit done, back to today's list
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CaptureScreen)

    caps = {c["kind"]: c for c in seeded.captures(retailer="R1", start=TODAY)}
    assert set(caps) == {"prices", "worklog"}
    assert caps["worklog"]["payload"] == {"text": "posters"}
    obs = {o["brand_code"]: o for o in caps["prices"]["observations"]}
    assert (obs["K1"]["retail_price"], obs["K1"]["guide_price"]) == (280.0, 250.0)
    assert (obs["N1"]["retail_price"], obs["N1"]["marked_price"], obs["N1"]["stock_tiao"]) == (
        100.0,
        1,
        12,
    )
    assert (obs["P1"]["retail_price"], obs["P1"]["stock_tiao"], obs["P1"]["on_shelf"]) == (
        48.0,
        9,
        1,
    )
    assert seeded.scalar("SELECT count(*) FROM price_observations WHERE is_draft = 1") == 0
    [complaint] = seeded.complaints(retailer="R1")
    assert (complaint["category"], complaint["department"], complaint["visit_id"]) == (
        "delivery",
        "配送中心",
        vid,
    )
    assert complaint["description"] == "late delivery"
    assert seeded.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "done"
    assert seeded.day_capture_gaps(TODAY) == {"finished_without_capture": [], "drafts": []}


@pytest.mark.parametrize(
    ("lang", "size"), [("zh", (120, 40)), ("zh", (80, 24)), ("en", (120, 40)), ("en", (80, 24))]
)
def test_every_kind_of_information_fits_on_one_line_of_the_list(seeded, lang, size):
    """The list of the kinds of information is as wide as its longest name (客户经理工作动态),
    so no name folds onto a second line."""
    import asyncio

    from rich.cells import cell_len
    from textual.widgets import OptionList

    from khtui.screens.capture import ORDER

    vid = add_visit(seeded, "R1", TODAY, status="planned")

    async def scenario():
        async with running(seeded, size, lang=lang, screen=lambda: CaptureScreen(visit_id=vid)) as (
            app,
            _pilot,
        ):
            kinds = app.screen.query_one("#cap-kinds", OptionList)
            prompts = [str(kinds.get_option_at_index(i).prompt) for i in range(kinds.option_count)]
            assert len(prompts) == len(ORDER)
            assert max(map(cell_len, prompts)) <= kinds.content_region.width

    asyncio.run(scenario())


@sync
async def test_required_fields_stop_finishing_and_say_where(seeded):
    vid = add_visit(seeded, "R2", TODAY, status="checked_in")
    async with running(seeded, (120, 40), screen=lambda: CaptureScreen(visit_id=vid)) as (
        app,
        pilot,
    ):
        await pilot.press("ctrl+l")
        for _ in range(6):
            await pilot.press("down")  # 客户意见建议: type (required) then text
        await pilot.press("enter", "tab")
        await type_keys(pilot, "more new brands")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaptureScreen)
        assert "必填" in str(app.screen.query_one("#e-opinion-type").render())
        # a bad date is explained beside the field and not saved
        await pilot.press("ctrl+l")
        for _ in range(2):
            await pilot.press("up")  # 客户动态: event, then date
        await pilot.press("enter", "tab")
        await type_keys(pilot, "2026-02-30")
        await pilot.press("escape")  # out of the field: what it holds is saved (if valid)
        await settle(app, pilot)
        assert "日期不存在" in str(app.screen.query_one("#e-dynamics-date").render())
    cap = seeded.session_captures(visit_id=vid)
    assert cap["opinion"]["payload"] == {"text": "more new brands"}
    assert cap["opinion"]["is_draft"] is True
    assert "dynamics" not in cap or "date" not in cap["dynamics"]["payload"]
    assert seeded.query_one("SELECT status FROM visits WHERE id = ?", (vid,))[0] == "checked_in"


KILL_SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, sys
    from khtui.app import create_app
    from khtui.data.store import Store
    from khtui.screens.capture import CaptureScreen

    TODAY = dt.date(2026, 11, 23)

    async def main(db, vid):
        store = Store(db, clock=lambda: dt.datetime(2026, 11, 23, 10, 0))
        app = create_app(store, today=lambda: TODAY)
        async with app.run_test(size=(120, 40)) as pilot:
            app.push_screen(CaptureScreen(visit_id=vid))
            await pilot.pause()
            await app.workers.wait_for_complete()  # the session is read in a job
            await pilot.pause()
            # the work log first, saved as it is typed
            await pilot.press("ctrl+l", *["down"] * 7, "enter")
            for ch in "half typed":
                await pilot.press(ch)
            # back to the grid: K1 255 (Enter), N1 price 11 (kept on moving right), not on shelf
            await pilot.press("ctrl+l", *["up"] * 7, "enter")
            for ch in "255":
                await pilot.press(ch)
            await pilot.press("enter", "1", "1", "right", "right", "n", "left")
            # N1's stock is being typed (no Enter yet) when the process is killed
            await pilot.press("7")
            await pilot.pause()
            # the saves queued by the keys above are written off the event loop, each within
            # milliseconds of its key; the value being typed is in no queue
            await app.workers.wait_for_complete()
            print("READY", flush=True)
            await asyncio.sleep(60)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def test_kill_9_mid_draft_loses_nothing_typed(seeded, db_path, tmp_path):
    vid = add_visit(seeded, "R1", TODAY, status="checked_in")
    seeded.close()
    script = tmp_path / "drive.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db_path), vid],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    store = Store(db_path, clock=lambda: dt.datetime(2026, 11, 23, 11, 0))
    try:
        caps = store.session_captures(visit_id=vid)
        assert caps["prices"]["is_draft"] is True
        grid = {r["brand_code"]: r for r in store.price_grid(caps["prices"]["id"])}
        assert grid["K1"]["retail_price"] == 255.0
        assert grid["N1"]["retail_price"] == 11.0
        assert grid["N1"]["on_shelf"] is False
        assert grid["N1"]["stock_tiao"] is None  # only the value being typed is lost
        assert caps["worklog"]["payload"] == {"text": "half typed"}
        gaps = store.day_capture_gaps(TODAY)
        assert [(g["visit_id"], g["kinds"]) for g in gaps["drafts"]] == [
            (vid, ["prices", "worklog"])
        ]
    finally:
        store.close()


@sync
async def test_reopening_the_visit_resumes_the_draft(seeded):
    vid = add_visit(seeded, "R1", TODAY, status="checked_in")
    cid = seeded.ensure_capture("prices", visit_id=vid)
    seeded.set_grid_value(cid, "K1", "retail_price", "255")
    wl = seeded.ensure_capture("worklog", visit_id=vid)
    seeded.set_capture_field(wl, "text", "half typed")
    async with running(seeded, (120, 40), screen=lambda: CaptureScreen(visit_id=vid)) as (
        app,
        pilot,
    ):
        assert grid_cell(app, "K1", "retail_price") == "255"
        assert app.screen.query_one("#f-worklog-text").value == "half typed"
        # reopening saved nothing new: still the same draft, untouched
        assert seeded.get_capture(wl)["payload"] == {"text": "half typed"}
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, CaptureScreen)
    assert seeded.get_capture(cid) is not None  # a draft with values is kept on leaving


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_pickers_instructions_are_read_whole(seeded, size):
    """The line over today's visits says every word of how to open a capture, on a second
    line where the terminal is narrow (it was cut at the right edge)."""
    import asyncio

    from rich.cells import cell_len

    async def scenario():
        async with running(seeded, size, screen=lambda: CaptureScreen()) as (app, _pilot):
            head = app.screen.query_one("#cap-target")
            said = str(head.render())
            room = head.content_region.width
            assert head.content_region.height * room >= cell_len(said)
            assert head.content_region.height == (1 if cell_len(said) <= room else 2)

    asyncio.run(scenario())


@sync
async def test_a_long_day_in_the_picker_comes_a_page_at_a_time(seeded):
    """A team's day of thousands of visits: the picker takes a page of them, the cursor
    nearing the last row brings the next page, and Enter on its last row opens that visit."""
    from khtui.widgets.paging import PAGE

    n = PAGE + 20
    seeded.upsert_retailers(
        [{"code": f"C{i:04d}", "name": f"长队店{i}"} for i in range(n)], source="test"
    )
    for i in range(n):
        add_visit(seeded, f"C{i:04d}", TODAY)
    day = seeded.day_visits(TODAY)
    app = create_app(seeded, today=lambda: TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(CaptureScreen())
        await settle(app, pilot)
        table = app.screen.query_one("#cap-visits")
        assert table.row_count == PAGE
        table.focus()
        await pilot.press("ctrl+end")
        await settle(app, pilot)
        assert table.row_count == len(day)
        await pilot.press("ctrl+end", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaptureScreen) and app.screen.visit_id == day[-1]["id"]


@sync
async def test_gaps_and_the_picker(seeded):
    done = add_visit(seeded, "R3", TODAY, status="done")
    app = create_app(seeded, today=lambda: TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(CaptureScreen())
        await pilot.pause()
        text = str(app.screen.query_one("#cap-gaps").render())
        assert "已完成拜访但没有采集" in text and "R3" in text
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, GapsScreen)
        await pilot.press("escape")
        await pilot.pause()
        # Enter on a visit of the day opens its capture
        app.screen.query_one("#cap-visits").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen) and app.screen.visit_id == done
    assert json.dumps(seeded.day_capture_gaps(TODAY), default=str)
