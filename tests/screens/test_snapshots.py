"""SVG snapshots of today's visit list at a fixed date and size, cursor blink off.

Update after a deliberate change of the layout with ``pytest --snapshot-update`` and look at
the SVGs in ``__snapshots__/test_snapshots/`` before committing them.
"""

from __future__ import annotations

import pytest

from khtui.app import create_app
from tests.conftest import TODAY
from tests.screens.conftest import seed
from tests.screens.pilot import make_app, no_blink, settle, steady


@pytest.fixture
def seeded(store):
    seed(store)
    store.set_meta("am_name", "张经理")
    store.set_meta("is_demo", "1")
    return store


def settled(app, *keys: str):
    """A ``run_before`` that lets the app's workers finish, presses ``keys`` and waits for the
    screen to be steady."""

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press(*keys)
        await steady(app, pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_today_snapshot(seeded, snap_compare, size):
    app = make_app(seeded)
    assert snap_compare(app, terminal_size=size, run_before=settled(app))


def test_today_after_check_in_and_skip_snapshot(seeded, snap_compare):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        await pilot.press("down", "s", "down", "enter")  # the first reason, chosen
        await settle(app, pilot)
        app.clear_notifications()
        await steady(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_reschedule_modal_snapshot(seeded, snap_compare):
    app = create_app(seeded, today=lambda: TODAY)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        no_blink(app.screen)
        await pilot.press("ctrl+u", *"2026-11-28", "enter")
        await steady(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_snapshot(seeded, snap_compare):
    app = make_app(seeded)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app, "question_mark"))
