"""Merging AMs' databases into a team database (`khtui team merge`), against its floor.

    python bench/bench_team_merge.py                         # 8 AMs x 300 retailers, 12 months
    python bench/bench_team_merge.py --ams 40 --retailers 1250 --months 24   # city scale:
                                                             # 50,000 retailers, ~10M order lines

Builds N small AM databases with different AMs and seeds (demo territories 1..N: AM codes and
customer codes of their own), then, in the same run and on the same files:

- the floor: a fresh database of the same schema, and for each file ``ATTACH`` + one plain
  ``INSERT INTO main.t SELECT … FROM src.t`` per table (brands ``OR IGNORE``: every file has
  the same ones), one transaction per file;
- the merge: :func:`khtui.data.team.merge_into` into a fresh team database, as
  ``khtui team merge`` runs it (checks, conflict rules, books, provenance, idempotent upserts,
  mirrored deletions, aggregates), one transaction per file; the lookup index rebuild that the
  command does afterwards is timed apart;
- merging one file again (nothing changes) into the city-sized team database.

Both copies end with the same rows (checked). ``--keep DIR`` keeps (and reuses) the AM files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

TODAY = dt.date(2026, 11, 23)
TABLES = (
    "brands",
    "retailers",
    "order_lines",
    "monthly_sales",
    "monthly_brand_sales",
    "visit_plans",
    "visits",
    "captures",
    "price_observations",
    "complaints",
    "weekly_reports",
    "retailer_changes",
    "reviews",
)


def build_one(args: tuple[str, int, int, int]) -> str:
    from khtui.data.demo import build_demo

    path, territory, retailers, months = args
    if not Path(path).exists():
        build_demo(
            path,
            retailers=retailers,
            months=months,
            seed=1000 + territory,
            today=TODAY,
            territory=territory,
        )
    return path


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ams", type=int, default=8)
    ap.add_argument("--retailers", type=int, default=300, help="retailers per AM")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument(
        "--rounds", type=int, default=1, help="floor and merge, which goes first alternating"
    )
    ap.add_argument("--keep", help="build (or reuse) the AM files in this folder")
    args = ap.parse_args()

    from khtui.data.store import Store
    from khtui.data.team import merge_into

    scratch = tempfile.TemporaryDirectory(prefix="bench-team-")
    folder = Path(args.keep or scratch.name)
    folder.mkdir(parents=True, exist_ok=True)
    tag = f"{args.retailers}r{args.months}m"
    jobs = [
        (str(folder / f"am{i:02d}-{tag}.db"), i, args.retailers, args.months)
        for i in range(1, args.ams + 1)
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        files = [Path(p) for p in pool.map(build_one, jobs)]
    build_s = time.perf_counter() - t0
    rows = {t: sum(counts(f)[t] for f in files) for t in ("retailers", "order_lines")}
    size = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"{args.ams} AM databases x {args.retailers} retailers, {args.months} months: "
        f"{rows['retailers']:,} retailers, {rows['order_lines']:,} order lines, {size:.0f} MB "
        f"(built or reused in {build_s:.0f} s)"
    )
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start")
    floors, merges, indexes = [], [], []
    for r in range(args.rounds):
        work = Path(tempfile.mkdtemp(prefix="round-", dir=folder))
        floor_db, team_db = work / "floor.db", work / "team.db"

        def merge(team_db: Path = team_db) -> None:
            t0 = time.perf_counter()
            merge_into(team_db, files, now="2026-11-23T18:00:00")
            merges.append(time.perf_counter() - t0)

        # alternating which goes first, so that neither always reads the files cold
        if r % 2 == 0:
            floors.append(floor_copy(floor_db, files))
            merge()
        else:
            merge()
            floors.append(floor_copy(floor_db, files))
        t0 = time.perf_counter()
        with Store(team_db) as s:
            s.rebuild_search_index()
        indexes.append(time.perf_counter() - t0)
        same = counts(floor_db) == counts(team_db)
        print(
            f"round {r + 1}: floor {floors[-1]:.2f} s, merge {merges[-1]:.2f} s "
            f"({merges[-1] / floors[-1]:.2f}x), lookup index rebuilt after it {indexes[-1]:.2f} s, "
            f"same rows: {same}"
        )
        if not same:
            print("the two copies differ:", counts(floor_db), counts(team_db), file=sys.stderr)
            sys.exit(1)
        if r == args.rounds - 1:
            t0 = time.perf_counter()
            again = merge_into(team_db, [files[0]], now="2026-11-23T19:00:00")[0]
            remerge = time.perf_counter() - t0
            changed = again.order_lines_written + sum(
                v["added"] + v["updated"] + v["removed"] for v in again.records.values()
            )
            print(
                f"one file merged again into the team database: {remerge:.2f} s, {changed} rows changed"
            )
            team_mb = team_db.stat().st_size / 1e6
            print(f"team database {team_mb:.0f} MB")
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    floor, merge = statistics.median(floors), statistics.median(merges)
    print(
        f"merge {args.ams} AM databases: median {merge:.2f} s against the floor's {floor:.2f} s: "
        f"{merge / floor:.2f}x (target <= 2x); lookup index rebuild {statistics.median(indexes):.2f} s"
    )
    scratch.cleanup()


if __name__ == "__main__":
    main()
