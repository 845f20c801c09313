"""The market manager's view, driven by the keys a market manager presses: a team database
opens on it; find the AM with the lowest coverage, open one of their retailers, approve one
plan and return another; the AM's today screen then shows the returned plan and the comment.

(No async pytest plugin is installed: each test runs its scenario with ``asyncio.run``.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import shutil

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, OptionList, Static

from khtui.app import KhtuiApp, ManagerApp, create_app
from khtui.data.importers.approvals import import_approvals
from khtui.data.store import Store
from khtui.data.team import merge_into
from khtui.screens.retailer import ProfileScreen
from khtui.screens.review import pct
from khtui.screens.team import AmRetailersScreen, CommentScreen, TeamReportScreen, TeamScreen
from khtui.widgets.text_boxes import TextArea
from tests.conftest import EN, TODAY, ZH
from tests.screens.pilot import Notices, running, settle
from tests.team_helpers import build_ams

SIZE = (120, 40)


def _at(hour: int):
    return lambda: dt.datetime.combine(TODAY, dt.time(hour, 0))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three AMs; DEMO02 missed five of its retailers this month (lowest coverage); DEMO01 and
    DEMO03 submitted December's plan."""

    def then(s: Store, i: int) -> None:
        if i == 2:
            missed = [
                r[0]
                for r in s.query(
                    "SELECT DISTINCT retailer_code FROM visits WHERE status = 'done' "
                    "AND planned_date >= '2026-11-01' ORDER BY retailer_code LIMIT 5"
                )
            ]
            s.conn.executemany(
                "UPDATE visits SET status = 'skipped', skip_reason = '店主外出' "
                "WHERE retailer_code = ? AND status = 'done' AND planned_date >= '2026-11-01'",
                [(c,) for c in missed],
            )
        else:
            s.generate_month_plan("2026-12")
            s.submit_plan("2026-12")

    folder = tmp_path_factory.mktemp("team-screen")
    return build_ams(folder, (61, 62, 63), then=then, clock=lambda _i: _at(10))


@pytest.fixture
def team(built, tmp_path, monkeypatch):
    monkeypatch.setenv("KHTUI_EXPORT_DIR", str(tmp_path / "outbox"))
    ams = [shutil.copy(p, tmp_path / p.name) for p in built]
    path = tmp_path / "team.db"
    merge_into(path, ams, now="2026-11-23T08:00:00")
    s = Store(path, clock=_at(9))
    s.set_meta("am_name", "赵经理")
    s.close()
    return path, ams, tmp_path / "outbox"


def _cells(table: DataTable, row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


def test_a_team_database_opens_on_the_managers_view(team):
    path, ams, _ = team

    async def scenario():
        app = create_app(Store(path, clock=_at(9)), today=lambda: TODAY)
        assert isinstance(app, ManagerApp)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, TeamScreen)
            assert "市场经理 赵经理" in app.title and "团队库 team.db" in app.title
            summary = str(app.screen.query_one("#team-summary", Static).render())
            assert "3 位客户经理" in summary and "待审计划 2" in summary
            table = app.screen.query_one("#team-ams", DataTable)
            assert table.row_count == 3
            rows = [_cells(table, i) for i in range(3)]
            assert rows[0][0].startswith("DEMO02")  # lowest coverage first
            cov = [int(r[3].rstrip("%")) for r in rows]
            assert cov == sorted(cov) and cov[0] < cov[1]
            # last month's forecast accuracy, as the figures give it
            figures = app.store.team_figures("2026-11", TODAY)
            assert [r[8] for r in rows] == [pct(f.forecast_accuracy, ZH) for f in figures]
            assert all(r[8].endswith("%") for r in rows)
        app.store.close()
        # an AM's own database still opens on the AM's workbench
        am_app = create_app(Store(ams[0]))
        assert isinstance(am_app, KhtuiApp) and not isinstance(am_app, ManagerApp)
        am_app.store.close()

    asyncio.run(scenario())


def test_opening_the_managers_view_computes_no_forecast_of_its_own(team):
    """At start the app computes the forecasts when the order data changed since the last
    run; on the team database (every AM's orders) it computes none: the AMs' runs are the
    team's forecasts and all stay as merged."""
    path, _, _ = team

    def runs() -> list[tuple]:
        s = Store(path)
        try:
            return [tuple(r) for r in s.query("SELECT id, am_id FROM forecast_runs ORDER BY id")]
        finally:
            s.close()

    before = runs()
    assert len({am for _id, am in before}) == 3

    async def scenario():
        app = create_app(Store(path, clock=_at(9)), today=lambda: TODAY, housekeeping=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert not app.store.forecasts_stale()
        app.store.close()

    asyncio.run(scenario())
    assert runs() == before


def test_lowest_coverage_retailer_then_approve_one_plan_and_return_another(team, monkeypatch):
    path, ams, outbox = team
    monkeypatch.setattr("khtui.widgets.paging.PAGE", 10)

    async def scenario():
        store = Store(path, clock=_at(9))
        async with running(store, SIZE) as (app, pilot):
            # the AM with the lowest coverage is on the first row: Enter lists their retailers
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, AmRetailersScreen)
            assert app.screen.label.startswith("DEMO02")
            first = app.screen.rows[0]
            assert not first.visited  # not visited this month comes first
            title = str(app.screen.query_one("#team-am-title", Static).render())
            assert "本月已访" in title
            # an AM's retailers come a page at a time (pages of 10 here)
            listed = app.screen.query_one("#team-am-retailers", DataTable)
            assert len(app.screen.rows) > 10 and listed.row_count == 10
            await pilot.press("ctrl+end")
            await settle(app, pilot)
            assert listed.row_count == min(len(app.screen.rows), 20)
            await pilot.press("ctrl+home")
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ProfileScreen) and app.screen.code == first.code
            await pilot.press("escape")
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, TeamScreen)
            # the plans waiting for approval: the next tab (the digits stay section keys)
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
            plans = app.screen.query_one("#team-plans", DataTable)
            assert plans.row_count == 2
            first_am = _cells(plans, 0)[0]
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, CommentScreen)
            assert app.screen.query_one(Input).value == "同意"
            await pilot.press("enter")
            await settle(app, pilot)
            assert plans.row_count == 1
            second_am = _cells(plans, 0)[0]
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("enter")  # empty: refused, the modal stays
            await pilot.pause()
            assert isinstance(app.screen, CommentScreen)
            assert "请写明意见" in str(app.screen.query_one("#team-comment-error", Static).render())
            await pilot.press(*"补足城东一线")
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, TeamScreen)
            assert "没有待审批的计划" in _cells(plans, 0)[0]
            # the overview says so too
            await pilot.press("left_square_bracket")
            await settle(app, pilot)
            table = app.screen.query_one("#team-ams", DataTable)
            status = {_cells(table, i)[0]: _cells(table, i)[9] for i in range(3)}
            assert status[first_am] == "2026-12 已审批"
            assert status[second_am] == "2026-12 已退回"
        decisions = store.query(
            "SELECT decision, comment, decided_by FROM reviews ORDER BY decided_at"
        )
        assert [tuple(d) for d in decisions] == [
            ("approved", "同意", "赵经理"),
            ("returned", "补足城东一线", "赵经理"),
        ]
        store.close()
        files = sorted(outbox.glob("khtui-approvals-*.json"))
        assert len(files) == 2
        return second_am, files

    second_am, files = asyncio.run(scenario())
    # the AM whose plan was returned imports the file; the today screen says so
    code = second_am.split()[0]
    am = ams[int(code[-1]) - 1]
    s = Store(am, clock=_at(18))
    import_approvals(s, next(f for f in files if code in f.name))
    s.close()

    async def today():
        app = create_app(Store(am, clock=_at(18)), today=lambda: TODAY)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            line = app.screen.query_one("#today-review", Static)
            assert line.display
            text = str(line.render())
            assert "12月计划被退回" in text and "赵经理：补足城东一线" in text
        app.store.close()

    asyncio.run(today())


def test_reading_a_weekly_report_of_the_team(team):
    path, _, _ = team

    async def scenario():
        app = create_app(Store(path, clock=_at(9)), today=lambda: TODAY)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press(*["right_square_bracket"] * 2)
            await settle(app, pilot)
            reports = app.screen.query_one("#team-reports", DataTable)
            assert reports.row_count == 3
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, TeamReportScreen)
            console = Console(width=110, record=True, file=io.StringIO())
            console.print(app.screen.query_one("#team-report", Static).content)
            body = console.export_text()
            assert "周报" in body and "存在问题及原因" in body
            assert "城东二线两户重点客户" in body  # the AM's own words
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TeamScreen)
        app.store.close()

    asyncio.run(scenario())


def test_the_managers_today_list_reads_the_ams_visits_and_changes_none(team):
    """The manager opens the today section (1) on the team database and presses i on a visit:
    the notice says visits are made in the AM's own database; the visit is as it was."""
    path, _, _ = team

    async def scenario():
        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            notices = Notices(app)
            await pilot.press("1")
            await settle(app, pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count > 0
            # the AMs' plans wait for this manager: no AM's plan line as if the team's
            assert app.store.scalar("SELECT count(*) FROM visit_plans WHERE status = 'submitted'")
            assert not app.screen.query_one("#today-review").display
            before = app.store.query("SELECT id, status FROM visits ORDER BY id")
            actions = app.store.scalar("SELECT count(*) FROM visit_actions")
            await pilot.press("i")
            await settle(app, pilot)
            assert notices.any("团队库", "拜访", "khtui team merge"), notices
            assert app.store.query("SELECT id, status FROM visits ORDER BY id") == before
            assert app.store.scalar("SELECT count(*) FROM visit_actions") == actions
        app.store.close()

    asyncio.run(scenario())


def test_the_managers_today_list_refuses_each_key_that_makes_an_ams_record_at_once(team):
    """On the team database's today list, P (submit the plan), i, f, s, r, a, z and + are each
    refused at once with the notice the store's refusal gives (P said no draft was there to
    submit; s, r, a and f asked for a reason, a day, a retailer or the arrival time first), and
    nothing is written; in an AM's own database s, r, a and f open their forms."""
    path, ams, _ = team

    def records(store) -> list:
        return [
            store.query(f"SELECT * FROM {table} ORDER BY id")
            for table in ("visits", "visit_actions", "visit_plans")
        ]

    async def scenario(db, keys):
        async with running(Store(db, clock=_at(9)), SIZE) as (app, pilot):
            await pilot.press("1")
            await settle(app, pilot)
            today = app.screen
            assert app.screen.query_one(DataTable).row_count
            before = records(app.store)
            said, opened = {}, set()
            for key in keys:
                notices = Notices(app)
                await pilot.press(key)
                await settle(app, pilot)
                said[key] = list(notices)
                if app.screen is not today:
                    opened.add(key)
                    app.pop_screen()
                    await settle(app, pilot)
            after = records(app.store)
        app.store.close()
        return said, opened, after == before

    keys = ("P", "i", "f", "s", "r", "a", "z", "plus")
    said, opened, unchanged = asyncio.run(scenario(path, keys))
    assert opened == set() and unchanged
    refusal = ZH("team.own_only", path=path)
    assert "团队库" in refusal and "khtui team merge" in refusal
    assert all(refusal in said[k] for k in keys), said
    assert not any("草稿" in n for n in said["P"])
    _said, opened, _ = asyncio.run(scenario(ams[0], ("s", "r", "a", "f")))
    assert opened == {"s", "r", "a", "f"}


def test_the_managers_today_list_tells_no_plan_of_its_own(team):
    """The notes above the team's today list tell no plan to draft, submit or wait for (the
    AMs' plans are theirs: their own databases draft and submit them, the manager's view
    decides them); an AM's own database tells its own."""
    from khtui.screens.today import day_notes

    path, ams, _ = team
    end = dt.date(2026, 11, 30)  # December's plan is due
    s = Store(ams[1])  # DEMO02 drafted no December plan
    assert any("2026-12" in n for n in day_notes(s, end, ZH))
    s.close()
    s = Store(path)
    assert s.query("SELECT 1 FROM visit_plans WHERE month = '2026-12'")
    assert not any("2026-12" in n or "计划" in n for n in day_notes(s, end, ZH))
    s.close()


def test_the_managers_today_list_of_a_month_to_come_counts_the_ams_plans(team):
    """The manager presses 1, then g to a December day: the month's line counts the AMs'
    December plans by status (a decision made in the manager's view standing for the
    status), not one AM's plan with the whole team's visits."""
    path, _, _ = team
    s = Store(path, clock=_at(9))
    [first, _second] = s.column(
        "SELECT id FROM visit_plans WHERE month = '2026-12' AND status = 'submitted' ORDER BY id"
    )
    s.decide_plan(first, "approved")
    s.close()

    async def scenario():
        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            await pilot.press("1")
            await settle(app, pilot)
            await pilot.press("g")
            await settle(app, pilot)
            await pilot.press("ctrl+u", *"2026-12-01", "enter")
            await settle(app, pilot)
            assert app.screen.day == dt.date(2026, 12, 1)
            line = str(app.screen.query_one("#today-month", Static).render())
        app.store.close()
        return line

    line = asyncio.run(scenario())
    assert line.startswith("12月 3 位客户经理的计划：已审批 1、已提交 1、还没有起草 1 · 提交日 ")
    assert "12月计划（" not in line


def test_the_managers_today_notes_count_the_teams_missed_visits_without_one_ams_room(team):
    """Three days on every AM has visits missed: the team's note counts them all and points
    to m to see whose they are, without one AM's daily room (每天最多 45 次) or an offer to
    move them here (moving is refused on a team database); an AM's own note is as it was."""
    from khtui.screens.today import day_notes

    path, ams, _ = team
    later = TODAY + dt.timedelta(days=3)
    s = Store(ams[0])
    own = s.count_missed(later)
    capacity = s.rules.visits.daily_capacity
    assert own and ZH("today.note.missed", n=own, capacity=capacity) in day_notes(s, later, ZH)
    s.close()
    s = Store(path)
    missed = s.count_missed(later)
    assert missed > own
    assert day_notes(s, later, ZH) == [ZH("today.note.missed.team", n=missed)]
    [note] = day_notes(s, later, ZH)
    assert "每天最多" not in note and "按 m 查看并改期" not in note and f"{missed} 次" in note
    [note] = day_notes(s, later, EN)
    assert "a day" not in note and "to move" not in note
    s.close()


def test_opening_a_capture_on_the_team_database_says_why_and_goes_back(team):
    """The manager opens the capture section (3) and a visit's capture (Enter): the notice
    says captures are made in the AM's own database, the picker is back, and no capture was
    written."""
    from khtui.screens.capture import CaptureScreen

    path, _, _ = team

    async def scenario():
        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            notices = Notices(app)
            captures = app.store.scalar("SELECT count(*) FROM captures")
            await pilot.press("3")
            await settle(app, pilot)
            picker = app.screen
            assert isinstance(picker, CaptureScreen) and picker.picker
            await pilot.press("enter")
            await settle(app, pilot)
            assert notices.any("团队库", "采集"), notices
            assert app.screen is picker
            assert app.store.scalar("SELECT count(*) FROM captures") == captures
            await pilot.press("3")  # the section's key reaches the picker, not a stuck capture
            await settle(app, pilot)
            assert app.screen is picker
        app.store.close()

    asyncio.run(scenario())


def test_the_profile_offers_no_key_that_makes_an_ams_record_on_the_team_database(team):
    """On the team database a retailer's profile shows and takes no e (nor Enter on a field),
    s, c, r or a (they opened a form, and refused only when it was saved); the why keys work.
    In an AM's own database the same profile offers them."""
    from khtui.screens.retailer import ProfileScreen

    path, ams, _ = team

    async def scenario(db):
        async with running(Store(db, clock=_at(9)), SIZE) as (app, pilot):
            code = app.store.scalar("SELECT min(code) FROM retailers")
            app.open_profile(code)
            await settle(app, pilot)
            profile = app.screen
            assert isinstance(profile, ProfileScreen)
            offered = {b.binding.action for b in profile.active_bindings.values()}
            made = set()
            await pilot.press(*["down"] * 5)  # on 结算方式, a field the AM edits
            for key in ("e", "enter", "s", "c", "r", "a"):
                await pilot.press(key)
                await settle(app, pilot)
                if app.screen is not profile:
                    made.add(key)
                    app.pop_screen()
                    await settle(app, pilot)
            await pilot.press("t")  # the tier's why: a reading, offered everywhere
            await settle(app, pilot)
            why = app.screen is not profile
        app.store.close()
        return offered & ProfileScreen.OWN_RECORDS, made, why

    own, made, why = asyncio.run(scenario(path))
    assert (own, made, why) == (set(), set(), True)
    own, made, why = asyncio.run(scenario(ams[0]))
    assert own == ProfileScreen.OWN_RECORDS and why
    assert made == {"e", "enter", "s", "c", "r", "a"}


def test_the_complaints_offer_no_key_that_makes_or_moves_one_on_the_team_database(team):
    """The manager's complaints list (4) reads every AM's complaints, each naming its
    retailer's AM; n, f, a, c and v are neither shown nor taken there (n opened the form and
    refused only on saving)."""
    from khtui.screens.complaints import ComplaintsScreen

    path, _, _ = team

    async def scenario():
        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            before = app.store.scalar("SELECT count(*) FROM complaints")
            await pilot.press("4")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ComplaintsScreen)
            offered = {b.binding.action.split("(")[0] for b in screen.active_bindings.values()}
            assert not offered & ComplaintsScreen.OWN_RECORDS
            for key in ("n", "f", "a", "c", "v"):
                await pilot.press(key)
                await settle(app, pilot)
                assert app.screen is screen, key
            assert app.store.scalar("SELECT count(*) FROM complaints") == before
            # every AM's complaints, each row naming whose retailer it is
            table = screen.query_one("#cmp-table", DataTable)
            keys = [c.key.value for c in table.columns.values()]
            assert keys[:3] == ["raised", "am", "retailer"]
            owners = app.store.retailer_ams({r["retailer_code"] for r in screen.rows})
            cells = [str(table.get_cell_at((i, 1))) for i in range(table.row_count)]
            assert cells == [owners[r["retailer_code"]] for r in screen.rows[: len(cells)]]
            assert len(set(cells)) >= 2
        app.store.close()

    asyncio.run(scenario())


def test_the_managers_warnings_name_each_retailers_am(team):
    """The warnings (w, then t for every retailer) on the team database name the AM of each
    warned retailer in a column of their own; an AM's own warnings have no such column."""
    from khtui.screens.warnings import WarningsScreen

    path, ams, _ = team

    async def scenario(db):
        async with running(Store(db, clock=_at(9)), SIZE) as (app, pilot):
            await pilot.press("w")
            await settle(app, pilot)
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, WarningsScreen) and screen.warnings
            table = screen.query_one("#warn-table", DataTable)
            keys = [c.key.value for c in table.columns.values()]
            shown = []
            if "am" in keys:
                owners = app.store.retailer_ams({w.retailer_code for w in screen.warnings})
                for row in range(min(table.row_count, 30)):
                    w = screen.warnings[row]
                    cell = str(table.get_cell_at((row, keys.index("am"))))
                    shown.append((cell, owners[w.retailer_code]))
        app.store.close()
        return keys, shown

    keys, shown = asyncio.run(scenario(path))
    assert keys == ["kind", "am", "retailer", "why"]
    assert shown and all(cell == owner[: len(cell)] for cell, owner in shown)
    assert len({owner for _cell, owner in shown}) >= 2  # the AMs' retailers, together
    keys, _ = asyncio.run(scenario(ams[0]))
    assert keys == ["kind", "retailer", "why"]


def test_the_managers_lookup_names_each_retailers_am(team):
    """The lookup (2) on the team database finds every AM's retailers (route names repeat
    across AMs) and names each one's AM; an AM's own lookup has no such column."""
    path, ams, _ = team

    async def scenario(db):
        async with running(Store(db, clock=_at(9)), SIZE) as (app, pilot):
            await pilot.press("2")
            await settle(app, pilot)
            table = app.screen.query_one("#lookup-results", DataTable)
            keys = [c.key.value for c in table.columns.values()]
            pairs = []
            if "am" in keys:
                codes = [str(table.get_cell_at((i, 0))) for i in range(table.row_count)]
                owners = app.store.retailer_ams(codes)
                at = keys.index("am")
                pairs = [(str(table.get_cell_at((i, at))), owners[c]) for i, c in enumerate(codes)]
        app.store.close()
        return keys, pairs

    keys, pairs = asyncio.run(scenario(path))
    assert keys[:3] == ["code", "name", "am"]
    assert pairs and all(cell == owner for cell, owner in pairs)
    assert len({owner for _cell, owner in pairs}) >= 2
    keys, _ = asyncio.run(scenario(ams[0]))
    assert "am" not in keys


def _am_rows(app, table: DataTable) -> list[tuple[str, str]]:
    """Each row's AM cell beside the name of the AM who holds the row's visit in the team
    database (``team_ams``: the name, else the code)."""
    out = []
    for row in range(table.row_count):
        visit = table.coordinate_to_cell_key((row, 0)).row_key.value
        am = app.store.scalar(
            "SELECT coalesce(a.name, a.code) FROM visits v JOIN team_ams a ON a.am_id = v.am_id "
            "WHERE v.id = ?",
            (visit,),
        )
        out.append((str(table.get_cell_at((row, table.get_column_index("am")))), am))
    return out


async def _days_visits_shown(
    app, pilot, key: str, table_id: str
) -> tuple[DataTable, list[tuple[str, str]], int]:
    """Press ``key``: the list of the day's visits it shows (one row for each of the team's
    visits of the day, each row's AM cell the AM who holds it), its rows' AMs
    (``_am_rows``) and the number of the day's visits."""
    await pilot.press(key)
    await settle(app, pilot)
    table = app.screen.query_one(table_id, DataTable)
    day = TODAY.isoformat()
    total = app.store.scalar("SELECT count(*) FROM visits WHERE planned_date = ?", (day,))
    assert table.row_count == total
    rows = _am_rows(app, table)
    assert [shown for shown, _ in rows] == [am for _, am in rows]
    return table, rows, total


async def _am_list(app, pilot, key: str, table_id: str) -> DataTable:
    """Press ``key`` on the today screen: the list it opens, its first column the AM's."""
    await pilot.press(key)
    await settle(app, pilot)
    table = app.screen.query_one(table_id, DataTable)
    assert str(table.columns[table.ordered_columns[0].key].label) == "客户经理"
    return table


def test_the_managers_unvisited_and_missed_lists_name_each_am(team):
    """The manager presses 1, then u: the month's unvisited retailers of the whole team, each
    naming the AM it is counted for, AM by AM; Esc, then m: the missed visits, each naming the
    AM who holds it. The AMs as the team database names them (the name, else the code); three
    days on, so that every AM has visits missed."""
    path, _, _ = team
    later = lambda: dt.datetime.combine(TODAY + dt.timedelta(days=3), dt.time(9))  # noqa: E731
    store = Store(path, clock=later)
    names = {r["am_id"]: r["name"] or r["code"] for r in store.query("SELECT * FROM team_ams")}
    owner = {
        r[0]: names[r[1]]
        for r in store.query(
            "SELECT retailer_code, am_id FROM team_books b WHERE updated_at = (SELECT "
            "max(updated_at) FROM team_books c WHERE c.retailer_code = b.retailer_code)"
        )
    }
    store.close()

    async def scenario():
        app = create_app(Store(path, clock=later), today=lambda: later().date())
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("1")
            await settle(app, pilot)
            table = await _am_list(app, pilot, "u", "#unvisited")
            rows = [_cells(table, i) for i in range(table.row_count)]
            assert rows and [r[0] for r in rows] == [owner[r[1]] for r in rows]
            assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # AM by AM
            await pilot.press("escape")
            await settle(app, pilot)
            table = await _am_list(app, pilot, "m", "#missed")
            shown = [_cells(table, i)[0] for i in range(table.row_count)]
            held = [
                names[app.store.scalar("SELECT am_id FROM visits WHERE id = ?", (v["id"],))]
                for v in app.screen.rows
            ]
            assert shown and shown == held and len(set(shown)) > 1

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
def test_the_managers_today_list_names_each_visits_am(team, size):
    """The manager presses 1: every AM's visits of the day, each row naming its AM as the team
    database does, AM by AM; the detail under the list names the highlighted visit's AM; the
    counts are the team's."""
    path, _, _ = team

    async def scenario():
        async with running(Store(path, clock=_at(9)), size) as (app, pilot):
            table, rows, total = await _days_visits_shown(app, pilot, "1", "#today-visits")
            day = TODAY.isoformat()
            assert str(table.columns[table.ordered_columns[1].key].label) == "客户经理"
            shown = [am for am, _ in rows]
            assert len(set(shown)) == 3 and shown == sorted(shown)  # AM by AM
            day_line = str(app.screen.query_one("#today-day", Static).render())
            assert f"共 {total} 户" in day_line
            await pilot.press("down")
            await pilot.pause()
            detail = str(app.screen.query_one("#today-detail", Static).render())
            assert detail.startswith(f"客户经理 {rows[1][1]} · ")
            # the warnings of the day's retailers name each retailer's AM, AM by AM
            panel = app.screen.query_one("#today-warnings", Static)
            lines = str(panel.render()).splitlines()[1:]
            shown = [line.split(": ")[0] for line in lines if ": " in line]
            owners = {
                f"{r[0]}（{r[1]}）"
                for r in app.store.query(
                    "SELECT r.name, coalesce(a.name, a.code) FROM visits v "
                    "JOIN retailers r ON r.code = v.retailer_code "
                    "JOIN team_books b ON b.retailer_code = v.retailer_code "
                    "JOIN team_ams a ON a.am_id = b.am_id WHERE v.planned_date = ?",
                    (day,),
                )
            }
            assert shown and set(shown) <= owners
            ams = [label.rsplit("（", 1)[1] for label in shown]
            assert ams == sorted(ams)
        app.store.close()

    asyncio.run(scenario())


def test_the_managers_capture_list_names_each_visits_am(team):
    """The manager presses 3: the day's visits to capture, each row naming its AM; what the
    day still lacks (visits two AMs finished without a capture) names the AM too."""
    path, ams, _ = team
    finished = {}
    for am in ams[:2]:
        s = Store(am, clock=_at(10))
        visit = s.day_visits(TODAY)[0]
        s.finish_visit(visit["id"], arrived=dt.time(9, 30))
        finished[visit["retailer_code"]] = s.am_name
        s.close()
    merge_into(path, ams[:2], now="2026-11-23T12:00:00")

    async def scenario():
        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            _, rows, _ = await _days_visits_shown(app, pilot, "3", "#cap-visits")
            day = TODAY.isoformat()
            assert len({am for _, am in rows}) == 3
            gaps = str(app.screen.query_one("#cap-gaps", Static).render())
            lines = [line.strip() for line in gaps.splitlines() if f"{day} " in line]
            expected = sorted(f"{am} · {day} {code} " for code, am in finished.items())  # AM by AM
            assert [line[: len(e)] for line, e in zip(lines, expected, strict=True)] == expected
        app.store.close()

    asyncio.run(scenario())


def test_an_ams_own_lists_have_no_am_column(team):
    """On an AM's own database the today and capture lists are as they were: no AM column."""
    _, ams, _ = team

    async def scenario():
        async with running(Store(ams[0], clock=_at(9)), SIZE) as (app, pilot):
            for key, table_id in (("1", "#today-visits"), ("3", "#cap-visits")):
                await pilot.press(key)
                await settle(app, pilot)
                table = app.screen.query_one(table_id, DataTable)
                assert table.row_count > 0 and "am" not in table.columns
                if key == "1":
                    detail = str(app.screen.query_one("#today-detail", Static).render())
                    assert "客户经理" not in detail
        app.store.close()

    asyncio.run(scenario())


def _text(widget: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def test_the_managers_report_section_names_the_am_and_picks_another(team):
    """On a team database the manager presses 6: one AM's latest submitted weekly report, the
    AM named in the title and the status line, their text and frozen figures; ``a`` picks
    another AM (a second version submitted counts, a later draft does not); editing,
    submitting and exporting say why not and write nothing; ``m``: the monthly analysis of
    the AM shown, or that the AM submitted none."""
    path, ams, outbox = team
    week = "2026-W47"
    mine = Store(ams[1], clock=_at(11))
    mine.save_weekly_draft(week, {"problems": "第二版：城西线断档"})
    mine.submit_weekly(week)
    mine.save_monthly_draft("2026-10", {"problems": "十月城西线断档"})
    mine.submit_monthly("2026-10")
    second = mine.am_id
    mine.close()
    other = Store(ams[2], clock=_at(11))
    other.save_weekly_draft(week, {"problems": "草稿：尚未提交"})
    other.close()
    merge_into(path, [ams[1], ams[2]], now="2026-11-23T12:00:00")

    def submitted(s: Store, am_id: str):
        return s.query_one(
            "SELECT * FROM weekly_reports WHERE am_id = ? AND week = ? AND status = 'submitted' "
            "ORDER BY version DESC LIMIT 1",
            (am_id, week),
        )

    async def scenario():
        from khtui.domain.weekly import WeeklyFigures
        from khtui.screens.report import AmPickScreen, ReportScreen

        async with running(Store(path, clock=_at(9)), SIZE) as (app, pilot):
            notices = Notices(app)
            s = app.store
            names = {
                r["am_id"]: r["name"] or r["code"]
                for r in s.query("SELECT * FROM team_ams ORDER BY coalesce(name, code), am_id")
            }
            await pilot.press("6")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ReportScreen)

            def shows(am_id: str) -> None:
                row = submitted(s, am_id)
                figures = WeeklyFigures.from_dict(json.loads(row["figures"]))
                name = names[am_id]
                assert screen.sub_title.startswith(f"{name} · 周报 {week}")
                status = str(screen.query_one("#rpt-status", Static).render())
                assert f"{name} 提交的第 {row['version']} 版" in status and "只读" in status
                body = _text(screen.query_one("#rpt-figures-text", Static))
                v = figures.visits
                assert f"本周计划拜访 {v.total} 户次，完成 {v.done} 户次" in body
                problems = json.loads(row["narrative"])["problems"]
                assert screen.query_one("#rpt-problems", TextArea).text == problems

            first = next(iter(names))
            shows(first)  # the first AM as the team's lists order them
            await pilot.press("a")
            await settle(app, pilot)
            picker = app.screen
            assert isinstance(picker, AmPickScreen)
            options = picker.query_one(OptionList)
            lines = [str(options.get_option_at_index(i).prompt) for i in range(3)]
            assert [line.split(" ")[0] for line in lines] == list(names.values())
            assert "第 2 版" in lines[list(names).index(second)]
            for _ in range(list(names).index(second)):
                await pilot.press("down")
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen is screen
            shows(second)
            assert screen.query_one("#rpt-problems", TextArea).text == "第二版：城西线断档"
            # the AM with a draft after the submitted version: the submitted one
            drafted = s.scalar("SELECT am_id FROM weekly_reports WHERE status = 'draft'")
            await pilot.press("a")
            await settle(app, pilot)
            await pilot.press("home", *["down"] * list(names).index(drafted), "enter")
            await settle(app, pilot)
            shows(drafted)

            reports = s.query("SELECT id, version, status, narrative FROM weekly_reports")
            for key in ("e", "ctrl+s"):
                notices.clear()
                await pilot.press(key)
                await settle(app, pilot)
                assert notices.any("团队库只读", names[drafted]), (key, notices)
            notices.clear()
            await pilot.press("f8")
            await settle(app, pilot)
            assert notices.any("团队库不导出", names[drafted]), notices
            assert not outbox.exists() or not list(outbox.glob("*.docx"))
            assert s.query("SELECT id, version, status, narrative FROM weekly_reports") == reports

            await pilot.press("m")  # the monthly analysis of the AM shown: none submitted
            await settle(app, pilot)
            status = str(screen.query_one("#rpt-status", Static).render())
            assert f"{names[drafted]} 未提交" in status
            assert "还没有提交 2026-10 市场分析报告" in _text(
                screen.query_one("#rpt-figures-text", Static)
            )
            await pilot.press("a")
            await settle(app, pilot)
            await pilot.press("home", *["down"] * list(names).index(second), "enter")
            await settle(app, pilot)
            assert screen.sub_title.startswith(f"{names[second]} · 月度市场分析 2026-10")
            status = str(screen.query_one("#rpt-status", Static).render())
            assert f"{names[second]} 提交的第 1 版" in status
            assert screen.query_one("#rpt-month-problems", TextArea).text == "十月城西线断档"
            assert "一、" in _text(screen.query_one("#rpt-figures-text", Static))
        app.store.close()

    asyncio.run(scenario())


def test_an_ams_own_report_section_has_no_am_to_pick(team):
    """On an AM's own database the report section is the AM's: no ``a`` in the footer, and
    the key does nothing."""
    _, ams, _ = team

    async def scenario():
        from khtui.screens.report import ReportScreen

        async with running(Store(ams[0], clock=_at(9)), SIZE) as (app, pilot):
            await pilot.press("6")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ReportScreen) and screen.team is None
            assert "pick_am" not in {b.binding.action for b in screen.active_bindings.values()}
            await pilot.press("a")
            await settle(app, pilot)
            assert app.screen is screen
        app.store.close()

    asyncio.run(scenario())
