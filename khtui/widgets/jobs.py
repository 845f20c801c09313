"""Store work off the event loop, in order: a screen's queue of jobs and its debounced saves.

A screen that saves as the user types must neither wait on SQLite between two keystrokes nor
let two saves of one field land in the wrong order. :class:`JobQueue` runs the jobs it is given
one after another in one thread worker (started when the queue fills, ending when it is empty)
and hands each result, or error, back to the event loop as a message to the app (a
:class:`JobHost`), which calls the job's callback there. :class:`Debouncer` holds the text
being typed into a field until the user pauses (or leaves the field, or the screen asks), so a
burst of keystrokes becomes one save; the value being typed is all that a crash can lose.

Another program may hold the database's write lock longer than SQLite's busy timeout (the
final merge of an import of ten million order lines): a job refused with "database is locked"
wrote nothing, so it is run again, ahead of the jobs queued behind it, until the lock is free
(at most :data:`LOCK_WAIT_SECONDS`); the user is told once that what they typed is kept.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.message import Message
from textual.timer import Timer

from khtui.widgets.speech import running_app

DEBOUNCE_SECONDS = 0.4  # a pause in typing this long saves the field
# How long a job refused by another program's write lock is tried again before its error is
# reported (each try itself waits SQLite's busy timeout).
LOCK_WAIT_SECONDS = 300.0


@dataclass
class _Job:
    run: Callable[[], Any]
    done: Callable[[Any], None] | None
    failed: Callable[[Exception], None] | None


class JobDone(Message):
    """A job's result (or error) on its way to the event loop: ``callback(value)``."""

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        super().__init__()
        self.callback, self.value = callback, value


class JobHost:
    """Mixin for the app: it runs the callbacks of finished jobs (:class:`JobDone`)."""

    def on_job_done(self, message: JobDone) -> None:
        message.stop()
        message.callback(message.value)


class JobQueue:
    """Jobs run in a thread worker of ``app``, one at a time, in the order submitted.

    ``done(result)`` and ``failed(error)`` run on the event loop; without ``failed`` an error
    goes to ``on_error`` (the app's one error handler). Jobs run in workers of the app, not of
    a screen, so leaving a screen never drops a save that was already queued.
    """

    def __init__(
        self,
        app: App,
        name: str,
        on_error: Callable[[Exception], None],
        on_wait: Callable[[Exception], None] | None = None,
    ) -> None:
        if not isinstance(app, JobHost):
            raise TypeError("a JobQueue needs an app that is a JobHost")
        self.app = app
        self.name = name
        self.on_error = on_error
        # told once per job that waits for another program's write lock (default: a notice)
        self.on_wait = on_wait or _notify_waiting(app)
        self._jobs: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._running = False

    def submit(
        self,
        run: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Queue ``run`` (called in the worker thread). Call from the event loop."""
        with self._lock:
            self._jobs.append(_Job(run, done, failed))
            start = not self._running
            self._running = True
        if start:
            self.app.run_worker(
                self._drain, thread=True, group=f"jobs-{self.name}", exit_on_error=False
            )

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._running

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._running = False
                    return
                job = self._jobs.popleft()
            try:
                result = self._run(job)
            except Exception as exc:  # handed back to the event loop, never lost
                self._back(job.failed or self.on_error, exc)
                continue
            if job.done is not None:
                self._back(job.done, result)

    def _run(self, job: _Job) -> Any:
        """``job.run()``, again while another program holds the write lock (it wrote nothing)."""
        from khtui.data.base import is_locked

        start = time.monotonic()
        told = False
        while True:
            try:
                return job.run()
            except Exception as exc:
                if not is_locked(exc) or time.monotonic() - start > LOCK_WAIT_SECONDS:
                    raise
                if not told:
                    self._back(self.on_wait, exc)
                    told = True

    def _back(self, callback: Callable[[Any], None], value: Any) -> None:
        # post_message is thread-safe; once the app has ended there is nobody left to tell
        self.app.post_message(JobDone(callback, value))


def _notify_waiting(app: App) -> Callable[[Exception], None]:
    words = running_app().t  # the app's own translator: this is said from the job's thread

    def notify(_error: Exception) -> None:
        app.notify(words("jobs.waiting_for_lock"), severity="warning", timeout=10)

    return notify


class Debouncer:
    """Values being typed, keyed by field: ``save(key, value)`` runs after a pause in typing,
    at :meth:`flush`, or never if the same value was saved last."""

    def __init__(
        self,
        set_timer: Callable[[float, Callable[[], None]], Timer],
        save: Callable[[Hashable, Any], None],
        delay: float = DEBOUNCE_SECONDS,
    ) -> None:
        self._set_timer = set_timer
        self._save = save
        self._delay = delay
        self._pending: dict[Hashable, tuple[Any, Timer]] = {}

    def _cancel(self, key: Hashable) -> tuple[Any, Timer] | None:
        """Take ``key``'s pending value off its timer: (value, timer), None if none was."""
        item = self._pending.pop(key, None)
        if item is not None:
            item[1].stop()
        return item

    def typed(self, key: Hashable, value: Any) -> None:
        """``value`` is in the field now; save it when the typing pauses."""
        self._cancel(key)
        timer = self._set_timer(self._delay, lambda: self.flush(key))
        self._pending[key] = (value, timer)

    def flush(self, key: Hashable | None = None) -> None:
        """Save now what is pending (for ``key``, or every field)."""
        for k in list(self._pending) if key is None else [key]:
            item = self._cancel(k)
            if item is not None:
                self._save(k, item[0])

    def drop(self, key: Hashable | None = None) -> None:
        """Forget what is pending (for ``key``, or every field) without saving it."""
        for k in list(self._pending) if key is None else [key]:
            self._cancel(k)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def keys(self) -> set[Hashable]:
        """The fields whose typed value is waiting to be saved."""
        return set(self._pending)


__all__ = ["DEBOUNCE_SECONDS", "LOCK_WAIT_SECONDS", "Debouncer", "JobDone", "JobHost", "JobQueue"]
