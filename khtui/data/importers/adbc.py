"""The writer process's connection: ADBC's SQLite driver (Arrow bulk ingest), else sqlite3.

ADBC bundles its own SQLite library. Two SQLite libraries must never open the same database
file in one process (POSIX locks are per process: one library's close drops the other's), so
this module is only used in the import's writer process (:mod:`khtui.data.importers.orders`).
"""

from __future__ import annotations

import sqlite3

# The child's SQLite page cache in KiB (also the most its sorter holds in memory).
CACHE_KIB = 32768


class AdbcConnection:
    """The few DB-API calls the writer makes (cursor, execute, fetchall, adbc_ingest), on
    ADBC's low-level API: its DB-API module imports pyarrow.dataset and with it pandas, half
    a second of the child's start."""

    def __init__(self, path: str):
        import adbc_driver_manager as am
        import adbc_driver_sqlite

        self._am = am
        self._db = adbc_driver_sqlite.connect(path)
        self._conn = am.AdbcConnection(self._db)  # autocommit: the writer says BEGIN itself
        self._rows: list[tuple] = []

    def cursor(self) -> AdbcConnection:
        return self

    def execute(self, sql: str, params: tuple = ()) -> None:
        import pyarrow as pa

        stmt = self._am.AdbcStatement(self._conn)
        try:
            stmt.set_sql_query(sql)
            if params:
                stmt.bind(pa.record_batch([pa.array([p]) for p in params], names=[f"p{i}" for i in range(len(params))]))  # fmt: skip
            stream, _ = stmt.execute_query()
            table = pa.RecordBatchReader._import_from_c(stream.address).read_all()
        finally:
            stmt.close()
        self._rows = list(zip(*(c.to_pylist() for c in table.columns), strict=True))

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def adbc_ingest(self, name: str, table, mode: str = "append", temporary: bool = False):
        am = self._am
        assert mode == "append"
        stmt = am.AdbcStatement(self._conn)
        try:
            options = {
                am.INGEST_OPTION_TARGET_TABLE: name,
                am.INGEST_OPTION_MODE: am.INGEST_OPTION_MODE_APPEND,
            }
            if temporary:
                options[am.StatementOptions.INGEST_TEMPORARY.value] = "true"
            stmt.set_options(**options)
            stmt.bind_stream(table)
            stmt.execute_update()
        finally:
            stmt.close()

    def close(self) -> None:
        self._conn.close()
        self._db.close()


def connect(path: str):
    """The child process's connection: ADBC (Arrow bulk ingest), else sqlite3."""
    try:
        conn = AdbcConnection(path)
    except ImportError:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        for pragma in ("busy_timeout = 10000", f"cache_size = -{CACHE_KIB}", "temp_store = FILE"):  # fmt: skip
            conn.execute(f"PRAGMA {pragma}")
        return conn
    cur = conn.cursor()
    # A bounded page cache (it also bounds SQLite's sorter) and temporary tables in a file:
    # the child's memory does not grow with the file. synchronous stays NORMAL: in WAL mode a
    # crash or a power cut cannot corrupt the database, and a rolled-back import leaves it
    # as it was.
    for pragma in (
        "busy_timeout = 10000",
        f"cache_size = -{CACHE_KIB}",
        "temp_store = FILE",
        "synchronous = NORMAL",
    ):
        cur.execute(f"PRAGMA {pragma}")
        cur.fetchall()
    return conn
