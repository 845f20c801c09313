"""``kill -9`` of an orders import at sampled points, in a real process.

The database is afterwards exactly as it was before the import or exactly as a complete import
leaves it, the classifications (tier, category, level, value) included; the next import
removes the work folder the killed one left and imports the file completely.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from khtui.data.importers import import_file
from khtui.data.store import Store
from tests.conftest import ZH
from tests.data.importers.conftest import H

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="sends SIGKILL")

CODES = ["0370102001", "0370102002", "0370102003"]
TABLES = ("order_lines", "monthly_sales", "monthly_brand_sales")
DERIVED = "code, tier, monthly_avg_jian, category_code, level, avg_price, value_class, value_score, derived_as_of, derived_why"  # fmt: skip

# Runs one import in a process of its own and kills that process (SIGKILL, as `kill -9`)
# at the point named by argv[3].
SCRIPT = r"""
import os, signal, sys
from pathlib import Path
import khtui.data.importers.orders as orders
import khtui.data.importers.orders_read as orders_read
import khtui.data.importers.merge as merge
from khtui.data.store import Store
from khtui.data.importers import import_file
from khtui.i18n import Translator

db, csv_path, point = sys.argv[1:4]
orders.WRITER_MIN_LINES = 0          # the writer thread, as for a large file
orders_read.CSV_BLOCK = 4096        # many batches
orders_read.BATCH_ROWS = 50
store = Store(Path(db))

def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)

if point == "start":  # the work folder made, the writer thread just started
    started = orders.WriterThread.__init__
    def started_then_die(self, *a, **k):
        started(self, *a, **k)
        die()
    orders.WriterThread.__init__ = started_then_die
elif point == "reading":  # the file half read, the writer staging
    clean = orders.clean_batch
    seen = []
    def clean_then_die(*a, **k):
        seen.append(1)
        if len(seen) == 3:
            die()
        return clean(*a, **k)
    orders.clean_batch = clean_then_die
elif point == "writing":  # in the merge: the old lines deleted and the sums written, not yet classified
    def recompute_then_die(*a, **k):
        die()
    store.recompute = recompute_then_die
elif point == "commit":  # everything written, COMMIT next
    real = merge.merge
    def merge_dying(store, info, *, dry_run, before_commit=None):
        return real(store, info, dry_run=dry_run, before_commit=die)
    orders.merge = merge_dying
elif point == "committed":  # committed, the work folder not yet removed
    real_merge = orders.merge_orders
    def then_die(*a, **k):
        real_merge(*a, **k)
        die()
    import khtui.data.importers as importers
    orders.merge_orders = then_die
import_file(store, csv_path, "orders", backup=False, tr=Translator("zh"))
print("finished")
"""


def month(m: str, qty: int) -> list[list[str]]:
    return [
        [c, f"{m}-{d:02d}", f"B{b}", "x", str(qty + i), f"{(qty + i) * 100}.00", "100"]
        for d in range(1, 29)
        for i, c in enumerate(CODES)
        for b in range(4)
    ]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [H, *rows]) + "\n", encoding="utf-8")
    return path


def snapshot(db: Path) -> dict:
    store = Store(db)
    try:
        state = {t: [tuple(r) for r in store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3")] for t in TABLES}  # fmt: skip
        state["retailers"] = [tuple(r) for r in store.query(f"SELECT {DERIVED} FROM retailers ORDER BY code")]  # fmt: skip
    finally:
        store.close()
    return state


@pytest.fixture
def setting(tmp_path, clock):
    """A database with three retailers and three months of small orders; a file that
    replaces two of them and adds a third with large ones (the tiers change); the state a
    complete import of that file leaves."""
    base = tmp_path / "base.db"
    store = Store(base, create=True, clock=clock)
    store.upsert_retailers([{"code": c, "name": f"店{i}"} for i, c in enumerate(CODES)], source="t")
    first = write_csv(tmp_path / "first.csv", month("2026-07", 1) + month("2026-08", 1) + month("2026-09", 1))  # fmt: skip
    import_file(store, first, "orders", backup=False, tr=ZH)
    store.close()
    big = write_csv(tmp_path / "big.csv", month("2026-08", 40) + month("2026-09", 40) + month("2026-10", 40))  # fmt: skip
    ref = tmp_path / "ref" / "k.db"
    ref.parent.mkdir()
    shutil.copy(base, ref)
    store = Store(ref, clock=clock)
    import_file(store, big, "orders", backup=False, tr=ZH)
    store.close()
    before, after = snapshot(base), snapshot(ref)
    assert before != after and before["retailers"] != after["retailers"]
    return base, big, before, after


@pytest.mark.parametrize(
    ("point", "expect"),
    [
        ("start", "before"),
        ("reading", "before"),
        ("writing", "before"),
        ("commit", "before"),
        ("committed", "after"),
    ],
)
def test_kill_9_leaves_the_database_as_before_or_as_after(tmp_path, setting, point, expect):
    base, big, before, after = setting
    folder = tmp_path / point
    folder.mkdir()
    db = folder / "k.db"
    shutil.copy(base, db)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db), str(big), point],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "finished" not in proc.stdout
    state = snapshot(db)
    assert state == (before if expect == "before" else after)
    # the next import removes the dead import's work folder and imports the file whole
    store = Store(db)
    r = import_file(store, big, "orders", backup=False, tr=ZH)
    store.close()
    assert snapshot(db) == after
    assert r.changed == (expect == "before")
    assert not list(folder.glob(".khtui-import-*"))
