"""Free text grouped so that a report reads at a glance (一目了然): the same remark made by
eight retailers is one line with its count, not eight lines.

The rule that makes two texts "the same" (:func:`same_key`): they are equal once both are
folded with Unicode NFKC (full-width letters, digits and punctuation become their usual forms),
case-folded, and stripped of every space, punctuation mark and symbol. So
"希望增加细支烟供应！" and "希望增加 细支烟供应" are the same; "希望增加细支烟品种" is not.
Two texts are *near-same* when their folded forms match at least ``ratio`` of their characters
(difflib's ratio; the rules' ``reports.same_text_ratio``); the first text seen of a group names
it.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field


def same_key(text: str) -> str:
    """The folded form of ``text``: two texts with the same key are the same remark."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")


@dataclass
class TextGroup:
    """One remark and how often it was made. ``labels`` counts the labels the AM gave it (an
    opinion's 意见/建议/投诉), ``retailers`` the distinct retailers who made it."""

    kind: str
    text: str
    count: int = 0
    retailers: int = 0
    first: str = ""
    last: str = ""
    labels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Remark:
    kind: str
    text: str
    retailer: str = ""
    day: str = ""
    label: str = ""


def group_texts(remarks: Iterable[Remark], ratio: float) -> list[TextGroup]:
    """Remarks grouped by kind and (near-)same text, most frequent first."""
    groups: list[tuple[str, str, TextGroup, set[str]]] = []  # kind, key, group, retailers
    by_key: dict[tuple[str, str], int] = {}
    for r in remarks:
        key = same_key(r.text)
        if not key:
            continue
        idx = by_key.get((r.kind, key))
        if idx is None:
            for i, (kind, other, _g, _codes) in enumerate(groups):
                if kind == r.kind and difflib.SequenceMatcher(None, key, other).ratio() >= ratio:
                    idx = i
                    break
        if idx is None:
            idx = len(groups)
            groups.append((r.kind, key, TextGroup(r.kind, r.text.strip(), first=r.day), set()))
        by_key[(r.kind, key)] = idx
        _kind, _key, g, codes = groups[idx]
        g.count += 1
        if r.retailer:
            codes.add(r.retailer)
        if r.day and (not g.first or r.day < g.first):
            g.first = r.day
        if r.day and r.day > g.last:
            g.last = r.day
        if r.label:
            g.labels[r.label] = g.labels.get(r.label, 0) + 1
    out = []
    for _kind, _key, g, codes in groups:
        g.retailers = len(codes)
        out.append(g)
    out.sort(key=lambda g: (-g.count, g.first, g.text))
    return out
