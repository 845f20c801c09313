"""Order lines, the monthly aggregates kept beside them, brands, and the derived values."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from khtui.data.base import placeholders
from khtui.data.retailers import DERIVED_COLUMNS, RetailerOps

if TYPE_CHECKING:
    import sqlite3

    from khtui.domain.derive import Derived, MonthSales

ORDER_COLUMNS = (
    "retailer_code",
    "order_date",
    "brand_code",
    "brand_name",
    "qty_tiao",
    "amount",
    "price",
)
# order_lines as the database lays it out (schema migration 4), for the files that stage order
# lines beside it: INSERT … SELECT copies their records as they are
ORDER_LINES_TABLE = (
    "CREATE TABLE order_lines (retailer_code TEXT NOT NULL, order_date TEXT NOT NULL, "
    "brand_code TEXT NOT NULL, brand_name TEXT, qty_tiao REAL NOT NULL, amount REAL NOT NULL, "
    "price REAL, PRIMARY KEY (order_date, retailer_code, brand_code)) WITHOUT ROWID"
)
BRAND_COLUMNS = (
    "brand_code",
    "name",
    "manufacturer",
    "class",
    "wholesale_price",
    "guide_price",
    "is_key",
    "is_new",
    "launch_date",
)


# The sums of one retailer's lines of one brand in one month: its quantity, its amount (each
# sum adds the lines day by day) and its number of lines. monthly_brand_sales keeps them with
# the amount rounded; monthly_sales sums them over the brands in brand order.
_BRAND_SUMS = "sum(qty_tiao), sum(amount), count(*)"


def sum_months(
    execute: Callable[..., Any],
    months: Sequence[str],
    where: str = "",
    params_of: Callable[[str], tuple] = lambda month: (),
) -> None:
    """Insert the monthly aggregates of these months' order lines (those matching ``where``,
    whose parameters ``params_of(month)`` gives) into monthly_sales and monthly_brand_sales.

    Each month's lines are one range of the order-line key (it leads with the date), so
    SQLite's sorter holds one month at a time; they are summed by retailer and brand into a
    temporary table, which is written to both tables once, in their key order. (Written month
    by month, every month's rows landed all over the retailer-first keys: 23 s against 14 s
    for 10M lines.) ``execute`` is a connection's or cursor's ``execute(sql, params)``.
    """
    if not months:
        return
    execute("DROP TABLE IF EXISTS temp._month_sums")
    execute(
        "CREATE TEMP TABLE _month_sums (retailer_code TEXT, month TEXT, brand_code TEXT, "
        "qty_tiao REAL, amount REAL, lines INTEGER)"
    )
    try:
        cond = "order_date BETWEEN ? AND ?" + (f" AND {where}" if where else "")
        for month in months:
            execute(
                f"INSERT INTO _month_sums SELECT retailer_code, ?, brand_code, {_BRAND_SUMS} "
                f"FROM order_lines WHERE {cond} GROUP BY retailer_code, brand_code",
                (month, month + "-01", month + "-31", *params_of(month)),
            )
        write_month_sums(execute, "temp._month_sums")
    finally:
        execute("DROP TABLE IF EXISTS temp._month_sums")


def write_month_sums(execute: Callable[..., Any], source: str) -> None:
    """Insert into monthly_brand_sales and monthly_sales the brand sums of whole months in
    table ``source`` (retailer_code, month, brand_code, qty_tiao, amount, lines: one row per
    retailer, month and brand, as :data:`_BRAND_SUMS` makes them), each in its key order."""
    execute(
        "INSERT INTO monthly_brand_sales (retailer_code, month, brand_code, qty_tiao, amount) "
        f"SELECT retailer_code, month, brand_code, qty_tiao, round(amount, 2) FROM {source} "
        "ORDER BY retailer_code, month, brand_code"
    )
    execute(
        "INSERT INTO monthly_sales (retailer_code, month, qty_tiao, amount, lines) "
        "SELECT retailer_code, month, sum(qty_tiao), round(sum(amount), 2), sum(lines) "
        f"FROM {source} GROUP BY retailer_code, month ORDER BY retailer_code, month"
    )


# SQLite's sorter sorts runs as large as the page cache, then merges them: runs of a few MiB fit
# the CPU's caches. (The city demo's brand index, 8.5M entries: 6 s sorted in runs of 4 MiB,
# 12 s in runs of 128 MiB.)
SORT_RUN_KIB = 4096


@contextlib.contextmanager
def sort_runs(conn: sqlite3.Connection) -> Iterator[None]:
    """The main database's page cache at :data:`SORT_RUN_KIB` for the block (an index made
    over a large table); as it was after."""
    (size,) = conn.execute("PRAGMA main.cache_size").fetchone()
    conn.execute(f"PRAGMA main.cache_size = -{SORT_RUN_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA main.cache_size = {int(size)}")


def make_brand_index(conn: sqlite3.Connection) -> None:
    """The monthly brand sums' (brand, month) index, made after a bulk write dropped it (sorted
    once, in runs of :data:`SORT_RUN_KIB`, rather than updated row by row)."""
    with sort_runs(conn):
        conn.execute(
            "CREATE INDEX main.monthly_brand_sales_brand ON monthly_brand_sales (brand_code, month)"
        )


# A file of order lines drawn before they go into the database (the demo's lines, one file per
# process that draws them): the lines keyed by retailer, month, brand and day, so that their
# brand sums are one pass in key order with no sort; those sums; and the lines again as
# order_lines keeps them, so that several stages are copied in by merging, not sorting.
LINES_STAGE = (
    "CREATE TABLE lines (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "brand_code TEXT NOT NULL, order_date TEXT NOT NULL, brand_name TEXT, "
    "qty_tiao REAL NOT NULL, amount REAL NOT NULL, price REAL, "
    "PRIMARY KEY (retailer_code, month, brand_code, order_date)) WITHOUT ROWID",
    "CREATE TABLE sums (retailer_code TEXT NOT NULL, month TEXT NOT NULL, "
    "brand_code TEXT NOT NULL, qty_tiao REAL NOT NULL, amount REAL NOT NULL, "
    "lines INTEGER NOT NULL, PRIMARY KEY (retailer_code, month, brand_code)) WITHOUT ROWID",
    ORDER_LINES_TABLE,
)
# a line as ORDER_COLUMNS, then its month ('YYYY-MM')
LINES_STAGE_INSERT = (
    f"INSERT INTO lines ({', '.join(ORDER_COLUMNS)}, month) "
    f"VALUES ({', '.join('?' * (len(ORDER_COLUMNS) + 1))})"
)


def finish_lines_stage(execute: Callable[..., Any]) -> None:
    """Make a lines stage's brand sums and its order_lines from its lines
    (:data:`LINES_STAGE`)."""
    execute(
        f"INSERT INTO sums SELECT retailer_code, month, brand_code, {_BRAND_SUMS} FROM lines "
        "GROUP BY retailer_code, month, brand_code"
    )
    cols = ", ".join(ORDER_COLUMNS)
    execute(
        f"INSERT INTO order_lines ({cols}) SELECT {cols} FROM lines "
        "ORDER BY order_date, retailer_code, brand_code"
    )


class SalesOps(RetailerOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- brands -----------------------------------------------------------------------------
    def upsert_brands(self, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        with self.write() as conn:
            for rec in records:
                row = conn.execute(
                    "SELECT * FROM brands WHERE brand_code = ?", (rec["brand_code"],)
                ).fetchone()
                full = {c: rec.get(c, row[c] if row else None) for c in BRAND_COLUMNS}
                full["is_key"] = int(full["is_key"] or 0)
                full["is_new"] = int(full["is_new"] or 0)
                if row is None:
                    counts["new"] += 1
                elif all(str(row[c]) == str(full[c]) for c in BRAND_COLUMNS):
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                conn.execute(
                    f"INSERT OR REPLACE INTO brands ({', '.join(BRAND_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(BRAND_COLUMNS))})",
                    [full[c] for c in BRAND_COLUMNS],
                )
        return counts

    def brands(self) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.query(
                "SELECT * FROM brands ORDER BY is_key DESC, guide_price DESC, brand_code"
            )
        ]

    # -- order lines ------------------------------------------------------------------------
    def add_order_lines(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write order lines (tuples in ``ORDER_COLUMNS`` order) and refresh their aggregates.

        A line with the key of a stored one (retailer, date, brand) replaces it, so the same
        line imported twice is stored once. Returns the number of lines written.
        """
        touched: set[tuple[str, str]] = set()

        def tracked():
            for row in rows:
                touched.add((row[0], str(row[1])[:7]))
                yield row

        with self.write() as conn:
            cur = conn.executemany(
                f"INSERT INTO order_lines ({', '.join(ORDER_COLUMNS)}) VALUES ({', '.join('?' * len(ORDER_COLUMNS))}) "
                "ON CONFLICT (retailer_code, order_date, brand_code) DO UPDATE SET "
                "brand_name = excluded.brand_name, qty_tiao = excluded.qty_tiao, "
                "amount = excluded.amount, price = excluded.price",
                tracked(),
            )
            written = cur.rowcount
            self.refresh_monthly(touched)
        return written

    def load_staged_lines(self, paths: Sequence[str | os.PathLike]) -> int:
        """Copy the order lines and their sums out of finished lines stages
        (:data:`LINES_STAGE`, :func:`finish_lines_stage`) into a database with no order lines
        yet (a new demo), in one transaction; each stage holds retailers whose codes all come
        after those of the one before. Returns the number of lines."""
        from khtui.data.base import StoreError

        cols = ", ".join(ORDER_COLUMNS)
        names = [f"lines{k}" for k in range(len(paths))]
        with contextlib.ExitStack() as stack:
            for name, path in zip(names, paths, strict=True):
                stack.enter_context(self.attached(path, name))
            with self.write() as conn:
                if conn.execute("SELECT EXISTS (SELECT 1 FROM main.order_lines)").fetchone()[0]:
                    raise StoreError("the database has order lines already; nothing was written")
                select = " UNION ALL ".join(
                    f"SELECT {cols} FROM {name}.order_lines" for name in names
                )
                written = conn.execute(
                    f"INSERT INTO main.order_lines ({cols}) {select} "
                    "ORDER BY order_date, retailer_code, brand_code"
                ).rowcount
                # The aggregates' secondary indexes are made after them (sorted once rather
                # than updated row by row).
                conn.execute("DROP INDEX IF EXISTS main.monthly_sales_month")
                conn.execute("DROP INDEX IF EXISTS main.monthly_brand_sales_brand")
                for name in names:
                    write_month_sums(conn.execute, f"{name}.sums")
                with sort_runs(conn):
                    conn.execute("CREATE INDEX main.monthly_sales_month ON monthly_sales (month)")
                make_brand_index(conn)
        return written

    def refresh_monthly(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Recompute the monthly aggregates of these (retailer, 'YYYY-MM') pairs."""
        pairs = set(pairs)
        if not pairs:
            return
        with self.write() as conn:
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS _touched (retailer_code TEXT, month TEXT, "
                "lo TEXT, hi TEXT, PRIMARY KEY (retailer_code, month))"
            )
            conn.execute("DELETE FROM _touched")
            conn.executemany(
                "INSERT OR IGNORE INTO _touched VALUES (?, ?, ?, ?)",
                ((c, m, m + "-01", m + "-31") for c, m in pairs),
            )
            conn.execute(
                "DELETE FROM monthly_sales WHERE (retailer_code, month) IN (SELECT retailer_code, month FROM _touched)"
            )
            conn.execute(
                "DELETE FROM monthly_brand_sales WHERE (retailer_code, month) IN "
                "(SELECT retailer_code, month FROM _touched)"
            )
            months = [r[0] for r in conn.execute("SELECT DISTINCT month FROM _touched")]
            sum_months(
                conn.execute,
                months,
                "retailer_code IN (SELECT retailer_code FROM _touched WHERE month = ?)",
                lambda month: (month,),
            )

    def rebuild_monthly(self, months: Iterable[str] | None = None) -> None:
        """Rebuild the aggregates of whole months from order_lines (after a bulk load).

        Month by month (all months with lines when ``months`` is None), so SQLite's sorter only
        ever holds one month's lines whatever the size of the table.
        """
        from khtui.domain.months import add_months

        with self.write() as conn:
            if months is None:
                conn.execute("DELETE FROM monthly_sales")
                conn.execute("DELETE FROM monthly_brand_sales")
                lo, hi = conn.execute(  # two lookups at the ends of the key
                    "SELECT (SELECT min(order_date) FROM order_lines), "
                    "(SELECT max(order_date) FROM order_lines)"
                ).fetchone()
                wanted = []
                if lo is not None:
                    m = str(lo)[:7]
                    while m <= str(hi)[:7]:
                        wanted.append(m)
                        m = add_months(m, 1)
            else:
                wanted = sorted(set(months))
                # one pass each: monthly_brand_sales has no index that leads with the month
                marks = placeholders(wanted)
                conn.execute(f"DELETE FROM monthly_sales WHERE month IN ({marks})", wanted)
                conn.execute(f"DELETE FROM monthly_brand_sales WHERE month IN ({marks})", wanted)
            sum_months(conn.execute, wanted)

    # -- monthly figures --------------------------------------------------------------------
    def monthly_sales(self, code: str, months: int | None = None) -> dict[str, MonthSales]:
        from khtui.domain.derive import MonthSales

        rows = self.query(
            "SELECT month, qty_tiao, amount FROM monthly_sales WHERE retailer_code = ? ORDER BY month",
            (code,),
        )
        out = {r["month"]: MonthSales(r["qty_tiao"], r["amount"]) for r in rows}
        if months is not None:
            out = dict(list(out.items())[-months:])
        return out

    def top_brands(self, code: str, since_month: str, limit: int = 10) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.query(
                "SELECT s.brand_code, coalesce(b.name, s.brand_code) AS name, sum(s.qty_tiao) AS qty_tiao, "
                "round(sum(s.amount), 2) AS amount FROM monthly_brand_sales s "
                "LEFT JOIN brands b ON b.brand_code = s.brand_code "
                "WHERE s.retailer_code = ? AND s.month >= ? GROUP BY s.brand_code "
                "ORDER BY qty_tiao DESC LIMIT ?",
                (code, since_month, limit),
            )
        ]

    # -- derived values ---------------------------------------------------------------------
    def _derive_facts(self, as_of: dt.date, where: str, params: Sequence[Any]) -> DeriveFacts:
        """What deriving the retailers matching ``where`` (a condition on ``retailer_code``,
        with its parameters) needs besides their own row: their monthly sales of the tier's
        basis months and of the same months a year before, whether they ordered a new brand
        in the basis months, and whether their last price check found prices marked."""
        from khtui.domain.derive import MonthSales
        from khtui.domain.months import add_months, months_before

        basis = months_before(as_of, self.rules.tier_basis_months)
        wanted = basis + [add_months(m, -12) for m in basis]
        monthly: dict[str, dict[str, MonthSales]] = defaultdict(dict)
        for code, month, qty, amount in self.query(
            "SELECT retailer_code, month, qty_tiao, amount FROM monthly_sales "
            f"WHERE {where} AND month IN ({','.join('?' * len(wanted))})",
            [*params, *wanted],
        ):
            monthly[code][month] = MonthSales(qty, amount)
        # from the few new brands into the aggregate's (brand, month) index: without the
        # planner's statistics (a fresh database) SQLite would read every month of every
        # retailer in the range instead
        new_brand = set(
            self.column(
                "SELECT DISTINCT s.retailer_code FROM brands b CROSS JOIN monthly_brand_sales s "
                f"ON s.brand_code = b.brand_code AND s.month IN ({placeholders(basis)}) "
                f"WHERE b.is_new = 1 AND s.{where}",
                [*basis, *params],
            )
        )
        # each retailer's latest finished observation that says whether prices are marked
        # (SQLite takes the bare column from the row holding the max); none when it is later
        # than the day derived for
        marked = {
            code: bool(flag)
            for code, flag, last in self.query(
                "SELECT retailer_code, marked_price, max(observed_on) FROM price_observations "
                f"WHERE {where} AND is_draft = 0 AND marked_price IS NOT NULL "
                "GROUP BY retailer_code",
                list(params),
            )
            if last <= as_of.isoformat()
        }
        return DeriveFacts(monthly, new_brand, marked)

    def derive_retailer(self, code: str, as_of: dt.date) -> Derived:
        """The derived values of one retailer with their why (the profile): reads its own
        rows only."""
        # what deriving reads of its row (not the stored why, made again when read)
        row = self.query_one(
            f"SELECT {', '.join(DERIVE_COLUMNS)} FROM retailers WHERE code = ?", (code,)
        )
        retailer = dict(row) if row is not None else self.require_retailer(code)  # its error
        facts = self._derive_facts(as_of, "retailer_code = ?", [code])
        return self._derive_one(retailer, facts, as_of)

    def _derive_one(self, retailer: Mapping[str, Any], facts: DeriveFacts, as_of) -> Derived:
        from khtui.domain.derive import Deriver

        return self._derive_with(Deriver(self.rules, as_of), retailer, facts)

    @staticmethod
    def _derive_with(deriver, retailer: Mapping[str, Any], facts: DeriveFacts) -> Derived:
        code = retailer["code"]
        return deriver(
            retailer,
            facts.monthly.get(code, {}),
            ordered_new_brand=code in facts.new_brand,
            marked_price=facts.marked.get(code),
            debit_failures=int(retailer.get("debit_failures") or 0),
        )

    def recompute(
        self,
        as_of: dt.date,
        codes: Sequence[str] | None = None,
        *,
        beside: Callable[[sqlite3.Connection], None] | None = None,
    ) -> int:
        """Derive and store tier, category, level and value of every (or the given) retailer.

        Retailers are taken in code order, RECOMPUTE_CHUNK at a time, each chunk's facts read
        by a range of the code (the aggregates' keys lead with it), so memory stays the same
        whatever the number of retailers. The why is stored as what it is made from (see
        ``why_inputs`` in domain/derive.py) naming the rules of this run, stored once in
        ``derive_rules``; a row that would not change is not written. One transaction.

        ``beside``: more work of the same transaction that changes nothing recompute reads
        (an import's copy of its order lines), run on the connection in a helper thread while
        the first chunk is derived in Python (SQLite runs without the GIL): the two share the
        cores instead of taking turns. It has ended, and its error is raised, before anything
        else is written."""
        import json

        from khtui.domain.derive import Deriver, rules_snapshot

        deriver = Deriver(self.rules, as_of)
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        digest, snapshot = rules_snapshot(self.rules)
        columns = ", ".join(DERIVE_COLUMNS + DERIVED_COLUMNS)
        day = as_of.isoformat()
        count = 0
        with self.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO derive_rules (digest, rules) VALUES (?, ?)",
                (digest, snapshot),
            )
            if codes is not None:
                conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS _derive_codes (code TEXT PRIMARY KEY)"
                )
                conn.execute("DELETE FROM _derive_codes")
                conn.executemany(
                    "INSERT OR IGNORE INTO _derive_codes VALUES (?)", ((c,) for c in codes)
                )
            last = ""
            pending = beside
            while True:
                if codes is None:
                    rows = conn.execute(
                        f"SELECT {columns} FROM retailers WHERE code > ? ORDER BY code LIMIT ?",
                        (last, RECOMPUTE_CHUNK),
                    ).fetchall()
                else:
                    rows = conn.execute(
                        f"SELECT {columns} FROM retailers WHERE code > ? AND code IN "
                        "(SELECT code FROM _derive_codes) ORDER BY code LIMIT ?",
                        (last, RECOMPUTE_CHUNK),
                    ).fetchall()
                if not rows:
                    break
                lo, last = rows[0][0], rows[-1][0]
                facts = self._derive_facts(as_of, "retailer_code BETWEEN ? AND ?", (lo, last))
                with _alongside(pending, conn):
                    updates = self._derive_rows(deriver, rows, facts, day, digest, encode)
                pending = None
                conn.executemany(
                    "UPDATE retailers SET tier = ?, monthly_avg_jian = ?, category_code = ?, "
                    "category_name = ?, level = ?, avg_price = ?, value_class = ?, "
                    "value_score = ?, derived_as_of = ?, derived_why = ? WHERE code = ?",
                    updates,
                )
                count += len(rows)
            if pending is not None:  # no retailer to derive: the work on its own
                pending(conn)
        return count

    def _derive_rows(self, deriver, rows, facts: DeriveFacts, day: str, digest: str, encode):
        """The updates of one chunk of retailers' rows: (derived values..., code) of each row
        whose derived values change."""
        from khtui.domain.derive import why_inputs

        width = len(DERIVE_COLUMNS)
        updates = []
        for values in rows:
            row = dict(zip(DERIVE_COLUMNS, values[:width], strict=True))
            d = self._derive_with(deriver, row, facts)
            cat = d.category.category
            new = (
                d.tier.tier,
                d.tier.monthly_avg_jian,
                cat.code if cat else None,
                cat.name if cat else None,
                d.level.level,
                d.level.avg_price,
                d.value.value,
                d.value.score,
                day,
                encode(why_inputs(d, row, digest)),
            )
            if new != tuple(values[width:]):  # a row that would not change is not written
                updates.append((*new, row["code"]))
        return updates


@contextlib.contextmanager
def _alongside(
    work: Callable[[sqlite3.Connection], None] | None, conn: sqlite3.Connection
) -> Iterator[None]:
    """Run ``work(conn)`` in a helper thread while the block runs; wait for it at the end of
    the block (also when the block fails) and raise its error. The block must not use
    ``conn`` meanwhile."""
    if work is None:
        yield
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="khtui-beside") as pool:
        future = pool.submit(work, conn)
        try:
            yield
        finally:
            error = future.exception()  # waits for it
        if error is not None:
            raise error


# What deriving a retailer reads of its row (domain/derive.py).
DERIVE_COLUMNS = (
    "code",
    "business_format",
    "market_type",
    "scale",
    "compliance",
    "cooperation",
    "credit_grade",
    "trade_area",
    "model_outlet",
    "debit_failures",
)
# Retailers derived at a time by recompute (its memory: their facts and updates).
RECOMPUTE_CHUNK = 2000


@dataclass
class DeriveFacts:
    """What deriving some retailers reads besides their rows (see ``_derive_facts``)."""

    monthly: dict[str, dict[str, MonthSales]]
    new_brand: set[str]
    marked: dict[str, bool]
