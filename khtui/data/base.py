"""The store core: one SQLite database, one ``Store`` object, one connection per thread.

Each thread that reads or writes gets its own plain ``sqlite3`` connection on first use (fast
start-up: the first screen never waits for sqlite-utils, which imports pandas); :attr:`Store.db`
wraps this thread's connection in a ``sqlite_utils.Database`` the first time it is needed.
Every write goes through :meth:`Store.write`, which starts with ``BEGIN IMMEDIATE`` so that a
writer waits for the lock instead of failing half way under WAL; a nested ``write`` joins the
outer transaction of its thread.

The operations are grouped by subject in mixins (``data/retailers.py``, ``data/visits.py``, …);
``Store`` is the one class that combines them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import random
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sized
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

from khtui import clock as _clock
from khtui.data.private import (
    create_private,
    ensure_parent,
    place_new,
    remove_quietly,
    sqlite_files,
    temp_beside,
)
from khtui.data.schema import MIGRATIONS, SCHEMA_VERSION
from khtui.domain.problems import KeyedError

if TYPE_CHECKING:
    import sqlite_utils

    from khtui.domain.calendar import WorkCalendar
    from khtui.rules import Rules

T = TypeVar("T")


class StoreError(Exception):
    """A problem with the database a user can act on (the message says how)."""


class TeamRecordsRefused(KeyedError, StoreError):
    """An AM's own record (a visit, plan, capture, complaint, report or retailer edit) asked
    of a team database, which receives them only by merging the AM's database."""


_F = TypeVar("_F", bound=Callable[..., Any])


def own_records(method: _F) -> _F:
    """Mark an operation that makes or changes the AM's own records: on a team database it
    raises :class:`TeamRecordsRefused` and writes nothing (the market manager reads the AMs'
    records there and decides on plans; the AMs make them in their own databases)."""

    @functools.wraps(method)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_team():
            raise TeamRecordsRefused("team.own_only", path=str(self.path))
        return method(self, *args, **kwargs)

    return cast(_F, guarded)


_id_rng: random.Random | None = None
_id_salt = 0


def new_id() -> str:
    """A globally unique record id (uuid4 hex); see :func:`seeded_ids` for the demo."""
    if _id_rng is not None:
        return id_from(_id_rng, _id_salt)
    return uuid.uuid4().hex


# uuid4's fixed bits (the variant 10xx in bits 62-63, the version 4 in bits 76-79): the bits
# ``uuid.UUID(int=..., version=4)`` clears and the ones it sets
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def id_from(rng: random.Random, salt: int = 0) -> str:
    """An id drawn from ``rng`` and mixed with ``salt`` (the database's own random AM id), so
    two databases built from the same seed draw the same stream but never share an id.

    The same hex as ``uuid.UUID(int=..., version=4).hex``, without making the UUID (the demo
    draws hundreds of thousands)."""
    value = rng.getrandbits(128) ^ salt
    if not 0 <= value < 1 << 128:
        raise ValueError("int is out of range (need a 128-bit value)")
    return f"{value & _UUID4_CLEAR | _UUID4_SET:032x}"


@contextmanager
def seeded_ids(rng: random.Random, salt: int) -> Iterator[None]:
    """Ids drawn from ``rng`` (mixed with ``salt``, see :func:`id_from`) inside the block, so a
    seeded build (the demo) draws the same stream every time."""
    global _id_rng, _id_salt
    previous, _id_rng = (_id_rng, _id_salt), rng
    _id_salt = salt
    try:
        yield
    finally:
        _id_rng, _id_salt = previous


# SQLite's page size for new databases (bytes). Larger pages than the default 4096 make bulk
# imports and their WAL checkpoint cheaper (fewer b-tree pages and WAL frames to write);
# small transactions write a little more to the WAL. A storage setting, not a business rule.
PAGE_SIZE = 16384


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def is_locked(error: BaseException | str) -> bool:
    """SQLite's "database is locked" / "busy" (from either SQLite library, or as text from the
    import's writer thread): another connection held the write lock past the busy timeout."""
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


# ``PRAGMA application_id`` of a khtui database: "khtu". Databases made before it was set
# are recognised by their tables (below).
APPLICATION_ID = 0x6B687475
# Tables every khtui database has had since schema 1.
KHTUI_TABLES = frozenset(
    {
        "meta", "retailers", "retailer_changes", "brands", "order_lines", "monthly_sales",
        "monthly_brand_sales", "visit_plans", "visits", "captures", "price_observations",
        "complaints", "weekly_reports",
    }
)  # fmt: skip


class StoreProblem(StoreError):
    """A store problem the user can act on, as a message key (the whole catalogue key) and its
    parameters; the CLI and the app say it in the UI language."""

    def __init__(self, key: str, /, **params: Any):
        self.key = key
        self.params = params
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        super().__init__(f"{key} ({detail})" if detail else key)


def where_equal(filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """The ``column = ?`` clauses and their parameters of the filters given (None: no filter),
    for ``" AND ".join(clauses)``."""
    given = {column: value for column, value in filters.items() if value is not None}
    return [f"{column} = ?" for column in given], list(given.values())


def placeholders(values: Sized) -> str:
    """The ``?,?,…`` of ``values`` (for ``IN (…)``)."""
    return ",".join("?" * len(values))


class Beside:
    """Reads done beside the caller (the parts of a report's figures, the brand figures' lines):
    each call starts ``work(*args)`` on a thread of its own, with its own connection, and returns
    the function that waits for its result (or raises its error). Meant for reads whose time
    is mostly SQLite's own (aggregates, a filtered scan with few rows back: the thread holds
    Python's lock only to start them and to take their rows). Inside a transaction the work is
    done here and now: another connection would not see this one's uncommitted rows.

    As a context, it ends only once every part started in it has ended, whatever happened: a
    part that failed (or the caller's own error) leaves none still reading when the caller
    goes on, or closes the store and its connections; a part's error is raised where its
    result is taken, not on leaving."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.waits: list[Callable[[], Any]] = []

    def __call__(self, work: Callable[..., T], *args: Any) -> Callable[[], T]:
        if self.conn.in_transaction:
            here = work(*args)
            return lambda: here
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khtui-beside")
        future = pool.submit(work, *args)
        pool.shutdown(wait=False)  # its thread ends with the work
        self.waits.append(future.result)
        return future.result

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc: object) -> None:
        from contextlib import suppress

        for wait in self.waits:
            with suppress(Exception):  # raised where the result is taken, not here
                wait()


def from_row(cls: type[T], row: sqlite3.Row | Mapping[str, Any], **given: Any) -> T:
    """The dataclass ``cls`` from a row: each field the row's column of the same name, except
    the ones ``given`` (renamed or converted values); a field the row lacks keeps its default."""
    columns = set(row.keys())
    taken = {
        f.name: row[f.name]
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in columns and f.name not in given
    }
    return cls(**taken, **given)


def read_only_uri(path: str | os.PathLike) -> str:
    """A ``file:`` URI opening ``path`` read-only (quoted: any character may be in a path)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def has_live_wal(path: str | os.PathLike) -> bool:
    """Whether committed pages of ``path`` may still be in its write-ahead log."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def reading_uri(path: str | os.PathLike) -> str:
    """A read-only ``file:`` URI that leaves no trace: with no live write-ahead log the file
    alone is the database and is read as immutable (SQLite makes no -wal/-shm beside it, and
    a folder that cannot be written is no obstacle); with one, SQLite reads it too."""
    return read_only_uri(path) + ("" if has_live_wal(path) else "&immutable=1")


def folder_writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder`` (tried, not guessed from the mode bits)."""
    probe = folder / f".khtui-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return False
    os.close(fd)
    probe.unlink(missing_ok=True)
    return True


def database_kind(path: str | os.PathLike) -> tuple[str, dict[str, Any]]:
    """What the existing file at ``path`` is, read without changing a byte of it:
    ``("khtui", {"version": n})``, ``("newer", …)`` (a khtui database of a later schema), or one
    that is not khtui's: ``("folder", …)``, ``("empty", …)`` (0 bytes), ``("not_sqlite", …)``, ``("blank_sqlite",
    …)`` (SQLite without tables), ``("foreign", {"tables": …})``. A damaged or unreadable file
    raises the SQLite error (:func:`khtui.data.faults.fault_of` says which)."""
    path = Path(path)
    if path.is_dir():
        return "folder", {}
    size = path.stat().st_size
    # committed pages may still be in the write-ahead log of a program that ended without
    # checkpointing: then the file may even be empty and still hold a database
    if size == 0 and not has_live_wal(path):
        return "empty", {}
    # Read through SQLite only: closing any other handle on the file would drop the POSIX
    # locks this process's open connections hold on it.
    conn = sqlite3.connect(reading_uri(path), uri=True, isolation_level=None)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = sorted(
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        )
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname == "SQLITE_NOTADB":
            return "not_sqlite", {"size": size}
        raise
    finally:
        conn.close()
    ours = app_id == APPLICATION_ID or (
        app_id == 0 and version >= 1 and set(tables) >= KHTUI_TABLES
    )
    if ours and version > SCHEMA_VERSION:
        return "newer", {"version": version}
    if ours and version >= 1:
        return "khtui", {"version": version}
    if not tables and version == 0 and app_id == 0:
        return "blank_sqlite", {}
    return "foreign", {"tables": tables}


def refuse_unless_khtui(path: str | os.PathLike) -> int:
    """The schema version of the khtui database at ``path``; any other file raises
    :class:`StoreProblem` saying what it is (the file is not touched)."""
    kind, info = database_kind(path)
    if kind == "khtui":
        return info["version"]
    if kind == "newer":
        raise StoreProblem(
            "store.err.newer", path=str(path), found=info["version"], known=SCHEMA_VERSION
        )
    if kind == "foreign":
        shown = ", ".join(info["tables"][:5]) + (" …" if len(info["tables"]) > 5 else "")
        raise StoreProblem("store.err.foreign", path=str(path), tables=shown)
    raise StoreProblem(f"store.err.{kind}", path=str(path), **info)


def _configure_new(conn: sqlite3.Connection) -> None:
    """A new database's settings (before its first table: page size applies only then)."""
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def create_database(path: str | os.PathLike) -> bool:
    """Make a new, empty khtui database (current schema, mode 0600) at ``path``, which must
    not exist. It is built beside ``path`` under a temporary name and put in place whole, so
    no half-made or empty file is ever left at ``path``. False when another process made one
    there meanwhile (that file is then opened like any existing one)."""
    path = Path(path)
    ensure_parent(path)
    tmp = temp_beside(path, ".new")
    try:
        create_private(tmp)
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            _configure_new(conn)
            migrate(conn)
        finally:
            conn.close()
        try:
            place_new(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        remove_quietly(sqlite_files(tmp))


def migrate(
    conn: sqlite3.Connection,
    target: int | None = None,
    on_upgrade: Callable[[int, int], None] | None = None,
) -> int:
    """Run the numbered migrations from the database's ``user_version`` up to ``target``, each
    in one transaction (a failing one is rolled back whole and raises; the versions before it
    stay). ``on_upgrade(from, to)`` is told first when an existing database is upgraded (some
    migrations copy a table: minutes on a city's data)."""
    target = SCHEMA_VERSION if target is None else target
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StoreProblem("store.err.newer", path="", found=current, known=SCHEMA_VERSION)
    if on_upgrade is not None and 0 < current < target:
        on_upgrade(current, target)
    if current >= target:
        return target
    # SQLite's procedure for changing a table's shape: foreign keys off while a migration
    # rebuilds a table (dropping the old one must not cascade into its children), back on after
    # (the pragma cannot change inside a transaction).
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(current + 1, target + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
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


@dataclass(eq=False)
class _Link:
    """One thread's connection to the database: its write-transaction depth (nested
    :meth:`StoreCore.write` blocks join the outer one) and its sqlite-utils wrapper."""

    conn: sqlite3.Connection
    thread: threading.Thread
    depth: int = 0
    db: sqlite_utils.Database | None = None


def _idle(link: _Link) -> bool:
    """Whether an ended thread's connection is as a new one would be (no transaction, no
    attached database), so that the next thread may take it over with its warm page cache
    and read schema instead of opening one."""
    try:
        if link.depth or link.conn.in_transaction:
            return False
        names = {row[1] for row in link.conn.execute("PRAGMA database_list")}
    except sqlite3.Error:
        return False
    return names <= {"main", "temp"}


class StoreBase(Protocol):
    """What the operation mixins need from the store's core (:class:`StoreCore`): this
    thread's connection, reads, the write transaction, the rules, the clock and the metadata.
    Each mixin subclasses it (or the mixins whose operations it uses), so a type checker sees
    every ``self.…`` a mixin relies on."""

    path: Path
    rules: Rules
    user: str

    @property
    def conn(self) -> sqlite3.Connection: ...
    @property
    def db(self) -> sqlite_utils.Database: ...
    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def attached(self, path: str | os.PathLike, name: str) -> AbstractContextManager[None]: ...
    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]: ...
    def tuples(self, sql: str, params: Any = ()) -> sqlite3.Cursor: ...
    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None: ...
    def scalar(self, sql: str, params: Any = ()) -> Any: ...
    def column(self, sql: str, params: Any = ()) -> list[Any]: ...
    def rows_by(self, key: str, sql: str, params: Any = ()) -> dict[Any, sqlite3.Row]: ...
    def meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, key: str, value: str | None) -> None: ...
    @property
    def am_id(self) -> str: ...
    def now(self) -> dt.datetime: ...
    def now_text(self) -> str: ...
    def today(self) -> dt.date: ...
    @property
    def work_calendar(self) -> WorkCalendar: ...


class StoreCore(StoreBase):
    """Connections, transactions, metadata and clock. Mixins add the named operations.

    Each thread has its own connection (:attr:`conn`): the thread that opens the store uses the
    one opened here, a worker thread gets one on its first read or write: the connection of a
    thread that has ended when one left idle (its page cache and schema already read; the app
    runs each keystroke's lookup and each screen's load on a new thread), else a new one. A
    connection is only ever used by one living thread; they are all closed with the store
    (those of other threads that ended before, when the next thread connects). Readers never
    wait for a writer (WAL); two writers wait for each other in ``BEGIN IMMEDIATE`` up to the
    busy timeout."""

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
        self._rules = rules  # None: the packaged rules, read when first needed (see rules)
        self.clock = clock or _clock.now
        self._links: dict[int, _Link] = {}
        self._links_lock = threading.Lock()
        self._closed = False
        self._watch: sqlite3.Connection | None = None  # see data_version
        if not self.path.exists():
            if not create:
                raise StoreProblem("error.no_db", path=str(self.path))
            create_database(self.path)
        # Anything but a khtui database of this or an earlier schema is refused here, before
        # a byte of it changes (no WAL switch, no user_version, no tables).
        version = refuse_unless_khtui(self.path)
        conn = self._connect()
        try:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                # a read-only file still opens to be read; its writes say why they fail
                if exc.sqlite_errorname != "SQLITE_READONLY":
                    raise
            me = threading.current_thread()
            self._links[threading.get_ident()] = _Link(conn, me)
            if version < SCHEMA_VERSION:
                self._upgrade(version, on_upgrade)
        except BaseException:
            conn.close()
            raise
        self.user = user or self.meta("am_name") or os.environ.get("USER") or "am"

    @property
    def rules(self) -> Rules:
        """The rules the store works by; without ones of its own, the packaged rules, read
        when first needed (checked by the tests, so they cannot fail to load; the first screen
        is drawn without them)."""
        if self._rules is None:
            from khtui.rules import default_rules

            self._rules = default_rules()
        return self._rules

    @rules.setter
    def rules(self, rules: Rules) -> None:
        self._rules = rules

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() may close a worker's connection from
        # the thread that closes the store; no other thread ever uses it
        conn = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _link(self) -> _Link:
        """This thread's connection, opened on the thread's first use."""
        link = self._links.get(threading.get_ident())
        me = threading.current_thread()
        if link is not None and link.thread is me:
            return link
        with self._links_lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            reused = None
            for key, old in list(self._links.items()):  # threads that have ended
                if old.thread.is_alive():
                    continue
                del self._links[key]
                if reused is None and _idle(old):
                    reused = old
                else:
                    old.conn.close()
            link = (
                _Link(reused.conn, me, db=reused.db)
                if reused is not None
                else _Link(self._connect(), me)
            )
            self._links[threading.get_ident()] = link
        return link

    def _upgrade(self, version: int, on_upgrade: Callable[[int, int], None] | None) -> None:
        """Migrate to the current schema. Each step is one transaction: a failure leaves the
        database at the last version that completed, and says so."""
        from khtui.data.faults import fault_of

        try:
            migrate(self.conn, on_upgrade=on_upgrade)
        except sqlite3.Error as exc:
            if fault_of(exc, self.path) is not None:
                raise  # locked, read-only, disk full, damaged: said as such
            now = self.conn.execute("PRAGMA user_version").fetchone()[0]
            raise StoreProblem(
                "store.err.upgrade_failed",
                path=str(self.path),
                version=now,
                target=SCHEMA_VERSION,
                detail=str(exc),
            ) from exc

    # -- connection --------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; :meth:`write` for a transaction)."""
        return self._link().conn

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection wrapped by sqlite-utils (imported on first use)."""
        link = self._link()
        if link.db is None:
            import sqlite_utils

            link.db = sqlite_utils.Database(link.conn)
        return link.db

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used after."""
        with self._links_lock:
            self._closed = True
            links, self._links = list(self._links.values()), {}
            watch, self._watch = self._watch, None
        for link in links:
            link.conn.close()
        if watch is not None:
            watch.close()

    def data_version(self) -> int:
        """A number that moves whenever something is committed to the database, by any of this
        program's threads or by another program: the same number twice, nothing was written in
        between. (SQLite's ``PRAGMA data_version``, which sees the commits of every connection
        but the one asking, on a connection of its own that never writes.)"""
        with self._links_lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            if self._watch is None:
                # check_same_thread=False: asked from any thread, one at a time (the lock)
                self._watch = sqlite3.connect(
                    str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
                )
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def in_write(self) -> bool:
        """Whether this thread is inside a :meth:`write` block (a nested one joins it)."""
        return self._link().depth > 0

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``) on this thread's connection; a nested
        call joins the outer one (it commits or rolls back with it)."""
        link = self._link()
        conn = link.conn
        if link.depth:
            link.depth += 1
            try:
                yield conn
            finally:
                link.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        link.depth = 1
        try:
            yield conn
        except BaseException:
            link.depth = 0
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        link.depth = 0
        conn.execute("COMMIT")

    @contextmanager
    def attached(self, path: str | os.PathLike, name: str) -> Iterator[None]:
        """Another database file on this thread's connection as schema ``name`` for the block
        (e.g. an import's stage, copied by a :meth:`write` inside the block); detached after."""
        if not name.isidentifier():
            raise ValueError(f"not a schema name: {name!r}")
        conn = self.conn
        conn.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
        try:
            yield
        finally:
            conn.execute(f"DETACH DATABASE {name}")

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def tuples(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """The rows of ``sql`` as plain tuples, for reads of many rows (a sqlite3.Row per row
        costs more than the row)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, params)

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def column(self, sql: str, params: Any = ()) -> list[Any]:
        """The first column of every row."""
        return [r[0] for r in self.conn.execute(sql, params)]

    def rows_by(self, key: str, sql: str, params: Any = ()) -> dict[Any, sqlite3.Row]:
        """The rows by their column ``key`` (a later row of the same key wins)."""
        return {r[key]: r for r in self.query(sql, params)}

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

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        """The working days under the store's rules (made once per store)."""
        from khtui.domain.calendar import WorkCalendar

        return WorkCalendar(self.rules)
