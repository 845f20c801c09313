"""今日拜访: the day's visit list, driven by the keys an account manager presses.

(No async pytest plugin is installed: each scenario is made a plain test by ``sync``.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref

import pytest
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, OptionList, Static

from khtui.app import create_app
from khtui.screens.today import TodayScreen, clip, reasons_text
from khtui.screens.today_modals import (
    AdhocScreen,
    FinishScreen,
    GoToDateScreen,
    MissedScreen,
    RescheduleScreen,
    SkipScreen,
    UnvisitedScreen,
)
from khtui.widgets.confirm import ConfirmScreen
from tests.conftest import EN, TODAY, ZH
from tests.screens.conftest import CQ, QC, RETAILERS, SIZE, seed
from tests.screens.pilot import Notices, running, settle, sync

_SAID: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def watched(app):
    """``app``, every notification it shows from now on recorded (:func:`notices`)."""
    _SAID[app] = Notices(app)
    return app


def rows(screen) -> list[list[str]]:
    table = screen.query_one("#today-visits", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def notices(app) -> Notices:
    """Every notification ``app`` showed (an app made by :func:`start` or :func:`watched`)."""
    return _SAID[app]


def day_ids(store, day=TODAY) -> list[str]:
    return [v["id"] for v in store.day_visits(day)]


def visit(store, vid) -> dict:
    return dict(store.query_one("SELECT * FROM visits WHERE id = ?", (vid,)))


# -- the list ---------------------------------------------------------------------------------
@sync
async def test_the_list_shows_the_days_visits_in_order_with_reasons_and_complaints(day_store):
    expected = day_store.day_visits(TODAY)
    assert [v["retailer_code"] for v in expected][:1] == [CQ]  # route order: 城东一线 first
    async with running(day_store, SIZE, made=watched) as (app, _pilot):
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        shown = rows(screen)
        assert [r[2] for r in shown] == [v["name"] for v in expected]
        by_name = {r[2]: r for r in shown}
        assert by_name["重庆路烟酒店"][6] == "11-16"  # last visit
        assert by_name["长安超市"][5] == "关爱、新品推广"
        assert by_name["单家小卖部"][5] == "投诉回访、销量波动"
        assert by_name["曾记食杂店"][5] == "投诉回访"  # the plan's complaint follow-up
        assert by_name["曾记食杂店"][7] == "1 逾1"  # an overdue complaint stands out
        assert by_name["曾记食杂店"][6] == "无"  # never visited
        assert by_name["重庆路烟酒店"][4] == "2"  # tier
        n = len(expected)
        assert f"共 {n} 户：完成 0 · 签到 0 · 未访 0 · 待访 {n}" in text_of(screen, "#today-day")
        month = text_of(screen, "#today-month")
        cov = day_store.month_coverage("2026-11", as_of=TODAY)
        assert f"11月覆盖 {cov['visited']}/6 户" in month
        assert f"未覆盖 {len(cov['unvisited'])} 户" in month
        assert f"剩 {cov['working_days_left']} 个工作日" in month
        assert "重庆路烟酒店" not in {u["name"] for u in cov["unvisited"]}  # done on 11-16
        assert app.screen.sub_title == "今日拜访"


@sync
async def test_home_and_end_go_to_the_first_and_the_last_visit(day_store):
    """Textual's table scrolled sideways on Home / End; the list goes to its first and last
    visit, and the line under it follows."""
    expected = day_store.day_visits(TODAY)
    async with running(day_store, SIZE) as (app, pilot):
        screen = app.screen
        table = screen.query_one("#today-visits", DataTable)
        assert app.focused is table
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor_row == len(expected) - 1
        assert screen.current()["id"] == expected[-1]["id"]
        assert expected[-1]["address"] in text_of(screen, "#today-detail")
        await pilot.press("home")
        await settle(app, pilot)
        assert table.cursor_row == 0 and screen.current()["id"] == expected[0]["id"]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_a_day_of_hundreds_of_visits_shows_each_number_whole(day_store, size):
    """A city AM's day runs to thousands of visits: the number column widens for the last
    number (it was two cells wide and showed 1887 as 18)."""
    from tests.conftest import insert_visit
    from tests.screens.test_english import screen_text

    with day_store.write() as conn:
        for i in range(100):
            code = f"N{i:03d}"
            conn.execute(
                "INSERT INTO retailers (code, name, route, route_seq, status, created_at, "
                "updated_at) VALUES (?, ?, '城东三线', ?, '正常', '2026-11-01', '2026-11-01')",
                (code, f"百户店{i}", i + 1),
            )
            insert_visit(conn, day_store.am_id, code, TODAY.isoformat(), "planned", seq=i + 1)
    n = len(day_store.day_visits(TODAY))
    assert n > 100
    async with running(day_store, size) as (app, pilot):
        await pilot.press("end")
        await settle(app, pilot)
        table = app.screen.query_one("#today-visits", DataTable)
        assert table.cursor_row == n - 1
        last = [ln for ln in screen_text(app).splitlines() if "百户店99" in ln]
        assert last and last[0].split()[0] == str(n)


@sync
async def test_check_in_records_the_time(day_store):
    first = day_ids(day_store)[0]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("i")
        await settle(app, pilot)
        v = visit(day_store, first)
        assert v["status"] == "checked_in"
        assert v["checked_in_at"] == "2026-11-23T09:30:00"
        assert rows(app.screen)[0][1] == "签到"
        assert "签到 1" in text_of(app.screen, "#today-day")
        assert any("已签到 09:30" in n for n in notices(app))
        # a second i tells when, and writes nothing
        await pilot.press("i")
        await settle(app, pilot)
        assert visit(day_store, first)["updated_at"] == v["updated_at"]
        assert any("已于 09:30 签到" in n for n in notices(app))
        # the list re-read after a write keeps the cursor where the AM has moved it since
        await pilot.press("down", "i", "down")
        await settle(app, pilot)
        assert app.screen.query_one("#today-visits", DataTable).cursor_row == 2


class FakeCapture(Screen):
    """Stands in for CaptureScreen: what matters here is the contract (it is pushed with the
    visit's id), not that screen's own behaviour (tests/screens/test_capture.py)."""

    def __init__(self, visit_id=None, retailer_code=None):
        super().__init__()
        self.visit_id, self.retailer_code = visit_id, retailer_code


@pytest.fixture
def fake_capture(monkeypatch):
    """The today screen opens :class:`FakeCapture` where it would open the capture screen."""
    import khtui.screens.capture

    monkeypatch.setattr(khtui.screens.capture, "CaptureScreen", FakeCapture)


@sync
async def test_finish_opens_the_capture_of_that_visit(day_store, fake_capture):
    first, second = day_ids(day_store)[:2]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("i", "f")  # checked in: f finishes at once
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "done"
        assert visit(day_store, first)["checked_in_at"] == "2026-11-23T09:30:00"
        assert visit(day_store, first)["done_at"] == "2026-11-23T09:30:00"
        assert isinstance(app.screen, FakeCapture)
        assert app.screen.visit_id == first
        assert app.current_mode == "today"  # pushed on today's stack: Esc comes back here
        app.pop_screen()
        await settle(app, pilot)
        assert rows(app.screen)[0][1] == "完成"
        assert "完成 1" in text_of(app.screen, "#today-day")
        # f on a done visit opens its capture again, writing nothing
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FakeCapture) and app.screen.visit_id == first
        app.pop_screen()
        await settle(app, pilot)
        assert visit(day_store, second)["status"] == "planned"


@sync
async def test_finish_without_check_in_is_a_choice_the_am_sees(day_store, fake_capture):
    first, second = day_ids(day_store)[:2]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("f")  # not checked in: the AM is asked, nothing is stamped
        await pilot.pause()
        assert isinstance(app.screen, FinishScreen)
        assert "没有签到记录" in str(app.screen.query_one(".modal-title", Label).render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "planned"
        await pilot.press("f", *"9:70", "enter")  # not a time: said, nothing written
        await pilot.pause()
        assert "不是时间" in str(app.screen.query_one("#finish-hint", Static).render())
        await pilot.press("ctrl+u", *"10:05", "enter")  # after now (09:30): refused
        await pilot.pause()
        assert "比现在（09:30）还晚" in str(app.screen.query_one("#finish-hint", Static).render())
        assert visit(day_store, first)["status"] == "planned"
        await pilot.press("ctrl+u", *"9:05", "enter")
        await settle(app, pilot)
        v = visit(day_store, first)
        assert (v["status"], v["checked_in_at"], v["done_at"]) == (
            "done",
            "2026-11-23T09:05:00",
            "2026-11-23T09:30:00",
        )
        assert isinstance(app.screen, FakeCapture)
        app.pop_screen()
        await settle(app, pilot)
        await pilot.press("down", "f", "enter")  # empty: finished, no arrival time recorded
        await settle(app, pilot)
        v = visit(day_store, second)
        assert (v["status"], v["checked_in_at"]) == ("done", None)
        app.pop_screen()
        await settle(app, pilot)
        assert "未记到店时间" in text_of(app.screen, "#today-detail")


@sync
async def test_skip_with_a_reason_picked_or_typed(day_store):
    ids = day_ids(day_store)
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SkipScreen)
        await pilot.press("down", "down", "enter")  # the second common reason
        await settle(app, pilot)
        v = visit(day_store, ids[0])
        assert (v["status"], v["skip_reason"]) == ("skipped", "负责人不在")
        assert rows(app.screen)[0][1] == "未访"

        await pilot.press("down", "s", "tab")
        assert isinstance(app.screen.focused, Input)
        await pilot.press("enter")  # nothing typed: the modal says so and stays
        await pilot.pause()
        assert isinstance(app.screen, SkipScreen)
        assert "请先写下原因" in str(app.screen.query_one("#skip-hint", Static).render())
        assert visit(day_store, ids[1])["status"] == "planned"
        await pilot.press(*"修路无法进入", "enter")
        await settle(app, pilot)
        v = visit(day_store, ids[1])
        assert (v["status"], v["skip_reason"]) == ("skipped", "修路无法进入")

        await pilot.press("s")  # skipping a skipped visit is refused before any modal
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        assert any("已记为未访（修路无法进入）：当天记错了按 z 撤销" in n for n in notices(app))


@sync
async def test_reschedule_is_validated_then_moves_the_visit(day_store):
    first = day_ids(day_store)[0]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, RescheduleScreen)
        assert modal.query_one("#resched-date", Input).value == "2026-11-24"  # next working day

        for typed, why in (
            ("2026-11-28", "休息日"),  # a Saturday
            ("2026-11-20", "已经过去"),
            ("2026-11-23", "本来就在"),
            ("2026-13-40", "日期写法不对"),
        ):
            await pilot.press("ctrl+u", *typed, "enter")
            await pilot.pause()
            assert app.screen is modal, typed
            assert why in str(modal.query_one("#resched-hint", Static).render()), typed
        assert visit(day_store, first)["status"] == "planned"  # nothing written meanwhile

        await pilot.press("ctrl+u", *"11-26", "enter")
        await settle(app, pilot)
        old = visit(day_store, first)
        assert (old["status"], old["rescheduled_to"]) == ("rescheduled", "2026-11-26")
        moved = day_store.day_visits(dt.date(2026, 11, 26))
        assert [v["origin_visit_id"] for v in moved if v["retailer_code"] == CQ] == [first]
        assert rows(app.screen)[0][1] == "改期"
        assert any("已改到 2026-11-26" in n for n in notices(app))


@sync
async def test_reorder_moves_the_visit_and_the_cursor_follows(day_store):
    before = day_ids(day_store)
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("shift+down")
        await settle(app, pilot)
        assert day_ids(day_store) == [before[1], before[0], *before[2:]]
        table = app.screen.query_one("#today-visits", DataTable)
        assert table.cursor_row == 1
        assert app.screen.current_id() == before[0]
        await pilot.press("shift+down", "shift+down")
        await settle(app, pilot)
        assert day_ids(day_store)[3] == before[0]
        await pilot.press("shift+up")
        await settle(app, pilot)
        assert day_ids(day_store)[2] == before[0]
        assert rows(app.screen)[2][2] == day_store.day_visits(TODAY)[2]["name"]


@sync
async def test_add_an_ad_hoc_visit_found_by_pinyin(day_store):
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        n = len(day_ids(day_store))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AdhocScreen)
        await pilot.press("enter")  # nothing found yet: says what to do
        await pilot.pause()
        assert "先输入并选中一户" in str(app.screen.query_one("#adhoc-hint", Static).render())
        await pilot.press(*"qcl")  # 泉城路
        await settle(app, pilot)
        options = app.screen.query_one("#adhoc-results", OptionList)
        assert options.option_count >= 1
        assert options.get_option_at_index(0).id == QC
        await pilot.press("enter")
        await settle(app, pilot)
        added = [v for v in day_store.day_visits(TODAY) if v["retailer_code"] == QC]
        assert len(added) == 1 and added[0]["adhoc"] and added[0]["reasons"] == ["adhoc"]
        assert len(day_ids(day_store)) == n + 1
        assert app.screen.current_id() == added[0]["id"]  # the cursor is on the new visit
        assert "泉城路商店" in [r[2] for r in rows(app.screen)]

        assert notices(app).any("已把 泉城路商店 加入 2026-11-23 的拜访")

        await pilot.press("a", *"qcl")  # already on the list: refused in the dialog
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AdhocScreen)  # the search stays, to pick another
        hint = str(dialog.query_one("#adhoc-hint", Static).render())
        assert hint == "泉城路商店 已在这一天的清单上：换一户"
        assert dialog.query_one("#adhoc-query", Input).value == "qcl"
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(day_ids(day_store)) == n + 1


@sync
async def test_down_from_the_ad_hoc_box_lands_on_the_first_hit(day_store):
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("a", "3", "7")  # every retailer's code starts with 37
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AdhocScreen)
        options = screen.query_one("#adhoc-results", OptionList)
        box = screen.query_one("#adhoc-query", Input)
        hits = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert len(hits) >= 3
        await pilot.press("down")  # into the list, on the first hit (not the second)
        assert app.focused is options and options.highlighted == 0
        await pilot.press("down")
        assert options.highlighted == 1
        await pilot.press("up", "up")  # up from the first hit: back in the box
        assert app.focused is box and box.value == "37"
        await pilot.press("down", "down")
        await pilot.press("0")  # typing in the list goes on in the box
        assert app.focused is box and box.value == "370"
        await settle(app, pilot)
        second = options.get_option_at_index(1).id
        name = day_store.get_retailer(second)["name"]
        await pilot.press("down", "down", "enter")  # the second hit: already on today's list
        await settle(app, pilot)
        hint = str(screen.query_one("#adhoc-hint", Static).render())
        assert app.screen is screen and hint == f"{name} 已在这一天的清单上：换一户"


@sync
async def test_other_days_by_keys_and_by_date(day_store):
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        screen = app.screen
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        tuesday = dt.date(2026, 11, 24)
        assert screen.day == tuesday
        assert [r[2] for r in rows(screen)] == [v["name"] for v in day_store.day_visits(tuesday)]
        assert "2026-11-24 周二" in text_of(screen, "#today-day")
        assert screen.sub_title == "拜访清单 2026-11-24 周二"

        first = day_ids(day_store, tuesday)[0]
        await pilot.press("i")  # not that day yet: refused
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "planned"
        assert any("还没到这一天" in n for n in notices(app))

        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GoToDateScreen)
        await pilot.press("ctrl+u", *"11月45日", "enter")
        await pilot.pause()
        assert isinstance(app.screen, GoToDateScreen)
        said = str(app.screen.query_one("#goto-hint", Static).render())
        assert (
            said == "日期写法不对：用 2026-11-26、11-26、26 或 +2 即两天后"
        )  # the day shown: 11-24
        await pilot.press("ctrl+u", *"2026-11-28", "enter")
        await settle(app, pilot)
        assert screen.day == dt.date(2026, 11, 28)
        assert rows(screen) == []
        assert "休息日" in text_of(screen, "#today-day")
        assert "这一天没有拜访" in text_of(screen, "#today-detail")

        await pilot.press("left_square_bracket", "t")
        await settle(app, pilot)
        assert screen.day == TODAY


@sync
async def test_enter_opens_the_profile_and_u_lists_the_unvisited(day_store):
    from khtui.screens.retailer import ProfileScreen

    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.code == CQ
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)

        await pilot.press("u")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, UnvisitedScreen)
        unvisited = day_store.month_coverage("2026-11", as_of=TODAY)["unvisited"]
        table = modal.query_one("#unvisited", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            u["code"] for u in unvisited
        ]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.code == unvisited[0]["code"]


@sync
async def test_back_from_a_profile_the_rows_stay_unless_the_day_changed(day_store):
    """Returning to the list reads the day again: with nothing changed the rows are not made
    again and the cursor stays; a check-in made meanwhile (on another screen, or by another
    program) shows; so does another theme."""
    ids = day_ids(day_store)
    async with running(day_store, SIZE) as (app, pilot):
        table = app.screen.query_one("#today-visits", DataTable)
        await pilot.press("down", "down")
        first = table.get_row_at(2)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)
        assert table.get_row_at(2)[1] is first[1]  # the same cells: not made again
        assert table.cursor_row == 2 and app.screen.current_id() == ids[2]
        await pilot.press("enter")
        await settle(app, pilot)
        day_store.check_in(ids[2])
        await pilot.press("escape")
        await settle(app, pilot)
        assert rows(app.screen)[2][1] == "签到"
        assert table.cursor_row == 2
        again = table.get_row_at(2)
        await pilot.press("enter")
        await settle(app, pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.press("escape")
        await settle(app, pilot)
        assert table.get_row_at(2)[1] is not again[1]  # drawn in the new theme's colours
        assert rows(app.screen)[2][1] == "签到"


def test_the_unvisited_come_a_page_at_a_time_and_all_can_be_opened(day_store, monkeypatch):
    """A city's month has tens of thousands unvisited: the list takes a page of them (3
    here), the cursor nearing the last row brings the next page, and any of them opens."""
    from khtui.screens.retailer import ProfileScreen

    monkeypatch.setattr("khtui.widgets.paging.PAGE", 3)
    unvisited = day_store.month_coverage("2026-11", as_of=TODAY)["unvisited"]
    assert len(unvisited) > 3

    async def scenario():
        async with running(day_store, SIZE) as (app, pilot):
            await pilot.press("u")
            await settle(app, pilot)
            table = app.screen.query_one("#unvisited", DataTable)
            assert table.row_count == 3
            await pilot.press("ctrl+end")
            await settle(app, pilot)
            assert table.row_count == min(len(unvisited), 6)
            await pilot.press("ctrl+end", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ProfileScreen)
            assert app.screen.code == unvisited[table.row_count - 1]["code"]

    asyncio.run(scenario())


@sync
async def test_english(day_store):
    app = create_app(day_store, lang="en", today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#today-visits", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers[:4] == ["#", "Stat", "Shop", "Route"]
        by_name = {r[2]: r for r in rows(screen)}
        assert by_name["长安超市"][5] == "care, new product"
        assert by_name["曾记食杂店"][1] == "todo"
        assert "visits: 0 done" in text_of(screen, "#today-day")
        assert screen.sub_title == "Today's visits"
        await pilot.press("s")
        await pilot.pause()
        assert "Why was" in str(app.screen.query_one(".modal-title").render())


@sync
async def test_wide_terminal_shows_code_and_phone(day_store):
    async with running(day_store, (120, 40), made=watched) as (app, _pilot):
        shown = rows(app.screen)
        assert shown[0][8] == CQ
        assert shown[0][9] == "13900000001"


@sync
async def test_resizing_the_terminal_lays_the_list_out_again(day_store):
    async with running(day_store, (120, 40), made=watched) as (app, pilot):
        assert len(rows(app.screen)[0]) == 10  # wide: code and phone
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert len(rows(app.screen)[0]) == 8
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert rows(app.screen)[0][8] == CQ


# -- keys that must not change what the AM did not mean ----------------------------------------
@sync
async def test_skip_enter_alone_records_nothing(day_store):
    first = day_ids(day_store)[0]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("s", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SkipScreen)  # still asking
        assert "还没有选原因" in str(app.screen.query_one("#skip-hint", Static).render())
        assert app.screen.query_one("#skip-reasons", OptionList).highlighted is None
        assert visit(day_store, first)["status"] == "planned"
        await pilot.press("escape")
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "planned"


@sync
async def test_after_a_skip_the_keys_say_what_to_do_next_and_r_books_another_day(day_store):
    first = day_ids(day_store)[0]
    async with running(day_store, SIZE, made=watched) as (app, pilot):
        await pilot.press("s", "down", "enter")  # 店门关闭
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "skipped"
        for key in ("i", "f", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, TodayScreen)
            said = notices(app)[-1]
            assert "已记为未访（店门关闭）" in said and "z 撤销" in said and "按 r" in said, said
        await pilot.press("r")  # another day for the shop; the skip stays recorded
        await pilot.pause()
        assert isinstance(app.screen, RescheduleScreen)
        title = str(app.screen.query_one(".modal-title", Label).render())
        assert "另约哪天再去" in title
        await pilot.press("ctrl+u", *"25", "enter")
        await settle(app, pilot)
        old = visit(day_store, first)
        assert (old["status"], old["rescheduled_to"]) == ("skipped", "2026-11-25")
        again = [
            v for v in day_store.day_visits(dt.date(2026, 11, 25)) if v["origin_visit_id"] == first
        ]
        assert len(again) == 1 and "carry_over" in again[0]["reasons"]
        assert any("另约 2026-11-25 再去" in n for n in notices(app))


@sync
async def test_z_undoes_the_last_visit_action_of_the_day(day_store):
    first, second = day_ids(day_store)[:2]
    day_store.conn.execute("DELETE FROM visit_actions")  # the seed's own ad-hoc visits
    async with running(day_store, (120, 40), made=watched) as (app, pilot):
        shown = [b.binding for b in app.active_bindings.values() if b.binding.show]
        assert ("z", "撤销") in [(b.key, b.description) for b in shown]  # in the footer
        await pilot.press("i", "down", "s", "down", "enter")
        await settle(app, pilot)
        assert visit(day_store, first)["status"] == "checked_in"
        assert visit(day_store, second)["status"] == "skipped"
        await pilot.press("z")
        await settle(app, pilot)
        assert visit(day_store, second)["status"] == "planned"
        assert visit(day_store, second)["skip_reason"] is None
        assert any("已撤销 银行旁便利店 的未访（店门关闭）" in n for n in notices(app))
        await pilot.press("z")
        await settle(app, pilot)
        assert (visit(day_store, first)["status"], visit(day_store, first)["checked_in_at"]) == (
            "planned",
            None,
        )
        await pilot.press("z")
        await settle(app, pilot)
        assert any("没有可以撤销的拜访操作" in n for n in notices(app))
        assert rows(app.screen)[0][1] == "待访"


# -- the day and the month ---------------------------------------------------------------------
LAST = dt.date(2026, 11, 30)  # the last working day of November


def late_store(tmp_path, clock_at: dt.datetime):
    """The day_store six retailers, November planned on 11-01 and nothing done since."""
    from khtui.data.store import Store

    now = {"t": dt.datetime(2026, 11, 1, 8, 0)}
    store = Store(tmp_path / "late.db", create=True, clock=lambda: now["t"], user="张经理")
    seed(store)
    now["t"] = clock_at
    return store


@sync
async def test_looking_at_other_days_changes_nothing(tmp_path):
    store = late_store(tmp_path, dt.datetime(2026, 11, 30, 9, 0))
    before = list(store.conn.iterdump())
    app = create_app(store, today=lambda: LAST)  # no housekeeping: a plain look
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("left_square_bracket", "left_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        await pilot.press("g", "ctrl+u", *"11-16", "enter")
        await settle(app, pilot)
        assert app.screen.day == dt.date(2026, 11, 16)
        await pilot.press("t")
        await settle(app, pilot)
    assert list(store.conn.iterdump()) == before
    store.close()


@sync
async def test_missed_visits_that_found_no_room_are_listed_and_moved_with_m(tmp_path):
    store = late_store(tmp_path, dt.datetime(2026, 11, 30, 9, 0))
    missed = store.missed_visits(LAST)
    assert missed
    app = watched(create_app(store, today=lambda: LAST))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        notes = text_of(app.screen, "#today-notes")
        assert f"过期未访 {len(missed)} 次没能补进本月" in notes and "按 m" in notes
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, MissedScreen)
        table = app.screen.query_one("#missed", DataTable)
        assert table.row_count == len(missed)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RescheduleScreen)
        await pilot.press("ctrl+u", *"12-01", "enter")
        await settle(app, pilot)
        moved = visit(store, missed[0]["id"])
        assert (moved["status"], moved["rescheduled_to"]) == ("rescheduled", "2026-12-01")
        assert len(store.missed_visits(LAST)) == len(missed) - 1
        assert f"过期未访 {len(missed) - 1} 次" in text_of(app.screen, "#today-notes")
    store.close()


@sync
async def test_start_on_the_last_working_day_drafts_next_month_and_the_month_rolls_over(tmp_path):
    store = late_store(tmp_path, dt.datetime(2026, 11, 30, 8, 0))
    assert store.month_plan_row("2026-12") is None
    app = watched(create_app(store, today=lambda: LAST, housekeeping=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        plan = store.month_plan_row("2026-12")
        assert plan is not None and plan["status"] == "draft"
        notes = text_of(app.screen, "#today-notes")
        assert "2026-12 计划草稿" in notes and "请于 2026-11-30 前提交（按 P 提交）" in notes
        # carry-over filled today's room only (capacity 45: six retailers fit)
        assert any("补访" in n for n in notices(app))
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.screen.day == dt.date(2026, 12, 1)
        december = store.day_visits(dt.date(2026, 12, 1))
        assert december and len(rows(app.screen)) == len(december)
        assert "12月计划（草稿）" in text_of(app.screen, "#today-month")
        # P submits it, once confirmed
        await pilot.press("P")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "2026-12 计划（草稿）" in text_of(app.screen, "#confirm-detail")
        await pilot.press("escape")
        await settle(app, pilot)
        assert store.month_plan_row("2026-12")["status"] == "draft"
        await pilot.press("P")
        await settle(app, pilot)
        await pilot.press("enter")  # on the highlighted 取消: nothing is submitted
        await settle(app, pilot)
        assert store.month_plan_row("2026-12")["status"] == "draft"
        await pilot.press("P")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert store.month_plan_row("2026-12")["status"] == "submitted"
        assert "2026-12 计划已提交，等待审批" in text_of(app.screen, "#today-notes")
        await pilot.press("P")
        await settle(app, pilot)
        assert any("没有要提交的草稿" in n for n in notices(app))
    assert store.meta("housekeeping_done", "")[:10] == "2026-11-30"
    store.close()


# -- helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "width", "out"),
    [
        ("重庆路烟酒店", 12, "重庆路烟酒店"),
        ("工商银行旁便利店", 14, "工商银行旁便.."),
        ("abcdef", 5, "abc.."),
    ],
)
def test_clip_counts_terminal_cells(text, width, out):
    assert clip(text, width) == out


def test_reasons_most_pressing_first_then_a_count():
    assert reasons_text(["plan"], 12, ZH) == "计划"
    assert reasons_text(["plan", "care", "complaint"], 30, ZH) == "投诉回访、关爱"
    assert reasons_text(["plan", "care", "complaint", "sales_swing"], 12, ZH) == "投诉回访+2"
    assert reasons_text(["plan", "care", "complaint"], 40, EN) == "complaint follow-up, care"


@sync
async def test_a_long_day_is_shown_a_page_at_a_time(store):
    from khtui.widgets.paging import PAGE

    n = PAGE + 30
    store.upsert_retailers(
        [
            {"code": f"3701029{i:05d}", "name": f"测试店{i}", "route": "长线", "route_seq": i}
            for i in range(n)
        ],
        source="test",
    )
    for i in range(n):
        store.add_adhoc_visit(f"3701029{i:05d}", TODAY)
    async with running(store, SIZE, made=watched) as (app, pilot):
        table = app.screen.query_one("#today-visits", DataTable)
        assert len(app.screen.visits) == n
        assert table.row_count == PAGE  # not the whole day at once
        assert f"共 {n} 户" in text_of(app.screen, "#today-day")
        for _ in range(12):
            await pilot.press("pagedown")
        await pilot.pause()
        assert table.row_count == n  # scrolling near the end brings the rest
        assert table.cursor_row == n - 1
        await pilot.press("i")  # the last visit, re-read: the cursor stays on it
        await settle(app, pilot)
        assert table.row_count == n and table.cursor_row == n - 1
        assert store.day_visits(TODAY)[-1]["status"] == "checked_in"


def test_day_notes_say_this_months_plan_is_missing_until_it_exists(store):
    from khtui.screens.today import day_notes

    store.upsert_retailers(
        [{"code": code, "name": name, "route": route, "route_seq": seq, "visit_batch": batch,
          "status": "正常"} for code, name, route, seq, batch, _tier in RETAILERS],
        source="test",
    )  # fmt: skip
    missing = "2026-11 拜访计划还没有起草"
    assert any(missing in n for n in day_notes(store, TODAY, ZH))
    store.generate_month_plan("2026-11")
    assert not any(missing in n for n in day_notes(store, TODAY, ZH))
