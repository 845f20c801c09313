"""An import's work folder: ``.khtui-import-*`` beside the database, removed when it ends.

The staged order lines (:mod:`stage`) and the spilled rejects (:mod:`rejects`) live there,
on the database's own disk. The folder holds a lock file that its import keeps locked while it
runs (an OS lock, released by the OS when the process dies, on Windows too); a folder whose
lock nobody holds is debris of an import that was killed, and the next import removes it
(:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from pathlib import Path

from filelock import FileLock, Timeout

PREFIX = ".khtui-import-"
LOCK_NAME = "lock"
# A folder without its lock file yet is left alone this long (its import is starting).
FRESH_SECONDS = 3600


class WorkDir:
    """A new work folder beside ``db``, locked by this process until :meth:`remove`."""

    def __init__(self, db: str | Path):
        folder = Path(db).resolve().parent
        folder.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=folder))
        self._lock = FileLock(self.path / LOCK_NAME)
        self._lock.acquire(timeout=0)

    def file(self, name: str) -> Path:
        return self.path / name

    def remove(self) -> None:
        self._lock.release()
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def remove_stale(db: str | Path) -> list[Path]:
    """Remove the work folders beside ``db`` that no running import holds; returns them."""
    folder = Path(db).resolve().parent
    removed = []
    for path in folder.glob(PREFIX + "*"):
        if not path.is_dir():
            continue
        if not (path / LOCK_NAME).exists() and time.time() - path.stat().st_mtime < FRESH_SECONDS:
            continue  # made this instant by an import that is about to lock it
        lock = FileLock(path / LOCK_NAME)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # an import running now, in this or another process
        except OSError:
            continue  # not ours to judge (no permission): left alone
        with contextlib.suppress(OSError):
            lock.release()  # released first: Windows cannot remove a locked file
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed
