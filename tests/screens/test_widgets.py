"""Small widget helpers at their boundaries: text cut by terminal cells, the chart's layout."""

from __future__ import annotations

from rich.cells import cell_len

from khtui.widgets.cells import MARK, clip, cut, pad
from khtui.widgets.sales_chart import chart_lines, layout


def test_clip_counts_cells_not_characters():
    assert clip("重庆路烟酒店", 12) == "重庆路烟酒店"  # exactly 12 cells: kept whole
    cut = clip("重庆路烟酒店", 11)
    assert cut == "重庆路烟" + MARK and cell_len(cut) == 10
    assert clip("abcdef", 6) == "abcdef" and clip("abcdefg", 6) == "abcd" + MARK
    assert cell_len(clip("双喜(硬经典1906)", 12)) <= 12
    assert clip(None, 5) == "" and clip("长", 1) == MARK[:1]
    assert all(ord(ch) < 128 for ch in MARK)  # never an ambiguous-width ellipsis


def test_cut_and_pad_count_cells():
    assert cut("重庆路烟酒店", 12) == "重庆路烟酒店"
    assert cut("重庆路烟酒店", 11) == "重庆路烟酒"  # no half of a wide character, no mark
    assert cut("ab重庆", 3) == "ab" and cut(None, 4) == ""
    assert pad("重庆", 6) == "重庆  " and cell_len(pad("ab", 5)) == 5
    assert pad("重庆路", 4) == "重庆路"  # never cut by padding


def test_chart_layout_gives_every_month_a_gap():
    assert layout(24, 72) == (24, 3, 2)  # 80 columns less the axis: bars of 2, one gap
    assert layout(24, 96) == (24, 4, 3)  # wider: bars of 3 at most
    assert layout(24, 48) == (24, 2, 1)
    assert layout(24, 47) == (23, 2, 1)  # too narrow for all: the oldest months left out


def test_chart_lines_label_every_month_and_year():
    months = [f"{2024 + (11 + i) // 12}-{(11 + i) % 12 + 1:02d}" for i in range(24)]
    qty = [100.0 + i for i in range(24)]
    qty[3] = 0.0  # a month without sales: no bar at all
    lines = [line.plain for line in chart_lines(months, qty, qty, 80, 12)]
    assert len(lines) == 12 and all(cell_len(line) <= 80 for line in lines)
    assert lines[-2].split() == [m[5:] for m in months]
    assert lines[-1].split() == ["2025", "2026"]
    bottom = next(line for line in lines if line.split("┤")[0].strip() == "0")
    bars = bottom[bottom.index("┤") + 1 :].split(" ")
    assert [b for b in bars if b] == ["██"] * 23  # 23 months with sales, each apart


def test_theme_styles_follow_the_theme():
    from textual.app import App

    from khtui.widgets.theme import ROLES, rgb, style

    app = App()
    dark = {role: style(app, role) for role in ROLES}
    assert all("{" not in s for s in dark.values())  # every variable known to the theme
    app.theme = "textual-light"
    assert style(app, "late") != dark["late"]  # not the first theme's, kept from before
    assert style(app, "late") == ROLES["late"].format_map(app.get_css_variables())
    assert all(0 <= c <= 255 for c in rgb(app, "warning"))
