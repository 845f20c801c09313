import sqlite3

import pytest

from khtui.data.base import APPLICATION_ID, StoreProblem, migrate
from khtui.data.schema import MIGRATIONS, SCHEMA_VERSION, V_SEARCH_BITMAPS
from khtui.data.store import Store


def _tables(conn):
    return {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
    }


def test_from_empty_to_latest(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    assert migrate(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {
        "retailers",
        "order_lines",
        "monthly_sales",
        "visits",
        "captures",
        "complaints",
        "weekly_reports",
    } <= _tables(conn)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_each_migration_from_the_previous_version(tmp_path, version):
    """Build version-1 with data in it, then step to `version`: the data survives."""
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    migrate(conn, version - 1)
    if version > 1:
        conn.execute(
            "INSERT INTO retailers (code, name, created_at, updated_at) VALUES ('001', '长安食杂店', 'x', 'x')"
        )
    migrate(conn, version)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    if version > 1:
        assert (
            conn.execute("SELECT name FROM retailers WHERE code = '001'").fetchone()[0]
            == "长安食杂店"
        )


def test_a_newer_database_is_refused_before_anything_changes(tmp_path):
    """A database of a later khtui in rollback-journal mode: refused, byte for byte as it was
    (it used to be switched to WAL first)."""
    p = tmp_path / "a.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    before = p.read_bytes()
    with pytest.raises(StoreProblem) as exc:
        Store(p)
    assert exc.value.key == "store.err.newer"
    assert exc.value.params["found"] == SCHEMA_VERSION + 1
    assert p.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.db"]  # no -wal, no -shm


def test_reopening_does_not_migrate_again(tmp_path):
    p = tmp_path / "a.db"
    Store(p, create=True).close()
    s = Store(p)
    assert s.scalar("PRAGMA user_version") == SCHEMA_VERSION


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    import khtui.data.base as base

    broken = [
        *MIGRATIONS,
        "CREATE TABLE extra_one (x INTEGER);\nCREATE TABLE retailers (x INTEGER);",
    ]
    monkeypatch.setattr(base, "MIGRATIONS", broken)
    monkeypatch.setattr(base, "SCHEMA_VERSION", len(broken))
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, len(broken))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "extra_one" not in _tables(conn)


def test_an_upgrade_is_announced_before_it_runs_and_a_new_database_is_not(tmp_path):
    told = []
    Store(tmp_path / "new.db", create=True, on_upgrade=lambda a, b: told.append((a, b))).close()
    assert told == []  # created, not upgraded
    Store(tmp_path / "new.db", on_upgrade=lambda a, b: told.append((a, b))).close()
    assert told == []  # already current
    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    migrate(conn, SCHEMA_VERSION - 1)
    conn.close()

    def seen(a, b):
        old = sqlite3.connect(tmp_path / "old.db")
        told.append((a, b, old.execute("PRAGMA user_version").fetchone()[0]))
        old.close()

    Store(tmp_path / "old.db", on_upgrade=seen).close()
    assert told == [(SCHEMA_VERSION - 1, SCHEMA_VERSION, SCHEMA_VERSION - 1)]  # told first


def test_the_command_line_says_it_is_upgrading(tmp_path):
    from click.testing import CliRunner

    from khtui.cli import main

    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    migrate(conn, SCHEMA_VERSION - 1)
    conn.close()
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "old.db"), "retailers", "--json"])
    assert r.exit_code == 0
    assert f"正在升级数据库（结构版本 {SCHEMA_VERSION - 1} → {SCHEMA_VERSION}）" in r.stderr
    assert r.stdout.strip() == "[]"


# -- every earlier schema, with a row in every column of every table ------------------------
# Values for columns whose CHECK allows only some words; every other column gets a value of
# its type that differs from row to row.
CHECKED = {
    ("retailers", "status"): ["正常", "暂停"],
    ("visit_plans", "status"): ["draft", "approved"],
    ("visits", "status"): ["planned", "done"],
    ("complaints", "status"): ["open", "closed"],
    ("weekly_reports", "status"): ["draft", "submitted"],
    ("monthly_reports", "status"): ["draft", "submitted"],
    ("forecasts", "level"): ["area", "retailer"],
    ("reviews", "subject"): ["plan", "change"],
    ("reviews", "decision"): ["approved", "returned"],
}


# The lookup index is derived from the retailers (data/search.py): a migration may replace its
# tables and mark it stale, and the first search rebuilds it from the rows that are kept.
LOOKUP_INDEX = {"search_keys", "search_prefix", "search_suffix", "search_counts"}
LOOKUP_META = {"search_built_rids"}


def _fill(conn, rows=2):
    """Two rows in every table of the database's schema, every column given a value."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        cols = [(r[1], r[2].upper()) for r in conn.execute(f"PRAGMA table_info({table})")]
        for i in range(rows):
            values = []
            for name, kind in cols:
                if (table, name) in CHECKED:
                    values.append(CHECKED[(table, name)][i])
                elif "INT" in kind:
                    values.append(i + 1)
                elif "REAL" in kind:
                    values.append(i + 0.5)
                else:
                    values.append(f"{table}.{name}.{i}")
            marks = ", ".join("?" * len(cols))
            names = ", ".join(n for n, _ in cols)
            conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
    return tables


def _rows(conn, table, cols):
    return sorted(tuple(r) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table}"))


def _columns(conn, table):
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_earlier_schema_upgrades_keeping_every_row(tmp_path, version):
    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn, version)
    tables = _fill(conn)
    before = {t: (_columns(conn, t), _rows(conn, t, _columns(conn, t))) for t in tables}
    conn.close()
    store = Store(p)  # recognised as khtui's, upgraded on open
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert store.scalar("PRAGMA application_id") == APPLICATION_ID
    for table, (cols, rows) in before.items():
        if table in LOOKUP_INDEX:
            continue  # derived from the retailers: rebuilt, not kept (checked below)
        now = _columns(store.conn, table)
        # a column is dropped only where a migration says so
        assert set(cols) - set(now) <= {"id", "first_date", "last_date"}, table
        keep = [i for i, c in enumerate(cols) if c in now]
        kept = [c for c in cols if c in now]
        expected = sorted(tuple(r[i] for i in keep) for r in rows)
        got = _rows(store.conn, table, kept)
        if table == "meta":  # the search index marks itself stale for the first search
            got = [r for r in got if r[0] != "search_index_stale"]
            expected = [r for r in expected if r[0] not in LOOKUP_META]
        assert got == expected, table
        assert len(got) == 2
    assert store.scalar("PRAGMA integrity_check") == "ok"
    if version < MIGRATIONS.index(V_SEARCH_BITMAPS) + 1:
        assert store.meta("search_index_stale") == "1"  # the first search rebuilds it
    store.close()


def test_a_failing_upgrade_on_open_rolls_back_and_says_so(tmp_path, monkeypatch):
    """The upgrade's last step fails half way (a table made, rows changed, then an error):
    none of that step stays, the earlier steps do, every row is there, and the error is a
    store problem naming the version it stopped at."""
    import khtui.data.base as base

    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn, SCHEMA_VERSION - 2)
    _fill(conn)
    conn.close()
    failing = (
        "CREATE TABLE half_made (x INTEGER);\n"
        "UPDATE retailers SET name = 'changed';\n"
        "INSERT INTO no_such_table VALUES (1);"
    )
    broken = [*MIGRATIONS, failing]
    monkeypatch.setattr(base, "MIGRATIONS", broken)
    monkeypatch.setattr(base, "SCHEMA_VERSION", len(broken))
    with pytest.raises(StoreProblem) as exc:
        Store(p)
    assert exc.value.key == "store.err.upgrade_failed"
    assert exc.value.params["version"] == SCHEMA_VERSION
    assert "no_such_table" in exc.value.params["detail"]
    check = sqlite3.connect(p)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "half_made" not in _tables(check)
    assert check.execute("SELECT count(*) FROM retailers WHERE name = 'changed'").fetchone()[0] == 0
    assert check.execute("SELECT count(*) FROM retailers").fetchone()[0] == 2
    check.close()


def test_the_command_line_says_a_failed_upgrade_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import khtui.data.base as base
    from khtui.cli import main

    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn)
    conn.close()
    broken = [*MIGRATIONS, "INSERT INTO no_such_table VALUES (1);"]
    monkeypatch.setattr(base, "MIGRATIONS", broken)
    monkeypatch.setattr(base, "SCHEMA_VERSION", len(broken))
    r = CliRunner().invoke(main, ["--lang", "en", "--db", str(p), "retailers"])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 2  # the upgrade notice, then the error
    assert f"it stays at schema {SCHEMA_VERSION}" in r.stderr
