"""Shared fixtures: a fresh database per test, a fixed clock, and a small dataset."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

import khtui.data.backup as backup_mod
from khtui.data.base import StoreCore
from khtui.data.store import Store
from khtui.i18n import set_command, set_lang
from khtui.rules import default_rules

TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def _zh():
    set_lang("zh")
    set_command("khtui")  # a CLI test may have named its --db in the hints
    yield
    set_lang("zh")
    set_command("khtui")


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Every test runs on TODAY whatever the machine's date (the program's one clock,
    :mod:`khtui.clock`, reads it); a test that needs another day sets KHTUI_TODAY itself."""
    monkeypatch.setenv("KHTUI_TODAY", TODAY.isoformat())


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


# -- faults of the disk and the file -------------------------------------------------------------
def damage(path) -> None:
    """Overwrite the retailers table's root page: "database disk image is malformed"."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'retailers'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\xff" * 64)


def _every_connection(monkeypatch, setting) -> None:
    """Every connection a store opens from here on (each thread's) gets ``setting(conn)``."""
    real = StoreCore._connect

    def connect(self):
        conn = real(self)
        setting(conn)
        return conn

    monkeypatch.setattr(StoreCore, "_connect", connect)


@pytest.fixture
def read_only_db(monkeypatch):
    """Every store opened from here on reads but cannot write, as on a read-only file: SQLite's
    SQLITE_READONLY ("attempt to write a readonly database")."""
    _every_connection(monkeypatch, lambda conn: conn.execute("PRAGMA query_only = ON"))


@pytest.fixture
def full_db(monkeypatch):
    """Every store opened from here on may not grow its file: SQLite's SQLITE_FULL."""

    def pinned(conn):
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    _every_connection(monkeypatch, pinned)


@pytest.fixture
def full_backup_disk(monkeypatch):
    """Backup copies written through a connection that may hold 2 pages: SQLite's own
    "database or disk is full", the error a full disk gives."""
    real = backup_mod._open_copy

    def limited(path):
        conn = real(path)
        conn.execute("PRAGMA max_page_count = 2")
        return conn

    monkeypatch.setattr(backup_mod, "_open_copy", limited)
