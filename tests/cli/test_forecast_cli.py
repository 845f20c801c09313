"""`khtui forecast`, `khtui forecast --backtest`, `khtui warnings` and `khtui export
suggestions` on a demo database (its history has a Spring Festival in January 2025 and one
in February 2026)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.demo import build_demo
from khtui.data.store import Store

TODAY = dt.date(2026, 11, 23)


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo of 60 retailers over 24 months, with this month's forecasts computed."""
    path = tmp_path_factory.mktemp("fc") / "demo.db"
    build_demo(path, retailers=60, today=TODAY)
    store = Store(path, clock=lambda: dt.datetime.combine(TODAY, dt.time(9)))
    try:
        store.compute_forecasts(TODAY)
    finally:
        store.close()
    return path


@pytest.mark.parametrize(
    ("lang", "said", "unsaid"),
    [
        (
            "zh",
            ["提前 1 个月的预测", "检验月份：", "片区：WAPE", "季节朴素（去年同月）：WAPE"],
            "holdout",
        ),
        ("en", ["1 month ahead", "held-out months:", "area: WAPE", "2 months ahead"], "提前"),
    ],
)
def test_the_backtest_is_told_in_the_ui_language(demo, lang, said, unsaid):
    """`forecast --backtest` speaks the UI's language (it printed English whatever the
    language: horizon_1, holdout, spring festival months) and names levels and methods."""
    out = run("--db", str(demo), "--lang", lang, "forecast", "--backtest").output
    for part in said:
        assert part in out, (part, out[:400])
    assert unsaid not in out and "horizon_" not in out


def test_backtest_reports_each_method_and_overall_against_seasonal_naive(demo):
    r = run("--db", str(demo), "forecast", "--backtest", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["history"] == ["2024-12", "2026-10"]
    assert d["seconds"] > 0 and d["cpu_seconds"] > 0
    for horizon in ("horizon_1", "horizon_2"):
        result = d[horizon]
        assert result["measure"].startswith("WAPE")
        assert result["holdout_months"][-1] == "2026-10"
        # the Spring Festival of 2026 (17 February) is held out and shown apart
        assert result["spring_festival_months"] == ["2026-01", "2026-02", "2026-03"]
        for level in ("area", "retailer", "brand"):
            rep = result["levels"][level]
            assert rep["overall"]["ratio_to_seasonal_naive"] < 1, (horizon, level)
            assert rep["spring_festival_months"]["ratio_to_seasonal_naive"] < 1
            assert rep["spring_festival_months"]["windows"] > 0
            assert set(rep["by_month"]) <= set(result["holdout_months"])
        methods = result["levels"]["retailer"]["by_method"]
        assert methods and all(m["ratio_to_seasonal_naive"] is not None for m in methods.values())
        assert (
            "croston" in result["levels"]["brand"]["by_method"]
            or "adida" in (result["levels"]["brand"]["by_method"])
        )


def test_forecast_of_a_retailer_with_its_brands_and_why(demo):
    store = Store(demo)
    code = store.scalar(
        "SELECT retailer_code FROM monthly_sales WHERE month = '2026-10' ORDER BY qty_tiao DESC"
    )
    store.close()
    r = run("--db", str(demo), "forecast", "--retailer", code, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["month"] == "2026-12" and d["run"]["data_through"] <= "2026-10-31"
    levels = {f["level"] for f in d["forecasts"]}
    assert levels == {"retailer", "brand"}
    total = next(f for f in d["forecasts"] if f["level"] == "retailer")
    assert total["retailer_code"] == code and total["forecast_tiao"] > 0
    lo, hi = total["interval_tiao"]
    assert lo <= total["forecast_tiao"] <= hi
    assert total["method"] in ("snaive", "mean3", "ses")
    assert total["candidates_wape"][total["method"]] == min(total["candidates_wape"].values())
    text = run("--db", str(demo), "forecast", "--retailer", code)
    assert text.exit_code == 0 and code in text.stdout


def test_a_past_month_shows_the_forecast_made_before_it_and_its_accuracy(demo):
    r = run("--db", str(demo), "forecast", "--month", "2026-10", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["run"]["as_of"] == "2026-10-01"
    acc = d["accuracy"]
    assert acc["complete"] and acc["forecast_made_as_of"] == "2026-10-01"
    area = acc["area"]
    assert area["forecast_tiao"] == pytest.approx(
        sum(x["forecast_tiao"] for x in acc["retailers"]), abs=1
    )
    assert 0 <= area["accuracy"] <= 1 and area["accuracy"] > 0.8
    text = run("--db", str(demo), "forecast", "--month", "2026-10")
    assert "2026-10 预测准确率：片区" in text.stdout


def test_user_errors_are_one_line(demo):
    for args, needle, code in (
        (("--retailer", "NOPE"), "没有客户 NOPE", 1),
        (("--brand", "NOPE"), "没有卷烟 NOPE", 1),
        (("--month", "2025-01"), "没有 2025-01 的预测", 1),
        (("--month", "2026-13"), "2026-13", 2),  # not a month: a usage error
    ):
        r = run("--db", str(demo), "forecast", *args)
        assert r.exit_code == code, args
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_warnings_say_why(demo):
    r = run("--db", str(demo), "warnings", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["date"] == "2026-11-23"
    kinds = {w["kind"] for w in d["warnings"]}
    assert {"shortage", "overstock"} <= kinds
    short = next(w for w in d["warnings"] if w["kind"] == "shortage")
    assert short["brand_name"] in short["text"] and short["params"]["next_order"] in short["text"]
    assert short["retailer_name"]
    text = run("--db", str(demo), "--lang", "en", "warnings")
    assert text.exit_code == 0 and "warnings on 2026-11-23" in text.stdout


def test_export_suggestions_for_the_order_system(demo, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "sug.xlsx"
    r = run("--db", str(demo), "export", "suggestions", str(out))
    assert r.exit_code == 0, r.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:7] == (
        "客户编码",
        "客户名称",
        "档位",
        "下次订货日",
        "卷烟编码",
        "卷烟名称",
        "建议订货量(条)",
    )
    assert len(rows) > 10
    assert all(isinstance(row[6], int) and row[6] >= 0 for row in rows[1:])
    assert all(row[6] <= row[9] for row in rows[1:])  # never above the tier's ceiling
