"""Warnings screen, the today list's warnings, the profile's forecast tab and the capture's
supply suggestion, driven by the keys a person presses."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Static

from khtui.data.base import new_id
from khtui.domain.months import add_months, month_days
from khtui.screens.capture import CaptureScreen
from khtui.screens.retailer import ProfileScreen
from khtui.screens.warnings import WarningsScreen
from khtui.widgets.forecast_chart import ForecastChart
from khtui.widgets.forecast_panel import ForecastPanel
from khtui.widgets.supply_panel import SupplyPanel
from khtui.widgets.warnings_panel import WarningsPanel
from tests.screens.pilot import running, settle, sync

TODAY = dt.date(2026, 11, 23)
SIZE = (120, 36)


def at(store, day):
    store.clock = lambda: dt.datetime.combine(day, dt.time(9, 0))


@pytest.fixture
def town(store):
    """Three retailers on today's list with 24 months of Tuesday orders; 兴隆超市 (R2) counted
    2 条 of 品牌甲 last Monday; the forecasts made on 1 October and today."""
    store.upsert_brands(
        [
            {"brand_code": "B1", "name": "品牌甲", "guide_price": 120.0, "wholesale_price": 100.0},
            {"brand_code": "B2", "name": "品牌乙", "guide_price": 60.0, "wholesale_price": 50.0},
        ]
    )
    names = {"R1": "和平烟酒", "R2": "兴隆超市", "R3": "街角小卖部"}
    store.upsert_retailers(
        [
            {
                "code": c,
                "name": n,
                "route": "线路1",
                "route_seq": i,
                "visit_batch": "周一",
                "order_day": "周二",
                "status": "正常",
                "order_frequency": "每周一次",
            }
            for i, (c, n) in enumerate(names.items(), start=1)
        ],
        source="test",
    )
    store.conn.execute("UPDATE retailers SET tier = 4, value_class = 'general'")
    lines = []
    m = "2024-10"
    while m <= "2026-11":
        for d in month_days(m):
            if d.weekday() == 1 and d < TODAY:
                lines.append(("R1", d.isoformat(), "B1", "品牌甲", 10.0, 1000.0, 100.0))
                lines.append(("R2", d.isoformat(), "B1", "品牌甲", 20.0, 2000.0, 100.0))
                lines.append(("R3", d.isoformat(), "B2", "品牌乙", 3.0, 150.0, 50.0))
        m = add_months(m, 1)
    store.add_order_lines(lines)
    now = store.now_text()
    with store.write() as conn:
        for i, code in enumerate(names, start=1):
            conn.execute(
                "INSERT INTO visits (id, am_id, retailer_code, planned_date, seq, status, "
                "reasons, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'planned', "
                "'[\"plan\"]', ?, ?)",
                (new_id(), store.am_id, code, TODAY.isoformat(), i, now, now),
            )
        conn.execute(
            "INSERT INTO price_observations (id, am_id, retailer_code, brand_code, "
            "observed_on, stock_tiao, is_draft) VALUES ('p1', 'am', 'R2', 'B1', '2026-11-16', "
            "2, 0)"
        )
    at(store, dt.date(2026, 10, 1))
    store.compute_forecasts(dt.date(2026, 10, 1))
    at(store, TODAY)
    store.compute_forecasts(TODAY)
    return store


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@sync
async def test_the_warnings_screen_opens_with_w_and_says_why(town):
    async with running(town, SIZE) as (app, pilot):
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WarningsScreen)
        rows = cells(screen.query_one("#warn-table", DataTable))
        short = [r for r in rows if r[0] == "缺货"]
        assert short and short[0][1] == "兴隆超市"
        assert "品牌甲" in short[0][2] and "2026-11-16 盘点 2 条" in short[0][2]
        head = str(screen.query_one("#warn-head", Static).render())
        assert "今日客户" in head
        # the highlighted row's whole why below the table
        detail = str(screen.query_one("#warn-detail", Static).render())
        assert detail.startswith("兴隆超市 R2:") and "下次订货 2026-11-24" in detail
        await pilot.press("t")  # every active retailer
        await settle(app, pilot)
        assert "全部" in str(screen.query_one("#warn-head", Static).render())
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.code == "R2"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, WarningsScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, WarningsScreen)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kind_column_fits_its_longest_label(town, lang):
    """The warnings screen's kind column is as wide as its longest label in the language shown
    (in English it cut 'sales high' to 'sales hi' and 'overstock' to 'overstoc')."""
    from rich.cells import cell_len

    from khtui.domain.warnings import KINDS
    from khtui.i18n import Translator
    from tests.screens.test_english import screen_text

    said = Translator(lang)
    labels = [said(f"warn.kind.{k}") for k in KINDS]

    async def scenario():
        async with running(town, SIZE, lang=lang) as (app, pilot):
            await pilot.press("w")
            await settle(app, pilot)
            await pilot.press("t")  # every active retailer
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, WarningsScreen) and screen.warnings
            width = screen.query_one("#warn-table", DataTable).columns["kind"].width
            assert width == max(cell_len(x) for x in [said("warn.col.kind"), *labels])
            shown = screen_text(app)
            for w in screen.warnings[:5]:
                assert said(f"warn.kind.{w.kind}") in shown

    asyncio.run(scenario())


def test_the_why_column_takes_the_width_left_and_follows_the_terminal(town):
    """The why column fills the table's width the other columns leave (it was once drawn four
    cells wide, as narrow as its head, after the terminal had been resized); resized again,
    it follows, the cursor kept on its warning."""
    from khtui.widgets.cells import cut
    from tests.screens.test_english import screen_text

    def left(screen) -> int:
        table = screen.query_one("#warn-table", DataTable)
        others = sum(c.width + 2 for c in table.columns.values() if c.key.value != "why")
        return table.scrollable_content_region.width - others - 2

    from khtui.widgets.paging import PAGE

    n = PAGE + 30  # a second page of warnings: the rows it brought are kept too
    town.upsert_retailers(
        [{"code": f"L{i:04d}", "name": f"许可店{i}", "status": "正常"} for i in range(n)],
        source="test",
    )
    town.conn.execute("UPDATE retailers SET licence_expiry = '2026-12-01' WHERE code LIKE 'L%'")

    async def scenario():
        async with running(town, SIZE) as (app, pilot):
            await pilot.resize_terminal(80, 24)
            await settle(app, pilot)
            await pilot.resize_terminal(*SIZE)
            await settle(app, pilot)
            await pilot.press("w")
            await settle(app, pilot)
            await pilot.press("t")  # every active retailer's
            await settle(app, pilot)
            screen = app.screen
            table = screen.query_one("#warn-table", DataTable)
            assert table.columns["why"].width == left(screen) > 40
            await pilot.press("ctrl+end")  # the next page comes
            await settle(app, pilot)
            await pilot.press("ctrl+end", "up")
            await settle(app, pilot)
            row, rows = table.cursor_row, table.row_count
            assert row > PAGE and rows > PAGE
            await pilot.resize_terminal(80, 24)
            await settle(app, pilot)
            assert table.columns["why"].width == left(screen) < 60
            assert (table.cursor_row, table.row_count) == (row, rows)
            # the highlighted row shows its why as far as the column goes (not 4 cells of it)
            why = screen.why(int(table.coordinate_to_cell_key((row, 0)).row_key.value))
            assert cut(why, left(screen) - 1) in screen_text(app).replace("\xa0", " ")

    asyncio.run(scenario())


@sync
async def test_every_retailers_warnings_come_a_page_at_a_time(town):
    """``t`` on a city's data: tens of thousands of warnings. The table takes a page of them,
    the head counts them all, the cursor nearing the last row brings the next page, and a row
    of a later page says its why and opens its retailer."""
    from khtui.widgets.paging import PAGE

    n = PAGE + 30
    town.upsert_retailers(
        [{"code": f"L{i:04d}", "name": f"许可店{i}", "status": "正常"} for i in range(n)],
        source="test",
    )
    town.conn.execute(
        "UPDATE retailers SET licence_expiry = '2026-12-01' WHERE code LIKE 'L%'"
    )  # 8 days left: within licence_days, every one warned
    async with running(town, SIZE) as (app, pilot):
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("t")  # every active retailer
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#warn-table", DataTable)
        total = len(screen.warnings)
        assert total > n and table.row_count == PAGE
        assert f"预警 {total} 条" in str(screen.query_one("#warn-head", Static).render())
        await pilot.press("ctrl+end")  # the last row shown: the next page comes
        await settle(app, pilot)
        assert table.row_count == min(total, 2 * PAGE)
        await pilot.press("ctrl+end", "up")  # into the page that came
        await settle(app, pilot)
        row = table.cursor_row
        w = screen.warnings[row]
        assert row >= PAGE and w.kind == "licence"
        detail = str(screen.query_one("#warn-detail", Static).render())
        name = f"许可店{int(w.retailer_code[1:])}"
        assert detail == f"{name} {w.retailer_code}: 许可证 2026-12-01 到期，还有 8 天"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.code == w.retailer_code


@sync
async def test_end_goes_to_the_last_of_every_warning_past_the_page_shown(town):
    """End on the warnings added a page at a time: the last warning of the whole list, not
    of the page shown; Home: the first."""
    from khtui.widgets.paging import PAGE

    n = PAGE + 30
    town.upsert_retailers(
        [{"code": f"L{i:04d}", "name": f"许可店{i}", "status": "正常"} for i in range(n)],
        source="test",
    )
    town.conn.execute("UPDATE retailers SET licence_expiry = '2026-12-01' WHERE code LIKE 'L%'")
    async with running(town, SIZE) as (app, pilot):
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("t")  # every active retailer
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#warn-table", DataTable)
        total = len(screen.warnings)
        assert table.row_count == PAGE < total
        await pilot.press("end")
        await settle(app, pilot)
        assert (table.row_count, table.cursor_row) == (total, total - 1)
        detail = str(screen.query_one("#warn-detail", Static).render())
        assert f" {screen.warnings[-1].retailer_code}: " in detail
        await pilot.press("home")
        await settle(app, pilot)
        assert table.cursor_row == 0


@sync
async def test_the_head_says_the_warnings_are_being_read(town, monkeypatch):
    """A city's every warning takes seconds to read: meanwhile the head says so."""
    import threading

    release = threading.Event()
    read = town.warnings_for

    def slow(*args, **kwargs):
        release.wait(30)
        return read(*args, **kwargs)

    async with running(town, SIZE) as (app, pilot):
        await pilot.press("w")
        await settle(app, pilot)
        monkeypatch.setattr(town, "warnings_for", slow)
        await pilot.press("t")
        await pilot.pause()
        head = app.screen.query_one("#warn-head", Static)
        assert str(head.render()) == "正在读取预警…… · 全部"
        release.set()
        await settle(app, pilot)
        assert str(head.render()).startswith("2026-11-23 预警 ")


@sync
async def test_back_to_a_list_it_is_shown_as_read_until_something_is_written(town, monkeypatch):
    """t back to everyone's warnings shows them as read before, without reading them again (a
    city's every warning takes seconds); once something was written, they are read again."""
    everyone = []
    read = town.warnings_for

    def counted(day=None, codes=None):
        everyone.append(codes is None)
        return read(day, codes)

    monkeypatch.setattr(town, "warnings_for", counted)
    async with running(town, SIZE) as (app, pilot):
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        head = screen.query_one("#warn-head", Static)
        await pilot.press("t")  # everyone's: read
        await settle(app, pilot)
        shown = cells(screen.query_one("#warn-table", DataTable))
        assert everyone.count(True) == 1 and "全部" in str(head.render())
        await pilot.press("t", "t")  # the day's, then everyone's again: as read
        await settle(app, pilot)
        assert everyone.count(True) == 1 and "全部" in str(head.render())
        assert cells(screen.query_one("#warn-table", DataTable)) == shown
        town.raise_complaint("R1", "delivery", "送货晚", raised_on=dt.date(2026, 11, 20))
        await pilot.press("t", "t")
        await settle(app, pilot)
        assert everyone.count(True) == 2
        assert any(w.kind == "complaint" for w in screen.warnings)


@sync
async def test_the_palette_reaches_the_warnings(town):
    async with running(town, SIZE) as (app, pilot):
        await pilot.press("ctrl+p", *"预警")
        palette = app.screen
        assert CommandPalette.is_open(app)
        await settle(app, pilot)  # the palette's search is a worker
        shown = [str(o.prompt) for o in palette.query_one("CommandList").options]
        assert "预警" in shown[0], shown
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WarningsScreen)


@sync
async def test_today_lists_the_warnings_of_the_days_retailers(town):
    async with running(town, SIZE) as (app, _pilot):
        panel = app.screen.query_one(WarningsPanel)
        text = str(panel.render())
        assert text.startswith("今日客户预警")
        line = next(ln for ln in text.splitlines() if ln.startswith("兴隆超市"))
        assert "缺货" in line and "品牌甲" in line
        assert {w.retailer_code for w in panel.warnings} <= {"R1", "R2", "R3"}


@sync
async def test_another_days_warnings_are_named_by_its_date(town):
    """The list of another day (] to the next) heads its warnings with that day, not 今日."""
    async with running(town, SIZE) as (app, pilot):
        panel = app.screen.query_one(WarningsPanel)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        text = str(panel.render())
        assert text.startswith("2026-11-24 拜访客户") and "今日" not in text, text
        await pilot.press("t")  # back to today
        await settle(app, pilot)
        assert str(panel.render()).startswith("今日客户预警")


@sync
async def test_the_panel_shows_its_first_retailers_in_list_order_and_counts_the_rest(town):
    """A day of a whole team's list: its limit of retailers, in the order of the day's list
    (one not on it last), each once with its kinds counted, then how many more."""
    from khtui.domain.warnings import Warning

    async with running(town, SIZE) as (app, pilot):
        panel = app.screen.query_one(WarningsPanel)
        await settle(app, pilot)
        listed = [f"C{i:04d}" for i in range(1, 2001)]
        stock = {"counted_on": "2026-11-16", "stock": 90, "ordered": 0, "rate": 2, "limit": 30}
        warnings = [Warning("overstock", "X", "B1", {"brand": "B1", "cover": 45, **stock})]
        for code in reversed(listed):  # the most urgent first, not in the list's order
            warnings.append(Warning("licence", code, None, {"days": 12, "expiry": "2026-12-05"}))
        warnings.append(Warning("licence", "C0002", None, {"days": 3, "expiry": "2026-11-26"}))
        panel.codes_shown = listed
        names = {c: f"店{c}" for c in listed}
        panel.post_message(WarningsPanel.Loaded(panel._gen, warnings, names, {}, {}, {}))
        await settle(app, pilot)
        lines = str(panel.render()).splitlines()
        assert lines[0] == f"今日客户预警 ({len(warnings)})"
        assert [ln.split(":")[0] for ln in lines[1:-1]] == [f"店{c}" for c in listed[:4]]
        assert "许可证 2" in lines[2]  # two of one kind counted on the retailer's one line
        assert lines[-1] == f"另有 {len(listed) + 1 - panel.limit} 户（w 查看全部预警）"
        panel.codes_shown = listed[:2]  # a short list: all shown, the one not on it last
        few = [w for w in warnings if w.retailer_code in ("X", *listed[:2])]
        panel.post_message(WarningsPanel.Loaded(panel._gen, few, names, {}, {}, {}))
        await settle(app, pilot)
        lines = str(panel.render()).splitlines()
        assert [ln.split(":")[0] for ln in lines[1:]] == ["店C0001", "店C0002", "X"]
        assert "积压" in lines[-1]


@sync
async def test_the_profile_shows_the_forecast_beside_the_history(town):
    async with running(town, SIZE) as (app, pilot):
        app.open_profile("R1")
        await settle(app, pilot)
        await pilot.press("left_square_bracket")  # the last tab: 预测
        await settle(app, pilot)
        panel = app.screen.query_one(ForecastPanel)
        text = str(app.screen.query_one("#fc-text", Static).render())
        view = town.retailer_forecast("R1")
        assert f"下月 2026-12：{view.next_month.qty:.0f} 条" in text
        assert "方法：" in text and "回测误差 WAPE" in text
        acc = view.accuracy[0]
        assert f"2026-10 预测准确率 {acc.accuracy * 100:.1f}%" in text
        chart = panel.query_one(ForecastChart)
        assert chart.months[-1] == "2026-11" and chart.f_months == ["2026-11", "2026-12"]
        assert chart.f_lo[1] <= chart.f_qty[1] <= chart.f_hi[1]


@sync
async def test_the_profile_forecast_in_english(town):
    async with running(town, SIZE, lang="en") as (app, pilot):
        app.open_profile("R2")
        await settle(app, pilot)
        await pilot.press("left_square_bracket")  # the last tab: 预测
        await settle(app, pilot)
        text = str(app.screen.query_one("#fc-text", Static).render())
        assert "next month 2026-12" in text and "forecast accuracy" in text
        warnings = str(app.screen.query_one("#fc-warnings", WarningsPanel).render())
        assert "shortage" in warnings and "品牌甲" in warnings


async def forecast_tab_warnings(app, pilot, code: str = "R2") -> WarningsPanel:
    """The warnings panel of ``code``'s profile, its forecast tab shown."""
    app.open_profile(code)
    await settle(app, pilot)
    await pilot.press("left_square_bracket")  # the last tab: 预测
    await settle(app, pilot)
    return app.screen.query_one("#fc-warnings", WarningsPanel)


@pytest.mark.parametrize(
    ("lang", "stale", "overstock"), [("zh", "过期", "积压"), ("en", "stale", "overstock")]
)
def test_a_warnings_kind_is_said_once_on_its_line(town, lang, stale, overstock):
    """The forecast tab's line of a warning is its kind, then why: the why does not say the
    kind again (it read 'stale stock stock figures stale: …')."""
    from khtui.domain.warnings import Warning

    async def scenario():
        async with running(town, SIZE, lang=lang) as (app, pilot):
            panel = await forecast_tab_warnings(app, pilot)
            count = {"counted_on": "2026-10-16", "limit": 30}
            stock = {"brand": "B1", "stock": 90, "ordered": 0, "rate": 2}
            warnings = [
                Warning("stale_stock", "R2", None, {**count, "age": 38, "brands": 2}),
                Warning("overstock", "R2", "B1", {**count, **stock, "cover": 45}),
                Warning("overstock", "R2", "B1", {**count, **stock, "cover": None}),
            ]
            names = {"R2": "兴隆超市"}
            brands = {"B1": "品牌甲"}
            panel.post_message(WarningsPanel.Loaded(panel._gen, warnings, names, brands, {}, {}))
            await settle(app, pilot)
            lines = str(panel.render()).lower().splitlines()
            assert len(lines) == 3
            assert lines[0].count(stale) == 1 and "2026-10-16" in lines[0]
            assert all(ln.count(overstock) == 1 and "品牌甲" in ln for ln in lines[1:])

    asyncio.run(scenario())


@pytest.mark.parametrize(("lang", "more"), [("zh", "另有 3 条预警"), ("en", "3 more warnings")])
def test_one_retailers_panel_counts_the_warnings_left_out(town, lang, more):
    """The forecast tab lists one retailer's warnings: what does not fit is counted in
    warnings, not in retailers."""
    from khtui.domain.warnings import Warning

    async def scenario():
        async with running(town, SIZE, lang=lang) as (app, pilot):
            panel = await forecast_tab_warnings(app, pilot)
            days = [{"days": d, "expiry": f"2026-12-{d:02d}"} for d in range(1, panel.limit + 4)]
            warnings = [Warning("licence", "R2", None, p) for p in days]
            names = {"R2": "兴隆超市"}
            panel.post_message(WarningsPanel.Loaded(panel._gen, warnings, names, {}, {}, {}))
            await settle(app, pilot)
            lines = str(panel.render()).splitlines()
            assert len(lines) == panel.limit + 1
            assert lines[-1].startswith(more)

    asyncio.run(scenario())


@sync
async def test_the_capture_shows_the_suggestion_beside_the_grid(town):
    async with running(town, SIZE) as (app, pilot):
        app.push_screen(CaptureScreen(retailer_code="R2"))
        await settle(app, pilot)
        panel = app.screen.query_one(SupplyPanel)
        assert panel.display
        text = str(panel.render())
        line = next(ln for ln in text.splitlines() if ln.startswith("品牌甲"))
        suggested = next(ln for ln in panel.supply.lines if ln.brand_code == "B1")
        assert line.split()[1] == str(suggested.suggested_tiao)
        assert "11-24 订" in text.splitlines()[0]
        assert suggested.suggested_tiao <= town.rules.supply.ceiling_for(4)


@sync
async def test_the_suggestion_leaves_room_to_the_grid_on_a_small_terminal(town):
    async with running(town, (80, 24)) as (app, pilot):
        app.push_screen(CaptureScreen(retailer_code="R2"))
        await settle(app, pilot)
        assert not app.screen.query_one(SupplyPanel).display


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_suggestions_columns_sit_under_their_heads_and_fit_the_panel(town, lang):
    """Every line of the suggestion fits the panel (nothing folds), each number ends where its
    column's head ends, and the marks' legend is shown only when a brand is marked."""
    from dataclasses import replace

    from rich.cells import cell_len

    from khtui.widgets.speech import t

    async def scenario():
        async with running(town, SIZE, lang=lang) as (app, pilot):
            app.push_screen(CaptureScreen(retailer_code="R2"))
            await settle(app, pilot)
            panel = app.screen.query_one(SupplyPanel)
            room = panel.content_region.width
            supply = panel.supply
            plain = str(panel.text(supply)).splitlines()
            assert t("sup.legend") not in plain
            marked = replace(supply, lines=[replace(ln, new=True) for ln in supply.lines])
            lines = str(panel.text(marked)).splitlines()
            assert lines[1] == t("sup.legend")
            head = lines[2]
            row = next(ln for ln in lines[3:] if ln.startswith("品牌甲"))
            assert all(cell_len(ln) <= room for ln in lines), (room, lines)
            ends = [
                cell_len(head[: head.index(t(k)) + len(t(k))])
                for k in ("sup.col.suggested", "sup.col.month", "sup.col.stock")
            ]
            name_cells = cell_len(row[: row.index(" ")])
            numbers = row[len("品牌甲") :].split()[:3]
            at = cell_len("品牌甲")
            rest = row[len("品牌甲") :]
            got = []
            for n in numbers:
                i = rest.index(n) + len(n)
                got.append(at + cell_len(rest[:i]))
                at, rest = got[-1], rest[i:]
            assert got == ends, (head, row)
            assert name_cells < ends[0]

    asyncio.run(scenario())
