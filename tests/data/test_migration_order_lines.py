"""Migration 4: order_lines becomes one b-tree keyed by (order date, retailer, brand)."""

import sqlite3

import pytest

from khtui.data.base import migrate
from khtui.data.schema import MIGRATIONS, V_ORDER_LINES_KEYED
from khtui.data.store import Store

VERSION = MIGRATIONS.index(V_ORDER_LINES_KEYED) + 1
LINES = [  # not in key order, a NULL price and brand name among them
    ("0370102002", "2026-10-09", "6901028001915", "玉溪(软)", 5.0, 980.0, 196.0),
    ("0370102001", "2026-10-08", "6901028075763", "中华(硬)", 10.0, 3800.0, 380.0),
    ("0370102001", "2026-09-30", "6901028075763", None, 2.5, 950.0, None),
    ("0370102001", "2026-10-08", "6901028001915", "玉溪(软)", 1.0, 196.0, 196.0),
]
COLS = "retailer_code, order_date, brand_code, brand_name, qty_tiao, amount, price"


@pytest.fixture
def before(tmp_path):
    """A database at the version before, with order lines and their aggregates."""
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    migrate(conn, VERSION - 1)
    conn.executemany(f"INSERT INTO order_lines ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)", LINES)
    conn.execute(
        "INSERT INTO monthly_sales VALUES ('0370102001', '2026-10', 11, 3996, 2)"
    )  # kept as it was
    return conn


def test_the_lines_survive_in_key_order(before):
    migrate(before, VERSION)
    assert before.execute("PRAGMA user_version").fetchone()[0] == VERSION
    got = before.execute(f"SELECT {COLS} FROM order_lines").fetchall()
    assert got == sorted(LINES, key=lambda r: (r[1], r[0], r[2]))
    cols = [r[1] for r in before.execute("PRAGMA table_info(order_lines)")]
    assert cols == COLS.split(", ")  # same columns in the same order, no id
    assert before.execute("SELECT * FROM monthly_sales").fetchall() == [
        ("0370102001", "2026-10", 11.0, 3996.0, 2)
    ]


def test_the_key_is_the_table_and_the_old_indexes_are_gone(before):
    migrate(before, VERSION)
    ddl = before.execute("SELECT sql FROM sqlite_master WHERE name = 'order_lines'").fetchone()[0]
    assert "WITHOUT ROWID" in ddl
    assert "PRIMARY KEY (order_date, retailer_code, brand_code)" in ddl
    indexes = {
        r[0]
        for r in before.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_lines'"
        )
    }
    assert indexes == set()  # the key is the table itself (no autoindex either)
    with pytest.raises(sqlite3.IntegrityError):
        before.execute(f"INSERT INTO order_lines ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)", LINES[1])
    assert before.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_readers_by_date_range_use_the_key(before):
    """Brand figures and weekly reports read order lines by date range: a key range."""
    migrate(before, VERSION)
    plan = before.execute(
        "EXPLAIN QUERY PLAN SELECT DISTINCT retailer_code, brand_code, order_date "
        "FROM order_lines WHERE order_date BETWEEN ? AND ? AND brand_code IN (?, ?)",
        ("2026-10-01", "2026-10-31", "a", "b"),
    ).fetchall()
    assert any("USING PRIMARY KEY (order_date>? AND order_date<?)" in r[-1] for r in plan)


def test_a_store_on_the_migrated_database_keeps_lines_and_aggregates(before, tmp_path, clock):
    before.close()
    store = Store(tmp_path / "a.db", clock=clock)
    store.add_order_lines([("0370102001", "2026-10-08", "6901028075763", "中华(硬)", 12, 4560.0, 380.0)])  # fmt: skip
    assert store.scalar("SELECT count(*) FROM order_lines") == len(LINES)
    assert (
        store.scalar(
            "SELECT qty_tiao FROM monthly_sales WHERE retailer_code = '0370102001' AND month = '2026-10'"
        )
        == 13.0
    )
    store.close()
