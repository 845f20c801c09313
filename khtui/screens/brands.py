"""品牌 — brand cultivation figures.

Placeholder until its issue lands: the class name and constructor are the contract the app
shell uses.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class BrandsScreen(Screen):
    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("品牌")
        yield Footer()
