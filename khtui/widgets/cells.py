"""Text cut to a width in terminal cells (a CJK character takes two): :func:`clip` marks the
cut, :func:`cut` does not (a column whose neighbour shows the rest), :func:`pad` fills a
column and :func:`right` aligns one to its right edge.

The mark is ASCII: the ellipsis character (U+2026) is of ambiguous width, drawn two cells wide
by terminals set up for CJK, which shifts every column after it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len

MARK = ".."
AM_CELLS = 10  # the AM column of a team database's lists: its names fit, a long one is clipped


def cut(text: str | None, width: int) -> str:
    """The longest start of ``text`` in at most ``width`` cells (no mark)."""
    out, used = [], 0
    for ch in text or "":
        w = cell_len(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def clip(text: str | None, width: int) -> str:
    """``text`` in at most ``width`` cells; when it had to be cut it ends with :data:`MARK`."""
    text = text or ""
    if cell_len(text) <= width:
        return text
    room = width - cell_len(MARK)
    return cut(text, room) + MARK if room > 0 else MARK[:width]


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` cells."""
    return text + " " * max(0, width - cell_len(text))


def right(text: str, width: int) -> str:
    """``text`` after spaces that make it ``width`` cells (a right-aligned column)."""
    return " " * max(0, width - cell_len(text)) + text


def fit(texts: Iterable[str | None], most: int) -> int:
    """The width in cells of a column holding ``texts`` (its header among them), at most
    ``most``."""
    return min(most, max((cell_len(x or "") for x in texts), default=0))


__all__ = ["AM_CELLS", "MARK", "clip", "cut", "fit", "pad", "right"]
