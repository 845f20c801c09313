"""Files and folders only their owner can read, and new files that appear whole or not at all.

Backups and rejects files hold retailers' names and phones: on POSIX they are created 0600 in
folders khtui makes 0700, whatever the umask (the mode is set explicitly after creation: a
umask can only take bits away, and one like 0277 would leave the owner unable to write). On
Windows the mode bits do nothing but the read-only flag; files take the access rules of their
folder, and the user data folder (``%LOCALAPPDATA%``) is the user's own by default.

Temporary files get names no other process uses (process id and a random token), so two
backups or imports in the same second never meet; :func:`place_new` puts a finished file in
place without ever replacing one that appeared meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def _chmod(path: Path, mode: int) -> None:
    os.chmod(path, mode)


def private_dir(path: str | os.PathLike) -> Path:
    """``path`` as a folder only its owner can enter (0700), made with its missing parents
    (those 0700 too); an existing folder of khtui's own (``backups/``) is tightened."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for p in missing:
        _chmod(p, DIR_MODE)
    _chmod(path, DIR_MODE)
    return path


def ensure_parent(path: str | os.PathLike) -> None:
    """Make the missing folders above ``path`` (0700); folders that exist are left as they are
    (a folder the user chose, e.g. for ``khtui backup OUT``)."""
    parent = Path(path).parent
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for p in missing:
        _chmod(p, DIR_MODE)


def create_private(path: str | os.PathLike) -> Path:
    """Create the empty file ``path`` (it must not exist) readable by its owner only."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(fd)
    _chmod(path, FILE_MODE)
    return path


def make_private(path: str | os.PathLike) -> None:
    """Owner-only mode for a file another library wrote (a SQLite database copy)."""
    _chmod(Path(path), FILE_MODE)


def open_private(path: str | os.PathLike, mode: str = "x", **kw: Any) -> IO:
    """``open(path, mode, **kw)`` for a new file readable by its owner only. ``mode`` is
    ``"x"`` or ``"xb"`` (with text options such as ``encoding``, ``newline``): an existing file
    is never overwritten (:class:`FileExistsError`)."""
    if not mode.startswith("x"):
        raise ValueError("open_private creates new files only (mode 'x' or 'xb')")
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        _chmod(path, FILE_MODE)
        return os.fdopen(fd, mode.replace("x", "w"), **kw)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise


def temp_beside(path: str | os.PathLike, suffix: str = ".part") -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}{suffix}")


def remove_quietly(paths: Iterable[str | os.PathLike]) -> None:
    """Delete what exists of ``paths`` (clean-up after a failure: never raises)."""
    for p in paths:
        with contextlib.suppress(OSError):
            Path(p).unlink(missing_ok=True)


def sqlite_files(path: str | os.PathLike) -> list[Path]:
    """A SQLite database and the files SQLite keeps beside it."""
    path = Path(path)
    return [path, *(Path(f"{path}{tail}") for tail in ("-journal", "-wal", "-shm"))]


def place_new(tmp: str | os.PathLike, final: str | os.PathLike) -> None:
    """Move the finished file ``tmp`` to ``final``, which must not exist: an existing file is
    never replaced (:class:`FileExistsError`), even one that appeared a moment ago."""
    tmp, final = Path(tmp), Path(final)
    try:
        os.link(tmp, final)  # atomic, and fails when final exists
    except FileExistsError:
        raise
    except OSError as exc:
        # file systems without hard links (FAT/exFAT memory sticks): rename, which does not
        # replace an existing file on Windows; elsewhere check first
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
        ):
            raise
        if os.name != "nt" and final.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(final)) from None
        os.rename(tmp, final)
        return
    tmp.unlink()
