"""Typed records that are also stored as JSON (a submitted report keeps its figures).

:func:`load` rebuilds a dataclass from what :func:`dump` wrote, recursing into nested
dataclasses, lists and dicts of them by the fields' type hints. A field missing from the JSON
(a report stored by an older khtui) takes its default, so an old version still reads; a field
the dataclass no longer has is ignored; a text where a tuple is expected now (an older report's
route names, stored joined) is kept whole as the one item.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Self, TypeVar

T = TypeVar("T")


def dump(record: Any) -> dict[str, Any]:
    """A dataclass as a JSON-able dict."""
    return dataclasses.asdict(record)


class Stored:
    """Base of a dataclass stored as JSON: ``to_dict`` writes it, ``from_dict`` reads it back
    (an older version's too, see :func:`load`)."""

    def to_dict(self) -> dict[str, Any]:
        return dump(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        return load(cls, dict(data))


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            if isinstance(arg, type) and dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return load(arg, value)
            if typing.get_origin(arg) in (list, dict, tuple):
                return _convert(arg, value)
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return load(tp, value)
    if origin is tuple and isinstance(value, str):
        return (value,)
    if origin in (list, tuple) and isinstance(value, list | tuple):
        (arg, *_rest) = typing.get_args(tp) or (Any,)
        items = [_convert(arg, v) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict and isinstance(value, dict):
        _k, arg = typing.get_args(tp) or (Any, Any)
        return {k: _convert(arg, v) for k, v in value.items()}
    return value


def load(cls: type[T], data: dict[str, Any]) -> T:
    """``cls`` from a dict written by :func:`dump` (missing fields take their defaults)."""
    hints = _hints(cls)  # type: ignore[arg-type]  # a class is hashable (mypy: not type[T])
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)
