"""Every derived value carries its *why*: the inputs, the period and the rule that made it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
        return asdict(self)
