import pytest

from khtui.domain.units import tiao_to_jian, to_tiao
from khtui.rules import default_rules

R = default_rules()


@pytest.mark.parametrize(
    ("qty", "unit", "tiao"),
    [(1, "件", 50), (1, "条", 1), (10, "包", 1), (200, "支", 1), (2.5, "件", 125)],
)
def test_to_tiao(qty, unit, tiao):
    assert to_tiao(qty, unit, R) == pytest.approx(tiao)


def test_tiao_to_jian():
    assert tiao_to_jian(1001, R) == pytest.approx(20.02)


def test_unknown_unit():
    with pytest.raises(ValueError, match="unknown unit"):
        to_tiao(1, "箱", R)
