"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from khtui.data.store import Store
from tests.conftest import route_retailers

# Six routes over five weekdays (two share Monday), as in a real AM's week.


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
        route_retailers(24), then=lambda s: s.conn.execute("UPDATE retailers SET tier = 7")
    )
