"""`khtui backup`, `khtui check`, `khtui restore`: the database file and its copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from khtui.cli.base import (
    PATH,
    Ctx,
    UserError,
    check_output_file,
    explain,
    given_value,
    input_file,
    main,
    pass_ctx,
    t,
)


@main.command("backup")
@click.argument("out", required=False, type=PATH, callback=given_value)
@pass_ctx
def backup_cmd(ctx: Ctx, out: Path | None) -> None:
    """Copy the database to OUT (default: backups/ beside it), safely while khtui is open.

    The copy is readable by you only. A failure (full disk, folder not writable) leaves
    nothing behind; OUT's folder must exist.
    """
    from khtui.data.backup import backup_new, backup_to, default_backup_name

    if out is not None:
        check_output_file(out, ".db")

    with ctx.store() as store:
        if out is None:
            target = backup_new(store, default_backup_name(store))
        else:
            if out.exists():
                raise UserError(t("backup.exists", file=out))
            try:
                target = backup_to(store, out)
            except FileExistsError:
                raise UserError(t("backup.exists", file=out)) from None
    click.echo(t("backup.done", file=target))


@main.command("check")
@pass_ctx
def check_cmd(ctx: Ctx) -> None:
    """Check the database file (integrity and references) without changing it; one line
    saying what was found and what to do."""
    from khtui.data.backup import health, newest_backup

    path = ctx.db_path
    if not path.exists():
        raise UserError(t("error.no_db", path=path))
    h = health(path)
    if h.kind == "khtui" and h.sound:
        click.echo(t("check.ok", path=path))
        return
    if h.kind == "newer" and not h.damage and not h.references:
        raise UserError(t("check.newer", path=path, found=h.version))
    if h.kind == "damaged":
        backup = newest_backup(path)
        if backup is None:
            raise UserError(
                t("check.damaged_no_backup", path=path, detail=h.damage[0], n=len(h.damage))
            )
        raise UserError(
            t("check.damaged", path=path, detail=h.damage[0], n=len(h.damage), backup=backup)
        )
    if h.references:
        raise UserError(
            t("check.references", path=path, detail=h.references[0], n=len(h.references))
        )
    from khtui.data.base import StoreError, refuse_unless_khtui

    try:  # not a khtui database: the store's own words for what the file is
        refuse_unless_khtui(path)
    except StoreError as exc:
        raise UserError(explain(exc, path)) from None


@main.command("restore")
@click.argument("backup", type=PATH, callback=input_file)
@click.option("--yes", is_flag=True, help="Do not ask before replacing (for scripts).")
@pass_ctx
def restore_cmd(ctx: Ctx, backup: Path, yes: bool) -> None:
    """Put BACKUP in place of the database (--db, KHTUI_DB or the default one).

    The backup is checked first (integrity, a khtui database, not from a newer khtui); the
    current database is kept in backups/ as STEM-before-restore-STAMP.db. Nothing else may
    have the database open: close the program and any import first. On a new computer (no
    database yet) the backup simply becomes the database.
    """
    from khtui import clock
    from khtui.data.backup import check_backup, restore

    target = ctx.db_path
    if target.is_dir():  # said as every command says a folder given as the database
        from khtui.data.base import refuse_unless_khtui

        refuse_unless_khtui(target)
    ctx.check_new_db()  # a database named by the user goes in a folder that exists
    check_backup(backup)
    when = dt.datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    question = "restore.confirm" if target.exists() else "restore.confirm_new"
    if not yes:
        try:
            agreed = click.confirm(
                t(question, backup=backup, path=target, when=when), default=False, err=True
            )
        except click.Abort:
            agreed = False
        if not agreed:
            raise UserError(t("restore.cancelled"))
    done = restore(backup, target, stamp=clock.now().strftime("%Y%m%d-%H%M%S"))
    if done.kept is None:
        click.echo(t("restore.done_new", backup=backup, path=target))
    else:
        click.echo(t("restore.done", backup=backup, path=target, kept=done.kept))
