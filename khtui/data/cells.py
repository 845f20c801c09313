"""Spreadsheet cells that cannot run: the one rule for formula injection in what khtui writes.

Excel, WPS and LibreOffice treat a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula (CSV injection). Every text cell khtui writes to a CSV file
(exports and rejects files) goes through :func:`neutralise`, which puts a single quote in front,
as OWASP recommends; the spreadsheet then shows the text as typed. Numbers are not text and are
written as they are. :func:`restore` is the importer's side: it removes exactly that prefix, so
a khtui CSV imported back gives the original text.

The rule also covers text that already starts with quotes followed by a trigger (``'=x`` is
written ``''=x``), so that ``restore(neutralise(v)) == v`` for every string.

XLSX files need no prefix: their writers mark every text cell as a string (never a formula).
"""

from __future__ import annotations

import re
from typing import Any

# A text cell a spreadsheet would run: optional quotes, then one of the trigger characters.
TRIGGERS = "=+-@\t\r"
_QUOTED_TRIGGER = re.compile(r"'*[=+\-@\t\r]")
_PREFIXED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run gets a leading ``'``;
    anything else (numbers, None, harmless text) is returned unchanged."""
    if isinstance(value, str) and _QUOTED_TRIGGER.match(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` was given (for a cell read back from a khtui CSV)."""
    if _PREFIXED.match(value):
        return value[1:]
    return value


__all__ = ["TRIGGERS", "neutralise", "restore"]
