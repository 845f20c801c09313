"""The writer thread of a large orders import: stages the cleaned lines while the file streams.

The importing thread reads and cleans the file, sums and sorts each batch and hands it over
through a short queue; this thread stages it with ADBC's Arrow bulk ingest
(:class:`khtui.data.importers.adbc.AdbcStage`, :class:`khtui.data.importers.stage.Stage`),
which runs in C without the GIL, so reading and staging share the two cores in one process
(no second interpreter, its imports and its memory, and no copy of every line through a pipe).

ADBC bundles its own SQLite library. This thread opens only the import's private stage file,
and closes it before :meth:`WriterThread.stage` returns, that is before the merge attaches the
file to the database's connection: two SQLite libraries never have one file open at once in
the process (POSIX locks are per process; one library's close would drop the other's).

The thread lives only as long as the import: a failure on either side stops both, and a killed
process takes the thread with it; the stage it leaves is in the import's work folder, removed by
the importer or, after a crash, by the next import.
"""

from __future__ import annotations

import errno
import os
import queue
import threading
from collections.abc import Iterable
from typing import Any

from khtui.data.importers.aggregates import Aggregates
from khtui.data.importers.common import ImportFileError
from khtui.data.importers.stage import SORT_KEYS, StageInfo

# Batches waiting for the writer (each about orders_read.BATCH_ROWS lines): enough to keep it
# busy while the next batch is cleaned, few enough that memory does not grow with the file.
QUEUE_DEPTH = 2
# How often a side waiting on the other checks that the other has not failed, seconds.
POLL = 0.2
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_END = object()


class WriterFailed(ImportFileError):
    """The writer failed; nothing was written to the database."""


class _Stopped(Exception):
    """The importing side gave up: the writer leaves without finishing the stage."""


class WriterThread:
    """Stages a large file's lines in a thread of the importing process (started before the
    file is read, so that loading ADBC overlaps the reader's start)."""

    def __init__(self, stage_path: str | os.PathLike):
        self._stage_path = os.fspath(stage_path)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self._stop = threading.Event()
        self._sums: tuple[Any, Any] = (None, None)
        self._info: StageInfo | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="khtui-import-writer", daemon=True)
        self._thread.start()

    # -- the writer's side --------------------------------------------------------------------
    def _run(self) -> None:
        stage = None
        try:
            from khtui.data.importers.adbc import AdbcStage
            from khtui.data.importers.stage import Stage

            stage = Stage(AdbcStage(self._stage_path), self._stage_path)
            while (table := self._take()) is not _END:
                stage.add(table)
            brand, monthly = self._sums
            self._info = stage.finish(brand, monthly)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the importing side, raised there
            self._error = exc
        finally:
            if stage is not None:
                try:
                    stage.close()
                except Exception as exc:
                    self._error = self._error or exc

    def _take(self) -> Any:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                return self._queue.get(timeout=POLL)
            except queue.Empty:
                continue

    # -- the importing side ---------------------------------------------------------------------
    def _give(self, item: Any) -> None:
        while True:
            if not self._thread.is_alive():
                raise self._failed()
            try:
                self._queue.put(item, timeout=POLL)
                return
            except queue.Full:
                continue

    def stage(self, tables: Iterable[Any]) -> StageInfo:
        """Sum and sort the cleaned tables here, stage them there; wait for the stage to be
        complete and closed."""
        aggregates = Aggregates()
        for table in tables:
            aggregates.add(table)
            self._give(table.sort_by(SORT_KEYS))
        self._sums = (None, None) if aggregates.given_up else aggregates.tables()
        self._give(_END)
        self._thread.join()
        if self._error is not None or self._info is None:
            raise self._failed()
        return self._info

    def _failed(self) -> WriterFailed:
        self._thread.join()
        exc = self._error
        text = str(exc).strip() if exc is not None else ""
        if getattr(exc, "errno", None) in _FULL_ERRNOS or "disk is full" in text.lower():
            # the work folder is beside the database: the database's disk is full
            folder = os.path.dirname(os.path.dirname(os.path.abspath(self._stage_path)))
            return WriterFailed("store.err.disk_full", folder=folder)
        problem = text.splitlines()[0] if text else type(exc).__name__
        return WriterFailed("imp.error.writer", problem=problem)

    def close(self) -> None:
        """Stop the writer if it is still running (an error or an interrupt on the way)."""
        self._stop.set()
        self._thread.join()
