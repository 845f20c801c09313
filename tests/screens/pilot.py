"""Helpers for driving the app in pilot tests: running a scenario, starting the app settled,
settling workers, reading notifications, moving to a profile field."""

from __future__ import annotations

import asyncio
import contextlib
import functools

from textual.widgets import DataTable, Input

from khtui.app import create_app, settle
from khtui.screens.retailer import EditFieldScreen
from tests.conftest import TODAY


def sync(scenario):
    """Run an async pilot scenario as a plain test (no async pytest plugin is installed)."""

    @functools.wraps(scenario)
    def test(*args, **kwargs):
        asyncio.run(scenario(*args, **kwargs))

    return test


def make_app(store):
    """The app on ``store``, its day TODAY."""
    return create_app(store, today=lambda: TODAY)


@contextlib.asynccontextmanager
async def running(store, size: tuple[int, int], *, screen=None, lang: str = "zh", made=None):
    """The app on ``store`` (its day TODAY) run in a pilot of ``size``, the screen that
    ``screen()`` makes pushed if given (made in the running app: a screen speaks its app's
    language), and settled: ``async with running(store, size) as (app, pilot)``. ``made(app)``
    is called with the app before it starts, if given."""
    app = create_app(store, lang=lang, today=lambda: TODAY)
    if made is not None:
        made(app)
    async with app.run_test(size=size) as pilot:
        if screen is not None:
            app.push_screen(screen())
        await settle(app, pilot)
        yield app, pilot


async def steady(app, pilot, frames: int = 3) -> None:
    """Settle, then let the screen refresh until ``frames`` screenshots in a row are the same,
    for a snapshot of the finished layout: a data table measures its columns when it is next
    idle, and on a loaded machine a snapshot can otherwise be taken before that."""
    await settle(app, pilot)
    last, same = None, 0
    for _ in range(100):
        await pilot.pause()
        shot = app.export_screenshot()
        same = same + 1 if shot == last else 0
        if same >= frames - 1:
            return
        last = shot
    raise AssertionError("the screen kept changing")


class Notices(list):
    """Every notification the app shows from now on, as text (through the public
    ``App.notify``, which every ``Widget.notify`` calls)."""

    def __init__(self, app) -> None:
        super().__init__()
        shown = app.notify

        def notify(message, *args, **kwargs):
            self.append(str(message))
            return shown(message, *args, **kwargs)

        app.notify = notify

    def any(self, *parts: str) -> bool:
        """Some notification contains every one of ``parts``."""
        return any(all(p in n for p in parts) for n in self)


def no_blink(screen) -> None:
    """Stop the cursors of ``screen``'s inputs blinking (a snapshot is then the same each run)."""
    for box in screen.query(Input):
        box.cursor_blink = False


async def goto_field(app, pilot, name: str) -> None:
    """Put the profile's field table's cursor on the field ``name``."""
    table = app.screen.query_one("#profile-fields", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()


async def open_edit(app, pilot, name: str) -> Input:
    """Open the profile field ``name``'s edit box with ``e``; the box."""
    await goto_field(app, pilot, name)
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, EditFieldScreen)
    return app.screen.query_one("#edit-input", Input)
