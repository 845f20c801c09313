"""Backups (unique, private, clean on failure), the health check and restore."""

import datetime as dt
import json
import multiprocessing
import os
import sqlite3
import stat
import threading

import pytest
from click.testing import CliRunner

import khtui.data.backup as backup_mod
from khtui.cli import main
from khtui.data.backup import (
    auto_backup,
    auto_backups,
    backup_new,
    backup_to,
    health,
    restore,
    sweep_debris,
)
from khtui.data.base import SCHEMA_VERSION, StoreProblem, migrate
from khtui.data.faults import Fault
from khtui.data.private import open_private
from khtui.data.store import Store
from tests.conftest import damage

NOON = dt.datetime(2026, 11, 23, 12, 0, 0)


def _filled(path, n=3, clock=lambda: NOON):
    s = Store(path, create=True, clock=clock)
    s.upsert_retailers(
        [{"code": f"37010200{i:04d}", "name": f"店{i}"} for i in range(n)], source="test"
    )
    return s


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _debris(folder):
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name or ".new" in p.name)


# -- unique names: two at once ----------------------------------------------------------------
def test_two_automatic_backups_in_the_same_second_both_succeed(tmp_path):
    path = tmp_path / "k.db"
    _filled(path).close()
    stores = [Store(path, clock=lambda: NOON) for _ in range(2)]
    barrier = threading.Barrier(2)
    made, errors = [], []

    def run(s):
        barrier.wait()
        try:
            made.append(auto_backup(s))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sorted(p.name for p in made) == [
        "auto-k-20261123-120000-2.db",
        "auto-k-20261123-120000.db",
    ]
    assert [p.name for p in auto_backups(stores[0])] == [
        "auto-k-20261123-120000.db",
        "auto-k-20261123-120000-2.db",  # made in the same second: after it
    ]
    assert _debris(tmp_path / "backups") == []
    for s in stores:
        s.close()


def _backup_in_process(path, barrier, queue):
    s = Store(path, clock=lambda: NOON)
    barrier.wait()
    try:
        queue.put(("ok", str(backup_new(s, "khtui-20261123-120000"))))
    except Exception as exc:  # reported to the parent
        queue.put(("error", repr(exc)))
    finally:
        s.close()


def test_two_processes_backing_up_in_the_same_second_both_succeed(tmp_path):
    path = tmp_path / "k.db"
    _filled(path).close()
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_backup_in_process, args=(path, barrier, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=120)
    assert [r[0] for r in results] == ["ok", "ok"], results
    names = sorted(os.path.basename(r[1]) for r in results)
    assert names == ["khtui-20261123-120000-2.db", "khtui-20261123-120000.db"]
    for name in names:
        assert health(tmp_path / "backups" / name).sound
    assert _debris(tmp_path / "backups") == []


def test_the_backup_command_twice_in_the_same_second(tmp_path, monkeypatch):
    monkeypatch.setattr("khtui.clock.now", lambda: NOON)
    path = tmp_path / "k.db"
    _filled(path).close()
    outs = []
    for _ in range(2):
        r = CliRunner().invoke(main, ["--lang", "en", "--db", str(path), "backup"])
        assert r.exit_code == 0, r.output
        outs.append(r.stdout.strip())
    assert outs[0] != outs[1]
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [
        "k-20261123-120000-2.db",
        "k-20261123-120000.db",
    ]


def test_a_backup_never_replaces_an_existing_file(tmp_path):
    s = _filled(tmp_path / "k.db")
    out = tmp_path / "copy.db"
    out.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        backup_to(s, out)
    assert out.read_bytes() == b"mine"
    assert _debris(tmp_path) == []
    s.close()


# -- private -----------------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_backups_and_their_folder_are_the_owners_only_whatever_the_umask(tmp_path, umask):
    s = _filled(tmp_path / "k.db")
    (tmp_path / "backups").mkdir(mode=0o755)  # made by an earlier khtui: tightened
    os.chmod(tmp_path / "backups", 0o755)
    old = os.umask(umask)
    try:
        auto = auto_backup(s)
        manual = backup_new(s, "manual")
        elsewhere = backup_to(s, tmp_path / "usb" / "k.db")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "backups") == 0o700
    for p in (auto, manual, elsewhere):
        assert _mode(p) == 0o600, p
    assert _mode(tmp_path / "usb") == 0o700  # a folder the backup made
    s.close()


def test_two_imports_in_the_same_second_keep_private_backups_of_their_own(tmp_path, monkeypatch):
    """The backup each import makes first: its own name though both start in the same second,
    0600 in a 0700 folder, as the import's rejects file, with the loosest umask."""
    monkeypatch.setattr("khtui.clock.now", lambda: NOON)
    path = tmp_path / "k.db"
    _filled(path).close()
    old = os.umask(0o000)
    try:
        for i in range(2):
            csv = tmp_path / f"r{i}.csv"
            csv.write_text(
                f"客户编码,客户名称\n37010201000{i},新店{i}\nbad!,坏\n", encoding="utf-8"
            )
            r = CliRunner().invoke(main, ["--db", str(path), "import", "retailers", str(csv)])
            assert r.exit_code == 0, r.output
            assert _mode(tmp_path / f"r{i}.rejects.csv") == 0o600
    finally:
        os.umask(old)
    made = sorted((tmp_path / "backups").iterdir())
    assert [p.name for p in made] == ["auto-k-20261123-120000-2.db", "auto-k-20261123-120000.db"]
    assert _mode(tmp_path / "backups") == 0o700
    assert [_mode(p) for p in made] == [0o600, 0o600]
    assert [health(p).sound for p in made] == [True, True]


def test_the_private_file_helper_for_rejects_files(tmp_path):
    old = os.umask(0o022)
    try:
        with open_private(tmp_path / "r.csv", "x", encoding="utf-8-sig", newline="") as f:
            f.write("行,原因\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "r.csv") == 0o600
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig") == "行,原因\n"
    with pytest.raises(FileExistsError):
        open_private(tmp_path / "r.csv", "x")
    with pytest.raises(ValueError):
        open_private(tmp_path / "other.csv", "w")


# -- a full disk -------------------------------------------------------------------------------
def test_a_backup_on_a_full_disk_says_so_and_leaves_nothing(tmp_path, full_backup_disk):
    s = _filled(tmp_path / "k.db", n=300)
    with pytest.raises(StoreProblem) as exc:
        auto_backup(s)
    assert exc.value.key == "store.err.backup_failed"
    assert exc.value.params["problem"] == Fault(
        "store.err.disk_full", {"folder": str(tmp_path / "backups")}
    )
    assert list((tmp_path / "backups").iterdir()) == []  # no .part, no .part-journal
    with pytest.raises(StoreProblem):
        backup_to(s, tmp_path / "out" / "k.db")
    assert list((tmp_path / "out").iterdir()) == []
    s.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_backup_command_on_a_full_disk_is_one_line(tmp_path, full_backup_disk, lang):
    path = tmp_path / "k.db"
    _filled(path, n=300).close()
    r = CliRunner().invoke(main, ["--lang", lang, "--db", str(path), "backup"])
    assert r.exit_code == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert ("磁盘已满" if lang == "zh" else "the disk is full") in r.stderr
    assert list((tmp_path / "backups").iterdir()) == []


def test_an_import_whose_backup_finds_the_disk_full_imports_nothing(tmp_path, full_backup_disk):
    path = tmp_path / "k.db"
    _filled(path, n=300).close()
    csv = tmp_path / "r.csv"
    csv.write_text("客户编码,客户名称\n370102009999,新店\n", encoding="utf-8")
    r = CliRunner().invoke(
        main, ["--lang", "en", "--db", str(path), "import", "retailers", str(csv)]
    )
    assert r.exit_code == 1
    assert "cannot back up to" in r.stderr and "the disk is full" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM retailers") == 300
    s.close()
    assert list((tmp_path / "backups").iterdir()) == []


def test_debris_of_a_killed_backup_is_swept_at_the_next_one(tmp_path):
    s = _filled(tmp_path / "k.db")
    folder = tmp_path / "backups"
    folder.mkdir()
    stale = folder / ".auto-k-20261122-120000.db.999-abcd.part"
    stale_journal = folder / ".auto-k-20261122-120000.db.999-abcd.part-journal"
    fresh = folder / ".auto-k-20261123-115959.db.1000-ef01.part"
    new_db = tmp_path / ".k.db.998-0123.new"
    for p in (stale, stale_journal, fresh, new_db):
        p.write_bytes(b"x")
    old = backup_mod.time.time() - backup_mod.STALE_SECONDS - 60
    for p in (stale, stale_journal, new_db):
        os.utime(p, (old, old))
    assert sorted(p.name for p in sweep_debris(s.path)) == sorted(
        p.name for p in (stale, stale_journal, new_db)
    )
    assert fresh.exists()  # maybe a backup still being written
    s.close()


# -- the health check ----------------------------------------------------------------------------
def test_health_of_sound_damaged_and_foreign_files(tmp_path):
    s = _filled(tmp_path / "k.db")
    s.close()
    assert health(s.path).sound
    damage(s.path)
    h = health(s.path)
    assert h.kind == "damaged" and h.damage and not h.sound
    notes = tmp_path / "notes.db"
    conn = sqlite3.connect(notes)
    conn.execute("CREATE TABLE notes (x)")
    conn.close()
    assert health(notes).kind == "foreign"


# -- restore -------------------------------------------------------------------------------------
def test_restore_keeps_the_current_database_aside_and_puts_the_backup_in_place(tmp_path):
    s = _filled(tmp_path / "k.db", n=3)
    b = backup_new(s, "good")
    s.upsert_retailers([{"code": "370102009999", "name": "后来的店"}], source="test")
    s.close()
    done = restore(b, tmp_path / "k.db", stamp="20261123-120500")
    assert done.kept == tmp_path / "backups" / "k-before-restore-20261123-120500.db"
    assert _mode(done.kept) == 0o600
    kept = Store(done.kept)
    assert kept.scalar("SELECT count(*) FROM retailers") == 4  # what was there, kept whole
    kept.close()
    s = Store(tmp_path / "k.db")
    assert s.scalar("SELECT count(*) FROM retailers") == 3
    assert s.scalar("PRAGMA journal_mode") == "wal"
    assert s.scalar("PRAGMA integrity_check") == "ok"
    s.close()


def test_restore_refuses_while_the_database_is_open_and_changes_nothing(tmp_path):
    s = _filled(tmp_path / "k.db", n=3)
    b = backup_new(s, "good")
    s.upsert_retailers([{"code": "370102009999", "name": "后来的店"}], source="test")
    # s stays open: the app, an import or another command
    with pytest.raises(StoreProblem) as exc:
        restore(b, tmp_path / "k.db", stamp="20261123-120500")
    assert exc.value.key == "restore.err.in_use"
    assert s.scalar("SELECT count(*) FROM retailers") == 4
    s.upsert_retailers([{"code": "370102009998", "name": "又一家"}], source="test")  # still works
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["good.db"]
    s.close()


def test_restore_over_a_damaged_table_keeps_the_damaged_copy(tmp_path):
    s = _filled(tmp_path / "k.db", n=3)
    b = backup_new(s, "good")
    s.close()
    damage(s.path)
    done = restore(b, s.path, stamp="20261123-120500")
    assert health(done.kept).kind == "damaged"  # kept as it was, for whoever can mend it
    assert health(s.path).sound
    s = Store(s.path)
    assert s.scalar("SELECT count(*) FROM retailers") == 3
    s.close()


def test_restore_over_a_database_that_cannot_be_opened_moves_it_aside_whole(tmp_path):
    s = _filled(tmp_path / "k.db", n=3)
    b = backup_new(s, "good")
    s.close()
    with open(s.path, "r+b") as fh:  # the schema's own page: nothing can be read
        fh.seek(100)
        fh.write(b"\xff" * 64)
    damaged = s.path.read_bytes()
    done = restore(b, s.path, stamp="20261123-120500")
    assert done.kept.read_bytes() == damaged
    assert health(s.path).sound
    s = Store(s.path)
    assert s.scalar("SELECT count(*) FROM retailers") == 3
    s.close()


def test_restore_on_a_new_computer_makes_the_database(tmp_path):
    s = _filled(tmp_path / "old" / "k.db", n=3)
    b = backup_to(s, tmp_path / "usb" / "k-backup.db")
    s.close()
    new = tmp_path / "new" / "data" / "khtui.db"
    done = restore(b, new, stamp="20261123-120500")
    assert done.kept is None and _mode(new) == 0o600
    s = Store(new)
    assert s.scalar("SELECT count(*) FROM retailers") == 3
    s.close()


@pytest.mark.parametrize("there", ["nothing", "an unreadable database"])
def test_a_restored_database_is_in_wal_mode_and_alone_in_its_folder(tmp_path, there):
    """`khtui restore BACKUP --db NEW.db` where there was no database (a new computer), or
    one that could not be read: the folder then holds the database alone, already in WAL mode
    as the store keeps it (bytes 18-19 of its header are 2), so its first opening writes no
    NEW.db-journal beside it to switch; the copy was in a backup's rollback mode."""
    s = _filled(tmp_path / "old" / "k.db", n=3)
    b = backup_to(s, tmp_path / "usb" / "k-backup.db")
    s.close()
    folder = tmp_path / "new"
    folder.mkdir()
    db = folder / "NEW.db"
    if there != "nothing":
        _filled(db).close()
        with open(db, "r+b") as fh:  # the schema's own page: nothing can be read
            fh.seek(100)
            fh.write(b"\xff" * 64)
    r = CliRunner().invoke(main, ["--db", str(db), "restore", str(b), "--yes"])
    assert r.exit_code == 0, r.output
    alone = ["NEW.db"] if there == "nothing" else ["NEW.db", "backups"]  # the kept damaged one
    assert sorted(p.name for p in folder.iterdir()) == alone
    assert db.read_bytes()[18:20] == b"\x02\x02"
    assert CliRunner().invoke(main, ["--db", str(db), "retailers", "--json"]).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == alone


def test_moving_to_a_new_laptop_as_the_readme_says(tmp_path, monkeypatch):
    """The README's steps as written: `khtui backup D:\\khtui.db` on the old laptop, then on a
    new one (no database, no --db) `khtui restore D:\\khtui.db`, answered y."""
    laptops = {name: tmp_path / name for name in ("old", "new")}

    def khtui(laptop, *args, answer=None):
        home = laptops[laptop]
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        monkeypatch.delenv("KHTUI_DB", raising=False)
        return CliRunner().invoke(main, ["--lang", "en", *args], input=answer)

    csv = tmp_path / "r.csv"
    csv.write_text("客户编码,客户名称\n370102000001,甲\n370102000002,乙\n", encoding="utf-8")
    assert khtui("old", "import", "retailers", str(csv)).exit_code == 0
    assert khtui("old", "complaint", "raise", "370102000001", "delivery", "晚了").exit_code == 0
    stick = tmp_path / "stick" / "khtui.db"
    stick.parent.mkdir()  # the memory stick
    assert khtui("old", "backup", str(stick)).exit_code == 0
    r = khtui("new", "restore", str(stick), answer="y\n")
    assert r.exit_code == 0, r.output
    db = laptops["new"] / "data" / "khtui" / "khtui.db"
    assert _mode(db) == 0o600 and str(db) in r.stdout
    r = khtui("new", "retailers", "--json")
    assert [x["code"] for x in json.loads(r.stdout)] == ["370102000001", "370102000002"]
    assert "晚了" in khtui("new", "complaints").stdout
    assert khtui("new", "check").exit_code == 0
    assert stick.exists()  # the copy stays until the new laptop has made its own backups


def _newer_backup(path):
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda p: _newer_backup(p), "restore.err.newer"),
        (lambda p: p.write_bytes(b"not a database at all"), "restore.err.not_khtui"),
        (lambda p: p, "restore.err.missing"),
    ],
    ids=["newer", "not-khtui", "missing"],
)
def test_restore_checks_the_backup_first(tmp_path, make, key):
    s = _filled(tmp_path / "k.db")
    s.close()
    before = s.path.read_bytes()
    bad = tmp_path / "b.db"
    make(bad)
    with pytest.raises(StoreProblem) as exc:
        restore(bad, s.path, stamp="20261123-120500")
    assert exc.value.key == key
    assert s.path.read_bytes() == before
    assert not (tmp_path / "backups").exists()


def test_restore_refuses_a_damaged_backup(tmp_path):
    s = _filled(tmp_path / "k.db")
    b = backup_new(s, "b")
    s.close()
    damage(b)
    with pytest.raises(StoreProblem) as exc:
        restore(b, s.path, stamp="20261123-120500")
    assert exc.value.key == "restore.err.damaged"


def test_the_restore_command_asks_first(tmp_path):
    path = tmp_path / "k.db"
    s = _filled(path, n=3)
    b = backup_new(s, "good")
    s.upsert_retailers([{"code": "370102009999", "name": "后来的店"}], source="test")
    s.close()
    base = ["--lang", "en", "--db", str(path), "restore", str(b)]
    r = CliRunner().invoke(main, base, input="n\n")
    assert r.exit_code == 1 and "cancelled; nothing was changed" in r.stderr
    assert "Replace the database" in r.stderr
    r = CliRunner().invoke(main, base, input="")  # no answer (a script): nothing changes
    assert r.exit_code == 1 and "cancelled" in r.stderr
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM retailers") == 4
    s.close()
    r = CliRunner().invoke(main, base, input="y\n")
    assert r.exit_code == 0, r.output
    assert "the previous database is kept as" in r.stdout
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM retailers") == 3
    s.close()


def test_the_restore_command_with_yes_and_while_the_database_is_open(tmp_path):
    path = tmp_path / "k.db"
    s = _filled(path, n=3)
    b = backup_new(s, "good")
    r = CliRunner().invoke(main, ["--lang", "en", "--db", str(path), "restore", str(b), "--yes"])
    assert r.exit_code == 1
    assert "is open in another program" in r.stderr and "nothing was changed" in r.stderr
    s.close()
    r = CliRunner().invoke(main, ["--lang", "en", "--db", str(path), "restore", str(b), "--yes"])
    assert r.exit_code == 0, r.output


def test_restore_from_another_process_is_refused_while_this_one_has_the_database_open(tmp_path):
    """Across processes SQLite's locks are the system's: the app's connection must still hold
    its lock after this process opened the database a second time (the start-up backup does)
    and closed that again."""
    import subprocess
    import sys

    path = tmp_path / "k.db"
    s = _filled(path, n=3)
    b = backup_new(s, "good")
    assert s.scalar("SELECT count(*) FROM retailers") == 3  # the app has read
    Store(path).close()  # a second store in this process, opened and closed
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "khtui",
            "--lang",
            "en",
            "--db",
            str(path),
            "restore",
            str(b),
            "--yes",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "is open in another program" in r.stderr
    s.upsert_retailers([{"code": "370102009999", "name": "后来的店"}], source="test")
    assert s.scalar("SELECT count(*) FROM retailers") == 4
    s.close()
