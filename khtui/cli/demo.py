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

from khtui.cli.base import DATE, BadValue, Ctx, UserError, emit_json, main, pass_ctx, t

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


class _StageProgress:
    """Progress on stderr when it is a terminal: a bar for the orders, a line per stage."""

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None
        self.done = 0
        self.seen: set[str] = set()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "orders" and total:
            if self.bar is None:
                self.bar = click.progressbar(
                    length=total, label=t("demo.stage.orders"), file=sys.stderr
                )
                self.bar.__enter__()
            self.bar.update(done - self.done)
            self.done = done
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
@click.option(
    "--retailers",
    type=_Count("--retailers", 1, MAX_RETAILERS),
    default=DEFAULT_RETAILERS,
    show_default=True,
    help="Number of retailers (50000 builds the city-scale dataset).",
)
@click.option(
    "--months",
    type=_Count("--months", 1, MAX_MONTHS),
    default=DEFAULT_MONTHS,
    show_default=True,
    help="Months of weekly orders, ending yesterday.",
)
@click.option(
    "--seed",
    type=_Count("--seed", 0, 2**63 - 1),
    default=DEFAULT_SEED,
    show_default=True,
    help="Random seed: the same seed, date and sizes give the same data.",
)
@click.option("--today", type=DATE, help="The demo's today (default: today).")
@click.option(
    "--examples",
    "examples",
    metavar="DIR",
    help="Instead: write example import files (retailers.csv in GBK, brands.csv, orders.xlsx "
    "with a title and a totals row) into DIR.",
)
@click.option(
    "--territory",
    type=_Count("--territory", 0, MAX_TERRITORY),
    default=0,
    show_default=True,
    help="Another AM of a team (code DEMOnn, customer codes of its own), for `khtui team merge`.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def demo_cmd(
    ctx: Ctx, db, retailers, months, seed, today, examples, territory, force, as_json
) -> None:
    """Build a realistic, deterministic demo database (演示数据).

    One account manager, about 320 retailers on six routes, ~60 brands, 24 months of weekly
    orders ending yesterday, and the last months of visits, captures and complaints.

    With --examples DIR it writes example files of the company's exports instead (from a small
    demo of 40 retailers and 3 months), consistent with each other and importable into a new
    database: import retailers, then brands, then orders.
    """
    from khtui.data.paths import demo_db_path

    if examples:
        _write_examples(ctx, examples, seed=seed, today=today, force=force, as_json=as_json)
        return
    option = db or ctx.db_option
    path = Path(option).expanduser() if option else demo_db_path()
    summary = _build(
        ctx,
        path,
        retailers=retailers,
        months=months,
        seed=seed,
        today=today,
        replace=force,
        territory=territory,
    )
    if as_json:
        emit_json(summary)
    else:
        click.echo(_summary_line(summary))


def _write_examples(ctx: Ctx, folder: str, *, seed, today, force, as_json) -> None:
    from khtui import clock
    from khtui.data.examples import ExamplesExistError, write_examples

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
