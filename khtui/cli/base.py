"""The click group, its shared options and the helpers every command uses.

Commands live in one module per subject (``cli/retailers.py``, ``cli/demo.py``, …), each adding
itself to :data:`main`. Heavy libraries (pandas, sqlite-utils, python-docx) are imported inside
the commands that need them, so ``khtui`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import unicodedata
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from khtui.i18n import LANGUAGES, Translator

# The command line's words: set for one run of the program (:meth:`_Main.main`), from its
# ``--lang`` and how the user called it; outside a run (a helper called on its own), Chinese.
_WORDS: ContextVar[Translator | None] = ContextVar("khtui_cli_words", default=None)
_CHINESE = Translator("zh")


def _words() -> Translator:
    return _WORDS.get() or _CHINESE


class CliTranslator(Translator):
    """The translator of the command line's run in progress."""

    def __init__(self) -> None:  # no language of its own
        pass

    @property
    def lang(self) -> str:
        return _words().lang

    @property
    def command(self) -> str:
        return _words().command


t: Translator = CliTranslator()

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar() returns

    from khtui.rules import Rules


class UserError(click.ClickException):
    """A user error: the command was understood but cannot be done (no database, an unknown
    code, a file that cannot be read, a step the data does not allow). One clear line on
    stderr and exit code 1, never a traceback."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"{t('error.prefix')}: {self.format_message()}", err=True, file=file)


class UsageProblem(click.UsageError):
    """A usage error: the command line itself is wrong (an unknown command or option, a missing
    argument, a value that is not what the option takes). One line in the UI language saying
    how to get help, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        message = one_line(self.format_message())
        click.echo(f"{t('error.prefix')}: {message}", err=True, file=file)


def one_line(text: str) -> str:
    """``text`` with its control characters and line breaks written as escapes (``\\r``), so
    that a value the user typed cannot break the message's one line."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
        else ch
        for ch in text
    )


class BadValue(click.BadParameter):
    """A value our own parameter types refuse, or an option a command refuses for what else
    it was given (one that does not apply to it); its message is already in the UI
    language."""


class ExtraArguments(click.UsageError):
    """Words on a command line that no parameter of the command takes (``khtui report week
    2026-W48``, where the week is an option's value)."""

    def __init__(self, extra: list[str], ctx: click.Context) -> None:
        super().__init__(" ".join(extra), ctx)
        self.extra = list(extra)


class _Command(click.Command):
    """A command of the group: its extra arguments are named in the usage line (click's own
    error carries them only in its English text)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise ExtraArguments(rest, ctx)
        return rest


class _Group(click.Group):
    """A group below the main one (``plan``, ``report``, …): its commands are :class:`_Command`
    and its groups are of its own class."""

    command_class = _Command
    group_class = type


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return "-"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return (param.metavar or param.name or "-").upper()


def _given(param: click.Parameter | None, argv: list[str]) -> str | None:
    """The text the user gave ``param`` on the command line (for the message), if found."""
    if not isinstance(param, click.Option):
        return None
    for i, arg in enumerate(argv):
        for opt in param.opts:
            if arg == opt and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1 :]
    return None


def _expects(param: click.Parameter | None) -> str:
    """What a parameter takes, in words."""
    kind = getattr(param, "type", None)
    if isinstance(kind, click.Choice):
        return t("usage.expects.choice", choices=" | ".join(map(str, kind.choices)))
    if isinstance(kind, click.IntRange):
        return t("usage.expects.range", lo=kind.min, hi=kind.max)
    if isinstance(kind, click.types.IntParamType):
        return t("usage.expects.int")
    if isinstance(kind, click.types.FloatParamType):
        return t("usage.expects.number")
    if isinstance(kind, click.Path):
        return t("usage.expects.path")
    return t("usage.expects.other")


def usage_problem(exc: click.UsageError, argv: list[str]) -> click.UsageError:
    """Click's usage error as one line in the UI language, with where to find help; a group
    called without its command (``khtui plan``) shows its help, as click does."""
    no_args_is_help: Any = getattr(click.exceptions, "NoArgsIsHelpError", None)  # click >= 8.2
    if no_args_is_help is not None and isinstance(exc, no_args_is_help):
        return exc
    ctx = exc.ctx
    # the command as the user calls it: the root's own name may differ (under a test, or
    # ``python -m khtui``, whose name is three words), so only the subcommands are taken
    subcommands: list[str] = []
    sub = ctx
    while sub is not None and sub.parent is not None:
        subcommands.insert(0, sub.info_name or "")
        sub = sub.parent
    command = " ".join(["khtui", *subcommands])
    no_such_command: Any = getattr(click.exceptions, "NoSuchCommand", None)  # click >= 8.4
    if no_such_command is not None and isinstance(exc, no_such_command):
        near = ", ".join(exc.possibilities or ())
        text = t("usage.no_command", name=exc.command_name)
        if near:
            text += t("usage.did_you_mean", names=near)
    elif isinstance(exc, click.NoSuchOption):
        near = ", ".join(exc.possibilities or ())
        text = t("usage.no_option", name=exc.option_name)
        if near:
            text += t("usage.did_you_mean", names=near)
    elif isinstance(exc, click.MissingParameter):
        text = t("usage.missing", name=_param_name(exc.param))
    elif isinstance(exc, BadValue):
        text = exc.message
    elif isinstance(exc, click.BadParameter):
        value = _given(exc.param, argv)
        text = t(
            "usage.bad_value",
            name=_param_name(exc.param),
            value="" if value is None else value,
            expects=_expects(exc.param),
        )
    elif isinstance(exc, click.BadOptionUsage):
        text = t("usage.needs_value", name=exc.option_name)
    elif isinstance(exc, ExtraArguments):
        text = t("usage.extra", args=" ".join(exc.extra), n=len(exc.extra))
    else:
        text = t("usage.other", argv=" ".join(argv))
    return UsageProblem(t("usage.line", text=text, command=command), ctx)


def given_value(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An option's value that is really one: not empty, not a folder's ``.``, and not the next
    option taken as the value (``--sheet --dry-run`` gave --sheet no value, and the import is
    then refused rather than done for real). An argument's value need only not be empty: a file
    argument naming a folder (``.``) is refused by its command, in the words for a folder
    (:func:`check_input_file`, :func:`check_output_file`)."""
    if value is None:
        return None
    text = str(value)
    empty = isinstance(value, Path) and value.name in ("", ".", "..")
    if isinstance(param, click.Argument):
        if not text.strip():
            raise click.BadParameter("", ctx, param)
        return value
    if empty or not text.strip() or text.startswith("--"):
        raise click.BadOptionUsage(_param_name(param), "", ctx)
    return value


class DateType(click.ParamType):
    """A day written as the screens' date boxes take it (:func:`khtui.domain.dates.parse_day`,
    today as the base: ``2026-11-27``, ``11-27``, ``27``, ``+3``)."""

    name = "DATE"

    def convert(self, value, param, ctx):
        from khtui.clock import today
        from khtui.domain.dates import day_examples, parse_day

        if isinstance(value, dt.date):
            return value
        try:
            return parse_day(str(value), today())
        except ValueError:
            said = t("error.bad_date", value=value, **day_examples(today()))
            raise BadValue(said, ctx, param) from None


class MonthType(click.ParamType):
    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        from khtui.domain.months import parse_month

        try:
            y, m = parse_month(str(value).strip())
        except ValueError:
            raise BadValue(t("error.bad_month", value=value), ctx, param) from None
        return f"{y:04d}-{m:02d}"


DATE = DateType()
MONTH = MonthType()


# A file's path as typed: whether it names a file the command can read (input_file) or write
# (check_output_file) is said in the command's own words, not click's
class FilePath(click.Path):
    """click's ``Path`` giving a :class:`~pathlib.Path`, where an empty value is refused as
    empty (click makes ``''`` the current folder, ``Path('.')``, so it could not be told from
    a folder given on purpose, which the command refuses in its own words); an option's as
    given no value."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            if isinstance(param, click.Option):  # as any option given no value
                raise click.BadOptionUsage(_param_name(param), "", ctx)
            raise BadValue(
                t("usage.empty", name=_param_name(param), expects=t("usage.expects.path")),
                ctx,
                param,
            )
        return super().convert(value, param, ctx)


PATH = FilePath(path_type=Path, readable=False)


class Ctx:
    """What the global options chose: database, rules, language."""

    def __init__(self, db: str | None, rules: str | None, lang: str, demo: bool):
        self.db_option = db
        self.rules_option = rules
        self.lang = lang
        self.demo = demo
        self._rules: Rules | None = None

    @property
    def command(self) -> str:
        """How this user calls the program: ``khtui`` with the ``--demo`` / ``--db`` they gave,
        repeated in every hint that names a command."""
        import shlex

        parts = ["khtui"]
        if self.db_option:
            parts += ["--db", shlex.quote(self.db_option)]
        elif self.demo:
            parts.append("--demo")
        return " ".join(parts)

    @property
    def rules(self):
        from khtui.data.paths import user_rules_path
        from khtui.rules import RulesError, load_rules

        if self._rules is None:
            if self.rules_option:
                check_input_file(Path(self.rules_option).expanduser())
            try:
                self._rules = load_rules(self.rules_option or user_rules_path())
            except RulesError as exc:
                raise UserError(explain(exc)) from None
        return self._rules

    def _own_rules(self):
        """The rules a store opens with: a rules file of the user's (``--rules`` or the one
        in the config folder) is read and checked here, so a bad one stops the command before
        anything opens; without one, None: the store reads the packaged rules when it first
        needs them."""
        from khtui.data.paths import user_rules_path

        if self._rules is None and not self.rules_option and user_rules_path() is None:
            return None
        return self.rules

    @property
    def db_path(self) -> Path:
        from khtui.data.paths import demo_db_path, resolve_db_path

        if self.demo and not self.db_option:
            return demo_db_path()
        return resolve_db_path(self.db_option)

    @property
    def db_given(self) -> bool:
        """Whether the user named the database (--db, or KHTUI_DB without --demo), rather
        than the program choosing its own place."""
        return bool(self.db_option or (not self.demo and os.environ.get("KHTUI_DB")))

    def check_new_db(self) -> None:
        """Before a database is made where none is: one the user named goes in a folder that
        exists and may be written in (:func:`check_output_file`), never one made for it; the
        program's own places (the data folder, the demo's) are made when missing."""
        if self.db_given and not self.db_path.exists():
            check_output_file(self.db_path, ".db")

    def store(self, *, create: bool = False, own: bool = False):
        """Open the store, turning a store problem into one clear line. ``own``: the command
        writes an AM's documents (reports, plans), which a team database, holding every AM's
        records, cannot make: it is refused there (an AM's records themselves are refused by
        the store, :func:`khtui.data.base.own_records`)."""
        from khtui.data.base import StoreError
        from khtui.data.paths import demo_db_path
        from khtui.data.store import Store

        path = self.db_path
        if create:
            self.check_new_db()
        if not path.exists() and not create:
            if self.demo:
                raise UserError(t("error.no_demo_db", path=path))
            if demo_db_path().exists() and not self.db_option:
                raise UserError(t("error.no_db_but_demo", path=path, demo=demo_db_path()))
            raise UserError(t("error.no_db", path=path))
        try:
            store = Store(path, create=create, rules=self._own_rules(), on_upgrade=_upgrading)
        except StoreError as exc:
            raise UserError(explain(exc, path)) from None
        if own and store.is_team():
            store.close()
            raise UserError(t("team.own_only", path=path))
        return store


def explain(error: BaseException, db_path: Path | None = None) -> str:
    """``error`` in one line, the words of the app's notifications (:func:`khtui.app.error_message`,
    imported only when something went wrong: it brings the UI library)."""
    from khtui.app import error_message

    return error_message(error, t, db_path=db_path)


def _upgrading(old: int, new: int) -> None:
    click.echo(t("store.upgrading", old=old, new=new), err=True)


pass_ctx = click.make_pass_decorator(Ctx)


def emit_json(obj: Any) -> None:
    """JSON on stdout with stable keys (UTF-8, Chinese as is)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


_ARGV = "khtui.argv"  # ctx.meta: the command line as given, for usage messages


class _Main(click.Group):
    """The group. Usage errors are one line in the UI language (exit 2). A fault a user can act
    on — the database locked by another program, damaged, read-only or in a read-only folder, a
    full disk, a step the data does not allow, a bad rules file
    (:func:`khtui.data.faults.fault_of`) — ends any command as one line and exit 1, never a
    traceback; anything else is a bug and shows as one."""

    command_class = _Command
    group_class = _Group

    def main(self, args=None, *rest, **extra):
        """One run: the command line speaks the ``--lang`` it was given (read before the
        command is parsed, so that a usage error is in English too) until the run ends."""
        argv = list(sys.argv[1:] if args is None else args)
        token = _WORDS.set(Translator(_early_lang(argv)))
        try:
            return super().main(args, *rest, **extra)
        finally:
            _WORDS.reset(token)

    def make_context(self, info_name, args, parent=None, **extra):
        argv = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except UsageProblem:
            raise
        except click.UsageError as exc:
            raise usage_problem(exc, argv) from None
        ctx.meta[_ARGV] = argv
        return ctx

    def invoke(self, ctx: click.Context):
        import sqlite3

        from khtui.data.base import StoreError
        from khtui.rules import RulesError

        try:
            return super().invoke(ctx)
        except UsageProblem:
            raise
        except click.UsageError as exc:
            raise usage_problem(exc, ctx.meta.get(_ARGV, [])) from None
        except (sqlite3.Error, OSError, StoreError, RulesError) as exc:
            from khtui.data.faults import fault_of

            obj = ctx.obj if isinstance(ctx.obj, Ctx) else None
            db_path = obj.db_path if obj is not None else None
            if fault_of(exc, db_path) is not None:
                raise UserError(explain(exc, db_path)) from None
            if isinstance(exc, StoreError):
                raise UserError(t.message(exc)) from None
            raise


def _early_lang(argv: list[str]) -> str:
    """The ``--lang`` of a command line not parsed yet (the last one given; zh without)."""
    lang = "zh"
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGUAGES:
            lang = argv[i + 1]
        elif arg.startswith("--lang=") and arg[7:] in LANGUAGES:
            lang = arg[7:]
    return lang


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
    ctx.obj = Ctx(db, rules, lang, demo)
    _WORDS.set(Translator(lang, command=ctx.obj.command))  # undone when the run ends
    _check_clock()
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
    click.echo(message, err=True)


# -- the files a command reads and writes ----------------------------------------------------
def allowed(path: Path, mode: int) -> bool:
    """Whether this process may read ``path`` (``os.R_OK``) or write in it (``os.W_OK``): the
    system's own answer (yes for root, except in an immutable folder)."""
    return os.access(path, mode)


# click's progress line around its bar: "  [", "]  ", the percentage (4) and the time left
# (8, "  " before it); and one cell spare, so the line never ends at the terminal's edge.
BAR_CLUTTER = 21
BAR_WIDTH = 36  # click's own width of the bar, at most


def progress_bar(total: int, label: str) -> ProgressBar[int]:
    """click's progress bar of ``total`` steps on stderr, labelled ``label``, narrowed to fit
    the terminal's width: click counts a label's characters, where a Chinese one takes two
    cells (an 80-column terminal wrapped the line at every step, printing it again)."""
    import shutil

    from rich.cells import cell_len

    room = shutil.get_terminal_size().columns - cell_len(label) - BAR_CLUTTER
    width = max(10, min(BAR_WIDTH, room))
    return click.progressbar(length=total, label=label, file=sys.stderr, width=width)


def check_input_file(path: Path) -> Path:
    """A file the command reads, refused in one line before anything is done when it is a
    folder, does not exist or cannot be read."""
    import stat

    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise UserError(t("path.err.missing", path=path)) from None
    except PermissionError:  # a folder on the way that may not be entered
        raise UserError(t("path.err.unreadable", path=path)) from None
    except OSError as exc:
        raise UserError(t("path.err.read", path=path, problem=exc.strerror or exc)) from None
    if stat.S_ISDIR(mode):
        raise UserError(t("path.err.in_folder", path=path))
    if not allowed(path, os.R_OK):
        raise UserError(t("path.err.unreadable", path=path))
    return path


def input_file(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The callback of a file argument or option the command reads (one path, or several):
    a value (:func:`given_value`) naming a readable file."""
    if isinstance(value, tuple):
        return tuple(input_file(ctx, param, v) for v in value)
    value = given_value(ctx, param, value)
    return value if value is None else check_input_file(Path(value))


def check_output_file(path: Path, suffix: str) -> Path:
    """A file the command writes (``suffix``: its kind, for the example name), refused in one
    line before anything is done when it is a folder, or the folder it goes in does not exist,
    is no folder, or may not be written in. Whether the file itself may be replaced is the
    command's to say (--force)."""
    folder = path.parent
    try:
        if path.is_dir():
            example = path / f"{t('path.example')}{suffix}"
            raise UserError(t("path.err.out_folder", path=path, example=example))
        if not folder.exists():
            raise UserError(t("path.err.no_folder", folder=folder))
    except PermissionError:  # a folder on the way that may not be entered
        raise UserError(t("path.err.folder_readonly", folder=folder)) from None
    if not folder.is_dir():
        raise UserError(t("path.err.not_folder", folder=folder))
    if not allowed(folder, os.W_OK | os.X_OK):
        raise UserError(t("path.err.folder_readonly", folder=folder))
    return path


def check_document_targets(docx: str | None, xlsx: str | None = None, *, force: bool) -> None:
    """Refuse before anything is written (a plan's or a report's state included): --force
    with no file to write, a target :func:`check_output_file` refuses, a --docx name that does
    not end in .docx (an --xlsx name in .xlsx), two options naming one file, or a file that
    exists without --force."""
    named = [
        (option, Path(o).expanduser()) for option, o in (("--docx", docx), ("--xlsx", xlsx)) if o
    ]
    if force and not named:
        raise UserError(t("rpt.cli.force_alone"))
    for option, out in named:
        suffix = "." + option.removeprefix("--")
        check_output_file(out, suffix)
        if out.suffix.lower() != suffix:
            raise UserError(t("rpt.cli.suffix", option=option, suffix=suffix, path=out))
    outs = [out for _option, out in named]
    if len(outs) == 2 and outs[0].resolve() == outs[1].resolve():
        raise UserError(t("rpt.cli.same_out", path=outs[0]))
    for out in outs:
        if out.exists() and not force:
            raise UserError(t("doc.err.exists", path=out))
