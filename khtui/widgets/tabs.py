"""Tabbed panes whose keys go to the list of the tab shown, not to the tab bar."""

from __future__ import annotations

from textual.widgets import DataTable, TabbedContent


def focus_shown_table(tabs: TabbedContent) -> None:
    """Focus the first table of the tab ``tabs`` shows (nothing when it has none)."""
    pane = tabs.get_pane(tabs.active) if tabs.active else None
    if pane is not None:
        tables = pane.query(DataTable)
        if tables:
            tables.first().focus()
