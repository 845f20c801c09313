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
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable as _DataTable

from khtui.widgets.paging import Pager


class DataTable(_DataTable):
    """Textual's ``DataTable`` whose Home / End move a row cursor to the first / last row
    (of the whole list with a ``pager``)."""

    def __init__(self, *args: Any, pager: Pager | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pager = pager

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


__all__ = ["DataTable"]
