"""What went wrong with the database or the disk, as a message key with its parameters.

:func:`fault_of` names the faults a user can act on — a damaged database, a full disk, a
read-only database or folder, a database another program holds, a store problem
(:class:`~khtui.data.base.StoreProblem`), a bad rules file — and returns None for anything
else (a bug: the caller shows it with the log). The command line says the fault in one line
and exits 1; the app shows the same text as a notification and keeps running. Neither layer
decides the words: both translate the :class:`Fault` (``khtui.app.fault_text``).
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khtui.data.base import StoreProblem, folder_writable, is_locked
from khtui.data.paths import backup_dir
from khtui.rules import RulesError


@dataclass(frozen=True)
class Fault:
    """A message key and its parameters; a parameter may itself be a :class:`Fault` (said
    first, then put in its place)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def _sqlite_name(error: sqlite3.Error) -> str:
    """The primary result code (``SQLITE_IOERR`` for ``SQLITE_IOERR_WRITE``); from the text
    when the error came without one (the import's writer thread reports text)."""
    name = getattr(error, "sqlite_errorname", None) or ""
    if name:
        return "_".join(name.split("_")[:2])
    text = str(error).lower()
    if "malformed" in text or "file is not a database" in text:
        return "SQLITE_CORRUPT"
    if "database or disk is full" in text:
        return "SQLITE_FULL"
    if "readonly database" in text:
        return "SQLITE_READONLY"
    if "unable to open database file" in text:
        return "SQLITE_CANTOPEN"
    return ""


def damaged(path: Path, detail: str) -> Fault:
    return Fault(
        "store.err.damaged",
        {"path": str(path), "detail": detail, "backups": str(backup_dir(path))},
    )


def fault_of(error: BaseException, db_path: str | Path | None = None) -> Fault | None:
    """The fault behind ``error`` (with the database at ``db_path``), or None."""
    path = Path(db_path) if db_path is not None else None
    if isinstance(error, RulesError):
        key = "rules.error" if error.key else "rules.error.file"
        problem = Fault(f"rules.problem.{error.problem}", dict(error.params))
        return Fault(key, {"file": error.origin, "key": error.key, "problem": problem})
    if isinstance(error, StoreProblem):
        return Fault(error.key, dict(error.params))
    if isinstance(error, sqlite3.Error):
        return _sqlite_fault(error, path)
    if isinstance(error, OSError) and error.errno is not None:
        where = Path(error.filename) if error.filename else path
        if error.errno in _FULL_ERRNOS:
            return Fault("store.err.disk_full", {"folder": str(_folder(where))})
        if error.errno in _DENIED_ERRNOS and where is not None:
            return Fault("store.err.denied", {"path": str(where)})
    return None


def _folder(path: Path | None) -> Path:
    if path is None:
        return Path.cwd()
    return path if path.is_dir() else path.parent


def _sqlite_fault(error: sqlite3.Error, path: Path | None) -> Fault | None:
    name = _sqlite_name(error)
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or is_locked(error):
        return Fault("error.db_locked")
    shown = str(path) if path is not None else ""
    if name in _DAMAGED:
        return damaged(path, str(error)) if path is not None else None
    if name == "SQLITE_FULL":
        return Fault("store.err.disk_full", {"folder": str(_folder(path))})
    if name in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR") and path is not None:
        if not folder_writable(path.parent):
            return Fault("store.err.folder_read_only", {"folder": str(path.parent)})
        if name == "SQLITE_READONLY":
            return Fault("store.err.read_only", {"path": shown})
        if name == "SQLITE_CANTOPEN":
            return Fault("store.err.cannot_open", {"path": shown, "detail": str(error)})
        return Fault("store.err.io", {"path": shown, "detail": str(error)})
    return None
