"""`khtui demo`: where it writes, what it says, and its user errors."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.store import Store

SMALL = ("--retailers", "30", "--months", "4", "--today", "2026-11-23")


def run(*args, env=None):
    return CliRunner().invoke(main, [*args], env=env, catch_exceptions=False)


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """A private user data directory and a real database path that must stay untouched."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    real = tmp_path / "real.db"
    monkeypatch.setenv("KHTUI_DB", str(real))
    return tmp_path / "data" / "khtui" / "demo" / "khtui-demo.db", real


def test_demo_prints_one_summary_line_and_builds_the_file(tmp_path):
    path = tmp_path / "d.db"
    r = run("demo", "--db", str(path), *SMALL)
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    m = re.search(r"（30 户，(\d+) 条订单明细，4 个月，用时 [\d.]+ 秒）", lines[0])
    assert m, lines[0]
    s = Store(path)
    assert s.count_retailers(status=None) == 30
    assert s.scalar("SELECT count(*) FROM order_lines") == int(m.group(1))
    assert s.is_demo and s.meta("demo_today") == "2026-11-23"
    s.close()


def test_json_summary_in_english(tmp_path):
    r = run("--lang", "en", "demo", "--db", str(tmp_path / "d.db"), *SMALL, "--seed", "5", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["retailers"] == 30 and data["months"] == 4 and data["seed"] == 5
    assert data["last_order_day"] == "2026-11-22"
    assert data["order_lines"] > 0


def test_without_db_it_writes_the_demo_database_never_the_real_one(homes):
    demo_path, real = homes
    r = run("demo", *SMALL)
    assert r.exit_code == 0, r.output
    assert demo_path.exists()
    assert not real.exists()


def test_global_db_option_is_honoured(tmp_path, homes):
    demo_path, _ = homes
    path = tmp_path / "g.db"
    r = run("--db", str(path), "demo", *SMALL)
    assert r.exit_code == 0, r.output
    assert path.exists() and not demo_path.exists()


def test_existing_file_is_refused_without_force_and_replaced_with_it(tmp_path):
    path = tmp_path / "d.db"
    assert run("demo", "--db", str(path), *SMALL).exit_code == 0
    r = run("demo", "--db", str(path), *SMALL, "--retailers", "12")
    assert r.exit_code == 1
    assert len(r.stderr.strip().splitlines()) == 1
    assert "--force" in r.stderr and str(path) in r.stderr
    s = Store(path)
    assert s.count_retailers(status=None) == 30
    s.close()
    r = run("demo", "--db", str(path), *SMALL, "--retailers", "12", "--force")
    assert r.exit_code == 0, r.output
    s = Store(path)
    assert s.count_retailers(status=None) == 12
    s.close()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--today", "2026-13-01"), "2026-13-01"),
        (("--today", "yesterday"), "yesterday"),
        (("--retailers", "0"), "--retailers"),
        (("--retailers", "many"), "--retailers"),
        (("--retailers", "200001"), "--retailers"),
        (("--months", "0"), "--months"),
        (("--months", "121"), "--months"),
        (("--seed", "-1"), "--seed"),
    ],
)
def test_bad_values_are_usage_errors_of_one_line(tmp_path, args, needle):
    path = tmp_path / "d.db"
    r = run("demo", "--db", str(path), *args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ")
    assert needle in lines[0]
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_retailer_json_on_the_demo_shows_derived_values_with_their_why(tmp_path):
    path = tmp_path / "d.db"
    assert run("demo", "--db", str(path), *SMALL).exit_code == 0
    s = Store(path)
    code = s.scalar("SELECT code FROM retailers WHERE name = '重庆小面烟酒'")
    s.close()
    r = run("--db", str(path), "retailer", code, "--as-of", "2026-11-23", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["code"] == code and data["name"] == "重庆小面烟酒"
    assert 1 <= data["tier"] <= 8
    assert data["tier_basis"] == ["2026-08", "2026-09", "2026-10"]
    assert data["monthly_avg_jian"] > 0
    for key in ("tier_why", "category_why", "level_why", "value_why"):
        assert data[key]["explain"]["zh"], key
    assert data["category"]["name"].endswith("烟酒商店")
    assert data["value"] in ("core", "general", "problem")


def test_demo_flag_builds_the_demo_database_on_first_use(homes, monkeypatch):
    """`khtui --demo` builds the missing demo database before it opens the program."""
    import datetime as dt

    import khtui.data.demo as demo_mod

    demo_path, real = homes
    real_build = demo_mod.build_demo
    monkeypatch.setattr(
        demo_mod,
        "build_demo",
        lambda path, **kw: real_build(
            path, **{**kw, "retailers": 25, "months": 2, "today": dt.date(2026, 11, 23)}
        ),
    )
    opened = []

    class FakeApp:
        def run(self):
            opened.append(True)

    import khtui.app

    monkeypatch.setattr(
        khtui.app, "create_app", lambda store, **kw: opened.append(store) or FakeApp()
    )
    r = run("--demo")
    assert r.exit_code == 0, r.output
    assert demo_path.exists() and not real.exists()
    assert opened[0].is_demo and opened[-1] is True
    assert "khtui-demo.db" in r.stderr


def test_a_terminal_sees_a_bar_for_the_forecast_after_the_stages_lines(capsys):
    """On a terminal the stages without a count are a line each, the forecast a bar that
    ends full."""
    from khtui.cli.demo import _StageProgress

    progress = _StageProgress()
    progress("plan", 0, 0)
    for done in range(4):
        progress("forecast", done, 3)
    bar = progress.bar
    assert bar is not None and (bar.pos, bar.length) == (3, 3)
    progress.close()
    assert progress.bar is None
    # (click draws the bar itself only on a terminal: here its label)
    assert capsys.readouterr().err == "生成本月拜访计划和上周周报……\n预测上月和本月订货量\n"


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(
    "label",
    ["预测上月和本月订货量", "生成订单明细", "回测进度", "forecasts of last month and this month"],
)
def test_a_progress_line_with_its_time_left_fits_the_terminal(monkeypatch, label, columns):
    """click sizes the line by characters, a Chinese one two cells wide: at 80 columns the
    forecast's line wrapped and was printed again at every step."""
    import os
    import shutil

    from rich.cells import cell_len

    from khtui.cli.base import progress_bar

    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((columns, 24)))
    bar = progress_bar(17, label)
    bar.pos, bar.avg, bar.eta_known = 8, [100.0], True  # 15 minutes left
    line = bar.format_progress_line()
    assert line.startswith(label) and line.endswith("00:15:00")
    assert cell_len(line) < columns
    assert bar.width >= 10
