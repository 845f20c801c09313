"""Text cut to a width in terminal cells (a CJK character takes two), the cut marked.

The mark is ASCII: the ellipsis character (U+2026) is of ambiguous width, drawn two cells wide
by terminals set up for CJK, which shifts every column after it.
"""

from __future__ import annotations

from rich.cells import cell_len

MARK = ".."


def clip(text: str | None, width: int) -> str:
    """``text`` in at most ``width`` cells; when it had to be cut it ends with :data:`MARK`."""
    text = text or ""
    if cell_len(text) <= width:
        return text
    room = width - cell_len(MARK)
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + MARK if room > 0 else MARK[:width]


__all__ = ["MARK", "clip"]
