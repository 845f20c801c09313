"""Faults of the disk and the file in the app: the same words as the command line, as a
notification; the app keeps running."""

from __future__ import annotations

import sqlite3

from khtui.app import create_app, error_message
from khtui.data.base import StoreProblem
from khtui.rules import RulesError
from khtui.screens.today import TodayScreen
from tests.conftest import TODAY, ZH
from tests.screens.conftest import SIZE, seed
from tests.screens.pilot import Notices, settle, sync


@sync
async def test_a_write_to_a_read_only_database_is_a_notification_and_the_app_goes_on(
    store, read_only_db
):
    seed(store)  # on the test's connection, opened before the database became read-only
    app = create_app(store, today=lambda: TODAY)
    seen = Notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("i")  # check in: a write
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, TodayScreen)
        assert isinstance(app.errors[-1], sqlite3.OperationalError)
        assert any(f"数据库 {store.path} 是只读的" in n and "再试" in n for n in seen), seen
        await pilot.press("j")  # still answers keys
        await settle(app, pilot)
        assert app.is_running


@sync
async def test_the_start_up_backup_on_a_full_disk_is_a_notification(store, full_backup_disk):
    seed(store)
    app = create_app(store, today=lambda: TODAY, housekeeping=True)
    seen = Notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.is_running
        assert isinstance(app.errors[-1], StoreProblem)
        assert any("无法备份到" in n and "磁盘已满" in n for n in seen), seen
    assert list((store.path.parent / "backups").iterdir()) == []


def test_the_app_and_the_command_line_say_the_same_words(tmp_path):
    from click.testing import CliRunner

    from khtui.cli import main
    from khtui.data.store import Store

    path = tmp_path / "k.db"
    Store(path, create=True).close()
    malformed = sqlite3.DatabaseError("database disk image is malformed")
    text = error_message(malformed, ZH, db_path=path)
    assert text.startswith(f"数据库 {path} 已损坏（database disk image is malformed）")
    assert "khtui restore" in text
    full = sqlite3.OperationalError("database or disk is full")
    assert error_message(full, ZH, db_path=path).startswith("磁盘已满")
    bad = RulesError("my.toml", "backup.keep", "int", lo=1, hi=1000, value="-1")
    assert (
        error_message(bad, ZH)
        == "规则文件 my.toml：backup.keep：应为 1 到 1000 之间的整数（现在是 -1）"
    )
    rules = tmp_path / "my.toml"
    rules.write_text("[backup]\nkeep = -1\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(path), "--rules", str(rules), "retailers"])
    assert r.stderr.strip() == "错误: " + error_message(
        RulesError(str(rules), "backup.keep", "int", lo=1, hi=1000, value="-1"),
        ZH,
    )


class _Child:
    """A forecast's process, as far as quitting the program sees it."""

    def __init__(self) -> None:
        self.ended = False

    def poll(self):
        return 0 if self.ended else None

    def terminate(self) -> None:
        self.ended = True


def test_quitting_ends_the_forecast_process_started_before_or_while_quitting(store):
    app = create_app(store, today=lambda: TODAY)
    running = _Child()
    app._forecast_started(running)  # the worker has started the forecast's process
    app.stop_background()  # the program quits
    assert running.ended
    late = _Child()
    app._forecast_started(late)  # a process whose start the quitting overtook
    assert late.ended
