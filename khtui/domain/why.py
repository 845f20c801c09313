"""Every derived value carries its *why*: the inputs, the period and the rule that made it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from khtui.domain.messages import Message


@dataclass(frozen=True)
class Why:
    """How a derived value was produced.

    ``rule`` names the rule (``tier``, ``category``, ``level``, ``value``); ``inputs`` are the
    figures it read; ``period`` the months (or dates) those figures cover; ``thresholds`` the
    bounds that decided; ``explain`` a one-line account as a message (``why.<rule>...`` with
    its parameters), put into words where it is shown.
    """

    rule: str
    inputs: dict[str, Any]
    period: list[str] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)
    explain: Message = field(default_factory=lambda: Message(""))

    def to_dict(self) -> dict[str, Any]:
        """Plain containers all the way down, as ``dataclasses.asdict`` gives (which deep-copies
        every value on the way: most of the time of deriving a whole city's retailers)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Nested dicts, lists, tuples and dataclasses as new plain dicts, lists and tuples; other
    values (numbers, texts, None) as they are."""
    if type(value) in _ATOMS:
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value
