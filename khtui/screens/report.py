"""周报 — weekly report drafting and export.

Placeholder until its issue lands: the class name and constructor are the contract the app
shell uses.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ReportScreen(Screen):
    def __init__(self, week: str | None = None) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("周报")
        yield Footer()
