"""采集 — information capture at a visit.

Placeholder until its issue lands: the class name and constructor are the contract the app
shell uses.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class CaptureScreen(Screen):
    def __init__(self, visit_id: str | None = None, retailer_code: str | None = None) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("采集")
        yield Footer()
