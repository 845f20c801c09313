"""Key bindings whose labels follow the UI language.

Textual reads class-level ``BINDINGS`` when a module is imported, before ``--lang`` is applied,
so screens bind their keys per instance with the label looked up at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.dom import DOMNode

from khtui.i18n import t


def bind_keys(node: DOMNode, keys: Iterable[tuple[Any, ...]]) -> None:
    """Bind ``(key, action, label_key[, options])`` tuples on ``node``.

    ``options`` is a mapping of Textual's binding options, e.g. ``{"priority": True}`` or
    ``{"show": False}``.
    """
    for key, action, label, *rest in keys:
        options: Mapping[str, Any] = rest[0] if rest else {}
        node._bindings.bind(key, action, t(label), **options)
