"""Find a retailer as you type and pick one: a box, the hits under it and a hint line.

The box reads the retailer index (``store.search_retailers``: name, pinyin initials, code,
licence, phone or its last digits) in a thread worker at each keystroke. ``Enter`` in the box
picks the highlighted hit (the first unless moved), ``↓`` goes to the hits on the first one,
``↑`` on the first hit goes back to the box, and typing in the hits goes on in the box. A pick
posts :class:`RetailerPicker.Picked`; the form then takes it (:meth:`clear_hits`) or says why
not (:meth:`refuse`). The widgets' ids start with the ``prefix`` given (``-query``,
``-results``, ``-hint``); the hint's texts are the caller's (``hint``, ``count``), the ones for
nothing found and for Enter with no hit are the picker's own.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from khtui.widgets.cells import clip
from khtui.widgets.plain_text import Static
from khtui.widgets.speech import t
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench

RESULTS = 20  # retailers offered per keystroke; a longer query narrows them
NAME_CELLS = 20


class RetailerPicker(Vertical):
    app = getters.app(Workbench)

    DEFAULT_CSS = """
    RetailerPicker {
        height: auto;
    }
    RetailerPicker OptionList {
        height: auto;
        max-height: 10;
    }
    RetailerPicker OptionList.-empty {
        display: none;
    }
    """

    class Picked(Message):
        """A retailer picked: its code and name."""

        def __init__(self, picker: RetailerPicker, code: str, name: str) -> None:
            super().__init__()
            self.picker, self.code, self.name = picker, code, name

        @property
        def control(self) -> RetailerPicker:
            return self.picker

    class Found(Message):
        def __init__(self, query: str, rows: list[dict]) -> None:
            super().__init__()
            self.query, self.rows = query, rows

    def __init__(self, prefix: str, *, placeholder: str, hint: str, count: str) -> None:
        super().__init__(id=f"{prefix}-picker")
        self.prefix = prefix
        self.placeholder = placeholder
        self.hint = hint
        self.count_key = count
        self.rows: list[dict] = []
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, id=f"{self.prefix}-query")
        yield OptionList(id=f"{self.prefix}-results", classes="-empty")
        yield Static(self.hint, classes="modal-hint", id=f"{self.prefix}-hint")

    @property
    def box(self) -> Input:
        return self.query_one(f"#{self.prefix}-query", Input)

    @property
    def results(self) -> OptionList:
        return self.query_one(f"#{self.prefix}-results", OptionList)

    def _say(self, text: str | Text) -> None:
        self.query_one(f"#{self.prefix}-hint", Static).update(text)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input is not self.box:
            return
        self.query_text = event.value.strip()  # the event goes on: the form may watch it
        if not self.query_text:
            self._show([])
            self._say(self.hint)
            return
        self._search(self.query_text)

    @work(thread=True, exclusive=True, group="retailer-picker")
    def _search(self, query: str) -> None:
        rows = self.app.store.search_retailers(query, RESULTS)
        self.post_message(self.Found(query, rows))

    @on(Found)
    def _found(self, message: Found) -> None:
        message.stop()
        if message.query != self.query_text:
            return
        self._show(message.rows)
        self._say(t(self.count_key, n=len(self.rows)) if self.rows else t("picker.none"))

    def _show(self, rows: list[dict]) -> None:
        from khtui.domain.retailer import ACTIVE

        self.rows = rows
        options = self.results
        options.clear_options()
        for r in rows:
            label = f"{r['code']}  {clip(r['name'], NAME_CELLS)}  {r.get('route') or ''}"
            if r.get("status") and r["status"] != ACTIVE:
                label += f"  [{t.status(r['status'])}]"
            options.add_option(Option(label, id=r["code"]))
        options.set_class(not rows, "-empty")
        if rows:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.box:
            return
        event.stop()
        if not self.rows:
            self.refuse(t("picker.pick"))
            return
        self._pick(self.results.highlighted or 0)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        row = self.rows[index]
        self.post_message(self.Picked(self, row["code"], row["name"]))

    def clear_hits(self) -> None:
        """The hits go (a form's retailer is picked); typing again finds again."""
        self._show([])
        self._say(self.hint)

    def refuse(self, text: str) -> None:
        """Say under the hits why the pick is refused; the hits stay to pick another."""
        self._say(Text(text, style=style(self.app, "invalid")))

    def on_key(self, event: events.Key) -> None:
        options, box = self.results, self.box
        if self.screen.focused is box:
            if event.key == "down" and self.rows:
                event.stop()
                event.prevent_default()
                options.highlighted = 0
                options.focus()
        elif self.screen.focused is options:
            if event.key == "up" and not options.highlighted:
                event.stop()
                event.prevent_default()
                box.focus()
            elif event.is_printable and event.character:
                event.stop()
                event.prevent_default()
                box.focus()
                box.insert_text_at_cursor(event.character)


__all__ = ["RetailerPicker"]
