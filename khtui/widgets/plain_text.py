"""Static text and labels that show their text as written.

Textual's ``Static`` and ``Label`` read a string as markup: a retailer named ``店[A1]`` was shown
as ``店``, a file path lost a ``[…]`` part of its name, and a name holding ``[/b]`` raised an
error. The program writes no markup in its text (its styles come from the CSS and from Rich
``Text``), so every static text and label of the program is one of these, which take a string
as plain text (``tests/screens/test_widgets.py`` checks that none is Textual's own)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label as _Label
from textual.widgets import Static as _Static


class Static(_Static):
    """Textual's ``Static``, its text plain unless ``markup=True`` is asked for."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)


class Label(_Label):
    """Textual's ``Label``, its text plain unless ``markup=True`` is asked for."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kwargs: Any) -> None:
        super().__init__(content, markup=markup, **kwargs)
