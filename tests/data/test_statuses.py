"""The SQL forms of the domain's status rules agree with the rules themselves."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from khtui.data import statuses
from khtui.domain import complaints, visits


def _in(sql_set: str, value: str) -> bool:
    return bool(
        sqlite3.connect(":memory:").execute(f"SELECT ? IN {sql_set}", (value,)).fetchone()[0]
    )


@pytest.mark.parametrize(
    ("sql_set", "domain_set", "universe"),
    [
        (statuses.OPEN_VISITS, visits.OPEN, visits.STATUSES),
        (statuses.LIVE_VISITS, visits.LIVE, visits.STATUSES),
        (statuses.ON_ITS_DAY, visits.ON_ITS_DAY, visits.STATUSES),
        (statuses.OPEN_COMPLAINTS, complaints.OPEN_STATUSES, complaints.STATUSES),
    ],
)
def test_each_set_selects_exactly_the_domains(sql_set, domain_set, universe):
    assert {s for s in universe if _in(sql_set, s)} == set(domain_set)


def test_overdue_in_sql_is_the_domains_rule_at_its_boundary():
    day = "2026-11-23"
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE complaints (status TEXT, due_on TEXT)")
    cases = list(itertools.product(complaints.STATUSES, ("2026-11-22", day, "2026-11-24")))
    conn.executemany("INSERT INTO complaints VALUES (?, ?)", cases)
    found = set(
        conn.execute(
            f"SELECT status, due_on FROM complaints c WHERE {statuses.overdue_complaint('c.')}",
            (day,),
        )
    )
    assert found == {(s, d) for s, d in cases if complaints.is_overdue(s, d, day)}
    assert found == {("open", "2026-11-22"), ("forwarded", "2026-11-22")}


def test_the_status_order_follows_the_domains_list():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE complaints (status TEXT)")
    conn.executemany(
        "INSERT INTO complaints VALUES (?)", [(s,) for s in reversed(complaints.STATUSES)]
    )
    rows = conn.execute(f"SELECT status FROM complaints ORDER BY {statuses.complaint_order()}")
    assert tuple(r[0] for r in rows) == complaints.STATUSES
