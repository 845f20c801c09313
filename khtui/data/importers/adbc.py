"""The writer thread's stage connection: ADBC's SQLite driver (Arrow bulk ingest).

Why a second SQLite driver: Python's ``sqlite3`` can only insert Arrow data row by row through
Python objects; ADBC binds Arrow columns straight into SQLite's C API. Measured on 1M order
lines (``bench/RESULTS.md``, this machine): pyarrow's CSV reader plus ADBC ingest of the
file took 2.6 s against 2.4 s for the sqlite3 command line's ``.import`` (~1.1x), while
``csv.reader`` plus ``executemany`` took 4.8 s (~2.0x) before any cleaning; in the import the
ingest of the lines takes ~1.1-1.7 s of CPU per million, outside the GIL. Large imports are
staged with it.

ADBC bundles its own SQLite library. Two SQLite libraries must never have the same database
file open at once in one process (POSIX locks are per process: one library's close drops the
other's), so this module is only used by the import's writer thread
(:mod:`khtui.data.importers.writer`), only on the import's private stage file, and closes it
before the merge attaches it; the database itself is written by Python's ``sqlite3``
(:mod:`khtui.data.importers.merge`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def _literal(value) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not a stage parameter: {value!r}")
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _with_literals(sql: str, params: tuple) -> str:
    """``sql`` with its ``?`` replaced by the parameters as SQL literals (text quoted). Binding
    them instead would turn Python values into Arrow arrays (through pandas' checks) for a
    handful of month names. The stage's own SQL
    has no ``?`` inside a string literal."""
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(params)} parameters for {len(parts) - 1} placeholders")
    out = [parts[0]]
    for value, part in zip(params, parts[1:], strict=True):
        out += [_literal(value), part]
    return "".join(out)


class AdbcStage:
    """A :class:`khtui.data.importers.stage.StageConnection` on ADBC's low-level API (its
    DB-API module imports pyarrow.dataset and with it pandas: half a second of start-up).
    Autocommit: each statement and each ingest is its own transaction."""

    def __init__(self, path: str | Path):
        import adbc_driver_manager as am
        import adbc_driver_sqlite

        self._am = am
        self._db = adbc_driver_sqlite.connect(str(path))
        self._conn = am.AdbcConnection(self._db)

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        import pyarrow as pa

        stmt = self._am.AdbcStatement(self._conn)
        try:
            stmt.set_sql_query(_with_literals(sql, params) if params else sql)
            stream, _ = stmt.execute_query()
            table = pa.RecordBatchReader._import_from_c(stream.address).read_all()
        finally:
            stmt.close()
        return list(zip(*(c.to_pylist() for c in table.columns), strict=True))

    def ingest(self, name: str, table) -> bool:
        """Append ``table`` to ``name`` in a transaction of its own. The transaction is this
        connection's, not the driver's: when SQLite has already rolled a failed ingest back
        itself (a full disk), the driver's own ROLLBACK fails and its error ("cannot rollback")
        would replace SQLite's; in a transaction begun here, SQLite's error is the one raised."""
        am = self._am
        self.execute("BEGIN")
        try:
            stmt = am.AdbcStatement(self._conn)
            try:
                stmt.set_options(
                    **{
                        am.INGEST_OPTION_TARGET_TABLE: name,
                        am.INGEST_OPTION_MODE: am.INGEST_OPTION_MODE_APPEND,
                    }
                )
                stmt.bind_stream(table)
                stmt.execute_update()
            finally:
                stmt.close()
        except am.Error as exc:
            self._rollback()
            # a repeated key: the whole ingest is undone
            if "UNIQUE constraint failed" in str(exc):
                return False
            raise
        except BaseException:
            self._rollback()
            raise
        self.execute("COMMIT")
        return True

    def _rollback(self) -> None:
        """Undo the open transaction; none is left when SQLite ended it itself."""
        with contextlib.suppress(self._am.Error):
            self.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()
        self._db.close()
