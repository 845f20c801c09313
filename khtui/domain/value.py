"""Customer value 客户价值: core 核心 / general 一般 / problem 问题 from five weighted scores."""

from __future__ import annotations

from dataclasses import dataclass

from khtui.domain.messages import Key, Message, Messages
from khtui.domain.why import Why
from khtui.rules import Rules

VALUE_CLASSES = ("core", "general", "problem")  # named in the catalogue: value.<class>


@dataclass(frozen=True)
class ValueInputs:
    """What the value rule reads. ``None`` means not known; the rule then uses its default."""

    tier: int
    cooperation: str | None = None  # 配合情况: 好 / 较好 / 一般 / 较差 / 差
    ordered_new_brand: bool = False  # took up a new brand in the basis period
    marked_price: bool | None = None  # last price check found marked prices (明码标价)
    credit_grade: str | None = None  # 诚信等级
    debit_failures: int = 0  # electronic-debit failures in the basis period
    violation: bool = False  # compliance violation on record (守法情况)
    growth_pct: float | None = None  # basis period vs same months a year earlier; None = no history
    trade_area: str | None = None  # 商圈环境
    model_outlet: bool = False  # 示范户


@dataclass(frozen=True)
class ValueResult:
    value: str  # core / general / problem
    score: float
    scores: dict[str, float]
    why: Why


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def value_for(inp: ValueInputs, rules: Rules) -> ValueResult:
    v = rules.value
    contribution = v.contribution_by_tier[str(inp.tier)]

    coop = v.cooperation_scores.get(inp.cooperation or "", v.cooperation_default)
    new_b = v.new_brand_uptake_score if inp.ordered_new_brand else v.new_brand_none_score
    parts = [coop, new_b]
    if inp.marked_price is not None:
        parts.append(v.marked_price_yes_score if inp.marked_price else v.marked_price_no_score)
    support = sum(parts) / len(parts)

    grade = (inp.credit_grade or "").strip().upper()
    credit = _clamp(
        v.credit_grade_scores.get(grade, v.credit_default)
        - v.debit_failure_penalty * inp.debit_failures
        - (v.violation_penalty if inp.violation else 0)
    )

    if inp.growth_pct is None:
        growth = v.growth_new_retailer
    else:
        growth = _clamp(v.growth_neutral + v.growth_points_per_pct * inp.growth_pct)

    influence = _clamp(
        v.trade_area_scores.get(inp.trade_area or "", v.trade_area_default)
        + (v.model_outlet_bonus if inp.model_outlet else 0)
    )

    scores = {
        "contribution": round(contribution, 1),
        "support": round(support, 1),
        "credit": round(credit, 1),
        "growth": round(growth, 1),
        "influence": round(influence, 1),
    }
    weights = v.weights.as_dict()
    score = round(sum(scores[k] * weights[k] for k in scores), 1)
    if score >= v.core_min:
        cls = "core"
    elif score < v.problem_below:
        cls = "problem"
    else:
        cls = "general"
    terms = Messages(
        (
            Message(
                "why.value.term",
                {"score": Key(f"why.score.{k}"), "points": scores[k], "weight": weights[k]},
            )
            for k in scores
        ),
        sep="fmt.plus",
    )
    why = Why(
        rule="value",
        inputs={
            "tier": inp.tier,
            "cooperation": inp.cooperation,
            "ordered_new_brand": inp.ordered_new_brand,
            "marked_price": inp.marked_price,
            "credit_grade": inp.credit_grade,
            "debit_failures": inp.debit_failures,
            "violation": inp.violation,
            "growth_pct": inp.growth_pct,
            "trade_area": inp.trade_area,
            "model_outlet": inp.model_outlet,
            "scores": scores,
        },
        thresholds={
            "weights": dict(weights),
            "core_min": v.core_min,
            "problem_below": v.problem_below,
        },
        explain=Message(
            "why.value",
            {
                "terms": terms,
                "score": score,
                "core_min": v.core_min,
                "problem_below": v.problem_below,
                "value": Key(f"value.{cls}"),
            },
        ),
    )
    return ValueResult(cls, score, scores, why)
