"""Message catalogues: Simplified Chinese (default) and English (``--lang en``).

Every UI string is looked up by key through a :class:`~khtui.i18n.format.Translator` made for
one language (there is no current language in the process: see :mod:`khtui.i18n.format`). The
catalogue is split by area (one module each, holding ``ZH`` and ``EN``); both languages hold
every key (tests/test_i18n.py checks it). Format arguments use ``str.format`` names.
"""

from __future__ import annotations

from khtui.i18n import (
    capture,
    core,
    demo,
    forecast,
    imports,
    plan,
    records,
    reports,
    search,
    storage,
    team,
    words,
    workbench,
)

_AREAS = (
    core,
    demo,
    imports,
    workbench,
    plan,
    search,
    capture,
    reports,
    storage,
    forecast,
    team,
    records,
    words,
)
LANGS: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
for _area in _AREAS:
    LANGS["zh"].update(_area.ZH)
    LANGS["en"].update(_area.EN)
LANGUAGES: tuple[str, ...] = tuple(LANGS)

from khtui.i18n.format import Translator  # noqa: E402  (it reads LANGS)

__all__ = ["LANGS", "LANGUAGES", "Translator"]
