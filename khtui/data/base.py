"""The store core: one SQLite database, one ``Store`` object that owns the connection.

The connection is a plain ``sqlite3`` one (fast start-up: the first screen never waits for
sqlite-utils, which imports pandas); :attr:`Store.db` wraps the same connection in a
``sqlite_utils.Database`` the first time it is needed. Every write goes through
:meth:`Store.write`, which starts with ``BEGIN IMMEDIATE`` so that a writer waits for the lock
instead of failing half way under WAL.

The operations are grouped by subject in mixins (``data/retailers.py``, ``data/visits.py``, …);
``Store`` is the one class that combines them.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from khtui import clock as _clock
from khtui.data.schema import MIGRATIONS, SCHEMA_VERSION
from khtui.rules import Rules, default_rules

if TYPE_CHECKING:
    import sqlite_utils


class StoreError(Exception):
    """A problem with the database a user can act on (the message says how)."""


_id_rng: random.Random | None = None


def new_id() -> str:
    """A globally unique record id (uuid4 hex); see :func:`seeded_ids` for the demo."""
    if _id_rng is not None:
        return uuid.UUID(int=_id_rng.getrandbits(128), version=4).hex
    return uuid.uuid4().hex


@contextmanager
def seeded_ids(rng: random.Random) -> Iterator[None]:
    """Ids drawn from ``rng`` inside the block, so a seeded build (the demo) is reproducible."""
    global _id_rng
    previous, _id_rng = _id_rng, rng
    try:
        yield
    finally:
        _id_rng = previous


# SQLite's page size for new databases (bytes). Larger pages than the default 4096 make bulk
# imports and their WAL checkpoint cheaper (fewer b-tree pages and WAL frames to write);
# small transactions write a little more to the WAL. A storage setting, not a business rule.
PAGE_SIZE = 16384


def is_locked(error: BaseException | str) -> bool:
    """SQLite's "database is locked" / "busy" (from either SQLite library, or as text from the
    import's writer process): another connection held the write lock past the busy timeout."""
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


def _create_private(path: Path) -> None:
    """Create an empty database file readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def migrate(
    conn: sqlite3.Connection,
    target: int = SCHEMA_VERSION,
    on_upgrade: Callable[[int, int], None] | None = None,
) -> int:
    """Run the numbered migrations from the database's ``user_version`` up to ``target``.
    ``on_upgrade(from, to)`` is told first when an existing database is upgraded (some
    migrations copy a table: minutes on a city's data)."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"this database was written by a newer khtui (schema {current}, this one knows "
            f"{SCHEMA_VERSION}); upgrade khtui to open it"
        )
    if on_upgrade is not None and 0 < current < target:
        on_upgrade(current, target)
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return target


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    rest = "\n".join(buf).strip()
    if rest and not all(x.strip().startswith("--") for x in rest.splitlines() if x.strip()):
        out.append(rest)
    return out


class StoreCore:
    """Connection, transactions, metadata and clock. Mixins add the named operations."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        create: bool = False,
        rules: Rules | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        user: str | None = None,
        on_upgrade: Callable[[int, int], None] | None = None,
    ):
        self.path = Path(path)
        self.rules = rules or default_rules()
        self.clock = clock or _clock.now
        self._lock = threading.RLock()
        self._depth = 0
        self._db: sqlite_utils.Database | None = None
        created = not self.path.exists()
        if created:
            if not create:
                raise StoreError(
                    f"no database at {self.path}; create one with `khtui demo` (demo data) or "
                    f"`khtui import retailers FILE`, or point --db / KHTUI_DB at an existing one"
                )
            _create_private(self.path)
        try:
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 10000")
            if created:
                # set before the first table: it only applies to an empty database
                self.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            migrate(self.conn, on_upgrade=on_upgrade)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a usable khtui database ({exc}); run `khtui check` or "
                f"restore a backup"
            ) from None
        self.user = user or self.meta("am_name") or os.environ.get("USER") or "am"

    # -- connection --------------------------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        """The same connection wrapped by sqlite-utils (imported on first use)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    @contextmanager
    def attached(self, path: str | os.PathLike, name: str) -> Iterator[None]:
        """Another database file on the store's connection as schema ``name`` for the block
        (e.g. an import's stage, copied by a :meth:`write` inside the block); detached after.
        The connection is this thread's for the block."""
        if not name.isidentifier():
            raise ValueError(f"not a schema name: {name!r}")
        with self._lock:
            self.conn.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
            try:
                yield
            finally:
                self.conn.execute(f"DETACH DATABASE {name}")

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    # -- metadata ----------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return default if row is None else row["value"]

    def set_meta(self, key: str, value: str | None) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def am_id(self) -> str:
        """This AM's globally unique id, made on first use and kept in the database."""
        value = self.meta("am_id")
        if value is None:
            value = new_id()
            self.set_meta("am_id", value)
        return value

    @property
    def am_name(self) -> str:
        return self.meta("am_name") or self.user

    @property
    def is_demo(self) -> bool:
        return self.meta("is_demo") == "1"

    def now(self) -> dt.datetime:
        return self.clock()

    def now_text(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def today(self) -> dt.date:
        return self.clock().date()
