"""The price and stock grid: a spreadsheet-like table, one row per brand.

Numbers are typed into the cell under the cursor and Enter stores them and moves down; yes/no
cells take ``y``/``n`` (space toggles). The grid knows nothing of the store: each value goes
through the ``commit`` callback given by its screen, which stores it and returns the row as it
now is (or raises ``ValueError`` with a message, shown beside the grid, the value kept for
correction). Earlier visits' values are shown beside each row so that changes stand out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

EDITABLE = ("retail_price", "marked_price", "stock_tiao", "on_shelf")
BOOLEAN = ("marked_price", "on_shelf")
NUMERIC_CHARS = set("0123456789.")

Commit = Callable[[str, str, str], dict]


class PriceGrid(DataTable):
    """Columns: brand, guide price, retail price, deviation, marked price, stock, on shelf,
    earlier values. ``labels`` maps column keys to headers; ``yes``/``no`` are the words
    shown for booleans; ``threshold`` flags a deviation past it (percent)."""

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
        labels: dict[str, str],
        yes: str,
        no: str,
        threshold: float,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True)
        self.data_rows = {r["brand_code"]: dict(r) for r in rows}
        self.order = [r["brand_code"] for r in rows]
        self.commit = commit
        self.labels = labels
        self.yes, self.no = yes, no
        self.threshold = threshold
        self.buffer = ""

    # -- drawing -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        widths = {
            "name": 14,
            "guide_price": 7,
            "retail_price": 8,
            "deviation": 7,
            "marked_price": 5,
            "stock_tiao": 8,
            "on_shelf": 5,
            "history": 26,
        }
        for key, width in widths.items():
            self.add_column(self.labels[key], key=key, width=width)
        for code in self.order:
            self.add_row(*self._cells(self.data_rows[code]), key=code)
        if self.order:
            self.move_cursor(row=0, column=self._col("retail_price"))

    def _col(self, key: str) -> int:
        return list(self.columns).index(key) if key in self.columns else 0

    def _yn(self, value: bool | None) -> str:
        return "" if value is None else (self.yes if value else self.no)

    def _cells(self, r: dict) -> list[Any]:
        name = Text(r["name"] or r["brand_code"])
        if r.get("is_key"):
            name.stylize("bold")
        dev = r.get("deviation_pct")
        dev_text = Text("" if dev is None else f"{dev:+.1f}")
        if r.get("flagged"):
            dev_text = Text(f"{dev:+.1f}!", style="bold white on red")
        guide = r.get("guide_price")
        return [
            name,
            Text("" if guide is None else f"{guide:g}", style="dim"),
            "" if r.get("retail_price") is None else f"{r['retail_price']:g}",
            dev_text,
            self._yn(r.get("marked_price")),
            "" if r.get("stock_tiao") is None else str(r["stock_tiao"]),
            self._yn(r.get("on_shelf")),
            Text(self._history(r), style="dim"),
        ]

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
        for key, cell in zip(self.columns, self._cells(r), strict=True):
            self.update_cell(r["brand_code"], key, cell)

    def set_rows(self, rows: list[dict]) -> None:
        for r in rows:
            if r["brand_code"] in self.data_rows:
                self.show_row(r)

    # -- editing -------------------------------------------------------------------------------
    @property
    def current(self) -> tuple[str, str] | None:
        """(brand code, column key) under the cursor."""
        if not self.order:
            return None
        code = self.order[self.cursor_row]
        return code, list(self.columns)[self.cursor_column].value

    def _show_buffer(self) -> None:
        cur = self.current
        if cur is None:
            return
        self.update_cell(cur[0], cur[1], Text(self.buffer + "▏", style="reverse"))

    def _store(self, code: str, field: str, raw: str) -> bool:
        try:
            row = self.commit(code, field, raw)
        except ValueError as exc:
            self.post_message(self.Problem(code, field, str(exc)))
            return False
        self.show_row(row)
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
        cur = self.current
        self.buffer = ""
        if cur is not None:
            self.show_row(self.data_rows[cur[0]])

    def on_blur(self, event: events.Blur) -> None:
        self.commit_buffer()

    async def _on_key(self, event: events.Key) -> None:
        cur = self.current
        if cur is None:
            return
        code, field = cur
        key, char = event.key, event.character
        handled = True
        if field in BOOLEAN and key in ("y", "n", "1", "0", "space"):
            value = {"y": "y", "1": "y", "n": "n", "0": "n"}.get(key)
            if key == "space":
                value = "n" if self.data_rows[code].get(field) else "y"
            self._store(code, field, value)
        elif (
            field in ("retail_price", "stock_tiao")
            and char
            and (char in NUMERIC_CHARS or (char == "-" and not self.buffer))
        ):
            self.buffer += char
            self._show_buffer()
        elif char and char in NUMERIC_CHARS and field not in EDITABLE:
            # a number typed on a read-only column goes to the retail price of that row
            self.move_cursor(column=self._col("retail_price"))
            self.buffer = char
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
        else:
            await super()._on_key(event)
