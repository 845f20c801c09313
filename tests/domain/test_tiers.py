import datetime as dt

import pytest

from khtui.domain.months import months_before
from khtui.domain.tiers import tier_for, tier_of
from tests.conftest import EN, ZH

# (monthly 件, expected tier): every bound (upper bound inclusive) and just above it.
BOUNDARIES = [
    (25.0, 1),
    (20.02, 1),
    (20.0, 2),
    (14.02, 2),
    (14.0, 3),
    (10.02, 3),
    (10.0, 4),
    (7.02, 4),
    (7.0, 5),
    (4.02, 5),
    (4.0, 6),
    (2.02, 6),
    (2.0, 7),
    (1.02, 7),
    (1.0, 8),
    (0.5, 8),
    (0.0, 8),
]


@pytest.mark.parametrize(("jian", "tier"), BOUNDARIES)
def test_tier_for_each_bound_is_inclusive_above(jian, tier, rules):
    assert tier_for(jian, rules) == tier


@pytest.mark.parametrize(("jian", "tier"), BOUNDARIES)
def test_tier_of_three_months_of_purchases(jian, tier, rules):
    # The same monthly quantity in 条 in each basis month gives exactly that average.
    tiao = round(jian * 50, 6)
    monthly = {"2026-08": tiao, "2026-09": tiao, "2026-10": tiao}
    result = tier_of(monthly, dt.date(2026, 11, 23), rules)
    assert result.tier == tier
    assert result.monthly_avg_jian == pytest.approx(jian)
    assert result.basis == ["2026-08", "2026-09", "2026-10"]


def test_average_over_uneven_months(rules):
    # 1000 + 1003 + 1000 = 3003 条 / 3 = 1001 条 = 20.02 件: tier 1.
    monthly = {"2026-08": 1000, "2026-09": 1003, "2026-10": 1000}
    assert tier_of(monthly, dt.date(2026, 11, 1), rules).tier == 1
    # One 条 less: exactly 20 件, tier 2.
    monthly["2026-09"] = 1000
    assert tier_of(monthly, dt.date(2026, 11, 1), rules).tier == 2


def test_missing_month_counts_as_zero_and_current_month_is_ignored(rules):
    monthly = {"2026-09": 3000, "2026-11": 99999}
    result = tier_of(monthly, dt.date(2026, 11, 30), rules)
    assert result.monthly_avg_jian == 20.0
    assert result.tier == 2
    assert result.why.inputs["monthly_tiao"] == {"2026-08": 0.0, "2026-09": 3000.0, "2026-10": 0.0}


def test_no_purchases_is_tier_8_and_explains_itself(rules):
    result = tier_of({}, dt.date(2026, 11, 23), rules)
    assert result.tier == 8
    assert "第8档" in ZH.say(result.why.explain)
    assert "tier 8" in EN.say(result.why.explain)


def test_basis_months_cross_the_year():
    assert months_before(dt.date(2026, 2, 1), 3) == ["2025-11", "2025-12", "2026-01"]
    assert months_before(dt.date(2026, 1, 31), 1) == ["2025-12"]


def test_configured_basis_and_bounds(tmp_path):
    from khtui.rules import load_rules

    p = tmp_path / "r.toml"
    p.write_text("[tiers]\nbasis_months = 1\nlower_bounds_jian = [30, 10, 0]\n", encoding="utf-8")
    r = load_rules(p)
    assert tier_for(30, r) == 2
    assert tier_for(30.01, r) == 1
    assert tier_for(0, r) == 4
    assert tier_of({"2026-10": 500}, dt.date(2026, 11, 2), r).basis == ["2026-10"]
