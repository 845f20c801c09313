"""Order lines 订单明细 (key: customer code + order date + brand code): the import's steps.

1. Read and clean the file in Arrow batches (:mod:`orders_read`); bad lines go to the rejects
   as they are found (:mod:`rejects`).
2. Stage the valid lines, sorted by the key, in the import's work folder (:mod:`stage`):
   repeated lines are found there and the file's monthly sums made. A small file is staged
   here with Python's ``sqlite3``; a large one by a writer thread started before the file is
   opened (:mod:`writer`, ADBC bulk ingest, which runs without the GIL), which takes the
   batches from a short queue while the file streams, so reading and staging share the two
   cores. The file's monthly sums, complete when the file is read, are written to a file of
   their own by a second ADBC thread while the writer stages the last batches (many brand sums
   by two such threads, half each, the second half in a second file).
3. Merge (:mod:`merge`): one short transaction replaces the stored lines of the file's period
   (first to last order date) for the retailers in the file (a retailer with a rejected line
   keeps the stored lines the file does not replace), the touched monthly aggregates
   and the classifications of those retailers, and commits. Only this step holds the
   database's write lock.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from khtui.data.importers.aggregates import Aggregates
from khtui.data.importers.merge import MergeCounts, merge
from khtui.data.importers.orders_read import CleanContext, clean_batch, text_batches
from khtui.data.importers.stage import SORT_KEYS, SqliteStage, Stage, StageInfo
from khtui.data.importers.writer import WriterThread

# A rough size of one order line in a file, to tell a large load from a small one.
BYTES_PER_LINE = 64
# Files expected to hold at least this many lines are staged by the writer thread (ADBC bulk
# ingest); smaller ones by the importing thread (Python's sqlite3).
WRITER_MIN_LINES = 200_000


@contextlib.contextmanager
def arrow_memory() -> Iterator[None]:
    """Arrow allocates from jemalloc while a file is read, where pyarrow has it (not in its
    Windows wheels): it hands freed batches back to the system sooner than the default
    allocator (1M lines: the reader's peak ~300 -> ~245 MiB measured). The program's own
    default is restored after."""
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@contextlib.contextmanager
def pandas_hidden() -> Iterator[None]:
    """For a process whose work is one import (``khtui import orders``): pyarrow works without
    importing pandas while the block runs.

    pyarrow imports pandas the first time it converts Python values (every cleaned batch has
    some: the cleaned values of a column, the scalars of its compute calls) to ask whether
    they are pandas objects: 0.3 s of CPU at the start of the import, on its critical path,
    for a library the import never uses. In the block ``import pandas`` fails as if pandas
    were not installed, so pyarrow takes the values as what they are; after it pandas imports
    as usual. Not for the app, where another thread may need pandas meanwhile. Does nothing
    once pandas is imported.
    """
    import sys

    if "pandas" in sys.modules:
        yield
        return
    hide = _HidePandas()
    sys.meta_path.insert(0, hide)
    try:
        yield
    finally:
        sys.meta_path.remove(hide)


class _HidePandas:
    """An import hook under which ``import pandas`` fails (as if it were not installed)."""

    def find_spec(self, name: str, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def start_writer(path: Path, stage_path: Path) -> WriterThread | None:
    """The writer thread for a file expected to hold at least WRITER_MIN_LINES lines, started
    before the file is read so that loading ADBC overlaps the reader's start; None for a
    smaller file."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the importer says what is wrong with the path
    if size // BYTES_PER_LINE < WRITER_MIN_LINES:
        return None
    return WriterThread(stage_path)


def stage_orders(
    store, source, match, result, sink, stage_path: Path, writer, progress
) -> StageInfo:
    """Read, clean and stage the file; rejects go to ``sink``; counts of rows read and
    skipped to ``result``."""
    ctx = CleanContext.of(store.rules, store.today(), sink.say)
    invalid: collections.deque = collections.deque()  # rows of the wrong width (Arrow's threads)
    memo: dict = {}  # cleaned values by column, shared by the file's batches
    held: set[str] = set()  # retailers with a line the file holds but could not read

    def drain_invalid() -> None:
        while invalid:
            number, cells, actual, expected = invalid.popleft()
            result.read += 1
            reason = sink.say("imp.reason.columns", actual=actual, expected=expected)
            sink.add(number if number and number > 0 else 0, cells, "", "", reason)

    def cleaned():
        for first_row, cols in text_batches(source, match, progress, invalid):
            table, bad = clean_batch(first_row, cols, match, ctx, memo)
            held.update(bad.held)
            sink.extend(bad)  # read out a few thousand at a time
            result.skipped += bad.skipped
            result.read += bad.read
            drain_invalid()
            yield table
        drain_invalid()

    if writer is not None:
        with arrow_memory():
            info = writer.stage(cleaned())
    else:
        stage = Stage(SqliteStage(stage_path), stage_path)
        try:
            sums = Aggregates()
            for table in cleaned():
                sums.add(table)
                stage.add(table.sort_by(SORT_KEYS))
            brand, monthly = (None, None) if sums.given_up else sums.tables()
            info = stage.finish(brand, monthly)
        finally:
            stage.close()
    if info.conflicts:
        reject_conflicts(source, match, stage_path, sink)
    return replace(info, held=frozenset(held))


def reject_conflicts(source, match, stage_path: Path, sink) -> None:
    """The rows whose key repeats an earlier row's with other values (the stage's
    ``conflicts``, known once the whole file is staged) to the rejects, each with its cells
    as the file holds them: the file is read again for them, a batch at a time, as far as the
    last of them. The first reading keeps no cells of its valid lines, which nearly every file
    only has; a file with such rows is read twice."""
    import pyarrow as pa
    import pyarrow.compute as pc

    conn = sqlite3.connect(str(stage_path))
    try:
        conflicts = conn.execute("SELECT row, first, key FROM conflicts ORDER BY row")
        pending = conflicts.fetchone()
        # the rows as the first reading numbered them; its rejects are not said again
        batches = text_batches(source, match, None, collections.deque(maxlen=0))
        with contextlib.closing(batches):
            for first_row, cols in batches:
                end = first_row + (len(cols[0]) if cols else 0)
                found = []
                while pending is not None and pending[0] < end:
                    found.append(pending)
                    pending = conflicts.fetchone()
                if found:
                    idx = pa.array([row - first_row for row, _, _ in found], pa.int64())
                    cells = zip(*(pc.take(col, idx).to_pylist() for col in cols), strict=True)
                    for (row, first, key), row_cells in zip(found, cells, strict=True):
                        reason = sink.say("imp.reason.conflicting_duplicate", first=first)
                        sink.add(row, row_cells, "", key, reason)
                if pending is None:
                    break
        while pending is not None:  # not met again (the file changed meanwhile): no cells
            row, first, key = pending
            sink.add(row, [], "", key, sink.say("imp.reason.conflicting_duplicate", first=first))
            pending = conflicts.fetchone()
    finally:
        conn.close()


def merge_orders(store, info: StageInfo, result, *, dry_run: bool, before_commit) -> MergeCounts:
    counts = merge(store, info, dry_run=dry_run, before_commit=before_commit)
    result.new, result.updated = counts.new, counts.updated
    result.unchanged, result.removed = counts.unchanged, counts.removed
    result.held_retailers, result.held_lines = counts.held_retailers, counts.held_lines
    result.duplicates = info.duplicates
    result.unknown_retailers = counts.unknown_retailers
    result.unknown_lines = counts.unknown_lines
    result.period = (info.lo, info.hi) if info.lo else None
    return counts
