import datetime as dt
import sqlite3

from khtui.data.backup import auto_backup, auto_backups, backup_to, check_database
from khtui.data.store import Store


def test_auto_backup_rotates_and_keeps_the_rules_count(tmp_path, rules):
    now = [dt.datetime(2026, 11, 23, 9, 0)]
    store = Store(tmp_path / "k.db", create=True, clock=lambda: now[0])
    assert auto_backup(store) is None  # nothing to keep yet
    store.upsert_retailers([{"code": "001", "name": "甲"}], source="t")
    keep = rules.backup.keep
    made = []
    for _i in range(keep + 2):
        now[0] += dt.timedelta(hours=1)
        made.append(auto_backup(store))
    left = auto_backups(store)
    assert len(left) == keep
    assert left == sorted(made[-keep:])  # the oldest removed first
    assert all(p.parent == tmp_path / "backups" for p in left)
    assert not made[0].exists()
    # at most once in min_hours: the app shell's start-up backup
    now[0] += dt.timedelta(hours=23)
    assert auto_backup(store, min_hours=24) is None
    now[0] += dt.timedelta(hours=2)
    assert auto_backup(store, min_hours=24) == auto_backups(store)[-1]
    assert len(auto_backups(store)) == keep
    store.close()


def test_backup_is_consistent_while_a_write_is_open(tmp_path, clock):
    store = Store(tmp_path / "k.db", create=True, clock=clock)
    store.upsert_retailers([{"code": "001", "name": "甲"}], source="t")
    other = sqlite3.connect(tmp_path / "k.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta VALUES ('x', 'uncommitted')")
    out = backup_to(store, tmp_path / "b.db")
    other.execute("ROLLBACK")
    copy = sqlite3.connect(out)
    assert copy.execute("SELECT count(*) FROM retailers").fetchone()[0] == 1
    assert copy.execute("SELECT count(*) FROM meta WHERE key = 'x'").fetchone()[0] == 0
    assert check_database(out) == []
    store.close()


def test_check_reports_a_damaged_file(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)
    assert check_database(bad)
