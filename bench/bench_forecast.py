"""Time of the forecast (backtest + two months ahead) for one AM and a city sample.

    python bench/bench_forecast.py                     # 320 retailers (the default demo)
    python bench/bench_forecast.py --retailers 5000    # a city sample: extrapolate linearly

Builds a demo of the given size (not timed), then times ``Store.compute_forecasts`` as the
program runs it after an import or at start: wall time and this process's CPU time (the
machine is shared: the CPU time is the figure to compare), the number of series, and the
figures per 1,000 series. statsforecast's import (seconds, once per process) is timed apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=320)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--today", default="2026-11-23")
    ap.add_argument("--db", help="an existing demo database (else one is built)")
    args = ap.parse_args()
    today = dt.date.fromisoformat(args.today)

    wall, cpu = time.perf_counter(), time.process_time()
    import statsforecast.models  # noqa: F401

    imp_wall, imp_cpu = time.perf_counter() - wall, time.process_time() - cpu
    from khtui.data.demo import build_demo
    from khtui.data.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "demo.db"
        if not args.db:
            build_demo(path, retailers=args.retailers, months=args.months, today=today)
        store = Store(path, clock=lambda: dt.datetime.combine(today, dt.time(9)))
        try:
            s = store.compute_forecasts(today)
        finally:
            store.close()
    per = 1000 / s.series
    print(
        f"{args.retailers} retailers, {s.series} series ({s.history[0]}..{s.history[1]}): "
        f"{s.seconds:.1f} s wall, {s.cpu_seconds:.1f} s CPU "
        f"({s.seconds * per:.2f} s wall, {s.cpu_seconds * per:.2f} s CPU per 1,000 series); "
        f"statsforecast import {imp_wall:.1f} s wall, {imp_cpu:.1f} s CPU"
    )


if __name__ == "__main__":
    main()
