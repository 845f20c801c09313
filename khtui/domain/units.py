"""Units of cigarettes: 支 stick, 包 pack, 条 carton, 件 case. Orders are in 条."""

from __future__ import annotations

from khtui.rules import Rules

UNITS = ("支", "包", "条", "件")


def tiao_per(unit: str, rules: Rules) -> float:
    """How many 条 one ``unit`` is."""
    if unit == "条":
        return 1.0
    if unit == "件":
        return float(rules.tiao_per_jian)
    if unit == "包":
        return 1.0 / rules.packs_per_tiao
    if unit == "支":
        return 1.0 / (rules.packs_per_tiao * rules.sticks_per_pack)
    raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")


def to_tiao(qty: float, unit: str, rules: Rules) -> float:
    return qty * tiao_per(unit, rules)


def tiao_to_jian(tiao: float, rules: Rules) -> float:
    return tiao / rules.tiao_per_jian
