import asyncio
import csv

import pytest
from textual.widgets import Button, DataTable, Input, Select, Static

from khtui.screens.importer import ImportScreen
from khtui.widgets.workbench import Workbench
from tests.conftest import TODAY
from tests.screens.pilot import sync


class ImportApp(Workbench):
    def __init__(self, store, lang="zh"):
        super().__init__()
        self.speak(lang)
        self.store = store
        self.today = lambda: TODAY

    def on_mount(self) -> None:
        self.push_screen(ImportScreen(kind="retailers"))


def write(path, rows, encoding="gb18030"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def text(screen, selector) -> str:
    return str(screen.query_one(selector, Static).render())


async def type_path(pilot, path):
    screen = pilot.app.screen
    screen.query_one("#path", Input).focus()
    await pilot.press(*str(path))


@sync
async def test_preview_then_import(store, tmp_path):
    path = write(
        tmp_path / "客户.csv",
        [["XX市烟草公司零售客户明细表"], ["客户编码", "店名", "城乡", "备注"],
         ["0370102001", "都市烟酒店", "城市", "老客户"], ["3.70103E+11", "坏编码", "", ""],
         ["0370102002", "重庆路KTV", "农村", ""], ["合计", "3"]],
    )  # fmt: skip
    app = ImportApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await type_path(pilot, path)
        await pilot.press("enter")  # preview
        await app.workers.wait_for_complete()
        await pilot.pause()
        info = text(screen, "#info")
        assert "GB18030" in info and "第 2 行" in info
        counts = text(screen, "#counts")
        assert "新增 2" in counts and "拒收 1" in counts and "试运行" in counts
        mapping = screen.query_one("#mapping", DataTable)
        assert [mapping.get_row_at(i) for i in range(mapping.row_count)] == [
            ["客户编码", "客户编码"],
            ["客户名称", "店名"],
            ["市场类型", "城乡"],
            ["+", "备注"],
        ]
        rows = screen.query_one("#rows", DataTable)
        assert rows.get_row_at(0)[0] == "0370102001"
        # nothing written yet, and no rejects file from the preview
        assert store.count_retailers(status=None) == 0
        assert not (tmp_path / "客户.rejects.csv").exists()
        assert not screen.query_one("#import", Button).disabled

        await pilot.click("#import")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "完成" in text(screen, "#counts") and "新增 2" in text(screen, "#counts")
        assert store.get_retailer("0370102001")["market_type"] == "城镇"
        assert store.get_retailer("0370102002")["market_type"] == "乡村"
        assert (tmp_path / "客户.rejects.csv").exists()


@sync
async def test_a_refused_file_shows_what_is_missing(store, tmp_path):
    path = write(tmp_path / "x.csv", [["编号", "名字"], ["1", "a"]])
    app = ImportApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_path(pilot, path)
        await pilot.click("#preview")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = text(screen, "#status")
        assert "找不到必需的列" in status and "编号" in status
        assert screen.query_one("#import", Button).disabled


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        ("zh", "无法预览（未导入任何数据）：", "导入失败"),
        ("en", "Cannot preview the file (nothing was imported): ", "Import failed"),
    ],
)
def test_a_missing_file_is_a_preview_that_failed_not_an_import(
    store, tmp_path, lang, said, not_said
):
    """Enter on a path that does not exist previews nothing: the status says the preview
    could not be made (it said the import failed, though nothing was being imported)."""

    async def scenario():
        app = ImportApp(store, lang)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            await type_path(pilot, tmp_path / "none.csv")
            await pilot.press("enter")  # preview
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = text(screen, "#status")
            assert status.startswith(said) and "none.csv" in status
            assert not_said not in status
            assert screen.query_one("#import", Button).disabled

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("lang", "said"),
    [("zh", "是文件夹，不是文件"), ("en", "is a folder, not a file")],
)
def test_a_folder_is_a_preview_that_failed_in_the_words_for_a_folder(store, tmp_path, lang, said):
    """The screen says "folder" (文件夹) as the command line does (it said 目录)."""

    async def scenario():
        app = ImportApp(store, lang)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            await type_path(pilot, tmp_path)
            await pilot.press("enter")  # preview
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = text(screen, "#status")
            assert status.endswith(f"{tmp_path} {said}")
            assert screen.query_one("#import", Button).disabled

    asyncio.run(scenario())


@sync
async def test_changing_the_kind_asks_for_a_new_preview(store, tmp_path):
    path = write(
        tmp_path / "b.csv",
        [["卷烟编码", "卷烟名称", "重点品牌"], ["6901028075763", "中华(硬)", "是"]],
    )
    app = ImportApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.query_one("#kind", Select).value = "brands"
        await type_path(pilot, path)
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "新增 1" in text(screen, "#counts")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.brands()[0]["is_key"] == 1
        assert "完成" in text(screen, "#counts")


@sync
async def test_a_large_file_shows_its_head_first_and_progress_while_counting(store, tmp_path):
    """The head (encoding, mapping, first rows) is shown before the dry run has read the whole
    file; the dry run and the import move a progress bar, which is gone when they are done."""
    header = ["客户编码", "订货日期", "卷烟编码", "卷烟名称", "订货量(条)", "金额(元)"]
    lines = [
        [f"3701021{i % 300:05d}", f"2026-10-{1 + i % 28:02d}", f"69010{i % 97:08d}", "中华", "2",
         "760"]
        for i in range(30_000)
    ]  # fmt: skip
    path = write(tmp_path / "订单.csv", [header, *lines], encoding="utf-8")
    app = ImportApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.click("#kind")
        await pilot.press("down", "enter")  # 订单明细
        await pilot.pause()
        seen: list = []
        head_before_counts: list = []
        set_progress = screen._set_progress

        def recording(pct):
            if pct is not None and not seen:
                head_before_counts.append(
                    (screen.query_one("#rows", DataTable).row_count, text(screen, "#counts"))
                )
            seen.append(pct)
            set_progress(pct)

        screen._set_progress = recording
        await type_path(pilot, path)
        await pilot.press("enter")  # preview: head, then a dry run with progress
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert head_before_counts == [(8, "")]  # first rows shown, counts not yet
        steps = [p for p in seen if p is not None]
        assert steps[0] == 0 and steps[-1] == 95 and steps == sorted(steps)
        assert len(set(steps)) > 2  # it moved on the way
        assert seen[-1] is None and not screen.query_one("#progress").display
        assert "新增 30000" in text(screen, "#counts")  # every (retailer, day, brand) differs
        seen.clear()
        await pilot.click("#import")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [p for p in seen if p is not None][-1] == 95 and seen[-1] is None
        assert "完成" in text(screen, "#counts") and "新增 30000" in text(screen, "#counts")
        assert store.scalar("SELECT count(*) FROM order_lines") == 30_000
