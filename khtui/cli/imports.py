"""`khtui import`, `khtui export` (backups, the check and restore: ``cli/storage.py``)."""

from __future__ import annotations

import contextlib
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from khtui.cli.base import (
    DATE,
    PATH,
    BadValue,
    Ctx,
    UserError,
    check_output_file,
    emit_json,
    given_value,
    input_file,
    main,
    pass_ctx,
    t,
)

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar() returns


class _Bar:
    """A progress bar on stderr, only when stderr is a terminal: reading the file fills it to
    READ_SHARE %, then it says that the database is being written until the import returns."""

    READ_SHARE = 95

    def __init__(self, label: str, *, enabled: bool = True):
        self.bar: ProgressBar[int] | None = None
        self.done = 0
        self.label = label
        self.writing = False
        if enabled and sys.stderr.isatty():
            self.bar = click.progressbar(length=100, label=label, file=sys.stderr, width=30)
            self.bar.__enter__()

    def _advance(self, pct: int) -> None:
        if self.bar is not None and pct > self.done:
            self.bar.update(pct - self.done)
            self.done = pct

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None or not total:
            return
        self._advance(min(self.READ_SHARE, int(done * self.READ_SHARE / total)))
        if done >= total and not self.writing:
            self.writing = True
            self.bar.label = t("imp.progress.writing", file=self.label)
            self.bar.render_progress()

    def close(self, *, finished: bool) -> None:
        if self.bar is not None:
            if finished:
                self._advance(100)
            self.bar.__exit__(None, None, None)


def lean_process(kind: str) -> AbstractContextManager[None]:
    """What an import needs of this process, which does nothing else: an orders import runs
    without pandas (see :func:`khtui.data.importers.orders.pandas_hidden`)."""
    if kind != "orders":
        return contextlib.nullcontext()
    from khtui.data.importers.orders import pandas_hidden

    return pandas_hidden()


@main.command("import")
@click.argument("kind", type=click.Choice(["retailers", "orders", "brands", "approvals"]))
@click.argument("file", type=PATH, callback=input_file)
@click.option(
    "--sheet",
    metavar="NAME",
    callback=given_value,
    help="Sheet of an XLSX/XLS file (default: the first); not for approvals.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read, check and count; write nothing (the rejected rows only with --rejects).",
)
@click.option(
    "--rejects",
    type=PATH,
    callback=given_value,
    help=(
        "Where to write the rejected rows (default: FILE.rejects.csv beside the input); "
        "not for approvals."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def import_cmd(ctx: Ctx, kind, file: Path, sheet, dry_run, rejects, as_json) -> None:
    """Import the company's export of retailers, order lines or brands (CSV, XLSX, XLS), or
    the market manager's approval file (approvals, JSON).

    Rows that cannot be used go to a rejects file with the reason; everything else is
    written in one transaction. A database that does not exist yet is created.
    """
    from khtui.data.importers import ImportFileError, import_file

    if kind == "approvals":  # the market manager's decisions (cli/team.py)
        from khtui.cli.team import import_approvals_cmd

        # a JSON file has no sheet, and a decision is never rejected as a row is
        for name, value in (("sheet", sheet), ("rejects", rejects)):
            if value is not None:
                _not_for_approvals(name)
        import_approvals_cmd(ctx, file, as_json, dry_run=dry_run)
        return
    if rejects is not None:
        check_output_file(rejects, ".csv")
        if rejects.suffix.lower() != ".csv":  # they are written as CSV
            raise UserError(t("imp.cli.rejects_csv", path=rejects))
    scratch = None
    created = False
    if dry_run and not ctx.db_path.exists():
        # a dry run into a database that does not exist yet counts against an empty one
        import tempfile

        ctx.check_new_db()  # where the import itself would refuse to make it

        from khtui.data.store import Store

        scratch = tempfile.TemporaryDirectory(prefix="khtui-dry-run-")
        store = Store(Path(scratch.name) / "dry-run.db", create=True, rules=ctx.rules)
    else:
        created = not ctx.db_path.exists()
        store = ctx.store(create=True)
    bar = _Bar(file.name, enabled=not as_json)
    finished = False
    try:
        with lean_process(kind):
            result = import_file(
                store,
                file,
                kind,
                tr=t.fixed(),
                sheet=sheet,
                dry_run=dry_run,
                rejects=rejects,
                progress=bar,
                # a dry run writes nothing, the rejects file included, unless --rejects asks
                keep_rejects=not dry_run or rejects is not None,
            )
        finished = True
    except ImportFileError as exc:
        # a message that names the file is said as it is; the others are said of the file
        said = t.message(exc)
        raise UserError(said if "file" in exc.params else f"{file.name}: {said}") from None
    finally:
        bar.close(finished=finished)
        store.close()
        if scratch is not None:
            scratch.cleanup()
        elif created and not finished:
            # the database this import created for itself: a failed import leaves none
            for suffix in ("", "-wal", "-shm"):
                Path(f"{ctx.db_path}{suffix}").unlink(missing_ok=True)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary(t))
    for note in result.notes(t):
        click.echo(note)


def _not_for_approvals(name: str) -> None:
    """Refuse the option ``name`` of ``khtui import``, given to ``import approvals``, which
    takes none such: a usage error (exit code 2) naming it."""
    click_ctx = click.get_current_context()
    param = next(p for p in click_ctx.command.params if p.name == name)
    option = max(param.opts, key=len)
    raise BadValue(t("imp.cli.not_for_approvals", option=option), click_ctx, param)


@main.command("export")
@click.argument(
    "kind",
    type=click.Choice(
        ["retailers", "visits", "captures", "complaints", "prices", "plan", "suggestions"]
    ),
)
@click.argument("out", required=False, type=PATH, callback=given_value)
@click.option("--from", "start", type=DATE, help="First date (inclusive).")
@click.option("--to", "end", type=DATE, help="Last date (inclusive).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--raw", is_flag=True, help="CSV for another system: values exactly as stored (no ' prefix)."
)
@click.option(
    "--mask", is_flag=True, help="Shorten phone and licence numbers to their last digits."
)
@pass_ctx
def export_cmd(ctx: Ctx, kind, out: Path | None, start, end, force, raw, mask) -> None:
    """Export for people (OUT.xlsx, the default; no OUT: the export folder) or for other
    systems (OUT.csv, UTF-8 with BOM; --raw writes values exactly as stored)."""
    from khtui.data.exporters import SUFFIXES, ExportError, export, export_path

    if out is not None:
        check_output_file(out, ".xlsx")
        if out.suffix and out.suffix.lower() not in SUFFIXES:
            raise UserError(t("exp.error.suffix", file=out.name))
    if start and end and start > end:
        raise UserError(t("exp.error.range", start=start, end=end))
    if raw and (out is None or out.suffix.lower() != ".csv"):
        raise UserError(t("exp.error.raw_csv"))
    with ctx.store() as store:
        path = export_path(kind, out, store.today())
        if out is None:  # the export folder: the program's own, made when missing
            path.parent.mkdir(parents=True, exist_ok=True)
        else:  # OUT.xlsx for an OUT given without a suffix
            check_output_file(path, ".xlsx")
        if path.exists() and not force:
            raise UserError(t("exp.error.exists", file=path))
        try:
            n = export(
                store,
                kind,
                path,
                t=t.fixed(),
                start=start,
                end=end,
                force=force,
                raw=raw,
                mask=mask,
            )
        except ExportError as exc:
            raise UserError(t(exc.key, **exc.params)) from None
        except OSError as exc:
            raise UserError(t("exp.error.failed", file=path, problem=exc.strerror or exc)) from None
    click.echo(t("exp.done", n=n, file=path))
