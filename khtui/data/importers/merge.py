"""The last step of an orders import: the stage into the database, in one short transaction.

Everything before this step (reading, cleaning, the rejects, staging, the file's monthly sums)
happens outside the database's write lock, so the program and other commands keep writing
while a large file is read. This step attaches the stage (:mod:`stage`), and the file's sums
when they are in a file of their own, to the store's connection and, in one ``BEGIN
IMMEDIATE`` transaction: counts new / updated / unchanged / removed against what is stored,
replaces the stored lines of the file's period for the retailers in the file (a retailer with
a rejected line, which the file holds but could not read, keeps its stored lines that the file
does not replace: a bad row never removes a line), replaces the
monthly aggregates of the touched retailers and months, recomputes the classifications (tier,
category, level, value) of the known retailers in the file, and runs the caller's last check (the rejects file is put in place); then commits. Lines
and classifications commit together or not at all: a crash or ``kill -9`` at any point leaves
the database as it was before or as it is after.

The classifications read the monthly aggregates, not the lines: when the file's sums are
copied as they are, the copy of its lines (and the rebuild of the brand index) runs on the
connection in a helper thread while the classifications are derived in Python
(``Store.recompute``'s ``beside``), so SQLite and Python share the two cores.

A dry run counts the same with reads only (no write lock).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from khtui.data.importers.stage import KEY, StageInfo
from khtui.data.sales import make_brand_index, sum_months

# Drop and rebuild the brand index of monthly_brand_sales when the import writes at least this
# share of the rows already there (a performance choice, not a business rule).
REBUILD_SHARE = 0.5
_CODES = "retailer_code IN (SELECT code FROM stage.codes)"
_SAME = (
    "o.qty_tiao IS s.qty_tiao AND o.amount IS s.amount AND o.price IS s.price "
    "AND coalesce(o.brand_name, '') = coalesce(s.brand_name, '')"
)


@dataclass
class MergeCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    unknown_retailers: int = 0
    unknown_lines: int = 0
    held_retailers: int = 0  # retailers of the file with a rejected line
    held_lines: int = 0  # their stored lines of the period the file does not replace: kept

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)


def merge(
    store,
    info: StageInfo,
    *,
    dry_run: bool,
    before_commit: Callable[[], None] | None = None,
) -> MergeCounts:
    """Merge the stage described by ``info`` into ``store`` (see the module's docstring)."""
    with contextlib.ExitStack() as attached:
        attached.enter_context(store.attached(info.path, "stage"))
        if info.sums_file is not None:
            attached.enter_context(store.attached(info.sums_file, "sums"))
        if info.sums_rest_file is not None:
            attached.enter_context(store.attached(info.sums_rest_file, "sums_rest"))
        if dry_run or not info.kept:
            return _count(store.query, info)
        with store.write() as conn:
            counts = _count(lambda sql, p=(): conn.execute(sql, p).fetchall(), info)
            if counts.changed:
                _replace(store, conn, info, counts)
            if before_commit is not None:
                before_commit()
        return counts


def _held(info: StageInfo) -> tuple[str, tuple]:
    """The SQL condition on ``retailer_code`` of the retailers held (a rejected line of theirs:
    their stored lines not in the file are kept), and its parameter."""
    return "retailer_code IN (SELECT value FROM json_each(?))", (json.dumps(sorted(info.held)),)


def _count(query, info: StageInfo) -> MergeCounts:
    counts = MergeCounts()
    if info.kept:
        old = query(
            f"SELECT count(*) FROM main.order_lines WHERE order_date BETWEEN ? AND ? AND {_CODES}",
            (info.lo, info.hi),
        )[0][0]
        matched = same = 0
        if old:
            matched, same = query(
                f"SELECT count(*), total({_SAME}) FROM stage.order_lines s "
                f"JOIN main.order_lines o USING ({KEY})"
            )[0]
        if old and info.held:
            held, param = _held(info)
            counts.held_retailers, counts.held_lines = query(
                f"SELECT count(DISTINCT o.retailer_code), count(*) FROM main.order_lines o "
                f"WHERE o.order_date BETWEEN ? AND ? AND o.{_CODES} AND o.{held} "
                f"AND NOT EXISTS (SELECT 1 FROM stage.order_lines s WHERE "
                f"(s.order_date, s.retailer_code, s.brand_code) = "
                f"(o.order_date, o.retailer_code, o.brand_code))",
                (info.lo, info.hi, *param),
            )[0]
        counts.unchanged = int(same)
        counts.updated = matched - int(same)
        counts.new = info.kept - matched
        counts.removed = old - matched - counts.held_lines
    n, lines = query(
        "SELECT count(*), total(lines) FROM stage.codes WHERE code NOT IN "
        "(SELECT code FROM main.retailers)"
    )[0]
    counts.unknown_retailers, counts.unknown_lines = n, int(lines)
    return counts


def _months(lo: str, hi: str) -> list[str]:
    from khtui.domain.months import add_months

    months, m = [], lo[:7]
    while m <= hi[:7]:
        months.append(m)
        m = add_months(m, 1)
    return months


def _replace(store, conn, info: StageInfo, counts: MergeCounts) -> None:
    """The stored lines of the period and the touched aggregates replaced (a held retailer's
    lines the file does not replace kept); the known retailers of the file recomputed. Inside
    the caller's transaction."""
    lo, hi = info.lo, info.hi
    assert lo is not None and hi is not None  # a stage with lines has its period
    months = _months(lo, hi)
    # stored lines of these retailers in the touched months, outside the period: the
    # months' sums must then come from all their lines, not the file's alone
    others = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM main.order_lines WHERE ((order_date >= ? AND "
        f"order_date < ?) OR (order_date > ? AND order_date <= ?)) AND {_CODES})",
        (months[0] + "-01", lo, hi, months[-1] + "-31"),
    ).fetchone()[0]
    if counts.held_lines:
        held, param = _held(info)
        conn.execute(
            f"DELETE FROM main.order_lines WHERE order_date BETWEEN ? AND ? AND {_CODES} "
            f"AND NOT {held}",
            (lo, hi, *param),
        )
        # a held retailer's lines the file replaces go; the others stay
        conn.execute(
            f"DELETE FROM main.order_lines WHERE ({KEY}) IN "
            f"(SELECT {KEY} FROM stage.order_lines WHERE {held})",
            param,
        )
    else:
        conn.execute(
            f"DELETE FROM main.order_lines WHERE order_date BETWEEN ? AND ? AND {_CODES}",
            (lo, hi),
        )
    # the months' sums come from the file's alone when no other line of them stays
    from_stage = info.sums and not others and not counts.held_lines
    if not from_stage:  # the months' sums are made from the lines: the lines first
        _copy_lines(conn)
    conn.execute("DROP TABLE IF EXISTS temp._imp_touched")
    conn.execute(
        "CREATE TEMP TABLE _imp_touched (retailer_code TEXT, month TEXT, "
        "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID"
    )
    for month in months:
        conn.execute("INSERT INTO _imp_touched SELECT code, ? FROM stage.codes", (month,))
    for table in ("monthly_sales", "monthly_brand_sales"):
        conn.execute(
            f"DELETE FROM main.{table} WHERE (retailer_code, month) IN "
            "(SELECT retailer_code, month FROM _imp_touched)"
        )
    conn.execute("DROP TABLE temp._imp_touched")
    sums = "sums" if info.sums_file is not None else "stage"  # where the file's sums are
    # the brand sums: in one file, or in two (the second's keys all after the first's)
    brand_parts = [sums] + (["sums_rest"] if info.sums_rest_file is not None else [])
    adding = (
        sum(
            conn.execute(f"SELECT count(*) FROM {part}.monthly_brand_sales").fetchone()[0]
            for part in brand_parts
        )
        if from_stage
        else info.kept  # a bound: at most one sum per line
    )
    big = (
        adding
        >= REBUILD_SHARE
        * conn.execute("SELECT count(*) FROM main.monthly_brand_sales").fetchone()[0]
    )
    if big:
        conn.execute("DROP INDEX IF EXISTS main.monthly_brand_sales_brand")
    if from_stage:
        for part in brand_parts:  # in key order: into an empty table the first is a copy
            conn.execute(f"INSERT INTO main.monthly_brand_sales SELECT * FROM {part}.monthly_brand_sales")  # fmt: skip
        conn.execute(f"INSERT INTO main.monthly_sales SELECT * FROM {sums}.monthly_sales")
    else:
        sum_months(conn.execute, months, _CODES)

    def rest(conn) -> None:
        """What the classifications do not read: run beside their derivation."""
        if from_stage:
            _copy_lines(conn)
        if big:
            make_brand_index(conn)

    known = [
        r[0]
        for r in conn.execute(
            "SELECT code FROM stage.codes WHERE code IN (SELECT code FROM main.retailers)"
        )
    ]
    if known:
        store.recompute(store.today(), codes=known, beside=rest)
    else:
        rest(conn)


def _copy_lines(conn) -> None:
    """The stage's lines into the database. The stage's tables are laid out as the
    database's: into an empty table SQLite copies the records as they are (its transfer
    optimisation), else it inserts in key order."""
    conn.execute("INSERT INTO main.order_lines SELECT * FROM stage.order_lines")
