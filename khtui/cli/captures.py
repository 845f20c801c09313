"""`khtui captures`, `khtui complaints`, `khtui complaint ...`, `khtui brands`."""

from __future__ import annotations

import click

from khtui.cli.base import DATE, Ctx, UserError, emit_json, main, pass_ctx, t
from khtui.cli.team import am_option, resolve_am
from khtui.domain import complaints as complaint_rules
from khtui.i18n.capture import capture_summary


def _kind_name(key: str) -> str:
    return t.label(f"capture.kind.{key}", key)


@main.command("captures")
@click.option("--retailer", "retailer", metavar="CODE", help="Only this retailer.")
@click.option("--kind", "kind", metavar="K", help="Only this kind (activity, prices, ...).")
@click.option("--from", "start", type=DATE, help="From this day (inclusive).")
@click.option("--to", "end", type=DATE, help="To this day (inclusive).")
@click.option("--drafts", is_flag=True, help="Include unfinished drafts.")
@click.option(
    "--gaps",
    "gaps_day",
    type=DATE,
    default=None,
    help="Instead: what the day still lacks (visits finished without a capture, drafts).",
)
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def captures_cmd(ctx: Ctx, retailer, kind, start, end, drafts, gaps_day, am_code, as_json) -> None:
    """Market information captured at visits (会收集), newest first."""
    from khtui.domain.capture import KIND_BY_KEY

    if kind is not None and kind not in KIND_BY_KEY:
        raise UserError(t("cli.captures.bad_kind", kind=kind, choices=", ".join(KIND_BY_KEY)))
    with ctx.store() as store:
        am_id = resolve_am(store, am_code)
        if gaps_day is not None:
            gaps = store.day_capture_gaps(gaps_day, am_id)
            if as_json:
                emit_json({"day": gaps_day.isoformat(), **gaps})
                return
            _print_gaps(gaps, gaps_day)
            return
        if retailer is not None and store.get_retailer(retailer) is None:
            raise UserError(t("error.unknown_code", code=retailer))
        rows = store.captures(
            retailer=retailer, kind=kind, start=start, end=end, include_drafts=drafts, am_id=am_id
        )
        brand_names = {b["brand_code"]: b["name"] for b in store.brands()}
    if as_json:
        emit_json(
            [
                {
                    k: c.get(k)
                    for k in (
                        "id",
                        "visit_id",
                        "retailer_code",
                        "name",
                        "kind",
                        "payload",
                        "is_draft",
                        "captured_on",
                        "observations",
                    )
                    if k != "observations" or c["kind"] == "prices"
                }
                for c in rows
            ]
        )
        return
    if not rows:
        click.echo(t("cli.captures.none"))
        return
    for c in rows:
        draft = f" [{t('capture.draft')}]" if c["is_draft"] else ""
        # an AM's own work log names no retailer
        who = f"{c['retailer_code']} {c['name'] or ''}" if c["retailer_code"] else "-"
        summary = capture_summary(t, c, KIND_BY_KEY.get(c["kind"]), brand_names)
        click.echo(f"{c['captured_on']}  {who}  {_kind_name(c['kind'])}{draft}  {summary}")


def _print_gaps(gaps: dict, day) -> None:
    click.secho(t("cli.gaps.header", day=day.isoformat()), bold=True)
    if not gaps["finished_without_capture"] and not gaps["drafts"]:
        click.echo(t("capture.gaps.none"))
        return
    if gaps["finished_without_capture"]:
        click.echo(t("capture.gaps.missing"))
        for g in gaps["finished_without_capture"]:
            click.echo(f"  {g['planned_date']} {g['retailer_code']} {g['name'] or ''}")
    if gaps["drafts"]:
        click.echo(t("capture.gaps.drafts"))
        for g in gaps["drafts"]:
            kinds = ", ".join(_kind_name(k) for k in g["kinds"])
            click.echo(f"  {g['captured_on']} {g['retailer_code']} {g['name'] or ''}: {kinds}")


# -- complaints ---------------------------------------------------------------------------------
COMPLAINT_KEYS = (
    "id",
    "retailer_code",
    "name",
    "category",
    "category_name",
    "department",
    "am_share",
    "raised_on",
    "due_on",
    "status",
    "overdue",
    *complaint_rules.STEP_DATE.values(),  # the day of each step
    "description",
    "answer",
    "resolution",
    "capture_id",
    "visit_id",
)


@main.command("complaints")
@click.option("--open", "only_open", is_flag=True, help="Only open or forwarded ones.")
@click.option("--overdue", is_flag=True, help="Only overdue ones (due before --on).")
@click.option("--status", type=click.Choice(complaint_rules.STATUSES))
@click.option("--category", metavar="KEY", help="Only this category (supply, delivery, ...).")
@click.option("--department", metavar="NAME", help="Only this owning department.")
@click.option("--retailer", metavar="CODE", help="Only this retailer.")
@click.option("--on", "on", type=DATE, help="The day overdue is judged on (default today).")
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def complaints_cmd(
    ctx: Ctx, only_open, overdue, status, category, department, retailer, on, am_code, as_json
) -> None:
    """Retailers' complaints (首问负责): owner, due date, status; overdue ones marked."""
    with ctx.store() as store:
        am_id = resolve_am(store, am_code)
        if category is not None and category not in store.rules.complaint_routes:
            raise UserError(
                t(
                    "complaint.err.bad_category",
                    value=category,
                    choices=", ".join(store.rules.complaint_routes),
                )
            )
        day = on or store.today()
        statuses = complaint_rules.OPEN_STATUSES if only_open else status
        rows = store.complaints(
            status=statuses,
            category=category,
            department=department,
            retailer=retailer,
            overdue_on=day if overdue else None,
            am_id=am_id,
            on=day,
        )
    if as_json:
        emit_json([{k: r.get(k) for k in COMPLAINT_KEYS} for r in rows])
        return
    if not rows:
        click.echo(t("cli.complaints.none"))
        return
    rules = ctx.rules
    for r in rows:
        mark = f" [{t('complaint.overdue')}]" if r["overdue"] else ""
        click.echo(
            f"{r['id'][:8]}  {r['raised_on']}  {r['retailer_code']} {r['name'] or ''}  "
            f"{t.word(r['category_name'], rules)} -> {t.word(r['department'], rules)}  "
            f"{t('complaint.status.' + r['status'])}  {t('complaint.col.due')} {r['due_on']}"
            f"{mark}  {r['description']}"
        )


@main.group("complaint")
def complaint_group() -> None:
    """Raise a complaint, move it on, or add its follow-up visit."""


def _resolve_id(store, prefix: str) -> str:
    rows = store.query("SELECT id FROM complaints WHERE id LIKE ? LIMIT 2", (prefix.strip() + "%",))
    if not prefix.strip() or not rows:
        raise UserError(t("complaint.err.not_found", value=prefix))
    if len(rows) > 1:
        raise UserError(t("cli.complaints.ambiguous", value=prefix))
    return rows[0][0]


@complaint_group.command("raise")
@click.argument("code")
@click.argument("category")
@click.argument("description")
@click.option("--on", "on", type=DATE, help="Day it was raised (default today).")
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def complaint_raise(ctx: Ctx, code, category, description, on, as_json) -> None:
    """Record a complaint of retailer CODE in CATEGORY (supply, order_service, delivery,
    market_management, visit_service, prices)."""
    from khtui.domain.complaints import ComplaintProblem

    with ctx.store() as store:
        try:
            cid = store.raise_complaint(
                code.strip(), category.strip(), description, raised_on=on or store.today()
            )
        except ComplaintProblem as exc:
            raise UserError(t.message(exc)) from None
        c = store.get_complaint(cid)
    if as_json:
        emit_json({k: c.get(k) for k in COMPLAINT_KEYS})
        return
    click.echo(
        t(
            "cli.complaints.raised",
            id=cid[:8],
            department=t.word(c["department"], ctx.rules),
            due_on=c["due_on"],
        )
    )


@complaint_group.command("advance")
@click.argument("complaint_id")
@click.argument("status", type=click.Choice(["forwarded", "answered", "closed"]))
@click.option("--on", "on", type=DATE, help="Day of the step (default today).")
@click.option("--answer", help="The answer given to the retailer (to answer).")
@click.option("--resolution", help="How it was resolved (to close).")
@pass_ctx
def complaint_advance(ctx: Ctx, complaint_id, status, on, answer, resolution) -> None:
    """Move a complaint on: forwarded, answered (--answer), closed (--resolution).
    COMPLAINT_ID may be the first characters of the id."""
    from khtui.domain.complaints import ComplaintProblem

    with ctx.store() as store:
        cid = _resolve_id(store, complaint_id)
        day = on or store.today()
        try:
            store.advance_complaint(cid, status, on=day, answer=answer, resolution=resolution)
        except ComplaintProblem as exc:
            raise UserError(t.message(exc)) from None
    click.echo(
        t("cli.complaints.advanced", id=cid[:8], status=t(f"complaint.status.{status}"), on=day)
    )


@complaint_group.command("followup")
@click.argument("complaint_id")
@click.option("--on", "on", type=DATE, help="Plan from this day (default today).")
@pass_ctx
def complaint_followup(ctx: Ctx, complaint_id, on) -> None:
    """Add (or find) the complaint's follow-up visit (reason 投诉回访)."""
    from khtui.domain.complaints import ComplaintProblem

    with ctx.store() as store:
        cid = _resolve_id(store, complaint_id)
        try:
            out = store.propose_followup(cid, on=on)
        except ComplaintProblem as exc:
            raise UserError(t.message(exc)) from None
    created = t("cli.complaints.followup_new") if out["created"] else ""
    click.echo(
        t("cli.complaints.followup", visit_id=out["visit_id"][:8], day=out["day"], created=created)
    )


# -- brands -------------------------------------------------------------------------------------
FIGURE_KEYS = (
    "brand_code",
    "name",
    "is_key",
    "is_new",
    "active",
    "ordered",
    "distribution_rate",
    "reordered",
    "sell_through_rate",
    "shelf_checked",
    "on_shelf",
    "on_shelf_rate",
)


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1f}%"


@main.command("brands")
@click.option("--figures", is_flag=True, help="Cultivation figures of key and new brands.")
@click.option("--from", "start", type=DATE, help="Period start (default: one cycle back).")
@click.option("--to", "end", type=DATE, help="Period end (default today).")
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def brands_cmd(ctx: Ctx, figures, start, end, as_json) -> None:
    """Brand cultivation figures (会培育): 铺货率 distribution, 动销率 sell-through and 上摊率
    on-shelf rate of key and new brands; definitions in the rules file's [brands]."""
    if not figures:
        raise UserError(t("cli.brands.need_figures"))
    with ctx.store() as store:
        d_start, d_end = store.brand_period(end)
        start = start or d_start
        end = end or d_end
        if start > end:
            raise UserError(t("brands.bad_period"))
        rows = store.brand_figures(start, end)
        cycle = store.rules.brands.cycle_days
    if as_json:
        emit_json(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "cycle_days": cycle,
                "brands": [{k: r[k] for k in FIGURE_KEYS} for r in rows],
            }
        )
        return
    click.echo(t("brands.period", start=start, end=end, cycle=cycle))
    if not rows:
        click.echo(t("brands.none"))
        return
    head = [
        t("brands.col.brand"),
        t("brands.col.type"),
        t("brands.col.distribution"),
        t("brands.col.sell_through"),
        t("brands.col.on_shelf_rate"),
    ]
    click.echo("  ".join(head))
    for r in rows:
        kind = "/".join(
            x for x, on in ((t("brands.key"), r["is_key"]), (t("brands.new"), r["is_new"])) if on
        )
        click.echo(
            f"{r['brand_code']} {r['name']}  {kind}  "
            f"{_pct(r['distribution_rate'])} ({r['ordered']}/{r['active']})  "
            f"{_pct(r['sell_through_rate'])} ({r['reordered']}/{r['ordered']})  "
            f"{_pct(r['on_shelf_rate'])} ({r['on_shelf']}/{r['shelf_checked']})"
        )
    click.echo(t("brands.definitions"))
