"""Merging AMs' databases into a team database (``khtui team merge``) against its floor.

On the same AM databases (demo territories 1..N: AM codes and customer codes of their own), in
the same run, alternating which goes first:

- the floor: a fresh database of the same schema, and for each file ``ATTACH`` + one plain
  ``INSERT INTO main.t SELECT … FROM src.t`` per table (brands ``OR IGNORE``: every file has
  the same ones), one transaction per file;
- the merge: :func:`khtui.data.team.merge_into` into a fresh team database, as
  ``khtui team merge`` runs it (checks, conflict rules, books, provenance, idempotent upserts,
  mirrored deletions, aggregates), one transaction per file.

Both copies must end with the same rows.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from khtui.data.team import AM_TABLES

# What the floor copies and both copies are compared on: the master data every file holds, then
# the AM's records the merge carries.
TABLES = (
    "brands",
    "retailers",
    "order_lines",
    "monthly_sales",
    "monthly_brand_sales",
    *AM_TABLES,
)


def floor_copy(target: Path, files: list[Path]) -> float:
    """One plain INSERT … SELECT per table and file into a fresh database of the schema."""
    from khtui.data.base import StoreCore

    StoreCore(target, create=True).close()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    t0 = time.perf_counter()
    for f in files:
        conn.execute("ATTACH DATABASE ? AS src", (f"{f.resolve().as_uri()}?immutable=1",))
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA src.table_info({table})"))
            verb = "INSERT OR IGNORE" if table == "brands" else "INSERT"
            conn.execute(f"{verb} INTO main.{table} ({cols}) SELECT {cols} FROM src.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    conn.close()
    return out


def measure(folder: str, rounds: int, *files: str) -> dict:
    from khtui.data.team import merge_into

    paths = [Path(f) for f in files]
    floors, merges, same = [], [], []
    remerge = changed = None
    team_mb = 0.0
    for r in range(rounds):
        work = Path(tempfile.mkdtemp(prefix="round-", dir=folder))
        floor_db, team_db = work / "floor.db", work / "team.db"

        def merge(team_db: Path = team_db) -> None:
            t0 = time.perf_counter()
            merge_into(team_db, paths, now="2026-11-23T18:00:00")
            merges.append(time.perf_counter() - t0)

        if r % 2 == 0:
            floors.append(floor_copy(floor_db, paths))
            merge()
        else:
            merge()
            floors.append(floor_copy(floor_db, paths))
        same.append(counts(floor_db) == counts(team_db))
        if r == rounds - 1:
            t0 = time.perf_counter()
            again = merge_into(team_db, [paths[0]], now="2026-11-23T19:00:00")[0]
            remerge = time.perf_counter() - t0
            changed = again.order_lines_written + sum(
                v["added"] + v["updated"] + v["removed"] for v in again.records.values()
            )
            team_mb = team_db.stat().st_size / 2**20
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    return {
        "floor": floors,
        "merge": merges,
        "same_rows": all(same),
        "remerge": remerge,
        "remerge_changed": changed,
        "team_mib": team_mb,
    }
