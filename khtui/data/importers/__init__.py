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
    TextLimits,
    ValueProblem,
    default_rejects_path,
    find_header,
    free_path,
    header_spec,
    is_total_row,
    open_source,
    refuse_orders_file,
)
from khtui.data.importers.rejects import RejectsSink
from khtui.data.importers.result import ImportResult, Preview
from khtui.data.importers.stage import STAGE_NAME
from khtui.data.importers.work import WorkDir, remove_stale
from khtui.domain.messages import Tr

KINDS = ("retailers", "orders", "brands")

__all__ = ["KINDS", "ImportFileError", "ImportResult", "Preview", "import_file", "preview"]


class _Rollback(Exception):
    pass


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ImportFileError("imp.error.kind", kind=kind)


def preview(path: str | os.PathLike, kind: str, rules, *, sheet=None, rows: int = 8) -> Preview:
    """What the file looks like to the importer, before anything is written."""
    _check_kind(kind)
    source = open_source(path, sheet)
    spec = header_spec(kind, rules)
    head = source.head()
    match = find_header(spec, head)
    refuse_orders_file(kind, match, rules, Path(path).name)
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
    tr: Tr,
    sheet: str | None = None,
    dry_run: bool = False,
    rejects: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
    backup: bool = True,
    keep_rejects: bool = True,
) -> ImportResult:
    """Import one file. Raises :class:`ImportFileError` for a file that cannot be imported at
    all (nothing is written then); row problems become rejects, their reasons in ``tr``'s
    language (the user's).

    What can fail is done before the commit: the rejects file's place is claimed first (an
    import whose rejects cannot be written stops before reading), and the rejects file is
    written inside the transaction, just before it commits. A failed import leaves nothing
    behind: no work folder, no part file, no pre-import backup (the backup of an import that
    changed nothing is removed too). Work folders left by a killed import are removed here.
    """
    _check_kind(kind)
    if store.is_team():  # the AMs' data reach a team database by merging theirs
        raise ImportFileError("team.own_only", path=str(store.path))
    path = Path(path)
    target = None
    if keep_rejects:
        target = free_path(Path(rejects) if rejects else default_rejects_path(path))
    remove_stale(store.path)
    try:
        work = WorkDir(store.path)
    except OSError as exc:
        raise ImportFileError(
            "imp.error.work", folder=Path(store.path).parent, problem=exc.strerror or exc
        ) from None
    writer = None
    sink = None
    made: list[Path] = []  # the pre-import backup
    committed = False

    def take_backup() -> None:
        if backup and not dry_run:
            from khtui.data.backup import auto_backup

            out = auto_backup(store, prune=False)
            if out is not None:
                made.append(out)

    try:
        stage_path = work.file(STAGE_NAME)
        if kind == "orders":
            from khtui.data.importers.orders import start_writer

            writer = start_writer(path, stage_path)
        source = open_source(path, sheet)
        spec = header_spec(kind, store.rules)
        match = find_header(spec, source.head())
        refuse_orders_file(kind, match, store.rules, path.name)
        sink = RejectsSink(match.headers, target, work.file("rejects.db"), tr)
        result = ImportResult(kind=kind, file=path.name, encoding=source.encoding_label)
        result.dry_run = dry_run
        if kind == "orders":
            from khtui.data.importers.orders import merge_orders, stage_orders

            info = stage_orders(store, source, match, result, sink, stage_path, writer, progress)
            if writer is not None:
                writer.close()
                writer = None
            if info.kept and not dry_run:
                take_backup()
            merge_orders(store, info, result, dry_run=dry_run, before_commit=sink.finish)
        else:
            _import_records(
                store, source, match, kind, result, sink, dry_run, progress, take_backup
            )
        sink.finish()
        committed = result.changed and not dry_run
    except BaseException:
        if sink is not None:
            sink.undo()
        raise
    finally:
        if writer is not None:
            writer.close()
        if sink is not None:
            sink.close()
        work.remove()
        if made:
            if committed:
                from khtui.data.backup import prune_auto_backups

                prune_auto_backups(store)
            else:
                made[0].unlink(missing_ok=True)
    result.rejected = sink.count
    result.reject_rows = sink.shown
    result.rejects_path = str(sink.path) if sink.path else None
    return result


def _data_rows(source, match):
    """(row number, cells) of every row under the header; blank and totals rows counted."""
    it = source.rows()
    for _ in range(match.row_index + 1):
        next(it, None)
    yield from enumerate(it, start=match.row_index + 2)


def _values(rec: dict) -> dict:
    """A cleaned record without what the file said before folding (two rows that differ only
    in full-width digits are the same row)."""
    return {k: v for k, v in rec.items() if k != "as_typed"}


def _import_records(
    store, source, match, kind, result, sink, dry_run, progress, take_backup
) -> None:
    from khtui.data.importers.brands import clean_brand
    from khtui.data.importers.retailers import clean_retailer

    clean = clean_retailer if kind == "retailers" else clean_brand
    key = "code" if kind == "retailers" else "brand_code"
    limits = TextLimits.of(store.rules)
    records: dict[str, tuple[int, dict]] = {}
    width = len(match.headers)
    for rowno, cells in _data_rows(source, match):
        if not any(c.strip() for c in cells) or is_total_row(cells):
            result.skipped += 1
            continue
        result.read += 1
        cells = (list(cells) + [""] * width)[:width] if len(cells) < width else list(cells)
        try:
            rec = clean(cells, match, store.rules, limits)
        except ValueProblem as exc:
            sink.add_problem(rowno, cells, exc)
            continue
        seen = records.get(rec[key])
        if seen is not None:
            if _values(seen[1]) == _values(rec):
                result.duplicates += 1
            else:
                label = match.headers[match.columns[key]]
                reason = sink.say("imp.reason.conflicting_duplicate", first=seen[0])
                sink.add(rowno, cells, label, rec[key], reason)
            continue
        records[rec[key]] = (rowno, rec)
    if kind == "retailers":
        result.extra_columns = [h for _, h in match.unknown]
    recs = [r for _, r in records.values()]
    if progress:
        progress(source.size, source.size)
    if recs and not dry_run:
        take_backup()
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
            sink.finish()  # the rejects file in place before the commit
    except _Rollback:
        pass
