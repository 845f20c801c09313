"""Backups with SQLite's online backup API (consistent while the program is open) and the
integrity check.

:func:`auto_backup` keeps the last ``[backup] keep`` automatic copies in ``backups/`` beside the
database (oldest removed first); the import calls it before writing, the app shell at start
(at most once a day, see ``min_hours`` in the rules).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from khtui.data.paths import backup_dir

AUTO_PREFIX = "auto-"


def backup_to(store, out: str | Path) -> Path:
    """Copy the database to ``out`` (a new file) with ``sqlite3.Connection.backup``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    dest = sqlite3.connect(str(tmp))
    try:
        with store._lock:  # the store's connection is shared with worker threads
            store.conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    tmp.replace(out)
    return out


def default_backup_name(store) -> str:
    stamp = store.now().strftime("%Y%m%d-%H%M%S")
    return f"{store.path.stem}-{stamp}.db"


def auto_backups(store) -> list[Path]:
    folder = backup_dir(store.path)
    if not folder.exists():
        return []
    return sorted(folder.glob(f"{AUTO_PREFIX}{store.path.stem}-*.db"))


def auto_backup(store, *, min_hours: float | None = None, prune: bool = True) -> Path | None:
    """Make a rotated automatic backup; None when the database holds nothing yet, or when
    ``min_hours`` is given and the newest automatic backup is younger than that. With
    ``prune=False`` the oldest are kept until :func:`prune_auto_backups` (an import prunes
    only once it has committed: a failed one removes its own backup instead)."""
    has_data = store.scalar(
        "SELECT (SELECT count(*) FROM retailers) + (SELECT count(*) FROM order_lines) "
        "+ (SELECT count(*) FROM brands)"
    )
    if not has_data:
        return None
    existing = auto_backups(store)
    if min_hours is not None and existing:
        newest = _stamp_of(existing[-1], store)
        if newest is not None and store.now() - newest < dt.timedelta(hours=min_hours):
            return None
    stamp = store.now().strftime("%Y%m%d-%H%M%S")
    out = backup_dir(store.path) / f"{AUTO_PREFIX}{store.path.stem}-{stamp}.db"
    n = 2
    while out.exists():
        out = out.with_name(f"{AUTO_PREFIX}{store.path.stem}-{stamp}-{n}.db")
        n += 1
    backup_to(store, out)
    if prune:
        prune_auto_backups(store)
    return out


def prune_auto_backups(store) -> None:
    """Remove the oldest automatic backups beyond ``[backup] keep``."""
    keep = int(store.rules.get("backup.keep"))
    backups = auto_backups(store)
    for old in backups[: max(0, len(backups) - keep)]:
        old.unlink(missing_ok=True)


def _stamp_of(path: Path, store) -> dt.datetime | None:
    """When an automatic backup was made, from its name (auto-STEM-YYYYmmdd-HHMMSS.db)."""
    stamp = path.stem[len(AUTO_PREFIX) + len(store.path.stem) + 1 :][:15]
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def check_database(path: str | Path) -> list[str]:
    """Problems found by ``PRAGMA integrity_check`` and ``foreign_key_check`` (empty = sound).

    Opens the file read-only on its own connection, so it also works on a database the
    store would refuse to open.
    """
    path = Path(path)
    uri = f"file:{path}?mode=ro"
    problems: list[str] = []
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems += [r[0] for r in rows if r[0] != "ok"]
        for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchall():
            problems.append(f"{table} rowid {rowid}: missing {parent}")
    except sqlite3.DatabaseError as exc:
        problems.append(str(exc))
    finally:
        conn.close()
    return problems
