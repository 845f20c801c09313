"""The base of the errors a user can act on: a message key with its parameters, translated
where it is shown (the screens and the command line), never where it is raised."""

from __future__ import annotations

from typing import Any


class KeyedError(Exception):
    """An error told as a message key (``key``) and the parameters that fill it (``params``).

    A subclass names its catalogue keys in its docstring; combine it with a more specific base
    (``class VisitProblem(KeyedError, StoreError)``) where callers catch that base."""

    def __init__(self, key: str, /, **params: Any):
        super().__init__(key)
        self.key = key
        self.params = params


__all__ = ["KeyedError"]
