import pytest

from khtui.rules import RulesError, default_rules, load_rules


def test_defaults_load_and_hold_the_business_numbers():
    r = default_rules()
    assert r.tiao_per_jian == 50
    assert r.tier_lower_bounds == [20, 14, 10, 7, 4, 2, 1]
    assert len(r.formats) * len(r.market_types) * len(r.scales) == 42
    assert r.complaint_routes["delivery"].department == "配送中心"
    assert r.complaint_routes["visit_service"].am_share == "full"


def test_user_file_overrides_only_what_it_names(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[visits]\ndaily_capacity = 12\n", encoding="utf-8")
    r = load_rules(p)
    assert r.get("visits.daily_capacity") == 12
    assert r.get("visits.max_per_month") == default_rules().get("visits.max_per_month")
    assert r.tier_lower_bounds == [20, 14, 10, 7, 4, 2, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tiers]\nlower_bounds_jian = [20, 14, 14, 7, 4, 2, 1]\n",
            "tiers.lower_bounds_jian: tier bounds must descend",
        ),
        ("[tiers]\nbasis_months = 0\n", "tiers.basis_months: must be 1..24"),
        ("[units]\ntiao_per_jian = -50\n", "units.tiao_per_jian: must be a positive whole number"),
        ("[levels]\nmatrix = [[1, 2]]\n", "levels.matrix: needs one row per quantity band"),
        ("[value]\nweights = { contribution = 0.9 }\n", "value.weights: weights must add up to 1"),
        ('[visits.per_month_by_tier]\n"8" = 0\n', "visits.per_month_by_tier.8"),
        (
            '[complaints.routing.delivery]\nam_share = "half"\n',
            "complaints.routing.delivery.am_share",
        ),
        ('[calendar]\nextra_holidays = ["2027-13-01"]\n', "calendar.extra_holidays: not a date"),
        ("[tiers\n", "not valid TOML"),
    ],
)
def test_bad_file_stops_with_one_line_naming_key_and_problem(tmp_path, text, message):
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(p)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)
    assert str(p) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name_chars", 0),
        ("text_chars", "500"),
        ("code_chars", -1),
        ("order_future_days", -1),
        ("order_future_days", 1.5),
    ],
)
def test_import_limits_are_checked_and_named(tmp_path, key, value):
    path = tmp_path / "rules.toml"
    path.write_text(f"[import.limits]\n{key} = {value!r}\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(RulesError, match=f"import.limits.{key}"):
        load_rules(path)
