"""The writer thread of a large orders import: stages the cleaned lines while the file streams.

The importing thread reads and cleans the file, sums and sorts each batch and hands it over
through a short queue; this thread stages it with ADBC's Arrow bulk ingest
(:class:`khtui.data.importers.adbc.AdbcStage`, :class:`khtui.data.importers.stage.Stage`),
which runs in C without the GIL, so reading and staging share the two cores in one process
(no second interpreter, its imports and its memory, and no copy of every line through a pipe).

When the file is read, its monthly sums (summed in Arrow by the importing thread) go to a file
of their own (``sums.db``) through a second ADBC connection in a thread of its own
(:class:`_SumsWriter`), while the writer stages the last batches of lines. Many brand sums are
split in two halves in key order, written to two files by two such threads at once: the writer
is then usually done, and one thread alone would leave the other core idle at the end.

ADBC bundles its own SQLite library. These threads open only the import's private stage and
sums files, and close them before :meth:`WriterThread.stage` returns, that is before the merge
attaches them to the database's connection: two SQLite libraries never have one file open at once in
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
from khtui.data.importers.stage import SORT_KEYS, SUMS_NAME, SUMS_REST_NAME, StageInfo

# Batches waiting for the writer (each about orders_read.BATCH_ROWS lines): enough to keep it
# busy while the next batch is cleaned, few enough that memory does not grow with the file.
QUEUE_DEPTH = 2
# How often a side waiting on the other checks that the other has not failed, seconds.
POLL = 0.2
# Brand sums from which they are written by two threads, half each (a performance choice: fewer
# are written faster by one thread than a second thread starts).
SPLIT_SUMS_ROWS = 100_000
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
        self._sums_writers: list[_SumsWriter] = []
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
            sums_files = tuple(w.path for w in self._sums_writers)
            self._info = stage.finish(brand, monthly, sums_files)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the importing side, raised there
            self._error = exc
        finally:
            self._error = _closed(stage, self._error)

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
        self._sums = brand, monthly = (None, None) if aggregates.given_up else aggregates.tables()
        if brand is not None and brand.num_rows:
            # written beside the writer's last batches, not after them
            folder = os.path.dirname(self._stage_path)
            parts = [brand]
            if brand.num_rows >= SPLIT_SUMS_ROWS:
                half = brand.num_rows // 2
                parts = [brand.slice(0, half), brand.slice(half)]
            for name, part, month_sums in zip(
                (SUMS_NAME, SUMS_REST_NAME), parts, (monthly, None), strict=False
            ):
                path = os.path.join(folder, name)
                self._sums_writers.append(_SumsWriter(path, part, month_sums))
        self._give(_END)
        self._thread.join()
        for sums_writer in self._sums_writers:
            sums_writer.join()
            self._error = self._error or sums_writer.error
        if self._error is not None or self._info is None:
            raise self._failed()
        return self._info

    def _failed(self) -> WriterFailed:
        self._join_all()
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
        self._join_all()

    def _join_all(self) -> None:
        self._thread.join()
        for sums_writer in self._sums_writers:
            sums_writer.join()


class _SumsWriter:
    """Writes the file's monthly sums (or a part of its brand sums, ``monthly`` None) to a file
    of their own (:func:`stage.write_sums`) in a thread of its own, started as soon as the
    file is read: their ingest (ADBC, without the GIL) runs beside the writer thread's last batches of lines instead of after them. Used by
    the merge when the stage keeps every line of the file; otherwise the stage makes the sums
    itself and this file goes with the work folder."""

    def __init__(self, path: str, brand: Any, monthly: Any):
        self.path = path
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(brand, monthly), name="khtui-import-sums", daemon=True
        )
        self._thread.start()

    def _run(self, brand: Any, monthly: Any) -> None:
        conn = None
        try:
            from khtui.data.importers.adbc import AdbcStage
            from khtui.data.importers.stage import write_sums

            conn = AdbcStage(self.path)
            write_sums(conn, brand, monthly)
        except BaseException as exc:  # handed to the importing side, raised there
            self.error = exc
        finally:
            self.error = _closed(conn, self.error)

    def join(self) -> None:
        self._thread.join()


def _closed(resource: Any, error: BaseException | None) -> BaseException | None:
    """Close a thread's stage connection (when it was opened); the thread's error: the one it
    had, else the closing's own."""
    if resource is not None:
        try:
            resource.close()
        except Exception as exc:
            return error or exc
    return error
