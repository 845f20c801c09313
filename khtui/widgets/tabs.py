"""Tabbed panes whose keys go to the list of the tab shown, not to the tab bar."""

from __future__ import annotations

from textual.widgets import TabbedContent

from khtui.widgets.table import DataTable


def focus_shown_table(tabs: TabbedContent) -> None:
    """Focus the first table of the tab ``tabs`` shows (nothing when it has none, or when it
    has the focus already: Textual's focus draws the whole table again, every row)."""
    pane = tabs.get_pane(tabs.active) if tabs.active else None
    if pane is not None:
        tables = pane.query(DataTable)
        if tables and not tables.first().has_focus:
            tables.first().focus()
