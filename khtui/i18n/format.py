"""The one way the program speaks: a :class:`Translator` for one language.

There is no current language in the process. The app holds a translator for the language it
was made with (``create_app(store, lang=...)``; screens and widgets speak through
:data:`khtui.widgets.speech.t`, the running app's), the command line one for its own output
(:data:`khtui.cli.base.t`), and a document the data layer writes in the user's language is
given one. A translator is a function of a message key and its parameters, and writes every
value the same way everywhere: a retailer field (是/否 for flags, 33 for a floor area of 33.0,
the status and the company's words in the language), a visit's reasons (in the domain's one
order, 计划 left out next to a real reason, joined by the language's list separator), service
measures, a weekday, and a problem raised as a message key with parameters (:meth:`message`).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable
from typing import Any


def number_text(value: float | int) -> str:
    """A number as people write it: 33 for 33.0, 12.5, at most two decimals."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


class _Formatter(string.Formatter):
    """``str.format`` with one more kind of field: ``{n:|day|days}`` writes the first word when
    ``n`` is 1 and the second otherwise (English plurals; Chinese needs none)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("|"):
            one, _, many = format_spec[1:].partition("|")
            return one if value == 1 else many
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


class Translator:
    """The words of one language (``zh`` or ``en``): ``tr(key, **params)``.

    ``command`` is how the user calls the program (``khtui --demo``, ``khtui --db PATH``):
    every hint that names a command (``{khtui}`` in a message) repeats it.
    """

    def __init__(self, lang: str = "zh", *, command: str = "khtui") -> None:
        from khtui.i18n import LANGS

        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; use zh or en")
        self._lang = lang
        self._command = command

    @property
    def lang(self) -> str:
        return self._lang

    @property
    def command(self) -> str:
        return self._command

    def fixed(self) -> Translator:
        """A translator of this one's language and command as they are now: for work done in
        another thread (the UI's and the command line's translators follow their run)."""
        return Translator(self.lang, command=self.command)

    def _text(self, key: str) -> str | None:
        from khtui.i18n import LANGS

        text = LANGS[self.lang].get(key)
        return LANGS["zh"].get(key) if text is None else text

    def __call__(self, key: str, /, **kw: object) -> str:
        """The message ``key`` formatted with ``kw`` (a key no catalogue holds: the key)."""
        text = self._text(key)
        if text is None:
            return key
        if "{khtui}" in text:
            kw.setdefault("khtui", self.command)
        return _FORMATTER.format(text, **kw) if kw else text

    def label(self, key: str, fallback: str) -> str:
        """The catalogue's word for ``key``, or ``fallback`` when no catalogue holds one (a
        value the program does not know is shown as stored)."""
        text = self._text(key)
        return fallback if text is None else text

    # -- lists, days --------------------------------------------------------------------------
    @property
    def sep(self) -> str:
        """The separator of a list in running text: 、 in Chinese, ", " in English."""
        return self("fmt.sep")

    def join(self, items: Iterable[str]) -> str:
        return self.sep.join(items)

    def weekday(self, day: dt.date) -> str:
        """A day's weekday as the screens and the command line write it (周一, Mon)."""
        return self(f"app.weekday.{day.weekday()}")

    # -- the company's words -------------------------------------------------------------------
    def word(self, value: str | None, rules: Any = None) -> str:
        """A word of the company's vocabulary as stored (a business format, a department, a
        settlement, a cooperation grade, …) in this language: as the rules file names it in
        both languages (formats, market types, scales and their categories, complaint
        categories and departments), else as the catalogue does (``word.<the word>``); any
        other text is the user's own, shown as it is."""
        if not value:
            return ""
        if rules is not None:
            name = rules.names().get(value)
            if name is not None:
                return self.named(name)
        return self.label(f"word.{value}", value)

    def named(self, item: Any) -> str:
        """A word the rules file names in both languages (``name`` and ``en``: a business
        format, a complaint category; a :class:`~khtui.domain.messages.Name`) in this
        language: the one place that picks between the rules' two names."""
        return item.name if self.lang == "zh" else item.en

    def words(self, values: Iterable[str | None], rules: Any = None) -> str:
        """Several company words (``a,b`` or a list) joined by the list separator."""
        return self.join(self.word(v, rules) for v in values if v)

    # -- a retailer ----------------------------------------------------------------------------
    def status(self, status: str | None) -> str:
        """A retailer's status, stored as the company's word (正常, 暂停, 歇业, 注销); a word
        the catalogue does not know is shown as stored."""
        return self.label(f"retailer.status.{status}", status or "")

    def field_name(self, field: str) -> str:
        """A retailer field's name (:data:`khtui.domain.retailer.FIELDS`); a column the
        program does not know (kept from an import) by its own name."""
        return self.label(f"retailer.field.{field}", field)

    def group_name(self, group: str) -> str:
        """A group of retailer fields (:data:`khtui.domain.retailer.GROUPS`)."""
        return self(f"retailer.group.{group}")

    def field(self, field: str, value: Any, rules: Any = None) -> str:
        """A retailer field's value as the profile and the command line show it; "" when it
        is empty. Words of the company's vocabulary are in this language (:meth:`word`)."""
        from khtui.domain.retailer import ACTIVE, FIELD_BY_NAME

        spec = FIELD_BY_NAME.get(field)
        kind = spec.type if spec is not None else "text"
        if kind == "bool":
            return self("profile.yes") if value else self("profile.no")
        if kind == "status":
            return self.status(value or ACTIVE)
        if value is None or value == "":
            return ""
        if isinstance(value, int | float):
            return number_text(value)
        return self.word(str(value), rules)

    def value_class(self, value: str | None) -> str:
        """A customer value class (core/general/problem: 核心/一般/问题)."""
        return self.label(f"value.{value}", value or "-")

    # -- visits --------------------------------------------------------------------------------
    def reason(self, key: str) -> str:
        """A visit reason's name (``plan.reason.<key>``: every reason of
        :data:`khtui.domain.visits.REASONS` has one)."""
        return self(f"plan.reason.{key}")

    def reasons(self, reasons: Iterable[str]) -> str:
        """A visit's reasons as every list shows them (see
        :func:`khtui.domain.visits.shown_reasons`), or "-" when there are none."""
        from khtui.domain.visits import shown_reasons

        return self.join(self.reason(r) for r in shown_reasons(reasons)) or "-"

    def measure(self, key: str) -> str:
        """A service measure's name (``plan.measure.<key>``: every one of
        :data:`khtui.domain.planning.MEASURES` has one)."""
        return self(f"plan.measure.{key}")

    def measures(self, measures: Iterable[str]) -> str:
        return self.join(self.measure(m) for m in measures) or "-"

    # -- messages and problems -------------------------------------------------------------
    def say(self, message: Any) -> str:
        """A :class:`~khtui.domain.messages.Message` (a key with parameters) in words."""
        return self(message.key, **{k: self._said(v) for k, v in message.params.items()})

    def _said(self, value: Any) -> Any:
        """A message parameter in words: the kinds of :mod:`khtui.domain.messages` are said in
        this language, anything else is left for ``str.format``."""
        from khtui.domain.messages import Key, Keys, Message, Messages, Name, Texts, Word, Words

        if isinstance(value, Words):
            return "/".join(self.word(w) for w in value)
        if isinstance(value, Texts):
            return self.join(value)
        if isinstance(value, Word):
            return self.word(value)
        if isinstance(value, Key):
            return self(value)
        if isinstance(value, Keys):
            return "/".join(self(k) for k in value) or "-"
        if isinstance(value, Name):
            return self.named(value)
        if isinstance(value, Message):
            return self.say(value)
        if isinstance(value, Messages):
            return self(value.sep).join(self.say(m) for m in value)
        return value

    def message(self, error: BaseException) -> str:
        """The words of a problem: one that carries a message ``key`` and ``params`` (the
        domain's and the data layer's) is translated with its parameters (:meth:`say`); any
        other error is shown as it says itself."""
        from khtui.domain.messages import Message

        key = getattr(error, "key", None)
        params = getattr(error, "params", None)
        if not isinstance(key, str) or not isinstance(params, dict):
            return str(error)
        return self.say(Message(key, params))


__all__ = ["Translator", "number_text"]
