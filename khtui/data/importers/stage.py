"""The staged order lines of one import: a private SQLite file in the import's work folder.

An orders import writes nothing to the database until its last step. While the file streams,
the cleaned lines (Arrow tables sorted by the key) go into a *stage*, a small database of its
own with the tables of the real one (``order_lines`` keyed by date, retailer and brand, plus
the file's row numbers; ``monthly_sales``, ``monthly_brand_sales``): lines repeated in the file
are found there (the first wins; a later identical one is a duplicate, a different one a
reject), and the file's monthly sums are made there. The database's write lock is taken only
by the merge (:mod:`merge`), which copies the stage in one short transaction together with the
classifications derived from it.

Two connections write a stage, chosen by who stages: :class:`SqliteStage` (Python's
``sqlite3``, in the importing process: small files) and
:class:`khtui.data.importers.adbc.AdbcStage` (ADBC's Arrow bulk ingest, in the writer process
of a large file). Both keep the stage in autocommit, one transaction per batch, so a batch that
repeats a key already staged is rolled back whole and staged again in ``again`` (resolved at
the end, in SQL).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from khtui.data.sales import ORDER_COLUMNS, sum_months

STAGE_NAME = "stage.db"
KEY = "order_date, retailer_code, brand_code"
SORT_KEYS = [("order_date", "ascending"), ("retailer_code", "ascending"), ("brand_code", "ascending")]  # fmt: skip
# the stage's lines: the Arrow tables' columns (row first), keyed like order_lines
_COLUMNS = ("row", *ORDER_COLUMNS)
_SAME = (
    "a.qty_tiao IS w.qty_tiao AND a.amount IS w.amount AND a.price IS w.price "
    "AND coalesce(a.brand_name, '') = coalesce(w.brand_name, '')"
)
# Page cache of a stage connection, KiB (also the most SQLite's sorter holds in memory).
CACHE_KIB = 16384
SCHEMA = (
    "CREATE TABLE order_lines (row INTEGER NOT NULL, retailer_code TEXT NOT NULL, "
    "order_date TEXT NOT NULL, brand_code TEXT NOT NULL, brand_name TEXT, qty_tiao REAL, "
    "amount REAL, price REAL, PRIMARY KEY (order_date, retailer_code, brand_code)) WITHOUT ROWID",
    "CREATE TABLE again (row INTEGER NOT NULL, retailer_code TEXT, order_date TEXT, "
    "brand_code TEXT, brand_name TEXT, qty_tiao REAL, amount REAL, price REAL)",
    "CREATE TABLE codes (code TEXT PRIMARY KEY, lines INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE conflicts (row INTEGER NOT NULL, first INTEGER NOT NULL, key TEXT NOT NULL)",
    "CREATE TABLE monthly_sales (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "qty_tiao REAL NOT NULL, amount REAL NOT NULL, lines INTEGER NOT NULL, "
    "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID",
    "CREATE TABLE monthly_brand_sales (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "brand_code TEXT NOT NULL, qty_tiao REAL NOT NULL, amount REAL NOT NULL, "
    "PRIMARY KEY (retailer_code, month, brand_code)) WITHOUT ROWID",
)
# The stage is scratch: no durability (a crash loses it, the import starts again), but a
# rollback journal in memory, so a batch that fails is undone whole.
PRAGMAS = (
    "journal_mode = MEMORY",
    "synchronous = OFF",
    f"cache_size = -{CACHE_KIB}",
    "temp_store = FILE",
)


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
    """A stage connection on Python's ``sqlite3`` (the importing process, small files)."""

    def __init__(self, path: str | Path):
        self.conn = sqlite3.connect(str(path), isolation_level=None)

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def ingest(self, name: str, table: Any) -> bool:
        cols = table.column_names
        rows = zip(*(table[c].to_pylist() for c in cols), strict=True)
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(
                f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                rows,
            )
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK")
            return False
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
    sums: bool = False  # the stage's monthly tables hold the file's sums

    def to_dict(self) -> dict:
        return asdict(self)


class Stage:
    """Stages the cleaned lines of one file (Arrow tables sorted by :data:`SORT_KEYS`)."""

    def __init__(self, conn: StageConnection, path: str | Path):
        self.conn = conn
        self.info = StageInfo(str(path))
        self.code_lines: dict[str, int] = {}
        self.again = 0
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
        vc = pc.value_counts(table["retailer_code"])
        lines = self.code_lines
        for code, n in zip(
            vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
        ):
            lines[code] = lines.get(code, 0) + n
        lo, hi = (x.as_py() for x in pc.min_max(table["order_date"]).values())
        info.lo = lo if info.lo is None else min(info.lo, lo)
        info.hi = hi if info.hi is None else max(info.hi, hi)
        if not self.conn.ingest("order_lines", table):
            self.conn.ingest("again", table)  # a key met twice: sorted out at the end
            self.again += table.num_rows

    def finish(self, brand=None, monthly=None) -> StageInfo:
        """Resolve repeated lines, fill ``codes`` and the monthly sums (``brand`` and
        ``monthly``: the file's sums made while reading, when there are any)."""
        info = self.info
        ex = self.conn.execute
        if self.again:
            self._resolve_again()
        info.kept = info.rows - info.duplicates - info.conflicts
        if info.kept == info.rows:
            for code, n in sorted(self.code_lines.items()):
                ex("INSERT INTO codes VALUES (?, ?)", (code, n))
        else:
            ex(
                "INSERT INTO codes SELECT retailer_code, count(*) FROM order_lines "
                "GROUP BY retailer_code"
            )
        if not info.rows:
            return info
        if brand is not None and brand.num_rows and info.kept == info.rows:
            self.conn.ingest("monthly_brand_sales", brand)
            self.conn.ingest("monthly_sales", monthly)
        else:
            from khtui.domain.months import add_months

            months, m = [], info.lo[:7]
            while m <= info.hi[:7]:
                months.append(m)
                m = add_months(m, 1)
            sum_months(ex, months)
        info.sums = True
        return info

    def _resolve_again(self) -> None:
        """The batches that repeated a key: with the staged lines of their keys, the first
        row of each key wins; later ones are duplicates (identical) or conflicts."""
        ex = self.conn.execute
        cols = ", ".join(_COLUMNS)
        ex(f"CREATE INDEX again_key ON again ({KEY}, row)")
        ex(
            f"INSERT INTO again ({cols}) SELECT {cols} FROM order_lines "
            f"WHERE ({KEY}) IN (SELECT {KEY} FROM again)"
        )
        ex(f"DELETE FROM order_lines WHERE ({KEY}) IN (SELECT {KEY} FROM again)")
        ex(
            f"INSERT INTO order_lines ({cols}) SELECT {cols} FROM again a WHERE row = "
            "(SELECT min(row) FROM again b WHERE b.order_date = a.order_date AND "
            "b.retailer_code = a.retailer_code AND b.brand_code = a.brand_code) "
            f"ORDER BY {KEY}"
        )
        ex(
            "INSERT INTO conflicts SELECT a.row, w.row, a.retailer_code || ' ' || a.order_date "
            f"|| ' ' || a.brand_code FROM again a JOIN order_lines w USING ({KEY}) "
            f"WHERE a.row <> w.row AND NOT ({_SAME})"
        )
        info = self.info
        info.conflicts = ex("SELECT count(*) FROM conflicts")[0][0]
        repeated = ex(
            f"SELECT count(*) FROM again a JOIN order_lines w USING ({KEY}) WHERE a.row <> w.row"
        )[0][0]
        info.duplicates = repeated - info.conflicts
        ex("DROP TABLE again")

    def close(self) -> None:
        self.conn.close()
