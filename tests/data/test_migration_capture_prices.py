"""The migration that indexes a capture's price and stock grid by its capture."""

import sqlite3

from khtui.data.base import migrate
from khtui.data.schema import MIGRATIONS, V_CAPTURE_PRICES

VERSION = MIGRATIONS.index(V_CAPTURE_PRICES) + 1
GRID = "SELECT id FROM price_observations WHERE capture_id = 7"


def plan(conn: sqlite3.Connection) -> str:
    return str(conn.execute("EXPLAIN QUERY PLAN " + GRID).fetchall())


def test_a_captures_grid_is_found_by_its_capture_after_the_migration(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    migrate(conn, VERSION - 1)
    assert "SCAN price_observations" in plan(conn)  # every observation read before
    migrate(conn, VERSION)
    assert "price_obs_capture (capture_id=?)" in plan(conn)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
