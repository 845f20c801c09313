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
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = chart.labels
    n = len(labels)
    bars = [s for s in chart.series if s.kind == "bar"]
    lines = [s for s in chart.series if s.kind == "line"]
    positions = list(range(n))
    width = 0.8 / max(1, len(bars))
    from matplotlib.collections import PolyCollection

    for i, s in enumerate(bars):
        # one collection per series: a single artist to draw, not one patch per bar
        offset = (i - (len(bars) - 1) / 2) * width
        boxes = []
        for p, v in zip(positions, s.values, strict=True):
            if not v:
                continue
            a, b = p + offset - width / 2, p + offset + width / 2
            if chart.horizontal:
                boxes.append([(0, a), (v, a), (v, b), (0, b)])
            else:
                boxes.append([(a, 0), (a, v), (b, v), (b, 0)])
        ax.add_collection(PolyCollection(boxes, facecolors=f"#{s.color}", edgecolors="none"))
    top = max((v for s in chart.series for v in s.values if v is not None), default=0)
    if chart.horizontal:
        ax.set_xlim(0, top * 1.05 or 1)
    else:
        ax.set_ylim(0, top * 1.05 or 1)
    for s in lines:
        ys = [math.nan if v is None else v for v in s.values]
        ax.plot(positions, ys, color=f"#{s.color}", marker="o", markersize=3, linewidth=1.6)
    # category labels as plain texts (a matplotlib Tick is five artists: drawing a dozen of
    # them costs more than the bars), few value ticks
    from matplotlib.ticker import MaxNLocator, NullLocator

    category_axis = ax.yaxis if chart.horizontal else ax.xaxis
    category_axis.set_major_locator(NullLocator())
    rotate = n > 16 and not chart.horizontal
    for p, text in zip(positions, labels, strict=True):
        if chart.horizontal:
            ax.text(-0.01, p, text, transform=ax.get_yaxis_transform(), ha="right",
                    va="center", fontsize=8, family="DejaVu Sans")  # fmt: skip
        else:
            ax.text(p, -0.03, text, transform=ax.get_xaxis_transform(), va="top",
                    ha="right" if rotate else "center", rotation=45 if rotate else 0,
                    fontsize=8, family="DejaVu Sans")  # fmt: skip
    if chart.horizontal:
        ax.invert_yaxis()
        ax.set_ylim(n - 0.5, -0.5)
    else:
        ax.set_xlim(-0.5, n - 0.5)
    value_axis = ax.xaxis if chart.horizontal else ax.yaxis
    if chart.percent:
        if chart.horizontal:
            ax.set_xlim(0, 100)
        else:
            ax.set_ylim(0, 100)
    value_axis.set_major_locator(MaxNLocator(4))
    value_axis.set_minor_locator(NullLocator())
    value_axis.set_major_formatter(_number_formatter(chart.percent))
    ax.tick_params(labelsize=8)
    ax.grid(axis="x" if chart.horizontal else "y", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # fixed margins (tight_layout would draw the figure twice)
    bottom = 0.2 if rotate else 0.13
    fig.subplots_adjust(left=0.085, right=0.99, top=0.96, bottom=bottom)
    # drawn once and saved as RGB: the figure is opaque (its alpha is 255 everywhere), and a
    # PNG without the alpha channel is the same picture, smaller and quicker to encode
    from PIL import Image

    canvas.draw()
    size = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", dpi=(dpi, dpi), compress_level=1)
    return out.getvalue()


def _number_formatter(percent: bool):
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _pos: f"{v:.0f}%")
    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")
