"""The command line on the day and the month, on a demo built for 2026-11-23 and read a week
later: queries only read, `khtui housekeeping` does the day's work once and within capacity,
dates are read as the TUI reads them, usage errors are one line (exit 2), hints repeat the
user's own --demo/--db, and a value is written the same way everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from khtui.cli import main
from khtui.data.demo import build_demo
from khtui.data.store import Store
from khtui.domain.dates import parse_day
from khtui.domain.months import parse_month
from khtui.domain.report import handled_week, week_started
from tests.conftest import ZH

BUILT_FOR = dt.date(2026, 11, 23)
LAST = "2026-11-30"  # a week later: the last working day of November
CAPACITY = 45


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("built") / "khtui-demo.db"
    build_demo(path, retailers=320, months=3, today=BUILT_FOR)
    return path


@pytest.fixture
def demo(built, tmp_path, monkeypatch):
    """The demo database of a private home (`--demo`), today being 2026-11-30."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KHTUI_DB", str(tmp_path / "real.db"))  # never created
    monkeypatch.setenv("KHTUI_TODAY", LAST)
    path = tmp_path / "data" / "khtui" / "demo" / "khtui-demo.db"
    path.parent.mkdir(parents=True)
    shutil.copy(built, path)
    return path


def digest(path) -> str:
    """The database file's bytes, and those of a write-ahead log left beside it."""
    h = hashlib.sha256(path.read_bytes())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        h.update(wal.read_bytes())
    return h.hexdigest()


def live_on(path, day: str) -> int:
    s = Store(path)
    try:
        return s.scalar(
            "SELECT count(*) FROM visits WHERE planned_date = ? AND status IN "
            "('planned', 'checked_in', 'done')",
            (day,),
        )
    finally:
        s.close()


# -- queries only read -------------------------------------------------------------------------
QUERIES = [
    ["today"],
    ["today", "--json"],
    ["today", "--date", "11-27"],
    ["today", "--date", "+1", "--json"],
    ["plan", "month", "--json"],  # December's: not drafted yet, and a query does not draft it
    ["plan", "month", "--month", "2026-11"],
    ["plan", "month", "--month", "2026-11", "--days", "--json"],
    ["retailer", "370102100001"],
    ["retailer", "370102100001", "--json"],
    ["search", "cq"],
    ["search", "yh", "--json"],
    ["retailers", "--tier", "2"],
    ["captures", "--from", "11-16", "--json"],
    ["captures", "--gaps", "11-20"],
    ["complaints", "--open"],
    ["complaints", "--overdue", "--json"],
]


@pytest.mark.parametrize("args", QUERIES, ids=lambda a: " ".join(a))
def test_queries_only_read(demo, args):
    before = digest(demo)
    r = run("--demo", *args)
    assert r.exit_code == 0, r.output
    assert digest(demo) == before


def test_a_missing_plan_is_a_hint_not_a_draft(demo):
    before = digest(demo)
    r = run("--demo", "plan", "month")
    assert r.exit_code == 1
    assert "`khtui --demo plan month --month 2026-12 --generate`" in r.stderr
    assert digest(demo) == before


def test_today_lists_the_missed_visits_and_says_the_housekeeping_has_not_run(demo):
    r = run("--demo", "today", "--json")
    data = json.loads(r.stdout)
    assert data["date"] == LAST and data["housekeeping_done"] is False
    assert data["progress"]["total"] <= CAPACITY  # nothing carried by a query
    missed = data["missed"]
    assert len(missed) > CAPACITY and {m["date"] for m in missed} >= {"2026-11-23", "2026-11-27"}
    r = run("--demo", "today")
    assert f"过期未访 {len(missed)} 次仍未安排" in r.stdout
    assert "khtui --demo housekeeping" in r.stderr


# -- the day's housekeeping ----------------------------------------------------------------------
def test_housekeeping_carries_within_capacity_drafts_next_month_once(demo):
    today_before = live_on(demo, LAST)
    r = run("--demo", "housekeeping", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    carry = data["carry_over"]
    assert data["already"] is False and data["workday"] is True
    assert carry["days"] == [LAST]  # the month has no other working day left
    assert carry["carried"] == CAPACITY - today_before  # today filled to capacity, no more
    assert live_on(demo, LAST) == CAPACITY
    assert carry["unplaced"] > 100  # the rest stays missed, listed by `today`
    assert [p["month"] for p in data["plans"]] == ["2026-12"]
    assert data["plans"][0]["status"] == "draft" and data["plans"][0]["submit_by"] == LAST
    assert data["backup"]
    listed = json.loads(run("--demo", "today", "--json").stdout)
    assert listed["housekeeping_done"] is True
    assert len(listed["missed"]) >= carry["unplaced"]
    # once a day: the second run changes nothing and says so
    before = digest(demo)
    r = run("--demo", "housekeeping")
    assert "的例行处理已于" in r.stdout and "这次没有改动" in r.stdout
    assert digest(demo) == before
    # the approved November plan records what carry-over changed in it
    plan = json.loads(run("--demo", "plan", "month", "--month", "2026-11", "--json").stdout)
    assert plan["status"] == "approved"
    assert len(plan["changes"]) == carry["carried"] + carry["merged"]
    assert {c["to_day"] for c in plan["changes"]} == {LAST}
    text = run("--demo", "plan", "month", "--month", "2026-11").stdout
    assert f"计划之后的补访调整 {len(plan['changes'])} 次" in text


def test_next_week_of_the_weekly_report_is_planned_after_the_housekeeping(demo):
    run("--demo", "housekeeping")
    s = Store(demo)
    try:
        days = s.weekly_figures("2026-W48").next_week.days
    finally:
        s.close()
    assert [d.day for d in days] == [
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
    ]
    assert all(d.visits > 0 for d in days)


def test_housekeeping_text_names_the_submit_command_with_the_users_options(demo):
    r = run("--demo", "housekeeping")
    out = r.stdout
    assert "已起草 2026-12 拜访计划（草稿）" in out
    assert "请于 2026-11-30 前提交审批：khtui --demo plan month --month 2026-12 --submit" in out
    assert "没有空位（每天最多 45 次）" in out


# -- hints repeat the user's options ------------------------------------------------------------
def test_after_the_demo_a_query_without_demo_says_to_add_it(demo):
    r = run("today", "--json")
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "演示数据库" in lines[0] and "khtui --demo today" in lines[0]


def test_hints_repeat_demo_and_db(demo, tmp_path):
    r = run("--demo", "plan", "month", "--month", "2027-01", "--submit")
    assert r.exit_code == 1
    assert "`khtui --demo plan month --month 2027-01 --generate`" in r.stderr
    copy = tmp_path / "my db.db"
    shutil.copy(demo, copy)
    r = run("--db", str(copy), "plan", "month", "--month", "2027-01", "--submit")
    assert f"`khtui --db '{copy}' plan month --month 2027-01 --generate`" in r.stderr
    r = run("--db", str(copy), "retailer", "NOPE")
    assert f"`khtui --db '{copy}' search NOPE`" in r.stderr


@pytest.mark.parametrize("args", [["today"], ["check"]])
def test_a_missing_database_names_the_db_given_in_the_import_hint(tmp_path, args):
    """Following the hint builds the database the user named, not the default one."""
    missing = tmp_path / "fresh 3.db"
    r = run("--db", str(missing), *args)
    assert r.exit_code == 1 and not missing.exists()
    assert f"`khtui --db '{missing}' import retailers 文件` 导入客户建库" in r.stderr
    r = run("--lang", "en", "--db", str(missing), *args)
    assert f"`khtui --db '{missing}' import retailers FILE`" in r.stderr
    r = run("today")  # no --db: the default database, as the hint says
    assert "`khtui import retailers 文件`" in r.stderr


# -- dates as the TUI reads them ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-11-27", "2026-11-27"),
        ("11-27", "2026-11-27"),
        ("27", "2026-11-27"),
        ("+3", "2026-12-03"),
        ("2026/12/1", "2026-12-01"),
    ],
)
def test_date_arguments_read_like_the_date_boxes(demo, typed, day):
    r = run("--demo", "today", "--date", typed, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["date"] == day


# -- usage errors: one line, exit 2 -------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["tody"], "没有这个命令：tody；是不是 today？"),
        (["today", "--jsn"], "没有这个选项：--jsn；是不是 --json？"),
        (["search", "yh", "--limit", "abc"], "--limit 的值不对：abc（要一个整数）"),
        (["retailers", "--tier", "9"], "--tier 的值不对：9（要 1 到 8 之间的整数）"),
        (["retailer"], "缺少 CODE"),
        (["today", "--date"], "--date 后面要跟一个值"),
        (
            ["today", "--date", "11月45日"],
            "日期无效：11月45日（写 2026-11-30、11-30、30 或 +3 即三天后）",
        ),
        (["plan", "month", "--month", "12"], "月份无效：12"),
        (["today", "tomorrow"], "多出 1 个参数：tomorrow；选项的值要跟在选项后面"),
        (["report", "week", "2026-W47", "--docx", "w.docx"], "多出 1 个参数：2026-W47；"),
        (["team", "merge", "a.db", "--into"], "--into 后面要跟一个值"),
        # an empty file name (a folder's, ".", is refused by the command as a folder)
        (["report", "week", "--docx", ""], "--docx 后面要跟一个值"),
        (["report", "month", "--month", "2026-10", "--docx", " "], "--docx 后面要跟一个值"),
        (["plan", "month", "--docx", ""], "--docx 后面要跟一个值"),
        (["plan", "month", "--xlsx", ""], "--xlsx 后面要跟一个值"),
        (["export", "visits", ""], "OUT 是空的（要一个文件路径）"),
    ],
)
def test_usage_errors_are_one_line_in_the_ui_language(demo, args, said):
    r = run("--demo", *args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误: ") and said in lines[0] and "--help" in lines[0]
    assert r.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["today", "--date", "9999-12-31"],
        ["today", "--date", "0001-01-01"],
        ["warnings", "--date", "1899-12-31"],
        ["retailer", "370102100001", "--as-of", "3000-01-01"],
        ["recompute", "--as-of", "1899-12-31"],
        ["brands", "--figures", "--to", "0001-01-01"],
        ["complaint", "raise", "370102100001", "supply", "测试", "--on", "9999-12-31"],
        ["demo", "--db", "never.db", "--today", "0001-01-01"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_day_outside_the_years_handled_is_a_bad_date(demo, tmp_path, args):
    before = digest(demo)
    never = tmp_path / "never.db"
    r = run("--demo", *[str(never) if a == "never.db" else a for a in args])
    assert r.exit_code == 2, r.output
    value = args[-1]
    assert r.stderr.startswith(f"错误: 日期无效：{value}（写 ")
    assert len(r.stderr.strip().splitlines()) == 1 and r.stdout == ""
    assert digest(demo) == before and not never.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["warnings", "--date", "1900-01-01"],
        ["warnings", "--date", "2999-12-31"],
        ["retailer", "370102100001", "--as-of", "1900-01-01"],
        ["brands", "--figures", "--to", "1900-01-01"],
    ],
    ids=lambda a: " ".join(a),
)
def test_the_first_and_last_days_handled_are_answered(demo, args):
    # their look-backs reach months before the first year handled
    r = run("--demo", *args)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(("group", "command"), [("plan", "month"), ("team", "merge")])
def test_a_group_without_its_command_shows_its_commands(demo, group, command):
    r = run("--demo", group)
    assert r.exit_code == 2, r.output
    assert "Commands:" in r.stderr and f"  {command} " in r.stderr
    assert "错误" not in r.stderr and r.stdout == ""


def test_usage_errors_in_english(demo):
    r = run("--lang", "en", "tody")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "Error: no such command: tody; did you mean today? (see `khtui --help`)"
    )
    r = run("--lang", "en", "--demo", "search", "yh", "--limit", "abc")
    assert r.stderr.strip() == (
        "Error: --limit cannot be abc (it takes a whole number) (see `khtui search --help`)"
    )
    r = run("--lang", "en", "--demo", "report", "week", "2026-W47", "W48", "--docx", "w.docx")
    assert r.stderr.strip() == (
        "Error: unexpected arguments: 2026-W47 W48; an option's value goes right after the "
        "option (see `khtui report week --help`)"
    )


def test_user_errors_stay_exit_1(demo):
    r = run("--demo", "retailer", "NOPE")
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1


# -- one formatting of a value -------------------------------------------------------------------
def test_a_value_is_written_as_the_profile_writes_it(tmp_path, monkeypatch):
    db = tmp_path / "k.db"
    s = Store(db, create=True)
    s.upsert_retailers(
        [
            {
                "code": "C1",
                "name": "长安食杂店",
                "route": "城东一线",
                "route_seq": 1,
                "floor_area": 33.0,
                "monitored": 0,
                "model_outlet": 1,
                "status": "正常",
            }
        ],
        source="test",
    )
    s.add_adhoc_visit("C1", s.today(), reasons=("plan", "sales_swing", "complaint"))
    s.close()
    out = run("--db", str(db), "retailer", "C1").stdout
    assert "  营业面积: 33\n" in out and ZH.field("floor_area", 33.0) == "33"
    assert "  监控户: 否\n" in out and "  示范户: 是\n" in out
    assert "  状态: 正常\n" in out
    shown = ZH.reasons(["plan", "sales_swing", "complaint"])
    assert shown == "投诉回访、销量波动"  # the today list's cell says the same
    assert shown in run("--db", str(db), "today").stdout
    out = run("--db", str(db), "--lang", "en", "retailer", "C1").stdout
    assert "  Monitored outlet: no\n" in out and "  Floor area (m²): 33\n" in out


# -- any date, month or week argument: its day, or a usage error of one line ---------------------
ARGUMENT = st.one_of(
    st.text(max_size=16).filter(lambda s: not s.startswith("-") or s[1:2].isdigit()),
    st.text(alphabet="0123456789+-./年月日Ww ", min_size=1, max_size=12),
)
CLI_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _usage_error(r) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: "), lines
    assert r.stdout == ""


@CLI_EXAMPLES
@example(typed="11月45日")
@example(typed="+999")
@given(typed=ARGUMENT)
def test_any_date_argument_is_its_day_or_one_usage_line(demo, typed):
    """The demo's database is only read by these commands, so one copy serves every example."""
    try:
        meant = parse_day(typed, dt.date.fromisoformat(LAST))
    except ValueError:
        meant = None
    r = run("--demo", "today", "--date", typed, "--json")
    if meant is None:
        _usage_error(r)
    else:
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["date"] == meant.isoformat()


@CLI_EXAMPLES
@example(typed="2026-13")
@example(typed="2026-W53")
@example(typed="0001-W01")  # outside the years handled
@example(typed="2026-W49")  # not begun by LAST
@given(typed=ARGUMENT)
def test_any_month_or_week_argument_is_read_or_one_usage_line(demo, tmp_path, typed):
    try:
        year, month = parse_month(typed.strip())
    except ValueError:
        month = None
    r = run("--demo", "plan", "month", "--month", typed, "--json")
    if month is None:
        _usage_error(r)
    else:
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["month"] == f"{year:04d}-{month:02d}"
    try:  # a week of the years handled, begun by today
        week = handled_week(typed)
    except ValueError:
        week = None
    if week is not None and not week_started(week, dt.date.fromisoformat(LAST)):
        week = None
    out = tmp_path / "w.docx"
    out.unlink(missing_ok=True)
    r = run("--demo", "report", "week", "--week", typed, "--docx", str(out), "--force", "--json")
    if week is None:
        _usage_error(r)
        assert not out.exists()
    else:
        assert r.exit_code == 0, r.output
        assert week in r.stdout


def test_a_usage_error_names_the_command_when_run_as_python_m_khtui(tmp_path):
    # the root's name is then "python -m khtui": the hint still names `khtui` and the command
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    r = subprocess.run(
        [sys.executable, "-m", "khtui", "--lang", "en", "report", "week", "2026-W47"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == "Error: missing --docx (see `khtui report week --help`)"
