"""Helpers for driving the app in pilot tests: settling workers, reading notifications."""

from __future__ import annotations

from textual.worker import WorkerState


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
