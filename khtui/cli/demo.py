"""`khtui demo`: build the deterministic demo dataset (演示数据).

Without ``--db`` (on the command or the global option) it writes to the demo database
(:func:`khtui.data.paths.demo_db_path`), never to the real one. ``khtui --demo`` calls
:func:`build_demo_with_progress` when the demo database is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from khtui.cli.base import (
    DATE,
    BadValue,
    Ctx,
    UserError,
    check_output_file,
    emit_json,
    main,
    pass_ctx,
    progress_bar,
    t,
)

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar() returns

# The defaults of khtui.data.demo, repeated so that `khtui --help` does not import the store.
DEFAULT_RETAILERS = 320
DEFAULT_MONTHS = 24
DEFAULT_SEED = 20261123
MAX_RETAILERS = 200_000
MAX_MONTHS = 120
MAX_TERRITORY = 48


class _Count(click.ParamType):
    """A whole number in a range; a bad one is a usage error (one line, exit 2)."""

    name = "N"

    def __init__(self, option: str, lo: int, hi: int):
        self.option, self.lo, self.hi = option, lo, hi

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            n = value
        else:
            try:
                n = int(str(value).strip())
            except ValueError:
                n = None
        if n is None or not self.lo <= n <= self.hi:
            raise BadValue(
                t("demo.bad_count", option=self.option, value=value, lo=self.lo, hi=self.hi),
                ctx,
                param,
            )
        return n


def _count_option(option: str, lo: int, hi: int, default: int, help: str):
    """A ``--option N`` of whole numbers from ``lo`` to ``hi``, its default shown in the help."""
    return click.option(
        option, type=_Count(option, lo, hi), default=default, show_default=True, help=help
    )


class _StageProgress:
    """Progress on stderr when it is a terminal: a bar for a stage of many steps (the orders'
    retailers, the forecast's months), a line for each other stage."""

    BARS = frozenset({"orders", "forecast"})

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None
        self.stage = ""
        self.seen: set[str] = set()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage in self.BARS and total:
            if self.bar is None or self.stage != stage:
                self.close()
                self.seen.add(stage)
                self.stage = stage
                self.bar = progress_bar(total, t(f"demo.stage.{stage}"))
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
            return
        self.close()
        if stage not in self.seen:
            self.seen.add(stage)
            click.echo(t(f"demo.stage.{stage}"), err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _build(ctx: Ctx, path: Path, **kw) -> dict:
    from khtui.data.demo import DemoExistsError, build_demo

    progress = _StageProgress() if sys.stderr.isatty() else None
    try:
        return build_demo(path, rules=ctx.rules, progress=progress, **kw)
    except DemoExistsError:
        raise UserError(t("demo.exists", path=path)) from None
    except OSError as exc:
        raise UserError(t("demo.cannot_write", path=path, error=exc.strerror or exc)) from None
    finally:
        if progress is not None:
            progress.close()


def _summary_line(s: dict) -> str:
    return t(
        "demo.built",
        path=s["path"],
        retailers=s["retailers"],
        lines=s["order_lines"],
        months=s["months"],
        seconds=s["seconds"],
    )


def build_demo_with_progress(ctx: Ctx, path) -> None:
    """Build the default demo database at ``path`` (for ``khtui --demo`` on first use)."""
    click.echo(t("demo.first_use", path=path), err=True)
    summary = _build(ctx, Path(path))
    click.echo(_summary_line(summary), err=True)


@main.command("demo")
@click.option("--db", "db", metavar="PATH", help="Write here (default: the demo database).")
@_count_option(
    "--retailers",
    1,
    MAX_RETAILERS,
    DEFAULT_RETAILERS,
    "Number of retailers (50000 builds the city-scale dataset).",
)
@_count_option(
    "--months", 1, MAX_MONTHS, DEFAULT_MONTHS, "Months of weekly orders, ending yesterday."
)
@_count_option(
    "--seed",
    0,
    2**63 - 1,
    DEFAULT_SEED,
    "Random seed: the same seed, date and sizes give the same data.",
)
@click.option("--today", type=DATE, help="The demo's today (default: today).")
@click.option(
    "--examples",
    "examples",
    metavar="DIR",
    help="Instead: write example import files (retailers.csv in GBK, brands.csv, orders.xlsx "
    "with a title and a totals row) into DIR.",
)
@_count_option(
    "--territory",
    0,
    MAX_TERRITORY,
    0,
    "Another AM of a team (code DEMOnn, customer codes of its own), for `khtui team merge`.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def demo_cmd(ctx: Ctx, db, examples, force, as_json, **build) -> None:
    """Build a realistic, deterministic demo database (演示数据).

    One account manager, about 320 retailers on six routes, ~60 brands, 24 months of weekly
    orders ending yesterday, and the last months of visits, captures and complaints.

    With --examples DIR it writes example files of the company's exports instead (from a small
    demo of 40 retailers and 3 months), consistent with each other and importable into a new
    database: import retailers, then brands, then orders.
    """
    from khtui.data.paths import demo_db_path

    if examples:
        _write_examples(
            ctx, examples, seed=build["seed"], today=build["today"], force=force, as_json=as_json
        )
        return
    option = db or ctx.db_option
    path = Path(option).expanduser() if option else demo_db_path()
    if option:  # a place the user named: in a folder that exists (the demo's own is made)
        check_output_file(path, ".db")
    # the build's own options (retailers, months, seed, today, territory) go on as they are
    summary = _build(ctx, path, replace=force, **build)
    if as_json:
        emit_json(summary)
    else:
        click.echo(_summary_line(summary))


def _write_examples(ctx: Ctx, folder: str, *, seed, today, force, as_json) -> None:
    from khtui import clock
    from khtui.data.examples import ExamplesExistError, write_examples

    target = Path(folder).expanduser()
    if not target.exists():  # DIR itself is made, in a folder that exists
        check_output_file(target, "")
    try:
        files = write_examples(
            folder, seed=seed, today=today or clock.today(), rules=ctx.rules, replace=force
        )
    except ExamplesExistError as exc:
        raise UserError(t("demo.examples.exist", path=exc.path)) from None
    except OSError as exc:
        raise UserError(t("demo.cannot_write", path=folder, error=exc.strerror or exc)) from None
    if as_json:
        emit_json(
            {
                "folder": str(files.folder),
                "retailers": str(files.retailers),
                "brands": str(files.brands),
                "orders": str(files.orders),
                "n_retailers": files.n_retailers,
                "n_brands": files.n_brands,
                "n_order_lines": files.n_order_lines,
                "first_day": files.first_day,
                "last_day": files.last_day,
            }
        )
        return
    click.echo(t("demo.examples.written", folder=files.folder))
    click.echo("  " + t("demo.examples.retailers", path=files.retailers, n=files.n_retailers))
    click.echo("  " + t("demo.examples.brands", path=files.brands, n=files.n_brands))
    click.echo(
        "  "
        + t(
            "demo.examples.orders",
            path=files.orders,
            n=files.n_order_lines,
            first=files.first_day,
            last=files.last_day,
        )
    )
    click.echo(t("demo.examples.next", folder=files.folder))
