"""A table's rows added a page at a time from a list already read.

A list of thousands (a whole city's warnings, its open complaints, a day of a team's visits)
takes seconds to add to a ``DataTable`` and lay out whole, with the app frozen meanwhile. The
screen keeps the whole list and adds its rows a page at a time: the first page when the list
arrives (or up to the row the cursor must land on), the next one when the cursor comes near
the last row shown, and up to the list's end when End is pressed (``khtui/widgets/table.py``),
at most :data:`REACH` rows at a time: End on a city's hundred thousand warnings would add them
all, a minute with the app frozen; it goes a thousand rows further instead, and again for the
next press. The counts a screen shows are of the whole list.
"""

from __future__ import annotations

from collections.abc import Callable

PAGE = 100  # rows added to a table at a time
REACH = 10 * PAGE  # rows End adds at most (under a second's work on a slow laptop)


class Pager:
    """Which rows of a list are in the table. ``add_rows(start, stop)`` adds the rows of the
    list's items ``start`` to ``stop - 1`` (in order, after those already added)."""

    def __init__(self, add_rows: Callable[[int, int], None], page: int | None = None) -> None:
        self.add_rows = add_rows
        self.page = PAGE if page is None else page  # the module's, read when the table is made
        self.total = 0  # items in the list
        self.shown = 0  # items added to the table

    def reset(self, total: int, upto: int = 0) -> None:
        """A new list of ``total`` items (the table just cleared): its first page, or up to
        the item ``upto - 1`` if that is further."""
        self.total, self.shown = total, 0
        self.show(max(self.page, upto))

    def show(self, upto: int) -> None:
        """The rows up to item ``upto - 1`` (or the list's end) added."""
        stop = min(upto, self.total)
        if stop > self.shown:
            self.add_rows(self.shown, stop)
            self.shown = stop

    def reach_end(self) -> None:
        """The rows up to the list's end added, or :data:`REACH` more (End's)."""
        self.show(self.shown + REACH)

    def follow(self, cursor_row: int) -> None:
        """The next page added once ``cursor_row`` is within a quarter page of the last row
        shown (on the last row, whatever the page)."""
        if self.shown < self.total and cursor_row >= self.shown - max(1, self.page // 4):
            self.show(self.shown + self.page)


__all__ = ["PAGE", "REACH", "Pager"]
