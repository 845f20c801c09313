"""Order lines 订单明细 (key: customer code + order date + brand code), streamed.

Reading (in the importing process): the file is read in Arrow record batches (``pyarrow.csv``
for CSV; rows of a spreadsheet are batched the same way), every column as text. Each batch is
cleaned column by column: a column's distinct values are cleaned once (and remembered from
batch to batch) with the cleaners of :mod:`common`, then spread back over the rows; quantities
in 支/包/件 become 条; bad lines go to the rejects list. The monthly sums are kept in Arrow as
the batches pass (:mod:`aggregates`).

Writing, in one transaction (:class:`OrderWriter`): the stored lines of the file's period
(first to last order date) for the retailers in the file are replaced by the file's lines,
repeated lines are imported once, the monthly aggregates of the touched months are replaced,
and new / updated / unchanged / removed are counted against what was stored. A small file is
written on the store's own connection, staged through a temporary table. A large one is
written by a child process (:class:`ChildWriter`, started before the file is opened) that takes
the batches, sorted by key, as Arrow IPC on a pipe and bulk-ingests them (ADBC) straight into
``order_lines``, one b-tree keyed by date, retailer and brand, while the file streams.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from khtui.data.importers import adbc
from khtui.data.importers.aggregates import Aggregates, SentAggregates
from khtui.data.importers.common import (
    CsvSource,
    HeaderMatch,
    ImportFileError,
    ProgressFn,
    Source,
    ValueProblem,
    clean_code,
    encoding_changed,
    is_total_row,
    parse_date,
    parse_number,
)
from khtui.data.sales import ORDER_COLUMNS, sum_months
from khtui.domain.units import tiao_per
from khtui.i18n import t

BATCH_ROWS = 65536
# Distinct raw values remembered per column across batches (codes, dates and brands recur;
# the bound keeps a file of all-different junk from growing it without end).
MEMO_MAX = 100_000
# Arrow's CSV blocks: small ones keep the reader's memory flat (8 MiB blocks grew the reader
# from ~210 to ~530 MiB between 1M and 10M lines); they are handed on by about BATCH_ROWS.
CSV_BLOCK = 1 << 20
# Drop and rebuild the brand index of monthly_brand_sales when the import writes at least this
# share of the rows already there (a performance choice, not a business rule).
REBUILD_SHARE = 0.5
QTY_FIELDS = {"qty_tiao": "条", "qty_bao": "包", "qty_zhi": "支", "qty_jian": "件"}


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
            pending: list = []  # small blocks, handed on together (about BATCH_ROWS rows)
            rows = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                    raise _csv_error(source, exc) from None
                pending.append(batch)
                rows += batch.num_rows
                # the first block goes on alone: the writer starts while the rest is read
                if rows >= BATCH_ROWS or row == match.row_index + 2:
                    table = pa.Table.from_batches(pending)
                    yield row, [table.column(i) for i in range(width)]
                    row += rows
                    pending, rows = [], 0
            if pending:
                table = pa.Table.from_batches(pending)
                yield row, [table.column(i) for i in range(width)]
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _csv_error(source, exc) from None
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


def _csv_error(source: CsvSource, exc: Exception) -> ImportFileError:
    """Arrow's reading error as the user's: text that stops being the detected encoding part
    of the way down (UTF-8 is checked by Arrow, GB18030 by Python's codec), or bad CSV."""
    if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in str(exc):
        return encoding_changed(source.path, source.encoding)
    return ImportFileError(t("imp.error.csv", file=source.path.name, problem=exc))


def _clean_column(arr, fn: Callable[[str], Any], pa_type, memo: dict):
    """Clean a text column through its distinct values: (values, reasons) as Arrow arrays.
    ``memo`` keeps cleaned values from batch to batch (the same codes and dates recur)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr).combine_chunks() if hasattr(arr, "chunks") else None
    if enc is None:
        enc = pc.dictionary_encode(arr)
    values, reasons = [], []
    for raw in enc.dictionary.to_pylist():
        hit = memo.get(raw)
        if hit is None:
            try:
                hit = (fn(raw), None)
            except ValueProblem as exc:
                hit = (None, exc.reason)
            if len(memo) < MEMO_MAX:
                memo[raw] = hit
        values.append(hit[0])
        reasons.append(hit[1])
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


def clean_batch(first_row: int, cols: list, match: HeaderMatch, rules, memo: dict | None = None):
    """One batch of text columns -> (Arrow table of valid lines, rejects, skipped, read).

    Valid lines carry their file row number in ``row``. Blank rows and totals rows (合计)
    are skipped, not rejected: they are told apart among the rows that fail (few). Pass the
    same ``memo`` (a dict) for every batch of a file to clean each distinct value once.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    memo = {} if memo is None else memo

    n = len(cols[0]) if cols else 0
    c = match.columns
    label = {f: match.headers[i] for f, i in c.items()}
    values: dict[str, Any] = {}
    reason_cols: list[tuple[str, Any]] = []

    def code_fn(lbl):
        return lambda raw: clean_code(raw, lbl)

    for fld in ("code", "brand_code"):
        v, r = _clean_column(
            cols[c[fld]], code_fn(label[fld]), pa.string(), memo.setdefault(fld, {})
        )
        values[fld] = v
        reason_cols.append((fld, r))

    def date_fn(raw, lbl=label["order_date"]):
        d = parse_date(raw, lbl)
        if d is None:
            raise ValueProblem(t("imp.reason.empty", column=lbl))
        return d

    v, r = _clean_column(cols[c["order_date"]], date_fn, pa.string(), memo.setdefault("date", {}))
    values["order_date"] = v
    reason_cols.append(("order_date", r))

    def number(fld, *, required):
        col = cols[c[fld]]
        fast = _fast_float(col)
        if fast is not None:
            return fast, None

        def fn(raw, lbl=label[fld]):
            x = parse_number(raw, lbl)
            if x is None and required:
                raise ValueProblem(t("imp.reason.empty", column=lbl))
            return x

        return _clean_column(col, fn, pa.float64(), memo.setdefault(fld, {}))

    qty_field = next(f for f in QTY_FIELDS if f in c)
    unit = match.units.get(qty_field) or QTY_FIELDS[qty_field]
    qty, r = number(qty_field, required=True)
    reason_cols.append((qty_field, r))
    factor = tiao_per(unit, rules)
    qty_tiao = qty if factor == 1.0 else pc.round(pc.multiply(qty, factor), 4)
    price = None
    if "price" in c:
        price, r = number("price", required=False)
        reason_cols.append(("price", r))
    if "amount" in c:
        amount, r = number("amount", required=price is None)
        reason_cols.append(("amount", r))
        if price is not None and r is not None:
            amount = pc.if_else(
                pc.is_null(amount), pc.round(pc.multiply(qty_tiao, price), 2), amount
            )
    else:
        amount = pc.round(pc.multiply(qty_tiao, price), 2)

    # the first problem of each row, in column order
    reason = None
    column = None
    for fld, r in reason_cols:
        if r is None or r.null_count == len(r):
            continue
        if reason is None:
            reason = r
            column = pc.if_else(pc.is_valid(r), label[fld], pa.scalar(None, pa.string()))
        else:
            take = pc.and_(pc.is_null(reason), pc.is_valid(r))
            reason = pc.if_else(take, r, reason)
            column = pc.if_else(take, label[fld], column)
    no_amount = pc.is_null(amount)
    if pc.any(no_amount).as_py():  # neither amount nor price (rows bad elsewhere included)
        lbl = label.get("amount") or label.get("price")
        base = reason if reason is not None else pa.nulls(n, pa.string())
        take = pc.and_(pc.is_null(base), no_amount)
        reason = pc.if_else(take, t("imp.reason.empty", column=lbl), base)
        column = pc.if_else(take, lbl, column if column is not None else pa.nulls(n, pa.string()))

    rows = pa.array(np.arange(first_row, first_row + n, dtype=np.int64))
    rejects = []
    skipped = 0
    table = pa.table(
        {
            "row": rows,
            "retailer_code": values["code"],
            "order_date": values["order_date"],
            "brand_code": values["brand_code"],
            "brand_name": pc.utf8_trim_whitespace(cols[c["brand_name"]])
            if "brand_name" in c
            else pa.nulls(n, pa.string()),
            "qty_tiao": qty_tiao,
            "amount": amount,
            "price": price if price is not None else pa.nulls(n, pa.float64()),
        }
    )
    if reason is not None and reason.null_count < n:
        bad = pc.is_valid(reason)
        reasons = reason.to_pylist()
        columns = column.to_pylist()
        for i in pc.indices_nonzero(bad).to_pylist():
            cells = [col[i].as_py() for col in cols]
            if not any(x.strip() for x in cells) or is_total_row(cells):
                skipped += 1
                continue
            col_label = columns[i]
            col_idx = match.columns.get(
                next((f for f, h in label.items() if h == col_label), ""), None
            )
            rejects.append(
                {
                    "row": first_row + i,
                    "cells": cells,
                    "column": col_label,
                    "value": cells[col_idx] if col_idx is not None else "",
                    "reason": reasons[i],
                }
            )
        table = table.filter(pc.invert(bad))
    return table, rejects, skipped, n - skipped


# -- writing -------------------------------------------------------------------------------
_KEY = "retailer_code, order_date, brand_code"
# order_lines' primary key, in its order (schema migration 4)
_KEY_ORDER = "order_date, retailer_code, brand_code"
_SORT_KEYS = [("order_date", "ascending"), ("retailer_code", "ascending"), ("brand_code", "ascending")]  # fmt: skip
_SAME = (
    "o.qty_tiao IS s.qty_tiao AND o.amount IS s.amount AND o.price IS s.price "
    "AND coalesce(o.brand_name, '') = coalesce(s.brand_name, '')"
)
_CODES = "retailer_code IN (SELECT code FROM _imp_codes)"


TEMP_TABLES = ("_stage", "_imp_codes", "_old", "_imp_touched")


class _KeyTwice(Exception):
    """A direct ingest met a key already written by this import (a repeated line)."""


class OrderWriter:
    """One write transaction for one orders import, on its own connection to the database.

    Two ways to write the lines (``order_lines`` is one b-tree keyed by date, retailer, brand):

    * direct (``spool_dir`` given: the child process that writes a large file): each batch,
      sorted by the key by the reading process, is bulk-ingested straight into ``order_lines`` while the file
      streams, unless its dates overlap the dates stored before the import (it might replace
      stored lines): such a batch waits until the file's period is known and the stored lines
      of that period and of the file's retailers are removed. Every batch is also kept in a
      spool (an Arrow IPC file in ``spool_dir``). A key met twice (a line repeated in the
      file) makes the ingest fail: the transaction is rolled back and the file is written
      again the staged way, from the spool.
    * staged: the lines go to a temporary table first; repeated lines are found with SQL,
      the period's stored lines replaced, and the rest inserted in key order.
    """

    def __init__(self, conn, *, spool_dir: str | None = None):
        self.conn = conn
        self.cur = conn.cursor()
        self.spool_dir = spool_dir
        self.direct = spool_dir is not None
        self.rows = 0
        self.code_lines: dict[str, int] = {}
        self.lo: str | None = None
        self.hi: str | None = None
        self.aggregates = Aggregates()
        self.deferred: list[int] = []
        self.failed = False
        self._spool = None
        self._spool_batches = 0
        self._begin()

    def _begin(self) -> None:
        self._exec("BEGIN IMMEDIATE")
        for name in TEMP_TABLES:  # left by an earlier import on the same connection
            self._exec(f"DROP TABLE IF EXISTS temp.{name}")
        # the dates stored before the import (min and max of the key's first column)
        self.slo, self.shi = self._exec(
            "SELECT (SELECT min(order_date) FROM order_lines), "
            "(SELECT max(order_date) FROM order_lines)"
        )[0]
        if not self.direct:
            self._exec(
                "CREATE TEMP TABLE _stage (row INTEGER PRIMARY KEY, retailer_code TEXT, "
                "order_date TEXT, brand_code TEXT, brand_name TEXT, qty_tiao REAL, amount REAL, "
                "price REAL, skip INTEGER NOT NULL DEFAULT 0)"
            )

    # -- plumbing ---------------------------------------------------------------------------
    def _exec(self, sql: str, params: tuple = ()) -> list:
        self.cur.execute(sql, params) if params else self.cur.execute(sql)
        try:
            return self.cur.fetchall()
        except Exception:  # statements without a result set
            return []

    def _one(self, sql: str, params: tuple = ()):
        rows = self._exec(sql, params)
        return rows[0][0] if rows else None

    def _ingest(self, name: str, table, *, temporary: bool = False) -> None:
        if hasattr(self.cur, "adbc_ingest"):
            self.cur.adbc_ingest(name, table, mode="append", temporary=temporary)
        else:
            cols = table.column_names
            self.conn.executemany(
                f"INSERT INTO {'temp.' if temporary else ''}{name} ({', '.join(cols)}) "
                f"VALUES ({', '.join('?' * len(cols))})",
                zip(*(table[x].to_pylist() for x in cols), strict=True),
            )

    def _ingest_lines(self, table) -> None:
        """Direct: one batch, already sorted by the key, into order_lines (appends when the
        file is in date order). A repeated key fails the ingest: the caller starts again
        staged."""
        try:
            self._ingest("order_lines", table.drop_columns(["row"]))
        except Exception as exc:  # sqlite3.IntegrityError or ADBC's error
            if "UNIQUE" not in str(exc).upper():
                raise
            self.failed = True

    def _spool_write(self, table) -> list[int]:
        import pyarrow as pa

        if self._spool is None:
            sink = pa.OSFile(str(Path(self.spool_dir) / "lines.arrow"), "wb")
            self._spool = (sink, pa.ipc.new_file(sink, table.schema))
        first = self._spool_batches
        for batch in table.to_batches():
            self._spool[1].write_batch(batch)
            self._spool_batches += 1
        return list(range(first, self._spool_batches))

    def _spool_reader(self):
        """The spool, for reading (it is closed for writing first); batches are read one by
        one into memory (not memory-mapped, which would count the whole file as resident)."""
        import pyarrow as pa

        if self._spool is not None:
            sink, writer = self._spool
            writer.close()
            sink.close()
            self._spool = None
        return pa.ipc.open_file(pa.OSFile(str(Path(self.spool_dir) / "lines.arrow")))

    # -- streaming --------------------------------------------------------------------------
    def add(self, table) -> None:
        import pyarrow.compute as pc

        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        vc = pc.value_counts(table["retailer_code"])
        lines = self.code_lines
        for code, n in zip(
            vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
        ):
            lines[code] = lines.get(code, 0) + n
        lo, hi = (x.as_py() for x in pc.min_max(table["order_date"]).values())
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)
        self.aggregates.add(table)
        if not self.direct:
            self._ingest("_stage", table, temporary=True)
            return
        batches = self._spool_write(table)
        if self.failed:
            return
        if self.slo is not None and lo <= self.shi and hi >= self.slo:
            self.deferred.extend(batches)  # may replace stored lines: after the period is known
        else:
            self._ingest_lines(table)

    # -- merging ----------------------------------------------------------------------------
    def merge(self, rejects: list) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "unchanged": 0, "removed": 0, "duplicates": 0}
        if self.rows == 0:
            return counts
        if self.direct and not self.failed:
            try:
                return self._merge_direct(counts)
            except _KeyTwice:
                pass
        if self.direct:
            self._restart_staged()
        return self._merge_staged(counts, rejects)

    def _codes(self) -> None:
        self._exec("CREATE TEMP TABLE _imp_codes (code TEXT PRIMARY KEY)")
        self._ingest("_imp_codes", _codes_table(self.code_lines), temporary=True)

    def _merge_direct(self, counts: dict) -> dict:
        import pyarrow as pa

        self._codes()
        old = 0
        if self.deferred:
            old = self._take_old(max(self.lo, self.slo), min(self.hi, self.shi))
        others = self._others_in_months()
        if self.deferred:
            reader = self._spool_reader()
            for i in self.deferred:
                self._ingest_lines(pa.Table.from_batches([reader.get_batch(i)]))
                if self.failed:
                    raise _KeyTwice
        self._count(counts, old, self.rows)
        if counts["new"] or counts["updated"] or counts["removed"]:
            self._aggregates(bool(old) or others)
        return counts

    def _restart_staged(self) -> None:
        """Roll the direct writes back and write the spooled file the staged way."""
        import pyarrow as pa

        self._exec("ROLLBACK")
        self.direct = False
        self._begin()
        reader = self._spool_reader()
        for i in range(reader.num_record_batches):
            self._ingest("_stage", pa.Table.from_batches([reader.get_batch(i)]), temporary=True)

    def _merge_staged(self, counts: dict, rejects: list) -> dict:
        self._codes()
        marked = self._duplicates_in_stage(counts, rejects)
        old = self._take_old(self.lo, self.hi)
        others = self._others_in_months()
        cols = ", ".join(ORDER_COLUMNS)
        self._exec(
            f"INSERT INTO order_lines ({cols}) SELECT {cols} FROM _stage WHERE NOT skip "
            f"ORDER BY {_KEY_ORDER}"
        )
        self._count(counts, old, self.rows - marked)
        if counts["new"] or counts["updated"] or counts["removed"]:
            self._aggregates(bool(old) or marked > 0 or others)
        return counts

    def _take_old(self, lo: str, hi: str) -> int:
        """Remove the stored lines of the file's retailers in its period, kept in ``_old`` to
        count what changed. Returns how many."""
        if lo > hi:
            return 0
        where = f"order_date BETWEEN ? AND ? AND {_CODES}"
        old = self._one(f"SELECT count(*) FROM order_lines WHERE {where}", (lo, hi))
        if old:
            self._exec(
                f"CREATE TEMP TABLE _old AS SELECT {', '.join(ORDER_COLUMNS)} FROM order_lines "
                f"WHERE {where}",
                (lo, hi),
            )
            self._exec(f"DELETE FROM order_lines WHERE {where}", (lo, hi))
        return old

    def _count(self, counts: dict, old: int, kept: int) -> None:
        """new / updated / unchanged / removed, once the file's lines are in: the lines of
        the file's retailers in its period are then exactly the file's."""
        if not old:
            counts["new"] = kept
            return
        join = f"SELECT count(*) FROM _old o JOIN order_lines s USING ({_KEY})"
        matched = self._one(join)
        same = self._one(f"{join} WHERE {_SAME}")
        counts.update(
            unchanged=same, updated=matched - same, new=kept - matched, removed=old - matched
        )

    def _others_in_months(self) -> bool:
        """Stored lines of these retailers in the touched months, outside the period (call it
        before the file's lines go in the stored date range)."""
        if self.slo is None:
            return False
        lo, hi = max(self.lo[:7] + "-01", self.slo), min(self.hi[:7] + "-31", self.shi)
        if lo > hi:
            return False
        return bool(
            self._one(
                f"SELECT EXISTS (SELECT 1 FROM order_lines WHERE order_date BETWEEN ? AND ? "
                f"AND {_CODES})",
                (lo, hi),
            )
        )

    def _duplicates_in_stage(self, counts: dict, rejects: list) -> int:
        groups = self._exec(f"SELECT {_KEY} FROM _stage GROUP BY {_KEY} HAVING count(*) > 1")
        marked = 0
        for g in groups:
            lines = self._exec(
                "SELECT row, qty_tiao, amount, price FROM _stage WHERE retailer_code = ? "
                "AND order_date = ? AND brand_code = ? ORDER BY row",
                tuple(g),
            )
            first = lines[0]
            for line in lines[1:]:
                self._exec("UPDATE _stage SET skip = 1 WHERE row = ?", (line[0],))
                marked += 1
                if tuple(line[1:]) == tuple(first[1:]):
                    counts["duplicates"] += 1
                else:
                    rejects.append(
                        {
                            "row": line[0],
                            "cells": [],
                            "column": "",
                            "value": " ".join(str(x) for x in g),
                            "reason": t("imp.reason.conflicting_duplicate", first=first[0]),
                        }
                    )
        return marked

    def _aggregates(self, sql: bool) -> None:
        """Replace the monthly aggregates of the touched retailers and months: from the
        Arrow sums of the file's lines when they are the whole story, else from order_lines
        month by month (one range of the key each, so SQLite sorts one month at a time)."""
        from khtui.domain.months import add_months

        months = []
        m = self.lo[:7]
        while m <= self.hi[:7]:
            months.append(m)
            m = add_months(m, 1)
        self._exec(
            "CREATE TEMP TABLE _imp_touched (retailer_code TEXT, month TEXT, "
            "PRIMARY KEY (retailer_code, month)) WITHOUT ROWID"
        )
        for mm in months:
            self._exec("INSERT INTO _imp_touched SELECT code, ? FROM _imp_codes", (mm,))
        for table in ("monthly_sales", "monthly_brand_sales"):
            self._exec(
                f"DELETE FROM {table} WHERE (retailer_code, month) IN "
                "(SELECT retailer_code, month FROM _imp_touched)"
            )
        brand, monthly = (
            (None, None) if sql or self.aggregates.given_up else self.aggregates.tables()
        )
        big = (brand.num_rows if brand is not None else self.rows) >= REBUILD_SHARE * self._one(
            "SELECT count(*) FROM monthly_brand_sales"
        )
        if big:
            self._exec("DROP INDEX IF EXISTS monthly_brand_sales_brand")
        if brand is not None:
            self._ingest("monthly_brand_sales", brand)
            self._ingest("monthly_sales", monthly)
        else:
            sum_months(self._exec, months, _CODES)
        if big:
            self._exec(
                "CREATE INDEX monthly_brand_sales_brand ON monthly_brand_sales (brand_code, month)"
            )

    def unknown_retailers(self) -> tuple[int, int]:
        if not self.rows:
            return 0, 0
        unknown = [
            r[0]
            for r in self._exec(
                "SELECT code FROM _imp_codes WHERE code NOT IN (SELECT code FROM retailers)"
            )
        ]
        if not unknown:
            return 0, 0
        if self.direct:  # no repeated lines: every line of the file went in
            return len(unknown), sum(self.code_lines[c] for c in unknown)
        lines = self._one(
            "SELECT count(*) FROM _stage WHERE NOT skip AND retailer_code NOT IN "
            "(SELECT code FROM retailers)"
        )
        return len(unknown), lines

    def known_codes(self) -> list[str]:
        return [
            r[0]
            for r in self._exec(
                "SELECT code FROM _imp_codes WHERE code IN (SELECT code FROM retailers)"
            )
        ]

    def commit(self) -> None:
        self._exec("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(Exception):  # already rolled back by an error
            self._exec("ROLLBACK")

    def close_spool(self) -> None:
        if self._spool is not None:
            sink, writer = self._spool
            self._spool = None
            with contextlib.suppress(Exception):
                writer.close()
            sink.close()


def _codes_table(codes):
    import pyarrow as pa

    return pa.table({"code": pa.array(sorted(codes), pa.string())})


# A rough size of one order line in a file, to tell a large load from a small one.
BYTES_PER_LINE = 64
# Files expected to hold at least this many lines are written by a child process (ADBC bulk
# ingest). Smaller ones are written on the store's own connection. Two SQLite libraries must
# never open the same database file in one process (POSIX locks are per process: one
# library's close drops the other's locks), so ADBC only ever runs in the child.
CHILD_MIN_LINES = 200_000


def _run_writer(
    writer: OrderWriter, batches, *, dry_run: bool, rejects: list, before_commit=None
) -> dict:
    try:
        for table in batches:
            writer.add(table)
        counts = writer.merge(rejects)
        counts["unknown_retailers"], counts["unknown_lines"] = writer.unknown_retailers()
        changed = counts["new"] or counts["updated"] or counts["removed"]
        counts["known"] = writer.known_codes() if changed and writer.rows else []
        counts["period"] = [writer.lo, writer.hi] if writer.lo else None
        if dry_run or not changed:
            writer.rollback()
        else:
            if before_commit is not None and counts["known"]:
                before_commit(counts["known"])
                counts["known"] = []
            writer.commit()
    except BaseException:
        writer.rollback()
        raise
    return counts


def write_orders(store, batches, *, child: ChildWriter | None, dry_run: bool, rejects: list):
    """Write cleaned Arrow tables in one transaction; returns (counts, period). A dry run
    rolls back at the end. Derived values of the known retailers are recomputed after.
    A large file is written by ``child`` (see :func:`start_child`), a small one here."""
    if child is not None:
        counts = child.write(batches)
        rejects.extend(counts.pop("rejects"))
    else:

        def recompute_inside(codes):
            # join the writer's transaction: store.write() nests when its depth is set
            store._depth += 1
            try:
                store.recompute(store.today(), codes=codes)
            finally:
                store._depth -= 1

        with store._lock:  # the store's connection, for this thread alone meanwhile
            writer = OrderWriter(store.conn)
            try:
                counts = _run_writer(
                    writer,
                    batches,
                    dry_run=dry_run,
                    rejects=rejects,
                    before_commit=recompute_inside,
                )
            finally:
                writer.cur.close()
    known = counts.pop("known")
    if known and not dry_run:
        store.recompute(store.today(), codes=known)
    period = tuple(counts.pop("period")) if counts.get("period") else None
    return counts, period


class WriterFailed(ImportFileError):
    """The child process that writes a large import failed; nothing was written."""


def start_child(store, path: Path, *, dry_run: bool) -> ChildWriter | None:
    """The child process for a file expected to hold at least CHILD_MIN_LINES lines, started
    before the file is read so that its start-up (Python, Arrow, ADBC, BEGIN) overlaps the
    reader's; None for a smaller file."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the importer says what is wrong with the path
    if size // BYTES_PER_LINE < CHILD_MIN_LINES:
        return None
    return ChildWriter(store, dry_run=dry_run)


class ChildWriter:
    """``python -m khtui.data.importers.orders``: takes the cleaned lines as Arrow IPC on its
    stdin and writes them in one transaction on its own connection (ADBC); prints the counts
    as JSON. Until :meth:`write` has returned, :meth:`close` kills it: its transaction dies with
    it and nothing is written."""

    def __init__(self, store, *, dry_run: bool):
        import json
        import subprocess

        args = {"db": str(store.path), "dry_run": dry_run}
        self._errfile = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "khtui.data.importers.orders", json.dumps(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errfile,
        )

    def write(self, batches) -> dict:
        import json

        import pyarrow as pa

        proc = self.proc
        aggregates = Aggregates()
        sums: list = []

        def prepared():
            # the reader process is mostly idle: it sums and sorts, the child only writes
            for table in batches:
                aggregates.add(table)
                yield table.sort_by(_SORT_KEYS)
            # the last sums, still in the reading thread while the last batches are written
            sums.append((None, None) if aggregates.given_up else aggregates.tables())

        sink = pa.PythonFile(proc.stdin, mode="w")
        stream = None
        try:
            for table in _prefetch(prepared()):
                if stream is None:
                    stream = pa.ipc.new_stream(sink, table.schema)
                stream.write_table(table)
            if stream is not None:
                stream.close()
                # then the monthly aggregates, two more streams (empty: given up, use SQL)
                brand, monthly = sums[0]
                for part in (brand, monthly):
                    if part is None:
                        part = pa.table({"retailer_code": pa.array([], pa.string())})
                    with pa.ipc.new_stream(sink, part.schema) as more:
                        more.write_table(part)
            sink.close()
        except (OSError, pa.ArrowException):
            # a broken pipe: the child stopped (a locked database, …); say what it said
            if proc.wait() != 0:
                raise self._failed() from None
            raise
        out = proc.stdout.read()
        if proc.wait() != 0:
            raise self._failed()
        return json.loads(out)

    def _failed(self) -> WriterFailed:
        from khtui.data.base import is_locked

        self._errfile.seek(0)
        lines = self._errfile.read().decode("utf-8", "replace").strip().splitlines()
        last = lines[-1] if lines else f"exit {self.proc.returncode}"
        if is_locked(last):
            return WriterFailed(t("error.db_locked"))
        return WriterFailed(last)

    def close(self) -> None:
        """Kill the child if it is still running (an error or an interrupt on the way)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self._errfile):
            with contextlib.suppress(Exception):  # a pipe the child has broken
                f.close()


def _import_pandas() -> None:
    with contextlib.suppress(ImportError):
        import pandas  # noqa: F401


class _WalFlusher:
    """Writes the WAL to disk in the background while the import still computes.

    With ``synchronous = NORMAL`` SQLite syncs the WAL only at the checkpoint after COMMIT,
    when it holds the whole import (~100 MiB per million lines); syncing it every fraction
    of a second meanwhile leaves that sync little to do. Only the WAL file is touched (SQLite
    keeps no POSIX locks on it, so this second descriptor cannot disturb its locking)."""

    def __init__(self, db: str, every: float = 0.25):
        self._wal = db + "-wal"
        self._every = every
        self._stop = threading.Event()
        self._fd: int | None = None
        self._thread = threading.Thread(target=self._run, name="khtui-wal-flush", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                if self._fd is None:
                    self._fd = os.open(self._wal, os.O_RDONLY)
                os.fdatasync(self._fd)
            except OSError:  # no WAL yet, or a file system that cannot: the checkpoint syncs
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _child_main(argv: list[str]) -> int:
    """``python -m khtui.data.importers.orders ARGS``: read Arrow IPC tables on stdin, write
    them in one transaction, print the counts as JSON."""
    import json

    import pyarrow as pa

    args = json.loads(argv[0])
    # pyarrow imports pandas the first time it converts Python values (the codes met, query
    # parameters): do it now, while the child waits for the reader's first batch, rather
    # than inside the transaction's last steps
    threading.Thread(target=_import_pandas, name="khtui-import-preload", daemon=True).start()
    conn = adbc.connect(args["db"])
    # the spool sits next to the database (the same disk; /tmp may be memory)
    spool = tempfile.TemporaryDirectory(
        prefix=".khtui-import-", dir=Path(args["db"]).resolve().parent
    )
    writer = None
    try:
        writer = OrderWriter(conn, spool_dir=spool.name)
        writer.aggregates = SentAggregates()
        rejects: list = []
        src = pa.input_stream(sys.stdin.buffer)

        def received():
            try:
                reader = pa.ipc.open_stream(src)
            except pa.ArrowInvalid:  # nothing was sent: no valid lines
                return
            for b in reader:
                yield pa.Table.from_batches([b])
            brand = pa.ipc.open_stream(src).read_all()
            monthly = pa.ipc.open_stream(src).read_all()
            writer.aggregates = SentAggregates(brand, monthly)

        tables = received()
        flusher = _WalFlusher(args["db"])
        try:
            counts = _run_writer(writer, tables, dry_run=args["dry_run"], rejects=rejects)
        finally:
            flusher.stop()
        counts["rejects"] = rejects
        sys.stdout.write(json.dumps(counts))
    finally:
        if writer is not None:
            writer.close_spool()
        conn.close()
        spool.cleanup()
    return 0


def _prefetch(batches, depth: int = 2):
    """Read and clean the next batches in a thread while the current one is written (the
    Arrow reader and the pipe both run outside the GIL). Errors are re-raised here."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def run() -> None:
        try:
            for b in batches:
                if stop.is_set():
                    return
                q.put(b)
            q.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    th = threading.Thread(target=run, name="khtui-import-reader", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                th.join(0.05)


if __name__ == "__main__":
    code = _child_main(sys.argv[1:])
    # Everything is committed, closed and cleaned up by now: skip the interpreter's teardown
    # (freeing Arrow's and NumPy's modules, ~0.07 s that the importer would wait for).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
