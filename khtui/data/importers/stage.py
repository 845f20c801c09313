"""The staged order lines of one import: a private SQLite file in the import's work folder.

An orders import writes nothing to the database until its last step. While the file streams,
the cleaned lines (Arrow tables sorted by the key) go into a *stage*, a small database of its
own with the tables of the real one, laid out alike (``order_lines`` keyed by date, retailer
and brand; ``monthly_sales``, ``monthly_brand_sales``), so that the merge into an empty
database is a copy of records: lines repeated in the file are found there (the first wins; a
later identical one is a duplicate, a different one a reject), and the file's monthly sums are
made there. The file's row numbers of the staged lines are kept beside them in an Arrow file,
read back only to name the first row of a repeated key. The database's write lock is taken only
by the merge (:mod:`merge`), which copies the stage in one short transaction together with the
classifications derived from it.

Two connections write a stage, chosen by who stages: :class:`SqliteStage` (Python's
``sqlite3``, in the importing thread: small files) and
:class:`khtui.data.importers.adbc.AdbcStage` (ADBC's Arrow bulk ingest, in the writer thread
of a large file). Both keep the stage in autocommit, one transaction per batch, so a batch that
repeats a key already staged is rolled back whole; it and every later batch go to ``again``,
resolved at the end in SQL (the staged lines all come before them in the file).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from khtui.data.base import PAGE_SIZE
from khtui.data.sales import ORDER_COLUMNS, ORDER_LINES_TABLE, sum_months

STAGE_NAME = "stage.db"
SUMS_NAME = "sums.db"  # the monthly sums of a large file, written beside the stage
SUMS_REST_NAME = "sums-rest.db"  # the later part of its brand sums, when they are split
KEY = "order_date, retailer_code, brand_code"
SORT_KEYS = [("order_date", "ascending"), ("retailer_code", "ascending"), ("brand_code", "ascending")]  # fmt: skip
_LINE_COLUMNS = ", ".join(ORDER_COLUMNS)
ROWS_SPOOL = "rows.arrow"  # key and file row of every line staged in order_lines
_SAME = (
    "a.qty_tiao IS w.qty_tiao AND a.amount IS w.amount AND a.price IS w.price "
    "AND coalesce(a.brand_name, '') = coalesce(w.brand_name, '')"
)
# Page cache of a stage connection, KiB (also the most SQLite's sorter holds in memory).
CACHE_KIB = 16384
SCHEMA = (
    ORDER_LINES_TABLE,
    "CREATE TABLE again (row INTEGER NOT NULL, retailer_code TEXT, order_date TEXT, "
    "brand_code TEXT, brand_name TEXT, qty_tiao REAL, amount REAL, price REAL)",
    "CREATE TABLE codes (code TEXT PRIMARY KEY, lines INTEGER NOT NULL) WITHOUT ROWID",
    'CREATE TABLE code_counts ("values" TEXT, counts INTEGER)',
    "CREATE TABLE conflicts (row INTEGER NOT NULL, first INTEGER, key TEXT NOT NULL)",
    "CREATE TABLE monthly_sales (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "qty_tiao REAL NOT NULL, amount REAL NOT NULL, lines INTEGER NOT NULL, "
    "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID",
    "CREATE TABLE monthly_brand_sales (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "brand_code TEXT NOT NULL, qty_tiao REAL NOT NULL, amount REAL NOT NULL, "
    "PRIMARY KEY (retailer_code, month, brand_code)) WITHOUT ROWID",
)
# The stage is scratch: no durability (a crash loses it, the import starts again), but a
# rollback journal in memory, so a batch that fails is undone whole. The database's page size,
# set first (it applies only before the file's first table): fewer b-tree pages to split as the
# sorted batches are appended (1M lines: some 7% less CPU to ingest the lines and the sums).
PRAGMAS = (
    f"page_size = {PAGE_SIZE}",
    "journal_mode = MEMORY",
    "synchronous = OFF",
    f"cache_size = -{CACHE_KIB}",
    "temp_store = FILE",
)


def write_sums(conn: StageConnection, brand, monthly) -> None:
    """The file's monthly sums (Arrow tables in key order) into a new file of their own, laid
    out as the stage's monthly tables; ``conn`` is closed by the caller. ``monthly`` None: a
    part of the brand sums only (their ``monthly_sales`` stays empty)."""
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    for sql in SCHEMA:
        if sql.startswith(("CREATE TABLE monthly_sales ", "CREATE TABLE monthly_brand_sales ")):
            conn.execute(sql)
    for name, table in (("monthly_brand_sales", brand), ("monthly_sales", monthly)):
        if table is not None and not conn.ingest(name, table):
            raise ValueError(f"{name}: a sum repeated its key")


class StageConnection(Protocol):
    """What the stage needs of a connection (autocommit)."""

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run one statement; its rows (empty for statements without a result)."""
        ...

    def ingest(self, name: str, table: Any) -> bool:
        """Append an Arrow table to ``name`` in one transaction; False (nothing written) when
        it repeats a key of the table's primary key."""
        ...

    def close(self) -> None: ...


class SqliteStage:
    """A stage connection on Python's ``sqlite3`` (the importing thread, small files)."""

    def __init__(self, path: str | Path):
        self.conn = sqlite3.connect(str(path), isolation_level=None)

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def ingest(self, name: str, table: Any) -> bool:
        cols = table.column_names
        rows = zip(*(table[c].to_pylist() for c in cols), strict=True)
        names = ", ".join(f'"{c}"' for c in cols)
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(
                f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(cols))})", rows
            )
        except sqlite3.IntegrityError as exc:
            self.conn.execute("ROLLBACK")
            if "UNIQUE constraint failed" in str(exc):
                return False
            raise
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return True

    def close(self) -> None:
        self.conn.close()


@dataclass
class StageInfo:
    """What the stage holds, for the merge and the import's result."""

    path: str
    rows: int = 0  # valid lines of the file
    kept: int = 0  # lines staged: rows less the repeated ones
    duplicates: int = 0  # repeated lines identical to the first
    conflicts: int = 0  # repeated keys with other values (rejects)
    lo: str | None = None  # first and last order date
    hi: str | None = None
    sums: bool = False  # the stage's monthly tables (or those of sums_file) hold the file's sums
    sums_file: str | None = None  # the file of their own holding the sums, when not the stage
    # the later part (in key order) of the brand sums, when a second file holds it
    sums_rest_file: str | None = None
    # retailers with a line the file holds but could not read (a rejected row, its code good)
    held: frozenset[str] = frozenset()

    def to_dict(self) -> dict:
        return asdict(self)


class Stage:
    """Stages the cleaned lines of one file (Arrow tables sorted by :data:`SORT_KEYS`)."""

    def __init__(self, conn: StageConnection, path: str | Path):
        self.conn = conn
        self.info = StageInfo(str(path))
        self.again = 0  # lines staged in ``again`` (from the first batch that repeated a key)
        self._spool_path = Path(path).with_name(ROWS_SPOOL)
        self._spool: tuple[Any, Any] | None = None  # (sink, Arrow stream writer)
        for pragma in PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        for sql in SCHEMA:
            conn.execute(sql)

    def add(self, table) -> None:
        import pyarrow.compute as pc

        if table.num_rows == 0:
            return
        info = self.info
        info.rows += table.num_rows
        import pyarrow as pa

        # lines per retailer, batch by batch (summed in SQL at the end, without Python values)
        counts = pc.value_counts(table["retailer_code"])
        self.conn.ingest(
            "code_counts", pa.Table.from_batches([pa.RecordBatch.from_struct_array(counts)])
        )
        lo, hi = (x.as_py() for x in pc.min_max(table["order_date"]).values())
        info.lo = lo if info.lo is None else min(info.lo, lo)
        info.hi = hi if info.hi is None else max(info.hi, hi)
        if not self.again and self.conn.ingest("order_lines", table.drop_columns(["row"])):
            self._spool_rows(table)
            return
        # a key met twice: this batch and every later one are sorted out at the end
        self.conn.ingest("again", table)
        self.again += table.num_rows

    def _spool_rows(self, table) -> None:
        import pyarrow as pa

        part = table.select(["order_date", "retailer_code", "brand_code", "row"])
        if self._spool is None:
            sink = pa.OSFile(str(self._spool_path), "wb")
            self._spool = (sink, pa.ipc.new_stream(sink, part.schema))
        self._spool[1].write_table(part)

    def _close_spool(self) -> None:
        if self._spool is not None:
            sink, writer = self._spool
            writer.close()
            sink.close()
            self._spool = None

    def finish(self, brand=None, monthly=None, sums_files: tuple[str, ...] = ()) -> StageInfo:
        """Resolve repeated lines, fill ``codes`` and the monthly sums (``brand`` and
        ``monthly``: the file's sums made while reading, when there are any; ``sums_files``:
        the files other threads write them to, :func:`write_sums`, used in their place: the
        first holds the monthly sums and the brand sums or their first part, a second the rest
        of the brand sums)."""
        info = self.info
        ex = self.conn.execute
        self._close_spool()
        if self.again:
            self._resolve_again()
        info.kept = info.rows - info.duplicates - info.conflicts
        if info.kept == info.rows:
            ex('INSERT INTO codes SELECT "values", sum(counts) FROM code_counts GROUP BY 1')
        else:
            ex(
                "INSERT INTO codes SELECT retailer_code, count(*) FROM order_lines "
                "GROUP BY retailer_code"
            )
        if not info.rows:
            return info
        if brand is not None and brand.num_rows and info.kept == info.rows:
            if sums_files:
                info.sums_file = sums_files[0]
                info.sums_rest_file = sums_files[1] if len(sums_files) > 1 else None
            else:
                self.conn.ingest("monthly_brand_sales", brand)
                self.conn.ingest("monthly_sales", monthly)
        else:
            from khtui.domain.months import add_months

            assert info.lo is not None and info.hi is not None  # info.rows > 0
            months, m = [], info.lo[:7]
            while m <= info.hi[:7]:
                months.append(m)
                m = add_months(m, 1)
            sum_months(ex, months)
        info.sums = True
        return info

    def _resolve_again(self) -> None:
        """The batches from the first that repeated a key on: a key already staged keeps its
        staged line (earlier in the file); among the rest the first row of each key wins.
        Later lines of a key are duplicates (identical) or conflicts (rejects)."""
        ex = self.conn.execute
        key = " AND ".join(f"{t}.{c} = a.{c}" for t in ("o",) for c in KEY.split(", "))
        ex(f"CREATE INDEX again_key ON again ({KEY}, row)")
        # each key's first row in ``again``; NULL when the key was staged before
        ex(
            f"CREATE TABLE firsts AS SELECT {KEY}, CASE WHEN EXISTS (SELECT 1 FROM order_lines "
            f"o WHERE {key}) THEN NULL ELSE min(row) END AS row FROM again a GROUP BY {KEY}"
        )
        ex(
            f"INSERT INTO order_lines ({_LINE_COLUMNS}) SELECT "
            + ", ".join(f"a.{c}" for c in ORDER_COLUMNS)
            + f" FROM again a JOIN firsts f USING ({KEY}) WHERE a.row = f.row ORDER BY {KEY}"
        )
        later = (
            f"FROM again a JOIN firsts f USING ({KEY}) JOIN order_lines w USING ({KEY}) "
            "WHERE (f.row IS NULL OR a.row <> f.row)"
        )
        ex(
            "INSERT INTO conflicts SELECT a.row, f.row, a.retailer_code || ' ' || a.order_date "
            f"|| ' ' || a.brand_code {later} AND NOT ({_SAME})"
        )
        info = self.info
        info.conflicts = ex("SELECT count(*) FROM conflicts")[0][0]
        info.duplicates = ex(f"SELECT count(*) {later}")[0][0] - info.conflicts
        ex("DROP TABLE again")
        ex("DROP TABLE firsts")
        if ex("SELECT EXISTS (SELECT 1 FROM conflicts WHERE first IS NULL)")[0][0]:
            self._first_rows()

    def _first_rows(self) -> None:
        """Name the first row of the conflicts whose key was staged before ``again``: from
        the spool of staged rows, read batch by batch."""
        import pyarrow as pa
        import pyarrow.compute as pc

        ex = self.conn.execute
        wanted = pa.array([r[0] for r in ex("SELECT DISTINCT key FROM conflicts WHERE first IS NULL")])  # fmt: skip
        with pa.OSFile(str(self._spool_path), "rb") as f:
            for batch in pa.ipc.open_stream(f):
                keys = pc.binary_join_element_wise(
                    batch["retailer_code"], batch["order_date"], batch["brand_code"], " "
                )
                hit = pc.is_in(keys, value_set=wanted)
                if not pc.any(hit).as_py():
                    continue
                for k, row in zip(
                    pc.filter(keys, hit).to_pylist(),
                    pc.filter(batch["row"], hit).to_pylist(),
                    strict=True,
                ):
                    ex("UPDATE conflicts SET first = ? WHERE key = ? AND first IS NULL", (row, k))

    def close(self) -> None:
        self._close_spool()
        self.conn.close()
