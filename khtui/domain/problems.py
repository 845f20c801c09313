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


class CodedProblem(KeyedError, ValueError):
    """A :class:`KeyedError` named by ``code``, the last part of its key (``PREFIX + code``);
    ``details`` are its parameters. Its text (``str``) is the code alone."""

    PREFIX = ""

    def __init__(self, code: str, /, **details: object):
        super().__init__(self.PREFIX + code, **details)
        self.args = (code,)
        self.code = code
        self.details = details


__all__ = ["CodedProblem", "KeyedError"]
