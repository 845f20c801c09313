import sqlite3

import pytest

from khtui.data.base import StoreError, migrate
from khtui.data.schema import MIGRATIONS, SCHEMA_VERSION
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


def test_a_newer_database_is_refused(tmp_path):
    p = tmp_path / "a.db"
    conn = sqlite3.connect(p, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer khtui"):
        Store(p)


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
