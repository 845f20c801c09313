"""`khtui am`, `khtui team merge`, `khtui team status`, `khtui import approvals`."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.store import Store
from tests.conftest import damage
from tests.team_helpers import newer_copy


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


@pytest.fixture(scope="module")
def two_ams(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-ams")
    out = []
    for i in (1, 2):
        path = folder / f"am{i}.db"
        r = run(
            "demo",
            "--db",
            str(path),
            "--retailers",
            "30",
            "--months",
            "3",
            "--seed",
            str(i),
            "--today",
            "2026-11-23",
            "--territory",
            str(i),
        )
        assert r.exit_code == 0, r.output
        out.append(path)
    return out


@pytest.fixture
def ams(two_ams, tmp_path):
    return [shutil.copy(p, tmp_path / p.name) for p in two_ams]


def test_am_set_once_and_shown(tmp_path):
    db = str(tmp_path / "k.db")
    Store(tmp_path / "k.db", create=True).close()
    r = run("--db", db, "am")
    assert r.exit_code == 0 and "khtui am set" in r.output
    r = run("--db", db, "am", "set", "KH0107", "王建国")
    assert r.exit_code == 0 and "KH0107 王建国" in r.output
    r = run("--db", db, "am")
    assert "KH0107 王建国" in r.output
    r = run("--db", db, "am", "set", "KH0999", "王建国")
    assert r.exit_code == 1
    assert r.output.strip().count("\n") == 0 and "--force" in r.output
    r = run("--db", db, "am", "set", "KH0999", "王建国", "--force")
    assert r.exit_code == 0
    s = Store(tmp_path / "k.db")
    assert (s.meta("am_code"), s.meta("am_name")) == ("KH0999", "王建国")
    assert len(s.meta("am_id")) == 32
    s.close()


def test_merge_twice_and_the_team_status(ams, tmp_path):
    team = tmp_path / "team.db"
    r = run("team", "merge", *map(str, ams), "--into", str(team))
    assert r.exit_code == 0, r.output
    assert "团队库" in r.output and "2 位客户经理，60 户客户" in r.output
    assert "客户查找索引已重建（60 户）" in r.output
    r = run("team", "merge", str(ams[1]), "--into", str(team))
    assert r.exit_code == 0 and "索引" not in r.output  # nothing changed: the index is kept
    s = Store(team)
    assert len(s.search_retailers(s.query_one("SELECT name FROM retailers")[0], 5)) >= 1
    s.close()
    r = run("team", "merge", str(ams[0]), "--into", str(team), "--json")
    data = json.loads(r.stdout)
    file = data["files"][0]
    assert file["am_code"] == "DEMO01"
    assert file["retailers"] == {"added": 0, "updated": 0, "conflicts": 0}
    assert all(v == {"added": 0, "updated": 0, "removed": 0} for v in file["records"].values())
    assert data["shared"] == [] and data["ams"] == 2
    r = run("--db", str(team), "team", "status", "--json")
    rows = json.loads(r.stdout)
    assert [x["code"] for x in rows] and {x["code"] for x in rows} == {"DEMO01", "DEMO02"}
    # the demo's forecasts made before October, scored as each AM's own analysis scores them
    for x in rows:
        src = Store(ams[0] if x["code"] == "DEMO01" else ams[1])
        own = src.month_accuracy("2026-10").area.accuracy
        src.close()
        assert x["forecast_month"] == "2026-10"
        assert x["forecast_accuracy"] == round(own, 4)
    cov = [x["coverage"] for x in rows]
    assert cov == sorted(cov)  # lowest coverage first
    r = run("--db", str(team), "team", "status")
    assert "上月预测准确率" in r.output and "DEMO01" in r.output
    r = run("--db", str(ams[0]), "team", "status")
    assert r.exit_code == 1 and "不是团队库" in r.output


def test_refused_files_one_line_nothing_merged(ams, tmp_path):
    team = tmp_path / "team.db"
    text = tmp_path / "list.db"
    text.write_text("不是数据库")
    newer = newer_copy(ams[1], tmp_path / "newer.db", ahead=3)
    for bad, words in ((text, "不是 khtui 数据库"), (newer, "更新版本")):
        digest = hashlib.sha256(bad.read_bytes()).hexdigest()
        r = run("team", "merge", str(ams[0]), str(bad), "--into", str(team))
        assert r.exit_code == 1
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and bad.name in lines[0]
        assert hashlib.sha256(bad.read_bytes()).hexdigest() == digest
        assert not team.exists()
    r = CliRunner().invoke(main, ["--lang", "en", "team", "merge", str(text), "--into", str(team)])
    assert r.exit_code == 1 and "is not a khtui database" in r.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_team_database_that_cannot_be_one_is_said_in_words(ams, tmp_path, lang):
    """--into a file that is no database, or one of a newer khtui: what the file is was shown
    as its message key (store.err.not_sqlite (path=…, size=15))."""
    text = tmp_path / "notdb.txt"
    text.write_text("not a database\n")
    newer = newer_copy(ams[1], tmp_path / "newer.db", ahead=3)
    said = {
        "zh": (f"{text} 不能用作团队库：{text} 不是数据库文件（15 字节", "由更新版本的 khtui 写入"),
        "en": (
            f"{text} cannot be used as a team database: {text} is not a database file (15 bytes",
            "was written by a newer khtui",
        ),
    }[lang]
    for into, words in zip((text, newer), said, strict=True):
        digest = hashlib.sha256(into.read_bytes()).hexdigest()
        r = run("--lang", lang, "team", "merge", str(ams[0]), "--into", str(into))
        assert r.exit_code == 1
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], lines
        assert "store.err" not in lines[0]
        assert hashlib.sha256(into.read_bytes()).hexdigest() == digest


def test_a_damaged_am_database_is_named_and_nothing_is_merged(ams, tmp_path, monkeypatch):
    """Damage met while merging (the order lines) was said of the database --db names, which
    did not even exist, with the advice to restore it; the team database was left created."""
    monkeypatch.setenv("KHTUI_DB", str(tmp_path / "own.db"))  # never created
    team = tmp_path / "team.db"
    damage(ams[1], "order_lines")
    digest = hashlib.sha256(ams[1].read_bytes()).hexdigest()
    r = run("team", "merge", str(ams[0]), str(ams[1]), "--into", str(team))
    assert r.exit_code == 1
    assert r.output == (
        f"错误: {ams[1]} 已损坏（完整性检查未通过）；未合并任何文件，该文件未改动。"
        "请该客户经理用 khtui check 检查并从备份恢复后再交来\n"
    )
    assert hashlib.sha256(ams[1].read_bytes()).hexdigest() == digest
    assert not team.exists() and not (tmp_path / "own.db").exists()


def test_a_damaged_team_database_is_named_with_its_own_hints(ams, tmp_path, monkeypatch):
    monkeypatch.setenv("KHTUI_DB", str(tmp_path / "own.db"))
    team = tmp_path / "team.db"
    assert run("team", "merge", str(ams[0]), "--into", str(team)).exit_code == 0
    damage(team, "order_lines")
    r = run("team", "merge", str(ams[0]), "--into", str(team))
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"错误: 数据库 {team} 已损坏"), lines
    assert f"`khtui --db {team} restore 备份文件`" in lines[0] and "own.db" not in lines[0]


def test_serving_a_file_that_is_no_database_says_so_before_any_address(tmp_path):
    text = tmp_path / "notdb.txt"
    text.write_text("not a database\n")
    r = run("team", "serve", str(text), "--port", "1")
    assert r.exit_code == 1
    assert r.output.startswith(f"错误: {text} 不是数据库文件（15 字节")
    assert len(r.output.strip().splitlines()) == 1 and "http" not in r.output


def test_import_approvals_from_the_command_line(ams, tmp_path):
    path = _returned_plan(ams, tmp_path)
    r = run("--db", str(ams[0]), "import", "approvals", str(path))
    assert r.exit_code == 0, r.output
    assert "退回 1" in r.output and "2026-12 计划：已退回" in r.output
    r = run("--db", str(ams[1]), "import", "approvals", str(path))
    assert r.exit_code == 1 and "是发给" in r.output
    r = run("--db", str(ams[0]), "plan", "month", "--month", "2026-12", "--json")
    assert json.loads(r.stdout)["status"] == "returned"


def _returned_plan(ams, tmp_path):
    """The approval file returning the first AM's plan of 2026-12, submitted for it."""
    am = Store(ams[0])
    am.generate_month_plan("2026-12")
    am.submit_plan("2026-12")
    am.close()
    team = tmp_path / "team.db"
    assert run("team", "merge", str(ams[0]), "--into", str(team)).exit_code == 0
    t = Store(team)
    plan = t.plans_waiting()[0]
    t.decide_plan(plan.plan_id, "returned", "请补充城东一线")
    path = t.write_approvals(plan.am_id, tmp_path)
    t.close()
    return path


def _plan_status(db, month="2026-12"):
    r = run("--db", str(db), "plan", "month", "--month", month, "--json")
    return json.loads(r.stdout)["status"]


def test_a_dry_run_of_approvals_says_what_it_would_do_and_writes_nothing(ams, tmp_path):
    path = _returned_plan(ams, tmp_path)
    before = ams[0].read_bytes()
    r = run("--db", str(ams[0]), "import", "approvals", str(path), "--dry-run")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "退回 1" in lines[0] and lines[0].endswith("（试运行，未写入）")
    assert lines[1:] == ["2026-12 计划：已退回"]
    assert ams[0].read_bytes() == before and _plan_status(ams[0]) == "submitted"
    r = run("--db", str(ams[0]), "--lang", "en", "import", "approvals", str(path), "--dry-run")
    assert r.output.splitlines()[0].endswith(
        "returned 1; retailer changes confirmed 0, "
        "rejected 0 (set back 0); out of date 0; imported before 0 (dry run, nothing written)"
    )
    r = run("--db", str(ams[0]), "import", "approvals", str(path), "--dry-run", "--json")
    out = json.loads(r.stdout)
    assert (out["returned"], out["plans"], out["dry_run"]) == (1, {"2026-12": "returned"}, True)
    assert ams[0].read_bytes() == before
    # the import itself does what the dry run said, in the same words
    r = run("--db", str(ams[0]), "import", "approvals", str(path))
    assert r.output.splitlines() == [lines[0].removesuffix("（试运行，未写入）"), *lines[1:]]
    assert _plan_status(ams[0]) == "returned"


@pytest.mark.parametrize(
    ("extra", "lang", "message"),
    [
        (["--rejects", "x.csv"], "zh", "错误: --rejects 不适用于 approvals"),
        (["--sheet", "Sheet1"], "zh", "错误: --sheet 不适用于 approvals"),
        (["--sheet", "Sheet1", "--dry-run"], "en", "Error: --sheet does not apply to approvals"),
    ],
)
def test_options_of_other_imports_are_refused_for_approvals(
    ams, tmp_path, monkeypatch, extra, lang, message
):
    path = _returned_plan(ams, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = ams[0].read_bytes()
    files = sorted(p.name for p in tmp_path.iterdir())
    r = run("--db", str(ams[0]), "--lang", lang, "import", "approvals", str(path), *extra)
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and r.stderr.startswith(message) and "import --help" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert ams[0].read_bytes() == before and _plan_status(ams[0]) == "submitted"
    assert sorted(p.name for p in tmp_path.iterdir()) == files


def test_one_ams_records_in_the_team_database(ams, tmp_path):
    """``--am CODE`` on a team database gives what that AM's own database gives."""
    team = tmp_path / "team.db"
    assert run("team", "merge", *map(str, ams), "--into", str(team)).exit_code == 0
    gaps_found = 0

    def gaps_of(db, day):
        out = json.loads(run("--db", str(db), "captures", "--gaps", day, "--json").stdout)
        return len(out["finished_without_capture"]) + len(out["drafts"])

    # a day whose visits left something to capture (the demo leaves a few)
    days = (f"2026-11-{d:02d}" for d in range(1, 23))
    gap_day = next(day for day in days if any(gaps_of(own, day) for own in ams))
    for code, own in (("DEMO01", ams[0]), ("DEMO02", ams[1])):
        for cmd in (["retailers"], ["complaints"], ["captures"]):
            r = run("--db", str(team), *cmd, "--am", code, "--json")
            assert r.exit_code == 0, r.output
            mine = json.loads(r.stdout)
            theirs = json.loads(run("--db", str(own), *cmd, "--json").stdout)
            assert mine, (code, cmd)
            key = "code" if cmd == ["retailers"] else "id"
            assert sorted(x[key] for x in mine) == sorted(x[key] for x in theirs), (code, cmd)
        gaps = ["captures", "--gaps", gap_day, "--json"]
        mine = json.loads(run("--db", str(team), *gaps, "--am", code).stdout)
        theirs = json.loads(run("--db", str(own), *gaps).stdout)
        assert mine == theirs
        gaps_found += len(mine["finished_without_capture"]) + len(mine["drafts"])
        whole = json.loads(run("--db", str(team), "captures", "--json").stdout)
        assert len(whole) > len(mine)  # the team's are more than one AM's
        rows = json.loads(run("--db", str(team), "team", "status", "--am", code, "--json").stdout)
        assert [x["code"] for x in rows] == [code]
    whole = json.loads(run("--db", str(team), *gaps).stdout)
    assert gaps_found == len(whole["finished_without_capture"]) + len(whole["drafts"]) > 0

    r = run("--db", str(team), "complaints", "--am", "KH9999")
    assert r.exit_code == 1 and r.output.strip().count("\n") == 0
    assert "KH9999" in r.output and "DEMO01, DEMO02" in r.output
    r = run("--db", str(ams[0]), "retailers", "--am", "DEMO01")
    assert r.exit_code == 1 and r.output.strip().count("\n") == 0 and "团队库" in r.output


def _counts(db) -> dict[str, int]:
    s = Store(db)
    try:
        tables = (
            "visits",
            "visit_plans",
            "plan_changes",
            "complaints",
            "weekly_reports",
            "order_lines",
        )
        return {name: s.scalar(f"SELECT count(*) FROM {name}") for name in tables}
    finally:
        s.close()


def _without(out: str, *keys: str) -> dict:
    d = json.loads(out)
    return {k: v for k, v in d.items() if k not in keys}


def test_one_ams_day_and_plan_in_the_team_database(ams, tmp_path):
    """``today`` and ``plan month`` on a team database show one AM's (``--am``), exactly as
    that AM's own database shows them; without ``--am`` they say which AMs there are."""
    team = tmp_path / "team.db"
    assert run("team", "merge", *map(str, ams), "--into", str(team)).exit_code == 0
    day_total = 0
    for code, own in (("DEMO01", ams[0]), ("DEMO02", ams[1])):
        mine = run("--db", str(team), "today", "--am", code, "--json")
        assert mine.exit_code == 0, mine.output
        theirs = run("--db", str(own), "today", "--json").stdout
        assert _without(mine.stdout, "housekeeping_done") == _without(theirs, "housekeeping_done")
        day_total += len(json.loads(mine.stdout)["visits"])
        plan = ["plan", "month", "--month", "2026-11", "--json"]
        mine = run("--db", str(team), *plan, "--am", code)
        assert mine.exit_code == 0, mine.output
        assert json.loads(mine.stdout) == json.loads(run("--db", str(own), *plan).stdout)
        assert json.loads(mine.stdout)["visits"]
    s = Store(team)
    assert day_total == s.scalar("SELECT count(*) FROM visits WHERE planned_date = '2026-11-23'")
    s.close()
    assert day_total > 0
    for cmd in (["today"], ["plan", "month", "--month", "2026-11"]):
        r = run("--db", str(team), *cmd)
        assert r.exit_code == 1 and r.output.strip().count("\n") == 0, r.output
        assert "--am" in r.output and "DEMO01, DEMO02" in r.output
    r = run("--db", str(team), "plan", "month", "--month", "2026-12", "--am", "DEMO01")
    assert r.exit_code == 1 and "DEMO01" in r.output and "--generate" not in r.output


def test_an_ams_own_records_are_not_made_in_the_team_database(ams, tmp_path):
    """Plans, complaints, reports and imports are the AM's, made in the AM's own database and
    merged in: on a team database each is refused in one line and nothing is written."""
    team = tmp_path / "team.db"
    assert run("team", "merge", *map(str, ams), "--into", str(team)).exit_code == 0
    code = Store(ams[0]).query_one("SELECT code FROM retailers LIMIT 1")[0]
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "客户编码,订货日期,卷烟编码,卷烟名称,订货量(条),金额(元),批发价\n"
        f"{code},2026-11-20,6901028001,泰山(红将军),2,260,130\n",
        encoding="utf-8",
    )
    before = _counts(team)
    attempts = [
        ["plan", "month", "--month", "2026-12", "--generate"],
        ["plan", "month", "--month", "2026-11", "--submit"],
        ["complaint", "raise", code, "delivery", "送货晚"],
        ["report", "week", "--week", "2026-W47", "--docx", str(tmp_path / "w.docx")],
        ["report", "month", "--month", "2026-10", "--problems", "x"],
        ["import", "orders", str(orders)],
    ]
    for args in attempts:
        r = run("--db", str(team), *args)
        assert r.exit_code == 1 and r.output.strip().count("\n") == 0, (args, r.output)
        assert "团队库" in r.output and "team merge" in r.output, (args, r.output)
    r = run("--db", str(team), "plan", "month", "--month", "2026-11", "--approve")
    assert r.exit_code == 1 and f"khtui --db {team}" in r.output, r.output
    assert not (tmp_path / "w.docx").exists()
    assert _counts(team) == before


def test_housekeeping_of_a_team_database_is_only_its_backup(ams, tmp_path, monkeypatch):
    """A day when an AM's housekeeping carries missed visits over and drafts next month's
    plan: on the team database it only backs up, as the manager's view does."""
    monkeypatch.setenv("KHTUI_TODAY", "2026-11-27")
    team = tmp_path / "team.db"
    assert run("team", "merge", *map(str, ams), "--into", str(team)).exit_code == 0
    own = json.loads(
        run("--db", str(shutil.copy(ams[0], tmp_path / "x.db")), "housekeeping", "--json").stdout
    )
    assert own["carry_over"]["carried"] > 0 and own["plans"]  # what an AM's would do
    again = shutil.copy(team, tmp_path / "again.db")
    before = _counts(team)
    r = run("--db", str(team), "housekeeping", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["carry_over"] is None and out["plans"] == [] and out["backup"]
    assert _counts(team) == before
    r = run("--db", str(again), "--lang", "en", "housekeeping")
    assert r.exit_code == 0 and "a team database gets only its backup" in r.output, r.output
    assert "rest day" not in r.output and _counts(again) == before


def test_a_team_databases_forecast_is_one_ams_and_scored_on_their_retailers(ams, tmp_path):
    """On a team database the forecasts are the AMs': `forecast` asks which AM (--am), shows
    that AM's, and scores it against that AM's retailers, as their own database does (it took
    the latest AM's run and scored it against every AM's orders)."""
    team = tmp_path / "team.db"
    assert run("team", "merge", *map(str, ams), "--into", str(team)).exit_code == 0
    r = run("--db", str(team), "forecast", "--month", "2026-10")
    assert r.exit_code == 1 and "DEMO01" in r.output and "DEMO02" in r.output
    for code, path in (("DEMO01", ams[0]), ("DEMO02", ams[1])):
        r = run("--db", str(team), "forecast", "--month", "2026-10", "--am", code, "--json")
        assert r.exit_code == 0, r.output
        area = json.loads(r.stdout)["accuracy"]["area"]
        own = json.loads(run("--db", str(path), "forecast", "--month", "2026-10", "--json").stdout)
        assert area == own["accuracy"]["area"]
        assert area["accuracy"] > 0.8
