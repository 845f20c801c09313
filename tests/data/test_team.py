"""Merging AMs' databases into a team database: counts, provenance, idempotence, conflicts,
refusals (khtui.data.team)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from khtui.data.base import migrate
from khtui.data.schema import SCHEMA_VERSION
from khtui.data.store import Store
from khtui.data.team import (
    MergeRefused,
    inspect_source,
    is_team_database,
    merge_into,
    shared_retailers,
)
from khtui.rules import Rules
from tests.data.conftest import DEMO_AM_TABLES
from tests.team_helpers import build_ams, newer_copy

TODAY = dt.date(2026, 11, 23)
NOW = "2026-11-23T18:00:00"


def _clock(hour: int = 9, day: dt.date = TODAY):
    return lambda: dt.datetime.combine(day, dt.time(hour, 0))


@pytest.fixture(scope="module")
def ams(tmp_path_factory):
    """Three AMs' databases: other territories (AM codes, customer codes) and other seeds."""
    return build_ams(tmp_path_factory.mktemp("ams"), (11, 22, 33), retailers=40, months=4)


@pytest.fixture
def copies(ams, tmp_path):
    """Fresh copies the test may change."""
    return [shutil.copy(p, tmp_path / p.name) for p in ams]


def _count(path: Path, table: str, where: str = "") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_ams_merged_then_one_again_adds_nothing(copies, tmp_path):
    team = tmp_path / "team.db"
    results = merge_into(team, copies, now=NOW)
    assert [r.am_code for r in results] == ["DEMO01", "DEMO02", "DEMO03"]
    for table in (
        "retailers",
        "order_lines",
        "monthly_sales",
        "monthly_brand_sales",
        *DEMO_AM_TABLES,
    ):
        total = sum(_count(p, table) for p in copies)
        assert total > 0, table
        assert _count(team, table) == total, table
    assert _count(team, "team_ams") == 3 and _count(team, "team_sources") == 3
    assert _count(team, "team_books") == 120
    conn = sqlite3.connect(team)
    # provenance: every AM record names its AM and the merged file it came from
    for table in DEMO_AM_TABLES:
        rows = conn.execute(
            f"SELECT t.am_id = s.am_id, s.path FROM {table} t JOIN team_sources s "
            f"ON s.id = t.source_id"
        ).fetchall()
        assert len(rows) == _count(team, table), table
        assert all(same for same, _ in rows), table
    by_file = dict(
        conn.execute(
            "SELECT s.path, count(*) FROM visits v JOIN team_sources s ON s.id = v.source_id "
            "GROUP BY s.path"
        ).fetchall()
    )
    assert by_file == {str(p): _count(p, "visits") for p in copies}
    names = dict(conn.execute("SELECT code, name FROM team_ams").fetchall())
    for p in copies:
        s = Store(p)
        assert names[s.meta("am_code")] == s.meta("am_name")
        s.close()
    assert is_team_database(conn)
    conn.close()
    before = {t: _count(team, t) for t in ("retailers", "order_lines", *DEMO_AM_TABLES)}
    again = merge_into(team, [copies[1]], now="2026-11-23T19:00:00")[0]
    assert again.retailers_added == again.retailers_updated == again.retailer_conflicts == 0
    assert again.order_lines_written == 0 and again.months_summed_again == 0
    assert all(v == {"added": 0, "updated": 0, "removed": 0} for v in again.records.values())
    assert {t: _count(team, t) for t in before} == before
    assert _count(team, "team_sources") == 4


def test_what_changed_since_is_updated_and_what_was_deleted_leaves(copies, tmp_path):
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    am = Store(copies[0], clock=_clock(17))
    complaint = am.query_one("SELECT id FROM complaints WHERE status = 'open' LIMIT 1")["id"]
    am.advance_complaint(complaint, "forwarded", on=TODAY)
    report = am.query_one("SELECT week FROM weekly_reports WHERE status = 'submitted'")["week"]
    am.save_weekly_draft(report, {"problems": "补充：城东一线断档已解决"})
    future = am.query_one(
        "SELECT id FROM visits WHERE status = 'planned' AND planned_date > ? LIMIT 1",
        (TODAY.isoformat(),),
    )["id"]
    am.remove_visit(future)
    am.close()
    r = merge_into(team, [copies[0]], now="2026-11-23T19:00:00")[0]
    assert r.records["complaints"] == {"added": 0, "updated": 1, "removed": 0}
    assert r.records["weekly_reports"]["added"] == 1  # the report's next version
    assert r.records["visits"]["removed"] == 1
    conn = sqlite3.connect(team)
    assert conn.execute("SELECT status FROM complaints WHERE id = ?", (complaint,)).fetchone() == (
        "forwarded",
    )
    assert conn.execute("SELECT count(*) FROM visits WHERE id = ?", (future,)).fetchone() == (0,)
    assert conn.execute(
        "SELECT max(version) FROM weekly_reports WHERE week = ? AND am_id = "
        "(SELECT am_id FROM team_ams WHERE code = 'DEMO01')",
        (report,),
    ).fetchone() == (2,)


def _retailer_on_two_books(copies):
    """AM2's database gets one of AM1's retailers with another phone, written later."""
    a = Store(copies[0])
    code, phone = a.query_one("SELECT code, phone FROM retailers ORDER BY code LIMIT 1")
    record = dict(a.get_retailer(code))
    a.close()
    b = Store(copies[1], clock=_clock(15))
    record = {k: v for k, v in record.items() if k in {"code", "name", "licence_no", "route"}}
    b.upsert_retailers([{**record, "phone": "13900000000"}], source="import:b.xlsx")
    b.close()
    return code, phone


def test_a_retailer_on_two_books_newest_copy_wins_other_value_kept(copies, tmp_path):
    code, old_phone = _retailer_on_two_books(copies)
    team = tmp_path / "team.db"
    results = merge_into(team, copies[:2], now=NOW)
    assert results[1].retailer_conflicts == 1
    s = Store(team)
    assert s.get_retailer(code)["phone"] == "13900000000"  # AM2's copy is newer
    history = s.query(
        "SELECT old, new, source, am_id FROM retailer_changes WHERE retailer_code = ? "
        "AND field = 'phone' AND source = 'merge'",
        (code,),
    )
    assert [(h["old"], h["new"]) for h in history] == [(old_phone, "13900000000")]
    am1, am2 = (
        s.scalar("SELECT am_id FROM team_ams WHERE code = ?", (c,)) for c in ("DEMO01", "DEMO02")
    )
    shared = shared_retailers(s.conn)
    assert [(x.code, x.am_ids, x.owner) for x in shared] == [(code, tuple(sorted((am1, am2))), am2)]
    assert s.shared_count() == 1
    # moved: it counts for AM2 now, and AM1's visits of it stay, under AM1
    assert results[1].moved == [(code, am1, am2)]
    visits = s.query("SELECT DISTINCT am_id FROM visits WHERE retailer_code = ?", (code,))
    assert [v[0] for v in visits] == [am1]
    owned = {r.code for r in s.owned_retailers(am2, "2026-11", TODAY)}
    assert code in owned and code not in {r.code for r in s.owned_retailers(am1, "2026-11", TODAY)}
    s.close()


def test_an_older_copy_loses_and_its_value_is_kept_in_history(copies, tmp_path):
    code, old_phone = _retailer_on_two_books(copies)
    team = tmp_path / "team.db"
    merge_into(team, [copies[1], copies[0]], now=NOW)  # the newer copy first
    s = Store(team)
    assert s.get_retailer(code)["phone"] == "13900000000"
    history = s.query(
        "SELECT old, new FROM retailer_changes WHERE retailer_code = ? AND source = 'merge' "
        "AND field = 'phone'",
        (code,),
    )
    assert [(h["old"], h["new"]) for h in history] == [(old_phone, "13900000000")]
    s.close()


def test_order_lines_once_per_key_and_months_summed_again(copies, tmp_path):
    """Two AMs' files with lines of the same retailer and month: one copy per key, and that
    month's aggregates are the sum of the merged lines."""
    code, _ = _retailer_on_two_books(copies)
    a = Store(copies[0])
    line = a.query_one(
        "SELECT * FROM order_lines WHERE retailer_code = ? ORDER BY order_date DESC LIMIT 1",
        (code,),
    )
    a.close()
    b = Store(copies[1])
    b.add_order_lines(
        [
            (code, line["order_date"], line["brand_code"], line["brand_name"], 7.0, 700.0, 100.0),
            (code, line["order_date"], "6901028000000", "新规格", 3.0, 90.0, 30.0),
        ]
    )
    b.close()
    team = tmp_path / "team.db"
    merge_into(team, copies[:2], now=NOW)
    s = Store(team)
    month = line["order_date"][:7]
    lines = s.query(
        "SELECT brand_code, qty_tiao FROM order_lines WHERE retailer_code = ? AND order_date = ?",
        (code, line["order_date"]),
    )
    brands = dict((r[0], r[1]) for r in lines)
    assert brands[line["brand_code"]] == 7.0 and brands["6901028000000"] == 3.0
    summed = s.query_one(
        "SELECT sum(qty_tiao), count(*) FROM order_lines WHERE retailer_code = ? "
        "AND order_date BETWEEN ? AND ?",
        (code, month + "-01", month + "-31"),
    )
    agg = s.query_one(
        "SELECT qty_tiao, lines FROM monthly_sales WHERE retailer_code = ? AND month = ?",
        (code, month),
    )
    assert (agg["qty_tiao"], agg["lines"]) == (summed[0], summed[1])
    total = s.scalar(
        "SELECT sum(qty_tiao) FROM monthly_brand_sales WHERE retailer_code = ? AND month = ?",
        (code, month),
    )
    assert total == summed[0]
    s.close()


def test_a_file_that_is_not_khtui_or_is_newer_is_refused_untouched(copies, tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("客户名单\n")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    newer = newer_copy(copies[0], tmp_path / "newer.db")
    team = tmp_path / "team.db"
    for path, key in ((text, "not_khtui"), (other, "not_khtui"), (newer, "newer")):
        digest = _digest(path)
        with pytest.raises(MergeRefused) as caught:
            merge_into(team, [copies[1], path], now=NOW)
        assert caught.value.key == key
        assert _digest(path) == digest
        assert sorted(p.name for p in tmp_path.glob(f"{path.name}*")) == [path.name]
        assert not team.exists()  # refused before anything was merged


def test_an_older_khtui_file_is_upgraded_in_a_copy(tmp_path):
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old, isolation_level=None)
    migrate(conn, SCHEMA_VERSION - 1)
    conn.execute(
        "INSERT INTO meta VALUES ('am_id', 'a1b2'), ('am_code', 'K9'), ('am_name', '老张')"
    )
    conn.execute(
        "INSERT INTO retailers (code, name, created_at, updated_at) VALUES ('R1', '店', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO visits (id, am_id, retailer_code, planned_date, created_at, updated_at) "
        "VALUES ('v1', 'a1b2', 'R1', '2026-11-02', 'x', 'x')"
    )
    conn.close()
    digest = _digest(old)
    result = merge_into(tmp_path / "team.db", [old], now=NOW)[0]
    assert result.upgraded_from == SCHEMA_VERSION - 1
    assert result.records["visits"]["added"] == 1
    assert _digest(old) == digest
    assert inspect_source(old).schema_version == SCHEMA_VERSION - 1


def test_an_older_copy_of_an_am_database_is_refused(copies, tmp_path):
    old = tmp_path / "am1-old.db"
    shutil.copy(copies[0], old)
    am = Store(copies[0], clock=_clock(18))
    code = am.query_one("SELECT code FROM retailers WHERE status = '正常' LIMIT 1")["code"]
    am.update_retailer(code, {"phone": "13811112222"})
    am.close()
    team = tmp_path / "team.db"
    merge_into(team, [copies[0]], now=NOW)
    with pytest.raises(MergeRefused) as caught:
        merge_into(team, [old], now=NOW)
    assert caught.value.key == "older_copy"
    with pytest.raises(MergeRefused) as caught:
        merge_into(team, [copies[0], copies[0]], now=NOW)
    assert caught.value.key == "same_am"
    with pytest.raises(MergeRefused) as caught:
        merge_into(copies[1], [copies[2]], now=NOW)
    assert caught.value.key == "target_is_am"


def test_every_command_works_on_the_team_database(copies, tmp_path):
    """Same schema: the store's own reads run on it (the whole team's records)."""
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    s = Store(team, clock=_clock())
    assert len(s.search_retailers("店", 5)) == 5
    assert s.month_coverage("2026-11", TODAY)["active"] == sum(
        _count(p, "retailers", "WHERE status = '正常'") for p in copies
    )
    assert s.complaints()
    s.close()


def test_the_whys_of_the_merged_retailers_read_as_in_the_am_databases(copies, tmp_path):
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    first = Store(copies[0])
    codes = first.column("SELECT code FROM retailers ORDER BY code")
    whys = {c: first.get_retailer(c)["derived_why"] for c in codes}
    data = first.rules.data
    first.close()
    assert all(whys.values())
    # the team's rules differ: the whys name the rules of the AMs' recompute, merged with them
    other = Rules(
        {**data, "tiers": {**data["tiers"], "lower_bounds_jian": [30, 20, 12, 8, 5, 3, 1.5]}}
    )
    s = Store(team, rules=other)
    assert {c: s.get_retailer(c)["derived_why"] for c in codes} == whys
    s.close()


def test_an_ams_own_records_are_refused_on_a_team_database(tmp_path):
    """Every operation that makes or changes an AM's records (visits, plans, captures,
    complaints, reports, retailer edits, imports) refuses on a team database and writes
    nothing; the same operation works on the AM's own database."""
    from khtui.data.base import TeamRecordsRefused
    from khtui.data.importers import ImportFileError, import_file
    from khtui.domain.complaints import next_statuses
    from khtui.domain.retailer import ACTIVE

    [own] = build_ams(tmp_path, (7,))
    team = tmp_path / "team.db"
    merge_into(team, [own], now="2026-11-23T08:00:00")

    def attempts(s: Store) -> dict:
        visit = s.query_one(
            "SELECT id, retailer_code FROM visits WHERE planned_date = ? AND status = 'planned' "
            "LIMIT 1",
            (TODAY.isoformat(),),
        )
        complaint = s.query_one(
            "SELECT id, status, am_share FROM complaints WHERE status = 'open' LIMIT 1"
        )
        step = next_statuses(complaint["status"], complaint["am_share"])[0]
        code = visit["retailer_code"]
        elsewhere = s.scalar(
            "SELECT code FROM retailers WHERE status = ? AND code NOT IN "
            "(SELECT retailer_code FROM visits WHERE planned_date = ?) ORDER BY code LIMIT 1",
            (ACTIVE, TODAY.isoformat()),
        )
        return {
            "check_in": lambda: s.check_in(visit["id"]),
            "skip": lambda: s.skip_visit(visit["id"], "店主外出"),
            "reschedule": lambda: s.reschedule_visit(visit["id"], TODAY + dt.timedelta(days=1)),
            "adhoc": lambda: s.add_adhoc_visit(elsewhere, TODAY),
            "carry_over": lambda: s.carry_over(TODAY),
            "plan": lambda: s.generate_month_plan("2026-12"),
            "capture": lambda: s.ensure_capture("prices", visit_id=visit["id"]),
            "complaint": lambda: s.raise_complaint(code, "delivery", "送货晚", raised_on=TODAY),
            "advance": lambda: s.advance_complaint(
                complaint["id"], step, on=TODAY, answer="已回复", resolution="已解决"
            ),
            "weekly": lambda: s.save_weekly_draft("2026-W47", {"problems": "x"}),
            "monthly": lambda: s.save_monthly_draft("2026-10", {"problems": "x"}),
            "retailer": lambda: s.update_retailer(code, {"phone": "13800000000"}),
        }

    tables = (
        "visits",
        "visit_actions",
        "visit_plans",
        "captures",
        "complaints",
        "weekly_reports",
        "monthly_reports",
        "retailer_changes",
        "order_lines",
    )

    def counts(s: Store) -> dict:
        return {name: s.scalar(f"SELECT count(*) FROM {name}") for name in tables}

    s = Store(team)
    before = counts(s)
    phones = s.query("SELECT code, phone FROM retailers ORDER BY code")
    for name, attempt in attempts(s).items():
        with pytest.raises(TeamRecordsRefused) as refused:
            attempt()
        assert refused.value.key == "team.own_only", name
    orders = tmp_path / "orders.csv"
    orders.write_text("客户编码,订货日期,卷烟编码,卷烟名称,订货量(条),金额(元),批发价\n")
    with pytest.raises(ImportFileError) as refused_import:
        import_file(s, orders, "orders", tr=lambda key, **kw: key)
    assert refused_import.value.key == "team.own_only"
    assert counts(s) == before
    assert s.query("SELECT code, phone FROM retailers ORDER BY code") == phones
    s.close()

    mine = Store(own)  # the AM's own database: each one goes through
    for name, attempt in attempts(mine).items():
        if name in ("skip", "reschedule"):
            continue  # the visit is checked in by then
        attempt()
    mine.close()


def test_the_days_visits_of_a_team_name_each_am_and_come_am_by_am(copies, tmp_path):
    """On a team database the day's visits (no AM asked for) each name their AM (the name,
    else the code) and come AM by AM, each AM's in the order of the AM's own list; one AM's
    (``am_id``) and an AM's own database give the visits without it, as before."""
    own = {}
    for path in copies:
        s = Store(path)
        own[s.am_id] = [v["id"] for v in s.day_visits(TODAY)]
        assert own[s.am_id] and all("am" not in v for v in s.day_visits(TODAY))
        s.close()
    s = Store(copies[2])
    s.set_meta("am_name", None)  # an AM without a name is named by the code
    s.close()
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    s = Store(team)
    names = {r["am_id"]: r["name"] or r["code"] for r in s.query("SELECT * FROM team_ams")}
    assert sorted(names.values())[0] == "DEMO03"  # the nameless one: its code
    visits = s.day_visits(TODAY)
    assert [v["am"] for v in visits] == [names[v["am_id"]] for v in visits]
    order = sorted(names, key=lambda am: (names[am], am))
    assert [v["id"] for v in visits] == [i for am in order for i in own[am]]
    for am, ids in own.items():
        assert [v["id"] for v in s.day_visits(TODAY, am)] == ids
        assert all("am" not in v for v in s.day_visits(TODAY, am))
    s.close()


def test_a_teams_missed_visits_and_unvisited_retailers_name_each_am(copies, tmp_path):
    """On a team database the missed visits and the month's unvisited retailers (no AM asked
    for) each name their AM and come AM by AM, each AM's as the AM's own database lists them;
    one AM's (``am_id``) and an AM's own database give them without it, as before."""
    day = TODAY + dt.timedelta(days=3)  # the visits of the three days before are missed
    month = day.isoformat()[:7]
    missed, unvisited = {}, {}
    for path in copies:
        s = Store(path)
        missed[s.am_id] = [v["id"] for v in s.missed_visits(day)]
        unvisited[s.am_id] = s.month_coverage(month, day)["unvisited"]
        assert missed[s.am_id] and unvisited[s.am_id]
        assert all("am" not in v for v in s.missed_visits(day))
        assert all("am" not in r for r in unvisited[s.am_id])
        s.close()
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    s = Store(team)
    names = {r["am_id"]: r["name"] or r["code"] for r in s.query("SELECT * FROM team_ams")}
    order = sorted(names, key=lambda am: (names[am], am))
    visits = s.missed_visits(day)
    assert [v["am"] for v in visits] == [names[v["am_id"]] for v in visits]
    assert [v["id"] for v in visits] == [i for am in order for i in missed[am]]
    coverage = s.month_coverage(month, day)
    assert coverage["unvisited"] == [{**r, "am": names[am]} for am in order for r in unvisited[am]]
    for am in order:
        assert [v["id"] for v in s.missed_visits(day, am)] == missed[am]
        assert s.month_coverage(month, day, am)["unvisited"] == unvisited[am]
    s.close()


def test_each_ams_report_of_a_period_is_their_latest_submitted_version(copies, tmp_path):
    """``am_reports``: every AM of the team, AM by AM, with the latest version of the period
    they submitted (its text and frozen figures); a draft after it is the AM's own still; an
    AM who submitted none has version 0 and no figures."""
    week = "2026-W47"
    s = Store(copies[0], clock=_clock(11))
    s.save_weekly_draft(week, {"problems": "第二版"})
    s.submit_weekly(week)
    resubmitted = s.am_id
    s.close()
    s = Store(copies[1], clock=_clock(11))
    s.save_weekly_draft(week, {"problems": "草稿"})
    drafted = s.am_id
    s.close()
    s = Store(copies[2], clock=_clock(11))
    s.conn.execute("DELETE FROM weekly_reports WHERE week = ?", (week,))
    s.conn.commit()
    none = s.am_id
    s.close()
    team = tmp_path / "team.db"
    merge_into(team, copies, now=NOW)
    s = Store(team)
    reports = s.am_reports("week", "2026-w47")
    names = {r["am_id"]: r["name"] or r["code"] for r in s.query("SELECT * FROM team_ams")}
    assert [r.am_id for r in reports] == sorted(names, key=lambda am: (names[am], am))
    assert all(r.am == names[r.am_id] and r.period == week for r in reports)
    by_am = {r.am_id: r for r in reports}
    assert by_am[resubmitted].version == 2 and by_am[resubmitted].narrative["problems"] == "第二版"
    assert by_am[drafted].version == 1 and by_am[drafted].narrative["problems"] != "草稿"
    frozen = json.loads(
        s.scalar(
            "SELECT figures FROM weekly_reports WHERE am_id = ? AND version = 2", (resubmitted,)
        )
    )
    assert json.loads(json.dumps(by_am[resubmitted].figures.to_dict())) == frozen
    assert by_am[none].version == 0 and by_am[none].figures is None
    assert set(by_am[none].narrative) == {"problems", "suggestions", "improvements"}
    assert [r.version for r in s.am_reports("month", "2026-10")] == [0, 0, 0]
    s.close()


def test_a_demo_built_early_in_the_morning_is_older_than_the_ams_first_actions(
    tmp_path, monkeypatch
):
    """Two AMs' demos built with `khtui demo --territory N` at 06:30 by the program's clock
    hold no stamp later than 06:30; the AMs' first actions at 07:30 are then newer than every
    record of the build: the merge keeps AM2's copy of a retailer both hold (written at 07:30),
    and refuses the copy of AM1's database made before AM1's edit as an older copy."""
    from click.testing import CliRunner

    from khtui import clock
    from khtui.cli import main

    early = dt.datetime.combine(TODAY, dt.time(6, 30))
    monkeypatch.setattr(clock, "system_now", lambda: early)
    paths = []
    for i in (1, 2):
        path = tmp_path / f"am{i}.db"
        args = ["--retailers", "30", "--months", "3", "--seed", str(40 + i)]
        r = CliRunner().invoke(main, ["--db", str(path), "demo", "--territory", str(i), *args])
        assert r.exit_code == 0, r.output
        paths.append(path)
    for path in paths:
        conn = sqlite3.connect(path)
        try:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            stamps = {
                (table, col): conn.execute(f"SELECT max({col}) FROM {table}").fetchone()[0]
                for (table,) in tables.fetchall()
                for (col,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')")
                if col.endswith("_at")
            }
        finally:
            conn.close()
        assert stamps[("complaints", "updated_at")] and stamps[("weekly_reports", "updated_at")]
        later = {k: v for k, v in stamps.items() if v and v > early.isoformat()}
        assert later == {}
    old = shutil.copy(paths[0], tmp_path / "am1-old.db")
    first_action = lambda: dt.datetime.combine(TODAY, dt.time(7, 30))  # noqa: E731
    a = Store(paths[0], clock=first_action)
    codes = a.column("SELECT code FROM retailers ORDER BY code LIMIT 2")
    a.update_retailer(codes[0], {"phone": "13811112222"})
    record = dict(a.get_retailer(codes[1]))
    shared = {k: v for k, v in record.items() if k in {"code", "name", "licence_no", "route"}}
    a.close()
    b = Store(paths[1], clock=first_action)
    b.upsert_retailers([{**shared, "phone": "13900000000"}], source="import:b.xlsx")
    b.close()
    team = tmp_path / "team.db"
    merge_into(team, paths, now=NOW)
    s = Store(team)
    assert s.get_retailer(codes[1])["phone"] == "13900000000"  # AM2's copy is newer
    assert s.get_retailer(codes[0])["phone"] == "13811112222"
    s.close()
    with pytest.raises(MergeRefused) as caught:
        merge_into(team, [old], now=NOW)
    assert caught.value.key == "older_copy"
