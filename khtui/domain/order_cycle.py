"""A retailer's order cycle (订货周期): the weekday it orders on, as the record states it.

Light on purpose (no numpy): the warnings and the suggestion of a day's few retailers read it
in the program's own process.
"""

from __future__ import annotations

WEEKDAY_ZH = "一二三四五六日"


def order_weekday(order_day: str | None) -> int | None:
    """The weekday of a retailer's order cycle (订货周期, e.g. 周二, 每周二, 星期二, Tue)."""
    if not order_day:
        return None
    text = str(order_day)
    for prefix in ("周", "星期", "礼拜"):
        pos = text.find(prefix)
        end = pos + len(prefix)
        if pos < 0 or end >= len(text):
            continue
        if (pos > 0 and text[pos - 1] in "两双隔几0123456789") or text[end + 1 : end + 2] == "次":
            continue  # 两周一次: a frequency, not a weekday
        ch = text[end]
        if ch == "天":
            return 6
        if ch in WEEKDAY_ZH:
            return WEEKDAY_ZH.index(ch)
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    low = text.strip().lower()[:3]
    return names.index(low) if low in names else None


__all__ = ["order_weekday"]
