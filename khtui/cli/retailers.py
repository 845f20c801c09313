"""`khtui retailer`, `khtui retailers`, `khtui recompute`."""

from __future__ import annotations

import click

from khtui.cli.base import DATE, Ctx, UserError, emit_json, main, pass_ctx, t
from khtui.cli.team import am_option, resolve_am
from khtui.data.search import LISTED_COLUMNS
from khtui.domain.retailer import STATUSES as RETAILER_STATUSES
from khtui.i18n import LANGUAGES, Translator


def retailer_payload(store, code: str, as_of) -> dict:
    """All stored fields plus each derived value, computed as of the date, with its why (its
    account in each language of the UI, ``zh`` and ``en``)."""
    from khtui.data.base import StoreError
    from khtui.data.retailers import DERIVED_COLUMNS

    try:
        derived = store.derive_retailer(code, as_of)
    except StoreError:
        raise UserError(t("error.unknown_code", code=code)) from None
    record = {k: v for k, v in store.get_retailer(code).items() if k not in DERIVED_COLUMNS}
    out = {**record, **derived.to_dict()}
    for rule in ("tier", "category", "level", "value"):
        explain = getattr(derived, rule).why.explain
        out[f"{rule}_why"]["explain"] = {lang: Translator(lang).say(explain) for lang in LANGUAGES}
    return out


@main.command("retailer")
@click.argument("code")
@click.option("--as-of", "as_of", type=DATE, help="Derive as of this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def retailer_cmd(ctx: Ctx, code: str, as_of, as_json: bool) -> None:
    """One retailer: every stored field, and tier, category, level and value with their why."""
    from khtui.domain.retailer import FIELDS, GROUPS

    with ctx.store() as store:
        payload = retailer_payload(store, code.strip(), as_of or store.today())
    if as_json:
        emit_json(payload)
        return
    rules = ctx.rules
    for group in GROUPS:
        click.secho(t.group_name(group), bold=True)
        for f in FIELDS:
            value = t.field(f.name, payload.get(f.name), rules)
            if f.group == group and value:
                click.echo(f"  {t.field_name(f.name)}: {value}")
    if payload.get("extra"):
        click.secho(t("retailer.cli.extra"), bold=True)
        for k, v in payload["extra"].items():
            click.echo(f"  {k}: {v}")
    click.secho(f"{t('why.title')} ({payload['as_of']})", bold=True)
    cat = payload["category"]
    lines = [
        (t("field.tier"), payload["tier"], payload["tier_why"]),
        (
            t("field.category"),
            f"{cat['code']} {t.word(cat['name'], rules)}" if cat else "-",
            payload["category_why"],
        ),
        (t("field.level"), payload["level"], payload["level_why"]),
        (t("field.value"), t(f"value.{payload['value']}"), payload["value_why"]),
    ]
    for label, value, why in lines:
        click.echo(f"  {label}: {value}")
        click.echo(f"    {why['explain'][t.lang]}")


@main.command("retailers")
@click.option("--route", help="Only this delivery route (送货线路).")
@click.option("--tier", type=click.IntRange(1, 8), help="Only this tier (1-8).")
@click.option("--status", type=click.Choice(RETAILER_STATUSES), help="Only this status.")
@am_option
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@pass_ctx
def retailers_cmd(ctx: Ctx, route, tier, status, am_code, as_json: bool) -> None:
    """List retailers in route order (derived values as of the last recompute)."""
    keys = (
        *LISTED_COLUMNS,
        "monthly_avg_jian",
        "category_code",
        "category_name",
        "level",
        "value_class",
        "phone",
        "derived_as_of",
    )
    with ctx.store() as store:
        am_id = resolve_am(store, am_code)
        rows = [
            {k: r[k] for k in keys}
            for r in store.list_retailers(route=route, tier=tier, status=status, am_id=am_id)
        ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(t("cli.no_retailers"))
        return
    for r in rows:
        click.echo(
            f"{r['code']}  {r['name']}  {r['route'] or '-'}#{r['route_seq'] or '-'}  "
            f"{t.status(r['status'])}  "
            f"{t('field.tier')}{r['tier'] or '-'}  {t('field.level')}{r['level'] or '-'}  "
            f"{t('value.' + r['value_class']) if r['value_class'] else '-'}"
        )


@main.command("recompute")
@click.option("--as-of", "as_of", type=DATE, help="Derive as of this date (default today).")
@pass_ctx
def recompute_cmd(ctx: Ctx, as_of) -> None:
    """Recompute tier, category, level and value of every retailer."""
    with ctx.store() as store:
        as_of = as_of or store.today()
        n = store.recompute(as_of)
    click.echo(t("cli.recomputed", n=n, as_of=as_of.isoformat()))
