"""The UI's words: :data:`t`, the translator of the app that is running.

The language belongs to the app (``create_app(store, lang=...)``): screens, widgets and the
helpers they call speak through the app that runs them, found the way Textual finds it for its
own nodes (the app's tasks, its async workers, ``call_from_thread`` callbacks and the body of
``run_test``) or, in a thread worker, through the worker's node. There is no language outside a
running app: a thread of another kind (an importer's reader) is given a translator fixed to the
app's language (``self.app.t``), as is a document the data layer writes.
"""

from __future__ import annotations

from textual import getters
from textual.app import App
from textual.worker import NoActiveWorker, get_current_worker

from khtui.i18n import Translator

# Textual's public descriptor for "the active app" (textual.getters.app), read without a node.
_ACTIVE = getters.app(App)


class Speaks:
    """Mixin for the app: the language it was made with, and its translator ``t``."""

    t: Translator

    def speak(self, lang: str, command: str = "khtui") -> None:
        self.t = Translator(lang, command=command)

    @property
    def lang(self) -> str:
        return self.t.lang


def running_app() -> Speaks:
    """The app that is running here (a ``RuntimeError`` when none is)."""
    try:
        app = _ACTIVE.__get__(None, None)  # type: ignore[arg-type]
    except RuntimeError:  # Textual's NoActiveAppError: a thread worker, or no app at all
        try:
            app = get_current_worker().node.app
        except NoActiveWorker:
            raise RuntimeError(
                "no app runs here: give this code the app's translator (app.t)"
            ) from None
    if not isinstance(app, Speaks):
        raise RuntimeError(f"{type(app).__name__} does not speak: mix in khtui.widgets.Speaks")
    return app


class AppTranslator(Translator):
    """The running app's translator, whatever app is running when a word is asked for."""

    def __init__(self) -> None:  # no language of its own
        pass

    @property
    def lang(self) -> str:
        return running_app().t.lang

    @property
    def command(self) -> str:
        return running_app().t.command


t: Translator = AppTranslator()

__all__ = ["AppTranslator", "Speaks", "running_app", "t"]
