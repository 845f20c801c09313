import os
import re
import sqlite3
import stat
import threading
from contextlib import contextmanager

import pytest

from khtui.data.base import PAGE_SIZE, StoreError, id_from
from khtui.data.store import Store
from khtui.domain.retailer import FieldError
from tests.conftest import ZH


def test_new_database_is_private_and_configured(store, db_path):
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA synchronous") == 1  # NORMAL
    assert store.scalar("PRAGMA busy_timeout") >= 1000
    assert store.scalar("PRAGMA page_size") == PAGE_SIZE != 4096


def test_an_older_database_keeps_its_page_size(tmp_path):
    from khtui.data.base import migrate

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA page_size = 4096")
    migrate(conn, 1)  # a database written before khtui chose its size
    conn.close()
    store = Store(path)
    assert store.scalar("PRAGMA page_size") == 4096
    store.upsert_retailers([{"code": "370102000001", "name": "都市烟酒店"}], source="test")
    assert store.scalar("SELECT count(*) FROM retailers") == 1
    store.close()


def test_missing_database_says_how_to_create_one(tmp_path):
    with pytest.raises(StoreError) as exc:
        Store(tmp_path / "none.db")
    assert exc.value.key == "error.no_db"
    assert not (tmp_path / "none.db").exists()


def test_not_a_database(tmp_path):
    p = tmp_path / "junk.db"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as exc:
        Store(p)
    assert exc.value.key == "store.err.not_sqlite"
    assert p.read_bytes() == b"this is not sqlite" * 100


def test_write_rolls_back_everything_on_error(store):
    with pytest.raises(RuntimeError), store.write() as c:
        c.execute("INSERT INTO meta VALUES ('a', '1')")
        with store.write() as inner:
            inner.execute("INSERT INTO meta VALUES ('b', '2')")
        raise RuntimeError("boom")
    assert store.meta("a") is None
    assert store.meta("b") is None
    with store.write() as c:
        c.execute("INSERT INTO meta VALUES ('a', '1')")
    assert store.meta("a") == "1"


def test_write_takes_the_write_lock_at_begin(store, db_path):
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    with store.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_each_thread_reads_and_writes_on_its_own_connection(store):
    seen = {}

    def work():
        seen["first"], seen["again"] = store.conn, store.conn
        store.set_meta("from_worker", "1")

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert seen["first"] is seen["again"]
    assert seen["first"] is not store.conn
    assert store.meta("from_worker") == "1"  # committed, seen by this thread's connection


@contextmanager
def _paused_thread(work):
    """``work(pause)`` run on a thread of its own, which waits in ``pause()`` until the block
    ends (the block runs once it does)."""
    paused, release = threading.Event(), threading.Event()

    def pause() -> None:
        paused.set()
        release.wait(30)

    worker = threading.Thread(target=work, args=(pause,))
    worker.start()
    try:
        assert paused.wait(30)
        yield
    finally:
        release.set()
        worker.join()


def _on_a_thread(fn):
    """What ``fn`` returns, run on a thread of its own that has ended when this returns."""
    out = []
    worker = threading.Thread(target=lambda: out.append(fn()))
    worker.start()
    worker.join()
    return out[0]


def test_a_new_thread_takes_over_the_connection_of_one_that_ended(store):
    first = _on_a_thread(lambda: store.conn)
    store.set_meta("after_the_first", "1")  # written once the first thread had ended
    second, seen = _on_a_thread(lambda: (store.conn, store.meta("after_the_first")))
    assert second is first is not store.conn
    assert seen == "1"  # a connection taken over reads what was committed since
    conns = []

    def hold(pause) -> None:
        conns.append(store.conn)
        pause()

    with _paused_thread(hold):
        third = _on_a_thread(lambda: store.conn)
    assert conns == [first]  # the ended thread's connection went to the first thread after
    assert third is not first  # a thread still alive keeps its own


@pytest.mark.parametrize("left", ["transaction", "attached"])
def test_a_connection_left_in_a_transaction_or_attached_is_closed_not_taken_over(
    store, tmp_path, left
):
    def leave():
        conn = store.conn
        if left == "transaction":
            conn.execute("BEGIN IMMEDIATE")  # never ended by the thread
        else:
            conn.execute("ATTACH DATABASE ? AS other", (str(tmp_path / "other.db"),))
        return conn

    first = _on_a_thread(leave)
    second = _on_a_thread(lambda: store.conn)
    assert second is not first
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")  # closed: its transaction rolled back, lock released
    store.set_meta("written", "1")
    assert store.meta("written") == "1"


def test_a_reader_does_not_wait_for_a_writer_in_another_thread(store):
    def writer(pause) -> None:
        with store.write() as c:
            c.execute("INSERT INTO meta (key, value) VALUES ('pending', '1')")
            pause()

    with _paused_thread(writer):
        assert not store.in_write  # the writer's transaction is its thread's, not ours
        assert store.meta("pending") is None  # read at once, the uncommitted row unseen
    assert store.meta("pending") == "1"


def test_a_nested_write_joins_the_outer_and_rolls_back_with_it(store):
    with pytest.raises(RuntimeError), store.write():
        with store.write() as inner:
            assert store.in_write
            inner.execute("INSERT INTO meta (key, value) VALUES ('inner', '1')")
        raise RuntimeError("the outer block fails after the inner one ended")
    assert store.meta("inner") is None
    assert not store.in_write


def test_closing_the_store_closes_every_threads_connection(db_path, clock):
    s = Store(db_path, create=True, clock=clock)
    conns = []
    worker = threading.Thread(target=lambda: conns.append(s.conn))
    worker.start()
    worker.join()
    s.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conns[0].execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError):
        s.query("SELECT 1")


def test_seeded_ids_are_uuid4_hex_mixed_with_the_salt():
    import random
    import uuid

    for salt in (0, 0x0123456789ABCDEF0123456789ABCDEF, (1 << 128) - 1):
        drawn, again = random.Random(7), random.Random(7)
        for _ in range(1000):
            expected = uuid.UUID(int=again.getrandbits(128) ^ salt, version=4).hex
            assert id_from(drawn, salt) == expected
    with pytest.raises(ValueError):
        id_from(random.Random(7), 1 << 128)


def test_am_id_is_stable(store, db_path, clock):
    first = store.am_id
    assert len(first) == 32
    store.close()
    assert Store(db_path, clock=clock).am_id == first


RETAILER = {
    "code": "0311020001",
    "name": "曾记副食",
    "business_format": "食杂店",
    "market_type": "城镇",
    "scale": "小",
}


def test_upsert_counts_audits_and_keeps_unknown_columns(store):
    assert store.upsert_retailers([{**RETAILER, "微信号": "zj001"}], source="a.csv") == {
        "new": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert store.upsert_retailers([{**RETAILER, "微信号": "zj001"}], source="a.csv") == {
        "new": 0,
        "updated": 0,
        "unchanged": 1,
    }
    assert store.upsert_retailers(
        [{**RETAILER, "phone": "13800000000"}], source="b.csv", by="导入"
    ) == {
        "new": 0,
        "updated": 1,
        "unchanged": 0,
    }
    r = store.get_retailer("0311020001")
    assert r["code"] == "0311020001"
    assert r["extra"] == {"微信号": "zj001"}
    changes = store.retailer_changes("0311020001")
    assert [(c["field"], c["old"], c["new"], c["source"], c["changed_by"]) for c in changes] == [
        ("phone", None, "13800000000", "b.csv", "导入")
    ]
    assert changes[0]["changed_at"] == "2026-11-23T09:30:00"
    assert changes[0]["am_id"] == store.am_id


def test_upsert_is_all_or_nothing(store):
    with pytest.raises(StoreError):
        store.upsert_retailers([RETAILER, {"name": "没有编码"}], source="x")
    assert store.count_retailers(status=None) == 0


def test_update_retailer_validates_and_records(store):
    store.upsert_retailers([RETAILER], source="a.csv")
    with pytest.raises(FieldError) as raised:
        store.update_retailer("0311020001", {"phone": "12345"})
    assert re.search("联系电话", ZH.message(raised.value))
    with pytest.raises(FieldError) as raised:
        store.update_retailer("0311020001", {"name": "新名字"})
    assert re.search("不能手工修改", ZH.message(raised.value))
    assert store.retailer_changes("0311020001") == []
    diff = store.update_retailer("0311020001", {"phone": "13912345678", "vulnerable": "是"})
    assert diff == {"phone": (None, "13912345678"), "vulnerable": (0, 1)}
    assert store.update_retailer("0311020001", {"phone": "13912345678"}) == {}
    assert {c["field"] for c in store.retailer_changes("0311020001")} == {"phone", "vulnerable"}


def test_status_change_takes_retailer_out_of_future_visits(store):
    store.upsert_retailers([RETAILER], source="a.csv")
    with store.write() as c:
        for vid, day, status in [
            ("v1", "2026-11-20", "done"),
            ("v2", "2026-11-24", "planned"),
            ("v3", "2026-11-23", "planned"),
        ]:
            c.execute(
                "INSERT INTO visits (id, am_id, retailer_code, planned_date, status, created_at, updated_at) "
                "VALUES (?, 'am', '0311020001', ?, ?, 'x', 'x')",
                (vid, day, status),
            )
    store.update_retailer("0311020001", {"status": "暂停"})
    assert [r["id"] for r in store.query("SELECT id FROM visits ORDER BY id")] == ["v1", "v3"]


def test_order_lines_keep_monthly_aggregates(store):
    store.add_order_lines(
        [
            ("A", "2026-10-05", "B1", "x", 10, 1000.0, 100),
            ("A", "2026-10-12", "B1", "x", 5, 500.0, 100),
            ("A", "2026-10-12", "B2", "y", 2, 400.0, 200),
            ("A", "2026-11-02", "B1", "x", 1, 100.0, 100),
        ]
    )
    ms = store.monthly_sales("A")
    assert ms["2026-10"].tiao == 17 and ms["2026-10"].amount == 1900.0
    assert ms["2026-11"].tiao == 1
    # The same line again replaces, never doubles.
    store.add_order_lines([("A", "2026-10-05", "B1", "x", 20, 2000.0, 100)])
    assert store.monthly_sales("A")["2026-10"].tiao == 27
    # A full rebuild gives the same aggregates as the incremental path.
    before = [tuple(r) for r in store.query("SELECT * FROM monthly_sales ORDER BY 1, 2")]
    store.rebuild_monthly()
    assert [tuple(r) for r in store.query("SELECT * FROM monthly_sales ORDER BY 1, 2")] == before


def test_data_version_moves_with_every_commit_and_only_then(store):
    import threading

    before = store.data_version()
    store.query("SELECT count(*) FROM retailers")  # a read
    assert store.data_version() == before
    store.set_meta("probe", "1")  # a write on this thread
    after = store.data_version()
    assert after != before
    worker = threading.Thread(target=store.set_meta, args=("probe", "2"))  # and on another
    worker.start()
    worker.join()
    assert store.data_version() != after
