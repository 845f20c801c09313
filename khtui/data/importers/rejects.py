"""The rejects of one import: spilled to disk as they are found, written sorted at the end.

Memory does not grow with the number of rejects: each rejected row goes at once into a small
SQLite file in the import's work folder; the rejects file is written from it, in row order,
when the import is about to commit. The rejects file's place is claimed when the import starts
(a private part file beside it), so an import whose rejects cannot be written stops before it
reads the file or touches the database. Every text cell of the rejects file goes through
:func:`khtui.data.cells.neutralise` (a spreadsheet shows it, never runs it).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from khtui.data.cells import neutralise
from khtui.data.importers.common import ImportFileError, free_path, shorten
from khtui.i18n import t

SHOWN = 20  # rejected rows kept on the result for a screen to show
_FLUSH = 4096  # rejects held before they are spilled


class RejectsSink:
    """Takes rejects (dicts: row, cells, column, value, reason) and, when ``target`` is
    given, writes them to it (or the first free ``stem-N`` name beside it) at :meth:`finish`."""

    def __init__(self, headers: Sequence[str], target: Path | None, spill: Path | None):
        self.headers = list(headers)
        self.count = 0
        self.shown: list[dict] = []
        self.path: Path | None = None  # the rejects file, once written
        self._pending: list[tuple] = []
        self._part: Path | None = None
        self._target = target
        self._db = None
        if target is not None:
            try:
                fd, part = tempfile.mkstemp(
                    prefix=f".{target.name}.", suffix=".part", dir=target.parent
                )
            except OSError as exc:
                raise ImportFileError(
                    t("imp.error.rejects", file=target, problem=exc.strerror or exc)
                ) from None
            os.close(fd)  # mkstemp: readable by the owner only
            self._part = Path(part)
            # used by one thread at a time: the reading thread, then the importing one
            self._db = sqlite3.connect(str(spill), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute(
                "CREATE TABLE r (seq INTEGER PRIMARY KEY, row INTEGER, cells TEXT, "
                "col TEXT, value TEXT, reason TEXT)"
            )

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
        if self._db is not None:
            self._pending.append(
                (row, json.dumps(list(cells), ensure_ascii=False), column, value, reason)
            )
            if len(self._pending) >= _FLUSH:
                self._flush()

    def extend(self, rejects: Iterable[dict]) -> None:
        for r in rejects:
            self.add(r["row"], r["cells"], r["column"], r["value"], r["reason"])

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany(
                "INSERT INTO r (row, cells, col, value, reason) VALUES (?, ?, ?, ?, ?)",
                self._pending,
            )
            self._pending = []

    def finish(self) -> None:
        """Write the rejects file (sorted by row), when there are rejects and a target."""
        if self._db is None or self._part is None:
            return
        if not self.count:
            self.discard()
            return
        self._flush()
        width = len(self.headers)
        extra = [t("imp.rej.row"), t("imp.rej.column"), t("imp.rej.value"), t("imp.rej.reason")]
        try:
            with open(self._part, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow([neutralise(h) for h in (*self.headers, *extra)])
                rows = self._db.execute(
                    "SELECT row, cells, col, value, reason FROM r ORDER BY row, seq"
                )
                for row, cells, column, value, reason in rows:
                    cells = json.loads(cells)[:width]
                    cells += [""] * (width - len(cells))
                    w.writerow([*(neutralise(c) for c in cells), row, *map(neutralise, (column, value, reason))])  # fmt: skip
            self.path = free_path(self._target)
            os.replace(self._part, self.path)
        except OSError as exc:
            self.discard()
            raise ImportFileError(
                t("imp.error.rejects", file=self._target, problem=exc.strerror or exc)
            ) from None
        self._part = None

    def undo(self) -> None:
        """Remove the rejects file written by :meth:`finish` (the commit failed after it)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None

    def discard(self) -> None:
        """Remove the part file (the import failed, or there were no rejects)."""
        if self._part is not None:
            with contextlib.suppress(OSError):
                self._part.unlink()
            self._part = None

    def close(self) -> None:
        self.discard()
        if self._db is not None:
            self._db.close()
            self._db = None
