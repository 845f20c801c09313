"""The app shell: sections by key, the command palette, help, header, errors, start-up work."""

from __future__ import annotations

import asyncio
import gc
import sqlite3

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Input

from khtui.app import SECTIONS, RetailerCommands, create_app, error_message
from khtui.data.backup import auto_backups
from khtui.data.base import StoreError
from khtui.screens.help import HelpScreen, binding_rows, key_label
from khtui.screens.retailer import ProfileScreen, RetailerScreen
from khtui.screens.today import TodayScreen
from tests.conftest import TODAY, ZH
from tests.screens.conftest import CQ, RETAILERS, SIZE
from tests.screens.pilot import Notices, running, settle, sync


def run(coro):
    asyncio.run(coro)


@sync
async def test_every_section_by_its_digit_and_by_f_key_while_typing(day_store):
    async with running(day_store, SIZE) as (app, pilot):
        assert isinstance(app.screen, TodayScreen)
        for mode, module, cls, digit, _fkey in SECTIONS:
            await pilot.press(digit)
            await settle(app, pilot)
            assert app.current_mode == mode, digit
            assert type(app.screen).__name__ == cls
            assert type(app.screen).__module__ == module
            await pilot.press("f1")  # back to today, even from an input
            await settle(app, pilot)
            assert isinstance(app.screen, TodayScreen), digit

        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, RetailerScreen)
        field = app.screen.query_one("#lookup-input", Input)
        field.focus()
        await pilot.press("3")  # a digit typed into an input stays there
        await pilot.pause()
        assert app.current_mode == "retailer" and field.value == "3"
        await pilot.press("f1")  # an F-key leaves the input
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)
        await pilot.press("f4")
        await settle(app, pilot)
        assert app.current_mode == "complaints"


@sync
async def test_a_section_remembers_its_screens_and_its_key_goes_back_to_the_first(day_store):
    async with running(day_store, SIZE) as (app, pilot):
        await pilot.press("enter")  # the first visit's profile, on today's stack
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("f2", "f1")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)  # today's section kept its stack
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)


def palette_options(palette) -> list[str]:
    return [str(o.prompt) for o in palette.query_one("CommandList").options]


@sync
async def test_palette_finds_a_retailer_and_opens_the_profile(day_store):
    async with running(day_store, SIZE) as (app, pilot):
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.press(*"cqlyjd")  # pinyin initials of 重庆路烟酒店
        palette = app.screen
        await settle(app, pilot)  # the palette's search and the lookup are workers
        shown = palette_options(palette)
        assert "重庆路烟酒店" in shown[0], shown
        assert not any(w.group == RetailerCommands.GROUP for w in app.workers)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.code == CQ


@sync
async def test_a_failing_retailer_lookup_leaves_the_palette_working(day_store, monkeypatch):

    def broken(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(day_store, "search_retailers", broken)
    app = create_app(day_store, today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        shown = Notices(app)
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"周报")
        palette = app.screen
        await settle(app, pilot)
        assert CommandPalette.is_open(app)
        assert "周报" in palette_options(palette)[0]  # the sections are still offered
        assert shown == []


@sync
async def test_palette_reaches_a_screen_by_its_name(day_store):
    async with running(day_store, SIZE) as (app, pilot):
        await pilot.press("ctrl+p", *"周报")
        palette = app.screen
        await settle(app, pilot)
        shown = palette_options(palette)
        assert "周报" in shown[0], shown
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "report"


@sync
async def test_help_lists_every_key_of_the_app_and_the_today_screen(day_store):
    async with running(day_store, (100, 60)) as (app, pilot):
        today = app.screen
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)

        def listed(selector) -> list[tuple[str, str]]:
            table = help_screen.query_one(selector, DataTable)
            return [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]

        screen_rows = listed("#help-screen-keys")
        app_rows = listed("#help-app-keys")
        screen_text = " ".join(k + " " + d for k, d in screen_rows)
        # every key of the today screen, shown in the footer or not, with what it does
        for key, active in today.active_bindings.items():
            binding = active.binding
            if active.node is not today or binding.action.startswith(("app.", "screen.")):
                continue
            assert key_label(key) in screen_text, key
            assert binding.description in [d for _k, d in screen_rows], binding.description
        assert ("Shift+Up / Ctrl+Up / -", "上移") in screen_rows
        assert ("[", "前一天") in screen_rows
        assert ("i", "签到") in screen_rows
        # every key of the app
        app_text = " ".join(k for k, _d in app_rows)
        for _mode, _module, _cls, digit, fkey in SECTIONS:
            assert f"{digit} / {fkey.upper()}" in app_text
        assert ("1 / F1", "今日拜访") in app_rows
        assert ("Ctrl+P", "命令面板（切换屏幕、查找客户）") in app_rows
        assert ("?", "帮助") in app_rows
        assert ("Ctrl+Q", "退出") in app_rows
        assert len(app_rows) == len(binding_rows(today, of_app=True))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is today


@sync
async def test_header_names_the_am_the_date_and_the_database(day_store):
    day_store.set_meta("am_name", "张经理")
    async with running(day_store, SIZE) as (app, pilot):
        assert app.title == "张经理 · 2026-11-23 周一 · khtui.db"
    day_store.set_meta("is_demo", "1")
    demo = create_app(day_store, today=lambda: TODAY)
    async with demo.run_test(size=SIZE) as pilot:
        await settle(demo, pilot)
        assert demo.title == "张经理 · 2026-11-23 周一 · 演示数据"
        assert demo.screen.query_one("Header").screen_title == demo.title


@sync
async def test_errors_become_notifications_with_the_next_step(day_store, monkeypatch):
    app = create_app(day_store, today=lambda: TODAY)
    notices = Notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def locked(_visit_id):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(day_store, "check_in", locked)
        await pilot.press("i")  # the write runs in a worker; its failure ends here
        await settle(app, pilot)
        assert app.is_running
        assert isinstance(app.errors[-1], sqlite3.OperationalError)
        assert notices.any("数据库正被另一个程序写入", "再试")

        def broken(_visit_id):
            raise KeyError("seq")

        monkeypatch.setattr(day_store, "check_in", broken)
        await pilot.press("i")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.errors[-1], KeyError)
        log = day_store.path.parent / "khtui-errors.log"
        assert "KeyError" in log.read_text(encoding="utf-8")
        assert notices.any(str(log), "可以再试一次")
        assert isinstance(app.screen, TodayScreen)


def test_error_messages_say_what_to_do():
    assert error_message(StoreError("没有客户 X；可用 khtui search 查找"), ZH).endswith("查找")
    assert "khtui check" in error_message(sqlite3.DatabaseError("file is not a database"), ZH)
    assert "权限" in error_message(PermissionError(13, "Permission denied"), ZH)
    # a refusal told by a message key reads as its message, not as its code
    from khtui.domain.complaints import ComplaintProblem

    refused = ComplaintProblem("need_answer")
    assert error_message(refused, ZH).endswith("答复客户时请填写答复内容")
    assert "need_answer" not in error_message(refused, ZH)


def test_start_up_generates_the_missing_plan_and_backs_up_once_a_day(store):
    store.upsert_retailers(
        [
            {"code": code, "name": name, "route": route, "route_seq": seq, "visit_batch": b}
            for code, name, route, seq, b, _tier in RETAILERS
        ],
        source="test",
    )
    assert store.month_plan("2026-11") is None
    run(_start_up(store))
    assert len(auto_backups(store)) == 1
    run(_start_up(store))  # the same day again: no second backup, the plan is kept
    assert len(auto_backups(store)) == 1


async def _start_up(store):
    app = create_app(store, today=lambda: TODAY, housekeeping=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        plan = store.month_plan("2026-11")
        assert plan is not None
        visits = store.day_visits(TODAY)
        assert visits  # today's list is populated
        table = app.screen.query_one("#today-visits", DataTable)
        assert table.row_count == len(visits)
        assert app.errors == []


@sync
async def test_help_gives_a_key_the_screen_takes_to_the_screen_alone(day_store):
    """On the weekly report ``w`` chooses the week: its help does not also list ``w`` among
    the keys that work everywhere (the warnings are F9 there)."""
    async with running(day_store, (100, 60)) as (app, pilot):
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        screen_keys = [k for k, _d in help_screen.screen_rows()]
        app_rows = dict((d, k) for k, d in help_screen.app_rows())
        assert "w" in screen_keys
        assert app_rows["预警"] == "F9"
        assert app_rows["周报"] == "6 / F6"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_every_row_of_the_help_can_be_scrolled_to(day_store, size):
    """Both tables of the help scroll as one body: the keys a person presses reach the last
    global key (Ctrl+Q), which a table of its own held out of sight."""

    async def scenario():
        async with running(day_store, size) as (app, pilot):
            await pilot.press("question_mark")
            await settle(app, pilot)
            body = app.screen.query_one("#help-body")
            table = app.screen.query_one("#help-app-keys", DataTable)
            assert app.focused is body
            # nothing is cut inside a table: the body holds every row
            assert table.virtual_region.height == table.row_count + 1
            last = table.virtual_region.bottom

            def shown() -> bool:
                return (
                    body.scroll_y
                    <= last - 1
                    < body.scroll_y + body.scrollable_content_region.height
                )

            assert str(table.get_row_at(table.row_count - 1)[0]) == "Ctrl+Q"
            assert not shown()
            await pilot.press("end")
            await settle(app, pilot)
            assert shown()

    asyncio.run(scenario())


@sync
async def test_english_shell(day_store):
    app = create_app(day_store, lang="en", today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.title.endswith("2026-11-23 Mon · khtui.db")
        await pilot.press("question_mark")
        await pilot.pause()
        table = app.screen.query_one("#help-app-keys", DataTable)
        rows = [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]
        assert ("1 / F1", "Today") in rows
        assert ("?", "Help") in rows


def test_dates_in_the_header_follow_the_clock(monkeypatch, db_path):
    """The header's date and weekday are the program's clock's (KHTUI_TODAY here), not the
    machine's, and the weekday is that date's."""
    from khtui.data.store import Store

    for day, weekday in (("2026-11-29", "周日"), ("2027-01-01", "周五")):
        monkeypatch.setenv("KHTUI_TODAY", day)
        store = Store(db_path, create=True)  # no clock of its own: the program's
        try:
            run(_header_on(store, f"{day} {weekday}"))
        finally:
            store.close()


async def _header_on(store, shown):
    app = create_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.title == f"{store.am_name} · {shown} · khtui.db"
        assert app.screen.query_one("Header").screen_title == app.title


@sync
async def test_the_collector_is_held_off_while_a_screen_opens_and_on_again_once_it_is_drawn(store):
    async with running(store, SIZE) as (app, pilot):
        assert gc.isenabled() and not app.collector_held
        collections: list[int] = []
        counted = lambda phase, info: phase == "start" and collections.append(1)  # noqa: E731
        gc.callbacks.append(counted)
        try:
            await app.push_screen(ProfileScreen(RETAILERS[0][0]))
            assert app.collector_held and not gc.isenabled()  # opening: no automatic pass
            garbage = [[] for _ in range(3 * gc.get_threshold()[0])]
            for cell in garbage:
                cell.append(cell)  # cycles enough for a pass of the youngest generation
            del garbage, cell
            assert not collections  # none ran while the screen opened
            await settle(app, pilot)
            assert isinstance(app.screen, ProfileScreen)
            assert gc.isenabled() and not app.collector_held  # on again once it was drawn
            [[] for _ in range(3 * gc.get_threshold()[0])]
            assert collections  # and the pass that was due has run
            await app.pop_screen()
            assert app.collector_held and not gc.isenabled()  # the screen under it, likewise
            await settle(app, pilot)
            assert gc.isenabled() and not app.collector_held
        finally:
            gc.callbacks.remove(counted)


@sync
async def test_the_collector_is_on_again_when_the_app_ends_while_a_screen_opens(store):
    app = create_app(store, today=lambda: TODAY)
    async with app.run_test(size=SIZE):
        await app.push_screen(ProfileScreen(RETAILERS[0][0]))
        assert not gc.isenabled()
        app.exit()
    assert gc.isenabled() and not app.collector_held


@sync
async def test_the_collector_held_off_by_someone_else_is_left_to_them(store):
    gc.disable()
    try:
        async with running(store, SIZE) as (app, pilot):
            await app.push_screen(ProfileScreen(RETAILERS[0][0]))
            await settle(app, pilot)
            assert not app.collector_held and not gc.isenabled()
    finally:
        gc.enable()


@sync
async def test_the_profile_stylesheet_is_read_after_the_first_frame_not_as_a_profile_opens(store):
    async with running(store, SIZE) as (app, pilot):
        sheet = app.stylesheet
        assert gc.get_freeze_count() > 0  # what start made: out of the collector's full passes
        parsed: list[bool] = []
        reparse = sheet.reparse
        sheet.reparse = lambda: parsed.append(True) or reparse()  # type: ignore[method-assign]
        await app.push_screen(ProfileScreen(RETAILERS[0][0]))
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert not parsed  # its stylesheet was read already: no parse, no restyle of the app
        head = app.screen.query_one("#profile-head")
        assert head.styles.height is not None and head.styles.height.value == 2  # retailer.tcss
