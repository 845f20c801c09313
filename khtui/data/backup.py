"""Backups, the health check and restore.

Backups use SQLite's online backup API, so a copy is consistent while the program is open.
Each is written under a temporary name unique to its process (two backups in the same second
never meet), readable by its owner only (0600, in a 0700 ``backups/`` folder), and put in place
whole; a failure (a full disk, a read-only folder) removes what it wrote and raises
:class:`~khtui.data.base.StoreProblem` saying why.

:func:`auto_backup` keeps the last ``[backup] keep`` automatic copies in ``backups/`` beside the
database (oldest removed first); the import calls it before writing, the app shell at start
(at most once a day).

:func:`health` says whether a database file is sound (``khtui check``); :func:`restore` puts a
checked backup in place of the database, keeping the current one aside (``khtui restore``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from khtui.data.base import StoreProblem, database_kind, reading_uri
from khtui.data.faults import Fault, fault_of
from khtui.data.paths import backup_dir
from khtui.data.private import (
    create_private,
    ensure_parent,
    make_private,
    place_new,
    private_dir,
    remove_quietly,
    sqlite_files,
    temp_beside,
)

AUTO_PREFIX = "auto-"
BEFORE_RESTORE = "before-restore"
# A temporary file of a backup or of a new database not written to for this long belongs to a
# process that died; it is removed at the next automatic backup. (Seconds, not a business rule.)
STALE_SECONDS = 6 * 3600


# -- copies ---------------------------------------------------------------------------------
def _copy_database(source: sqlite3.Connection, near: Path, *, wal: bool = False) -> Path:
    """``source`` copied to a new private temporary file beside ``near``; on failure nothing
    is left and the error says why (:class:`StoreProblem` ``store.err.backup_failed``).

    A backup is one file in rollback-journal mode; a copy that becomes the database
    (``wal``) is in WAL mode, as the store keeps it: a rollback-mode database's first opening
    switched it to WAL through a ``-journal`` file beside it."""
    tmp = temp_beside(near)
    try:
        create_private(tmp)
        dest = _open_copy(tmp)
        try:
            source.backup(dest)
            dest.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
        finally:
            dest.close()
        make_private(tmp)
    except (sqlite3.Error, OSError) as exc:
        remove_quietly(sqlite_files(tmp))
        raise _failed(near, exc, tmp) from exc
    except BaseException:
        remove_quietly(sqlite_files(tmp))
        raise
    return tmp


def _open_copy(path: Path) -> sqlite3.Connection:
    """The connection a copy is written through (tests give it a page limit: a full disk)."""
    return sqlite3.connect(str(path), isolation_level=None)


def _failed(out: Path, exc: BaseException, where: Path) -> StoreProblem:
    cause = fault_of(exc, where) or Fault("store.err.detail", {"detail": str(exc)})
    return StoreProblem("store.err.backup_failed", file=str(out), problem=cause)


def _place(tmp: Path, candidates: Iterable[Path]) -> Path:
    """Put ``tmp`` at the first name of ``candidates`` that is free (never over a file);
    :class:`FileExistsError` when none is."""
    try:
        for out in candidates:
            try:
                place_new(tmp, out)
            except FileExistsError:
                continue
            except OSError as exc:
                raise _failed(out, exc, out) from exc
            return out
        raise FileExistsError(str(tmp))
    finally:
        remove_quietly(sqlite_files(tmp))


def backup_to(store, out: str | Path) -> Path:
    """Copy the database to ``out``, a new file (:class:`FileExistsError` when it exists)."""
    out = Path(out)
    try:
        ensure_parent(out)
    except OSError as exc:
        raise _failed(out, exc, out) from exc
    return _place(_copy_database(store.conn, out), [out])


def _numbered(folder: Path, stem: str) -> Iterator[Path]:
    """``stem.db``, then ``stem-2.db``, ``stem-3.db``, … (two copies in the same second)."""
    yield folder / f"{stem}.db"
    n = 2
    while True:
        yield folder / f"{stem}-{n}.db"
        n += 1


def backup_new(store, stem: str) -> Path:
    """A backup in ``backups/`` named ``stem.db`` (``stem-2.db``, … when that is taken)."""
    folder = _backups_folder(store.path)
    tmp = _copy_database(store.conn, folder / f"{stem}.db")
    return _place(tmp, _numbered(folder, stem))


def _backups_folder(db_path: Path) -> Path:
    folder = backup_dir(db_path)
    try:
        return private_dir(folder)
    except OSError as exc:
        raise _failed(folder, exc, folder) from exc


def default_backup_name(store) -> str:
    """The stem of a manual backup: ``khtui-20261123-093000``."""
    return f"{store.path.stem}-{store.now().strftime('%Y%m%d-%H%M%S')}"


# -- automatic backups ------------------------------------------------------------------------
_STAMPED = r"-(\d{8}-\d{6})(?:-(\d+))?\.db"


def _auto_name(stem: str) -> re.Pattern:
    """auto-STEM-YYYYmmdd-HHMMSS.db, or …-N.db for the Nth made in the same second."""
    return re.compile(re.escape(f"{AUTO_PREFIX}{stem}") + _STAMPED)


def auto_backups(store) -> list[Path]:
    """The automatic backups of this database, oldest first."""
    folder = backup_dir(store.path)
    if not folder.exists():
        return []
    name = _auto_name(store.path.stem)
    found = []
    for p in folder.glob(f"{AUTO_PREFIX}{store.path.stem}-*.db"):
        m = name.fullmatch(p.name)
        if m:
            found.append(((m.group(1), int(m.group(2) or 1)), p))
    return [p for _key, p in sorted(found)]


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
    sweep_debris(store.path)
    existing = auto_backups(store)
    if min_hours is not None and existing:
        newest = _stamp_of(existing[-1], store.path.stem)
        if newest is not None and store.now() - newest < dt.timedelta(hours=min_hours):
            return None
    stamp = store.now().strftime("%Y%m%d-%H%M%S")
    out = backup_new(store, f"{AUTO_PREFIX}{store.path.stem}-{stamp}")
    if prune:
        prune_auto_backups(store, keep_also=out)
    return out


def prune_auto_backups(store, keep_also: Path | None = None) -> None:
    """Remove the oldest automatic backups beyond ``[backup] keep`` (never ``keep_also``)."""
    keep = store.rules.backup.keep
    backups = auto_backups(store)
    for old in backups[: max(0, len(backups) - keep)]:
        if old != keep_also:
            old.unlink(missing_ok=True)


def _stamp_of(path: Path, stem: str) -> dt.datetime | None:
    """When an automatic backup was made, from its name."""
    m = _auto_name(stem).fullmatch(path.name)
    if m is None:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def sweep_debris(db_path: Path) -> list[Path]:
    """Remove the temporary files of backups and new databases that a killed process left
    beside ``db_path`` or in its ``backups/`` (untouched for :data:`STALE_SECONDS`)."""
    removed = []
    now = time.time()
    patterns = [
        (db_path.parent, f".{db_path.name}.*.new*"),
        (backup_dir(db_path), ".*.part*"),
    ]
    for folder, pattern in patterns:
        if not folder.is_dir():
            continue
        for p in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > STALE_SECONDS:
                    p.unlink()
                    removed.append(p)
    return removed


# -- the health check -----------------------------------------------------------------------
@dataclass
class Health:
    """What ``khtui check`` found. ``kind``: see :func:`khtui.data.base.database_kind`, or
    ``"damaged"``; ``damage``: integrity problems (the file is damaged); ``references``:
    records pointing at missing ones (the file itself is sound)."""

    kind: str
    version: int | None = None
    damage: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return self.kind == "khtui" and not self.damage and not self.references


def health(path: str | Path) -> Health:
    """Check the file at ``path`` without changing it: what it is, then SQLite's integrity and
    foreign-key checks. Works on a database the store would refuse to open, and in a folder
    that cannot be written (nothing is made beside the file when it has no live -wal)."""
    path = Path(path)
    try:
        kind, info = database_kind(path)
    except sqlite3.DatabaseError as exc:
        _unless_damaged(exc, path)
        return Health("damaged", damage=[str(exc)])
    if kind not in ("khtui", "newer"):
        return Health(kind, tables=info.get("tables", []))
    out = Health(kind, version=info["version"])
    conn = sqlite3.connect(reading_uri(path), uri=True, isolation_level=None)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        out.damage += [r[0] for r in rows if r[0] != "ok"]
        if not out.damage:
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
                out.references.append(f"{table} rowid {rowid} -> {parent}")
    except sqlite3.DatabaseError as exc:
        _unless_damaged(exc, path)
        out.damage.append(str(exc))
    finally:
        conn.close()
    if out.damage:
        out.kind = "damaged"
    return out


def _unless_damaged(exc: sqlite3.DatabaseError, path: Path) -> None:
    """Re-raise ``exc`` unless it says the file is damaged (locked, unreadable, … are not)."""
    fault = fault_of(exc, path)
    if fault is None or fault.key != "store.err.damaged":
        raise exc


def check_database(path: str | Path) -> list[str]:
    """The problems :func:`health` finds (empty = sound)."""
    h = health(path)
    if h.kind not in ("khtui", "newer", "damaged"):
        return [f"not a khtui database ({h.kind})"]
    return h.damage + h.references


def newest_backup(db_path: Path) -> Path | None:
    """The most recent backup of this database in ``backups/`` (automatic or made by ``khtui
    backup``; not the copies restore kept aside), or None."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return None
    name = re.compile(f"(?:{re.escape(AUTO_PREFIX)})?{re.escape(db_path.stem)}{_STAMPED}")
    found = [p for p in folder.glob("*.db") if name.fullmatch(p.name) and p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


# -- restore --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restored:
    """What :func:`restore` did: ``kept``, where the database it replaced now is (None when
    there was none)."""

    database: Path
    backup: Path
    kept: Path | None


def check_backup(backup: Path) -> int:
    """The schema version of ``backup`` if it can be restored; else :class:`StoreProblem`."""
    if not backup.is_file():
        raise StoreProblem("restore.err.missing", file=str(backup))
    h = health(backup)
    if h.kind == "newer":
        raise StoreProblem("restore.err.newer", file=str(backup), found=h.version)
    if h.kind == "damaged":
        raise StoreProblem(
            "restore.err.damaged", file=str(backup), detail=h.damage[0], n=len(h.damage)
        )
    if h.kind != "khtui":
        raise StoreProblem("restore.err.not_khtui", file=str(backup))
    if h.references:
        raise StoreProblem(
            "restore.err.references", file=str(backup), detail=h.references[0],
            n=len(h.references),
        )  # fmt: skip
    return h.version or 0


def restore(backup: str | Path, target: str | Path, *, stamp: str) -> Restored:
    """Put the checked ``backup`` in place of the database at ``target``.

    The current database is copied first to ``backups/STEM-before-restore-STAMP.db``
    (``kept``). The database must not be open anywhere else (the app, an import, another
    command): restore takes it for itself, or raises ``restore.err.in_use`` and changes
    nothing. A damaged database is moved aside whole instead of copied. Where no database
    exists yet (a new laptop), the backup is copied into place.
    """
    backup, target = Path(backup), Path(target)
    check_backup(backup)
    if backup.resolve() == target.resolve():
        raise StoreProblem("restore.err.same", file=str(backup))
    source = sqlite3.connect(reading_uri(backup), uri=True)
    try:
        if not target.exists():
            ensure_parent(target)
            tmp = _copy_database(source, target, wal=True)
            _place(tmp, [target])
            return Restored(target, backup, None)
        try:
            kind, _info = database_kind(target)
        except sqlite3.DatabaseError as exc:
            _unless_damaged(exc, target)
            kind = "damaged"
        if kind == "damaged":
            return Restored(target, backup, _replace_damaged(source, target, stamp))
        if kind not in ("khtui", "newer"):
            raise StoreProblem("restore.err.target_not_khtui", path=str(target))
        return Restored(target, backup, _replace_in_place(source, target, stamp))
    finally:
        source.close()


def _aside_stem(target: Path, stamp: str) -> str:
    return f"{target.stem}-{BEFORE_RESTORE}-{stamp}"


def _replace_in_place(source: sqlite3.Connection, target: Path, stamp: str) -> Path:
    """Hold the database exclusively (no other connection may be open: leaving WAL mode needs
    that), copy it aside, then write the backup's pages over it in one transaction."""
    conn = sqlite3.connect(str(target), isolation_level=None, timeout=1.0)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if fault_of(exc, target) == Fault("error.db_locked"):
                raise StoreProblem("restore.err.in_use", path=str(target)) from None
            raise
        folder = _backups_folder(target)
        stem = _aside_stem(target, stamp)
        kept = _place(_copy_database(conn, folder / f"{stem}.db"), _numbered(folder, stem))
        source.backup(conn)
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return kept


def _replace_damaged(source: sqlite3.Connection, target: Path, stamp: str) -> Path:
    """Move a damaged database (and its -wal/-shm, which belong to it) aside whole, then put
    a copy of the backup in its place."""
    folder = _backups_folder(target)
    tmp = _copy_database(source, target, wal=True)
    try:
        stem = _aside_stem(target, stamp)
        for kept in _numbered(folder, stem):
            try:
                place_new(target, kept)
            except FileExistsError:
                continue
            break
        for tail in ("-wal", "-shm", "-journal"):
            side = Path(f"{target}{tail}")
            if side.exists():
                os.replace(side, Path(f"{kept}{tail}"))
        os.replace(tmp, target)
    finally:
        remove_quietly(sqlite_files(tmp))
    return kept
