"""Importers of the company's exports: retailers 零售户, order lines 订单明细, brands 卷烟.

:func:`preview` reads the head of a file (format, encoding, header mapping, first rows) without
writing anything; :func:`import_file` imports it in one transaction and returns an
:class:`ImportResult` (a dry run counts the same and writes nothing to the database). Bad rows
go to a rejects file next to the input (never over an existing file).
"""

from __future__ import annotations

import os
from pathlib import Path

from khtui.data.importers.common import (
    ImportFileError,
    ProgressFn,
    ValueProblem,
    default_rejects_path,
    find_header,
    free_path,
    header_spec,
    is_total_row,
    open_source,
    write_rejects,
)
from khtui.data.importers.result import ImportResult, Preview
from khtui.i18n import t

KINDS = ("retailers", "orders", "brands")
REJECTS_SHOWN = 20  # rejected rows kept on the result for a screen to show

__all__ = ["KINDS", "ImportFileError", "ImportResult", "Preview", "import_file", "preview"]


class _Rollback(Exception):
    pass


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ImportFileError(t("imp.error.kind", kind=kind))


def preview(path: str | os.PathLike, kind: str, rules, *, sheet=None, rows: int = 8) -> Preview:
    """What the file looks like to the importer, before anything is written."""
    _check_kind(kind)
    source = open_source(path, sheet)
    spec = header_spec(kind, rules)
    head = source.head()
    match = find_header(spec, head)
    data = []
    it = source.rows()
    for _ in range(match.row_index + 1):
        next(it, None)
    for cells in it:
        if not any(c.strip() for c in cells):
            continue
        data.append(cells)
        if len(data) >= rows:
            break
    return Preview(
        kind=kind,
        file=Path(path).name,
        format=source.format,
        encoding=source.encoding_label,
        sheet=source.sheet,
        header_row=match.row_index + 1,
        headers=match.headers,
        mapping={f: match.headers[i] for f, i in match.columns.items()},
        units=dict(match.units),
        extra_columns=[h for _, h in match.unknown],
        ignored_columns=list(match.ignored),
        rows=data,
    )


def import_file(
    store,
    path: str | os.PathLike,
    kind: str,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    rejects: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
    backup: bool = True,
    keep_rejects: bool = True,
) -> ImportResult:
    """Import one file. Raises :class:`ImportFileError` for a file that cannot be imported at
    all (nothing is written then); row problems become rejects."""
    _check_kind(kind)
    path = Path(path)
    child = None
    if kind == "orders":
        from khtui.data.importers.orders import start_child

        child = start_child(store, path, dry_run=dry_run)
    try:
        source = open_source(path, sheet)
        spec = header_spec(kind, store.rules)
        match = find_header(spec, source.head())
        result = ImportResult(kind=kind, file=path.name, encoding=source.encoding_label)
        result.dry_run = dry_run
        rejected: list[dict] = []
        if backup and not dry_run:
            from khtui.data.backup import auto_backup

            auto_backup(store)
        if kind == "orders":
            _import_orders(store, source, match, result, rejected, dry_run, progress, child)
        else:
            _import_records(store, source, match, kind, result, rejected, dry_run, progress)
    finally:
        if child is not None:
            child.close()
    result.rejected = len(rejected)
    result.reject_rows = sorted(rejected, key=lambda r: r["row"])[:REJECTS_SHOWN]
    if rejected and keep_rejects:
        target = free_path(Path(rejects) if rejects else default_rejects_path(path))
        rejected.sort(key=lambda r: r["row"])
        try:
            write_rejects(target, match.headers, rejected)
        except OSError as exc:
            raise ImportFileError(t("imp.error.rejects", file=target, problem=exc)) from None
        result.rejects_path = str(target)
    return result


def _data_rows(source, match):
    """(row number, cells) of every row under the header; blank and totals rows counted."""
    it = source.rows()
    for _ in range(match.row_index + 1):
        next(it, None)
    yield from enumerate(it, start=match.row_index + 2)


def _import_records(store, source, match, kind, result, rejected, dry_run, progress) -> None:
    from khtui.data.importers.brands import clean_brand
    from khtui.data.importers.retailers import clean_retailer

    clean = clean_retailer if kind == "retailers" else clean_brand
    key = "code" if kind == "retailers" else "brand_code"
    records: dict[str, tuple[int, dict]] = {}
    width = len(match.headers)
    for rowno, cells in _data_rows(source, match):
        if not any(c.strip() for c in cells) or is_total_row(cells):
            result.skipped += 1
            continue
        result.read += 1
        cells = (list(cells) + [""] * width)[:width] if len(cells) < width else list(cells)
        try:
            rec = clean(cells, match, store.rules)
        except ValueProblem as exc:
            rejected.append(_reject(rowno, cells, exc.column, exc.value, exc.reason))
            continue
        seen = records.get(rec[key])
        if seen is not None:
            if seen[1] == rec:
                result.duplicates += 1
            else:
                label = match.headers[match.columns[key if kind == "retailers" else "brand_code"]]
                rejected.append(
                    _reject(
                        rowno,
                        cells,
                        label,
                        rec[key],
                        t("imp.reason.conflicting_duplicate", first=seen[0]),
                    )
                )
            continue
        records[rec[key]] = (rowno, rec)
    if kind == "retailers":
        result.extra_columns = [h for _, h in match.unknown]
    recs = [r for _, r in records.values()]
    if progress:
        progress(source.size, source.size)
    try:
        with store.write():
            if kind == "retailers":
                counts = store.upsert_retailers(recs, source=f"import:{source.path.name}")
                if counts["new"] or counts["updated"]:
                    store.recompute(store.today(), codes=[r["code"] for r in recs])
            else:
                counts = store.upsert_brands(recs)
            result.new, result.updated, result.unchanged = (
                counts["new"],
                counts["updated"],
                counts["unchanged"],
            )
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass


def _reject(row: int, cells, column: str, value: str, reason: str) -> dict:
    return {"row": row, "cells": cells, "column": column, "value": value, "reason": reason}


def _import_orders(store, source, match, result, rejected, dry_run, progress, child) -> None:
    from khtui.data.importers.orders import clean_batch, text_batches, write_orders

    invalid: list = []
    memo: dict = {}  # cleaned values by column, shared by the file's batches

    def cleaned():
        for first_row, cols in text_batches(source, match, progress, invalid):
            table, bad, skipped, read = clean_batch(first_row, cols, match, store.rules, memo)
            rejected.extend(bad)
            result.skipped += skipped
            result.read += read
            yield table

    counts, period = write_orders(
        store,
        cleaned(),
        child=child,
        dry_run=dry_run,
        rejects=rejected,
    )
    for number, cells, actual, expected in invalid:
        result.read += 1
        rejected.append(
            _reject(
                number if number and number > 0 else 0,
                cells,
                "",
                "",
                t("imp.reason.columns", actual=actual, expected=expected),
            )
        )
    result.new = counts["new"]
    result.updated = counts["updated"]
    result.unchanged = counts["unchanged"]
    result.removed = counts["removed"]
    result.duplicates = counts["duplicates"]
    result.unknown_retailers = counts.get("unknown_retailers", 0)
    result.unknown_lines = counts.get("unknown_lines", 0)
    result.period = period
