"""导入 — import a file with a preview before anything is written.

Placeholder until its issue lands: the class name and constructor are the contract the app
shell uses.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ImportScreen(Screen):
    def __init__(self, kind: str | None = None) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("导入")
        yield Footer()
