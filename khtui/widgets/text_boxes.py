"""Text boxes that apply keys in the order they were pressed.

Textual's ``Input`` and ``TextArea`` insert a typed character in their own key handler, but
their bound keys (Backspace, Delete, the arrows, Ctrl+K…) run only once the key has travelled
up to the app. In a burst of keys (a slow or busy laptop, a key macro, keys sent through tmux)
a character typed after a Backspace can reach the box first: ``2 2 ⌫ ⌫ 5`` gave ``25`` instead
of ``5``. These boxes run their own bindings where the key arrives, so the order holds; every
box of the program is one of them (``tests/screens/test_text_boxes.py`` checks both).

Keys bound by the screen or the app (Esc, the section keys, Tab) still go up as before: only
a binding of the box itself runs here, exactly as the app would have run it."""

from __future__ import annotations

from textual import events
from textual.widgets import Input as _Input
from textual.widgets import TextArea as _TextArea


class InOrder:
    """Mixin for a text box: its own (non-priority, enabled) binding of a key runs as the key
    arrives, before the next key is read."""

    async def on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # the box's own handler inserts it, in order
        node = self
        assert isinstance(node, _Input | _TextArea)
        active = node.screen.active_bindings.get(event.key)
        if active is None or active.node is not node or active.binding.priority:
            return  # the screen's or the app's key: it goes up as before
        if not active.enabled:
            return
        if await node.app.run_action(active.binding.action, node):
            event.stop()
            event.prevent_default()
        # else the action stood aside (a scroll with nowhere to go): the key goes up to the
        # screen and the app as before


class Input(InOrder, _Input):
    """A one-line text box (Textual's ``Input``) that applies keys in order."""


class TextArea(InOrder, _TextArea):
    """A text area (Textual's ``TextArea``) that applies keys in order."""


__all__ = ["InOrder", "Input", "TextArea"]
