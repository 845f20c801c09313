"""The two ways of staging an orders import give the same database and the same counts.

The writer thread (ADBC ingest into the stage while the file streams) against the importing
thread staging with sqlite3; both then merge the same way. Small CSV blocks make each file
many batches, so repeated keys fall in different batches.
"""

import pytest

import khtui.data.importers.orders as orders
import khtui.data.importers.orders_read as orders_read
from khtui.data.importers import import_file
from khtui.data.store import Store
from tests.conftest import ZH
from tests.data.importers.conftest import H, assert_aggregates_match

CODES = ["0370102001", "370102002", "370102003"]


def month(m: str, days=range(1, 29, 3), qty=1, brands=("B1", "B2")) -> list[list[str]]:
    return [
        [c, f"{m}-{d:02d}", b, "x", str(qty + i), f"{(qty + i) * 100}.00", "100"]
        for d in days
        for i, c in enumerate(CODES)
        for b in brands
    ]


STEPS = [
    # first load: three months, in date order
    ("first", month("2026-07") + month("2026-08") + month("2026-09")),
    # a later month: no overlap with what is stored (ingested while streaming)
    ("later", month("2026-10")),
    # September again with one quantity changed and a brand less: its period is replaced
    ("again", [r for r in month("2026-09", qty=2) if r[2] == "B1"]),
    # half of August (the other half stays: month aggregates from SQL) and a new November
    ("overlap", month("2026-08", days=range(15, 29, 3), qty=3) + month("2026-11")),
    # a repeated line and a conflicting one: the direct writer starts again staged
    (
        "repeats",
        month("2026-06")
        + month("2026-06", days=[1])
        + [[CODES[0], "2026-06-04", "B1", "x", "9", "900.00", "100"]],
    ),
    # November again, as the "overlap" file had it: nothing changes
    ("same", month("2026-11")),
]


def run(tmp_path, table, clock, writer: bool, monkeypatch):
    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0 if writer else 10**12)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    store = Store(tmp_path / f"{writer}.db", create=True, clock=clock)
    store.upsert_retailers([{"code": CODES[0], "name": "都市烟酒店"}], source="test")
    results = []
    for name, rows in STEPS:
        r = import_file(store, table(f"{name}-{writer}", [H, *rows]), "orders", tr=ZH)
        results.append(
            (
                name,
                r.read,
                r.new,
                r.updated,
                r.unchanged,
                r.removed,
                r.duplicates,
                r.rejected,
                r.unknown_retailers,
                r.unknown_lines,
                r.period,
            )
        )
        assert_aggregates_match(store)
    state = {
        t: [tuple(x) for x in store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3")]
        for t in ("order_lines", "monthly_sales", "monthly_brand_sales")
    }
    derived = store.get_retailer(CODES[0])["derived_why"]
    store.close()
    return results, state, derived


def test_the_writer_thread_matches_the_importing_thread(tmp_path, table, clock, monkeypatch):
    staged = run(tmp_path, table, clock, False, monkeypatch)
    direct = run(tmp_path, table, clock, True, monkeypatch)
    assert direct == staged
    counts = {r[0]: r[1:] for r in staged[0]}
    assert counts["first"][:2] == (180, 180)  # 10 days x 3 retailers x 2 brands a month
    # September again, B1 only with other quantities: B1 updated, B2 removed
    assert counts["again"][1:5] == (0, 30, 0, 30)
    assert counts["repeats"][5:7] == (6, 1)  # six identical repeats, one conflicting
    assert counts["same"][1:4] == (0, 0, 60)
    assert counts["same"][7:9] == (2, 40)  # unknown retailers and their lines


def test_a_batch_that_overlaps_stored_dates_waits_for_the_period(
    tmp_path, table, clock, monkeypatch
):
    """A file whose first batches are new dates and whose last batches replace stored lines;
    the stored lines of other retailers in that period stay."""
    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    store = Store(tmp_path / "k.db", create=True, clock=clock)
    store.add_order_lines([("OTHER", "2026-09-10", "B1", "x", 5, 500.0, 100.0)])
    import_file(store, table("sep", [H, *month("2026-09")]), "orders", tr=ZH)
    rows = month("2026-08") + month("2026-09", qty=4)
    r = import_file(store, table("aug-sep", [H, *rows]), "orders", tr=ZH)
    assert (r.new, r.updated, r.unchanged, r.removed) == (60, 60, 0, 0)
    assert store.scalar("SELECT qty_tiao FROM order_lines WHERE retailer_code = 'OTHER'") == 5
    assert store.scalar("SELECT count(*) FROM order_lines") == len(rows) + 1
    assert_aggregates_match(store)
    store.close()


@pytest.mark.parametrize("writer", [False, True])
def test_a_dry_run_writes_nothing_either_way(tmp_path, table, clock, monkeypatch, writer):
    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0 if writer else 10**12)
    store = Store(tmp_path / "k.db", create=True, clock=clock)
    r = import_file(store, table("o", [H, *month("2026-09")]), "orders", dry_run=True, tr=ZH)
    assert r.new == 60
    assert store.scalar("SELECT count(*) FROM order_lines") == 0
    assert store.scalar("SELECT count(*) FROM monthly_brand_sales") == 0
    assert not list(tmp_path.glob(".khtui-import-*"))  # the work folder is gone
    store.close()


def test_the_stage_lays_out_its_tables_like_the_database(tmp_path, store):
    """The merge copies the stage with INSERT … SELECT *: same columns, same order, same
    keys (and SQLite copies the records as they are into an empty table)."""
    from khtui.data.importers.stage import SCHEMA

    stage = tmp_path / "stage.db"
    import sqlite3

    conn = sqlite3.connect(stage)
    for sql in SCHEMA:
        conn.execute(sql)
    conn.close()
    with store.attached(stage, "stage"):
        for table in ("order_lines", "monthly_sales", "monthly_brand_sales"):
            main = store.query(f"PRAGMA main.table_xinfo({table})")
            staged = store.query(f"PRAGMA stage.table_xinfo({table})")
            assert [tuple(r) for r in staged] == [tuple(r) for r in main], table


def _imported_once(tmp_path, table, clock, monkeypatch, writer: bool):
    """A store with every retailer and one month's lines imported, small batches, through
    the writer thread or not; and its state (``_state``) after that import."""
    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0 if writer else 10**12)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    store = Store(tmp_path / "k.db", create=True, clock=clock)
    store.upsert_retailers([{"code": c, "name": c} for c in CODES], source="test")
    import_file(store, table("first", [H, *month("2026-08")]), "orders", tr=ZH)
    return store, _state(store)


def _state(store) -> dict:
    return {
        t: [tuple(x) for x in store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3")]
        for t in ("order_lines", "monthly_sales", "monthly_brand_sales")
    } | {"retailers": [tuple(x) for x in store.query("SELECT * FROM retailers ORDER BY code")]}


def test_a_large_files_sums_are_written_beside_its_last_lines(tmp_path, table, clock, monkeypatch):
    """The writer thread's file: its monthly sums go to a file of their own, written in a
    thread of their own while the last lines are staged, and the merge copies them from
    there; a file with repeated lines has its sums made by the stage instead."""
    import khtui.data.importers.stage as stage

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    written = []
    real = stage.write_sums

    def write_sums(conn, brand, monthly):
        written.append(brand.num_rows)
        real(conn, brand, monthly)

    monkeypatch.setattr(stage, "write_sums", write_sums)
    store = Store(tmp_path / "k.db", create=True, clock=clock)
    store.upsert_retailers([{"code": CODES[0], "name": "都市烟酒店"}], source="test")
    r = import_file(store, table("o", [H, *month("2026-08"), *month("2026-09")]), "orders", tr=ZH)
    assert r.new == 120 and written == [12]  # 3 retailers x 2 months x 2 brands
    assert_aggregates_match(store)
    repeated = month("2026-10") + month("2026-10", days=[1])
    r = import_file(store, table("r", [H, *repeated]), "orders", tr=ZH)
    assert (r.new, r.duplicates) == (60, 6) and len(written) == 2
    assert_aggregates_match(store)
    assert store.scalar("SELECT count(*) FROM monthly_sales WHERE month = '2026-10'") == 3
    assert not list(tmp_path.glob(".khtui-import-*"))
    store.close()


def test_brand_sums_split_in_two_files_give_the_same_database(tmp_path, table, clock, monkeypatch):
    """Many brand sums are written in two halves, in key order, by two threads at once, the
    monthly sums with the first: every step ends as the importing thread's staging does."""
    import khtui.data.importers.stage as stage
    import khtui.data.importers.writer as writer_module

    monkeypatch.setattr(writer_module, "SPLIT_SUMS_ROWS", 2)
    written = []
    real = stage.write_sums

    def write_sums(conn, brand, monthly):
        written.append((brand.num_rows, None if monthly is None else monthly.num_rows))
        real(conn, brand, monthly)

    monkeypatch.setattr(stage, "write_sums", write_sums)
    staged = run(tmp_path, table, clock, False, monkeypatch)
    assert not written
    direct = run(tmp_path, table, clock, True, monkeypatch)
    assert direct == staged
    # the first file: 3 retailers x 3 months x 2 brands, 9 and 9, the 9 monthly sums first
    assert sorted(written[:2], key=str) == [(9, 9), (9, None)]


@pytest.mark.parametrize("writer", [False, True])
@pytest.mark.parametrize("side", ["copy", "derivation"])
def test_a_failure_while_lines_are_copied_beside_the_classifications_writes_nothing(
    tmp_path, table, clock, monkeypatch, writer, side
):
    """The merge copies the file's lines in a helper thread while the classifications are
    derived: a failure of the copy (a full disk) or a Ctrl-C in the derivation leaves the
    database as it was, and no thread behind."""
    import sqlite3
    import threading

    import khtui.data.importers.merge as merge
    import khtui.data.sales as sales

    store, before = _imported_once(tmp_path, table, clock, monkeypatch, writer)
    copied = []
    real_copy = merge._copy_lines

    def copy(conn):
        real_copy(conn)
        copied.append(threading.current_thread().name)
        if side == "copy":
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(merge, "_copy_lines", copy)
    if side == "derivation":

        def derive(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(sales.SalesOps, "_derive_rows", derive)
    rows = [*month("2026-09"), *month("2026-10")]
    with pytest.raises(sqlite3.OperationalError if side == "copy" else KeyboardInterrupt):
        import_file(store, table("o", [H, *rows]), "orders", tr=ZH)
    assert copied and copied[0] != threading.current_thread().name  # beside, not before
    assert _state(store) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("khtui-")]
    assert not list(tmp_path.glob(".khtui-import-*"))
    store.close()


@pytest.mark.parametrize("writer", [False, True])
@pytest.mark.parametrize("where", ["reading", "sums", "merge"])
def test_ctrl_c_anywhere_writes_nothing(tmp_path, table, clock, monkeypatch, writer, where):
    """Ctrl-C (KeyboardInterrupt in the importing thread) while the file is read, while its
    sums are written, or in the merge after the lines went in: the database is as it was,
    the threads have ended, the work folder, the rejects part file and the backup are gone."""
    import threading

    import khtui.data.importers.stage as stage
    import khtui.data.importers.writer as writer_module

    store, before = _imported_once(tmp_path, table, clock, monkeypatch, writer)
    progress = None
    if where == "reading":
        calls = []

        def progress(done, total):
            calls.append(done)
            if len(calls) == 3:
                raise KeyboardInterrupt

    elif where == "sums":
        real_join = writer_module._SumsWriter.join if writer else None
        interrupts = [KeyboardInterrupt]

        def interrupted(self):  # once: the second join is the clean-up's
            real_join(self)
            if interrupts:
                raise interrupts.pop()

        if writer:
            monkeypatch.setattr(writer_module._SumsWriter, "join", interrupted)
        else:  # the importing thread's stage writes the sums at its end
            real_finish = stage.Stage.finish

            def finish(self, *args):
                real_finish(self, *args)
                raise KeyboardInterrupt

            monkeypatch.setattr(stage.Stage, "finish", finish)
    else:

        def recompute(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(store, "recompute", recompute)
    rows = [*month("2026-08", qty=5), *month("2026-09"), *month("2026-10")]
    with pytest.raises(KeyboardInterrupt):
        import_file(store, table("o", [H, *rows]), "orders", tr=ZH, progress=progress)
    assert _state(store) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("khtui-import")]
    assert not list(tmp_path.glob(".khtui-import-*"))
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".o.*"))
    backups = tmp_path / "backups"
    assert len(list(backups.glob("*.db"))) <= 1  # the first import's backup only
    store.close()
