"""Helpers for driving the app in pilot tests: running a scenario, settling workers, reading
notifications, moving to a profile field."""

from __future__ import annotations

import asyncio
import functools

from textual.widgets import DataTable
from textual.worker import WorkerState

from khtui.app import create_app
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


async def settle(app, pilot) -> None:
    """Let thread workers finish and their results be handled, until no new worker starts
    (a job's result may queue the next job)."""
    quiet = 0
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return


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


async def goto_field(app, pilot, name: str) -> None:
    """Put the profile's field table's cursor on the field ``name``."""
    table = app.screen.query_one("#profile-fields", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(name))
    await pilot.pause()
