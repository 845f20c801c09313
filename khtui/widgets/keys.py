"""Key bindings whose labels follow the UI language, through Textual's public API only.

Textual reads a class's ``BINDINGS`` when the class is created and shows each binding's
description as it is; the UI language is the app's (``create_app(store, lang=...)``), known
only when a node is made. So a node declares its keys once, as :class:`Key` rows naming
catalogue keys (``KEYS``), and the :class:`Keyed` mixin makes every instance one of a subclass
whose ``BINDINGS`` are those rows in the running app's language (the app itself: the language
it is made with), one subclass per class and language, made on first use; it has the same
name, module and CSS as the class. A key that is available only in some states is
declared like the others and refused through Textual's ``check_action``.

The rules every screen keeps (README, "Keys"): a screen's own keys never take a section key
(``SECTION_KEYS``: the digits and F1-F7), and ``Esc`` always leaves a text box (on a screen of
lists and text boxes, through :class:`TypingScreen`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from textual.binding import Binding

from khtui.i18n import Translator
from khtui.widgets.speech import running_app
from khtui.widgets.workbench import WorkbenchScreen

# The keys that switch sections from anywhere (khtui.app.SECTIONS): no screen binds them.
SECTION_KEYS = frozenset({*"1234567", *(f"f{i}" for i in range(1, 8))})


@dataclass(frozen=True)
class Key:
    """One binding: ``keys`` (comma-separated Textual key names), the ``action``, the catalogue
    key of its label, and Textual's ``show``, ``priority`` and ``key_display`` options;
    neighbouring keys with the same ``group`` (a catalogue key) share one label in the footer;
    a key to ``keep`` (the node's main work) is shown in a footer too narrow for all the keys
    before the node's other keys."""

    keys: str
    action: str
    label: str
    show: bool = True
    priority: bool = False
    display: str | None = None
    group: str | None = None
    keep: bool = False

    def binding(self, t: Translator) -> Binding:
        return Binding(
            self.keys,
            self.action,
            t(self.label),
            show=self.show,
            priority=self.priority,
            key_display=self.display,
            group=Binding.Group(t(self.group), compact=True) if self.group else None,
        )


class Keyed:
    """Mixin for a Textual node (app, screen or widget) that declares its keys in ``KEYS``.

    Put it first among the bases: ``class ReportScreen(Keyed, Screen)``.
    """

    KEYS: ClassVar[tuple[Key, ...]] = ()
    FOOTER_KEPT: ClassVar[frozenset[str]] = frozenset()  # the actions of the keys to keep
    _keys_lang: ClassVar[str | None] = None  # set on the per-language subclasses

    def __new__(cls, *args: Any, **kwargs: Any):
        return super().__new__(localised(cls, cls.language_of_new(kwargs)))  # type: ignore[arg-type]  # classes hash by identity; mypy reads Keyed.__hash__ as an instance method

    @classmethod
    def language_of_new(cls, kwargs: dict[str, Any]) -> str:
        """The language of a node about to be made: the running app's (an app overrides it:
        its own is among its arguments)."""
        return running_app().lang


@cache
def localised(cls: type[Any], lang: str) -> type[Any]:
    """``cls`` with its ``KEYS`` as Textual ``BINDINGS`` labelled in ``lang``."""
    if cls.__dict__.get("_keys_lang") is not None:  # already one: use its own class
        cls = cls.__bases__[0]
    t = Translator(lang)
    bindings = [key.binding(t) for key in cls.KEYS]
    namespace = {
        "BINDINGS": bindings,
        "FOOTER_KEPT": frozenset(key.action for key in cls.KEYS if key.keep),
        "_keys_lang": lang,
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    meta: Any = type(cls)  # the class's own metaclass makes the subclass
    return meta(cls.__name__, (cls,), namespace)


class TypingScreen(WorkbenchScreen):
    """A screen with text boxes (``TEXT_BOXES``: the widget types the user types in): its
    ``leave_box`` key (Esc) is on only while the user is typing, the actions named in
    ``NOT_WHILE_TYPING`` only while not (a letter key would be typed into the box), and the
    footer follows the focus. A subclass that refuses more calls ``super().check_action``."""

    # empty: the program's one-line text box (khtui/widgets/text_boxes.py, imported when a
    # screen first asks: the first frame does without it)
    TEXT_BOXES: ClassVar[tuple[type, ...]] = ()
    NOT_WHILE_TYPING: ClassVar[frozenset[str]] = frozenset()

    def typing_now(self) -> bool:
        boxes = self.TEXT_BOXES
        if not boxes:
            from khtui.widgets.text_boxes import Input

            boxes = (Input,)
        return isinstance(self.focused, boxes)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_box":
            return self.typing_now()
        if action in self.NOT_WHILE_TYPING:
            return not self.typing_now()
        return super().check_action(action, parameters)

    # a subclass that does more on these events adds its own ``@on`` handler
    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()


def section_keys_taken(keys: tuple[Key, ...]) -> set[str]:
    """The section keys among ``keys`` (a screen must bind none)."""
    return {k for key in keys for k in key.keys.split(",") if k.strip() in SECTION_KEYS}


__all__ = ["SECTION_KEYS", "Key", "Keyed", "TypingScreen", "localised", "section_keys_taken"]
