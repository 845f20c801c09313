"""今日拜访 — today's visit list.

Placeholder until its issue lands: the class name and constructor are the contract the app
shell uses.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class TodayScreen(Screen):
    def __init__(self, date: dt.date | None = None) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("今日拜访")
        yield Footer()
