"""Shared fixtures: a fresh database per test, a fixed clock, and a small dataset."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.data.store import Store
from khtui.i18n import Translator
from khtui.rules import default_rules

TODAY = dt.date(2026, 11, 23)  # a Monday


# The program's words in each language (there is no current language to set: an app, a CLI
# run or a document writer is given its translator).
ZH = Translator("zh")
EN = Translator("en")


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Every test runs on TODAY whatever the machine's date (the program's one clock,
    :mod:`khtui.clock`, reads it); a test that needs another day sets KHTUI_TODAY itself."""
    monkeypatch.setenv("KHTUI_TODAY", TODAY.isoformat())


@pytest.fixture(autouse=True)
def _own_folders(monkeypatch, tmp_path_factory):
    """No test reads or writes the machine's own khtui data, configuration or documents:
    the default places (platformdirs) point into a temporary folder of the test's own."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(base / "Documents"))
    for name in ("KHTUI_DB", "KHTUI_EXPORT_DIR", "KHTUI_TABLES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rules():
    return default_rules()


@pytest.fixture
def clock():
    return lambda: dt.datetime(2026, 11, 23, 9, 30, 0)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "khtui.db"


@pytest.fixture
def store(db_path, clock):
    s = Store(db_path, create=True, clock=clock, user="张经理")
    yield s
    s.close()
