"""The supply suggestion for a retailer's next order (精准投放), per brand.

Give it the retailer's code; it reads the suggestion in a thread worker from the app's store
(``supply_suggestions``) and shows it when it arrives. ``reload()`` reads again.
"""

from __future__ import annotations

from rich.text import Text
from textual import getters, work
from textual.message import Message

from khtui.widgets.cells import cut, pad, right
from khtui.widgets.plain_text import Static
from khtui.widgets.speech import t
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench

NAME_CELLS = 14
# the number columns after the name, in cells: suggested, month's forecast, stock on hand
SUGGESTED_CELLS, MONTH_CELLS, STOCK_CELLS = 4, 6, 5
MIN_APP_WIDTH = 110  # narrower terminals leave the room to the grid


class SupplyPanel(Static):
    app = getters.app(Workbench)
    DEFAULT_CSS = """
    SupplyPanel {
        width: 38;
        height: 100%;
        padding: 0 1;
        border: round $primary-lighten-2;
        overflow-y: auto;
    }
    """

    class Loaded(Message):
        def __init__(self, supply) -> None:
            super().__init__()
            self.supply = supply

    def __init__(self, code: str, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.code = code
        self.supply = None

    def on_mount(self) -> None:
        self._fit()
        self.reload()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        self.display = self.app.size.width >= MIN_APP_WIDTH

    def reload(self) -> None:
        self._load(self.code)

    @work(thread=True, exclusive=True, group="supply-panel", exit_on_error=False)
    def _load(self, code: str) -> None:
        found = self.app.store.supply_suggestions([code])
        self.post_message(self.Loaded(found[0] if found else None))

    def on_supply_panel_loaded(self, message: Loaded) -> None:
        message.stop()
        self.supply = message.supply
        self.update(self.text(message.supply))

    def text(self, s) -> Text:
        out = Text()
        if s is None:
            return out
        out.append(
            t("sup.title", day=s.next_order_day.isoformat()[5:], cycle=s.cycle_days) + "\n",
            style="bold",
        )
        if not s.has_forecast:
            out.append(t("sup.none"), style="dim")
            return out
        shown = [ln for ln in s.lines if ln.suggested_tiao > 0 or ln.note]
        if not shown:
            out.append(t("sup.empty"), style="dim")
            return out
        if any(ln.scarce or ln.new for ln in shown):
            out.append(t("sup.legend") + "\n", style="dim")
        out.append(
            pad(t("sup.col.brand"), NAME_CELLS)
            + right(t("sup.col.suggested"), SUGGESTED_CELLS)
            + " "
            + right(t("sup.col.month"), MONTH_CELLS)
            + " "
            + right(t("sup.col.stock"), STOCK_CELLS)
            + "\n",
            style="dim",
        )
        for ln in shown:
            on_hand = (
                t("sup.unknown_stock") if ln.on_hand_tiao is None else f"{ln.on_hand_tiao:.0f}"
            )
            weight = "bold" if ln.suggested_tiao else "dim"
            out.append(pad(cut(ln.name, NAME_CELLS), NAME_CELLS), style=weight)
            out.append(
                f"{ln.suggested_tiao:>{SUGGESTED_CELLS}} {ln.forecast_month_tiao:>{MONTH_CELLS}.0f}"
                f" {on_hand:>{STOCK_CELLS}}",
                style=weight,
            )
            if ln.scarce:
                out.append(" " + t("sup.scarce"), style=style(self.app, "warn"))
            elif ln.new:
                out.append(" " + t("sup.new"), style=style(self.app, "caution"))
            out.append("\n")
            if ln.note == "supply.note.ceiling":
                out.append(
                    "  "
                    + t("sup.note.ceiling", tier=s.tier, ceiling=f"{ln.ceiling_tiao:g}")
                    + "\n",
                    style="dim",
                )
            elif ln.note == "supply.note.no_bundling":
                out.append("  " + t("sup.note.no_bundling") + "\n", style="dim")
        out.rstrip()
        return out
