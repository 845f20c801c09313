"""Start-up to first frame, in fresh processes: the minimal Textual app (the yardstick of the
screen figures) and khtui's today screen.

Each start is ``python -c SCRIPT`` (headless, 120×40), timed from just before the process is
spawned to the moment the frame has been painted, as the user waits for it. What counts as the
first frame, on both sides alike: the first refresh after the screen is up that shows the
footer's keys (Textual's Footer fills them in a refresh or three after the screen's first one).
The minimal app is Textual's App with a Header, one Static and a Footer, unchanged. khtui starts
as ``khtui --db`` does (``create_app(..., housekeeping=True)``); its frame must show the real
header (AM, date, database) and the today screen's keys, or the run fails.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from bench.core import ROOT

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

TODAY = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from khtui.data.store import Store
    from khtui.app import create_app
    from khtui.i18n import Translator
    from khtui.screens.today import TodayScreen
    from textual.widgets._footer import FooterKey

    db, today, wait_list = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3] == "1"
    store = Store(db)
    app = create_app(store, today=lambda: today, housekeeping=True)
    fill, resume = TodayScreen._fill_table, TodayScreen.on_screen_resume
    check_in = Translator("zh")("today.key.check_in")

    def filled(self, keep=None):
        fill(self, keep)
        if wait_list:
            self.app.call_after_refresh(done)

    def resumed(self):
        resume(self)
        if not wait_list:  # after the screen's first refresh, as the minimal app's
            self.call_after_refresh(done)

    def done():
        # the first refresh with the screen's keys in the footer
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


def start(code: str, *args: str, env: dict[str, str]) -> tuple[float, list[str]]:
    """Seconds from spawn to the printed frame, and what the script printed after it."""
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if out.returncode:
        raise RuntimeError(f"start failed: {out.stderr.strip()[-2000:]}")
    line = next(x for x in out.stdout.splitlines() if x.startswith("FRAME"))
    parts = line.split()
    return float(parts[1]) - t0, parts[2:]


def minimal(env: dict[str, str]) -> float:
    return start(MINIMAL, env=env)[0]
