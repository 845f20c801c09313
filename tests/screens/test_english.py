"""The English UI is English: every screen, walked with the keys a person would press on the
demo database in ``--lang en``, shows no Chinese character the program owns.

What the user imported or typed (a shop's name, an address, a note, a brand) stays as it is:
a run of Chinese characters on the screen is allowed only where it is part of a value stored
in the database, and never when it is, on its own, a word the program translates (a company
word like 现金 or 便利店, a status, a catalogue text).
"""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3

import pytest

from khtui.app import create_app
from khtui.data.demo import build_demo
from khtui.data.store import Store
from khtui.data.team import merge_into
from khtui.i18n import LANGS
from tests.conftest import TODAY
from tests.screens.pilot import settle

SIZES = ((120, 40), (80, 24))
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
_TEXT = re.compile(r'<text[^>]*\by="([0-9.]+)"[^>]*>(.*?)</text>', re.S)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("english") / "demo.db"
    build_demo(path, retailers=40, months=13, today=TODAY)
    return path


def _stored_texts(path) -> list[str]:
    """Every text value in the database (the user's data as imported or typed)."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out: set[str] = set()
        for table in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            for col in cols:
                for (v,) in con.execute(f'SELECT DISTINCT "{col}" FROM "{table}"'):
                    if isinstance(v, str) and CJK.search(v):
                        out.add(v)
        return sorted(out)
    finally:
        con.close()


def _program_words(rules) -> set[str]:
    """Words the program says in English: a run showing exactly one of them is untranslated."""
    words = {k.removeprefix("word.") for k in LANGS["en"] if k.startswith("word.")}
    words |= {k.removeprefix("retailer.status.") for k in LANGS["en"] if "status." in k}
    words |= set(rules.names())
    words |= {v for k, v in LANGS["zh"].items() if not k.endswith(".keywords")}
    return {w for w in words if CJK.fullmatch(w)}


def untranslated(text: str, stored: str, words: set[str]) -> list[str]:
    """The runs of Chinese in ``text`` that the program owns: a full-width space, a word it
    translates, or anything that is not part of the user's ``stored`` text."""
    out = []
    for line in text.splitlines():
        for m in CJK.finditer(line):
            run = m.group()
            if not run.strip("\u3000"):
                out.append("a full-width space")
            elif _cut_by_the_edge(line, m, stored):
                continue  # the start of a longer text of the user's, cut by the screen's edge
            elif run in words or run not in stored:
                out.append(run)
    return out


def _cut_by_the_edge(line: str, m: re.Match, stored: str) -> bool:
    """Whether the run ``m`` ends its line (only spaces after it) and is the beginning of a
    longer stored text: the screen's edge cut the user's text there."""
    if line[m.end() :].strip(" \xa0"):
        return False
    return re.search(re.escape(m.group()) + CJK.pattern, stored) is not None


def screen_text(app) -> str:
    """The screen's lines as an SVG screenshot holds them (its text pieces joined by row)."""
    rows: dict[float, list[str]] = {}
    for y, piece in _TEXT.findall(app.export_screenshot()):
        rows.setdefault(float(y), []).append(html.unescape(piece))
    return "\n".join("".join(rows[y]) for y in sorted(rows))


class Walk:
    def __init__(self, app, pilot, stored: list[str], words: set[str]) -> None:
        self.app, self.pilot = app, pilot
        self.stored = "\n".join(stored)
        self.words = words
        self.seen: list[str] = []
        self.problems: list[str] = []

    async def look(self, where: str, screen: str) -> None:
        """Read the screen, which must be ``screen`` (its class name): the walk went there."""
        await settle(self.app, self.pilot)
        assert type(self.app.screen).__name__ == screen, where
        self.seen.append(where)
        for run in untranslated(screen_text(self.app), self.stored, self.words):
            self.problems.append(f"{where}: {run}")

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await settle(self.app, self.pilot)


async def _walk(path, size) -> Walk:
    store = Store(path)
    app = create_app(store, lang="en", today=lambda: TODAY)
    try:
        async with app.run_test(size=size) as pilot:
            w = Walk(app, pilot, _stored_texts(path), _program_words(store.rules))
            await w.look("today", "TodayScreen")
            await w.press("question_mark")
            await w.look("help", "HelpScreen")
            await w.press("escape", "w")
            await w.look("warnings", "WarningsScreen")
            await w.press("t")
            await w.look("warnings (the other list)", "WarningsScreen")
            await w.press("escape", "enter")
            await w.look("profile", "ProfileScreen")
            for tab in ("sales", "visits", "captures", "complaints", "changes", "forecast"):
                await w.press("right_square_bracket")
                await w.look(f"profile: {tab}", "ProfileScreen")
            for key, rule in (("t", "tier"), ("g", "category"), ("l", "level"), ("v", "value")):
                await w.press(key)
                await w.look(f"why: {rule}", "WhyScreen")
                await w.press("escape")
            await w.press("escape")
            # F-keys switch sections from anywhere (an input keeps the digits for itself)
            for key, name, screen in (
                ("f2", "lookup", "RetailerScreen"),
                ("f3", "capture", "CaptureScreen"),
                ("f4", "complaints", "ComplaintsScreen"),
                ("f5", "brands", "BrandsScreen"),
                ("f6", "report", "ReportScreen"),
                ("f7", "import", "ImportScreen"),
            ):
                await w.press(key)
                await w.look(name, screen)
            await w.press("f6", "escape", "m")
            await w.look("report: the month", "ReportScreen")
            assert app.screen.kind.name == "month"
            await w.press("f4", "n")
            await w.look("a new complaint", "RaiseComplaintScreen")
            assert app.errors == []
            return w
    finally:
        store.close()


async def _walk_team(path) -> Walk:
    store = Store(path)
    app = create_app(store, lang="en", today=lambda: TODAY)
    try:
        async with app.run_test(size=SIZES[0]) as pilot:
            w = Walk(app, pilot, _stored_texts(path), _program_words(store.rules))
            await w.look("team: overview", "TeamScreen")
            for tab in ("plans", "reports", "changes"):
                await w.press("right_square_bracket")
                await w.look(f"team: {tab}", "TeamScreen")
            await w.press("left_square_bracket", "enter")
            await w.look("team: a weekly report", "TeamReportScreen")
            await w.press("escape", "left_square_bracket", "left_square_bracket", "enter")
            await w.look("team: an AM's retailers", "AmRetailersScreen")
            await w.press("enter")
            await w.look("team: a retailer's profile", "ProfileScreen")
            assert app.errors == []
            return w
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_in_english_shows_chinese_only_in_the_users_data(demo, size):
    w = asyncio.run(_walk(demo, size))
    assert len(w.seen) == 23
    assert w.problems == []


def test_the_managers_view_in_english_shows_chinese_only_in_the_users_data(tmp_path):
    ams = []
    for i in (1, 2):
        ams.append(tmp_path / f"am{i}.db")
        build_demo(ams[-1], retailers=20, months=3, seed=70 + i, today=TODAY, territory=i)
        s = Store(ams[-1])
        s.generate_month_plan("2026-12")
        s.submit_plan("2026-12")
        s.close()
    path = tmp_path / "team.db"
    merge_into(path, ams, now="2026-11-23T08:00:00")
    w = asyncio.run(_walk_team(path))
    assert len(w.seen) == 7
    assert w.problems == []


def test_the_check_sees_a_program_word_left_in_chinese():
    stored = "重庆小面烟酒\n现金便利"
    text = "Settlement 现金 · 重庆小面烟酒 · 现金便 · 中 · 一、Visits ·\u3000· 1 days\n… 现金"
    assert untranslated(text, stored, {"现金", "中"}) == [
        "现金",
        "中",
        "一、",
        "a full-width space",
    ]
