"""`khtui am` (who this database's AM is) and `khtui team` (the market manager's team
database: merge the AMs' databases, the figures per AM, browse it read-only with Datasette)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from khtui.cli.base import (
    PATH,
    Ctx,
    UserError,
    check_output_file,
    emit_json,
    input_file,
    main,
    pass_ctx,
    t,
)


# -- khtui am -----------------------------------------------------------------------------------
def am_option(f):
    """``--am CODE``: on a team database, only that AM's records."""
    return click.option(
        "--am",
        "am_code",
        metavar="CODE",
        help="On a team database (--db TEAM.db): only this AM's (their code, 工号).",
    )(f)


def resolve_am(store, code: str | None) -> str | None:
    """The id of the AM ``--am CODE`` names (None without the option); a UserError when the
    database is not a team database or no AM, or more than one, has that code."""
    if code is None:
        return None
    if not store.is_team():
        raise UserError(t("team.am_not_team", path=store.path))
    ids = store.ams_with_code(code)
    if len(ids) != 1:
        key = "team.am_unknown" if not ids else "team.am_ambiguous"
        raise UserError(t(key, code=code, codes=", ".join(store.am_codes()) or "—"))
    return ids[0]


def one_am(store, code: str | None) -> str | None:
    """Whose records a command about one AM's day or plan shows: None in an AM's own database;
    in a team database the AM ``--am CODE`` names, which it needs there (a UserError without
    it, listing the codes)."""
    if code is None and store.is_team():
        raise UserError(
            t("team.am_needed", path=store.path, codes=", ".join(store.am_codes()) or "—")
        )
    return resolve_am(store, code)


@main.group("am", invoke_without_command=True)
@click.pass_context
def am_group(click_ctx: click.Context) -> None:
    """This database's account manager (code and name): every record made here names them."""
    if click_ctx.invoked_subcommand is None:
        ctx: Ctx = click_ctx.obj
        with ctx.store() as store:
            code, name = store.meta("am_code"), store.meta("am_name")
            if not code:
                click.echo(t("am.show.unset"))
                return
            click.echo(t("am.show", code=code, name=name or "", am_id=store.am_id))


@am_group.command("set")
@click.argument("code")
@click.argument("name")
@click.option("--force", is_flag=True, help="Change a code already set.")
@pass_ctx
def am_set_cmd(ctx: Ctx, code: str, name: str, force: bool) -> None:
    """Set the AM's code (工号) and name, once per database (the team database: the market
    manager's own)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise UserError(t("am.set.bad"))
    with ctx.store(create=True) as store:
        old = store.meta("am_code")
        if old and old != code and not force:
            raise UserError(t("am.set.locked", code=old))
        store.am_id  # noqa: B018 - made now if the database has none yet
        store.set_meta("am_code", code)
        store.set_meta("am_name", name)
    click.echo(t("am.set.done", code=code, name=name))


# -- khtui team ---------------------------------------------------------------------------------
@main.group("team")
def team_group() -> None:
    """The market manager's team database (团队库)."""


def _refused(exc) -> UserError:
    from khtui.domain.messages import Message

    # said whole: a parameter may itself be a message (what the file is)
    return UserError(t.say(Message(f"team.refuse.{exc.key}", exc.params)))


@contextlib.contextmanager
def _faults_named(path: Path, errors: tuple[type[BaseException], ...]) -> Iterator[None]:
    """A fault of the database at ``path`` (one of ``errors``) — the team database, which the
    command names itself, not the one ``--db`` names — told in one line whose hints name it
    too; any other error goes on as it was."""
    import shlex

    from khtui.app import error_message
    from khtui.data.faults import fault_of
    from khtui.i18n import Translator

    try:
        yield
    except errors as exc:
        if fault_of(exc, path) is None:
            raise
        words = Translator(t.lang, command=f"khtui --db {shlex.quote(str(path))}")
        raise UserError(error_message(exc, words, db_path=path)) from None


@team_group.command("merge")
@click.argument("files", nargs=-1, required=True, type=PATH, callback=input_file)
@click.option(
    "--into",
    "into",
    required=True,
    type=PATH,
    help="The team database (created when missing, in a folder that exists).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def merge_cmd(ctx: Ctx, files: tuple[Path, ...], into: Path, as_json: bool) -> None:
    """Merge the AMs' own databases into the team database TEAM.db.

    Merging a file again adds nothing and updates what changed since. A file that is not a
    khtui database, or comes from a newer khtui, is refused and left as it is (nothing is
    merged then). Retailer master data: the newest copy wins, the other value is kept in the
    change history.
    """
    import sqlite3

    from khtui import clock
    from khtui.data.base import StoreError
    from khtui.data.store import Store
    from khtui.data.team import MergeRefused, duplicate_codes, merge_into, shared_retailers

    check_output_file(into, ".db")

    def announce(path: Path) -> None:
        if not as_json and sys.stderr.isatty():
            click.echo(t("team.merge.file", path=path), err=True)

    rules = ctx.rules
    # the files merged were checked whole first: a fault met now is the team database's
    with _faults_named(into, (sqlite3.Error, OSError, StoreError)):
        try:
            results = merge_into(
                into, files, now=clock.now().isoformat(timespec="seconds"), on_file=announce
            )
            with Store(into, rules=rules) as store:
                # rebuilt when the merge changed retailers (it marks the index stale), else kept
                stale = store.meta("search_index_stale")
                indexed = store.rebuild_search_index() if stale else None
                labels = store.team_labels()
                shared = shared_retailers(store.conn)
                duplicates = duplicate_codes(store.conn)
                ams = store.scalar("SELECT count(*) FROM team_ams")
                retailers = store.scalar("SELECT count(*) FROM retailers")
        except MergeRefused as exc:
            raise _refused(exc) from None
    if as_json:
        emit_json(
            {
                "team": str(into),
                "ams": ams,
                "retailers": retailers,
                "files": [
                    {
                        "path": str(r.path),
                        "am_id": r.am_id,
                        "am_code": r.am_code,
                        "am_name": r.am_name,
                        "source_id": r.source_id,
                        "upgraded_from": r.upgraded_from,
                        "retailers": {
                            "added": r.retailers_added,
                            "updated": r.retailers_updated,
                            "conflicts": r.retailer_conflicts,
                        },
                        "order_lines_written": r.order_lines_written,
                        "months_summed_again": r.months_summed_again,
                        "records": r.records,
                        "moved": [{"code": c, "from": a, "to": b} for c, a, b in r.moved],
                    }
                    for r in results
                ],
                "shared": [
                    {"code": s.code, "name": s.name, "am_ids": list(s.am_ids), "owner": s.owner}
                    for s in shared
                ],
                "duplicate_codes": duplicates,
            }
        )
        return
    for r in results:
        rec = r.records

        def n(table: str, what: str, _rec=rec) -> int:
            return _rec.get(table, {}).get(what, 0)

        click.echo(
            t(
                "team.merge.line",
                path=r.path.name,
                am=labels.get(r.am_id, r.am_id[:8]),
                r_added=r.retailers_added,
                r_updated=r.retailers_updated,
                conflicts=r.retailer_conflicts,
                lines=r.order_lines_written,
                v_added=n("visits", "added"),
                v_updated=n("visits", "updated"),
                v_removed=n("visits", "removed"),
                c_added=n("captures", "added"),
                c_updated=n("captures", "updated"),
                k_added=n("complaints", "added"),
                k_updated=n("complaints", "updated"),
                w_added=n("weekly_reports", "added"),
                w_updated=n("weekly_reports", "updated"),
                p_added=n("visit_plans", "added"),
                p_updated=n("visit_plans", "updated"),
            )
        )
        if r.upgraded_from:
            click.echo(t("team.merge.upgraded", version=r.upgraded_from))
        if not r.am_code:
            click.echo(t("team.merge.no_code", path=r.path.name))
        if r.moved:
            codes = ", ".join(c for c, _a, _b in r.moved[:10])
            more = f" …(+{len(r.moved) - 10})" if len(r.moved) > 10 else ""
            click.echo(
                t("team.merge.moved", n=len(r.moved), am=labels.get(r.am_id), codes=codes + more)
            )
    if shared:
        items = "; ".join(
            t(
                "team.merge.shared_item",
                code=s.code,
                name=s.name or "",
                ams="/".join(labels.get(a, a[:8]) for a in s.am_ids),
                owner=labels.get(s.owner, s.owner[:8]),
            )
            for s in shared[:10]
        )
        more = f" …(+{len(shared) - 10})" if len(shared) > 10 else ""
        click.echo(t("team.merge.shared", n=len(shared), items=items + more))
    for code in duplicates:
        click.echo(t("team.merge.dup_code", code=code))
    if indexed is not None:
        click.echo(t("team.merge.index", n=indexed))
    click.echo(t("team.merge.done", path=into, ams=ams, retailers=retailers))


def _pct(x: float | None) -> str:
    from khtui.screens.review import pct

    return pct(x, t)


@team_group.command("status")
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def status_cmd(ctx: Ctx, am_code: str | None, as_json: bool) -> None:
    """Each AM this month: coverage, visit completion, overdue complaints, forecast accuracy
    and the newest plan's status (run with --db TEAM.db)."""
    from khtui.cli.visits import _table
    from khtui.domain.months import month_key

    with ctx.store() as store:
        if not store.is_team():
            raise UserError(t("team.not_team", path=store.path))
        am_id = resolve_am(store, am_code)
        day = store.today()
        figures = store.team_figures(month_key(day), day)
        if am_id is not None:
            figures = [f for f in figures if f.am_id == am_id]
    if as_json:
        emit_json(
            [
                {
                    "am_id": f.am_id,
                    "code": f.code,
                    "name": f.name,
                    "active": f.active,
                    "visited": f.visited,
                    "coverage": None if f.coverage is None else round(f.coverage, 4),
                    "due": f.due,
                    "done": f.done,
                    "completion": None if f.completion is None else round(f.completion, 4),
                    "overdue_complaints": f.overdue,
                    "forecast_accuracy": None
                    if f.forecast_accuracy is None
                    else round(f.forecast_accuracy, 4),
                    "forecast_month": f.forecast_month,
                    "plan_month": f.plan_month,
                    "plan_status": f.plan_status,
                    "merged_at": f.merged_at,
                }
                for f in figures
            ]
        )
        return
    cols = ("am", "active", "visited", "coverage", "due", "done", "completion", "overdue")
    rows = [
        [
            f.label,
            str(f.active),
            str(f.visited),
            _pct(f.coverage),
            str(f.due),
            str(f.done),
            _pct(f.completion),
            str(f.overdue),
            _pct(f.forecast_accuracy),
            f"{f.plan_month} {t(f'plan.status.{f.plan_status}')}" if f.plan_month else "-",
            (f.merged_at or "")[:16].replace("T", " "),
        ]
        for f in figures
    ]
    _table(
        [t(f"team.col.{c}") for c in (*cols, "forecast", "plan", "merged")],
        rows,
    )


@team_group.command("serve")
@click.argument("team", type=PATH, callback=input_file)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
def serve_cmd(team: Path, host: str, port: int) -> None:
    """Browse the team database in a web browser, read-only, tables and columns labelled in
    the UI's language; what the manager's program writes meanwhile shows on the next page.
    Needs: pip install -e ".[team]"."""
    import importlib.util
    import json
    import sqlite3
    import tempfile

    from khtui.data.base import StoreError, refuse_unless_khtui
    from khtui.data.browse import datasette_metadata

    # a file that is not a khtui database is said before the address it would be at
    with _faults_named(team, (sqlite3.Error, OSError, StoreError)):
        refuse_unless_khtui(team)
    if importlib.util.find_spec("datasette") is None:
        raise UserError(t("team.serve.missing"))
    from datasette.cli import cli as datasette_cli

    with tempfile.TemporaryDirectory(prefix="khtui-serve-") as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(
            json.dumps(datasette_metadata(team.stem, t), ensure_ascii=False), encoding="utf-8"
        )
        click.echo(t("team.serve.start", path=team, host=host, port=port), err=True)
        # in this process: stopping khtui stops the server; a fault read is the team
        # database's, not the one --db names
        with _faults_named(team, (sqlite3.Error,)):
            datasette_cli.main(
                # not --immutable: that reads the file alone, without the commits still in its
                # write-ahead log (the manager's program open on it); Datasette reads a
                # database file it serves this way read-only, and accepts no writing statement
                args=[
                    "serve",
                    str(team),
                    "--metadata",
                    str(meta),
                    "--host",
                    host,
                    "--port",
                    str(port),
                ],
                prog_name="datasette",
            )


# -- khtui import approvals (called from cli/imports.py) ------------------------------------------
def import_approvals_cmd(ctx: Ctx, file: Path, as_json: bool, *, dry_run: bool = False) -> None:
    """Apply the market manager's approval file to this (the AM's) database; a dry run says
    what it would do and writes nothing."""
    from khtui.data.importers.approvals import ApprovalFileError, import_approvals

    with ctx.store() as store:
        try:
            r = import_approvals(store, file, dry_run=dry_run)
        except ApprovalFileError as exc:
            raise UserError(t(f"approvals.err.{exc.key}", **exc.params)) from None
    counts = {
        k: getattr(r, k)
        for k in (
            "approved",
            "returned",
            "confirmed",
            "rejected",
            "undone",
            "out_of_date",
            "already",
        )
    }
    if as_json:
        emit_json(
            {
                "path": str(file),
                "made_by": r.made_by,
                "plans": r.plans,
                **counts,
                "dry_run": r.dry_run,
            }
        )
        return
    line = t("approvals.done", path=file.name, by=r.made_by, **counts)
    if r.dry_run:  # marked as the other imports mark theirs
        line += t("imp.summary.dry_run")
    click.echo(line)
    for month, decision in sorted(r.plans.items()):
        click.echo(t("approvals.plan", month=month, status=t(f"plan.status.{decision}")))
