"""Search keys of a retailer: normalised text, pinyin initials and full pinyin.

Pure functions, no I/O. The data layer (``data/search.py``) stores what these return, once per
retailer write, and answers each keystroke from indexes over them.

How a query is answered, in words: every key of a retailer (name, code, licence number, phone,
the pinyin initials and the full pinyin of the name) is cut into its suffixes (for full pinyin,
the suffixes that start at a syllable). A query ``q`` occurs in a key exactly when some suffix
starts with ``q``, which an index answers with one range scan. To count each retailer once, the
suffixes of one retailer are sorted and each carries ``lcp``, the length of the prefix it shares
with the suffix before it: the suffixes starting with ``q`` form one run, and only the first of
the run has ``lcp < len(q)``. So "retailers matching q" is exactly "suffix rows with
``lcp < len(q)`` in the range of q", one row per retailer, countable from the index alone.

Pinyin: pypinyin's phrase dictionary gives the reading in context (银行 → yin hang, 重庆 → chong
qing, 长安 → chang an); where a character still has several readings (曾 ceng/zeng, 单
dan/shan, 行 xing/hang), every reading is kept as a variant key.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Longest piece of a key kept in the index. Longer queries are answered from their first
# KEY_LEN characters and verified against the whole keys.
KEY_LEN = 16
# Most variants kept per name (characters with several readings multiply them).
MAX_INITIALS = 16
MAX_PINYIN = 8
# Characters dropped from keys and queries: spaces and the separators people type in phones
# and codes (139-7277-0615, 3701 0210 0001).
_DROP = frozenset(" \t\r\n\u3000-_")
_NON_HAN = "\x00"  # marks a chunk pypinyin did not convert (latin letters, digits, signs)


def normalise(text: str | None) -> str:
    """The form keys and queries are compared in: full-width to half-width (NFKC), lower
    case, without spaces or dashes, without control characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in text if ch not in _DROP and ch.isprintable())


@dataclass(frozen=True)
class SearchKeys:
    """Everything a retailer can be found by, normalised."""

    name: str
    code: str
    licence: str
    phone: str
    initials: tuple[str, ...]  # pinyin initials of the name, one per reading variant
    pinyin: tuple[tuple[str, ...], ...]  # full pinyin, syllable by syllable, per variant

    @property
    def fields(self) -> dict[str, tuple[str, ...]]:
        """Every key by what it is (the ``match`` a search reports)."""
        return {
            "code": (self.code,),
            "licence": (self.licence,),
            "name": (self.name,),
            "phone": (self.phone,),
            "initials": self.initials,
            "pinyin": tuple("".join(p) for p in self.pinyin),
        }


_CHAR_READINGS: dict[str, list[str]] = {}


def _plain(reading: str) -> str:
    """A toned reading without its tone marks, ü written v (as people type it): lǜ → lv."""
    decomposed = unicodedata.normalize("NFKD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def _char_readings(ch: str, table: dict[int, str]) -> list[str]:
    """Every reading of one character, most common first (cached)."""
    got = _CHAR_READINGS.get(ch)
    if got is None:
        raw = table.get(ord(ch))
        got = list(dict.fromkeys(_plain(r) for r in raw.split(","))) if raw else []
        _CHAR_READINGS[ch] = got
    return got


def _readings(name: str) -> list[list[tuple[str, str]]]:
    """Per chunk of the name, its (initial, full pinyin) readings, the reading in context
    first. Uses pypinyin's dictionaries and word segmentation directly (its converter costs
    about three times as much for the same answer)."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    from pypinyin.seg.simpleseg import seg

    out: list[list[tuple[str, str]]] = []
    for word in seg(name):
        if not RE_HANS.match(word):
            text = normalise(word)  # letters and digits stand for themselves
            if text:
                out.append([(text, text)])
            continue
        phrase = PHRASES_DICT.get(word) if len(word) > 1 else None
        for i, ch in enumerate(word):
            options = _char_readings(ch, PINYIN_DICT)
            if phrase is not None and i < len(phrase):
                # the phrase's reading first (银行 is yin hang), the character's others after
                # it: a place name may read otherwise (朝阳 zhaoyang, 朝阳区 chaoyang)
                options = list(dict.fromkeys([*(_plain(r) for r in phrase[i]), *options]))
            readings = [(r[:1], r) for r in options if r]
            if readings:
                out.append(readings)
            elif ch.strip():
                out.append([(normalise(ch), normalise(ch))])
    return out


def _variants(choices: Sequence[Sequence[str]], cap: int) -> list[tuple[str, ...]]:
    """Combinations of one choice per position: the first choices first, then every single
    other choice, then the rest of the combinations, at most ``cap`` of them, no repeats."""
    base = tuple(c[0] for c in choices)
    out = {base: None}
    for i, options in enumerate(choices):
        for alt in options[1:]:
            out.setdefault((*base[:i], alt, *base[i + 1 :]), None)
    if len(out) < cap:
        for combo in itertools.islice(itertools.product(*choices), cap * 4):
            out.setdefault(combo, None)
            if len(out) >= cap:
                break
    return list(out)[:cap]


def name_pinyin(name: str | None) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The pinyin initials and the full pinyin (by syllable) of a shop name, every reading.

    >>> name_pinyin("银行")
    (('yh',), (('yin', 'hang'),))
    """
    if not name:
        return (), ()
    readings = _readings(name)
    if not readings:
        return (), ()
    initials = _variants([list(dict.fromkeys(r[0] for r in rs)) for rs in readings], MAX_INITIALS)
    full = _variants([list(dict.fromkeys(r[1] for r in rs)) for rs in readings], MAX_PINYIN)
    return tuple("".join(v) for v in initials), tuple(full)


def retailer_keys(
    name: str | None, code: str | None, licence: str | None, phone: str | None
) -> SearchKeys:
    initials, full = name_pinyin(name)
    return SearchKeys(
        name=normalise(name),
        code=normalise(code),
        licence=normalise(licence),
        phone=normalise(phone),
        initials=initials,
        pinyin=full,
    )


def _with_lcp(pieces: Iterable[str]) -> list[tuple[str, int]]:
    """Distinct pieces in sorted order, each with the length of the prefix it shares with the
    piece before it (0 for the first)."""
    out: list[tuple[str, int]] = []
    prev = ""
    for piece in sorted(set(pieces)):
        n = 0
        limit = min(len(prev), len(piece))
        while n < limit and prev[n] == piece[n]:
            n += 1
        out.append((piece, n))
        prev = piece
    return out


def prefix_entries(keys: SearchKeys) -> list[tuple[str, int]]:
    """The keys themselves (cut to ``KEY_LEN``), for "the query starts a key"."""
    pieces = [keys.name, keys.code, keys.licence, keys.phone, *keys.initials]
    pieces += ["".join(p) for p in keys.pinyin]
    return _with_lcp(p[:KEY_LEN] for p in pieces if p)


def suffix_entries(keys: SearchKeys) -> list[tuple[str, int]]:
    """Every suffix of every key (full pinyin: from each syllable on), cut to ``KEY_LEN``."""
    pieces: list[str] = []
    for text in (keys.name, keys.code, keys.licence, keys.phone, *keys.initials):
        pieces += [text[i : i + KEY_LEN] for i in range(len(text))]
    for syllables in keys.pinyin:
        whole = "".join(syllables)
        start = 0
        for s in syllables:
            pieces.append(whole[start : start + KEY_LEN])
            start += len(s)
    return _with_lcp(pieces)


def short_grams(suffixes: Iterable[tuple[str, int]]) -> set[str]:
    """The one- and two-character queries a retailer with these suffix entries matches
    (each once: from the first suffix of each run, see the module docstring)."""
    out = set()
    for piece, lcp in suffixes:
        if lcp == 0:
            out.add(piece[:1])
        if lcp <= 1 and len(piece) >= 2:
            out.add(piece[:2])
    return out


def matched(keys: SearchKeys, query: str) -> str | None:
    """What a normalised query matched, the most telling first: an exact code or licence,
    then a key it starts, then any key it occurs in (``None`` if none)."""
    fields = keys.fields
    for what in ("code", "licence"):
        if query in fields[what]:
            return what
    order = ("code", "licence", "phone", "name", "initials", "pinyin")
    for what in order:
        if any(k.startswith(query) for k in fields[what]):
            return what
    for what in order:
        if any(query in k for k in fields[what]):
            return what
    return None
