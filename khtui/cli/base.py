"""The click group, its shared options and the helpers every command uses.

Commands live in one module per subject (``cli/retailers.py``, ``cli/demo.py``, …), each adding
itself to :data:`main`. Heavy libraries (pandas, sqlite-utils, python-docx) are imported inside
the commands that need them, so ``khtui`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from khtui.i18n import set_lang, t


class UserError(click.ClickException):
    """A user error: one clear line on stderr and exit code 1, never a traceback."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"{t('error.prefix')}: {self.format_message()}", err=True, file=file)


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise UserError(t("error.bad_date", value=value)) from None


class MonthType(click.ParamType):
    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        from khtui.domain.months import parse_month

        try:
            y, m = parse_month(str(value).strip())
        except ValueError:
            raise UserError(t("error.bad_month", value=value)) from None
        return f"{y:04d}-{m:02d}"


DATE = DateType()
MONTH = MonthType()


class Ctx:
    """What the global options chose: database, rules, language."""

    def __init__(self, db: str | None, rules: str | None, lang: str, demo: bool):
        self.db_option = db
        self.rules_option = rules
        self.lang = lang
        self.demo = demo
        self._rules = None

    @property
    def rules(self):
        from khtui.data.paths import user_rules_path
        from khtui.rules import RulesError, load_rules

        if self._rules is None:
            try:
                self._rules = load_rules(self.rules_option or user_rules_path())
            except RulesError as exc:
                raise UserError(explain(exc)) from None
        return self._rules

    @property
    def db_path(self) -> Path:
        from khtui.data.paths import demo_db_path, resolve_db_path

        if self.demo and not self.db_option:
            return demo_db_path()
        return resolve_db_path(self.db_option)

    def store(self, *, create: bool = False):
        """Open the store, turning a store problem into one clear line."""
        from khtui.data.base import StoreError
        from khtui.data.store import Store

        path = self.db_path
        if not path.exists() and not create:
            raise UserError(t("error.no_db", path=path))
        try:
            return Store(path, create=create, rules=self.rules, on_upgrade=_upgrading)
        except StoreError as exc:
            raise UserError(explain(exc, path)) from None


def explain(error: BaseException, db_path: Path | None = None) -> str:
    """``error`` in one line, the words of the app's notifications (:func:`khtui.app.error_message`,
    imported only when something went wrong: it brings the UI library)."""
    from khtui.app import error_message

    return error_message(error, db_path=db_path)


def _upgrading(old: int, new: int) -> None:
    click.echo(t("store.upgrading", old=old, new=new), err=True)


pass_ctx = click.make_pass_decorator(Ctx)


def emit_json(obj: Any) -> None:
    """JSON on stdout with stable keys (UTF-8, Chinese as is)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


class _Main(click.Group):
    """The group. A fault a user can act on — the database locked by another program,
    damaged, read-only or in a read-only folder, a full disk, a store problem, a bad rules
    file (:func:`khtui.data.faults.fault_of`) — ends any command as one line and exit 1, never
    a traceback; anything else is a bug and shows as one."""

    def invoke(self, ctx: click.Context):
        import sqlite3

        from khtui.data.base import StoreError
        from khtui.rules import RulesError

        try:
            return super().invoke(ctx)
        except (sqlite3.Error, OSError, StoreError, RulesError) as exc:
            from khtui.data.faults import fault_of

            obj = ctx.obj if isinstance(ctx.obj, Ctx) else None
            db_path = obj.db_path if obj is not None else None
            if fault_of(exc, db_path) is None and not isinstance(exc, StoreError):
                raise
            raise UserError(explain(exc, db_path)) from None


@click.group(
    cls=_Main,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "db",
    metavar="PATH",
    help="Database file (default: $KHTUI_DB, else khtui.db in the user data directory).",
)
@click.option(
    "--rules",
    "rules",
    metavar="PATH",
    help="Rules file that overrides parts of the built-in rules.",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="UI language."
)
@click.option(
    "--demo",
    is_flag=True,
    help="Use the demo database (created on first use) instead of the real one.",
)
@click.version_option(package_name="khtui")
@click.pass_context
def main(ctx: click.Context, db: str | None, rules: str | None, lang: str, demo: bool) -> None:
    """khtui: the account manager's workbench (客户经理工作台).

    With no command, opens the program.
    """
    set_lang(lang)
    _check_clock()
    ctx.obj = Ctx(db, rules, lang, demo)
    if ctx.invoked_subcommand is None:
        from khtui.cli.run import run_app

        run_app(ctx.obj)


def _check_clock() -> None:
    """A bad ``KHTUI_TODAY`` stops every command with one line, before anything is read."""
    from khtui.clock import ENV, ClockError, pinned_date

    try:
        pinned_date()
    except ClockError as exc:
        raise UserError(t("error.bad_today", name=ENV, value=exc.value)) from None


def stderr(message: str) -> None:
    click.echo(message, err=True, file=sys.stderr)
