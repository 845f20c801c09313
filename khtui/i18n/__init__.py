"""Message catalogues: Simplified Chinese (default) and English (``--lang en``).

Every UI string is looked up by key with :func:`t`. The catalogue is split by area (one module
each, holding ``ZH`` and ``EN``); both languages hold every key (tests/test_i18n.py checks it).
Format arguments use ``str.format`` names.
"""

from __future__ import annotations

from khtui.i18n import (
    capture,
    core,
    demo,
    forecast,
    imports,
    plan,
    reports,
    search,
    storage,
    team,
    workbench,
)

_AREAS = (core, demo, imports, workbench, plan, search, capture, reports, storage, forecast, team)
LANGS: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
for _area in _AREAS:
    LANGS["zh"].update(_area.ZH)
    LANGS["en"].update(_area.EN)
_lang = "zh"
_command = "khtui"


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use zh or en")
    _lang = lang


def get_lang() -> str:
    return _lang


def set_command(command: str) -> None:
    """How this user calls the program (``khtui --demo``, ``khtui --db PATH``): every hint
    that names a command (``{khtui}`` in a message) repeats it."""
    global _command
    _command = command


def t(key: str, /, **kw: object) -> str:
    """The message ``key`` in the current language, formatted with ``kw``."""
    text = LANGS[_lang].get(key)
    if text is None:
        text = LANGS["zh"].get(key, key)
    if "{khtui}" in text:
        kw.setdefault("khtui", _command)
    return text.format(**kw) if kw else text


def t_or(key: str, default: str, /, **kw: object) -> str:
    """The message ``key`` as :func:`t` gives it, or ``default`` when no catalogue holds the key
    (a word from outside the program, shown as it came)."""
    return t(key, **kw) if key in LANGS["zh"] else default


def status_label(status: str | None) -> str:
    """A retailer's status, stored as the company's word (正常, 暂停, 歇业, 注销), in the UI's
    language; a word the catalogue does not know is shown as stored."""
    return t_or(f"retailer.status.{status}", status or "")
