"""Ask first: a modal for anything that cannot be undone (submitting, freezing, emptying a field).

``y`` (or the highlighted 确定 button) confirms; ``n``, ``Esc`` or the 取消 button, which has
the focus when the question opens, cancel. A quick Enter therefore never confirms by accident.
Dismissed with True (go ahead) or False.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from khtui.widgets.keys import Key, Keyed
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t


class ConfirmScreen(Keyed, ModalScreen[bool]):
    """``question`` (one line, bold) and ``detail`` (what happens), 确定 / 取消."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen #confirm-box {
        width: 64;
        max-width: 95%;
        height: auto;
        border: round $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen #confirm-question {
        text-style: bold;
        width: 100%;
        margin-bottom: 1;
    }
    ConfirmScreen #confirm-detail {
        color: $text-muted;
        margin-bottom: 1;
    }
    ConfirmScreen #confirm-buttons {
        height: auto;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        margin-left: 2;
    }
    """
    KEYS = (
        Key("y", "answer(True)", "confirm.key.yes"),
        Key("n,escape", "answer(False)", "confirm.key.no"),
    )

    def __init__(self, question: str, detail: str = "", *, yes: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes or t("confirm.yes")

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question")
            if self.detail:
                yield Static(self.detail, id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (y)", id="confirm-yes", variant="warning")
                yield Button(t("confirm.no"), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


__all__ = ["ConfirmScreen"]
