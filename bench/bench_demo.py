"""Time and peak memory of the demo build (`khtui demo`), by stage.

    python bench/bench_demo.py                    # 320 retailers (the default demo)
    python bench/bench_demo.py --retailers 50000  # the city-scale dataset, ~10M order lines

For the figure of the whole process, including imports, run the command under GNU time:

    /usr/bin/time -v khtui demo --db /tmp/city.db --retailers 50000 --today 2026-11-23 --force

Results measured on the 2-core development machine are at the end of this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=320)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--today", default="2026-11-23")
    ap.add_argument("--db", help="write here (default: a temporary file, removed afterwards)")
    args = ap.parse_args()

    from khtui.data.demo import build_demo

    stages: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        if not stages or stages[-1][0] != stage:
            stages.append((stage, time.perf_counter()))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "demo.db"
        summary = build_demo(
            path,
            retailers=args.retailers,
            months=args.months,
            today=dt.date.fromisoformat(args.today),
            replace=True,
            progress=progress,
        )
        size_mb = path.stat().st_size / 1e6
    end = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{summary['retailers']} retailers, {summary['order_lines']:,} order lines, "
        f"{summary['months']} months: {end - t0:.1f} s, peak RSS {rss_mb:.0f} MB, "
        f"file {size_mb:.0f} MB"
    )
    marks = [*stages, ("end", end)]
    for (stage, a), (_, b) in itertools.pairwise(marks):
        print(f"  {stage:<11}{b - a:7.1f} s")


if __name__ == "__main__":
    main()

# Results (2 cores, Python 3.11, SQLite 3.40; other work running on the machine):
#
# 2026-11-23, --retailers 50000 --months 24 (9,818,422 order lines, file 3.0 GB), under
# /usr/bin/time -v while other builds ran (the job got 60 % of a CPU): 677 s wall, 369 s user
# + 44 s system, peak RSS 1.1 GB. By stage: retailers (with the search index) 128 s, order
# lines generated and inserted 181 s, indexes and monthly aggregates 231 s, history (visits,
# captures, complaints) 76 s, derived values 61 s.
# --retailers 5000: 988,205 lines in 77 s, peak RSS 336 MB. Default (320): about 5 s.
