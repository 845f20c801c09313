"""The database file: khtui makes one only where no file is, and adopts only its own.

Every refusal leaves the file byte for byte as it was, with nothing made beside it.
"""

import os
import shutil
import sqlite3
import stat
import threading

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.base import APPLICATION_ID, SCHEMA_VERSION, StoreProblem, database_kind, migrate
from khtui.data.store import Store


def _other_program(path, *, wal=False):
    """A notes app's database: a table of its own, user_version set, rollback journal."""
    conn = sqlite3.connect(path, isolation_level=None)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    return path


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def _blank_sqlite(path):
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")  # writes the header: a SQLite file without a table
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: _other_program(p), "store.err.foreign"),
        (lambda p: _other_program(p, wal=True), "store.err.foreign"),
        (lambda p: p.write_bytes(b""), "store.err.empty"),
        (_blank_sqlite, "store.err.blank_sqlite"),
        (lambda p: p.write_bytes("客户编码,名称\n1,甲\n".encode()), "store.err.not_sqlite"),
        (lambda p: p.mkdir(), "store.err.folder"),
    ],
    ids=["foreign", "foreign-wal", "empty", "blank-sqlite", "text", "folder"],
)
@pytest.mark.parametrize("create", [False, True], ids=["open", "create"])
def test_a_file_that_is_not_khtuis_is_refused_and_left_byte_identical(tmp_path, make, kind, create):
    p = tmp_path / "x.db"
    make(p)
    before = b"" if p.is_dir() else p.read_bytes()
    files = _files(tmp_path)
    with pytest.raises(StoreProblem) as exc:
        Store(p, create=create)
    assert exc.value.key == kind
    assert (b"" if p.is_dir() else p.read_bytes()) == before
    assert _files(tmp_path) == files  # no -wal, -shm or temporary file beside it


def test_what_the_refusal_says(tmp_path):
    p = _other_program(tmp_path / "notes.db")
    with pytest.raises(StoreProblem) as exc:
        Store(p)
    assert exc.value.params == {"path": str(p), "tables": "notes"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["retailers"], "another program's SQLite database (tables: notes)"),
        (["today"], "another program's SQLite database (tables: notes)"),
        (["backup"], "another program's SQLite database"),
        (["import", "retailers", "{csv}"], "another program's SQLite database"),
        (["complaint", "raise", "1", "delivery", "late"], "another program's"),
    ],
)
def test_every_command_refuses_it_in_one_line(tmp_path, args, words):
    p = _other_program(tmp_path / "notes.db")
    csv = tmp_path / "r.csv"
    csv.write_text("客户编码,客户名称\n370102000001,甲\n", encoding="utf-8")
    before = p.read_bytes()
    args = [a.replace("{csv}", str(csv)) for a in args]
    r = CliRunner().invoke(main, ["--lang", "en", "--db", str(p), *args])
    assert r.exit_code == 1, r.output
    assert words in r.stderr and "left it unchanged" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert p.read_bytes() == before


def test_an_empty_file_is_not_made_into_a_database_by_an_import(tmp_path):
    p = tmp_path / "k.db"
    p.write_bytes(b"")
    csv = tmp_path / "r.csv"
    csv.write_text("客户编码,客户名称\n370102000001,甲\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--lang", "en", "--db", str(p), "import", "retailers", str(csv)])
    assert r.exit_code == 1
    assert "is an empty file (0 bytes)" in r.stderr
    assert p.read_bytes() == b""


def test_demo_force_replaces_a_khtui_database_only(tmp_path):
    p = _other_program(tmp_path / "notes.db")
    before = p.read_bytes()
    r = CliRunner().invoke(
        main, ["--lang", "en", "demo", "--db", str(p), "--force", "--retailers", "5"]
    )
    assert r.exit_code == 1 and "left it unchanged" in r.stderr
    assert p.read_bytes() == before


def test_a_new_database_is_made_whole_private_and_marked(tmp_path):
    old = os.umask(0o022)
    try:
        s = Store(tmp_path / "sub" / "k.db", create=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(s.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(s.path.parent).st_mode) == 0o700  # the folder it made
    assert s.scalar("PRAGMA application_id") == APPLICATION_ID
    assert s.scalar("PRAGMA user_version") == SCHEMA_VERSION
    s.close()
    assert _files(s.path.parent) == ["k.db"]  # no temporary file left
    assert database_kind(s.path) == ("khtui", {"version": SCHEMA_VERSION})


def test_two_stores_making_the_same_new_database_at_once_both_open_it(tmp_path):
    p = tmp_path / "k.db"
    barrier = threading.Barrier(2)
    opened, errors = [], []

    def make():
        barrier.wait()
        try:
            opened.append(Store(p, create=True))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(opened) == 2
    opened[0].set_meta("x", "1")
    assert opened[1].meta("x") == "1"  # one database
    for s in opened:
        s.close()
    assert _files(tmp_path) == ["k.db"]


def test_an_older_khtui_database_is_recognised_by_its_tables(tmp_path):
    """Made before khtui marked its files: no application_id, recognised, marked on upgrade."""
    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn, 3)
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    assert database_kind(p) == ("khtui", {"version": 3})
    s = Store(p)
    assert s.scalar("PRAGMA application_id") == APPLICATION_ID
    s.close()


def test_a_database_whose_pages_are_still_in_its_wal_is_recognised(tmp_path):
    """A program killed before it checkpointed: the committed pages are in the -wal."""
    src = Store(tmp_path / "k.db", create=True)
    src.conn.execute("PRAGMA wal_autocheckpoint = 0")
    src.upsert_retailers([{"code": "001", "name": "甲"}], source="t")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("k.db", "k.db-wal"):
        shutil.copy(tmp_path / name, copy / name)
    src.close()
    s = Store(copy / "k.db")
    assert s.scalar("SELECT name FROM retailers") == "甲"
    s.close()
