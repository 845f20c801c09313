import pytest

from khtui.domain.level import level_for
from khtui.rules import default_rules
from tests.conftest import ZH

R = default_rules()
BASIS = ["2026-08", "2026-09", "2026-10"]


@pytest.mark.parametrize(
    ("tiao", "price", "level"),
    [
        (1000, 250.0, 1),  # 特大 × 高端, both bounds inclusive
        (999.99, 250.0, 2),  # just below the quantity bound: 大
        (1000, 249.99, 2),  # just below the price bound: 中高端
        (500, 150.0, 3),
        (200, 100.0, 5),
        (200, 99.99, 6),
        (50, 250.0, 5),
        (49.99, 250.0, 7),
        (10, 60.0, 10),
    ],
)
def test_matrix_cells_at_their_bounds(tiao, price, level):
    result = level_for(tiao, round(tiao * price, 2), BASIS, R)
    assert result.level == level
    assert result.avg_price == pytest.approx(price, abs=0.01)


def test_every_matrix_cell_is_reachable():
    lv = R.levels
    seen = set()
    for qi, q in enumerate(lv.quantity_bands_tiao):
        for pi, p in enumerate(lv.price_bands_yuan):
            tiao = max(q, 1)
            got = level_for(tiao, tiao * max(p, 1), BASIS, R).level
            assert got == lv.matrix[qi][pi]
            seen.add(got)
    assert seen == set(range(1, 11))


def test_no_purchases_is_the_lowest_level():
    result = level_for(0, 0, BASIS, R)
    assert result.level == 10
    assert result.avg_price is None
    assert "无进货" in ZH.say(result.why.explain)
