"""The team migration: plans and weekly reports unique per AM, plan links kept, provenance."""

from __future__ import annotations

import sqlite3

import pytest

from khtui.data.base import migrate
from khtui.data.schema import MIGRATIONS, V_TEAM

TEAM_VERSION = MIGRATIONS.index(V_TEAM) + 1


@pytest.mark.parametrize("foreign_keys", [True, False])
def test_visits_keep_their_plan_and_two_ams_may_plan_the_same_month(tmp_path, foreign_keys):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    if foreign_keys:  # as the store opens it
        conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn, TEAM_VERSION - 1)
    conn.execute(
        "INSERT INTO retailers (code, name, created_at, updated_at) VALUES ('R1', '店', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO visit_plans (id, am_id, month, status, created_at) "
        "VALUES ('p1', 'am1', '2026-11', 'approved', 'x')"
    )
    conn.execute(
        "INSERT INTO visits (id, am_id, plan_id, retailer_code, planned_date, created_at, "
        "updated_at) VALUES ('v1', 'am1', 'p1', 'R1', '2026-11-02', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO weekly_reports (id, am_id, week, version, created_at, updated_at) "
        "VALUES ('w1', 'am1', '2026-W47', 1, 'x', 'x')"
    )
    migrate(conn, TEAM_VERSION)
    assert conn.execute("SELECT plan_id FROM visits WHERE id = 'v1'").fetchone()[0] == "p1"
    assert conn.execute("SELECT status FROM visit_plans").fetchone()[0] == "approved"
    # another AM's plan of the same month, and its report of the same week and version
    conn.execute(
        "INSERT INTO visit_plans (id, am_id, month, status, created_at) "
        "VALUES ('p2', 'am2', '2026-11', 'returned', 'x')"
    )
    conn.execute(
        "INSERT INTO weekly_reports (id, am_id, week, version, created_at, updated_at) "
        "VALUES ('w2', 'am2', '2026-W47', 1, 'x', 'x')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO visit_plans (id, am_id, month, created_at) VALUES ('p3', 'am1', '2026-11', 'x')"
        )
    columns = {r[1] for r in conn.execute("PRAGMA table_info(captures)")}
    assert "source_id" in columns
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
