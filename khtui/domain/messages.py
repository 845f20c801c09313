"""Messages as data: a problem or an account is a message key with parameters, translated
where it is shown (the screens and the command line; a document's writer is given a
translator).

A parameter that is itself a word of the UI (a plan's status, a visit's status) is passed as a
:class:`Key`, several of them (the statuses a complaint may go to next) as :class:`Keys`; a
word the rules file names in both languages (a business format, a market type) as a
:class:`Name`, another word of the company's vocabulary (a level band, a cooperation grade) as
a :class:`Word` (several: :class:`Words`), several texts as they are (column headers) as :class:`Texts`; a part of the text that is a message of its own as a :class:`Message`, several
of them as :class:`Messages`. The translator says them all in its language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Key(str):
    """A message key given as a parameter of another message (translated where shown)."""


class Keys(tuple):
    """Several message keys given as one parameter: translated and joined with "/" where
    shown ("-" when there are none)."""


@dataclass(frozen=True)
class Name:
    """A word the rules file names in both languages (``name``, ``en``)."""

    name: str
    en: str


class Texts(tuple):
    """Several texts (the user's, or the company's words as a file holds them) given as one
    parameter: joined by the list separator as they are."""


class Word(str):
    """A word of the company's vocabulary as stored (said in the UI's language where the
    catalogue knows it, else as it is)."""


class Words(tuple):
    """Several words of the company's vocabulary (a form's choices) given as one parameter:
    each said as :class:`Word`, joined with "/"."""


@dataclass(frozen=True)
class Message:
    """A message as a value: its ``key`` and ``params`` (which may hold the kinds above)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Messages(tuple):
    """Several messages given as one parameter: each said, joined by the message ``sep``
    (the list separator unless told)."""

    sep: str = "fmt.sep"

    def __new__(cls, items=(), sep: str = "fmt.sep"):
        self = super().__new__(cls, items)
        self.sep = sep
        return self


class Tr(Protocol):
    """What puts messages into words in one language (the program's is
    :class:`khtui.i18n.format.Translator`): the data layer is given one to write a document
    in the user's language (a report, the rejects of an import)."""

    def __call__(self, key: str, /, **params: Any) -> str: ...

    def say(self, message: Message) -> str: ...

    def word(self, value: str | None, rules: Any = None) -> str: ...

    def join(self, items: Iterable[str]) -> str: ...


__all__ = ["Key", "Keys", "Message", "Messages", "Name", "Texts", "Tr", "Word", "Words"]
