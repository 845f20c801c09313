"""Reading and cleaning an orders file (the importing process): Arrow batches of valid lines.

The file is read in Arrow record batches (``pyarrow.csv`` for CSV; rows of a spreadsheet are
batched the same way), every column as text. Each batch is cleaned column by column: a column's
distinct values are cleaned once (and remembered from batch to batch) with the cleaners of
:mod:`common`, then spread back over the rows; quantities in 支/包/件 become 条; bad lines
become rejects (row, column, value, reason). Text read from a CSV file first loses the quote
that khtui puts before a cell a spreadsheet would run (:func:`khtui.data.cells.restore`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterator, MutableSequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khtui.data.importers.common import (
    CsvSource,
    HeaderMatch,
    ImportFileError,
    ProgressFn,
    Source,
    TextLimits,
    ValueProblem,
    check_length,
    clean_code,
    encoding_changed,
    is_total_row,
    parse_date,
    parse_number,
)
from khtui.domain.limits import NUMBER_MAX
from khtui.domain.units import tiao_per

BATCH_ROWS = 65536
# Distinct raw values remembered per column across batches (codes, dates and brands recur;
# the bound keeps a file of all-different junk from growing it without end).
MEMO_MAX = 100_000
# Raw values longer than this are cleaned every time, never remembered (a file of long junk
# cells must not fill the memo).
MEMO_VALUE_MAX = 256
# Arrow's CSV blocks: small ones keep the reader's memory flat (it holds dozens of blocks at
# once: 8 MiB blocks grew the reader from ~210 to ~530 MiB between 1M and 10M lines; 1 MiB
# ones took ~70 MiB, 128 KiB ones ~15 MiB, for the same CPU); they are handed on by about
# BATCH_ROWS.
CSV_BLOCK = 1 << 17
QTY_FIELDS = {"qty_tiao": "条", "qty_bao": "包", "qty_zhi": "支", "qty_jian": "件"}
# A text cell that khtui neutralised for spreadsheets: the quote it added, before a trigger.
_NEUTRALISED = r"^'('*[=+\-@\t\r])"


@dataclass(frozen=True)
class CleanContext:
    """What cleaning a batch needs besides the batch: the rules, the latest order date
    accepted (today plus the rules' margin) and the text limits."""

    rules: Any
    latest_date: str
    limits: TextLimits
    say: Callable[..., str]  # a reason in the rejects file's words (RejectsSink.say)

    @classmethod
    def of(cls, rules, today: dt.date, say: Callable[..., str]) -> CleanContext:
        days = rules.imports.limits.order_future_days
        latest = (today + dt.timedelta(days=days)).isoformat()
        return cls(rules, latest, TextLimits.of(rules), say)


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
    source: Source,
    match: HeaderMatch,
    progress: ProgressFn | None,
    invalid: MutableSequence[Any],
) -> Generator[tuple[int, list[Any]], None, None]:
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
                    yield row, _restored(pa.Table.from_batches(pending), width)
                    row += rows
                    pending, rows = [], 0
            if pending:
                yield row, _restored(pa.Table.from_batches(pending), width)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _csv_error(source, exc) from None
        finally:
            f.close()
        return

    lines = source.rows()
    for _ in range(match.row_index + 1):
        next(lines, None)
    buf: list[list[str]] = []
    row = match.row_index + 2
    for line in lines:
        cells = (list(line) + [""] * width)[:width]
        buf.append(cells)
        if len(buf) >= BATCH_ROWS:
            yield row, [pa.array(col, pa.string()) for col in zip(*buf, strict=True)]
            row += len(buf)
            buf = []
    if buf:
        yield row, [pa.array(col, pa.string()) for col in zip(*buf, strict=True)]


def _restored(table, width: int) -> list:
    """The batch's text columns with khtui's spreadsheet-safety quote removed (a khtui CSV
    imported back gives the original text; see :mod:`khtui.data.cells`)."""
    import pyarrow.compute as pc

    cols = []
    for i in range(width):
        col = table.column(i)
        if pc.any(pc.starts_with(col, "'")).as_py():  # rare: only then the regex
            col = pc.replace_substring_regex(col, _NEUTRALISED, r"\1")
        cols.append(col)
    return cols


def _csv_error(source: CsvSource, exc: Exception) -> ImportFileError:
    """Arrow's reading error as the user's: text that stops being the detected encoding part
    of the way down (UTF-8 is checked by Arrow, GB18030 by Python's codec), or bad CSV."""
    if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in str(exc):
        return encoding_changed(source.path, source.encoding)
    return ImportFileError("imp.error.csv", file=source.path.name, problem=exc)


def _clean_column(arr, fn: Callable[[str], Any], pa_type, memo: dict, say: Callable[..., str]):
    """Clean a text column through its distinct values: (values, reasons) as Arrow arrays,
    reasons None when every value is good. ``memo`` keeps cleaned values from batch to batch
    (the same codes and dates recur). A text column whose every value is already clean is
    handed on as it is (one copy), not rebuilt value by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    raws = enc.dictionary.to_pylist()
    values, reasons = [], []
    for raw in raws:
        hit = memo.get(raw)
        if hit is None:
            try:
                hit = (fn(raw), None)
            except ValueProblem as exc:
                hit = (None, say(exc.key, **exc.params))
            if len(memo) < MEMO_MAX and len(raw) <= MEMO_VALUE_MAX:
                memo[raw] = hit
        values.append(hit[0])
        reasons.append(hit[1])
    idx = enc.indices
    good = all(r is None for r in reasons)
    if good and pa_type == pa.string() and values == raws:
        return (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr), None
    return (
        pc.take(pa.array(values, pa_type), idx),
        None if good else pc.take(pa.array(reasons, pa.string()), idx),
    )


def _fast_float(arr):
    """A whole column of plain numbers cast at once; None when any cell needs the slow path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        out = pc.cast(arr, pa.float64())  # an empty or blank cell fails here too
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not pc.all(pc.greater_equal(out, 0)).as_py():  # a negative number or NaN
        return None
    if not pc.all(pc.less_equal(out, NUMBER_MAX)).as_py():  # too large (1e400 is infinity)
        return None
    return out


def clean_batch(
    first_row: int, cols: list, match: HeaderMatch, ctx: CleanContext, memo: dict | None = None
):
    """One batch of text columns -> (Arrow table of valid lines, :class:`BadRows`).

    Valid lines carry their file row number in ``row``. Blank rows and totals rows (合计)
    are skipped, not rejected: they are told apart among the rows that fail, as the rejects
    are read (:class:`BadRows`). Pass the same ``memo`` (a dict) for every batch of a file to
    clean each distinct value once.
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

    rules = ctx.rules

    def code_fn(lbl):
        return lambda raw: clean_code(raw, lbl, ctx.limits.code)

    for fld in ("code", "brand_code"):
        v, r = _clean_column(
            cols[c[fld]], code_fn(label[fld]), pa.string(), memo.setdefault(fld, {}), ctx.say
        )
        values[fld] = v
        reason_cols.append((fld, r))

    def date_fn(raw, lbl=label["order_date"]):
        d = parse_date(raw, lbl)
        if d is None:
            raise ValueProblem("imp.reason.empty", column=lbl)
        if d > ctx.latest_date:
            raise ValueProblem("imp.reason.future", column=lbl, value=d, latest=ctx.latest_date)
        return d

    v, r = _clean_column(
        cols[c["order_date"]], date_fn, pa.string(), memo.setdefault("date", {}), ctx.say
    )
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
                raise ValueProblem("imp.reason.empty", column=lbl)
            return x

        return _clean_column(col, fn, pa.float64(), memo.setdefault(fld, {}), ctx.say)

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
        if price is not None and amount.null_count:  # empty amounts: quantity × price
            amount = pc.if_else(
                pc.is_null(amount), pc.round(pc.multiply(qty_tiao, price), 2), amount
            )
    else:
        amount = pc.round(pc.multiply(qty_tiao, price), 2)

    if "brand_name" in c:

        def name_fn(raw, lbl=label["brand_name"]):
            return check_length(raw.strip(), lbl, ctx.limits.name)

        brand_name, r = _clean_column(
            cols[c["brand_name"]], name_fn, pa.string(), memo.setdefault("brand_name", {}), ctx.say
        )
        reason_cols.append(("brand_name", r))
    else:
        brand_name = pa.nulls(n, pa.string())

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
        reason = pc.if_else(take, ctx.say("imp.reason.empty", column=lbl), base)
        column = pc.if_else(take, lbl, column if column is not None else pa.nulls(n, pa.string()))

    rows = pa.array(np.arange(first_row, first_row + n, dtype=np.int64))
    table = pa.table(
        {
            "row": rows,
            "retailer_code": values["code"],
            "order_date": values["order_date"],
            "brand_code": values["brand_code"],
            "brand_name": brand_name,
            "qty_tiao": qty_tiao,
            "amount": amount,
            "price": price if price is not None else pa.nulls(n, pa.float64()),
        }
    )
    if reason is None or reason.null_count == n:
        return table, BadRows(first_row, n)
    bad = pc.is_valid(reason)
    idx = pc.indices_nonzero(bad)
    index_of = {h: match.columns[f] for f, h in label.items()}  # label -> file column
    rejects = BadRows(
        first_row,
        n,
        idx,
        [pc.take(col, idx) for col in cols],
        pc.take(column, idx),
        pc.take(reason, idx),
        index_of,
        held=pc.unique(pc.drop_null(pc.take(values["code"], idx))).to_pylist(),
    )
    return table.filter(pc.invert(bad)), rejects


# Bad rows turned into Python values at a time (the rest stay in Arrow's compact form).
BAD_CHUNK = 4096


@dataclass
class BadRows:
    """The bad rows of a batch, kept as Arrow arrays and read out as rejects a few thousand
    at a time, so that a file of nearly all bad rows takes no more memory than a good one.
    Blank and totals rows among them are skipped, not rejected: ``skipped`` counts them as
    the rejects are read, and ``read`` is then the batch's rows less those."""

    first_row: int
    rows: int  # every row of the batch
    idx: Any = None  # positions of the bad rows in the batch
    cells: list = field(default_factory=list)  # their cells, one array per file column
    column: Any = None  # the label of the column at fault
    reason: Any = None
    index_of: dict = field(default_factory=dict)  # column label -> file column
    # the retailers of the bad rows whose code is good: the file holds lines of theirs it
    # could not read, so their stored lines of the period are not taken as gone
    held: list = field(default_factory=list)
    skipped: int = 0

    @property
    def read(self) -> int:
        return self.rows - self.skipped

    def __iter__(self) -> Iterator[dict]:
        if self.idx is None:
            return
        for start in range(0, len(self.idx), BAD_CHUNK):

            def part(arr, start=start):
                return arr.slice(start, BAD_CHUNK).to_pylist()

            for i, bad_cells, col_label, why in zip(
                part(self.idx),
                zip(*(part(col) for col in self.cells), strict=True),
                part(self.column),
                part(self.reason),
                strict=True,
            ):
                cells = list(bad_cells)
                if not any(x.strip() for x in cells) or is_total_row(cells):
                    self.skipped += 1
                    continue
                col_idx = self.index_of.get(col_label)
                yield {
                    "row": self.first_row + i,
                    "cells": cells,
                    "column": col_label,
                    "value": cells[col_idx] if col_idx is not None else "",
                    "reason": why,
                }
