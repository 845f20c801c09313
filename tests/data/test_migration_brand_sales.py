"""Migration 5: monthly_brand_sales loses its unread first_date / last_date columns."""

import sqlite3

from khtui.data.base import migrate
from khtui.data.schema import MIGRATIONS, V_BRAND_SALES_NO_DATES

VERSION = MIGRATIONS.index(V_BRAND_SALES_NO_DATES) + 1
ROWS = [  # not in key order
    ("0370102002", "2026-10", "6901028001915", 5.0, 980.0, "2026-10-09", "2026-10-09"),
    ("0370102001", "2026-10", "6901028075763", 12.5, 4750.0, "2026-10-08", "2026-10-30"),
    ("0370102001", "2026-09", "6901028075763", 2.0, 760.0, "2026-09-30", "2026-09-30"),
]


def test_the_aggregates_survive_without_the_dates(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    migrate(conn, VERSION - 1)
    conn.executemany("INSERT INTO monthly_brand_sales VALUES (?, ?, ?, ?, ?, ?, ?)", ROWS)
    migrate(conn, VERSION)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(monthly_brand_sales)")]
    assert cols == ["retailer_code", "month", "brand_code", "qty_tiao", "amount"]
    assert conn.execute("SELECT * FROM monthly_brand_sales").fetchall() == sorted(
        r[:5] for r in ROWS
    )
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT retailer_code FROM monthly_brand_sales "
        "WHERE brand_code = '6901028075763' AND month = '2026-10'"
    ).fetchall()
    assert "monthly_brand_sales_brand" in str(plan)  # the brand index is back
    ddl = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'monthly_brand_sales'"
    ).fetchone()[0]
    assert "WITHOUT ROWID" in ddl
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
