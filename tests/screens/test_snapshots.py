"""SVG snapshots of today's visit list at a fixed date and size, cursor blink off.

Update after a deliberate change of the layout with ``pytest --snapshot-update`` and look at
the SVGs in ``__snapshots__/test_snapshots/`` before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from khtui.app import create_app
from tests.conftest import TODAY
from tests.screens.conftest import seed
from tests.screens.pilot import settle


@pytest.fixture
def seeded(store):
    seed(store)
    store.set_meta("am_name", "张经理")
    store.set_meta("is_demo", "1")
    return store


def no_blink(screen) -> None:
    for box in screen.query(Input):
        box.cursor_blink = False


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_today_snapshot(seeded, snap_compare, size):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_today_after_check_in_and_skip_snapshot(seeded, snap_compare):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        await pilot.press("down", "s", "down", "enter")  # the first reason, chosen
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_reschedule_modal_snapshot(seeded, snap_compare):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        no_blink(app.screen)
        await pilot.press("ctrl+u", *"2026-11-28", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_snapshot(seeded, snap_compare):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
