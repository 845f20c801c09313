"""`khtui search`: the lookup of the TUI, on the command line."""

from __future__ import annotations

import click

from khtui.cli.base import Ctx, UserError, emit_json, main, pass_ctx, t
from khtui.data.search import RESULT_COLUMNS

MAX_LIMIT = 1000
RESULT_KEYS = (*RESULT_COLUMNS, "match")


@main.command("search")
@click.argument("query", nargs=-1)
@click.option("--limit", default=20, show_default=True, help="How many retailers to show.")
@click.option("--offset", default=0, show_default=True, help="Skip this many (next pages).")
@click.option("--json", "as_json", is_flag=True, help="JSON output with stable keys.")
@click.option("--reindex", is_flag=True, help="Rebuild the lookup index first (after a bulk load).")
@pass_ctx
def search_cmd(ctx: Ctx, query: tuple[str, ...], limit, offset, as_json: bool, reindex: bool):
    """Find retailers by name (any part), pinyin initials (yhl), full pinyin, customer code,
    licence number or phone (the last four digits will do). Best matches first: an exact
    code or licence number, then keys that start with the query, then the rest; matches that
    need a rare reading of a character (长 as zhang in 长安) after all others."""
    text = " ".join(query).strip()
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise UserError(t("search.bad_limit", max=MAX_LIMIT, value=limit))
    if not text and not reindex:
        raise UserError(t("search.empty_query"))
    offset = max(0, int(offset))
    with ctx.store() as store:
        if reindex:
            n = store.rebuild_search_index()
            if not as_json:
                click.echo(t("search.indexed", n=n), err=True)
            if not text:
                return
        page = store.lookup_retailers(text, limit=limit, offset=offset)
    total, capped = page.total, page.capped
    rows = [{k: r.get(k) for k in RESULT_KEYS} for r in page.rows]
    if as_json:
        emit_json(
            {
                "query": text,
                "total": total,
                "total_capped": capped,
                "offset": offset,
                "results": rows,
            }
        )
        return
    if not rows:
        click.echo(t("search.none", query=text))
        return
    summary = "search.summary_capped" if capped else "search.summary"
    click.echo(t(summary, total=total, first=offset + 1, last=offset + len(rows)))
    for r in rows:
        route = f"{r['route'] or '-'}#{r['route_seq'] if r['route_seq'] is not None else '-'}"
        click.echo(
            f"{r['code']}  {r['name']}  {route}  {t.status(r['status']) if r['status'] else '-'}  "
            f"{r['phone'] or '-'}  "
            f"[{t('search.match.' + r['match']) if r['match'] else '-'}]"
        )
    rest = total - offset - len(rows)
    if capped:
        click.echo(t("search.more_capped", offset=offset + len(rows)))
    elif rest > 0:
        click.echo(t("search.more", n=rest, offset=offset + len(rows)))
