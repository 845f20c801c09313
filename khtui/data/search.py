"""Retailer lookup: bitmaps of retailers by search token, kept beside the retailers.

One input finds retailers by name substring, pinyin initials, full pinyin, customer code,
licence number or phone (any part of it, e.g. the last four digits); ``domain/search_keys.py``
says what matches and how results are ranked (exact code or licence, then usual-reading
matches that start a key, other usual matches, then rare-reading matches). Each keystroke is
answered from the index alone: the page of 50 and the exact count, without reading the
retailers table except for the rows shown.

The index (migration ``V_SEARCH_BITMAPS`` in ``data/schema.py``):

* ``search_keys``: one row per retailer, its ``rid`` (a small integer: customer-code order as
  of the last rebuild, then retailers added since, which is the order within a rank group), a
  fingerprint of its keys, so a write that does not change them costs no pinyin;
* ``search_postings``: per token (``key``, ``pos``, ``rare``) the set of rids that have it, in
  the smallest of the forms below (a list of gaps, or a zlib-compressed bitmap). A query is a
  chain of tokens at consecutive positions, so it is one bitwise AND per piece (Python
  integers as bitmaps), and the count is a popcount;
* ``search_delta``, ``search_dead``: the retailers written since the last rebuild. A write does
  not touch the bitmaps: it marks the retailer's rid dead in them and adds its tokens as plain
  rows, which queries OR in. Many of them (more than ``BULK`` retailers at once, more than the
  index holds, or a delta grown past ``DELTA_MAX`` retailers) rebuild the whole index instead;
* ``search_long``: retailers with a key longer than ``KEY_CHARS``, of which only the first
  characters are indexed: their whole keys are checked at each query (such keys are rare).

Typing a query asks for the same tokens again, one more at each keystroke: the sets a
keystroke read and decoded are kept for the next while the index is unchanged (a count in
``meta`` that every write to the index moves on, whichever connection or process writes), so
a keystroke reads and decodes only the tokens it adds.

Size: about a twentieth of the former suffix index (13 MB against about 250 MB at 100,000
retailers, less than the retailers table itself); bench/RESULTS.md has the measured figures.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from khtui.data.base import StoreBase, placeholders

# How a retailer is listed (the lookup's results, the CLI's retailer list): who, where on its
# route, its status and tier.
LISTED_COLUMNS = ("code", "name", "route", "route_seq", "status", "tier")
# The columns of a result row (besides ``match``), as the contract names them.
RESULT_COLUMNS = (
    *LISTED_COLUMNS,
    "phone",
    "licence_no",
    "address",
)
# More retailers than this in one write: rebuild the whole index instead of row by row.
BULK = 2000
# Retailers written since the last rebuild beyond which a write rebuilds the index.
DELTA_MAX = 5000
# A keystroke whose best-ranked group (keys that start with the query) alone holds at least this
# many retailers is answered from that group: the page, and "COUNT_CAP or more" for the count
# (counting every match of a prefix nearly every code shares costs more than the page).
COUNT_CAP = 1000
# The index's sets read and decoded for a keystroke are kept for the next ones (typing a query
# reads the same keys again, one more at a time) while the index is unchanged, up to this many
# decoded sets (a performance setting: a few MiB at most).
KEPT_SETS = 1000
# meta key: a count every write to the index moves on (whoever writes it), which tells a kept
# reader it is out of date
_GENERATION = "search_generation"
_STALE = "search_index_stale"
_LIST, _ZLIB = b"L", b"Z"


# -- bitmaps ------------------------------------------------------------------------------------
# A set of rids is stored in the smallest of four forms and used as a Python integer whose bit r
# is set for rid r (AND, OR and popcount run in C):
#   L  a few rids: LEB128 varints of the gaps (decoded in Python);
#   G  the gaps as bytes, a 0 byte standing for the next gap from a uint32 tail (gaps >= 256);
#   H  the same with uint16 gaps (sparser sets);
#   Z  a zlib-compressed bitmap (dense sets).
# G and H decode with a few numpy calls (varints cost four times as much to decode there); a
# chain of three or more pieces intersects them as rid arrays, without building bitmaps.
_GAPS8, _GAPS16 = b"G", b"H"
_FEW = 8


def encode_rids(rids: Sequence[int]) -> bytes:
    """Sorted distinct positive rids (at least one) as stored in ``search_postings.rids``."""
    import numpy as np

    if len(rids) <= _FEW:
        return _LIST + _varints(rids)
    arr = np.asarray(rids, dtype=np.int64)
    gaps = np.diff(arr, prepend=0)
    forms = []
    for tag, dtype in ((_GAPS8, np.uint8), (_GAPS16, np.uint16)):
        limit = np.iinfo(dtype).max
        small = np.where(gaps > limit, 0, gaps).astype(dtype)
        big = gaps[gaps > limit].astype("<u4")
        head = len(small).to_bytes(4, "little")
        forms.append(
            tag + head + small.astype(np.dtype(dtype).newbyteorder("<")).tobytes() + big.tobytes()
        )
    listed = min(forms, key=len)
    flags = np.zeros(int(arr[-1]) + 1, dtype=bool)
    flags[arr] = True
    packed = _ZLIB + zlib.compress(np.packbits(flags, bitorder="little").tobytes(), 6)
    return packed if len(packed) <= len(listed) else listed


def _list_rids(blob: bytes) -> list[int]:
    """The rids of a stored list (tag ``_LIST``): ascending, each written as its gap from the
    one before in 7-bit groups, low group first, the high bit set on all groups but the last."""
    rids = []
    rid = shift = gap = 0
    for byte in blob[1:]:
        gap |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        rid += gap
        rids.append(rid)
        gap = shift = 0
    return rids


def decode_rids(blob: bytes) -> int:
    """A stored rid set as a bitmap (a Python integer)."""
    tag = blob[:1]
    if tag == _ZLIB:
        return int.from_bytes(zlib.decompress(blob[1:]), "little")
    if tag == _LIST:
        bits = 0
        for rid in _list_rids(blob):
            bits |= 1 << rid
        return bits
    return _bitmap(decode_sparse(blob))


def decode_sparse(blob: bytes):
    """A stored list's rids as a sorted numpy array (``None`` for a bitmap): cheap to get,
    and enough to tell whether two sets meet."""
    import numpy as np

    tag = blob[:1]
    if tag == _ZLIB:
        return None
    if tag == _LIST:
        return np.array(_list_rids(blob), dtype=np.int64)
    n = int.from_bytes(blob[1:5], "little")
    dtype = np.dtype("<u1" if tag == _GAPS8 else "<u2")
    small = np.frombuffer(blob, dtype=dtype, count=n, offset=5)
    gaps = small.astype(np.int64)
    escaped = small == 0
    if escaped.any():
        gaps[escaped] = np.frombuffer(blob, dtype="<u4", offset=5 + n * dtype.itemsize)
    return np.cumsum(gaps)


def _intersect(a, b):
    """The rids in both sorted arrays."""
    import numpy as np

    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] == a]


def _without(a, sorted_rids):
    """Sorted array ``a`` less the rids of another sorted array."""
    import numpy as np

    if not len(a):
        return a
    at = np.minimum(np.searchsorted(sorted_rids, a), len(sorted_rids) - 1)
    return a[sorted_rids[at] != a]


def _varints(rids: Sequence[int]) -> bytes:
    """The gaps between sorted rids as LEB128 varints."""
    out = bytearray()
    prev = 0
    for r in rids:
        gap, prev = r - prev, r
        while gap >= 0x80:
            out.append((gap & 0x7F) | 0x80)
            gap >>= 7
        out.append(gap)
    return bytes(out)


def _bitmap(rids) -> int:
    """A bitmap of the rids in a numpy array."""
    import numpy as np

    if len(rids) == 0:
        return 0
    flags = np.zeros(int(rids.max()) + 1, dtype=bool)
    flags[rids] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def _ints(rids: Iterable[int]) -> int:
    """A bitmap of these rids."""
    rids = list(rids)
    if len(rids) > 32:
        import numpy as np

        return _bitmap(np.asarray(rids, dtype=np.int64))
    bits = 0
    for r in rids:
        bits |= 1 << r
    return bits


def bit_positions(bits: int, skip: int, limit: int) -> list[int]:
    """The set bits of ``bits`` in ascending order, after skipping ``skip`` of them (read a
    block at a time: a page needs the first few only)."""
    if bits <= 0 or limit <= 0:
        return []
    import numpy as np

    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    out: list[int] = []
    block = 512
    for start in range(0, len(raw), block):
        chunk = raw[start : start + block]
        n = int.from_bytes(chunk, "little").bit_count()
        if skip >= n:
            skip -= n
            continue
        found = np.flatnonzero(np.unpackbits(np.frombuffer(chunk, np.uint8), bitorder="little"))
        out += (found[skip : skip + limit - len(out)] + start * 8).tolist()
        skip = 0
        if len(out) >= limit:
            break
    return out


# -- one query ---------------------------------------------------------------------------------
@dataclass
class _Hits:
    """Where a query matched, per kind of key: retailers it starts a key of, and those it
    occurs in at all; ``usual`` without rare readings, ``any`` with them."""

    starts: dict[str, int] = field(default_factory=dict)  # match name -> bitmap (any reading)
    occurs: dict[str, int] = field(default_factory=dict)
    starts_usual: int = 0
    occurs_usual: int = 0
    starts_any: int = 0
    occurs_any: int = 0


@dataclass
class _Answer:
    """A query's ranked groups: exact rids (in order), then disjoint bitmaps."""

    exact: list[int]
    groups: list[int]
    hits: _Hits
    capped: bool = False  # the groups are the first only, of COUNT_CAP retailers or more

    @property
    def total(self) -> int:
        if self.capped:
            return COUNT_CAP
        return len(self.exact) + sum(g.bit_count() for g in self.groups)

    def page(self, offset: int, limit: int) -> list[int]:
        out = self.exact[offset : offset + limit]
        offset = max(0, offset - len(self.exact))
        for g in self.groups:
            if len(out) >= limit:
                break
            n = g.bit_count()
            if offset >= n:
                offset -= n
                continue
            out += bit_positions(g, offset, limit - len(out))
            offset = 0
        return out

    def matches(self, rids: list[int], exact_what: dict[int, str]) -> dict[int, str | None]:
        """What each of these rids matched: exact code or licence, else the first key it
        starts, else the first it occurs in (the order of ``_Hits.starts``)."""
        out: dict[int, str | None] = {r: exact_what.get(r) for r in rids}
        todo = [r for r in rids if out[r] is None]
        for table in (self.hits.starts, self.hits.occurs):
            for what, bits in table.items():
                if not todo or not bits:
                    continue
                raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
                hit = [r for r in todo if r >> 3 < len(raw) and raw[r >> 3] >> (r & 7) & 1]
                for r in hit:
                    out[r] = what
                todo = [r for r in todo if out[r] is None]
        return out


class _Postings:
    """Reads token bitmaps for one query: the stored bitmaps less the dead rids, plus the
    rows written since the last rebuild. Each key is read once, and each of its positions
    decoded only when a chain reaches it."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        import numpy as np

        dead = conn.execute("SELECT group_concat(rid) FROM search_dead").fetchone()[0]
        self.dead_rids = np.array(sorted(map(int, dead.split(","))) if dead else [], np.int64)
        self.dead = _ints(self.dead_rids.tolist())
        self.rows: dict[str, dict[int, list]] = {}  # key -> pos -> [blobs/rids by class]
        self.done: dict[tuple[Any, ...], Any] = {}  # answers by what was asked

    def positions(self, key: str) -> dict[int, list]:
        got = self.rows.get(key)
        if got is None:
            self.load([key])
            got = self.rows[key]
        return got

    def load(self, keys: Iterable[str]) -> None:
        """Read these keys in one statement rather than one each."""
        keys = [k for k in dict.fromkeys(keys) if k not in self.rows]
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        rows: dict[str, dict[int, list]] = {k: {} for k in keys}
        for key, pos, cls, blob, added in self.conn.execute(
            f"SELECT key, pos, rare, rids, NULL FROM search_postings WHERE key IN ({marks}) "
            "UNION ALL SELECT key, pos, rare, NULL, group_concat(rid) FROM search_delta "
            f"WHERE key IN ({marks}) GROUP BY key, pos, rare",
            (*keys, *keys),
        ):
            parts = rows[key].setdefault(pos, [[], []])
            parts[cls].append(blob if blob is not None else added)
        self.rows.update(rows)

    def place_size(self, key: str, pos: int) -> int:
        """Bytes stored for ``key`` at ``pos`` (usual readings; the key read before)."""
        parts = self.rows[key].get(pos)
        return sum(len(item) for item in parts[0]) if parts else 0

    def at(self, key: str, pos: int, rare: int) -> int:
        """Retailers with ``key`` at ``pos``: usual readings only (``rare`` 0) or any (1)."""
        memo = (key, pos, rare)
        got = self.done.get(memo)
        if got is None:
            parts = self.positions(key).get(pos)
            if parts is None:
                got = 0
            elif rare:
                got = self.at(key, pos, 0) | self._decode(parts[1])
            else:
                got = self._decode(parts[0])
            self.done[memo] = got
        return got

    def sparse(self, keys: list[str], pos: int, order: list[int], parts: list, rare: int):
        """The sets of a chain's keys at their positions from ``pos`` as rid arrays, in
        ``order``, when each is one stored list (no bitmap, no rows written since the
        rebuild: then the bitmaps decide); else ``None``."""
        arrays = []
        for i in order:
            items = parts[i][0] + (parts[i][1] if rare else [])
            if len(items) != 1 or not isinstance(items[0], bytes):
                return None
            memo = ("sparse", keys[i], pos + i, rare)
            got = self.done.get(memo, False)
            if got is False:
                got = self.done[memo] = decode_sparse(items[0])
                if got is not None and len(self.dead_rids):
                    got = self.done[memo] = _without(got, self.dead_rids)
            if got is None:
                return None
            arrays.append(got)
        return arrays

    def _decode(self, items: list) -> int:
        """Stored sets less the dead rids, and the rids written since ("1,5,9")."""
        bits = added = 0
        for item in items:
            if isinstance(item, str):
                added |= _ints(map(int, item.split(",")))
            else:
                bits |= decode_rids(item)
        if bits and self.dead:
            bits &= ~self.dead
        return bits | added


@dataclass
class _Reader:
    """What one keystroke reads of the index, kept for the next (see
    ``SearchOps._reading_index``): the index's generation it was read at, its sets, and the
    keys too long for it."""

    generation: str | None
    postings: _Postings
    long_keys: list[tuple[int, Any]]


def _chain(post: _Postings, keys: list[str], rare: int) -> dict[int, int]:
    """Start position -> retailers having keys[0] at it, keys[1] right after, and so on.
    Only positions where every key is stored are decoded, the smallest sets first."""
    out: dict[int, int] = {}
    places = []
    for key in keys:  # a key stored nowhere: no match, and the later keys are not read
        places.append(post.positions(key))
        if not places[-1]:
            return out
    for pos in places[0]:
        parts = [where.get(pos + i) for i, where in enumerate(places)]
        if not all(parts):
            continue
        order = sorted(range(len(keys)), key=lambda i: _stored_size(parts[i] or []))
        arrays = post.sparse(keys, pos, order, parts, rare) if len(keys) > 2 else None
        if arrays is not None:  # every set a stored list: intersect the rid arrays
            got = arrays[0]
            for other in arrays[1:]:
                if not len(got):
                    break
                got = _intersect(got, other)
            if len(got):
                out[pos] = _bitmap(got)
            continue
        bits = -1
        for i in order:
            bits &= post.at(keys[i], pos + i, rare)
            if not bits:
                break
        if bits > 0:
            out[pos] = bits
    return out


def _stored_size(parts: list) -> int:
    return sum(len(item) for items in parts for item in items)


def _text_keys(field_letter: str, q: str) -> list[str]:
    """The tokens a text key must hold, one after the other, to contain ``q``."""
    if len(q) == 1:
        return [field_letter + q]
    return [field_letter + q[i : i + 2] for i in range(len(q) - 1)]


def _text_hits(post: _Postings, field_letter: str, q: str) -> tuple[int, int]:
    """(starts, occurs) of a text key."""
    if len(q) == 1:
        starts = post.at(field_letter + q, 0, 0)
        return starts, starts | post.at(field_letter + q, 1, 0)
    chain = _chain(post, _text_keys(field_letter, q), 0)
    occurs = 0
    for bits in chain.values():
        occurs |= bits
    return chain.get(0, 0), occurs


def _full_pinyin(post: _Postings, q: str, rare: int) -> dict[int, int]:
    """Start position -> retailers whose pinyin from that character on starts with ``q``:
    whole readings, then a prefix of the next (all the ways ``q`` splits into syllables)."""
    from khtui.domain.search_keys import prefix_token, syllable_pieces

    out: dict[int, int] = {}
    # offset in q -> {(start position, syllables matched): bitmap}
    layers: dict[int, dict[tuple[int, int], int]] = {0: {}}
    for k in range(len(q)):
        if k not in layers:
            continue
        states = layers.pop(k)
        last = prefix_token(q[k:])
        if k == 0:
            for pos in post.positions(last):
                if got := post.at(last, pos, rare):
                    out[pos] = out.get(pos, 0) | got
        else:
            for (start, n), bits in states.items():
                if got := bits & post.at(last, start + n, rare):
                    out[start] = out.get(start, 0) | got
        for piece in syllable_pieces(q, k):
            whole = "f" + piece
            if not post.positions(whole):
                continue
            nxt = layers.setdefault(k + len(piece), {})
            if k == 0:
                for pos in post.positions(whole):
                    if got := post.at(whole, pos, rare):
                        nxt[(pos, 1)] = nxt.get((pos, 1), 0) | got
            else:
                for (start, n), bits in states.items():
                    if got := bits & post.at(whole, start + n, rare):
                        nxt[(start, n + 1)] = nxt.get((start, n + 1), 0) | got
    return out


def _pinyin_hits(post: _Postings, q: str, rare: int) -> tuple[dict[int, int], dict[int, int]]:
    initials = _chain(post, ["i" + ch for ch in q], rare)
    return initials, _full_pinyin(post, q, rare)


def _evaluate(post: _Postings, q: str, long_keys: list[tuple[int, Any]]) -> _Hits:
    from khtui.domain.search_keys import KEY_CHARS, TEXT_FIELDS

    hits = _Hits()
    post.load(k for letter, _ in TEXT_FIELDS for k in _text_keys(letter, q))
    for letter, what in TEXT_FIELDS:
        starts, occurs = _text_hits(post, letter, q)
        hits.starts[what], hits.occurs[what] = starts, occurs
    # keys longer than the index holds: checked whole (there are few)
    for rid, keys in long_keys:
        for letter, what in TEXT_FIELDS:
            text = keys.text(letter)
            if len(text) <= KEY_CHARS:
                continue
            if text.startswith(q):
                hits.starts[what] |= 1 << rid
            if q in text:
                hits.occurs[what] |= 1 << rid
    text_starts = text_occurs = 0
    for what in hits.starts:
        text_starts |= hits.starts[what]
        text_occurs |= hits.occurs[what]
    if any("a" <= ch <= "z" for ch in q):
        ini_u, full_u = _pinyin_hits(post, q, 0)
        ini_a, full_a = _pinyin_hits(post, q, 1)
    else:  # only characters that read as themselves: a match is a part of the name
        ini_u = full_u = ini_a = full_a = {}
    hits.starts["initials"] = ini_a.get(0, 0)
    hits.starts["pinyin"] = full_a.get(0, 0)
    hits.occurs["initials"] = _union(ini_a)
    hits.occurs["pinyin"] = _union(full_a)
    hits.starts_usual = text_starts | ini_u.get(0, 0) | full_u.get(0, 0)
    hits.occurs_usual = text_occurs | _union(ini_u) | _union(full_u)
    hits.starts_any = hits.starts_usual | hits.starts["initials"] | hits.starts["pinyin"]
    hits.occurs_any = hits.occurs_usual | hits.occurs["initials"] | hits.occurs["pinyin"]
    return hits


def _starts(post: _Postings, q: str, long_keys: list[tuple[int, Any]]) -> _Hits | None:
    """Where ``q`` starts a text key, reading each token at its place in a key's start only,
    when that is where COUNT_CAP or more retailers match in one kind of key; else None (also
    for a query with letters: pinyin takes part, see :func:`_evaluate`). A chain stops as
    soon as fewer than COUNT_CAP retailers are left in it, so a query that finds fewer costs
    a few set operations more than :func:`_evaluate` alone."""
    from khtui.domain.search_keys import KEY_CHARS, TEXT_FIELDS

    if any("a" <= ch <= "z" for ch in q):
        return None
    chains = {letter: _text_keys(letter, q) for letter, _ in TEXT_FIELDS}
    post.load(k for keys in chains.values() for k in keys)
    # field letter -> (retailers so far, the tokens still to AND in, smallest stored first)
    state: dict[str, tuple[int, list[int]]] = {}

    def run(letter: str, bits: int, todo: list[int], stop: bool) -> tuple[int, list[int]]:
        keys = chains[letter]
        while todo and bits:
            i = todo.pop(0)
            bits &= post.at(keys[i], i, 0)
            if stop and bits.bit_count() < COUNT_CAP:
                break
        return bits, todo

    for letter, _ in TEXT_FIELDS:
        keys = chains[letter]
        order = sorted(range(len(keys)), key=lambda i: post.place_size(keys[i], i))
        state[letter] = run(letter, -1, order, True)
    if not any(bits > 0 and not todo for bits, todo in state.values()):
        return None
    hits = _Hits()
    for letter, what in TEXT_FIELDS:
        bits, _ = run(letter, *state[letter], False)
        hits.starts[what] = max(bits, 0)
        for rid, keys in long_keys:
            text = keys.text(letter)
            if len(text) > KEY_CHARS and text.startswith(q):
                hits.starts[what] |= 1 << rid
        hits.starts_usual |= hits.starts[what]
    hits.starts_any = hits.occurs_usual = hits.occurs_any = hits.starts_usual
    return hits


def _union(by_pos: dict[int, int]) -> int:
    out = 0
    for bits in by_pos.values():
        out |= bits
    return out


@dataclass(frozen=True)
class SearchPage:
    """One page of lookup results and the number of retailers found in all."""

    rows: list[dict]
    total: int
    capped: bool = False  # ``total`` is COUNT_CAP and there are that many or more


class _Query:
    def __init__(self, text: str):
        from khtui.domain.search_keys import normalise

        self.raw = (text or "").strip()
        self.q = normalise(text)


class SearchOps(StoreBase):
    """Mixin of :class:`khtui.data.store.Store`."""

    # whether this store has checked that the index holds every retailer (once per store)
    _search_checked: bool = False
    # the last keystroke's reader of the index, see :meth:`_reading_index`
    _kept_reader: _Reader | None = None
    # guards taking and giving back the kept reader (two assignments: one lock for all stores)
    _kept_lock = threading.Lock()

    # -- asking ------------------------------------------------------------------------------
    def lookup_retailers(
        self, query: str, limit: int = 50, offset: int = 0, *, exact_count: bool = False
    ) -> SearchPage:
        """One page of the retailers matching ``query``, ranked (see
        ``domain/search_keys.py``), and how many match in all: what the lookup screen needs
        at each keystroke, from one pass over the index. When the retailers whose keys start
        with the query are COUNT_CAP or more and hold the page, the count is not made:
        ``total`` is COUNT_CAP and ``capped`` is set (unless ``exact_count``)."""
        qq = _Query(query)
        if not qq.q:
            return SearchPage([], 0)
        offset = max(0, offset)
        upto = None if exact_count else offset + max(0, limit)
        answer, exact_what = self._answer(qq, upto)
        rids = answer.page(offset, limit) if limit > 0 else []
        rows = self._result_rows(rids, answer, exact_what)
        return SearchPage(rows, answer.total, answer.capped)

    def search_retailers(self, query: str, limit: int = 50, offset: int = 0) -> list[dict]:
        """The rows of :meth:`lookup_retailers`: code, name, route, route_seq, status, tier,
        phone, licence_no, address and ``match`` (code, licence, phone, name, initials or
        pinyin: what matched)."""
        if limit <= 0:
            return []
        return self.lookup_retailers(query, limit, offset).rows

    def count_search(self, query: str) -> int:
        """How many retailers ``search_retailers(query)`` finds in all."""
        return self.lookup_retailers(query, 0, exact_count=True).total

    # -- answering ---------------------------------------------------------------------------
    def _answer(self, qq: _Query, upto: int | None = None) -> tuple[_Answer, dict[int, str]]:
        """The ranked answer to a query (rids in groups) and what the exact rids matched.
        With ``upto`` (the end of the page wanted), the first group alone when it holds the
        page and at least COUNT_CAP retailers (the answer is then ``capped``)."""
        self._ensure_search_index()
        exact, exact_what = self._exact_rids(qq)
        with self._reading_index() as reader:
            return self._ranked(qq, upto, reader.postings, reader.long_keys, exact, exact_what)

    @staticmethod
    def _ranked(
        qq: _Query,
        upto: int | None,
        post: _Postings,
        long_keys: list[tuple[int, Any]],
        exact: list[int],
        exact_what: dict[int, str],
    ) -> tuple[_Answer, dict[int, str]]:
        not_exact = ~_ints(exact)
        starts = _starts(post, qq.q, long_keys) if upto is not None else None
        if starts is not None and upto is not None:
            first = starts.starts_usual & not_exact
            n = first.bit_count()
            if n >= COUNT_CAP and len(exact) + n >= upto:
                return _Answer(exact, [first], starts, capped=True), exact_what
        hits = _evaluate(post, qq.q, long_keys)
        usual = hits.occurs_usual & not_exact
        starts_usual = hits.starts_usual & usual
        rare = hits.occurs_any & ~hits.occurs_usual & not_exact
        starts_rare = hits.starts_any & rare
        groups = [starts_usual, usual & ~starts_usual, starts_rare, rare & ~starts_rare]
        return _Answer(exact, groups, hits), exact_what

    @contextlib.contextmanager
    def _reading_index(self) -> Iterator[_Reader]:
        """A reader of the index on this thread's connection, for one keystroke: the last
        keystroke's, with the sets it read and decoded, while the index is as it was then (its
        generation, moved on by every write to it from any connection); else a new one. A
        reader serves one keystroke at a time: one still busy with an earlier keystroke (a
        lookup the user has typed past) is left to it and a new one made. A reader that read
        inside a transaction is not kept."""
        conn = self.conn
        generation = self.meta(_GENERATION)
        with self._kept_lock:
            reader, self._kept_reader = self._kept_reader, None
        if (
            reader is None
            or reader.generation != generation
            or len(reader.postings.done) > KEPT_SETS
        ):
            reader = _Reader(generation, _Postings(conn), self._long_keys())
        reader.postings.conn = conn
        yield reader  # a lookup that fails drops its reader: it is not given back
        if not conn.in_transaction:  # else it may have read writes that are rolled back
            with self._kept_lock:
                self._kept_reader = reader

    def forget_lookup(self) -> None:
        """Drop the sets the last keystrokes read: the next one reads the index afresh."""
        with self._kept_lock:
            self._kept_reader = None

    def _exact_rids(self, qq: _Query) -> tuple[list[int], dict[int, str]]:
        """Retailers whose code or licence number is the query, by code."""
        values = list(dict.fromkeys((qq.raw, qq.raw.upper(), qq.q)))
        marks = placeholders(values)
        rows = self.conn.execute(
            f"SELECT k.rid, r.code, r.licence_no FROM retailers r JOIN search_keys k "
            f"ON k.code = r.code WHERE r.code IN ({marks}) OR r.licence_no IN ({marks}) "
            "ORDER BY r.code",
            (*values, *values),
        ).fetchall()
        what = {r[0]: "code" if r[1] in values else "licence" for r in rows}
        return [r[0] for r in rows], what

    def _long_keys(self) -> list[tuple[int, Any]]:
        from khtui.domain.search_keys import SearchKeys, normalise

        long = [r[0] for r in self.conn.execute("SELECT rid FROM search_long")]
        if not long:
            return []
        rows = self.conn.execute(
            "SELECT k.rid, r.name, r.code, r.licence_no, r.phone FROM search_keys k "
            f"JOIN retailers r ON r.code = k.code WHERE k.rid IN ({','.join('?' * len(long))})",
            long,
        ).fetchall()
        return [
            (
                r[0],
                SearchKeys(normalise(r[1]), normalise(r[2]), normalise(r[3]), normalise(r[4]), ()),
            )
            for r in rows
        ]

    def _result_rows(
        self, rids: list[int], answer: _Answer, exact_what: dict[int, str]
    ) -> list[dict]:
        if not rids:
            return []
        cols = ", ".join(f"r.{c}" for c in RESULT_COLUMNS)
        rows = self.rows_by(
            "rid",
            f"SELECT k.rid AS rid, {cols} FROM search_keys k "
            f"JOIN retailers r ON r.code = k.code WHERE k.rid IN ({placeholders(rids)})",
            rids,
        )
        matched = answer.matches(rids, exact_what)
        out = []
        for rid in rids:
            row = rows.get(rid)
            if row is None:
                continue
            item: dict[str, Any] = {c: row[c] for c in RESULT_COLUMNS}
            item["match"] = matched[rid]
            out.append(item)
        return out

    # -- keeping the index -------------------------------------------------------------------
    def _index_retailers(self, conn: sqlite3.Connection, codes: Iterable[str]) -> int:
        """(Re)index these retailers inside the caller's transaction; a code no longer in
        ``retailers`` leaves the index. A bulk write (an import) rebuilds it whole, which is
        cheaper than row by row."""
        from khtui.domain.search_keys import index_tokens, keys_signature, retailer_keys

        codes = list(dict.fromkeys(codes))
        indexed = conn.execute("SELECT count(*) FROM search_keys").fetchone()[0]
        if len(codes) > BULK or len(codes) > max(indexed, 1):
            # an import, the demo, the first retailers: cheaper whole, and in code order
            return self.rebuild_search_index()
        n, changed = 0, False
        for code in codes:
            old = conn.execute(
                "SELECT rid, sig FROM search_keys WHERE code = ?", (code,)
            ).fetchone()
            row = conn.execute(
                "SELECT name, licence_no, phone FROM retailers WHERE code = ?", (code,)
            ).fetchone()
            sig = long = None
            if row is not None:
                sig, long = keys_signature(row["name"], code, row["licence_no"], row["phone"])
                if old is not None and old["sig"] == sig:
                    continue
            if old is None and row is None:
                continue  # neither indexed nor a retailer
            changed = True
            if old is not None:
                rid = old["rid"]
                conn.execute("INSERT OR IGNORE INTO search_dead (rid) VALUES (?)", (rid,))
                conn.execute("DELETE FROM search_delta WHERE rid = ?", (rid,))
                conn.execute("DELETE FROM search_long WHERE rid = ?", (rid,))
                if row is None:
                    conn.execute("DELETE FROM search_keys WHERE rid = ?", (rid,))
                    continue
                conn.execute("UPDATE search_keys SET sig = ? WHERE rid = ?", (sig, rid))
            else:
                rid = conn.execute(
                    "INSERT INTO search_keys (code, sig) VALUES (?, ?)", (code, sig)
                ).lastrowid
            keys = retailer_keys(row["name"], code, row["licence_no"], row["phone"])
            conn.executemany(
                "INSERT INTO search_delta (key, pos, rare, rid) VALUES (?, ?, ?, ?)",
                [(k, p, c, rid) for k, p, c in index_tokens(keys)],
            )
            if long:
                conn.execute("INSERT INTO search_long (rid) VALUES (?)", (rid,))
            n += 1
        if changed:
            _new_generation(conn)
        if n and self._delta_retailers(conn) > DELTA_MAX:
            self.rebuild_search_index()
        return n

    @staticmethod
    def _delta_retailers(conn: sqlite3.Connection) -> int:
        """Retailers written since the last rebuild (dead in the bitmaps or new)."""
        built = conn.execute("SELECT value FROM meta WHERE key = 'search_built_rids'").fetchone()
        top = conn.execute("SELECT max(rid) FROM search_keys").fetchone()[0] or 0
        dead = conn.execute("SELECT count(*) FROM search_dead").fetchone()[0]
        return dead + max(0, top - int(built[0] if built else 0))

    def rebuild_search_index(self, progress: Callable[[int], None] | None = None) -> int:
        """Build the whole lookup index afresh from ``retailers`` (after a bulk load, or on a
        database that predates it). One transaction (or part of the caller's); returns the
        number of retailers."""
        from array import array

        from khtui.domain.search_keys import index_tokens, retailer_keys, signature_of

        rows = self.query("SELECT code, name, licence_no, phone FROM retailers ORDER BY code")
        postings: dict[tuple[str, int, int], array] = {}
        keyed, long = [], []
        for rid, r in enumerate(rows, start=1):
            keys = retailer_keys(r["name"], r["code"], r["licence_no"], r["phone"])
            sig, is_long = signature_of(keys)
            keyed.append((rid, r["code"], sig))
            if is_long:
                long.append((rid,))
            for token in index_tokens(keys):
                got = postings.get(token)
                if got is None:
                    postings[token] = got = array("I")
                got.append(rid)
            if progress is not None and rid % 10000 == 0:
                progress(rid)
        with self.write() as conn:
            for table in ("search_postings", "search_delta", "search_dead", "search_long"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM search_keys")
            conn.executemany("INSERT INTO search_keys (rid, code, sig) VALUES (?, ?, ?)", keyed)
            conn.executemany("INSERT INTO search_long (rid) VALUES (?)", long)
            conn.executemany(
                "INSERT INTO search_postings (key, pos, rare, rids) VALUES (?, ?, ?, ?)",
                (
                    (key, pos, cls, encode_rids(list(rids)))
                    for (key, pos, cls), rids in sorted(postings.items())
                ),
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('search_built_rids', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(len(keyed)),),
            )
            conn.execute("DELETE FROM meta WHERE key = ?", (_STALE,))
            _new_generation(conn)
        self._search_checked = True
        return len(keyed)

    def _ensure_search_index(self) -> None:
        """Once per store: build the index if a migration or a bulk load left it stale (or
        it does not hold every retailer)."""
        if self._search_checked:
            return
        stale = self.meta(_STALE) == "1" or self.scalar(
            "SELECT count(*) FROM retailers"
        ) != self.scalar("SELECT count(*) FROM search_keys")
        if stale:
            self.rebuild_search_index()
        self._search_checked = True


def _new_generation(conn: sqlite3.Connection) -> None:
    """Mark the index written (inside the writer's transaction): kept readers read it again."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (_GENERATION,),
    )
