"""Monthly orders with the forecast beside them: history as bars in the theme's first chart
colour, the forecast months as bars in its second with their interval as a line in the text
colour from its low to its high end (the colours of :mod:`khtui.widgets.theme`'s ``series1``
and ``series2``, so a legend drawn with those roles matches).

Importing this module imports textual-plotext (~0.2 s): import it when a chart is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual_plotext import PlotextPlot

from khtui.widgets.theme import rgb

LABEL_ROOM = 10  # columns taken by the y axis and its numbers
TICK_WIDTH = 7  # columns per month label ('26-11' and spacing)


class ForecastChart(PlotextPlot):
    """Knows nothing of retailers: give it the history and the forecast months."""

    DEFAULT_CSS = """
    ForecastChart {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.months: list[str] = []
        self.qty: list[float] = []
        self.f_months: list[str] = []
        self.f_qty: list[float] = []
        self.f_lo: list[float] = []
        self.f_hi: list[float] = []

    def set_data(
        self,
        months: Sequence[str],
        qty: Sequence[float],
        f_months: Sequence[str] = (),
        f_qty: Sequence[float] = (),
        f_lo: Sequence[float] = (),
        f_hi: Sequence[float] = (),
    ) -> None:
        """History ('YYYY-MM' oldest first, 条) and the forecast months after it."""
        if len(months) != len(qty) or not (len(f_months) == len(f_qty) == len(f_lo) == len(f_hi)):
            raise ValueError("each series needs one value per month")
        self.months, self.qty = list(months), list(qty)
        self.f_months, self.f_qty = list(f_months), list(f_qty)
        self.f_lo, self.f_hi = list(f_lo), list(f_hi)
        self._draw()

    @property
    def all_months(self) -> list[str]:
        return [*self.months, *[m for m in self.f_months if m not in self.months]]

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        months = self.all_months
        if not months:
            self.refresh()
            return
        pos = {m: i + 1 for i, m in enumerate(months)}
        if self.months:
            history = rgb(self.app, "primary-lighten-2")
            plt.bar([pos[m] for m in self.months], self.qty, color=history, width=0.5)
        if self.f_months:
            xs = [pos[m] + (0.3 if m in self.months else 0) for m in self.f_months]
            plt.bar(xs, self.f_qty, color=rgb(self.app, "warning"), width=0.4)
            interval = rgb(self.app, "foreground")
            for x, lo, hi in zip(xs, self.f_lo, self.f_hi, strict=True):
                if hi > lo:
                    plt.plot([x, x], [lo, hi], color=interval, marker="braille")
        top = max([*self.qty, *self.f_hi, 1.0])
        plt.ylim(0, top * 1.1)
        self.refresh()

    def render(self):
        months = self.all_months
        if months:
            n = len(months)
            room = max(2, (self.size.width - LABEL_ROOM) // TICK_WIDTH)
            step = max(1, math.ceil(n / room))
            ticks = list(range(n, 0, -step))[::-1]
            self.plt.xticks([float(x) for x in ticks], [months[x - 1][2:] for x in ticks])
        return super().render()
