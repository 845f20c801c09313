"""The brand view's period: one key away, typed as the README says, boxes drawn whole."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widgets import DataTable

from khtui.screens.brands import BrandsScreen
from tests.capture_helpers import seed
from tests.screens.pilot import running, settle, sync


def shown(widget) -> str:
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return "".join(strip.text for strip in widget.render_lines(region))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_the_period_is_one_key_away_and_typed_as_documented(store, size):
    seed(store)
    async with running(store, size) as (app, pilot):
        await pilot.press("5")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrandsScreen)
        assert isinstance(app.focused, DataTable)  # opens on the figures
        start, end = (screen.query_one(f"#brand-{k}") for k in ("from", "to"))
        assert "2026-10-25" in shown(start) and "2026-11-23" in shown(end)

        await pilot.press("p", *"2026-10-01", "enter")
        await settle(app, pilot)
        assert app.screen is screen and app.current_mode == "brands"
        assert "2026-10-01" in shown(start)  # the whole date, first digit included
        footer = str(screen.query_one("#brand-footer").render())
        assert "期间 2026-10-01 至 2026-11-23" in footer
        assert app.focused is end  # then the last day; its old value is selected
        await pilot.press(*"11-15", "enter")  # the short forms work too
        await settle(app, pilot)
        assert "期间 2026-10-01 至 2026-11-15" in str(screen.query_one("#brand-footer").render())
        assert "11-15" in shown(end)
        assert isinstance(app.focused, DataTable)  # back on the figures: digits are keys
        await pilot.press("p", "escape", "4")
        await settle(app, pilot)
        assert app.current_mode == "complaints"
