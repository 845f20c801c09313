"""The rejects of one import: written to their file as they are found.

Memory does not grow with the number of rejects. Rows rejected in file order (nearly all of
them) go straight into a private part file beside the rejects file; the few found out of order
(a repeated key found once the whole file is staged, a row of the wrong width) wait in a small
SQLite file in the import's work folder and are merged in, in row order, at the end. The part
file is created when the import starts, so an import whose rejects cannot be written stops
before it reads the file or touches the database; it is renamed into place just before the
import commits. Every text cell goes through :func:`khtui.data.cells.neutralise` (a
spreadsheet shows it, never runs it).
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from khtui.data.cells import TRIGGERS, neutralise
from khtui.data.importers.common import ImportFileError, ValueProblem, shorten
from khtui.data.private import place_new
from khtui.domain.messages import Message, Tr

SHOWN = 20  # rejected rows kept on the result for a screen to show
_FLUSH = 4096  # late rejects held before they are spilled
_FIRST = frozenset(TRIGGERS + "'")  # first characters that may need neutralising


def _safe(value):
    return neutralise(value) if isinstance(value, str) and value[:1] in _FIRST else value


def _safe_cells(cells: list[str]) -> list[str]:
    """The cells of a row as the rejects file shows them (text cells, so no type test)."""
    first = _FIRST
    return [neutralise(c) if c[:1] in first else c for c in cells]


class RejectsSink:
    """Takes rejects (row, cells, column, value, reason) and, when ``target`` is given, writes
    them to it (or the first free ``stem-N`` name beside it) at :meth:`finish`."""

    def __init__(self, headers: Sequence[str], target: Path | None, spill: Path | None, tr: Tr):
        self.tr = tr  # the rejects file is written in the user's language
        self.headers = list(headers)
        self.width = len(self.headers)
        self.count = 0
        self.shown: list[dict] = []
        self.path: Path | None = None  # the rejects file, once in place
        self._target = target
        self._part: Path | None = None
        self._file: TextIO | None = None
        self._writer: Any = None  # a csv writer on _file
        self._last = -1  # the last row written in order
        self._spill_path = spill
        self._spill: sqlite3.Connection | None = None
        self._late: list[tuple] = []
        if target is None:
            return
        try:
            fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)  # fmt: skip
        except OSError as exc:
            raise ImportFileError(
                "imp.error.rejects", file=target, problem=exc.strerror or exc
            ) from None
        self._part = Path(part)  # mkstemp: readable by the owner only
        self._file = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        extra = [tr("imp.rej.row"), tr("imp.rej.column"), tr("imp.rej.value"), tr("imp.rej.reason")]
        self._writer.writerow([_safe(h) for h in (*self.headers, *extra)])

    def say(self, key: str, /, **params: object) -> str:
        """A reason in the rejects file's words."""
        return self.tr.say(Message(key, params))

    def add_problem(self, row: int, cells: Sequence[str], problem: ValueProblem) -> None:
        """A row refused for ``problem`` (it names the cell)."""
        self.add(row, cells, problem.column, problem.value, self.tr.say(problem.message))

    def add(self, row: int, cells: Sequence[str], column: str, value: str, reason: str) -> None:
        self.count += 1
        value = shorten(str(value))
        shown = self.shown
        if len(shown) < SHOWN or row < shown[-1]["row"]:
            shown.append(
                {
                    "row": row,
                    "cells": list(cells),
                    "column": column,
                    "value": value,
                    "reason": reason,
                }
            )
            shown.sort(key=lambda r: r["row"])
            del shown[SHOWN:]
        if self._writer is None:
            return
        cells = [str(c) for c in cells[: self.width]]
        cells += [""] * (self.width - len(cells))
        line = [*_safe_cells(cells), row, _safe(column), _safe(value), _safe(reason)]
        if row >= self._last:
            self._last = row
            self._writer.writerow(line)
        else:
            self._late.append((row, json.dumps(line, ensure_ascii=False)))
            if len(self._late) >= _FLUSH:
                self._flush()

    def extend(self, rejects: Iterable[dict]) -> None:
        for r in rejects:
            self.add(r["row"], r["cells"], r["column"], r["value"], r["reason"])

    def _flush(self) -> None:
        if not self._late:
            return
        if self._spill is None:
            # used by one thread at a time: the reading thread, then the importing one
            self._spill = sqlite3.connect(str(self._spill_path), check_same_thread=False)
            self._spill.execute("PRAGMA journal_mode = OFF")
            self._spill.execute("CREATE TABLE late (seq INTEGER PRIMARY KEY, row INTEGER, line TEXT)")  # fmt: skip
        with self._spill:  # one transaction
            self._spill.executemany("INSERT INTO late (row, line) VALUES (?, ?)", self._late)
        self._late = []

    def _merged(self, part: Path) -> Iterator[list]:
        """The in-order rows of ``part`` and the late ones, by row."""
        assert self._spill is not None  # flushed before
        with open(part, encoding="utf-8-sig", newline="") as f:
            rows = csv.reader(f)
            next(rows)  # the header
            in_order = ((int(r[self.width]), 0, r) for r in rows)
            late = (
                (row, 1, json.loads(line))
                for row, line in self._spill.execute("SELECT row, line FROM late ORDER BY row, seq")
            )
            for _, _, r in heapq.merge(in_order, late, key=lambda x: (x[0], x[1])):
                yield r

    def finish(self) -> None:
        """Put the rejects file in place (sorted by row), when there are rejects and a target;
        once (a second call does nothing)."""
        if self._writer is None or self._part is None or self._file is None:
            return
        assert self._target is not None  # a writer is made only for a target
        if not self.count:
            self.discard()
            return
        try:
            self._file.close()
            self._writer = None
            if self._late or self._spill is not None:
                self._flush()
                fd, tmp = tempfile.mkstemp(prefix=f".{self._target.name}.", suffix=".part", dir=self._target.parent)  # fmt: skip
                with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
                    w = csv.writer(f)
                    with open(self._part, encoding="utf-8-sig", newline="") as head:
                        w.writerow(next(csv.reader(head)))
                    w.writerows(self._merged(self._part))
                self._part.unlink()
                self._part = Path(tmp)
            self.path = self._place(self._part)
        except OSError as exc:
            self.discard()
            raise ImportFileError(
                "imp.error.rejects", file=self._target, problem=exc.strerror or exc
            ) from None
        self._part = None

    def _place(self, part: Path) -> Path:
        """Put ``part`` at the target's name or the first free ``stem-N`` beside it, never over
        a file (another import's rejects may take a name at the same moment)."""
        target = self._target
        assert target is not None  # a writer is made only for a target
        n = 1
        while True:
            out = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
            try:
                place_new(part, out)
            except FileExistsError:
                n += 1
                continue
            return out

    def undo(self) -> None:
        """Remove the rejects file put in place by :meth:`finish` (the commit failed)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None

    def discard(self) -> None:
        """Remove the part file (the import failed, or there were no rejects)."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._writer = None
        if self._part is not None:
            with contextlib.suppress(OSError):
                self._part.unlink()
            self._part = None

    def close(self) -> None:
        self.discard()
        if self._spill is not None:
            self._spill.close()
            self._spill = None
