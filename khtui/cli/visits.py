"""`khtui plan month`, `khtui today`, `khtui housekeeping`."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import click

from khtui.cli.base import (
    DATE,
    MONTH,
    Ctx,
    UserError,
    check_document_targets,
    emit_json,
    given_value,
    main,
    pass_ctx,
    t,
)
from khtui.cli.team import am_option, one_am

VISIT_KEYS = (
    "id",
    "date",
    "seq",
    "retailer_code",
    "name",
    "route",
    "route_seq",
    "tier",
    "status",
    "reasons",
    "measures",
    "adhoc",
)
MISSED_KEYS = ("id", "date", "seq", "retailer_code", "name", "route", "status", "reasons", "adhoc")
PLAN_KEYS = ("month", "status", "visits", "retailers", "covered", "coverage", "days")
DAY_KEYS = (
    "id",
    "seq",
    "retailer_code",
    "name",
    "route",
    "route_seq",
    "status",
    "reasons",
    "measures",
    "tier",
    "value_class",
    "phone",
    "address",
    "last_visit",
    "open_complaints",
    "overdue_complaints",
    "checked_in_at",
    "done_at",
    "skip_reason",
    "adhoc",
)


def default_plan_month(today: dt.date, calendar, rules) -> str:
    """The plan being worked on: next month's once it is due (from the drafting day, in the
    month's last working days), else this month's."""
    from khtui.domain.planning import plan_months_due

    return plan_months_due(today, calendar, rules)[-1]


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _no_plan(month: str, today: dt.date) -> str:
    """A month without a plan: how to draft one, unless the month is over (a plan is no
    longer drafted for it, so no command is offered that would then be refused)."""
    from khtui.domain.months import month_over

    if month_over(month, today):
        return t("plan.err.no_plan_past", month=month)
    return t("plan.cli.none", month=month)


@main.group("plan")
def plan_group() -> None:
    """Visit plans (拜访计划)."""


@plan_group.command("month")
@click.option(
    "--month",
    "month",
    type=MONTH,
    help="The month (default: this month; next month once its plan is due).",
)
@click.option(
    "--generate", is_flag=True, help="Draft the plan from the rules (a draft is redrafted)."
)
@click.option(
    "--replace",
    is_flag=True,
    help="With --generate: also redraft a submitted or approved plan (it goes back to draft).",
)
@click.option(
    "--submit", is_flag=True, help="Submit the draft to the market manager (草稿 → 已提交)."
)
@click.option("--approve", is_flag=True, help="Record the approval (已提交 → 已审批).")
@click.option("--days", "show_days", is_flag=True, help="List each day's retailers.")
@click.option(
    "--docx",
    "docx_out",
    metavar="OUT",
    callback=given_value,
    help="Also write the plan as a Word file for approval.",
)
@click.option(
    "--xlsx",
    "xlsx_out",
    metavar="OUT",
    callback=given_value,
    help="Also write the plan as an Excel file.",
)
@click.option("--force", is_flag=True, help="With --docx/--xlsx: replace OUT if it exists.")
@click.option("--mask", is_flag=True, help="With --docx/--xlsx: shorten phone and licence numbers.")
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def plan_month_cmd(
    ctx: Ctx,
    month: str | None,
    generate: bool,
    replace: bool,
    submit: bool,
    approve: bool,
    show_days: bool,
    docx_out: str | None,
    xlsx_out: str | None,
    force: bool,
    mask: bool,
    am_code: str | None,
    as_json: bool,
) -> None:
    """The monthly visit plan (月度拜访计划): show, generate, submit, approve, write it as
    Word (--docx) or Excel (--xlsx) for the market manager's approval. On a team database,
    show one AM's (--am); plans are made and approved elsewhere there."""
    from khtui.data.base import StoreError

    if submit and approve:
        raise UserError(t("plan.cli.both"))
    check_document_targets(docx_out, xlsx_out, force=force)
    with ctx.store(own=bool(docx_out or xlsx_out)) as store:
        if approve and store.is_team():
            raise UserError(t("team.own_only.approve", path=store.path, command=ctx.command))
        month = month or default_plan_month(store.today(), store.work_calendar, store.rules)
        generated = None
        try:
            if generate:
                generated = store.generate_month_plan(month, replace=replace)
            if submit:
                store.submit_plan(month)
            if approve:
                store.approve_plan(month)
        except StoreError as exc:
            raise UserError(t.message(exc)) from None
        am_id = one_am(store, am_code)
        plan = store.month_plan(month, am_id)
        if plan is None and (docx_out or xlsx_out):
            raise UserError(_no_plan(month, store.today()))
        documents = _write_plan_documents(store, month, docx_out, xlsx_out, force, mask)
    if plan is None:
        if as_json:
            emit_json(
                {
                    "month": month,
                    "status": None,
                    "visits": [],
                    "warnings": [],
                    "documents": documents,
                }
            )
            return
        if am_id is not None:
            raise UserError(t("plan.cli.none.am", month=month, am=am_code))
        raise UserError(_no_plan(month, store.today()))
    warnings = [{**w, "text": t(w["key"], **w)} for w in generated["warnings"]] if generated else []
    if as_json:
        emit_json(
            {
                "month": month,
                "status": plan["status"],
                "created_at": plan["created_at"],
                "submitted_at": plan["submitted_at"],
                "approved_at": plan["approved_at"],
                "submit_by": plan["submit_by"],
                "summary": plan["summary"],
                "route_weekdays": generated["route_weekdays"] if generated else None,
                "warnings": warnings,
                "visits": [{k: v.get(k) for k in VISIT_KEYS} for v in plan["visits"]],
                "changes": plan["changes"],
                "documents": documents,
            }
        )
        return
    if generate:
        click.echo(t("plan.cli.generated", month=month))
    if submit:
        click.echo(t("plan.cli.submitted", month=month))
    if approve:
        click.echo(t("plan.cli.approved", month=month))
    s = plan["summary"]
    click.secho(
        t("plan.cli.title", month=month, status=t(f"plan.status.{plan['status']}")), bold=True
    )
    click.echo(
        t(
            "plan.cli.summary",
            pct=_pct(s["coverage"]),
            **{k: s[k] for k in ("visits", "days", "covered", "retailers")},
        )
    )
    click.echo(t("plan.cli.submit_by", day=plan["submit_by"]))
    live = [v for v in plan["visits"] if v["status"] != "rescheduled"]
    by_day: dict[str, list[dict]] = {}
    for v in live:
        by_day.setdefault(v["date"], []).append(v)
    for day, vs in by_day.items():
        d = dt.date.fromisoformat(day)
        routes = Counter(v["route"] or t("plan.no_route") for v in vs)
        route_text = "  ".join(f"{r}×{n}" for r, n in routes.items())
        click.echo(f"  {t('plan.cli.day', day=day, weekday=t.weekday(d), n=len(vs))}  {route_text}")
        if show_days:
            for v in vs:
                click.echo(
                    f"      {v['seq']:>3} {v['retailer_code']} {v['name']}  {t.reasons(v['reasons'])}"
                )
    changes = plan["changes"]
    if changes:
        moved_in = [c for c in changes if c["to_day"][:7] == month]
        moved_out = [c for c in changes if c["from_day"][:7] == month and c["to_day"][:7] != month]
        click.echo(t("plan.cli.changes", n=len(changes), into=len(moved_in), out=len(moved_out)))
        if show_days:
            for c in changes:
                click.echo(
                    "      "
                    + t(
                        "plan.cli.change",
                        code=c["retailer_code"],
                        name=c["name"] or "",
                        src=c["from_day"],
                        dst=c["to_day"],
                    )
                )
    if warnings:
        click.secho(t("plan.cli.warnings"), fg="yellow")
        for w in warnings:
            click.echo(f"  - {w['text']}")
    for kind in ("docx", "xlsx"):
        if documents[kind]:
            click.echo(t(f"rpt.cli.written_plan_{kind}", month=month, path=documents[kind]))


def _write_plan_documents(
    store,
    month: str,
    docx_out: str | None,
    xlsx_out: str | None,
    force: bool,
    mask: bool = False,
) -> dict[str, str | None]:
    """Write the plan as DOCX and/or XLSX; their paths (None for a format not asked for)."""
    out: dict[str, str | None] = {"docx": None, "xlsx": None}
    if not (docx_out or xlsx_out):
        return out
    from khtui.data.documents import DocumentError, write_plan_docx, write_plan_xlsx

    for kind, target, write in (
        ("docx", docx_out, write_plan_docx),
        ("xlsx", xlsx_out, write_plan_xlsx),
    ):
        if target:
            try:
                out[kind] = str(write(store, month, target, t=t.fixed(), force=force, mask=mask))
            except DocumentError as exc:
                raise UserError(t.message(exc)) from None
    return out


@main.command("today")
@click.option(
    "--date", "day", type=DATE, help="The day: 2026-11-27, 11-27, 27 or +3 (default today)."
)
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def today_cmd(ctx: Ctx, day: dt.date | None, am_code: str | None, as_json: bool) -> None:
    """The day's visit list (今日拜访) in route order, its progress and the month's coverage,
    and (for today) the missed visits still to place. It only reads: the day's housekeeping
    (carry-over of missed visits, next month's plan) is `khtui housekeeping`. On a team
    database, one AM's (--am)."""
    from khtui.data.housekeeping import is_done
    from khtui.domain.months import month_key

    with ctx.store() as store:
        am_id = one_am(store, am_code)
        today = store.today()
        day = day or today
        visits = store.day_visits(day, am_id)
        progress = store.day_progress(day, am_id)
        coverage = store.month_coverage(month_key(day), day, am_id)
        workday = store.work_calendar.is_workday(day)
        missed = store.missed_visits(today, am_id) if day == today else []
        pending = day == today and am_id is None and not is_done(store, today)
    if as_json:
        emit_json(
            {
                "date": day.isoformat(),
                "workday": workday,
                "progress": progress,
                "coverage": coverage,
                "visits": [{k: v.get(k) for k in DAY_KEYS} for v in visits],
                "missed": [{k: v.get(k) for k in MISSED_KEYS} for v in missed],
                "housekeeping_done": not pending,
            }
        )
        return
    click.secho(t("today.cli.title", day=day.isoformat(), weekday=t.weekday(day)), bold=True)
    if not visits:
        click.echo(t("today.cli.empty"))
    else:
        cols = ("seq", "code", "name", "route", "status", "tier", "last", "complaints", "reasons")
        rows = [
            [
                str(i),
                v["retailer_code"],
                v["name"],
                v["route"] or "-",
                t(f"plan.vstatus.{v['status']}"),
                str(v["tier"] or "-"),
                v["last_visit"] or "-",
                str(v["open_complaints"])
                + (f"({v['overdue_complaints']}!)" if v["overdue_complaints"] else ""),
                t.reasons(v["reasons"]),
            ]
            for i, v in enumerate(visits, 1)
        ]
        _table([t(f"today.cli.col.{c}") for c in cols], rows)
    click.echo(t("today.cli.progress", **progress))
    click.echo(
        t(
            "today.cli.coverage",
            visited=coverage["visited"],
            active=coverage["active"],
            pct=_pct(coverage["coverage"]),
            unvisited=len(coverage["unvisited"]),
            left=coverage["working_days_left"],
        )
    )
    if missed:
        key = "today.cli.missed" if am_id is None else "today.cli.missed.am"
        click.echo(t(key, n=len(missed), first=missed[0]["planned_date"]))
    if pending:
        click.echo(t("hk.pending", day=today.isoformat()), err=True)


@main.command("housekeeping")
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def housekeeping_cmd(ctx: Ctx, as_json: bool) -> None:
    """The day's housekeeping (例行处理), what opening the program does once a day: the daily
    backup, carry-over of missed visits (补访) within the daily capacity, this month's plan if it
    has none and next month's draft from the drafting day. A second run the same day changes
    nothing. A team database gets only its backup, as its manager's view does."""
    from khtui.data.housekeeping import run_housekeeping

    with ctx.store() as store:
        team = store.is_team()
        r = run_housekeeping(store, plans=not team)
        capacity = store.rules.visits.daily_capacity
        submit_by = {s["month"]: store.submit_by(s["month"]).isoformat() for s in r.plans}
    carry = r.carry
    if as_json:
        emit_json(
            {
                "date": r.day.isoformat(),
                "workday": r.workday,
                "already": r.already,
                "done_at": r.done_at,
                "carry_over": None
                if carry is None
                else {
                    "carried": carry.carried,
                    "merged": carry.merged,
                    "unplaced": carry.unplaced,
                    "days": [d.isoformat() for d in carry.days],
                },
                "plans": [
                    {**{k: p[k] for k in PLAN_KEYS}, "submit_by": submit_by[p["month"]]}
                    for p in r.plans
                ],
                "backup": str(r.backup) if r.backup else None,
            }
        )
        return
    click.secho(t("hk.title", day=r.day.isoformat(), weekday=t.weekday(r.day)), bold=True)
    if r.already:
        click.echo(t("hk.already", day=r.day.isoformat(), at=(r.done_at or "")[11:16]))
        return
    if team:
        click.echo(t("hk.team"))
    elif carry is None:
        click.echo(t("hk.rest_day"))
    elif carry.carried or carry.merged:
        days = t("fmt.sep").join(d.strftime("%m-%d") for d in carry.days)
        click.echo(t("hk.carried", carried=carry.carried, merged=carry.merged, days=days))
    elif not carry.unplaced:
        click.echo(t("hk.no_missed"))
    if carry is not None and carry.unplaced:
        click.echo(t("hk.unplaced", n=carry.unplaced, capacity=capacity))
    for p in r.plans:
        click.echo(t("hk.plan", **{k: p[k] for k in ("month", "visits", "covered", "retailers")}))
        if p["month"] > r.day.isoformat()[:7]:
            click.echo(
                "  " + t("hk.plan.submit", month=p["month"], submit_by=submit_by[p["month"]])
            )
        for w in p["warnings"]:
            click.echo("  - " + t(w["key"], **w))
    click.echo(t("hk.backup", path=r.backup) if r.backup else t("hk.backup.none"))


def _table(header: list[str], rows: list[list[str]]) -> None:
    """A plain text table aligned for CJK text (widths in terminal cells)."""
    from rich.cells import cell_len

    widths = [max(cell_len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    click.echo(line(header))
    for r in rows:
        click.echo(line(r))
