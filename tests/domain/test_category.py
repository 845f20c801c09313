import itertools

import pytest

from khtui.domain.category import all_categories, category_for
from khtui.rules import default_rules
from tests.conftest import ZH

R = default_rules()
FORMATS = ["食杂店", "便利店", "超市", "商场", "烟酒商店", "娱乐服务类", "其他"]
MARKETS = ["城镇", "乡村"]
SCALES = ["大", "中", "小"]


def test_there_are_42_distinct_categories():
    cats = all_categories(R)
    assert len(cats) == 42
    assert len({c.code for c in cats}) == 42
    assert [c.seq for c in cats] == list(range(1, 43))


@pytest.mark.parametrize(
    ("i", "combo"), list(enumerate(itertools.product(FORMATS, MARKETS, SCALES)))
)
def test_every_category(i, combo):
    fmt, market, scale = combo
    result = category_for(fmt, market, scale, R)
    cat = result.category
    assert cat is not None
    assert cat.seq == i + 1
    assert (
        cat.code == f"{FORMATS.index(fmt) + 1}{MARKETS.index(market) + 1}{SCALES.index(scale) + 1}"
    )
    assert cat.name == f"{market}{scale}型{fmt}"
    assert cat.code in ZH.say(result.why.explain)


def test_unknown_inputs_name_what_is_missing():
    result = category_for("网吧", "城镇", None, R)
    assert result.category is None
    assert result.why.thresholds["missing"] == ["business_format", "scale"]
    assert "网吧" in ZH.say(result.why.explain)
