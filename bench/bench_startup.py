"""First frame of the today screen vs a minimal Textual app, measured in the same run.

Each start is a fresh process (``python -c …``, headless, 120×40): the time runs from just
before the process is spawned to the moment the frame has been painted, as the user waits for
it. Three figures:

- ``minimal``: a Textual app with a Header, one Static and a Footer (the yardstick);
- ``frame``: khtui's first frame of the today screen (header, bars, footer; the list loading):
  the first refresh after the screen's resume that shows the screen's keys in the footer (the
  minimal app's frame likewise waits for its footer's key); the run fails unless that frame
  shows the real header (AM, date, database) and the keys;
- ``list``: the today screen with the day's visits shown (the list read by its worker).

khtui starts as ``khtui --db PATH`` does (``create_app(..., housekeeping=True)``) with the
demo's today. A warm-up start first makes the month's plan and the day's automatic backup, so
the measured starts are those of a normal day; it also leaves khtui's bytecode, as a user's
Python does (``PYTHONDONTWRITEBYTECODE`` is dropped for the runs). Runs alternate between the
variants; the median is reported.

    python bench/bench_startup.py --db /tmp/city.db [--runs 7] [--today 2026-11-23]
"""

from __future__ import annotations

import argparse
import json
import os
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
    from textual.widgets._footer import FooterKey

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Static("hello")
            yield Footer()

        def on_mount(self):
            self.call_after_refresh(self.done)

        def done(self):
            # the first refresh with the footer's key (the palette's) shown, as for khtui
            if not any(k.region for k in self.screen.query(FooterKey)):
                self.call_after_refresh(self.done)
                return
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
    from textual.widgets._footer import FooterKey

    db, today, wait_list = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3] == "1"
    store = Store(db)
    app = create_app(store, today=lambda: today, housekeeping=True)
    fill, resume = TodayScreen._fill_table, TodayScreen.on_screen_resume
    check_in = app.t("today.key.check_in")

    def filled(self, keep=None):
        fill(self, keep)
        if wait_list:
            self.app.call_after_refresh(done)

    def resumed(self):
        resume(self)
        if not wait_list:  # after the screen's first refresh, as the minimal app's
            self.call_after_refresh(done)

    def done():
        # the first refresh with the screen's keys in the footer (it fills them in after the
        # screen's first refresh, in the minimal app too)
        keys = app.screen.query(FooterKey)
        if not any(k.region and k.description == check_in for k in keys):
            app.call_after_refresh(done)
            return
        now = time.time()
        # what the frame shows: the real header (AM, date, database) and the screen's keys
        shot = app.export_screenshot()
        parts = [*app.header_text().replace("·", " ").split(), check_in]
        shown = all(part in shot for part in parts)
        print("FRAME", now, len(app.screen.visits), int(shown), flush=True)
        app.exit()

    TodayScreen._fill_table = filled
    TodayScreen.on_screen_resume = resumed
    app.run(headless=True, size=(120, 40))
    """
)


def once(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, list[str]]:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("FRAME"))
    parts = line.split()
    return float(parts[1]) - t0, parts[2:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--today", default="2026-11-23")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    # As on a user's machine: the warm-up start leaves khtui's bytecode (textual's was written
    # when it was installed), so neither side compiles its sources at each start.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    once(KHTUI, a.db, a.today, "1", env=env)  # warm-up: plan, carry-over, backup, OS cache
    once(MINIMAL, env=env)
    times: dict[str, list[float]] = {"minimal": [], "frame": [], "list": []}
    visits = "0"
    for _ in range(a.runs):
        times["minimal"].append(once(MINIMAL, env=env)[0])
        t, (_n, shown) = once(KHTUI, a.db, a.today, "0", env=env)
        if shown != "1":
            sys.exit("the today screen's first frame lacks the header (AM, date, database)")
        times["frame"].append(t)
        t, (visits, _shown) = once(KHTUI, a.db, a.today, "1", env=env)
        times["list"].append(t)
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "db": a.db,
        "runs": a.runs,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "frame_vs_minimal": round(med["frame"] / med["minimal"], 2),
        "list_vs_minimal": round(med["list"] / med["minimal"], 2),
        "visits_shown": int(visits),
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
