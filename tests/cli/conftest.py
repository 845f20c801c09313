"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from khtui.data.store import Store

# Six routes over five weekdays (two share Monday), as in a real AM's week.
BATCH = ["周一", "周二", "周三", "周四", "周五", "周一"]


@pytest.fixture
def new_db(tmp_path, clock):
    """``new_db(retailers, then=None)``: a new database ``k.db`` with ``retailers``, given to
    ``then(store)`` for the rest of its data before it is closed; its path."""

    def make(retailers: list[dict], then: Callable[[Store], object] | None = None) -> Path:
        path = tmp_path / "k.db"
        s = Store(path, create=True, clock=clock)
        s.upsert_retailers(retailers, source="test")
        if then is not None:
            then(s)
        s.close()
        return path

    return make


@pytest.fixture
def plan_db(new_db):
    """24 active tier-7 retailers on six routes, no plan yet."""
    return new_db(
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
        then=lambda s: s.conn.execute("UPDATE retailers SET tier = 7"),
    )
