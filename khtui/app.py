"""The App: built by :func:`create_app` from a store, used by the CLI, the tests and benches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from khtui.i18n import set_lang, t


class KhtuiApp(App):
    TITLE = "khtui"

    def __init__(self, store, *, today: Callable[[], dt.date] | None = None):
        super().__init__()
        self.store = store
        self.today = today or store.today

    def on_mount(self) -> None:
        demo = f" · {t('app.demo')}" if self.store.is_demo else ""
        self.title = f"{t('app.title')}{demo}"
        self.sub_title = (
            f"{self.store.am_name} · {self.today().isoformat()} · {self.store.path.name}"
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("app.title"))
        yield Footer()


def create_app(store, *, lang: str = "zh", today: Callable[[], dt.date] | None = None) -> KhtuiApp:
    set_lang(lang)
    return KhtuiApp(store, today=today)
