"""Monthly sales chart: cartons (条) above, amount (元) below, one pair of bars per month.

Every month has its own column of cells, at least one blank cell from the next, and its month
number under it (every other month when the chart is too narrow for all), with the year under
each January and under the first month; so months can be told apart and read at 80 columns.
Bars are drawn with eighth blocks (▁▂▃▄▅▆▇█); a month with sales too small to show still gets
the lowest one, a month without sales none. Each half has its own axis (its largest value and
0). When the width does not fit one cell and a gap per month, the oldest months are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from khtui.widgets.theme import style

BAR = "█"
AMOUNT_MARK = "█"
EIGHTHS = " ▁▂▃▄▅▆▇█"
MAX_BAR = 3  # cells of one month's bar at most
LABEL_ROWS = 2  # month numbers, years
GAP_FROM = 9  # rows of bars from which the two halves are kept a line apart


def _plain(value: float) -> str:
    return f"{value:,.0f}"


class SalesChart(Widget):
    """Sales by month. Knows nothing of retailers: give it months, cartons and amounts."""

    DEFAULT_CSS = """
    SalesChart {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(
        self,
        *,
        amount_format: Callable[[float], str] = _plain,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.amount_format = amount_format
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
        self.refresh()

    def render(self) -> Text:
        if not self.months:
            return Text("")
        return Text("\n").join(
            chart_lines(
                self.months,
                self.qty,
                self.amount,
                self.size.width,
                self.size.height,
                amount_format=self.amount_format,
                styles=(style(self.app, "series1"), style(self.app, "series2")),
            )
        )


def layout(n: int, width: int) -> tuple[int, int, int]:
    """(months shown, cells per month, bar cells) for ``n`` months in ``width`` cells."""
    slot = width // n if n else 0
    if slot >= 2:
        return n, min(slot, MAX_BAR + 1), min(slot, MAX_BAR + 1) - 1
    shown = max(1, width // 2)
    return min(n, shown), 2, 1


def chart_lines(
    months: Sequence[str],
    qty: Sequence[float],
    amount: Sequence[float],
    width: int,
    height: int,
    *,
    amount_format: Callable[[float], str] = _plain,
    styles: tuple[str, str] = ("", ""),
) -> list[Text]:
    """The chart as lines of text, ``width`` by ``height`` cells (pure: tested directly)."""
    top_labels = (_plain(max(qty, default=0)), "0")
    low_labels = (amount_format(max(amount, default=0)), "0")
    axis = max(cell_len(s) for s in (*top_labels, *low_labels)) + 1
    shown, slot, bar = layout(len(months), max(2, width - axis - 1))
    months, qty, amount = months[-shown:], qty[-shown:], amount[-shown:]
    rows = max(2, height - LABEL_ROWS)
    gap = 1 if rows >= GAP_FROM else 0  # a blank line between the halves when there is room
    top_rows = max(1, (rows - gap + 1) // 2)
    low_rows = max(1, rows - gap - top_rows)
    lines = _panel(qty, top_rows, top_labels, axis, slot, bar, styles[0])
    lines += [Text("")] * gap
    lines += _panel(amount, low_rows, low_labels, axis, slot, bar, styles[1])
    lines += _labels(months, axis, slot, width - axis)
    return lines


def _panel(
    values: Sequence[float],
    rows: int,
    labels: tuple[str, str],
    axis: int,
    slot: int,
    bar: int,
    bar_style: str,
) -> list[Text]:
    top = max(values, default=0) or 1
    eighths = [round(v / top * rows * 8) if v > 0 else 0 for v in values]
    eighths = [max(1, e) if v > 0 else 0 for e, v in zip(eighths, values, strict=True)]
    out = []
    for r in range(rows):
        level = rows - 1 - r  # 0 is the bottom row
        if r == 0:
            label = labels[0]
        elif r == rows - 1:
            label = labels[1]
        else:
            label = ""
        pad = " " * (axis - 1 - cell_len(label))
        line = Text(pad + label + ("┤" if label else "│"), style="dim")
        for e in eighths:
            part = min(8, max(0, e - level * 8))
            line.append(EIGHTHS[part] * bar, style=bar_style)
            line.append(" " * (slot - bar))
        out.append(line)
    return out


def _labels(months: Sequence[str], axis: int, slot: int, room: int) -> list[Text]:
    """Month numbers under the bars (every month when they fit apart, else every other one and
    each January), and the year under the first month and under each January; a label is
    written only with a blank cell before the next one and inside ``room`` cells."""
    every = 1 if slot >= 3 else 2
    nums = [" "] * room
    years = [" "] * room
    num_end = year_end = -1
    for i, month in enumerate(months):
        at = i * slot
        if (i % every == 0 or month.endswith("-01")) and at > num_end and at + 2 <= room:
            nums[at : at + 2] = month[5:7]
            num_end = at + 2
        year = month[:4]
        # the first month's year, unless the next January comes too close to leave it room
        first = i == 0 and not any(m.endswith("-01") for m in months[1 : 1 + 5 // slot + 1])
        if (first or month.endswith("-01")) and at > year_end and at + len(year) <= room:
            years[at : at + len(year)] = year
            year_end = at + len(year)
    pad = " " * axis
    return [Text(pad + "".join(nums).rstrip()), Text(pad + "".join(years).rstrip(), style="dim")]


__all__ = ["AMOUNT_MARK", "BAR", "SalesChart", "chart_lines", "layout"]
