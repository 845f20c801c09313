"""SVG snapshots of the lookup and the profile at a fixed date and size, cursor blink off.

Update after a deliberate change of the layout with ``pytest --snapshot-update`` and look at
the SVGs in ``__snapshots__/test_profile_snapshots/`` before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from khtui.screens.retailer import ProfileScreen, RetailerScreen
from tests.screens.conftest import CQ, seed_profile
from tests.screens.pilot import make_app, no_blink, settle, steady


@pytest.fixture
def seeded(store):
    seed_profile(store)
    return store


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_lookup_snapshot(seeded, snap_compare, size):
    app = make_app(seeded)

    async def run_before(pilot) -> None:
        await app.push_screen(RetailerScreen())
        await settle(app, pilot)
        no_blink(app.screen)
        for key in "cq":
            await pilot.press(key)
            await settle(app, pilot)
        assert app.screen.query_one(Input).value == "cq"
        await steady(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize(("tab", "keys"), [("info", ()), ("sales", ("right_square_bracket",))])
def test_profile_snapshot(seeded, snap_compare, tab, keys):
    app = make_app(seeded)

    async def run_before(pilot) -> None:
        await app.push_screen(ProfileScreen(CQ))
        await settle(app, pilot)
        await pilot.press(*keys)
        await settle(app, pilot)
        assert app.screen.query_one("#profile-tabs").active == f"tab-{tab}"
        await steady(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_tier_why_snapshot(seeded, snap_compare):
    app = make_app(seeded)

    async def run_before(pilot) -> None:
        await app.push_screen(ProfileScreen(CQ))
        await settle(app, pilot)
        await pilot.press("t")
        await steady(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
