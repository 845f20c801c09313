"""Fixtures shared by the CLI tests."""

from __future__ import annotations

import pytest

from khtui.data.store import Store

# Six routes over five weekdays (two share Monday), as in a real AM's week.
BATCH = ["周一", "周二", "周三", "周四", "周五", "周一"]


@pytest.fixture
def plan_db(tmp_path, clock):
    """24 active tier-7 retailers on six routes, no plan yet."""
    path = tmp_path / "k.db"
    s = Store(path, create=True, clock=clock)
    s.upsert_retailers(
        [
            {
                "code": f"C{i:03d}",
                "name": f"店{i}",
                "route": f"线路{i % 6 + 1}",
                "route_seq": i // 6,
                "visit_batch": BATCH[i % 6],
                "status": "正常",
            }
            for i in range(24)
        ],
        source="test",
    )
    s.conn.execute("UPDATE retailers SET tier = 7")
    s.close()
    return path
