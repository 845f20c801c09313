"""品牌 — brand cultivation figures (会培育) of key and new brands over a period.

铺货率 distribution, 动销率 sell-through and 上摊率 on-shelf rate, as defined in the rules file's
``[brands]`` section (``khtui/domain/brand_figures.py``). The period defaults to the last cycle
up to today. The screen opens on the figures; ``p`` goes to the period: type the first day,
Enter, the last day, Enter (each as ``2026-10-01``, ``10-01``, ``1`` or ``-30``), and the
figures are read again in the screen's job queue; ``Esc`` leaves a date box.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Header

from khtui.domain.dates import day_examples
from khtui.widgets.date_input import DateInput
from khtui.widgets.footer import Footer
from khtui.widgets.jobs import JobQueue
from khtui.widgets.keys import Key, Keyed, TypingScreen
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.text_boxes import Input


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


class BrandsScreen(Keyed, TypingScreen):
    CSS_PATH = "brands.tcss"
    AUTO_FOCUS = "#brand-table"
    KEYS: ClassVar = (
        Key("p", "period", "brands.key.period"),
        Key("ctrl+r", "reload", "brands.bind.refresh"),
        Key("escape", "leave_box", "brands.key.leave"),
    )
    NOT_WHILE_TYPING = frozenset({"period"})

    def compose(self) -> ComposeResult:
        today = self.app.today()
        start, end = self.app.store.brand_period(today)
        message = t("error.bad_date", value="", **day_examples(today))
        yield Header()
        with Horizontal(id="brand-period"):
            yield Label(t("brands.from"))
            yield DateInput(
                today, message=message, value=start.isoformat(), id="brand-from", classes="date"
            )
            yield Label(t("brands.to"))
            yield DateInput(
                today, message=message, value=end.isoformat(), id="brand-to", classes="date"
            )
            yield Static("", id="brand-msg")
        yield DataTable(id="brand-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="brand-footer")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("brands.title")
        self.jobs = JobQueue(self.app, "brands", self.app.report_error)
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

    # -- keys ------------------------------------------------------------------------------------
    def on_screen_resume(self) -> None:
        if self.typing_now():
            self.query_one("#brand-table").focus()

    def action_period(self) -> None:
        self.query_one("#brand-from", DateInput).focus()

    def action_leave_box(self) -> None:
        self.query_one("#brand-table").focus()

    @on(Input.Submitted, "#brand-from")
    def _from_given(self) -> None:
        if self._period() is not None:
            self.query_one("#brand-to", DateInput).focus()
            self.reload()

    @on(Input.Submitted, "#brand-to")
    def _to_given(self) -> None:
        if self._period() is not None:
            self.query_one("#brand-table").focus()
            self.reload()

    # -- the figures -----------------------------------------------------------------------------
    def _period(self) -> tuple[dt.date, dt.date] | None:
        msg = self.query_one("#brand-msg", Static)
        boxes = [self.query_one(f"#brand-{k}", DateInput) for k in ("from", "to")]
        for box in boxes:
            if box.day is None:
                msg.update(t("error.bad_date", value=box.value, **day_examples(self.app.today())))
                return None
        start, end = boxes[0].day, boxes[1].day
        assert start is not None and end is not None
        if start > end:
            msg.update(t("brands.bad_period"))
            return None
        msg.update("")
        return start, end

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        period = self._period()
        if period is None:
            return
        store = self.app.store
        self.jobs.submit(lambda: (period, store.brand_figures(*period)), self._show)

    def _show(self, result: tuple[tuple[dt.date, dt.date], list[dict]]) -> None:
        period, rows = result
        if not self.is_attached:
            return
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
        cycle = self.app.store.rules.brands.cycle_days
        lines = [t("brands.period", start=period[0], end=period[1], cycle=cycle)]
        if rows:
            lines.append(
                t("brands.footer", active=rows[0]["active"], checked=rows[0]["shelf_checked"])
            )
        else:
            lines.append(t("brands.none"))
        lines.append(t("brands.definitions"))
        self.query_one("#brand-footer", Static).update("\n".join(lines))
