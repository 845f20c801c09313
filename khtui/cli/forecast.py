"""`khtui forecast` and `khtui warnings`: the stored forecasts, the backtest, the warnings."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from khtui.cli.base import (
    DATE,
    MONTH,
    Ctx,
    UserError,
    emit_json,
    main,
    pass_ctx,
    progress_bar,
    stderr,
    t,
)
from khtui.cli.team import am_option


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def ensure_forecasts(store, *, quiet: bool = False) -> None:
    """Compute the forecasts when the stored ones are older than the order data (or this
    month has none yet)."""
    if not store.forecasts_stale():
        return
    if not quiet:
        stderr(t("fc.computing"))
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = progress_bar(total, t("fc.months_done"))
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        summary = store.compute_forecasts(
            progress=progress if not quiet and sys.stderr.isatty() else None
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if summary is not None and not quiet:
        stderr(
            t(
                "fc.computed",
                series=summary.series,
                seconds=summary.seconds,
                cpu=summary.cpu_seconds,
                through=summary.data_through or "-",
            )
        )


def _row_json(r) -> dict[str, Any]:
    return {
        "month": r.target_month,
        "level": r.level,
        "retailer_code": r.retailer_code or None,
        "brand_code": r.brand_code or None,
        "brand_name": r.brand_name,
        "forecast_tiao": r.qty,
        "interval_tiao": [r.lo, r.hi],
        "method": r.method,
        "backtest_windows": r.windows,
        "backtest_wape": r.wape,
        "seasonal_naive_wape": r.baseline_wape,
        "candidates_wape": r.scores,
    }


def _accuracy_json(acc) -> dict[str, Any] | None:
    if acc.area is None:
        return None

    def one(s):
        return {
            "key": s.key,
            "name": s.name,
            "forecast_tiao": round(s.forecast, 2),
            "actual_tiao": round(s.actual, 2),
            "accuracy": round(s.accuracy, 4),
        }

    return {
        "month": acc.month,
        "forecast_made_as_of": acc.run_as_of,
        "complete": acc.complete,
        "area": one(acc.area),
        "retailers": [one(s) for s in acc.retailers],
        "brands": [one(s) for s in acc.brands],
    }


@main.command("forecast")
@click.option("--retailer", "retailer", metavar="CODE", help="Only this retailer.")
@click.option("--brand", "brand", metavar="CODE", help="Only this brand (卷烟编码).")
@click.option("--month", "month", type=MONTH, help="Target month (default: next month).")
@click.option("--backtest", is_flag=True, help="The held-out backtest of the stored forecasts.")
@am_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def forecast_cmd(ctx: Ctx, retailer, brand, month, backtest, am_code, as_json) -> None:
    """Next month's orders (条) per retailer × brand, retailer and area, with intervals, the
    method chosen by backtest and why; computed first when the stored forecasts are older
    than the order data. A past month shows the forecast made before it began and its
    预测准确率. On a team database, one AM's (--am): the forecasts merged from their database,
    scored against their retailers' orders."""
    from khtui.cli.team import one_am
    from khtui.domain.months import add_months, month_key

    with ctx.store() as store:
        am = one_am(store, am_code)
        if am is None:  # a team database's forecasts are its AMs', merged
            ensure_forecasts(store, quiet=as_json)
        run = store.latest_forecast_run(am)
        if run is None:
            raise UserError(t("fc.none"))
        if backtest:
            _show_backtest(run, as_json)
            return
        if retailer is not None and store.get_retailer(retailer) is None:
            raise UserError(t("fc.unknown_retailer", code=retailer))
        if (
            brand is not None
            and store.scalar("SELECT 1 FROM brands WHERE brand_code = ?", (brand,)) is None
        ):
            raise UserError(t("fc.unknown_brand", code=brand))
        this = month_key(store.today())
        month = month or add_months(this, 1)
        past = month < this
        source = store.run_before(month, am) if past else store.run_for_target(month, am)
        if source is None:
            months = [
                r[0]
                for r in store.query(
                    "SELECT DISTINCT target_month FROM forecasts ORDER BY target_month"
                )
            ]
            raise UserError(t("fc.no_run_for_month", month=month, months=", ".join(months)))
        level = None
        if retailer is None and brand is not None:
            level = "brand"
        rows = store.forecast_rows(
            month, retailer=retailer, brand=brand, level=level, run_id=source["id"]
        )
        if retailer is None and brand is None:
            rows = [r for r in rows if r.level != "brand"]
        acc = store.month_accuracy(month, am) if month <= this else None
        if as_json:
            emit_json(
                {
                    "month": month,
                    "run": {
                        "as_of": source["as_of"],
                        "computed_at": source["computed_at"],
                        "data_through": source["data_through"],
                        "history": [source["history_from"], source["history_to"]],
                    },
                    "forecasts": [_row_json(r) for r in rows],
                    "accuracy": None if acc is None else _accuracy_json(acc),
                }
            )
            return
        click.echo(
            t(
                "fc.header",
                month=month,
                computed=source["computed_at"],
                through=source["data_through"] or "-",
            )
        )
        for r in rows:
            base = _pct(r.baseline_wape)
            click.echo(
                f"{t('fc.level.' + r.level)}  {r.retailer_code or '-'}  "
                f"{(r.brand_name or r.brand_code) or '-'}  {r.qty:.0f}  "
                f"{r.lo:.0f}–{r.hi:.0f}  {t('fc.method.' + r.method)}  "
                f"{_pct(r.wape)} ({base})"
            )
        if acc is not None:
            if acc.area is None:
                click.echo(t("fc.no_accuracy", month=month))
            else:
                click.echo(
                    t(
                        "fc.accuracy_line",
                        month=month,
                        acc=_pct(acc.area.accuracy),
                        forecast=f"{acc.area.forecast:.0f}",
                        actual=f"{acc.area.actual:.0f}",
                        partial="" if acc.complete else t("fc.partial"),
                    )
                )


def _show_backtest(run: dict[str, Any], as_json: bool) -> None:
    import json

    data = json.loads(run["backtest"] or "{}")
    out = {
        "computed_at": run["computed_at"],
        "as_of": run["as_of"],
        "data_through": run["data_through"],
        "history": [run["history_from"], run["history_to"]],
        "series": run["series"],
        "seconds": run["seconds"],
        "cpu_seconds": run["cpu_seconds"],
        **data,
    }
    if as_json:
        emit_json(out)
        return
    for horizon, result in data.items():
        ahead = int(horizon.rpartition("_")[2]) if horizon[-1:].isdigit() else 1
        click.echo(t("fc.bt.horizon", n=ahead, target=result["target"]))
        click.echo(t("fc.bt.holdout", months=", ".join(result["holdout_months"])))
        click.echo(t("fc.bt.spring", months=", ".join(result["spring_festival_months"])))
        for level, rep in result["levels"].items():
            o, s = rep["overall"], rep["spring_festival_months"]
            click.echo(
                t(
                    "fc.bt.level",
                    level=t.label(f"fc.level.{level}", level),
                    wape=_pct(o["wape"]),
                    naive=_pct(o["seasonal_naive_wape"]),
                    ratio=o["ratio_to_seasonal_naive"],
                    spring=s["ratio_to_seasonal_naive"],
                )
            )
            for method, m in rep["by_method"].items():
                click.echo(
                    t(
                        "fc.bt.method",
                        method=t.label(f"fc.method.{method}", method),
                        wape=_pct(m["wape"]),
                        ratio=m["ratio_to_seasonal_naive"],
                        windows=m["windows"],
                    )
                )


@main.command("warnings")
@click.option("--date", "day", type=DATE, help="The day (default today).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def warnings_cmd(ctx: Ctx, day: dt.date | None, as_json: bool) -> None:
    """Warnings for the active retailers: likely shortages and overstock from the last
    visit's stock, sales swings against the forecast, licences and complaints due."""
    from khtui.i18n.forecast import warning_text

    with ctx.store() as store:
        day = day or store.today()
        items = store.warnings_for(day)
        names = {r[0]: r[1] for r in store.query("SELECT code, name FROM retailers")}
        brands = {r[0]: r[1] for r in store.query("SELECT brand_code, name FROM brands")}
        routes = store.rules.complaint_routes
        if as_json:
            emit_json(
                {
                    "date": day.isoformat(),
                    "warnings": [
                        {
                            "kind": w.kind,
                            "retailer_code": w.retailer_code,
                            "retailer_name": names.get(w.retailer_code),
                            "brand_code": w.brand_code,
                            "brand_name": brands.get(w.brand_code) if w.brand_code else None,
                            "text": warning_text(t, w, brands, routes),
                            "params": w.params,
                        }
                        for w in items
                    ],
                }
            )
            return
        if not items:
            click.echo(t("warn.none", date=day.isoformat()))
            return
        click.echo(t("warn.count", date=day.isoformat(), n=len(items)))
        for w in items:
            click.echo(
                f"{t('warn.kind.' + w.kind)}  {w.retailer_code} "
                f"{names.get(w.retailer_code, '')}  {warning_text(t, w, brands, routes)}"
            )
