"""帮助 — every key of the app and of the screen the help was opened from (``?``).

Read from the bindings active on that screen (Textual's ``active_bindings``), so the list can
never drift from what the keys do: the screen's own keys first (shown in the footer or not),
then the global ones; keys a screen refuses in its present state are left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen

from khtui.widgets.keys import Key, Keyed
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "minus": "-",
    "plus": "+",
    "equals_sign": "=",
    "comma": ",",
    "full_stop": ".",
    "slash": "/",
    "enter": "Enter",
    "escape": "Esc",
    "space": "Space",
    "tab": "Tab",
    "delete": "Del",
    "backspace": "Backspace",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
}
MODIFIERS = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "super": "Super"}
# Textual's standard bindings we do not list (focus cycling, copy) and the labels of its own
# bindings that we name in the UI language.
SKIP_ACTIONS = {"app.focus_next", "app.focus_previous", "screen.copy_text", "help_quit"}
ACTION_LABELS = {"command_palette": "nav.palette", "quit": "nav.quit", "help": "nav.help"}


def key_label(key: str) -> str:
    """``shift+up`` → ``Shift+Up``, ``f3`` → ``F3``, ``left_square_bracket`` → ``[``."""
    *mods, name = key.split("+")
    if (name.startswith("f") and name[1:].isdigit()) or (mods and len(name) == 1):
        shown = name.upper()
    else:
        shown = KEY_NAMES.get(name, name)
    return "+".join([*(MODIFIERS.get(m, m.title()) for m in mods), shown])


def binding_rows(screen: Screen, *, of_app: bool = False) -> list[tuple[str, str]]:
    """(keys, what they do) for the bindings of ``screen`` itself, or of the app with
    ``of_app`` (keys of one action joined), as they are active on that screen."""
    owner = screen.app if of_app else screen
    by_action: dict[str, tuple[list[str], Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if active.node is not owner or binding.system or binding.action in SKIP_ACTIONS:
            continue
        keys, _ = by_action.setdefault(binding.action, ([], binding))
        shown = binding.key_display if binding.key_display and "," not in binding.key else None
        label = shown or key_label(key)
        if label not in keys:
            keys.append(label)
    if isinstance(owner, Keyed):
        # keys the focused widget takes for itself (the list's Down, say) still do their
        # screen's action elsewhere on it: listed too, unless refused in this state
        for declared in type(owner).BINDINGS:
            if not isinstance(declared, Binding) or declared.action in SKIP_ACTIONS:
                continue
            _ns, name, params = parse(declared.action)
            if owner.check_action(name, params) is False:
                continue
            for key in declared.key.split(","):
                shadow = screen.active_bindings.get(key.strip())
                if of_app and shadow is not None and shadow.node is screen:
                    continue  # the screen's own key (the report's w): not the app's there
                keys, _ = by_action.setdefault(declared.action, ([], declared))
                label = declared.key_display or key_label(key.strip())
                if label not in keys:
                    keys.append(label)
    actions = list(by_action)
    if isinstance(owner, Keyed):  # in the order the keys are declared
        order = [key.action for key in owner.KEYS]
        actions.sort(key=lambda a: order.index(a) if a in order else len(order))
    rows = []
    for action in actions:
        keys, binding = by_action[action]
        label_key = ACTION_LABELS.get(action)
        description = t(label_key) if label_key else (binding.description or action)
        rows.append((" / ".join(keys), description))
    return rows


class HelpScreen(Keyed, ModalScreen[None]):
    """The keys of ``screen`` and of the app, in two tables."""

    CSS_PATH = "help.tcss"
    KEYS = (Key("escape,q,question_mark", "close", "help.close"),)

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.target = screen

    def screen_rows(self) -> list[tuple[str, str]]:
        return binding_rows(self.target)

    def app_rows(self) -> list[tuple[str, str]]:
        return binding_rows(self.target, of_app=True)

    def compose(self) -> ComposeResult:
        name = self.target.sub_title or self.target.title or type(self.target).__name__
        with Vertical(id="help-box"):
            yield Label(t("help.title", screen=name), id="help-title")
            # one scrolling body: every row of both tables can be reached with the arrow keys
            with VerticalScroll(id="help-body"):
                yield Label(t("help.screen"), classes="help-section")
                yield DataTable(id="help-screen-keys", cursor_type="none", classes="help-keys")
                yield Label(t("help.app"), classes="help-section")
                yield DataTable(id="help-app-keys", cursor_type="none", classes="help-keys")
            yield Static(t("help.hint"), id="help-hint")

    def on_mount(self) -> None:
        self._fill("#help-screen-keys", self.screen_rows())
        self._fill("#help-app-keys", self.app_rows())
        for table in self.query(".help-keys").results(DataTable):
            table.can_focus = False
        self.query_one("#help-body", VerticalScroll).focus()

    def _fill(self, selector: str, rows: Iterable[tuple[str, str]]) -> None:
        table = self.query_one(selector, DataTable)
        table.add_column(t("help.col.key"), key="key")
        table.add_column(t("help.col.action"), key="action")
        rows = list(rows)
        for keys, description in rows:
            table.add_row(keys, description)
        if not rows:
            table.add_row("-", t("help.none"))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["HelpScreen", "binding_rows", "key_label"]
