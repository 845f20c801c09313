"""The price and stock grid: a spreadsheet-like table, one row per brand.

Numbers are typed into the cell under the cursor and Enter stores them and moves down; yes/no
cells take ``y``/``n`` (``1``/``0``; space toggles). Digits typed in the grid are always values,
never the app's section keys. The cursor stops only on the cells one types into (price, stock,
on shelf, marked price): the brand, the deviation, the guide price and the earlier visits are
there to read. The brand stays on the left when the grid scrolls sideways, and the columns one
types into come first, so they fit 80 columns.

The grid knows nothing of the store: a value is checked by the ``validate`` callback (which
raises ``ValueError`` with a message, shown beside the grid, the value kept for correction),
shown at once, and handed to ``commit``, which saves it off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events, on
from textual.message import Message

from khtui.domain.capture import deviation_flagged, deviation_pct
from khtui.widgets.cells import clip
from khtui.widgets.table import DataTable

EDITABLE = ("retail_price", "stock_tiao", "on_shelf", "marked_price")
BOOLEAN = ("marked_price", "on_shelf")
NUMERIC_CHARS = set("0123456789.")
# (column key, width in cells); None: as wide as its content. The order is the reading order.
COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("name", 12),
    ("retail_price", 6),
    ("deviation", 6),
    ("stock_tiao", 8),
    ("on_shelf", 4),
    ("marked_price", 4),
    ("guide_price", 6),
    ("history", None),
)

Commit = Callable[[str, str, str], None]
Validate = Callable[[str, str, str], Any]  # brand code, field, what was typed


class PriceGrid(DataTable):
    """``labels`` maps column keys to headers; ``yes``/``no`` are the words shown for booleans;
    ``threshold`` flags a deviation past it (percent); ``styles`` gives the Rich styles of
    ``alarm`` (a flagged deviation) and ``muted`` (what is there to read)."""

    DEFAULT_CSS = """
    PriceGrid { height: 1fr; }
    """

    class Problem(Message):
        """A value was refused (``text`` says why) or accepted (``text`` is None)."""

        def __init__(self, brand_code: str, field: str, text: str | None) -> None:
            super().__init__()
            self.brand_code, self.field, self.text = brand_code, field, text

    def __init__(
        self,
        rows: list[dict[str, Any]],
        *,
        commit: Commit,
        validate: Validate,
        labels: dict[str, str],
        yes: str,
        no: str,
        threshold: float,
        styles: dict[str, str] | None = None,
        bool_hint: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True, fixed_columns=1)
        self.data_rows = {r["brand_code"]: dict(r) for r in rows}
        self.order = [r["brand_code"] for r in rows]
        self.commit = commit
        self.validate = validate
        self.labels = labels
        self.yes, self.no = yes, no
        self.threshold = threshold
        self.cell_styles = {"alarm": "bold reverse", "muted": "dim", **(styles or {})}
        self.bool_hint = bool_hint
        self.buffer = ""

    # -- drawing -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        for key, width in COLUMNS:
            self.add_column(self.labels[key], key=key, width=width)
        for code in self.order:
            self.add_row(*self._cells(self.data_rows[code]), key=code)
        if self.order:
            self.move_cursor(row=0, column=self._col("retail_price"))

    def _col(self, key: str) -> int:
        keys = [k.value for k in self.columns]
        return keys.index(key) if key in keys else 0

    def _yn(self, value: bool | None) -> str:
        return "" if value is None else (self.yes if value else self.no)

    def _cells(self, r: dict) -> list[Any]:
        name = Text(clip(r["name"] or r["brand_code"], COLUMNS[0][1] or 0))
        if r.get("is_key"):
            name.stylize("bold")
        dev = r.get("deviation_pct")
        dev_text = Text("" if dev is None else f"{dev:+.1f}")
        if r.get("flagged"):
            dev_text = Text(f"{dev:+.1f}!", style=self.cell_styles["alarm"])
        guide = r.get("guide_price")
        cells = {
            "name": name,
            "retail_price": "" if r.get("retail_price") is None else f"{r['retail_price']:g}",
            "deviation": dev_text,
            "stock_tiao": "" if r.get("stock_tiao") is None else str(r["stock_tiao"]),
            "on_shelf": self._yn(r.get("on_shelf")),
            "marked_price": self._yn(r.get("marked_price")),
            "guide_price": Text(
                "" if guide is None else f"{guide:g}", style=self.cell_styles["muted"]
            ),
            "history": Text(self._history(r), style=self.cell_styles["muted"]),
        }
        return [cells[key] for key, _width in COLUMNS]

    def _history(self, r: dict) -> str:
        parts = []
        for h in r.get("history") or []:
            price = "-" if h.get("retail_price") is None else f"{h['retail_price']:g}"
            stock = "-" if h.get("stock_tiao") is None else str(h["stock_tiao"])
            shelf = {None: "-", True: self.yes, False: self.no}[h.get("on_shelf")]
            parts.append(f"{h['observed_on'][5:]} {price}/{stock}/{shelf}")
        return "  ".join(parts)

    def show_row(self, r: dict) -> None:
        """Show a row as stored (after a commit or a copy forward)."""
        self.data_rows[r["brand_code"]] = dict(r)
        for (key, _width), cell in zip(COLUMNS, self._cells(r), strict=True):
            self.update_cell(r["brand_code"], key, cell, update_width=key == "history")

    def set_rows(self, rows: list[dict]) -> None:
        for r in rows:
            if r["brand_code"] in self.data_rows:
                self.show_row(r)

    # -- the cursor stops only where one types ---------------------------------------------------
    def _editable_index(self, step: int, start: int | None = None) -> int | None:
        """The next column one types into, ``step`` by ``step`` from ``start`` (default: the
        cursor's), or None at the edge."""
        keys = [key for key, _w in COLUMNS]
        i = (self.cursor_column if start is None else start) + step
        while 0 <= i < len(keys):
            if keys[i] in EDITABLE:
                return i
            i += step
        return None

    def action_cursor_right(self) -> None:
        i = self._editable_index(1)
        if i is not None:
            self.move_cursor(column=i)

    def action_cursor_left(self) -> None:
        i = self._editable_index(-1)
        if i is not None:
            self.move_cursor(column=i)

    @on(DataTable.CellHighlighted)
    def _onto_editable(self, event: DataTable.CellHighlighted) -> None:
        """A click (or any other move) onto a cell to read goes to the row's nearest one
        to type into."""
        if event.coordinate != self.cursor_coordinate:
            return  # the cursor has moved on since
        if event.cell_key.column_key.value in EDITABLE:
            return
        column = event.coordinate.column
        target = self._editable_index(1, column)
        if target is None:
            target = self._editable_index(-1, column)
        if target is not None:
            self.move_cursor(column=target)

    # -- editing -------------------------------------------------------------------------------
    @property
    def current(self) -> tuple[str, str] | None:
        """(brand code, column key) under the cursor."""
        if not self.order:
            return None
        code = self.order[self.cursor_row]
        return code, list(self.columns)[self.cursor_column].value or ""

    def _show_buffer(self) -> None:
        cur = self.current
        if cur is None:
            return
        self.update_cell(cur[0], cur[1], Text(self.buffer + "▏", style="reverse"))

    def _store(self, code: str, field: str, raw: str) -> bool:
        try:
            value = self.validate(code, field, raw)
        except ValueError as exc:
            self.post_message(self.Problem(code, field, str(exc)))
            return False
        row = dict(self.data_rows[code])
        row[field] = value
        row["deviation_pct"] = deviation_pct(row.get("retail_price"), row.get("guide_price"))
        row["flagged"] = deviation_flagged(
            row.get("retail_price"), row.get("guide_price"), self.threshold
        )
        self.show_row(row)
        self.commit(code, field, raw)
        self.post_message(self.Problem(code, field, None))
        return True

    def commit_buffer(self) -> bool:
        """Store the value being typed; False (value kept) when it was refused."""
        if not self.buffer:
            return True
        cur = self.current
        if cur is None:
            return True
        if self._store(cur[0], cur[1], self.buffer):
            self.buffer = ""
            return True
        self._show_buffer()
        return False

    def cancel_buffer(self) -> None:
        """Drop the value being typed: the cell shows its stored value again, and a refusal of
        what was typed is withdrawn (it no longer stands in the way of finishing)."""
        cur = self.current
        self.buffer = ""
        if cur is not None:
            self.show_row(self.data_rows[cur[0]])
            self.post_message(self.Problem(cur[0], cur[1], None))

    def on_blur(self, event: events.Blur) -> None:
        self.commit_buffer()

    def on_key(self, event: events.Key) -> None:
        """Keys that edit a cell are handled here and go no further; the others (cursor keys,
        Tab, the app's keys) go on to the table and the app."""
        cur = self.current
        if cur is None:
            return
        code, field = cur
        key, char = event.key, event.character
        handled = True
        if field in BOOLEAN and key in ("y", "n", "1", "0", "space"):
            if key == "space":
                value = "n" if self.data_rows[code].get(field) else "y"
            else:
                value = {"y": "y", "1": "y", "n": "n", "0": "n"}[key]
            self._store(code, field, value)
        elif field in BOOLEAN and char and (char in NUMERIC_CHARS or char == "-"):
            # a number on a yes/no cell: say what it takes (digits never leave the grid)
            self.post_message(self.Problem(code, field, self.bool_hint))
        elif (
            field in ("retail_price", "stock_tiao")
            and char
            and (char in NUMERIC_CHARS or (char == "-" and not self.buffer))
        ):
            self.buffer += char
            self._show_buffer()
        elif key == "backspace" and self.buffer:
            self.buffer = self.buffer[:-1]
            self._show_buffer()
        elif key in ("delete", "backspace") and field in EDITABLE:
            self._store(code, field, "")
        elif key == "escape" and self.buffer:
            self.cancel_buffer()
        elif key == "enter":
            if self.commit_buffer():
                self.move_cursor(row=min(self.cursor_row + 1, len(self.order) - 1))
        elif key in ("up", "down", "left", "right", "tab", "shift+tab", "pageup", "pagedown"):
            if not self.commit_buffer():
                event.stop()
                event.prevent_default()
                return
            handled = False
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
