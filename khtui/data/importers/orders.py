"""Order lines 订单明细 (key: customer code + order date + brand code), streamed.

The file is read in Arrow record batches (``pyarrow.csv`` for CSV; rows of a spreadsheet are
batched the same way), every column as text. Each batch is cleaned column by column: a column's
distinct values are cleaned once in Python with the cleaners of :mod:`common` (dates, codes,
numbers repeat a lot), then spread back over the rows; quantities in 支/包/件 become 条. Valid
lines go to a staging database in a temporary file (ADBC bulk ingest when the driver is there),
so memory stays bounded whatever the file's size; bad lines go to the rejects list.

Then one transaction on the store merges the staged lines (:func:`merge_staged`): the stored
lines of the file's period (first to last order date) for the retailers in the file are
replaced by the file's lines, duplicates are imported once, the monthly aggregates of the
touched months are rebuilt, and new / updated / unchanged / removed are counted against what
was stored. A large load drops the two order-line indexes and builds them again afterwards
(faster than keeping them up to date line by line).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from khtui.data.importers.common import (
    CsvSource,
    HeaderMatch,
    ImportFileError,
    ProgressFn,
    Source,
    ValueProblem,
    clean_code,
    is_total_row,
    parse_date,
    parse_number,
)
from khtui.domain.units import tiao_per
from khtui.i18n import t

BATCH_ROWS = 65536
CSV_BLOCK = 8 << 20
# Drop and rebuild the order-line indexes when the staged lines are at least this share of
# the lines already stored (a performance choice, not a business rule).
REBUILD_SHARE = 0.5
QTY_FIELDS = {"qty_tiao": "条", "qty_bao": "包", "qty_zhi": "支", "qty_jian": "件"}
STAGE_COLUMNS = (
    "row",
    "retailer_code",
    "order_date",
    "brand_code",
    "brand_name",
    "qty_tiao",
    "amount",
    "price",
)


class _CountingFile:
    """A read-only file that reports how far it has been read (for the progress bar)."""

    def __init__(self, path: Path, progress: ProgressFn | None):
        self._f = open(path, "rb")  # noqa: SIM115 - closed by the reader below
        self._progress = progress
        self._total = path.stat().st_size
        self._done = 0
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._done += len(data)
        if self._progress is not None:
            self._progress(self._done, self._total)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._f.close()
        self.closed = True


# -- reading -------------------------------------------------------------------------------
def text_batches(
    source: Source, match: HeaderMatch, progress: ProgressFn | None, invalid: list
) -> Iterator[tuple[int, list[Any]]]:
    """(row number of the batch's first row, one Arrow string array per file column)."""
    import pyarrow as pa

    width = len(match.headers)
    if isinstance(source, CsvSource):
        import pyarrow.csv as pcsv

        def on_invalid(row) -> str:
            text = row.text or ""
            cells = text.split(source.delimiter)
            if not is_total_row(cells) and text.strip(source.delimiter + " \r\n"):
                invalid.append((row.number, cells, row.actual_columns, row.expected_columns))
            return "skip"

        names = [f"c{i}" for i in range(width)]
        f = _CountingFile(source.path, progress)
        try:
            reader = pcsv.open_csv(
                f,
                read_options=pcsv.ReadOptions(
                    skip_rows=match.row_index + 1,
                    column_names=names,
                    encoding=source.encoding.replace("utf-8-sig", "utf8"),
                    block_size=CSV_BLOCK,
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=source.delimiter, invalid_row_handler=on_invalid
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            row = match.row_index + 2
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                    raise ImportFileError(
                        t("imp.error.csv", file=source.path.name, problem=exc)
                    ) from None
                yield row, [batch.column(i) for i in range(width)]
                row += batch.num_rows
        except pa.ArrowInvalid as exc:
            raise ImportFileError(t("imp.error.csv", file=source.path.name, problem=exc)) from None
        finally:
            f.close()
        return

    rows = source.rows()
    for _ in range(match.row_index + 1):
        next(rows, None)
    buf: list[list[str]] = []
    row = match.row_index + 2
    for cells in rows:
        cells = (list(cells) + [""] * width)[:width]
        buf.append(cells)
        if len(buf) >= BATCH_ROWS:
            yield row, [pa.array(col, pa.string()) for col in zip(*buf, strict=True)]
            row += len(buf)
            buf = []
    if buf:
        yield row, [pa.array(col, pa.string()) for col in zip(*buf, strict=True)]


def _clean_column(arr, fn: Callable[[str], Any], pa_type):
    """Clean a text column through its distinct values: (values, reasons) as Arrow arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr).combine_chunks() if hasattr(arr, "chunks") else None
    if enc is None:
        enc = pc.dictionary_encode(arr)
    values, reasons = [], []
    for raw in enc.dictionary.to_pylist():
        try:
            values.append(fn(raw))
            reasons.append(None)
        except ValueProblem as exc:
            values.append(None)
            reasons.append(exc.reason)
    idx = enc.indices
    return (
        pc.take(pa.array(values, pa_type), idx),
        pc.take(pa.array(reasons, pa.string()), idx),
    )


def _fast_float(arr):
    """A whole column of plain numbers cast at once; None when any cell needs the slow path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        out = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if pc.any(pc.less(out, 0)).as_py() or pc.any(pc.is_nan(out)).as_py():
        return None
    if pc.any(pc.equal(arr, "")).as_py():
        return None
    return out


def clean_batch(first_row: int, cols: list, match: HeaderMatch, rules):
    """One batch of text columns -> (Arrow table of valid lines, rejects, skipped, read)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(cols[0]) if cols else 0
    c = match.columns
    label = {f: match.headers[i] for f, i in c.items()}
    # blank rows and totals rows (合计) are skipped, not rejected
    nonblank = None
    for col in cols:
        has = pc.not_equal(pc.utf8_trim_whitespace(col), "")
        nonblank = has if nonblank is None else pc.or_(nonblank, has)
    first_cell = None
    for col in reversed(cols):
        trimmed = pc.utf8_trim_whitespace(col)
        first_cell = (
            trimmed
            if first_cell is None
            else pc.if_else(pc.equal(first_cell, ""), trimmed, first_cell)
        )
    total = pc.starts_with(first_cell, "合计")
    for mark in ("总计", "小计", "累计"):
        total = pc.or_(total, pc.starts_with(first_cell, mark))
    keep = pc.and_(nonblank, pc.invert(total))
    skipped = n - pc.sum(keep.cast(pa.int64())).as_py() if n else 0

    out: dict[str, Any] = {}
    reason_cols: list[tuple[str, Any]] = []  # (field, reasons)

    def code(field, lbl):
        return lambda raw: clean_code(raw, lbl)

    for fld in ("code", "brand_code"):
        v, r = _clean_column(cols[c[fld]], code(fld, label[fld]), pa.string())
        out[fld], _ = v, reason_cols.append((fld, r))

    def date_fn(raw, lbl=label["order_date"]):
        d = parse_date(raw, lbl)
        if d is None:
            raise ValueProblem(t("imp.reason.empty", column=lbl))
        return d

    v, r = _clean_column(cols[c["order_date"]], date_fn, pa.string())
    out["order_date"] = v
    reason_cols.append(("order_date", r))
    out["brand_name"] = (
        pc.utf8_trim_whitespace(cols[c["brand_name"]])
        if "brand_name" in c
        else pa.nulls(n, pa.string())
    )

    def number(fld, *, required):
        col = cols[c[fld]]
        fast = _fast_float(col)
        if fast is not None:
            return fast, pa.nulls(n, pa.string())

        def fn(raw, lbl=label[fld]):
            x = parse_number(raw, lbl)
            if x is None and required:
                raise ValueProblem(t("imp.reason.empty", column=lbl))
            return x

        return _clean_column(col, fn, pa.float64())

    qty_field = next(f for f in QTY_FIELDS if f in c)
    unit = match.units.get(qty_field) or QTY_FIELDS[qty_field]
    qty, r = number(qty_field, required=True)
    reason_cols.append((qty_field, r))
    factor = tiao_per(unit, rules)
    out["qty_tiao"] = qty if factor == 1.0 else pc.multiply(qty, factor)
    price = None
    if "price" in c:
        price, r = number("price", required=False)
        reason_cols.append(("price", r))
    if "amount" in c:
        amount, r = number("amount", required=price is None)
        reason_cols.append(("amount", r))
        if price is not None:
            amount = pc.if_else(
                pc.is_null(amount), pc.round(pc.multiply(out["qty_tiao"], price), 2), amount
            )
    else:
        amount = pc.round(pc.multiply(out["qty_tiao"], price), 2)
    missing_amount = pc.is_null(amount)
    out["amount"] = amount
    out["price"] = price if price is not None else pa.nulls(n, pa.float64())

    # the first problem of each row, in column order
    reason = pa.nulls(n, pa.string())
    column = pa.nulls(n, pa.string())
    for fld, r in reason_cols:
        take = pc.and_(pc.is_null(reason), pc.is_valid(r))
        reason = pc.if_else(take, r, reason)
        column = pc.if_else(take, label[fld], column)
    no_amount = pc.and_(pc.is_null(reason), missing_amount)
    lbl_amount = label.get("amount") or label.get("price")
    reason = pc.if_else(no_amount, t("imp.reason.empty", column=lbl_amount), reason)
    column = pc.if_else(no_amount, lbl_amount, column)

    bad = pc.and_(keep, pc.is_valid(reason))
    good = pc.and_(keep, pc.is_null(reason))
    rows = pa.array(range(first_row, first_row + n), pa.int64())
    rejects = []
    if pc.any(bad).as_py():
        bad_idx = pc.indices_nonzero(bad).to_pylist()
        reasons = reason.to_pylist()
        columns = column.to_pylist()
        for i in bad_idx:
            cells = [col[i].as_py() for col in cols]
            col_label = columns[i]
            col_idx = match.headers.index(col_label) if col_label in match.headers else None
            rejects.append(
                {
                    "row": first_row + i,
                    "cells": cells,
                    "column": col_label,
                    "value": cells[col_idx] if col_idx is not None else "",
                    "reason": reasons[i],
                }
            )
    table = pa.table(
        {
            "row": rows,
            "retailer_code": out["code"],
            "order_date": out["order_date"],
            "brand_code": out["brand_code"],
            "brand_name": out["brand_name"],
            "qty_tiao": out["qty_tiao"],
            "amount": out["amount"],
            "price": out["price"],
        }
    ).filter(good)
    read = n - skipped
    return table, rejects, skipped, read


# -- staging -------------------------------------------------------------------------------
class Stage:
    """A temporary SQLite file holding the valid lines until the merge."""

    def __init__(self, near: Path):
        self.dir = Path(tempfile.mkdtemp(prefix=".khtui-import-", dir=near))
        self.path = self.dir / "stage.db"
        self.rows = 0
        self.codes: set[str] = set()
        self.lo: str | None = None
        self.hi: str | None = None
        self._adbc = None
        self._sqlite = None
        try:
            import adbc_driver_sqlite.dbapi as adbc

            self._adbc = adbc.connect(str(self.path), autocommit=True)
            cur = self._adbc.cursor()
            for pragma in ("journal_mode = OFF", "synchronous = OFF"):
                cur.execute(f"PRAGMA {pragma}")
                cur.fetchall()
            cur.close()
        except ImportError:
            self._sqlite = sqlite3.connect(str(self.path), isolation_level=None)
            self._sqlite.execute("PRAGMA journal_mode = OFF")
            self._sqlite.execute("PRAGMA synchronous = OFF")
        self._create()

    def _create(self) -> None:
        sql = (
            "CREATE TABLE lines (row INTEGER, retailer_code TEXT, order_date TEXT, "
            "brand_code TEXT, brand_name TEXT, qty_tiao REAL, amount REAL, price REAL, "
            "skip INTEGER NOT NULL DEFAULT 0)"
        )
        if self._adbc is not None:
            cur = self._adbc.cursor()
            cur.execute(sql)
            cur.close()
        else:
            self._sqlite.execute(sql)

    def add(self, table) -> None:
        import pyarrow.compute as pc

        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        self.codes.update(pc.unique(table["retailer_code"]).to_pylist())
        lo, hi = pc.min_max(table["order_date"]).values()
        lo, hi = lo.as_py(), hi.as_py()
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)
        if self._adbc is not None:
            cur = self._adbc.cursor()
            cur.adbc_ingest("lines", table, mode="append")
            cur.close()
        else:
            self._sqlite.executemany(
                f"INSERT INTO lines ({', '.join(STAGE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(STAGE_COLUMNS))})",
                zip(*(table[c].to_pylist() for c in STAGE_COLUMNS), strict=True),
            )

    def finish(self) -> None:
        if self._adbc is not None:
            self._adbc.close()
            self._adbc = None
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def cleanup(self) -> None:
        self.finish()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- merging -------------------------------------------------------------------------------
_KEY = "retailer_code, order_date, brand_code"
_SAME = (
    "o.qty_tiao IS s.qty_tiao AND o.amount IS s.amount AND o.price IS s.price "
    "AND coalesce(o.brand_name, '') = coalesce(s.brand_name, '')"
)


class _Rollback(Exception):
    pass


def merge_staged(store, stage: Stage, *, dry_run: bool, extra_rejects: list) -> dict[str, Any]:
    """Replace the period's lines of the file's retailers with the staged lines, in one
    transaction. Returns the counts; rejects for conflicting duplicates go to
    ``extra_rejects``."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "removed": 0, "duplicates": 0}
    if stage.rows == 0:
        return counts
    conn = store.conn
    with store._lock:  # ATTACH is not allowed inside a transaction: hold the store meanwhile
        conn.execute("ATTACH DATABASE ? AS stage", (str(stage.path),))
        try:
            try:
                with store.write() as c:
                    _merge(store, c, stage, counts, extra_rejects)
                    counts["unknown_retailers"] = c.execute(
                        "SELECT count(*) FROM _imp_codes WHERE code NOT IN "
                        "(SELECT code FROM retailers)"
                    ).fetchone()[0]
                    if counts["unknown_retailers"]:
                        counts["unknown_lines"] = c.execute(
                            "SELECT count(*) FROM stage.lines WHERE NOT skip AND retailer_code "
                            "NOT IN (SELECT code FROM retailers)"
                        ).fetchone()[0]
                    changed = counts["new"] or counts["updated"] or counts["removed"]
                    if changed:
                        known = [
                            r[0]
                            for r in c.execute(
                                "SELECT code FROM _imp_codes WHERE code IN "
                                "(SELECT code FROM retailers)"
                            )
                        ]
                        if known:
                            store.recompute(store.today(), codes=known)
                    if dry_run or not changed:
                        raise _Rollback
            except _Rollback:
                pass
        finally:
            conn.execute("DETACH DATABASE stage")
    return counts


def _merge(store, c: sqlite3.Connection, stage: Stage, counts: dict, extra_rejects: list) -> None:
    c.execute("CREATE TEMP TABLE IF NOT EXISTS _imp_codes (code TEXT PRIMARY KEY)")
    c.execute("DELETE FROM _imp_codes")
    c.executemany("INSERT OR IGNORE INTO _imp_codes VALUES (?)", ((x,) for x in stage.codes))
    lo, hi = stage.lo, stage.hi
    in_period = "retailer_code IN (SELECT code FROM _imp_codes) AND order_date BETWEEN ? AND ?"
    kept = stage.rows - _resolve_duplicates(c, counts, extra_rejects)
    old = c.execute(f"SELECT count(*) FROM order_lines WHERE {in_period}", (lo, hi)).fetchone()[0]
    if old:
        matched, same = c.execute(
            f"SELECT count(*), coalesce(sum({_SAME}), 0) FROM stage.lines s "
            f"JOIN order_lines o USING ({_KEY}) WHERE NOT s.skip"
        ).fetchone()
        counts["unchanged"] = same
        counts["updated"] = matched - same
        counts["new"] = kept - matched
        counts["removed"] = old - matched
        if not (counts["new"] or counts["updated"] or counts["removed"]):
            return
        c.execute(f"DELETE FROM order_lines WHERE {in_period}", (lo, hi))
    else:
        counts["new"] = kept
    # A stored key outside the replaced period cannot clash: another date or another retailer.
    remaining = c.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    rebuild = kept >= REBUILD_SHARE * remaining
    if rebuild:
        c.execute("DROP INDEX IF EXISTS order_lines_key")
        c.execute("DROP INDEX IF EXISTS order_lines_date")
    cols = ", ".join(STAGE_COLUMNS[1:])
    where = " WHERE NOT skip" if kept < stage.rows else ""
    c.execute(f"INSERT INTO order_lines ({cols}) SELECT {cols} FROM stage.lines{where}")
    if rebuild:
        c.execute(f"CREATE UNIQUE INDEX order_lines_key ON order_lines ({_KEY})")
        c.execute("CREATE INDEX order_lines_date ON order_lines (order_date)")
    _refresh_aggregates(c, lo, hi)


def _resolve_duplicates(c, counts: dict, extra_rejects: list) -> int:
    """Mark every line whose key appeared on an earlier row of the file (kept once); one
    with other values is rejected. Returns how many lines were marked."""
    groups = c.execute(
        f"SELECT {_KEY}, min(row) AS first FROM stage.lines GROUP BY {_KEY} HAVING count(*) > 1"
    ).fetchall()
    marked = 0
    for g in groups:
        lines = c.execute(
            "SELECT row, qty_tiao, amount, price FROM stage.lines WHERE retailer_code = ? "
            "AND order_date = ? AND brand_code = ? ORDER BY row",
            (g["retailer_code"], g["order_date"], g["brand_code"]),
        ).fetchall()
        first = lines[0]
        for line in lines[1:]:
            c.execute("UPDATE stage.lines SET skip = 1 WHERE row = ?", (line["row"],))
            marked += 1
            if tuple(line)[1:] == tuple(first)[1:]:
                counts["duplicates"] += 1
            else:
                extra_rejects.append(
                    {
                        "row": line["row"],
                        "cells": [],
                        "column": "",
                        "value": f"{g['retailer_code']} {g['order_date']} {g['brand_code']}",
                        "reason": t("imp.reason.conflicting_duplicate", first=first["row"]),
                    }
                )
    return marked


def _refresh_aggregates(c, lo: str, hi: str) -> None:
    """Rebuild monthly_sales and monthly_brand_sales of the touched retailers and months."""
    c.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _imp_touched (retailer_code TEXT, month TEXT, "
        "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID"
    )
    c.execute("DELETE FROM _imp_touched")
    months = []
    m = lo[:7]
    from khtui.domain.months import add_months

    while m <= hi[:7]:
        months.append(m)
        m = add_months(m, 1)
    c.executemany(
        "INSERT INTO _imp_touched SELECT code, ? FROM _imp_codes", ((mm,) for mm in months)
    )
    c.execute(
        "DELETE FROM monthly_sales WHERE (retailer_code, month) IN "
        "(SELECT retailer_code, month FROM _imp_touched)"
    )
    c.execute(
        "DELETE FROM monthly_brand_sales WHERE (retailer_code, month) IN "
        "(SELECT retailer_code, month FROM _imp_touched)"
    )
    lo_m, hi_m = months[0] + "-01", months[-1] + "-31"
    c.execute(
        "INSERT INTO monthly_sales (retailer_code, month, qty_tiao, amount, lines) "
        "SELECT retailer_code, substr(order_date, 1, 7), sum(qty_tiao), round(sum(amount), 2), "
        "count(*) FROM order_lines WHERE retailer_code IN (SELECT code FROM _imp_codes) "
        "AND order_date BETWEEN ? AND ? GROUP BY retailer_code, substr(order_date, 1, 7)",
        (lo_m, hi_m),
    )
    c.execute(
        "INSERT INTO monthly_brand_sales (retailer_code, month, brand_code, qty_tiao, amount, "
        "first_date, last_date) SELECT retailer_code, substr(order_date, 1, 7), brand_code, "
        "sum(qty_tiao), round(sum(amount), 2), min(order_date), max(order_date) FROM order_lines "
        "WHERE retailer_code IN (SELECT code FROM _imp_codes) AND order_date BETWEEN ? AND ? "
        "GROUP BY retailer_code, substr(order_date, 1, 7), brand_code",
        (lo_m, hi_m),
    )


def stage_near(db_path: Path) -> Path:
    parent = Path(db_path).resolve().parent
    return parent if os.access(parent, os.W_OK) else Path(tempfile.gettempdir())
