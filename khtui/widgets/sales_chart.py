"""Monthly sales chart: cartons (条) as cyan bars on the left axis, amount (元) as an orange line on
the right axis.

Importing this module imports textual-plotext (~0.2 s): import it when a chart is shown, not at
start-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual_plotext import PlotextPlot

LABEL_ROOM = 18  # columns taken by the two y axes and their numbers
TICK_WIDTH = 8  # columns per month label ('26-11' and spacing)


class SalesChart(PlotextPlot):
    """Sales by month. Knows nothing of retailers: give it months, cartons and amounts."""

    DEFAULT_CSS = """
    SalesChart {
        height: 1fr;
        min-height: 10;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.months: list[str] = []
        self.qty: list[float] = []
        self.amount: list[float] = []

    def set_data(
        self, months: Sequence[str], qty: Sequence[float], amount: Sequence[float]
    ) -> None:
        """Show these months ('YYYY-MM', oldest first) with their cartons and amounts."""
        if not (len(months) == len(qty) == len(amount)):
            raise ValueError("months, qty and amount must have the same length")
        self.months, self.qty, self.amount = list(months), list(qty), list(amount)
        self._draw()

    def _draw(self) -> None:
        # No plotext legend (it covers the first bars): the screen shows one above the chart.
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if not self.months:
            self.refresh()
            return
        xs = list(range(1, len(self.months) + 1))
        plt.bar(xs, self.qty, color="cyan", width=0.5)
        plt.plot(xs, self.amount, color="orange", yside="right")
        plt.ylim(0, max(self.qty) * 1.1 or 1, yside="left")
        plt.ylim(0, max(self.amount) * 1.1 or 1, yside="right")
        self.refresh()

    def render(self):
        # Month labels ('YY-MM') chosen for the width the chart has now, counted back from
        # the newest month, so that none is dropped for overlapping and the result depends on
        # the size only (stable snapshots).
        if self.months:
            n = len(self.months)
            room = max(2, (self.size.width - LABEL_ROOM) // TICK_WIDTH)
            step = max(1, math.ceil(n / room))
            ticks = list(range(n, 0, -step))[::-1]
            self.plt.xticks(ticks, [self.months[x - 1][2:] for x in ticks])
        return super().render()
