"""Level 分级 (1..10) from scale (monthly 条) × sales structure (单条均价, 元 per 条)."""

from __future__ import annotations

from dataclasses import dataclass

from khtui.domain.why import Why
from khtui.rules import Rules


def _band(value: float, bounds: list[float]) -> int:
    for i, b in enumerate(bounds):
        if value >= b:
            return i
    return len(bounds) - 1


@dataclass(frozen=True)
class LevelResult:
    level: int
    quantity_band: str
    price_band: str | None
    avg_price: float | None
    why: Why


def level_for(
    monthly_tiao: float, monthly_amount: float, basis: list[str], rules: Rules
) -> LevelResult:
    """Level from average monthly 条 and amount over the basis months (see rules [levels])."""
    lv = rules.levels
    qb, pb = list(lv.quantity_bands_tiao), list(lv.price_bands_yuan)
    qnames, pnames = lv.quantity_band_names, lv.price_band_names
    matrix = [list(row) for row in lv.matrix]
    inputs = {"monthly_tiao": monthly_tiao, "monthly_amount": monthly_amount}
    thresholds = {"quantity_bands_tiao": qb, "price_bands_yuan": pb, "matrix": matrix}
    if monthly_tiao <= 0:
        level = max(max(row) for row in matrix)
        return LevelResult(
            level,
            qnames[-1],
            None,
            None,
            Why(
                "level",
                inputs,
                basis,
                thresholds,
                {
                    "zh": f"统计期内无进货，定为第{level}级",
                    "en": f"no purchases in the period: level {level}",
                },
            ),
        )
    avg_price = round(monthly_amount / monthly_tiao, 2)
    qi, pi = _band(monthly_tiao, qb), _band(avg_price, pb)
    level = int(matrix[qi][pi])
    return LevelResult(
        level,
        qnames[qi],
        pnames[pi],
        avg_price,
        Why(
            "level",
            {**inputs, "avg_price": avg_price},
            basis,
            thresholds,
            {
                "zh": (
                    f"月均 {monthly_tiao:g} 条（规模：{qnames[qi]}，≥{qb[qi]:g}条），"
                    f"单条均价 {avg_price:.2f} 元（结构：{pnames[pi]}，≥{pb[pi]:g}元）→ 第{level}级"
                ),
                "en": (
                    f"{monthly_tiao:g} cartons a month (scale band {qi + 1}, >= {qb[qi]:g}), "
                    f"{avg_price:.2f} yuan a carton (price band {pi + 1}, >= {pb[pi]:g}) -> level {level}"
                ),
            },
        ),
    )
