"""A retailer's order forecast: the chart of its monthly orders with the forecast beside them,
the method chosen and its backtest error, the 预测准确率 of the last months, and its warnings.

Give it the retailer's code; it reads in a thread worker from the app's store
(``retailer_forecast``, ``monthly_sales``) and shows the result when it arrives. ``reload()``
reads again (the app calls it when new forecasts are stored).
"""

from __future__ import annotations

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message

from khtui.widgets.plain_text import Static
from khtui.widgets.speech import t
from khtui.widgets.theme import style
from khtui.widgets.warnings_panel import WarningsPanel
from khtui.widgets.workbench import Workbench

HISTORY_MONTHS = 24


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


class ForecastPanel(Horizontal):
    app = getters.app(Workbench)
    DEFAULT_CSS = """
    ForecastPanel {
        height: 1fr;
    }
    ForecastPanel #fc-chart-box {
        width: 1fr;
        height: 1fr;
    }
    ForecastPanel #fc-legend {
        height: 1;
    }
    ForecastPanel #fc-side {
        width: 46;
        height: 1fr;
        padding: 0 1;
    }
    ForecastPanel #fc-text {
        height: auto;
    }
    ForecastPanel WarningsPanel {
        margin-top: 1;
        padding: 0;
        max-height: 12;
    }
    """

    class Loaded(Message):
        def __init__(self, view, months, qty) -> None:
            super().__init__()
            self.view, self.months, self.qty = view, months, qty

    def __init__(self, code: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = code
        self.view = None

    def compose(self) -> ComposeResult:
        from khtui.widgets.forecast_chart import ForecastChart

        with Vertical(id="fc-chart-box"):
            yield Static(self.legend(), id="fc-legend")
            yield ForecastChart(id="fc-chart")
        with Vertical(id="fc-side"):
            yield Static(t("fc.panel.none"), id="fc-text")
            yield WarningsPanel(
                limit=8, title=False, empty="warn.panel.none_here", id="fc-warnings"
            )

    def legend(self) -> Text:
        legend = Text(" ")
        legend.append("█ ", style=style(self.app, "series1"))
        legend.append(t("fc.chart.history"))
        legend.append("   █ ", style=style(self.app, "series2"))
        legend.append(t("fc.chart.forecast"))
        legend.append(f"   {t('fc.chart.title')}", style="dim")
        return legend

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self.code)
        self.query_one(WarningsPanel).show_codes([self.code])

    @work(thread=True, exclusive=True, group="forecast-panel", exit_on_error=False)
    def _load(self, code: str) -> None:
        store = self.app.store
        view = store.retailer_forecast(code)
        sales = store.monthly_sales(code, HISTORY_MONTHS)
        months = list(sales)
        self.post_message(self.Loaded(view, months, [sales[m].tiao for m in months]))

    def on_forecast_panel_loaded(self, message: Loaded) -> None:
        from khtui.widgets.forecast_chart import ForecastChart

        message.stop()
        view = self.view = message.view
        rows = [r for r in (view.this_month, view.next_month) if r is not None]
        self.query_one(ForecastChart).set_data(
            message.months,
            message.qty,
            [r.target_month for r in rows],
            [r.qty for r in rows],
            [r.lo for r in rows],
            [r.hi for r in rows],
        )
        self.query_one("#fc-text", Static).update(self.text(view))

    @staticmethod
    def text(view) -> Text:
        out = Text()
        out.append(t("fc.panel.title") + "\n", style="bold")
        if view.this_month is None and view.next_month is None:
            out.append(t("fc.panel.none"), style="dim")
            return out
        for key, r in (("fc.panel.this", view.this_month), ("fc.panel.next", view.next_month)):
            if r is not None:
                out.append(
                    t(
                        key,
                        month=r.target_month,
                        qty=f"{r.qty:.0f}",
                        lo=f"{r.lo:.0f}",
                        hi=f"{r.hi:.0f}",
                    )
                    + "\n"
                )
        r = view.next_month or view.this_month
        out.append(t("fc.panel.method", method=t(f"fc.method.{r.method}")) + "\n")
        if r.wape is not None:
            out.append(
                t(
                    "fc.panel.backtest",
                    wape=_pct(r.wape),
                    base=_pct(r.baseline_wape),
                    windows=r.windows,
                )
                + "\n"
            )
        else:
            out.append(t("fc.panel.no_backtest") + "\n", style="dim")
        if view.accuracy:
            for s in view.accuracy:
                out.append(
                    t(
                        "fc.panel.accuracy",
                        month=s.key,
                        acc=_pct(s.accuracy),
                        forecast=f"{s.forecast:.0f}",
                        actual=f"{s.actual:.0f}",
                    )
                    + "\n"
                )
        else:
            out.append(t("fc.panel.no_accuracy") + "\n", style="dim")
        out.append(
            t(
                "fc.panel.computed",
                computed=r.computed_at[:16].replace("T", " "),
                through=r.data_through or "-",
            ),
            style="dim",
        )
        return out
