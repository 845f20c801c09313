"""What the today screen's first frame needs, and no more: a fresh process starts the app
headless (as ``khtui --db`` does, without the housekeeping's worker) and, once the first frame
is painted and before the day's list is read, lists which of the modules the frame does not
use were imported. They are imported when first used: the modals and their text boxes when one
opens, the rules by the list's worker, the other sections when they open, the libraries of
imports, documents and charts with those."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from textual.css import stylesheet as css_stylesheet

from khtui.app import settle
from khtui.data.store import Store
from tests.screens.conftest import SIZE, seed
from tests.screens.pilot import running, sync

ROOT = Path(__file__).resolve().parents[2]
NOT_IN_THE_FIRST_FRAME = (
    # the today screen's modals and what they are made of
    "khtui.screens.today_modals",
    "khtui.widgets.confirm",
    "khtui.widgets.date_input",
    "khtui.widgets.text_boxes",
    "textual.widgets._text_area",
    "textual.document",
    # the rules and the calendar: read by the list's worker
    "khtui.rules",
    "khtui.domain.calendar",
    "khtui.domain.planning",
    "chinese_calendar",
    # the day's housekeeping, other sections, reports and forecasts
    "khtui.data.housekeeping",
    "khtui.screens.retailer",
    "khtui.screens.capture",
    "khtui.screens.report",
    "khtui.screens.importer",
    "khtui.data.exporters",
    "khtui.data.documents",
    "khtui.domain.forecast",
    # heavy libraries
    "pandas",
    "numpy",
    "docx",
    "matplotlib",
    "openpyxl",
    "sqlite_utils",
)

FIRST_FRAME = textwrap.dedent(
    """
    import json, sys
    from khtui.app import create_app
    from khtui.data.store import Store
    from khtui.screens.today import TodayScreen

    watched = json.loads(sys.argv[2])
    app = create_app(Store(sys.argv[1]), housekeeping=False)

    def first_reload(self, *args, **kwargs):
        # called after the screen's first refresh, before the list's worker starts
        print(json.dumps({
            "screen": type(self.app.screen).__name__,
            "loaded": [m for m in watched if m in sys.modules],
        }))
        self.app.exit()

    TodayScreen.reload = first_reload
    app.run(headless=True, size=(120, 40))
    """
)


def test_the_first_frame_imports_only_what_it_shows(tmp_path):
    db = tmp_path / "khtui.db"
    store = Store(db, create=True, user="张经理")
    seed(store)
    store.close()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(db), json.dumps(NOT_IN_THE_FIRST_FRAME)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["screen"] == "TodayScreen"
    assert result["loaded"] == []


@sync
async def test_no_stylesheet_is_parsed_twice_unless_the_theme_changes(store, monkeypatch):
    """Textual parses every stylesheet again when a section's first screen is made (at start
    too) and when a screen brings its own; the app parses each source once per theme."""
    parsed: list[str] = []
    parse = css_stylesheet.parse

    def counted(scope, css, read_from, *args, **kwargs):
        # what Textual keeps a parse by: a class's default CSS is parsed once per depth at
        # which it is inherited (its tie breaker)
        parsed.append(
            f"{read_from} {scope} {kwargs.get('tie_breaker')} {kwargs.get('is_default_rules')}"
        )
        return parse(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(css_stylesheet, "parse", counted)
    seed(store)
    async with running(store, SIZE) as (app, pilot):
        assert type(app.screen).__name__ == "TodayScreen" and parsed
        for key, mode in (("4", "complaints"), ("5", "brands"), ("1", "today")):
            await pilot.press(key)
            await settle(app, pilot)
            assert app.current_mode == mode
        assert len(parsed) == len(set(parsed)), "a stylesheet was parsed twice"
        dark, before = app.screen.styles.background, len(parsed)
        app.theme = "textual-light"
        await settle(app, pilot)
        # a new theme: the stylesheets are parsed again with its colours, the screen restyled
        assert len(parsed) > before and app.screen.styles.background != dark
        await pilot.press("4")
        await settle(app, pilot)
        assert app.current_mode == "complaints" and app.screen.styles.background != dark
