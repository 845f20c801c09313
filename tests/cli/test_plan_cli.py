"""`khtui plan month` and `khtui today`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.cli.visits import default_plan_month


@pytest.fixture
def db(plan_db):
    return plan_db


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def test_generate_submit_approve_json(db):
    r = run(db, "plan", "month", "--month", "2026-12", "--generate", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["status"] == "draft" and data["submit_by"] == "2026-11-30"
    assert data["summary"] == {
        "visits": 24,
        "retailers": 24,
        "covered": 24,
        "coverage": 1.0,
        "days": 20,
    }
    assert data["route_weekdays"]["线路6"] == 0
    assert len(data["visits"]) == 24
    assert set(data["visits"][0]) == {
        "id", "date", "seq", "retailer_code", "name", "route", "route_seq", "tier", "status",
        "reasons", "measures", "adhoc",
    }  # fmt: skip
    assert data["warnings"] == []
    r = run(db, "plan", "month", "--month", "2026-12", "--approve")
    assert r.exit_code == 1 and "只有已提交的计划可以审批" in r.output
    assert r.output.count("\n") == 1  # one line, no traceback
    assert run(db, "plan", "month", "--month", "2026-12", "--submit").exit_code == 0
    r = run(db, "plan", "month", "--month", "2026-12", "--approve", "--json")
    assert json.loads(r.output)["status"] == "approved"
    r = run(db, "plan", "month", "--month", "2026-12", "--generate")
    assert r.exit_code == 1 and "--replace" in r.output
    r = run(db, "plan", "month", "--month", "2026-12", "--generate", "--replace", "--json")
    assert json.loads(r.output)["status"] == "draft"


def test_plan_text_and_english(db):
    r = run(db, "plan", "month", "--month", "2026-12", "--generate", "--days")
    assert r.exit_code == 0, r.output
    assert "2026-12 月度拜访计划（草稿）" in r.output
    assert "覆盖 24/24 户（走访面 100.0%）" in r.output
    assert "2026-12-07 周一  2 户  线路1×1  线路6×1" in r.output
    assert "C000 店0  计划" in r.output
    r = run(db, "--lang", "en", "plan", "month", "--month", "2026-12")
    assert "Visit plan 2026-12 (draft)" in r.output


def test_plan_errors(db):
    r = run(db, "plan", "month", "--month", "2026-13")
    assert r.exit_code == 2 and "2026-13" in r.output  # not a month: a usage error
    r = run(db, "plan", "month", "--month", "2027-01")
    assert r.exit_code == 1 and "还没有拜访计划" in r.output
    r = run(db, "plan", "month", "--month", "2026-10", "--generate")
    assert r.exit_code == 1 and "已过去" in r.output
    r = run(db, "plan", "month", "--submit", "--approve")
    assert r.exit_code == 1


@pytest.mark.parametrize(
    "args", [(), ("--submit",), ("--approve",), ("--docx", "p.docx"), ("--xlsx", "p.xlsx")]
)
def test_a_past_month_without_a_plan_offers_no_generate(db, tmp_path, args):
    """A month over gets no plan any more (--generate is refused there): the hint says so
    instead of offering it; the month under way and a later one still offer it."""
    args = tuple(str(tmp_path / a) if "." in a else a for a in args)
    r = run(db, "plan", "month", "--month", "2020-05", *args)
    assert r.exit_code == 1
    assert r.output.strip() == (
        "错误: 2020-05 没有拜访计划；该月已过去，计划只能为本月或以后的月份起草"
    )
    r = run(db, "--lang", "en", "plan", "month", "--month", "2020-05", *args)
    assert r.output.strip() == (
        "Error: no visit plan for 2020-05; the month is over, "
        "and plans are drafted only for this month or later"
    )
    for month in ("2026-11", "2027-01"):
        r = run(db, "plan", "month", "--month", month, *args)
        assert r.exit_code == 1 and f"--month {month} --generate`" in r.output


def test_2027_plan_warns(db):
    r = run(db, "plan", "month", "--month", "2027-02", "--generate")
    assert r.exit_code == 0, r.output
    assert "2027 年尚无官方节假日数据" in r.output


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (dt.date(2026, 11, 26), "2026-11"),
        (dt.date(2026, 11, 27), "2026-12"),  # one of November's last two working days
        (dt.date(2026, 11, 28), "2026-12"),
        (dt.date(2026, 12, 31), "2027-01"),
    ],
)
def test_default_month_is_next_month_once_its_plan_is_due(rules, today, month):
    from khtui.domain.calendar import WorkCalendar

    assert default_plan_month(today, WorkCalendar(rules), rules) == month


def test_today_json_and_text(db):
    assert run(db, "plan", "month", "--month", "2026-11", "--generate").exit_code == 0
    r = run(db, "today", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["date"] == "2026-11-23" and data["workday"] is True
    # 线路1 and 线路6 have 4 retailers each, over the Mondays left: 11-23 and 11-30
    assert data["progress"]["total"] == len(data["visits"]) == 4
    assert data["coverage"]["active"] == 24 and data["coverage"]["working_days_left"] == 6
    v = data["visits"][0]
    assert v["reasons"] == ["plan"] and v["status"] == "planned" and v["adhoc"] is False
    r = run(db, "today")
    assert "2026-11-23 周一 拜访列表" in r.output
    assert "完成 0/4" in r.output and "剩余工作日 6 天" in r.output
    r = run(db, "today", "--date", "2026-11-28")
    assert "这一天没有拜访" in r.output
    r = run(db, "today", "--date", "2026-11-31")
    assert r.exit_code == 2
