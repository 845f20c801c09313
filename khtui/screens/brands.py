"""品牌 — brand cultivation figures (会培育) of key and new brands over a period.

铺货率 distribution, 动销率 sell-through and 上摊率 on-shelf rate, as defined in the rules file's
``[brands]`` section (``khtui/domain/brand_figures.py``). The period defaults to the last cycle
up to today; type other dates and press Enter.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from khtui.i18n import t


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


class BrandsScreen(Screen):
    CSS_PATH = "brands.tcss"

    def __init__(self) -> None:
        super().__init__()
        self._bindings.bind("ctrl+r", "reload", t("brands.bind.refresh"))

    def compose(self) -> ComposeResult:
        start, end = self.app.store.brand_period(self.app.today())
        yield Header()
        with Horizontal(id="brand-period"):
            yield Label(t("brands.from"))
            yield Input(start.isoformat(), id="brand-from", classes="date")
            yield Label(t("brands.to"))
            yield Input(end.isoformat(), id="brand-to", classes="date")
            yield Static("", id="brand-msg")
        yield DataTable(id="brand-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="brand-footer")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#brand-table", DataTable)
        for key in (
            "brand",
            "type",
            "ordered",
            "distribution",
            "reordered",
            "sell_through",
            "on_shelf",
            "on_shelf_rate",
        ):
            table.add_column(t(f"brands.col.{key}"), key=key)
        self.reload()
        table.focus()

    def _period(self) -> tuple[dt.date, dt.date] | None:
        msg = self.query_one("#brand-msg", Static)
        try:
            start = dt.date.fromisoformat(self.query_one("#brand-from", Input).value.strip())
            end = dt.date.fromisoformat(self.query_one("#brand-to", Input).value.strip())
        except ValueError:
            bad = self.query_one("#brand-from", Input).value
            msg.update(t("error.bad_date", value=bad))
            return None
        if start > end:
            msg.update(t("brands.bad_period"))
            return None
        msg.update("")
        return start, end

    @on(Input.Submitted)
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        period = self._period()
        if period is None:
            return
        store = self.app.store
        rows = store.brand_figures(*period)
        table = self.query_one("#brand-table", DataTable)
        table.clear()
        for r in rows:
            kind = "/".join(
                x
                for x, on_ in ((t("brands.key"), r["is_key"]), (t("brands.new"), r["is_new"]))
                if on_
            )
            table.add_row(
                Text(r["name"], style="bold" if r["is_key"] else ""),
                kind,
                f"{r['ordered']}/{r['active']}",
                _pct(r["distribution_rate"]),
                f"{r['reordered']}/{r['ordered']}",
                _pct(r["sell_through_rate"]),
                f"{r['on_shelf']}/{r['shelf_checked']}",
                _pct(r["on_shelf_rate"]),
                key=r["brand_code"],
            )
        cycle = store.rules.brands.cycle_days
        lines = [t("brands.period", start=period[0], end=period[1], cycle=cycle)]
        if rows:
            lines.append(
                t("brands.footer", active=rows[0]["active"], checked=rows[0]["shelf_checked"])
            )
        else:
            lines.append(t("brands.none"))
        lines.append(t("brands.definitions"))
        self.query_one("#brand-footer", Static).update("\n".join(lines))
