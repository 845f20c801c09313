"""The program and an import at once, in two processes: both finish, nothing typed is lost and
nobody sees "database is locked".

The import stages the file outside the database's write lock and holds the lock only for its
merge. Here the merge is held open on purpose (a few seconds: longer than the merge of a
1M-line file takes, well under the program's 10-second busy timeout) while a capture draft is
typed in the app; the app's saves wait for the merge to commit, then land.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

from khtui.app import create_app
from khtui.screens.capture import CaptureScreen
from khtui.widgets.price_grid import PriceGrid
from tests.capture_helpers import add_visit, seed
from tests.conftest import TODAY
from tests.data.importers.conftest import H
from tests.screens.pilot import Notices, settle

# seconds the import keeps its merge open once the lines are written (its write lock held)
HOLD = 2.0
SCRIPT = textwrap.dedent(
    f"""
    import sys, time
    from pathlib import Path
    import khtui.data.importers.orders as orders
    import khtui.data.importers.merge as merge
    from khtui.data.store import Store
    from khtui.data.importers import import_file
    from khtui.i18n import Translator

    db, csv_path, holding = sys.argv[1:4]
    orders.WRITER_MIN_LINES = 0  # the writer thread, as for a large file
    real = merge.merge

    def held(store, info, *, dry_run, before_commit=None):
        def hold():
            Path(holding).write_text("merging")
            time.sleep({HOLD})  # a long merge, the write lock held
            before_commit()
        return real(store, info, dry_run=dry_run, before_commit=hold)

    orders.merge = held
    store = Store(Path(db))
    r = import_file(store, csv_path, "orders", tr=Translator("zh"))
    store.close()
    print(r.new + r.updated)
    """
)


@contextlib.contextmanager
def importing(script: str, *args: object, rows: int) -> Iterator[subprocess.Popen]:
    """``script`` run with ``args`` in a child process while the block runs; then it must end
    well, having imported ``rows`` lines (it is killed if the block or the wait fails)."""
    importer = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield importer
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert int(out.split()[-1]) == rows


def test_typing_a_capture_while_an_import_commits(store, tmp_path):
    seed(store)
    vid = add_visit(store, "R1", TODAY, status="checked_in")
    rows = [
        [code, f"2026-{m:02d}-{d:02d}", brand, "x", "3", "150.00", "50"]
        for m in (9, 10, 11)
        for d in range(1, 21)
        for code in ("R1", "R2", "R3", "R4")
        for brand in ("P1", "P2", "K1")
    ]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(",".join(r) for r in [H, *rows]) + "\n", encoding="utf-8")
    holding = tmp_path / "holding"
    with importing(SCRIPT, store.path, path, holding, rows=len(rows)) as importer:
        app = create_app(store, today=lambda: TODAY)

        async def scenario():
            async with app.run_test(size=(120, 40)) as pilot:
                app.push_screen(CaptureScreen(visit_id=vid))
                await settle(app, pilot)  # the capture is read in a worker
                assert app.focused is app.screen.query_one(PriceGrid)
                deadline = time.monotonic() + 120
                while not holding.exists():  # the import is merging now, its lock held
                    assert importer.poll() is None, importer.stderr.read()
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
                for key in ("2", "8", "0", "enter", "1", "1", "0", "enter"):
                    await pilot.press(key)
                await pilot.pause()

        asyncio.run(scenario())
    assert app.errors == []
    cid = store.scalar("SELECT id FROM captures WHERE visit_id = ? AND kind = 'prices'", (vid,))
    saved = {
        r[0]: r[1]
        for r in store.query(
            "SELECT brand_code, retail_price FROM price_observations WHERE capture_id = ?", (cid,)
        )
    }
    assert saved == {"K1": 280.0, "N1": 110.0}
    assert store.scalar("SELECT count(*) FROM order_lines") == len(rows)


READING = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import khtui.data.importers.orders as orders
    import khtui.data.importers.orders_read as orders_read
    from khtui.data.store import Store
    from khtui.data.importers import import_file
    from khtui.i18n import Translator

    db, csv_path, reading, checked = sys.argv[1:5]
    orders.WRITER_MIN_LINES = 0
    orders_read.CSV_BLOCK = 2048
    orders_read.BATCH_ROWS = 20
    clean = orders.clean_batch
    calls = []

    def clean_and_wait(*a, **k):
        calls.append(1)
        if len(calls) == 3:  # the file half read, the writer thread staging
            Path(reading).write_text("reading")
            deadline = time.monotonic() + 120
            while not Path(checked).exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return clean(*a, **k)

    orders.clean_batch = clean_and_wait
    store = Store(Path(db))
    r = import_file(store, csv_path, "orders", tr=Translator("zh"))
    print(r.new)
    """
)


def test_the_database_is_not_locked_while_a_file_is_read_and_staged(store, tmp_path):
    """While the file is read (and staged by the writer thread) another connection can
    take the write lock at once, without waiting."""
    import sqlite3

    seed(store)
    rows = [[f"R{i % 4 + 1}", f"2026-10-{d:02d}", f"P{i}", "x", "1", "50", "50"] for d in range(1, 29) for i in range(8)]  # fmt: skip
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(",".join(r) for r in [H, *rows]) + "\n", encoding="utf-8")
    reading, checked = tmp_path / "reading", tmp_path / "checked"
    with importing(READING, store.path, path, reading, checked, rows=len(rows)) as importer:
        deadline = time.monotonic() + 120
        while not reading.exists():
            assert importer.poll() is None, importer.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        other = sqlite3.connect(store.path, isolation_level=None, timeout=0)
        try:
            other.execute("PRAGMA busy_timeout = 0")
            other.execute("BEGIN IMMEDIATE")  # "database is locked" here if the import held it
            other.execute("INSERT INTO meta (key, value) VALUES ('probe', '1')")
            other.execute("COMMIT")
        finally:
            other.close()
        checked.write_text("ok")
    assert store.meta("probe") == "1"


def test_a_write_lock_held_past_the_busy_timeout_loses_nothing_typed(store, tmp_path):
    """Another program holds the write lock longer than SQLite's busy timeout (the merge of a
    10M-line import takes ~11 s): the app says once that what is typed is kept, goes on taking
    keys, and saves every value, in order, when the lock is released; no error."""
    import sqlite3

    seed(store)
    vid = add_visit(store, "R1", TODAY, status="checked_in")
    store.conn.execute("PRAGMA busy_timeout = 200")  # the app's timeout, shortened for the test
    app = create_app(store, today=lambda: TODAY)
    seen = Notices(app)
    other = sqlite3.connect(store.path, isolation_level=None)

    async def scenario():
        async with app.run_test(size=(120, 40)) as pilot:
            app.push_screen(CaptureScreen(visit_id=vid))
            await settle(app, pilot)
            assert app.focused is app.screen.query_one(PriceGrid)
            other.execute("BEGIN IMMEDIATE")  # the import's merge: the write lock held
            for key in ("2", "8", "0", "enter", "1", "1", "0", "enter"):
                await pilot.press(key)
            deadline = time.monotonic() + 120
            while not seen.any("你输入的内容都保留着"):
                assert time.monotonic() < deadline, seen
                await asyncio.sleep(0.05)
            for key in ("9", "0", "enter"):  # still typing while it waits
                await pilot.press(key)
            other.execute("COMMIT")  # the import ends
            await settle(app, pilot)

    try:
        asyncio.run(scenario())
    finally:
        other.close()
    assert app.errors == []
    assert sum("你输入的内容都保留着" in n for n in seen) == 1
    cid = store.scalar("SELECT id FROM captures WHERE visit_id = ? AND kind = 'prices'", (vid,))
    saved = {
        r[0]: r[1]
        for r in store.query(
            "SELECT brand_code, retail_price FROM price_observations WHERE capture_id = ?", (cid,)
        )
    }
    assert saved == {"K1": 280.0, "N1": 110.0, "P1": 90.0}
