"""Category 客户分类 (42): business format 业态 × market type 市场类型 × scale 经营规模."""

from __future__ import annotations

from dataclasses import dataclass

from khtui.domain.messages import Key, Message, Messages, Name
from khtui.domain.why import Why
from khtui.rules import Named, Rules


@dataclass(frozen=True)
class Category:
    code: str  # format code + market code + scale code, e.g. "111"
    seq: int  # 1..42 in format, market, scale order
    name: str  # e.g. 城镇大型食杂店
    en: str


def all_categories(rules: Rules) -> list[Category]:
    out = []
    seq = 0
    for f in rules.formats:
        for m in rules.market_types:
            for s in rules.scales:
                seq += 1
                out.append(_make(f, m, s, seq))
    return out


def _make(f: Named, m: Named, s: Named, seq: int) -> Category:
    return Category(
        code=f"{f.code}{m.code}{s.code}",
        seq=seq,
        name=f"{m.name}{s.name}型{f.name}",
        en=f"{m.en} {s.en} {f.en}",
    )


def _find(items: list[Named], value: str | None) -> Named | None:
    if value is None:
        return None
    value = value.strip()
    for item in items:
        if value in (item.name, item.code, item.en):
            return item
    return None


@dataclass(frozen=True)
class CategoryResult:
    category: Category | None
    why: Why


def category_for(
    business_format: str | None, market_type: str | None, scale: str | None, rules: Rules
) -> CategoryResult:
    """The category of a retailer, or ``None`` with the reason when an input is unknown."""
    f = _find(rules.formats, business_format)
    m = _find(rules.market_types, market_type)
    s = _find(rules.scales, scale)
    inputs = {"business_format": business_format, "market_type": market_type, "scale": scale}
    missing = [
        k for k, v in (("business_format", f), ("market_type", m), ("scale", s)) if v is None
    ]
    if missing:
        return CategoryResult(
            None,
            Why(
                rule="category",
                inputs=inputs,
                thresholds={"missing": missing},
                explain=Message(
                    "why.category.missing",
                    {
                        "missing": Messages(
                            Message(
                                "why.category.unknown",
                                {"field": Key(f"retailer.field.{k}"), "value": inputs[k]},
                            )
                            for k in missing
                        )
                    },
                ),
            ),
        )
    assert f and m and s
    seq = (
        rules.formats.index(f) * len(rules.market_types) * len(rules.scales)
        + rules.market_types.index(m) * len(rules.scales)
        + rules.scales.index(s)
        + 1
    )
    cat = _make(f, m, s, seq)
    return CategoryResult(
        cat,
        Why(
            rule="category",
            inputs=inputs,
            thresholds={"format_code": f.code, "market_code": m.code, "scale_code": s.code},
            explain=Message(
                "why.category",
                {
                    "format": Name(f.name, f.en),
                    "fcode": f.code,
                    "market": Name(m.name, m.en),
                    "mcode": m.code,
                    "scale": Name(s.name, s.en),
                    "scode": s.code,
                    "code": cat.code,
                    "category": Name(cat.name, cat.en),
                },
            ),
        ),
    )
