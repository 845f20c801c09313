import pytest

from khtui.domain.value import ValueInputs, value_for
from khtui.rules import default_rules, load_rules
from tests.conftest import ZH

R = default_rules()


def test_core_retailer():
    r = value_for(
        ValueInputs(
            tier=1,
            cooperation="好",
            ordered_new_brand=True,
            marked_price=True,
            credit_grade="AAA",
            growth_pct=10,
            trade_area="核心商圈",
            model_outlet=True,
        ),
        R,
    )
    assert r.value == "core"
    assert r.scores == {
        "contribution": 100,
        "support": 100,
        "credit": 100,
        "growth": 60,
        "influence": 100,
    }
    assert r.score == pytest.approx(100 * 0.35 + 100 * 0.2 + 100 * 0.2 + 60 * 0.15 + 100 * 0.1)


def test_problem_retailer():
    r = value_for(
        ValueInputs(
            tier=8,
            cooperation="差",
            marked_price=False,
            credit_grade="C",
            debit_failures=2,
            violation=True,
            growth_pct=-60,
            trade_area="村庄",
        ),
        R,
    )
    assert r.scores["credit"] == 0  # 35 - 2*15 - 30 clamps at 0
    assert r.scores["growth"] == 0
    assert r.value == "problem"


def _growth_only_rules() -> str:
    """A rules file whose weights put everything on growth, so the score is the growth score."""
    return (
        "[value]\nweights = { contribution = 0.0, support = 0.0, credit = 0.0, growth = 1.0, influence = 0.0 }\n"
        "core_min = 70.0\nproblem_below = 45.0\n"
    )


@pytest.mark.parametrize(
    ("growth_pct", "cls"),
    [(20, "core"), (19.9, "general"), (-5, "general"), (-5.1, "problem")],
)
def test_cutoffs_are_exact(tmp_path, growth_pct, cls):
    p = tmp_path / "r.toml"
    p.write_text(_growth_only_rules(), encoding="utf-8")
    r = value_for(ValueInputs(tier=4, growth_pct=growth_pct), load_rules(p))
    # growth score = 50 + pct: 70 is core (>=), 45 is general (not < 45), 44.9 is problem.
    assert r.value == cls


def test_why_shows_the_weighted_sum():
    r = value_for(ValueInputs(tier=4), R)
    assert "贡献度70" in ZH.say(r.why.explain)
    assert r.why.thresholds["core_min"] == 70.0
