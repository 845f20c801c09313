"""The writer process of a large orders import, and the importing process's side of it.

``python -m khtui.data.importers.child STAGE``: reads the cleaned lines as Arrow IPC on its
stdin (one stream of line tables sorted by the key, then two streams with the monthly sums the
reader made: empty ones when it gave them up), stages them with ADBC
(:class:`khtui.data.importers.adbc.AdbcStage`, :class:`khtui.data.importers.stage.Stage`)
and prints the :class:`StageInfo` as one line of JSON. It never opens the database itself.

It lives only as long as the importing process: stdin closing before everything was sent, or
before it has answered, means the importer is gone (it ended, failed or was killed: with
``kill -9`` no signal reaches the child), and the writer stops at once. This works the same
on Windows, where a pipe closes when its process dies. The stage it leaves is in the import's
work folder, removed by the importer or, after a crash, by the next import.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import tempfile
import threading

from khtui.data.importers.aggregates import Aggregates
from khtui.data.importers.common import ImportFileError
from khtui.data.importers.stage import SORT_KEYS, StageInfo

# Exit code of a writer whose importer went away.
ORPHANED = 3
# Exit code of a writer that could not stage (it said why on stderr, as one line of JSON).
FAILED = 1
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class WriterFailed(ImportFileError):
    """The writer process failed; nothing was written to the database."""


class ChildStager:
    """The importing process's handle on the writer process (started before the file is read,
    so that its start-up overlaps the reader's)."""

    def __init__(self, stage_path: str | os.PathLike):
        self._stage_path = stage_path
        self._errfile = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "khtui.data.importers.child", str(stage_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errfile,
            # jemalloc where pyarrow has it (see orders.arrow_memory); ignored where it has not
            env={"ARROW_DEFAULT_MEMORY_POOL": "jemalloc", **os.environ},
        )

    def stage(self, tables) -> StageInfo:
        """Send the cleaned tables (sorted and summed here: the reader is mostly idle) and
        wait for the stage to be complete."""
        import pyarrow as pa

        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None  # both piped
        aggregates = Aggregates()
        sums: list = []

        def prepared():
            for table in tables:
                aggregates.add(table)
                yield table.sort_by(SORT_KEYS)
            # the last sums, still in the reading thread while the last batches are written
            sums.append((None, None) if aggregates.given_up else aggregates.tables())

        sink = pa.PythonFile(proc.stdin, mode="w")
        empty = pa.table({"retailer_code": pa.array([], pa.string())})
        try:
            stream = None
            for table in _prefetch(prepared()):
                if stream is None:
                    stream = pa.ipc.new_stream(sink, table.schema)
                stream.write_table(table)
            if stream is None:  # no valid lines: an empty stream
                stream = pa.ipc.new_stream(sink, empty.schema)
            stream.close()
            brand, monthly = sums[0] if sums else (None, None)
            for part in (brand, monthly):
                part = empty if part is None else part
                with pa.ipc.new_stream(sink, part.schema) as more:
                    more.write_table(part)
            proc.stdin.flush()
        except (OSError, pa.ArrowException):
            if self.proc.poll() is None and not _pipe_broke():
                # this side failed (reading the file, memory): its own error, not the
                # writer's; the writer is stopped by close()
                raise
            # a broken pipe: the writer stopped; say what it said
            raise self._failed() from None
        out = proc.stdout.readline()
        proc.stdin.close()  # the writer may go now
        if proc.wait() != 0 or not out:
            raise self._failed()
        return StageInfo(**json.loads(out))

    def _failed(self) -> WriterFailed:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        self.proc.wait()
        self._errfile.seek(0)
        lines = self._errfile.read().decode("utf-8", "replace").strip().splitlines()
        problem = lines[-1] if lines else f"exit {self.proc.returncode}"
        with contextlib.suppress(ValueError, TypeError):
            said = json.loads(problem)
            if said.get("full"):
                # the work folder is beside the database: the database's disk is full
                folder = os.path.dirname(os.path.dirname(os.path.abspath(self._stage_path)))
                return WriterFailed("store.err.disk_full", folder=folder)
            problem = said["problem"]
        return WriterFailed("imp.error.writer", problem=problem)

    def close(self) -> None:
        """Stop the writer if it is still running (an error or an interrupt on the way)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self._errfile):
            with contextlib.suppress(OSError, ValueError):  # a pipe the child has broken
                if f is not None:
                    f.close()


def _pipe_broke() -> bool:
    """Whether the error being handled is the pipe to the writer breaking (it has stopped)."""
    exc = sys.exc_info()[1]
    return isinstance(exc, BrokenPipeError) or "broken pipe" in str(exc).lower()


def _prefetch(batches, depth: int = 2):
    """Read and clean the next batches in a thread while the current one is written (the
    Arrow reader and the pipe both run outside the GIL). Errors are re-raised here."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def run() -> None:
        try:
            for b in batches:
                if stop.is_set():
                    return
                q.put(b)
            q.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    th = threading.Thread(target=run, name="khtui-import-reader", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                th.join(0.05)


def _watch_parent(done: threading.Event) -> None:
    """Stop this process when stdin closes before the stage is complete (the importer is
    gone); a thread, so that it also notices while the stage is being finished."""
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except OSError:
        pass
    if not done.is_set():
        os._exit(ORPHANED)


def _report(exc: BaseException) -> int:
    """Say on stderr, in one line of JSON, why the stage failed (the first line of the
    error, and whether the disk is full) for the importer to tell the user."""
    text = str(exc).strip()
    full = getattr(exc, "errno", None) in _FULL_ERRNOS or "disk is full" in text.lower()
    problem = text.splitlines()[0] if text else type(exc).__name__
    sys.stderr.write(json.dumps({"problem": problem, "full": full}, ensure_ascii=False) + "\n")
    return FAILED


def main(argv: list[str]) -> int:
    import pyarrow as pa

    from khtui.data.importers.adbc import AdbcStage
    from khtui.data.importers.stage import Stage

    path = argv[0]
    try:
        stage = Stage(AdbcStage(path), path)
    except Exception as exc:
        return _report(exc)
    src = pa.input_stream(sys.stdin.buffer)
    try:
        for batch in pa.ipc.open_stream(src):
            if batch.num_rows and "row" in batch.schema.names:
                try:
                    stage.add(pa.Table.from_batches([batch]))
                except Exception as exc:  # the stage, not stdin: a full disk, …
                    return _report(exc)
        brand = pa.ipc.open_stream(src).read_all()
        monthly = pa.ipc.open_stream(src).read_all()
    except (pa.ArrowInvalid, OSError):
        return ORPHANED  # stdin ended before everything was sent: the importer is gone
    done = threading.Event()
    threading.Thread(target=_watch_parent, args=(done,), daemon=True).start()
    try:
        info = stage.finish(
            brand if brand.num_rows else None, monthly if monthly.num_rows else None
        )
        stage.close()
    except Exception as exc:
        return _report(exc)
    done.set()
    sys.stdout.write(json.dumps(info.to_dict()) + "\n")
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Everything is staged, closed and written by now: skip the interpreter's teardown
    # (freeing Arrow's and NumPy's modules, ~0.07 s that the importer would wait for).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
