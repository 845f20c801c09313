"""`khtui report week`, `khtui report month`: the weekly report and the monthly market analysis
as Word documents."""

from __future__ import annotations

import click

from khtui.cli.base import (
    BadValue,
    Ctx,
    MonthType,
    UserError,
    check_document_targets,
    emit_json,
    given_value,
    main,
    pass_ctx,
    t,
)


class WeekType(click.ParamType):
    """An ISO week of a report: one of the years the program handles, and begun by today (the
    current week is reported as far as it has gone; a later one has nothing to report)."""

    name = "YYYY-Www"

    def convert(self, value, param, ctx):
        from khtui.clock import today
        from khtui.domain.dates import FIRST_YEAR, LAST_YEAR
        from khtui.domain.report import handled_week, normalise_week, week_key, week_started

        try:
            week = normalise_week(str(value))
        except ValueError:
            raise BadValue(t("rpt.bad_week", value=value), ctx, param) from None
        try:
            handled_week(week)
        except ValueError:
            said = t("rpt.week_out_of_range", value=value, first=FIRST_YEAR, last=LAST_YEAR)
            raise BadValue(said, ctx, param) from None
        day = today()
        if not week_started(week, day):
            said = t("rpt.not_started.week", period=week, today=day, current=week_key(day))
            raise BadValue(said, ctx, param)
        return week


class StartedMonthType(MonthType):
    """A month of a report: begun by today (the current month is reported as far as it has
    gone; a later one has nothing to report)."""

    def convert(self, value, param, ctx):
        from khtui.clock import today
        from khtui.domain.months import month_key, month_started

        month = super().convert(value, param, ctx)
        day = today()
        if not month_started(month, day):
            said = t("rpt.not_started.month", period=month, today=day, current=month_key(day))
            raise BadValue(said, ctx, param)
        return month


WEEK = WeekType()
STARTED_MONTH = StartedMonthType()


@main.group("report")
def report_group() -> None:
    """Reports as Word documents: the weekly report (周报) and the monthly market analysis."""


def _write(fn, store, key: str, out: str, force: bool, mask: bool = False) -> str:
    from khtui.data.documents import DocumentError

    try:
        return str(fn(store, key, out, t=t.fixed(), force=force, mask=mask))
    except DocumentError as exc:
        raise UserError(t.message(exc)) from None


MASK_HELP = "Shorten phone and licence numbers to their last digits (a file for others)."


@report_group.command("week")
@click.option(
    "--week", "week", type=WEEK, help="ISO week, e.g. 2026-W47 (default: last complete week)."
)
@click.option(
    "--docx", "out", required=True, metavar="OUT", callback=given_value, help="Word file to write."
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--mask", is_flag=True, help=MASK_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_ctx
def report_week_cmd(
    ctx: Ctx, week: str | None, out: str, force: bool, mask: bool, as_json: bool
) -> None:
    """Write the weekly report of a week (its latest version: the AM's text and the figures)."""
    from khtui.data.documents import write_weekly_docx
    from khtui.domain.report import default_week

    check_document_targets(out, force=force)
    with ctx.store(own=True) as store:
        week = week or default_week(store.today())
        report = store.weekly_report(week)
        path = _write(write_weekly_docx, store, week, out, force, mask)
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
@click.option(
    "--month",
    "month",
    type=STARTED_MONTH,
    help="Month, e.g. 2026-10 (default: last complete month).",
)
@click.option("--problems", help="The AM's text: problems and their causes.")
@click.option("--improvements", help="The AM's text: improvement measures.")
@click.option("--targets", help="The AM's text: next month's targets.")
@click.option("--submit", is_flag=True, help="Freeze this version (an edit later starts the next).")
@click.option("--docx", "out", metavar="OUT", callback=given_value, help="Word file to write.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("--mask", is_flag=True, help=MASK_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@pass_ctx
def report_month_cmd(
    ctx: Ctx,
    month: str | None,
    problems: str | None,
    improvements: str | None,
    targets: str | None,
    submit: bool,
    out: str | None,
    force: bool,
    mask: bool,
    as_json: bool,
) -> None:
    """The monthly market analysis of a month: set the AM's text (saved into the current draft;
    after a submission it starts the next version), submit it, and/or write it as a Word
    document (sales against last year, the visit plan carried out, customer service, brand
    cultivation, market information grouped, potential, problems and causes, improvements,
    next month's targets)."""
    from khtui.data.documents import write_monthly_docx
    from khtui.data.reports import ReportProblem
    from khtui.domain.report import default_month

    text = {
        k: v
        for k, v in (("problems", problems), ("improvements", improvements), ("targets", targets))
        if v is not None
    }
    if not (text or submit or out):
        raise UserError(t("rpt.cli.month_nothing"))
    # before the text is saved or the version submitted: a refused file changes nothing
    check_document_targets(out, force=force)
    with ctx.store(own=True) as store:
        month = month or default_month(store.today())
        try:
            if text:
                store.save_monthly_draft(month, text)
            if submit:
                store.submit_monthly(month)
        except ReportProblem as exc:
            raise UserError(t(exc.key, **exc.params)) from None
        path = _write(write_monthly_docx, store, month, out, force, mask) if out else None
        latest = store.monthly_versions(month)
    version = latest[-1] if latest else None
    if as_json:
        emit_json(
            {
                "path": path,
                "month": month,
                "version": version["version"] if version else 0,
                "status": version["status"] if version else "draft",
            }
        )
        return
    if text or submit:
        click.echo(
            t(
                "rpt.cli.month_saved",
                month=month,
                version=version["version"] if version else 0,
                status=t(f"rpt.status.{version['status']}") if version else "",
            )
        )
    if path:
        click.echo(t("rpt.cli.written_month", path=path, month=month))
