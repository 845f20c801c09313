"""Level 分级 (1..10) from scale (monthly 条) × sales structure (单条均价, 元 per 条)."""

from __future__ import annotations

from dataclasses import dataclass

from khtui.domain.messages import Message, Word
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
                Message("why.level.none", {"level": level}),
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
            Message(
                "why.level",
                {
                    "qty": monthly_tiao,
                    "qband": Word(qnames[qi]),
                    "qmin": qb[qi],
                    "price": avg_price,
                    "pband": Word(pnames[pi]),
                    "pmin": pb[pi],
                    "level": level,
                },
            ),
        ),
    )
