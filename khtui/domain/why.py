"""Every derived value carries its *why*: the inputs, the period and the rule that made it."""

from __future__ import annotations

import json
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


def why_json(value: Any) -> Any:
    """``json.dumps(..., default=why_json)``: a :class:`Why` (or any dataclass in it) as the
    dict of its fields, so that JSON is written straight from the objects (the same text as
    from ``to_dict``, without building the copies)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class WhyEncoder:
    """JSON text of many records of :class:`Why` made under one set of rules, the same text as
    ``json.dumps({name: why.to_dict(), …}, ensure_ascii=False)``, at a fraction of the cost:
    thresholds equal to the last ones met for the same rule (the rule's bounds, the same for
    every retailer) are encoded once and put in by a marker, and one encoder serves every call
    (``json.dumps`` with options makes a new one each time)."""

    def __init__(self) -> None:
        self._dumps = json.JSONEncoder(ensure_ascii=False, default=why_json).encode
        # rule -> (thresholds, their JSON, the marker standing for them, the marker's JSON)
        self._thresholds: dict[str, tuple[dict[str, Any], str, str, str]] = {}

    def encode(self, whys: dict[str, Why]) -> str:
        dumps = self._dumps
        doc, marks = {}, []
        for name, why in whys.items():
            seen = self._thresholds.get(why.rule)
            if seen is None or seen[0] != why.thresholds:
                # a text no record can hold (JSON escapes the control character)
                marker = f"\x00thresholds:{why.rule}\x00"
                seen = (why.thresholds, dumps(why.thresholds), marker, dumps(marker))
                self._thresholds[why.rule] = seen
            marks.append(seen)
            doc[name] = {
                "rule": why.rule,
                "inputs": why.inputs,
                "period": why.period,
                "thresholds": seen[2],
                "explain": why.explain,
            }
        text = dumps(doc)
        for _thresholds, encoded, _marker, marker_json in marks:
            text = text.replace(marker_json, encoded, 1)
        return text
