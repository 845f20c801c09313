"""First frame of the today screen vs a minimal Textual app, measured in the same run.

Each start is a fresh process (``python -c …``, headless, 120×40): the time runs from just
before the process is spawned to the moment the frame has been painted, as the user waits for
it. Three figures:

- ``minimal``: a Textual app with one Static (the yardstick);
- ``frame``: khtui's first frame of the today screen (header, bars, footer; the list loading);
- ``list``: the today screen with the day's visits shown (the list read by its worker).

khtui starts as ``khtui --db PATH`` does (``create_app(..., housekeeping=True)``) with the
demo's today. A warm-up start first makes the month's plan and the day's automatic backup, so
the measured starts are those of a normal day. Runs alternate between the variants; the median
is reported.

    python bench/bench_startup.py --db /tmp/city.db [--runs 7] [--today 2026-11-23]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time

MINIMAL = textwrap.dedent(
    """
    import sys, time
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

        def on_mount(self):
            self.call_after_refresh(self.done)

        def done(self):
            print("FRAME", time.time(), flush=True)
            self.exit()

    Minimal().run(headless=True, size=(120, 40))
    """
)

KHTUI = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from khtui.data.store import Store
    from khtui.app import create_app
    from khtui.screens.today import TodayScreen

    db, today, wait_list = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3] == "1"
    store = Store(db)
    app = create_app(store, today=lambda: today, housekeeping=True)
    fill = TodayScreen._fill_table

    def filled(self, keep=None):
        fill(self, keep)
        if wait_list:
            self.app.call_after_refresh(done)

    def done():
        print("FRAME", time.time(), len(app.screen.visits), flush=True)
        app.exit()

    TodayScreen._fill_table = filled
    if not wait_list:
        app.call_after_refresh(done)
    app.run(headless=True, size=(120, 40))
    """
)


def once(code: str, *args: str) -> tuple[float, str]:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("FRAME"))
    parts = line.split()
    return float(parts[1]) - t0, " ".join(parts[2:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--today", default="2026-11-23")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    once(KHTUI, a.db, a.today, "1")  # warm-up: plan, carry-over, the day's backup, OS cache
    once(MINIMAL)
    times: dict[str, list[float]] = {"minimal": [], "frame": [], "list": []}
    visits = ""
    for _ in range(a.runs):
        times["minimal"].append(once(MINIMAL)[0])
        times["frame"].append(once(KHTUI, a.db, a.today, "0")[0])
        t, visits = once(KHTUI, a.db, a.today, "1")
        times["list"].append(t)
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "db": a.db,
        "runs": a.runs,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "frame_vs_minimal": round(med["frame"] / med["minimal"], 2),
        "list_vs_minimal": round(med["list"] / med["minimal"], 2),
        "visits_shown": int(visits or 0),
        "all_s": {k: [round(x, 3) for x in v] for k, v in times.items()},
    }
    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(f"database: {a.db} ({a.runs} runs each, median)")
    print(f"minimal Textual app, first frame : {med['minimal']:.3f} s")
    print(
        f"khtui today screen, first frame  : {med['frame']:.3f} s "
        f"({result['frame_vs_minimal']}x minimal)"
    )
    print(
        f"khtui today screen, list shown   : {med['list']:.3f} s "
        f"({result['list_vs_minimal']}x minimal, {result['visits_shown']} visits)"
    )


if __name__ == "__main__":
    main()
