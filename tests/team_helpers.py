"""Shared by the tests of the team database: the AMs' demo databases and a file from a newer
khtui."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from khtui.data.demo import build_demo
from khtui.data.schema import SCHEMA_VERSION
from khtui.data.store import Store
from tests.conftest import TODAY


def build_ams(
    folder: Path,
    seeds: tuple[int, ...],
    *,
    retailers: int = 30,
    months: int = 3,
    then: Callable[[Store, int], None] | None = None,
    clock: Callable[[int], Callable[[], dt.datetime]] | None = None,
) -> list[Path]:
    """An AM's demo database a seed, ``am1.db``, ``am2.db``, … in ``folder``, each of its own
    territory (1, 2, …); ``then(store, i)`` runs on AM ``i``'s store (its clock
    ``clock(i)``) once built."""
    paths = []
    for i, seed in enumerate(seeds, 1):
        path = folder / f"am{i}.db"
        build_demo(path, retailers=retailers, months=months, seed=seed, today=TODAY, territory=i)
        if then is not None:
            s = Store(path, clock=clock(i) if clock else None)
            then(s, i)
            s.close()
        paths.append(path)
    return paths


def newer_copy(path: Path, to: Path, ahead: int = 1) -> Path:
    """A copy of the database ``path`` at ``to`` stamped ``ahead`` schema versions newer than
    this khtui knows."""
    shutil.copy(path, to)
    conn = sqlite3.connect(to)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + ahead}")
    conn.commit()
    conn.close()
    return to
