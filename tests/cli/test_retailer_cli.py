import json

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.store import Store


def _orders(s: Store) -> None:
    """1001 条 a month over Aug..Oct 2026: 20.02 件, tier 1."""
    s.add_order_lines(
        [
            ("0370102001", f"2026-{m:02d}-05", "B1", "中华", 1001, 1001 * 380.0, 380.0)
            for m in (8, 9, 10)
        ]
    )
    s.recompute(__import__("datetime").date(2026, 11, 23))


@pytest.fixture
def db(new_db):
    return new_db(
        [
            {
                "code": "0370102001",
                "name": "重庆小面烟酒",
                "business_format": "烟酒商店",
                "market_type": "城镇",
                "scale": "中",
                "route": "城东一线",
                "route_seq": 1,
                "credit_grade": "A",
                "status": "正常",
            },
            {
                "code": "0370102002",
                "name": "长安食杂店",
                "business_format": "食杂店",
                "market_type": "乡村",
                "scale": "小",
                "route": "乡镇线",
                "route_seq": 1,
                "status": "暂停",
            },
        ],
        then=_orders,
    )


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def test_retailer_json_has_fields_and_derived_values_with_why(db):
    r = run("--db", str(db), "retailer", "0370102001", "--as-of", "2026-11-23", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["code"] == "0370102001"
    assert data["name"] == "重庆小面烟酒"
    assert data["tier"] == 1
    assert data["monthly_avg_jian"] == pytest.approx(20.02)
    assert data["tier_basis"] == ["2026-08", "2026-09", "2026-10"]
    assert data["tier_why"]["inputs"]["total_tiao"] == 3003
    assert data["category"] == {"code": "512", "name": "城镇中型烟酒商店", "seq": 26}
    assert data["level"] == 1
    assert data["value"] in ("core", "general", "problem")
    assert set(data["value_why"]["inputs"]["scores"]) == {
        "contribution",
        "support",
        "credit",
        "growth",
        "influence",
    }


def test_as_of_moves_the_basis(db):
    # As of 2026-12-01 the basis is Sep..Nov: 2002 条 / 3 = 667.3 条 = 13.35 件, tier 3.
    data = json.loads(
        run("--db", str(db), "retailer", "0370102001", "--as-of", "2026-12-01", "--json").output
    )
    assert data["tier_basis"] == ["2026-09", "2026-10", "2026-11"]
    assert data["tier"] == 3


def test_human_output_shows_groups_and_calculation(db):
    out = run("--db", str(db), "retailer", "0370102001", "--as-of", "2026-11-23").output
    assert "基础信息" in out and "计算依据" in out and "第1档" in out


def test_english(db):
    out = run(
        "--db", str(db), "--lang", "en", "retailer", "0370102001", "--as-of", "2026-11-23"
    ).output
    assert "Basic" in out and "tier 1" in out


def test_retailers_list_filters(db):
    data = json.loads(run("--db", str(db), "retailers", "--status", "暂停", "--json").output)
    assert [d["code"] for d in data] == ["0370102002"]
    data = json.loads(run("--db", str(db), "retailers", "--tier", "1", "--json").output)
    assert [d["code"] for d in data] == ["0370102001"]


def test_recompute_stores_the_values_of_its_day(db):
    r = run("--db", str(db), "recompute", "--as-of", "2026-12-01")
    assert r.exit_code == 0
    assert r.output == "已重算 2 户的档位、分类、分级和价值（截至 2026-12-01）\n"
    # stored as of 2026-12-01: Sep..Nov, 667.3 条 a month, tier 3 (it was tier 1)
    data = json.loads(run("--db", str(db), "retailers", "--tier", "3", "--json").output)
    assert [d["code"] for d in data] == ["0370102001"]
    assert json.loads(run("--db", str(db), "retailers", "--tier", "1", "--json").output) == []


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["retailer", "9999"], "没有客户编码为 9999 的客户", 1),
        (["retailer", "0370102001", "--as-of", "2026-02-30"], "日期无效", 2),
        (["recompute", "--as-of", "yesterday"], "日期无效", 2),
    ],
)
def test_user_and_usage_errors_are_one_line(db, args, message, code):
    r = CliRunner().invoke(main, ["--db", str(db), *args])
    assert r.exit_code == code
    assert message in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_missing_database_says_how_to_create_one(tmp_path):
    db = tmp_path / "none.db"
    r = CliRunner().invoke(main, ["--db", str(db), "retailers"])
    assert r.exit_code == 1
    assert "khtui --demo" in r.output and f"khtui --db {db} import retailers" in r.output
    assert not (tmp_path / "none.db").exists()


def test_env_var_chooses_the_database(db, monkeypatch):
    monkeypatch.setenv("KHTUI_DB", str(db))
    r = CliRunner().invoke(main, ["retailers", "--json"])
    assert r.exit_code == 0
    assert len(json.loads(r.output)) == 2


def test_bad_rules_file_stops_with_one_line(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[tiers]\nlower_bounds_jian = [1, 2]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(db), "--rules", str(bad), "retailers"])
    assert r.exit_code == 1
    assert "tiers.lower_bounds_jian" in r.output
