"""预警 — every warning of the day: likely shortages and overstock from the last visit's stock,
sales swings against the forecast, licences and complaints due; each says why.

Reached with ``w`` (or F9) and from the command palette. ``t`` switches between the day's
retailers and all active retailers (a list read before is shown again while nothing was written
since); ``Enter`` opens the retailer's profile. Read in a thread worker; the screen never waits
on SQLite, and adds the rows a page at a time (a city's every warning is a hundred thousand).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header

from khtui.domain.warnings import KINDS
from khtui.widgets.cells import AM_CELLS, clip, cut, fit
from khtui.widgets.footer import Footer
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Static
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.warnings_panel import kind_style
from khtui.widgets.workbench import Workbench

NAME_CELLS = 16
KIND_CELLS = 16  # the kind column is as wide as its longest label, up to this
WHY_CELLS = 20  # the why column at least; it takes the width the others leave


class WarningsScreen(Keyed, Screen):
    """All warnings of a day, most urgent first."""

    app = getters.app(Workbench)

    KEYS: ClassVar = (
        Key("escape", "back", "profile.key.back"),
        Key("t", "scope", "warn.toggle"),
        Key("ctrl+r", "reload", "brands.bind.refresh"),
    )

    CSS_PATH = "warnings.tcss"

    class Loaded(Message):
        def __init__(
            self, gen: int, read: tuple, warnings, names, brands, routes, ams=None
        ) -> None:
            super().__init__()
            self.gen, self.warnings, self.names = gen, warnings, names
            self.read = read  # (the day's retailers only, the day, the data read)
            self.brands, self.routes = brands, routes
            self.ams: dict[str, str] = ams or {}  # a team database's: each retailer's AM

    def __init__(self, day: dt.date | None = None) -> None:
        super().__init__()
        self.day = day
        self.only_day = True
        self.warnings: list = []
        self.texts: dict[int, str] = {}  # each warning's why, made once its row is shown
        self.names: dict[str, str] = {}
        self._said: WarningsScreen.Loaded | None = None  # the brands and routes the whys name
        # each list's last reading (the day's retailers', everyone's): t back to a list shows
        # it again while nothing was written since (a city's every warning takes seconds)
        self._kept: dict[bool, WarningsScreen.Loaded] = {}
        self.pager = Pager(self._add_rows)  # a city's every warning: a page at a time
        self._gen = 0
        self._why_width = 0  # the why column's width the rows were laid out for

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("warn.loading"), id="warn-head")
        yield DataTable(id="warn-table", cursor_type="row", zebra_stripes=True, pager=self.pager)
        yield Static("", id="warn-detail")
        yield Static(t("warn.footer"), id="warn-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("warn.title")
        table = self.query_one("#warn-table", DataTable)
        self._lay_out(table, WHY_CELLS)
        self.action_reload()
        table.focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_why)

    def _fit_why(self) -> None:
        """The why column takes the table's width left by the others (the detail line under
        the table says a why whole): laid out again, the rows shown kept, when that changes."""
        table = self.query_one("#warn-table", DataTable)
        pad = 2 * table.cell_padding
        others = sum(c.width + pad for c in table.columns.values() if c.key.value != "why")
        width = max(WHY_CELLS, table.scrollable_content_region.width - others - pad)
        if width != self._why_width:
            row, shown = table.cursor_row, self.pager.shown
            self._lay_out(table, width)
            if self._said is not None:
                self.pager.reset(len(self.warnings), shown)
                table.move_cursor(row=row)

    def _lay_out(self, table: DataTable, why_width: int) -> None:
        table.clear(columns=True)
        kinds = [t("warn.col.kind"), *(t(f"warn.kind.{k}") for k in KINDS)]
        table.add_column(t("warn.col.kind"), key="kind", width=fit(kinds, KIND_CELLS))
        if not self.app.MAKES_RECORDS:  # a team database's: whose retailer it is
            table.add_column(t("team.col.am"), key="am", width=AM_CELLS)
        table.add_column(t("warn.col.retailer"), key="retailer", width=NAME_CELLS)
        table.add_column(t("warn.col.why"), key="why", width=why_width)
        self._why_width = why_width

    def action_reload(self) -> None:
        self._gen += 1
        # a city's every warning takes seconds to read: the head says so meanwhile
        self.query_one("#warn-head", Static).update(f"{t('warn.loading')} · {self.scope()}")
        self._load(self._gen, self.day or self.app.today(), self.only_day)

    def _show_kept(self) -> bool:
        """The list of the scope shown as last read, when nothing was written since on its
        day (False: it must be read)."""
        kept = self._kept.get(self.only_day)
        day = self.day or self.app.today()
        if kept is None or kept.read != (self.only_day, day, self.app.store.data_version()):
            return False
        self._gen += 1  # a reading of the other list under way is not shown
        self._show(kept)
        return True

    def scope(self) -> str:
        """Whose warnings are listed, in words."""
        return t("warn.filter.today") if self.only_day else t("warn.filter.all")

    def action_scope(self) -> None:
        """Between the day's retailers and all active ones."""
        self.only_day = not self.only_day
        if not self._show_kept():
            self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group="warnings")
    def _load(self, gen: int, day: dt.date, only_day: bool) -> None:
        store = self.app.store
        read = (only_day, day, store.data_version())  # before: a write meanwhile reads again
        codes = store.day_codes(day) if only_day else None
        items = store.warnings_for(day, codes)
        names = {r[0]: r[1] for r in store.tuples("SELECT code, name FROM retailers")}
        team = not self.app.MAKES_RECORDS  # as the columns were laid out
        ams = store.retailer_ams({w.retailer_code for w in items}) if team else {}
        routes = store.rules.complaint_routes
        self.post_message(self.Loaded(gen, read, items, names, store.brand_names(), routes, ams))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.gen != self._gen:
            return
        self._kept[message.read[0]] = message
        self._show(message)

    def _show(self, message: Loaded) -> None:
        self.warnings = message.warnings
        day = self.day or self.app.today()
        head = t("warn.count", date=day.isoformat(), n=len(self.warnings))
        self.query_one("#warn-head", Static).update(f"{head} · {self.scope()}")
        table = self.query_one("#warn-table", DataTable)
        table.clear()
        self._said, self.texts, self.names = message, {}, message.names
        self.pager.reset(len(self.warnings))
        self.query_one("#warn-detail", Static).update("")

    def why(self, i: int) -> str:
        """The why of the ``i``-th warning, in the UI language."""
        from khtui.i18n.forecast import warning_text

        text = self.texts.get(i)
        if text is None:
            said = self._said
            assert said is not None  # a warning is only shown once its list has arrived
            text = self.texts[i] = warning_text(t, self.warnings[i], said.brands, said.routes)
        return text

    def _add_rows(self, start: int, stop: int) -> None:
        table = self.query_one("#warn-table", DataTable)
        said = self._said
        assert said is not None  # rows are added once the list has arrived
        for i in range(start, stop):
            w = self.warnings[i]
            am = [] if self.app.MAKES_RECORDS else [clip(said.ams.get(w.retailer_code), AM_CELLS)]
            table.add_row(
                Text(t(f"warn.kind.{w.kind}"), style=kind_style(self.app, w.kind)),
                *am,
                cut(self.names.get(w.retailer_code, w.retailer_code), NAME_CELLS),
                self.why(i),
                key=str(i),
            )

    @on(DataTable.RowHighlighted, "#warn-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The whole why of the highlighted warning (the column cuts it); the next page of
        rows once the cursor nears the last one shown."""
        self.pager.follow(event.cursor_row)
        if event.row_key.value is None:
            return
        i = int(event.row_key.value)
        if i < len(self.warnings):
            w = self.warnings[i]
            name = self.names.get(w.retailer_code, w.retailer_code)
            self.query_one("#warn-detail", Static).update(
                f"{name} {w.retailer_code}: {self.why(i)}"
            )

    @on(DataTable.RowSelected, "#warn-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        w = self.warnings[int(event.row_key.value)]
        self.app.open_profile(w.retailer_code)
