"""The warnings of some retailers (预警), one line each (or one per retailer: ``summary``),
most urgent first.

Give it the day and which retailers (``show_day``: the retailers visited that day, or
``show_codes``); it reads the warnings in a thread worker from the app's store and shows them
when they arrive. ``reload()`` reads again (the app calls it when new forecasts are stored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text
from textual import getters, work
from textual.app import App
from textual.message import Message

from khtui.widgets.plain_text import Static
from khtui.widgets.speech import t
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench

SEVERITY_ORDER = (
    "shortage",
    "complaint",
    "licence",
    "swing_low",
    "swing_high",
    "overstock",
    "stale_stock",
)
# each kind of warning drawn in a role of the theme (widgets/theme.py)
KIND_ROLE = {
    "shortage": "late",
    "complaint": "bad",
    "licence": "caution",
    "swing_low": "caution",
    "swing_high": "rise",
    "overstock": "surplus",
    "stale_stock": "muted",
}


def kind_style(app: App, kind: str) -> str:
    """The style a kind of warning is drawn in."""
    role = KIND_ROLE.get(kind)
    return style(app, role) if role else ""


class WarningsPanel(Static):
    """Warnings of the given retailers, at most ``limit`` lines and a "more" line."""

    app = getters.app(Workbench)

    DEFAULT_CSS = """
    WarningsPanel {
        height: auto;
        max-height: 8;
        padding: 0 1;
        background: $boost;
    }
    """

    class Loaded(Message):
        def __init__(
            self, gen: int, warnings: list, names: dict, brands: dict, routes, ams: dict
        ) -> None:
            super().__init__()
            self.gen, self.warnings, self.names = gen, warnings, names
            self.brands, self.routes = brands, routes
            self.ams = ams  # a team database: each retailer's AM (else empty)

        def name(self, code: str) -> str:
            """The retailer as the panel names it: on a team database, with its AM."""
            name = self.names.get(code, code)
            am = self.ams.get(code)
            return t("warn.panel.of_am", name=name, am=am) if am else name

    def __init__(
        self,
        *,
        limit: int = 6,
        title: bool = True,
        summary: bool = False,
        empty: str = "warn.panel.empty",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self.limit = limit
        self.title = title
        self.summary = summary
        self.empty = empty
        self.codes_shown: list[str] | None = None
        self._message: WarningsPanel.Loaded | None = None
        self.day: dt.date | None = None
        self.codes: list[str] | None = None
        self.by_day = False
        self.warnings: list = []
        self._gen = 0

    def show_day(self, day: dt.date) -> None:
        """The warnings of the retailers on ``day``'s visit list."""
        self.day, self.by_day, self.codes = day, True, None
        self.reload()

    def show_codes(self, codes: Sequence[str], day: dt.date | None = None) -> None:
        self.day, self.by_day, self.codes = day, False, list(codes)
        self.reload()

    def reload(self) -> None:
        if self.day is None and self.codes is None:
            return
        self._gen += 1
        self._load(self._gen, self.day or self.app.today(), self.by_day, self.codes)

    @work(thread=True, exclusive=True, group="warnings-panel", exit_on_error=False)
    def _load(self, gen: int, day: dt.date, by_day: bool, codes: list[str] | None) -> None:
        store = self.app.store
        if by_day:
            codes = store.day_codes(day)
        self.codes_shown = codes
        items = store.warnings_for(day, codes or [])
        names = store.retailer_names(codes or [])
        brands = store.brand_names()
        ams = store.retailer_ams(codes or []) if store.is_team() else {}
        routes = store.rules.complaint_routes
        self.post_message(self.Loaded(gen, items, names, brands, routes, ams))

    def on_warnings_panel_loaded(self, message: Loaded) -> None:
        message.stop()
        if message.gen != self._gen:
            return
        self.warnings = message.warnings
        self._message = message
        self._render_lines()

    def on_resize(self) -> None:
        if self.warnings:
            self._render_lines()

    def _render_lines(self) -> None:
        """One line per warning, or per retailer (``summary``: its kinds and counts, in the
        order of ``codes``), each cut to the width (never wrapped)."""
        from khtui.i18n.forecast import warning_text

        message = self._message
        if message is None:  # not read yet
            return
        width = max(20, self.size.width - 2)
        lines: list[Text] = []
        # another day's list than today's is named by its date
        other_day = self.by_day and self.day is not None and self.day != self.app.today()
        day = self.day.isoformat() if self.day is not None else ""
        if self.title:
            title = t("warn.panel.title_day", date=day) if other_day else t("warn.panel.title")
            head = Text(title, style="bold")
            if self.warnings:
                head.append(f" ({len(self.warnings)})")
            lines.append(head)
        if not self.warnings:
            empty = self.empty
            if other_day and empty == "warn.panel.empty":
                empty = "warn.panel.empty_day"
            lines.append(Text(t(empty, date=day), style="dim"))
        # only the lines shown are made: a day of a whole team's list has thousands
        body: list[Text] = []
        if self.summary:
            by_code: dict[str, list] = {}
            for w in self.warnings:
                by_code.setdefault(w.retailer_code, []).append(w)
            order = [c for c in (self.codes_shown or []) if c in by_code]
            listed = set(order)
            order += [c for c in by_code if c not in listed]
            if message.ams:  # a team database: AM by AM, as the day's list
                order.sort(key=lambda c: message.ams.get(c, ""))
            total = len(order)
            for code in order[: self.limit]:
                body.append(self._summary_line(message, code, by_code[code]))
        else:
            total = len(self.warnings)
            for w in self.warnings[: self.limit]:
                line = Text(f"{t('warn.kind.' + w.kind)} ", style=kind_style(self.app, w.kind))
                if message.names.get(w.retailer_code) and len(message.names) > 1:
                    line.append(f"{message.name(w.retailer_code)}: ", style="bold")
                line.append(warning_text(t, w, message.brands, message.routes))
                body.append(line)
        lines.extend(body)
        if total > self.limit:  # the lines left out: retailers (summary) or warnings
            more = "warn.panel.more" if self.summary else "warn.panel.more_warnings"
            lines.append(Text(t(more, n=total - self.limit), style="dim"))
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        self.update(Text("\n").join(lines))

    def _summary_line(self, message: Loaded, code: str, warnings: list) -> Text:
        """One retailer's line: its kinds of warning (most urgent first, with their counts)
        and the text of its first."""
        from khtui.i18n.forecast import warning_text

        line = Text(f"{message.name(code)}: ", style="bold")
        counts: dict[str, int] = {}
        for w in warnings:
            counts[w.kind] = counts.get(w.kind, 0) + 1
        for i, (kind, n) in enumerate(
            sorted(counts.items(), key=lambda kv: SEVERITY_ORDER.index(kv[0]))
        ):
            if i:
                line.append(" · ")
            line.append(t(f"warn.kind.{kind}"), style=kind_style(self.app, kind))
            if n > 1:
                line.append(f" {n}")
        first = warning_text(t, warnings[0], message.brands, message.routes)
        line.append("  " + first, style="dim")
        return line
