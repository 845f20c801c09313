"""The program's lists: Textual's ``DataTable`` whose Home and End go to the first and the last
row.

Textual's table moves a row cursor to the first or last row with Ctrl+Home / Ctrl+End only;
its Home and End scroll the table sideways to its first or last column, the cursor staying on
its row. Every list of the program (today's visits, the lookup's results, the warnings, the
complaints, a profile's history, …) is one of these, where Home and End move the row cursor to
the first and the last row, as a person expects of a list; a table with a cell or column
cursor (the price grid) or none keeps Textual's keys. A text box keeps its own Home and End
(the start and end of what is typed): they are the box's keys, and a box has the focus while
the user types.

A list added a page at a time (:class:`~khtui.widgets.paging.Pager`) names its pager: End
adds the rows not yet shown, so it reaches the list's last row, not the last one shown (a list
of many thousands: a thousand rows further at each press, see ``khtui/widgets/paging.py``).
A list fetched a page at a time from the database (the lookup's) goes to its last row fetched,
and the next page is fetched as when the cursor reaches it.

A cell given as a string is shown as written. Textual's table reads a string cell as markup: a
retailer named ``重庆[/b]小面`` (a tag closing none) made every frame of the list fail, and a
name holding a style's name in brackets lost it. The program writes no markup in its cells
(a styled cell is a Rich ``Text``), so this table escapes the brackets of each string it is
given, and Textual's own formatting (cut, wrapped) is otherwise unchanged.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.widgets import DataTable as _DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from khtui.widgets.paging import Pager


class DataTable(_DataTable):
    """Textual's ``DataTable`` whose Home / End move a row cursor to the first / last row
    (of the whole list with a ``pager``)."""

    def __init__(self, *args: Any, pager: Pager | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pager = pager

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        return super().add_row(*map(_as_written, cells), **kwargs)

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Any, **kwargs: Any
    ) -> None:
        super().update_cell(row_key, column_key, _as_written(value), **kwargs)

    def _row_cursor(self) -> bool:
        return self.show_cursor and self.cursor_type == "row"

    def action_scroll_home(self) -> None:
        if self._row_cursor():
            self.action_scroll_top()
        else:
            super().action_scroll_home()

    def action_scroll_end(self) -> None:
        if self._row_cursor():
            if self.pager is not None:
                self.pager.reach_end()
            self.action_scroll_bottom()
        else:
            super().action_scroll_end()


def _as_written(cell: Any) -> Any:
    """A string cell with its brackets escaped (Textual reads a string cell as markup); any
    other cell as it is."""
    if not isinstance(cell, str):
        return cell
    escaped = escape(cell)
    # Rich adds a backslash to a string ending in one, for markup put after it: not here
    if cell.endswith("\\") and not cell.endswith("\\\\") and escaped.endswith("\\\\"):
        escaped = escaped[:-1]
    return escaped


__all__ = ["DataTable"]
