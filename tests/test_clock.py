"""The one clock: KHTUI_TODAY sets the date, the time of day stays the system's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from khtui import clock
from khtui.cli import main
from khtui.data.store import Store

SYSTEM = dt.datetime(2028, 6, 7, 14, 25, 36)  # what the system clock says in these tests


@pytest.fixture
def system_clock(monkeypatch):
    monkeypatch.setattr(clock, "system_now", lambda: SYSTEM)


def test_pinned_date_keeps_the_time_of_day(monkeypatch, system_clock):
    monkeypatch.setenv("KHTUI_TODAY", "2030-02-03")
    assert clock.now() == dt.datetime(2030, 2, 3, 14, 25, 36)
    assert clock.today() == dt.date(2030, 2, 3)


def test_unset_or_empty_is_the_system_clock(monkeypatch, system_clock):
    for value in (None, "", "  "):
        if value is None:
            monkeypatch.delenv("KHTUI_TODAY", raising=False)
        else:
            monkeypatch.setenv("KHTUI_TODAY", value)
        assert clock.now() == SYSTEM
        assert clock.today() == SYSTEM.date()


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "2026/11/23", "20261123x"])
def test_a_bad_value_is_refused(monkeypatch, value):
    monkeypatch.setenv("KHTUI_TODAY", value)
    with pytest.raises(clock.ClockError):
        clock.today()


def test_the_store_reads_the_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("KHTUI_TODAY", "2027-01-04")
    s = Store(tmp_path / "k.db", create=True)
    try:
        assert s.today() == dt.date(2027, 1, 4)
        assert s.now_text().startswith("2027-01-04T")
    finally:
        s.close()


def test_the_cli_runs_on_the_pinned_date(monkeypatch, tmp_path):
    db = tmp_path / "k.db"
    Store(db, create=True).close()
    for day in ("2026-11-30", "2027-03-02"):
        monkeypatch.setenv("KHTUI_TODAY", day)
        r = CliRunner().invoke(main, ["--db", str(db), "today", "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["date"] == day


def test_a_bad_pinned_date_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("KHTUI_TODAY", "2026-11-31")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "k.db"), "today"])
    assert r.exit_code == 1
    assert r.output == (
        "错误: 环境变量 KHTUI_TODAY=2026-11-31 不是日期：设为 YYYY-MM-DD（例如 2026-11-23），"
        "或删除它以使用系统日期\n"
    )
