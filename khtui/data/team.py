"""The team database (团队库): the AMs' own databases merged for the market manager.

A team database is a khtui database like any other (same schema, so every command and screen
works on it) plus provenance: ``team_sources`` lists every merged file, ``team_ams`` the AMs
(id, code, name) and ``team_books`` which retailers each AM's latest file holds; every record an
AM creates keeps its ``am_id`` and gets ``source_id``, the merge it came from. It is recognised
by that provenance (:func:`is_team_database`).

:func:`merge_into` merges files in SQL (``ATTACH`` + ``INSERT … SELECT … ON CONFLICT``), one
transaction per file, so it scales with SQLite rather than with Python. The rules:

- *Refused, untouched*: a file that is not a khtui database, one written by a newer khtui, a
  team database, two copies of one AM's database in one command, and an older copy of an AM's
  database than the one already merged. An older khtui's file is upgraded in a temporary copy.
- *The AM's records* (plans, visits, captures, price observations, complaints, weekly reports,
  retailer changes, received reviews) are the AM's: a new id is added, a record that changed
  since is updated (a complaint closed, a report's next version), one the AM deleted (a visit
  taken off a redrafted plan, a discarded draft capture) leaves the team database too.
- *Retailer master data*: the newest copy wins (the one written last, by an import or an edit,
  ``updated_at``); for every field where the two copies differ the other value is kept in the
  change history (``retailer_changes``, source ``merge``).
- *Books*: a retailer is on the books of every AM whose latest file holds it; it counts for the
  AM whose copy is newest. A retailer on two AMs' books is reported; a retailer moved to another
  AM (routes redrawn) keeps its history, which stays under the AM who made it.
- *Order lines* are the company's data: one copy per (date, retailer, brand), the file merged
  last wins. A retailer's month that only one file has supplied takes that file's monthly
  aggregates; a month that several files supply is summed again from the merged lines.
- *Brands*: the file merged last wins. The lookup index (local integers) is rebuilt, not merged.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khtui.data.base import migrate
from khtui.data.manager import is_team_database
from khtui.data.retailers import DERIVED_COLUMNS
from khtui.data.sales import sum_months
from khtui.data.schema import SCHEMA_VERSION
from khtui.domain.messages import Message
from khtui.domain.problems import KeyedError

SQLITE_HEADER = b"SQLite format 3\x00"
# The tables every khtui database has had since its first schema.
KHTUI_TABLES = frozenset({"meta", "retailers", "visits", "captures", "order_lines"})
# The AM's records, in the order their references need (a visit's plan first, …).
AM_TABLES = (
    "visit_plans",
    "visits",
    "captures",
    "price_observations",
    "complaints",
    "weekly_reports",
    "monthly_reports",
    "retailer_changes",
    "visit_actions",
    "plan_changes",
    "forecast_runs",
    "reviews",
)
# Records an AM may delete (redrafting a plan, discarding a draft capture): children first.
MIRRORED = ("price_observations", "captures", "visits")
# Columns of a retailer that are not master data (derived, stamps, provenance).
NOT_MASTER = frozenset({"code", "created_at", "updated_at", "source_id", *DERIVED_COLUMNS})
SEARCH_STALE = "search_index_stale"  # the lookup index's mark (data/search.py)


class MergeRefused(KeyedError):
    """A file the merge will not take; ``key`` names the message (i18n ``team.refuse.*``)."""


@dataclass(frozen=True)
class SourceInfo:
    """What a file to merge is, read without changing it."""

    path: Path
    schema_version: int
    am_id: str
    am_code: str | None
    am_name: str | None
    last_write: str | None  # the newest stamp of any record in it


@dataclass
class MergeResult:
    """What merging one file did."""

    path: Path
    am_id: str
    am_code: str | None
    am_name: str | None
    source_id: int
    upgraded_from: int | None = None
    # table -> {"added": n, "updated": n, "removed": n}
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    retailers_added: int = 0
    retailers_updated: int = 0
    retailer_conflicts: int = 0  # retailers whose copies differed (history kept)
    order_lines_written: int = 0
    months_summed_again: int = 0
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # code, from, to am_id


@dataclass(frozen=True)
class SharedRetailer:
    """A retailer on more than one AM's books; it counts for ``owner`` (the newest copy)."""

    code: str
    name: str | None
    am_ids: tuple[str, ...]
    owner: str


# -- recognising files -------------------------------------------------------------------------
def _uri(path: Path, *, writable: bool = False) -> str:
    uri = path.resolve().as_uri()
    if writable:
        return uri
    # immutable: nothing is created beside the file (no -shm, no -wal); a file with a
    # write-ahead log beside it is read with the log, read-only
    wal = Path(f"{path}-wal")
    return f"{uri}?mode=ro" if wal.exists() and wal.stat().st_size else f"{uri}?immutable=1"


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(_uri(path), uri=True, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def inspect_source(path: str | os.PathLike) -> SourceInfo:
    """Check that ``path`` is an AM's khtui database this khtui can merge, whole and
    undamaged, without changing it; raise :class:`MergeRefused` saying why not."""
    path = Path(path)
    if not path.is_file():
        raise MergeRefused("missing", path=str(path))
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise MergeRefused("not_khtui", path=str(path))
    try:
        with _read_only(path) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if version < 1 or not tables >= KHTUI_TABLES:
                raise MergeRefused("not_khtui", path=str(path))
            if version > SCHEMA_VERSION:
                raise MergeRefused("newer", path=str(path), version=version, known=SCHEMA_VERSION)
            if "team_sources" in tables and is_team_database(conn):
                raise MergeRefused("is_team", path=str(path))
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if not meta.get("am_id"):
                raise MergeRefused("no_am", path=str(path))
            last_write = _last_write(conn, tables)
            # every page read once: damage found now refuses the file before anything is
            # merged, and is not met half way through, where it would read as the team's
            if conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise MergeRefused("damaged", path=str(path))
    except sqlite3.DatabaseError as exc:
        raise MergeRefused("unreadable", path=str(path), error=str(exc)) from None
    return SourceInfo(
        path=path,
        schema_version=version,
        am_id=meta["am_id"],
        am_code=meta.get("am_code") or None,
        am_name=meta.get("am_name") or None,
        last_write=last_write,
    )


def _last_write(conn: sqlite3.Connection, tables: set[str]) -> str | None:
    stamps = {
        "retailers": "updated_at",
        "visits": "updated_at",
        "captures": "updated_at",
        "complaints": "updated_at",
        "weekly_reports": "updated_at",
        "retailer_changes": "changed_at",
        "visit_plans": "coalesce(approved_at, submitted_at, created_at)",
        "reviews": "received_at",
    }
    parts = [
        f"SELECT max({col}) AS x FROM {table}" for table, col in stamps.items() if table in tables
    ]
    return conn.execute(f"SELECT max(x) FROM ({' UNION ALL '.join(parts)})").fetchone()[0]


# -- merging -----------------------------------------------------------------------------------
def _columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _differs(a: str, b: str, cols: Sequence[str]) -> str:
    return f"({', '.join(f'{a}.{c}' for c in cols)}) IS NOT ({', '.join(f'{b}.{c}' for c in cols)})"


def _upsert(conn, table: str, key: str, cols: Sequence[str], extra: dict[str, Any]) -> int:
    """Copy ``src.table`` into ``main.table``: new keys added, rows that differ updated.
    ``extra`` columns get fixed values (bound by name). Returns the rows written."""
    all_cols = [*cols, *extra]
    sel = ", ".join([*cols, *(f":{k}" for k in extra)])
    compared = [c for c in cols if c != key]
    sets = ", ".join(f"{c} = excluded.{c}" for c in [*compared, *extra])
    cur = conn.execute(
        f"INSERT INTO main.{table} ({', '.join(all_cols)}) SELECT {sel} FROM src.{table} "
        f"WHERE true ON CONFLICT ({key}) DO UPDATE SET {sets} "
        f"WHERE {_differs(table, 'excluded', compared)}",
        extra,
    )
    return cur.rowcount


def _count_new(conn, table: str, key: str) -> int:
    return conn.execute(
        f"SELECT count(*) FROM src.{table} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM main.{table} t WHERE t.{key} = s.{key})"
    ).fetchone()[0]


class _Merge:
    """One file merged into the team database on ``conn`` (attached as ``src``)."""

    def __init__(self, conn: sqlite3.Connection, info: SourceInfo, now: str):
        self.conn = conn
        self.info = info
        self.now = now

    def run(self, path_shown: Path, upgraded_from: int | None) -> MergeResult:
        c, info = self.conn, self.info
        sid = c.execute(
            "INSERT INTO team_sources (am_id, am_code, am_name, path, schema_version, "
            "last_write, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                info.am_id,
                info.am_code,
                info.am_name,
                str(path_shown),
                upgraded_from or info.schema_version,
                info.last_write,
                self.now,
            ),
        ).lastrowid
        assert sid is not None
        self.res = MergeResult(
            path=path_shown,
            am_id=info.am_id,
            am_code=info.am_code,
            am_name=info.am_name,
            source_id=sid,
            upgraded_from=upgraded_from,
        )
        self._brands()
        self._retailers(sid)
        self._books()
        self._order_lines()
        for table in AM_TABLES:
            self._records(table, sid)
        self._forecasts()
        for table in MIRRORED:
            removed = c.execute(
                f"DELETE FROM main.{table} WHERE am_id = ? AND id NOT IN "
                f"(SELECT id FROM src.{table})",
                (info.am_id,),
            ).rowcount
            self.res.records[table]["removed"] = removed
        c.execute(
            "INSERT INTO team_ams (am_id, code, name, last_source_id, last_write, merged_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (am_id) DO UPDATE SET code = excluded.code, "
            "name = excluded.name, last_source_id = excluded.last_source_id, "
            "last_write = excluded.last_write, merged_at = excluded.merged_at",
            (info.am_id, info.am_code, info.am_name, sid, info.last_write, self.now),
        )
        if self.res.retailers_added or self.res.retailers_updated:
            # the lookup index (local integers) is rebuilt from the merged retailers
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?, '1') "
                "ON CONFLICT (key) DO UPDATE SET value = '1'",
                (SEARCH_STALE,),
            )
        c.execute(
            "UPDATE team_sources SET counts = ? WHERE id = ?",
            (json.dumps(self.counts(), ensure_ascii=False), sid),
        )
        return self.res

    def counts(self) -> dict[str, Any]:
        r = self.res
        return {
            "retailers": {
                "added": r.retailers_added,
                "updated": r.retailers_updated,
                "conflicts": r.retailer_conflicts,
            },
            "order_lines": r.order_lines_written,
            **r.records,
        }

    # -- company data ---------------------------------------------------------------------
    def _brands(self) -> None:
        _upsert(self.conn, "brands", "brand_code", _columns(self.conn, "brands"), {})

    def _retailers(self, sid: int) -> None:
        c = self.conn
        cols = [x for x in _columns(c, "retailers") if x != "source_id"]
        master = [x for x in cols if x not in NOT_MASTER]
        c.execute("DROP TABLE IF EXISTS temp._rconf")
        c.execute("CREATE TEMP TABLE _rconf (code TEXT PRIMARY KEY, src_wins INTEGER NOT NULL)")
        c.execute(
            "INSERT INTO temp._rconf SELECT s.code, s.updated_at > t.updated_at "
            "FROM src.retailers s JOIN main.retailers t ON t.code = s.code "
            f"WHERE {_differs('s', 't', master)}"
        )
        self.res.retailer_conflicts = c.execute("SELECT count(*) FROM temp._rconf").fetchone()[0]
        if self.res.retailer_conflicts:
            # the value that loses stays in the history: old = loser, new = winner
            for f in master:
                c.execute(
                    "INSERT INTO main.retailer_changes (id, am_id, retailer_code, field, old, new, "
                    "changed_at, changed_by, source, source_id) "
                    "SELECT lower(hex(randomblob(16))), :am, k.code, :field, "
                    f"CAST(CASE WHEN k.src_wins THEN t.{f} ELSE s.{f} END AS TEXT), "
                    f"CAST(CASE WHEN k.src_wins THEN s.{f} ELSE t.{f} END AS TEXT), :now, "
                    "CASE WHEN k.src_wins THEN :name ELSE coalesce(o.am_name, '') END, 'merge', :sid "
                    "FROM temp._rconf k JOIN src.retailers s ON s.code = k.code "
                    "JOIN main.retailers t ON t.code = k.code "
                    "LEFT JOIN main.team_sources o ON o.id = t.source_id "
                    f"WHERE s.{f} IS NOT t.{f}",
                    {
                        "am": self.info.am_id,
                        "field": f,
                        "now": self.now,
                        "name": self.info.am_name or self.info.am_code or "",
                        "sid": sid,
                    },
                )
        added = _count_new(c, "retailers", "code")
        sets = ", ".join(f"{x} = excluded.{x}" for x in cols if x != "code")
        written = c.execute(
            f"INSERT INTO main.retailers ({', '.join(cols)}, source_id) "
            f"SELECT {', '.join(cols)}, :sid FROM src.retailers WHERE true "
            f"ON CONFLICT (code) DO UPDATE SET {sets}, source_id = excluded.source_id "
            f"WHERE excluded.updated_at > retailers.updated_at",
            {"sid": sid},
        ).rowcount
        self.res.retailers_added = added
        self.res.retailers_updated = written - added
        c.execute("DROP TABLE temp._rconf")
        # the rules the retailers' stored whys were derived under (they name them by digest)
        c.execute(
            "INSERT OR IGNORE INTO main.derive_rules SELECT digest, rules FROM src.derive_rules"
        )

    def _books(self) -> None:
        """This AM's books become the retailers its file holds; retailers whose owner (the
        AM with the newest copy) changes are reported as moved."""
        c, am = self.conn, self.info.am_id
        owners = (
            "SELECT retailer_code, am_id FROM (SELECT retailer_code, am_id, row_number() OVER "
            "(PARTITION BY retailer_code ORDER BY updated_at DESC, am_id) AS rn "
            "FROM main.team_books WHERE retailer_code IN (SELECT code FROM temp._touched_codes)) "
            "WHERE rn = 1"
        )
        c.execute("DROP TABLE IF EXISTS temp._touched_codes")
        c.execute("CREATE TEMP TABLE _touched_codes (code TEXT PRIMARY KEY)")
        c.execute(
            "INSERT OR IGNORE INTO temp._touched_codes SELECT code FROM src.retailers "
            "UNION SELECT retailer_code FROM main.team_books WHERE am_id = ?",
            (am,),
        )
        before = dict(c.execute(owners).fetchall())
        c.execute("DELETE FROM main.team_books WHERE am_id = ?", (am,))
        c.execute(
            "INSERT INTO main.team_books (retailer_code, am_id, updated_at) "
            "SELECT code, ?, updated_at FROM src.retailers",
            (am,),
        )
        after = dict(c.execute(owners).fetchall())
        self.res.moved = sorted(
            (code, old, after[code])
            for code, old in before.items()
            if code in after and after[code] != old
        )
        c.execute("DROP TABLE temp._touched_codes")

    def _order_lines(self) -> None:
        c = self.conn
        cols = [x for x in _columns(c, "order_lines")]
        values = [x for x in cols if x not in ("order_date", "retailer_code", "brand_code")]
        # (retailer, month) the team already has lines for: summed again where this file adds
        # or changes a line; every other month of the file is copied with its aggregates
        c.execute("DROP TABLE IF EXISTS temp._known")
        c.execute("DROP TABLE IF EXISTS temp._dirty")
        c.execute(
            "CREATE TEMP TABLE _known (retailer_code TEXT, month TEXT, "
            "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID"
        )
        c.execute(
            "CREATE TEMP TABLE _dirty (retailer_code TEXT, month TEXT, "
            "PRIMARY KEY (month, retailer_code)) WITHOUT ROWID"
        )
        c.execute(
            "INSERT INTO temp._known SELECT s.retailer_code, s.month FROM src.monthly_sales s "
            "JOIN main.monthly_sales t ON t.retailer_code = s.retailer_code AND t.month = s.month"
        )
        known = c.execute("SELECT EXISTS (SELECT 1 FROM temp._known)").fetchone()[0]
        if known:
            c.execute(
                "INSERT OR IGNORE INTO temp._dirty SELECT s.retailer_code, substr(s.order_date, 1, 7) "
                "FROM src.order_lines s JOIN temp._known k ON k.retailer_code = s.retailer_code "
                "AND k.month = substr(s.order_date, 1, 7) "
                "LEFT JOIN main.order_lines t ON t.order_date = s.order_date "
                "AND t.retailer_code = s.retailer_code AND t.brand_code = s.brand_code "
                f"WHERE t.order_date IS NULL OR {_differs('t', 's', values)}"
            )
        sets = ", ".join(f"{x} = excluded.{x}" for x in values)
        self.res.order_lines_written = c.execute(
            f"INSERT INTO main.order_lines ({', '.join(cols)}) SELECT {', '.join(cols)} "
            "FROM src.order_lines WHERE true "
            f"ON CONFLICT (order_date, retailer_code, brand_code) DO UPDATE SET {sets} "
            f"WHERE {_differs('order_lines', 'excluded', values)}"
        ).rowcount
        new_keys = (
            "NOT EXISTS (SELECT 1 FROM temp._known k WHERE k.retailer_code = s.retailer_code "
            "AND k.month = s.month)"
        )
        for table in ("monthly_sales", "monthly_brand_sales"):
            agg = _columns(c, table)
            c.execute(
                f"INSERT INTO main.{table} ({', '.join(agg)}) "
                f"SELECT {', '.join('s.' + x for x in agg)} FROM src.{table} s WHERE {new_keys}"
            )
        months = [r[0] for r in c.execute("SELECT DISTINCT month FROM temp._dirty ORDER BY 1")]
        if months:
            for table in ("monthly_sales", "monthly_brand_sales"):
                c.execute(
                    f"DELETE FROM main.{table} WHERE (retailer_code, month) IN "
                    "(SELECT retailer_code, month FROM temp._dirty)"
                )
            sum_months(
                c.execute,
                months,
                "retailer_code IN (SELECT retailer_code FROM temp._dirty WHERE month = ?)",
                lambda month: (month,),
            )
        self.res.months_summed_again = c.execute("SELECT count(*) FROM temp._dirty").fetchone()[0]
        c.execute("DROP TABLE temp._known")
        c.execute("DROP TABLE temp._dirty")

    # -- the AM's records -------------------------------------------------------------------
    def _forecasts(self) -> None:
        """The figures of the AM's forecast runs (children of ``forecast_runs``; a run is
        never changed once made, so a run already here is skipped)."""
        cols = ", ".join(_columns(self.conn, "forecasts"))
        self.conn.execute(
            f"INSERT INTO main.forecasts ({cols}) SELECT {cols} FROM src.forecasts "
            "WHERE true ON CONFLICT DO NOTHING"
        )

    def _records(self, table: str, sid: int) -> None:
        c = self.conn
        cols = [x for x in _columns(c, table) if x != "source_id"]
        if table == "reviews":
            # the team's own decisions: only the AM's receipt comes back
            written = c.execute(
                "INSERT INTO main.reviews (id, am_id, subject, subject_id, subject_stamp, "
                "decision, comment, decided_at, decided_by, received_at, source_id) SELECT id, "
                "am_id, subject, subject_id, subject_stamp, decision, comment, decided_at, "
                "decided_by, received_at, :sid "
                "FROM src.reviews WHERE true ON CONFLICT (id) DO UPDATE SET "
                "received_at = excluded.received_at WHERE reviews.received_at IS NOT "
                "excluded.received_at",
                {"sid": sid},
            ).rowcount
            added = 0
        else:
            added = _count_new(c, table, "id")
            written = _upsert(c, table, "id", cols, {"source_id": sid})
        self.res.records[table] = {"added": added, "updated": written - added, "removed": 0}


def _team_indexes(conn: sqlite3.Connection) -> None:
    """Indexes a team database needs beyond the schema: the AM's rows of the tables whose
    deleted records are mirrored."""
    for table in MIRRORED:
        conn.execute(f"CREATE INDEX IF NOT EXISTS team_{table}_am ON {table} (am_id)")


def prepare_team(path: Path) -> None:
    """Create the team database at ``path`` or check that it is one (or still empty)."""
    from khtui.data.base import StoreCore, StoreError

    try:
        store = StoreCore(path, create=True)
    except StoreError as exc:
        # what the file is, said in the user's words where the store told it as a message
        key, params = getattr(exc, "key", None), getattr(exc, "params", None)
        said = (
            Message(key, params) if isinstance(key, str) and isinstance(params, dict) else str(exc)
        )
        raise MergeRefused("target_unusable", path=str(path), error=said) from None
    try:
        conn = store.conn
        if not is_team_database(conn):
            own = conn.execute(
                "SELECT (SELECT count(*) FROM retailers) + (SELECT count(*) FROM visits)"
            ).fetchone()[0]
            if own:
                raise MergeRefused("target_is_am", path=str(path))
        _team_indexes(conn)
    finally:
        store.close()


def merge_into(
    team: str | os.PathLike,
    sources: Sequence[str | os.PathLike],
    *,
    now: str,
    on_file: Callable[[Path], None] | None = None,
) -> list[MergeResult]:
    """Merge the AMs' databases ``sources`` into the team database ``team`` (created when
    missing). Every file is checked first: if one is refused (:class:`MergeRefused`), nothing
    is merged and no file is changed. Then one transaction per file."""
    team = Path(team)
    infos = [inspect_source(p) for p in sources]
    seen: dict[str, Path] = {}
    for info in infos:
        if info.path.resolve() == team.resolve():
            raise MergeRefused("into_itself", path=str(info.path))
        if info.am_id in seen:
            raise MergeRefused("same_am", path=str(info.path), other=str(seen[info.am_id]))
        seen[info.am_id] = info.path
    prepare_team(team)
    conn = sqlite3.connect(_uri(team, writable=True), uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        merged = dict(conn.execute("SELECT am_id, last_write FROM team_ams").fetchall())
        for info in infos:
            before = merged.get(info.am_id)
            if before and (info.last_write or "") < before:
                raise MergeRefused(
                    "older_copy", path=str(info.path), theirs=info.last_write or "-", ours=before
                )
        results = []
        for info in infos:
            if on_file is not None:
                on_file(info.path)
            results.append(_merge_one(conn, info, now))
        return results
    finally:
        conn.close()


def _merge_one(conn: sqlite3.Connection, info: SourceInfo, now: str) -> MergeResult:
    scratch = None
    attach, upgraded = _uri(info.path), None
    if info.schema_version < SCHEMA_VERSION:
        # an older khtui's file: upgraded in a copy, the file itself stays as it is
        scratch = tempfile.mkdtemp(prefix="khtui-merge-")
        copy = Path(scratch) / "upgraded.db"
        with _read_only(info.path) as src:
            dest = sqlite3.connect(copy, isolation_level=None)
            src.backup(dest)
            migrate(dest)
            dest.close()
        attach, upgraded = copy.as_uri(), info.schema_version
    try:
        conn.execute("ATTACH DATABASE ? AS src", (attach,))
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = _Merge(conn, info, now).run(info.path, upgraded)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE src")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


# -- what the merge reports afterwards ---------------------------------------------------------
def shared_retailers(conn: sqlite3.Connection) -> list[SharedRetailer]:
    """Retailers on more than one AM's books, each with the AM it counts for."""
    rows = conn.execute(
        "SELECT b.retailer_code, r.name, group_concat(b.am_id, ' '), "
        "(SELECT o.am_id FROM team_books o WHERE o.retailer_code = b.retailer_code "
        " ORDER BY o.updated_at DESC, o.am_id LIMIT 1) "
        "FROM team_books b LEFT JOIN retailers r ON r.code = b.retailer_code "
        "GROUP BY b.retailer_code HAVING count(*) > 1 ORDER BY b.retailer_code"
    ).fetchall()
    return [SharedRetailer(r[0], r[1], tuple(sorted(r[2].split())), r[3]) for r in rows]


def duplicate_codes(conn: sqlite3.Connection) -> list[str]:
    """AM codes that two databases (two AM ids) claim."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT code FROM team_ams WHERE code IS NOT NULL GROUP BY code HAVING count(*) > 1"
        )
    ]


__all__ = [
    "MergeRefused",
    "MergeResult",
    "SharedRetailer",
    "SourceInfo",
    "duplicate_codes",
    "inspect_source",
    "is_team_database",
    "merge_into",
    "shared_retailers",
]
