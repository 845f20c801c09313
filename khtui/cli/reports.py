"""`khtui report week`, `khtui report month`: the weekly report and the monthly market analysis
as Word documents."""

from __future__ import annotations

import click

from khtui.cli.base import MONTH, Ctx, UserError, emit_json, main, pass_ctx
from khtui.i18n import t


class WeekType(click.ParamType):
    name = "YYYY-Www"

    def convert(self, value, param, ctx):
        from khtui.domain.report import normalise_week

        try:
            return normalise_week(str(value))
        except ValueError:
            raise UserError(t("rpt.bad_week", value=value)) from None


WEEK = WeekType()


@main.group("report")
def report_group() -> None:
    """Reports as Word documents: the weekly report (周报) and the monthly market analysis."""


def _write(fn, store, key: str, out: str, force: bool) -> str:
    from khtui.data.documents import DocumentError

    try:
        return str(fn(store, key, out, force=force))
    except DocumentError as exc:
        raise UserError(str(exc)) from None


@report_group.command("week")
@click.option(
    "--week", "week", type=WEEK, help="ISO week, e.g. 2026-W47 (default: last complete week)."
)
@click.option("--docx", "out", required=True, metavar="OUT", help="Word file to write.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_ctx
def report_week_cmd(ctx: Ctx, week: str | None, out: str, force: bool, as_json: bool) -> None:
    """Write the weekly report of a week (its latest version: the AM's text and the figures)."""
    from khtui.data.documents import write_weekly_docx
    from khtui.domain.report import default_week

    with ctx.store() as store:
        week = week or default_week(store.today())
        report = store.weekly_report(week)
        path = _write(write_weekly_docx, store, week, out, force)
    if as_json:
        emit_json(
            {
                "path": path,
                "week": week,
                "version": report["version"],
                "status": report["status"],
            }
        )
    else:
        click.echo(t("rpt.cli.written_week", path=path, week=week))


@report_group.command("month")
@click.option("--month", "month", type=MONTH, required=True, help="Month, e.g. 2026-10.")
@click.option("--docx", "out", required=True, metavar="OUT", help="Word file to write.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_ctx
def report_month_cmd(ctx: Ctx, month: str, out: str, force: bool, as_json: bool) -> None:
    """Write the monthly market analysis of a month (sales against last year, tiers,
    categories, brand structure, retailers' suggestions, problems, what to improve)."""
    from khtui.data.documents import write_monthly_docx

    with ctx.store() as store:
        path = _write(write_monthly_docx, store, month, out, force)
    if as_json:
        emit_json({"path": path, "month": month})
    else:
        click.echo(t("rpt.cli.written_month", path=path, month=month))
