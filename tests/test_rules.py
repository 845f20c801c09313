import dataclasses
import re

import pytest
from click.testing import CliRunner

from khtui.rules import SECTIONS, Backup, RulesError, Visits, default_rules, load_rules


def test_defaults_load_and_hold_the_business_numbers():
    r = default_rules()
    assert r.tiao_per_jian == 50
    assert r.tier_lower_bounds == [20, 14, 10, 7, 4, 2, 1]
    assert len(r.formats) * len(r.market_types) * len(r.scales) == 42
    assert r.complaint_routes["delivery"].department == "配送中心"
    assert r.complaint_routes["visit_service"].am_share == "full"


def test_sections_are_typed():
    r = default_rules()
    assert isinstance(r.backup, Backup) and r.backup.keep == 5
    assert isinstance(r.visits, Visits) and r.visits.daily_capacity == 45
    assert r.brands.cycle_days == 30 and isinstance(r.brands.cycle_days, int)
    assert r.capture.price_deviation_pct == 10.0
    assert r.value.core_min == 70.0 and r.value.weights.contribution == 0.35
    assert r.calendar.extra_holidays[0].isoformat() == "2027-01-01"
    assert r.documents.margins_cm.top == 2.5
    assert r.imports.values.yes[0] == "是"
    assert r.visits.care_on_birthday is True


def test_every_key_of_the_packaged_file_is_in_the_schema_and_back():
    """The schema and rules.toml describe the same keys: a key added to one only fails."""
    r = default_rules()
    for name, (attr, cls) in SECTIONS.items():
        declared = {f.name for f in dataclasses.fields(cls) if "spec" in f.metadata}
        assert declared == set(r.data[name]), name
        assert isinstance(getattr(r, attr), cls)


def test_user_file_overrides_only_what_it_names(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text(
        "[visits]\ndaily_capacity = 12\n[complaints.routing.delivery]\ndue_days = 4\n",
        encoding="utf-8",
    )
    r = load_rules(p)
    assert r.visits.daily_capacity == 12
    assert r.visits.max_per_month == default_rules().visits.max_per_month
    assert r.tier_lower_bounds == [20, 14, 10, 7, 4, 2, 1]
    delivery = r.complaint_routes["delivery"]
    assert (delivery.due_days, delivery.department) == (4, "配送中心")  # merged key by key


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        # the measured failures: each refused, naming its key
        ("[backup]\nkeep = -1\n", "backup.keep", "int"),
        ('[backup]\nkeep = "five"\n', "backup.keep", "int"),
        ("[backup]\nkeep = 0\n", "backup.keep", "int"),
        ('[brands]\ncycle_days = "x"\n', "brands.cycle_days", "int"),
        ("[brands]\ncycle_days = -5\n", "brands.cycle_days", "int"),
        ('[value]\ncore_min = "x"\n', "value.core_min", "number"),
        ("[tiers]\nlower_bound_jian = [20, 10]\n", "tiers.lower_bound_jian", "unknown"),
        # type, range and shape of every other kind of key
        ("[tiers]\nlower_bounds_jian = [20, 14, 14, 7, 4, 2, 1]\n", "tiers.lower_bounds_jian", "descending"),
        ("[tiers]\nlower_bounds_jian = [20, -1]\n", "tiers.lower_bounds_jian[1]", "number_min"),
        ("[tiers]\nbasis_months = 0\n", "tiers.basis_months", "int"),
        ("[tiers]\nbasis_months = 2.5\n", "tiers.basis_months", "int"),
        ("[units]\ntiao_per_jian = -50\n", "units.tiao_per_jian", "int"),
        ("[units]\ntiao_per_jian = true\n", "units.tiao_per_jian", "int"),
        ("[levels]\nmatrix = [[1, 2]]\n", "levels.matrix", "matrix_rows"),
        ("[levels]\nmatrix = [[1, 2, 3, 11]]\n", "levels.matrix[0][3]", "int"),
        ('[levels]\nprice_band_names = ["a"]\n', "levels.price_band_names", "names_per_band"),
        ("[value]\nweights = { contribution = 0.9 }\n", "value.weights", "weights_sum"),
        ("[value.weights]\ncontribtion = 0.35\n", "value.weights.contribtion", "unknown"),
        ("[value]\nproblem_below = 80.0\n", "value.core_min", "above"),
        ('[value.trade_area_scores]\n"商业街" = 150\n', "value.trade_area_scores.商业街", "number"),
        ('[visits.per_month_by_tier]\n"8" = 0\n', "visits.per_month_by_tier.8", "int"),
        ('[visits.per_month_by_tier]\n"x" = 1\n', "visits.per_month_by_tier.x", "unknown"),
        ('[visits]\ncare_on_birthday = "yes"\n', "visits.care_on_birthday", "bool"),
        ("[visits]\nplan_submit_day = 32\n", "visits.plan_submit_day", "int"),
        ('[complaints.routing.delivery]\nam_share = "half"\n', "complaints.routing.delivery.am_share", "choice"),
        ('[complaints.routing.new]\nname = "新"\n', "complaints.routing.new.department", "missing"),
        ('[complaints]\ndue_days_are = "weeks"\n', "complaints.due_days_are", "choice"),
        ('[calendar]\nextra_holidays = ["2027-13-01"]\n', "calendar.extra_holidays[0]", "date"),
        ('[categories]\nformats = [{ code = "1", name = "a" }, { code = "1", name = "b" }]\n', "categories.formats", "unique"),
        ("[categories]\nscales = []\n", "categories.scales", "list_short"),
        ('[import.retailers]\nnmae = ["店名"]\n', "import.retailers.nmae", "unknown"),
        ('[import.orders]\ncode = "客户编码"\n', "import.orders.code", "list"),
        ("[documents]\nbody_size_pt = 500\n", "documents.body_size_pt", "number"),
        ('[documents]\nlanguage = ""\n', "documents.language", "blank"),
        ("[capture]\nprice_deviation_pct = -1\n", "capture.price_deviation_pct", "number"),
        ("[profile]\nchart_months = 0\n", "profile.chart_months", "int"),
        ("[reports]\ntop_brands = 0\n", "reports.top_brands", "int"),
        ("[backups]\nkeep = 5\n", "backups", "unknown"),
        ("backup = 5\n", "backup", "table"),
    ],
)  # fmt: skip
def test_every_key_is_checked_and_an_error_names_it(tmp_path, text, key, problem):
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(p)
    assert (exc.value.origin, exc.value.key, exc.value.problem) == (str(p), key, problem)


def test_not_toml_and_missing_file(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[tiers\n", encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(p)
    assert (exc.value.key, exc.value.problem) == ("", "toml")
    with pytest.raises(RulesError) as exc:
        load_rules(tmp_path / "nope.toml")
    assert exc.value.problem == "not_found"


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("zh", "[backup]\nkeep = -1\n", "backup.keep：应为 1 到 1000 之间的整数（现在是 -1）"),
        ("zh", '[backup]\nkeep = "five"\n', 'backup.keep：应为 1 到 1000 之间的整数（现在是 "five"）'),
        ("en", '[brands]\ncycle_days = "x"\n', 'brands.cycle_days: must be a whole number from 1 to 366 (got "x")'),
        ("en", "[tiers]\nlower_bound_jian = [1]\n", "tiers.lower_bound_jian: no such key (a typo?"),
        ("en", "[tiers\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_the_command_line_says_it_in_one_line_naming_the_key(tmp_path, lang, text, expected):
    from khtui.cli import main
    from khtui.data.store import Store

    Store(tmp_path / "k.db", create=True).close()
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    args = ["--lang", lang, "--db", str(tmp_path / "k.db"), "--rules", str(p), "retailers"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output
    assert expected in lines[0] and str(p) in lines[0]


def test_adding_a_key_is_one_line_in_its_section():
    """The schema is the sections' dataclasses: a new key is one field with its spec."""
    from dataclasses import dataclass

    from khtui.rules import At, Int, build, rule

    @dataclass(frozen=True)
    class Limits:
        name_max_chars: int = rule(Int(1, 10_000))

    assert build(Limits, {"name_max_chars": 200}, At("f", "limits")).name_max_chars == 200
    with pytest.raises(RulesError, match=re.escape("f: limits.name_max_chars: int")):
        build(Limits, {"name_max_chars": 0}, At("f", "limits"))


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
