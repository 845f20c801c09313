"""Search keys of a retailer: normalised text, its pinyin, and the index tokens built from them.

Pure functions, no I/O. The data layer (``data/search.py``) stores what :func:`index_tokens`
returns, once per retailer write, and answers each keystroke from bitmaps of retailers.

**What is found.** A query ``q`` (normalised like the keys) finds a retailer when it occurs in
its customer code, licence number, phone or shop name (anywhere: the last four digits of a
phone are enough), in the pinyin initials of the name (``yhl`` → 银行路) or in its full pinyin
from the start of a syllable on (``hanglu``, ``changa``). Never fewer retailers than a
``LIKE '%q%'`` over name, code, licence and phone finds.

**Readings.** Every character of the name keeps its readings (at most ``MAX_READINGS``),
in two classes:

* *usual*: the reading in context, from pypinyin's phrase dictionary where the character is
  part of a phrase (银行 yín**háng**, 重庆 **chóng**qìng, 长安 **cháng**ān, 朝阳 zhāo/cháo);
  otherwise the character's most common reading (小巷 xiǎo**xiàng**), or its reading in shop
  and place names (:data:`NAME_READINGS`: 长岭 **cháng**lǐng); for the first character of the
  name also its reading as a surname (:data:`SURNAMES`: 曾记 **zēng**, 单家 **shàn**, next to
  the common céng and dān, which people type too); for the last, its reading as the kind of
  shop (:data:`LAST_READINGS`: 烟酒**háng**, next to xíng);
* *rare*: every other reading (长 zhǎng in 长安, 行 xíng in 银行, 巷 hàng in 小巷).

**Ranking**, as ``data/search.py`` applies it: (1) an exact customer code or licence number;
(2) a *usual* match that starts a key (a code typed from its start, a name's first characters,
``cq`` for 重庆…); (3) a *usual* match inside a key; (4) a match that needs a *rare* reading
and starts the name's pinyin; (5) the other rare-reading matches. So a rare-reading match never
outranks a usual one (``z`` lists 曾记 before 长安, ``zq`` finds 重庆 only after every usual
z-q). Within a group, retailers come in customer-code order (those added since the index was
last rebuilt after the others).

**Linear and bounded.** Readings are kept per character (a lattice), never multiplied out into
variants: tokens grow linearly with the key, a few per character whatever the readings, and
only the first ``KEY_CHARS`` characters of a key are indexed (longer keys are verified by the
data layer, see ``data/search.py``).

**Tokens** (``key``, ``pos``, ``rare``), each meaning "this retailer has …":

* text keys (``c`` code, ``l`` licence, ``p`` phone, ``n`` name): every two-character piece at
  its position (``n银行``, 2), and every character once, at position 0 if the key starts with
  it, else 1;
* pinyin, by character position: ``i`` + the initial of a reading, ``f`` + a whole reading,
  ``y`` + each longer prefix of a reading (``yzh``, ``yzha``, ``yzhan``, ``yzhang``).

A query is the chain of its pieces at consecutive positions, so every match is exact (a
retailer is counted once, whatever number of places it matches).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Characters of a key that the index holds positions for (longer keys: see data/search.py).
KEY_CHARS = 64
# Readings kept per character (pypinyin lists up to 7 for a few; shops use the first ones).
MAX_READINGS = 4
# Characters dropped from keys and queries: spaces and the separators people type in phones
# and codes (139-7277-0615, 3701 0210 0001).
_DROP = frozenset(" \t\r\n\u3000-_")
# Text keys by the letter their tokens start with, in the order a match is reported.
TEXT_FIELDS = (("c", "code"), ("l", "licence"), ("p", "phone"), ("n", "name"))
# Readings a character has in shop and place names where no phrase of pypinyin's says otherwise
# and its dictionary's first reading is another (长岭, 长清 cháng, not zhǎng).
NAME_READINGS = {"长": "chang"}
# Readings of the last character of a shop name as the kind of shop (烟酒行, 车行 háng).
LAST_READINGS = {"行": "hang"}
# Readings of a character as a surname, where they differ from its common reading; used for
# the first character of a name (曾记 zēng, 单家 shàn, 解记 xiè, 仇家 qiú …).
SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "查": "zha",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "召": "shao",
    "种": "chong",
    "重": "chong",
    "尉": "yu",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "折": "she",
    "句": "gou",
    "隗": "wei",
    "祭": "zhai",
    "黑": "he",
    "宿": "su",
    "能": "nai",
    "谌": "chen",
}


def normalise(text: str | None) -> str:
    """The form keys and queries are compared in: full-width to half-width (NFKC), lower
    case, without spaces or dashes, without control characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in text if ch not in _DROP and ch.isprintable())


@dataclass(frozen=True)
class Syllable:
    """The readings of one character of a name: usual ones first, then rare ones."""

    usual: tuple[str, ...]
    rare: tuple[str, ...] = ()

    @property
    def readings(self) -> tuple[str, ...]:
        return self.usual + self.rare


@dataclass(frozen=True)
class SearchKeys:
    """Everything a retailer can be found by, normalised: the name, code, licence and phone
    as text, and the pinyin of the name's first ``KEY_CHARS`` characters (one
    :class:`Syllable` per character, so ``pinyin[i]`` reads ``name[i]``)."""

    name: str
    code: str
    licence: str
    phone: str
    pinyin: tuple[Syllable, ...]

    def text(self, field: str) -> str:
        """A text key by its field letter (``c``, ``l``, ``p``, ``n``)."""
        return {"c": self.code, "l": self.licence, "p": self.phone, "n": self.name}[field]

    @property
    def initials(self) -> str:
        """The usual initials, one per character (``yhlbmd`` for 银行路便民店)."""
        return "".join(s.usual[0][:1] for s in self.pinyin)

    @property
    def full_pinyin(self) -> str:
        """The usual full pinyin (``yinhanglubianmindian``)."""
        return "".join(s.usual[0] for s in self.pinyin)


_CHAR_READINGS: dict[str, tuple[str, ...]] = {}


@functools.cache  # a few thousand toned readings in all
def _plain(reading: str) -> str:
    """A toned reading without its tone marks, ü written v (as people type it): lǜ → lv."""
    decomposed = unicodedata.normalize("NFKD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def _char_readings(ch: str) -> tuple[str, ...]:
    """Every reading of one character, most common first (cached); () for none."""
    got = _CHAR_READINGS.get(ch)
    if got is None:
        from pypinyin.constants import PINYIN_DICT

        raw = PINYIN_DICT.get(ord(ch))
        got = tuple(dict.fromkeys(p for r in raw.split(",") if (p := _plain(r)))) if raw else ()
        _CHAR_READINGS[ch] = got
    return got


def _syllable(usual: list[str], others: tuple[str, ...]) -> Syllable:
    return _syllable_of(tuple(usual), others)


@functools.cache  # the same few per character, whatever the name
def _syllable_of(usual: tuple[str, ...], others: tuple[str, ...]) -> Syllable:
    first = list(dict.fromkeys(usual))[:MAX_READINGS]
    rare = [r for r in others if r not in first][: max(0, MAX_READINGS - len(first))]
    return Syllable(tuple(first), tuple(rare))


def name_pinyin(name: str | None) -> tuple[Syllable, ...]:
    """The readings of each character of the (normalised) name's first ``KEY_CHARS``
    characters. A character without a reading (a letter, a digit, a sign) reads as itself.
    Work and result are linear in the name's length, whatever its characters.

    >>> [s.usual for s in name_pinyin("银行")]
    [('yin',), ('hang',)]
    """
    return _pinyin_of(normalise(name))


def _pinyin_of(normalised: str) -> tuple[Syllable, ...]:
    """:func:`name_pinyin` of a name already normalised."""
    text = normalised[:KEY_CHARS]
    if not text:
        return ()
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg.simpleseg import seg

    out: list[Syllable] = []
    for word in seg(text):
        phrase = PHRASES_DICT.get(word) if len(word) > 1 else None
        for i, ch in enumerate(word):
            readings = _char_readings(ch)
            if not readings:
                out.append(Syllable((ch,)))
                continue
            if phrase is not None and i < len(phrase):
                usual = [p for r in phrase[i] if (p := _plain(r))] or [readings[0]]
            else:
                usual = [NAME_READINGS.get(ch, readings[0])]
            if not out and ch in SURNAMES:  # the first character of the name
                usual.append(SURNAMES[ch])
            out.append(_syllable(usual, readings))
    if out and text[-1] in LAST_READINGS:  # 烟酒行 háng, whatever the phrase before it
        last = out[-1]
        out[-1] = _syllable([*last.usual, LAST_READINGS[text[-1]]], last.readings)
    return tuple(out)


def retailer_keys(
    name: str | None, code: str | None, licence: str | None, phone: str | None
) -> SearchKeys:
    name_text = normalise(name)
    return SearchKeys(
        name=name_text,
        code=normalise(code),
        licence=normalise(licence),
        phone=normalise(phone),
        pinyin=_pinyin_of(name_text),
    )


def keys_signature(name: str | None, code: str | None, licence: str | None, phone: str | None):
    """A short fingerprint of what a retailer is found by (no pinyin work): equal
    fingerprints, equal tokens. Also says whether a key is longer than ``KEY_CHARS``."""
    return _signature([normalise(v) for v in (name, code, licence, phone)])


def signature_of(keys: SearchKeys) -> tuple[int, bool]:
    """:func:`keys_signature` of keys already made (their texts are already normalised)."""
    return _signature([keys.name, keys.code, keys.licence, keys.phone])


def _signature(texts: list[str]) -> tuple[int, bool]:
    digest = hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True), any(len(t) > KEY_CHARS for t in texts)


Token = tuple[str, int, int]  # (key, position, 1 if it needs a rare reading else 0)


def index_tokens(keys: SearchKeys) -> set[Token]:
    """The tokens of a retailer (see the module docstring); a few per character of each key."""
    out: set[Token] = set()
    for field, _name in TEXT_FIELDS:
        text = keys.text(field)[:KEY_CHARS]
        if not text:
            continue
        out.add((field + text[0], 0, 0))
        out.update((field + ch, 1, 0) for ch in set(text[1:]) if ch != text[0])
        out.update((field + text[i : i + 2], i, 0) for i in range(len(text) - 1))
    usual: set[tuple[str, int]] = set()
    rare: set[tuple[str, int]] = set()
    for pos, syllable in enumerate(keys.pinyin):
        for group, readings in ((usual, syllable.usual), (rare, syllable.rare)):
            for r in readings:
                group.add(("i" + r[0], pos))
                group.add(("f" + r, pos))
                group.update(("y" + r[:n], pos) for n in range(2, len(r) + 1))
    out.update((k, p, 0) for k, p in usual)
    out.update((k, p, 1) for k, p in rare - usual)
    return out


# -- queries -----------------------------------------------------------------------------------
# Every toneless reading of two letters or more that pypinyin gives any character (the test
# suite checks this list against pypinyin's own): what a whole-syllable piece of a query can
# be. Written out so that a keystroke never waits for pypinyin's dictionaries to load.
_SYLLABLE_TEXT = """
    ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca
    cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu
    chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao
    de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun duo ei en eng er
    fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua
    guai guan guang gui gun guo ha hai han hang hao he hei hen heng hm hng hong hou hu hua huai
    huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai
    kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao
    le lei len leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang
    nao ne nei nen neng ng ni nia nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv
    nve ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian
    qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru
    rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen
    sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta
    tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan
    wang wei wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen
    zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang
    zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
_SYLLABLES = frozenset(_SYLLABLE_TEXT.split())


def syllables() -> frozenset[str]:
    """Every toneless reading of two letters or more (see ``_SYLLABLE_TEXT``)."""
    return _SYLLABLES


LONGEST_SYLLABLE = 6  # zhuang, chuang, shuang


def syllable_pieces(query: str, start: int) -> Iterator[str]:
    """The whole readings ``query`` can continue with at ``start``, leaving at least one
    character after them: any single character (letters and digits read as themselves, and
    a, e, o are syllables) or a pinyin syllable."""
    known = syllables()
    for n in range(1, min(LONGEST_SYLLABLE, len(query) - start - 1) + 1):
        piece = query[start : start + n]
        if n == 1 or piece in known:
            yield piece


def prefix_token(piece: str) -> str:
    """The token of "a reading at this position starts with ``piece``"."""
    return ("i" if len(piece) == 1 else "y") + piece


def matched(keys: SearchKeys, query: str) -> str | None:
    """What a normalised query matched, for keys held in memory (the data layer reports the
    same from its bitmaps): an exact code or licence, then the first text key or pinyin it
    starts, then the first it occurs in (``None`` if none)."""
    if not query:
        return None
    if query == keys.code:
        return "code"
    if query == keys.licence:
        return "licence"
    texts = [(name, keys.text(field)) for field, name in TEXT_FIELDS]
    for name, text in texts:
        if text.startswith(query):
            return name
    initials, full = pinyin_match(keys.pinyin, query)
    if 0 in initials:
        return "initials"
    if 0 in full:
        return "pinyin"
    for name, text in texts:
        if query in text:
            return name
    if initials:
        return "initials"
    if full:
        return "pinyin"
    return None


def pinyin_match(
    pinyin: tuple[Syllable, ...], query: str, rare: bool = True
) -> tuple[set[int], set[int]]:
    """Where ``query`` matches the initials and the full pinyin (positions of the first
    character), using rare readings too if ``rare``. The reference the index agrees with."""

    def readings(pos: int) -> tuple[str, ...]:
        s = pinyin[pos]
        return s.readings if rare else s.usual

    n = len(pinyin)
    initials = {
        p
        for p in range(n - len(query) + 1)
        if all(any(r[0] == query[i] for r in readings(p + i)) for i in range(len(query)))
    }
    full: set[int] = set()

    def walk(start: int, k: int, pos: int) -> None:
        if pos >= n:
            return
        rest = query[k:]
        if any(r.startswith(rest) for r in readings(pos)):
            full.add(start)
        for r in readings(pos):
            if len(r) < len(rest) and rest.startswith(r):
                walk(start, k + len(r), pos + 1)

    for p in range(n):
        walk(p, 0, p)
    return initials, full
