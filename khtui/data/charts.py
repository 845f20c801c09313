"""Chart pictures (PNG) for the Word documents, drawn with matplotlib's Agg renderer.

A :class:`khtui.domain.report.Chart` holds only ASCII category labels (dates, months, row
numbers) and numbers; its caption and series names are written as the document's own text
beside the picture. So the picture is drawn with the font matplotlib ships (DejaVu Sans) and
never needs a CJK font on the machine that makes it, nor on the one that opens the document;
every program that reads DOCX shows a PNG picture the same way.

matplotlib is imported only when a chart is drawn (not on the way to the first frame); the
object-oriented API (``Figure`` + ``FigureCanvasAgg``) keeps it out of pyplot's global state,
so workers may draw at the same time.
"""

from __future__ import annotations

import io
import math

from khtui.domain.report import Chart

CM_PER_INCH = 2.54


def render_png(chart: Chart, width_cm: float, height_cm: float, dpi: int) -> bytes:
    """The chart as PNG bytes, ``width_cm`` × ``height_cm`` at ``dpi``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_cm / CM_PER_INCH, height_cm / CM_PER_INCH), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    font = {"family": "DejaVu Sans", "size": 8}
    labels = chart.labels
    n = len(labels)
    bars = [s for s in chart.series if s.kind == "bar"]
    lines = [s for s in chart.series if s.kind == "line"]
    positions = list(range(n))
    width = 0.8 / max(1, len(bars))
    for i, s in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * width
        values = [0 if v is None else v for v in s.values]
        xs = [p + offset for p in positions]
        if chart.horizontal:
            ax.barh(xs, values, height=width, color=f"#{s.color}")
        else:
            ax.bar(xs, values, width=width, color=f"#{s.color}")
    for s in lines:
        ys = [math.nan if v is None else v for v in s.values]
        ax.plot(positions, ys, color=f"#{s.color}", marker="o", markersize=3, linewidth=1.6)
    ticks_axis = ax.yaxis if chart.horizontal else ax.xaxis
    ticks_axis.set_ticks(positions)
    ticks_axis.set_ticklabels(labels, fontdict=font)
    if chart.horizontal:
        ax.invert_yaxis()
    value_axis = ax.xaxis if chart.horizontal else ax.yaxis
    if chart.percent:
        if chart.horizontal:
            ax.set_xlim(0, 100)
        else:
            ax.set_ylim(0, 100)
    value_axis.set_major_formatter(_number_formatter(chart.percent))
    for label in value_axis.get_ticklabels():
        label.set_fontfamily("DejaVu Sans")
        label.set_fontsize(8)
    ax.tick_params(labelsize=8)
    if n > 16 and not chart.horizontal:
        for label in ax.xaxis.get_ticklabels():
            label.set_rotation(45)
            label.set_horizontalalignment("right")
    ax.grid(axis="x" if chart.horizontal else "y", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(pad=0.4)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _number_formatter(percent: bool):
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _pos: f"{v:.0f}%")
    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")
