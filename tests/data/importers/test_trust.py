"""Imports that cannot be turned against the user: long values, future dates, unwritable
rejects, spreadsheet formulas, debris, memory that grows with the file."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from khtui.data.importers import ImportFileError, import_file
from khtui.data.importers.work import PREFIX, WorkDir, remove_stale
from khtui.data.store import Store
from tests.conftest import ZH
from tests.data.importers.conftest import H, read_rejects

R = ["客户编码", "客户名称", "联系电话", "经营地址"]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def state(store) -> list:
    return [
        [tuple(r) for r in store.query(f"SELECT * FROM {t} ORDER BY 1")]
        for t in ("retailers", "retailer_changes", "order_lines", "monthly_sales", "brands")
    ]


@pytest.fixture
def seeded(store):
    store.upsert_retailers([{"code": "0370102001", "name": "都市烟酒店"}], source="seed")
    store.add_order_lines([("0370102001", "2026-09-08", "B1", "x", 10, 1000.0, 100.0)])
    return store


# -- length limits (item: one long name exhausted memory) ----------------------------------
def test_a_name_over_the_limit_is_a_reject_with_its_reason(seeded, tmp_path, rules):
    limit = rules.imports.limits.name_chars
    rows = [R, ["0370102002", "长" * (limit + 1), "", ""], ["0370102003", "长" * limit, "", ""]]
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert (r.new, r.rejected) == (1, 1)
    rej = read_rejects(r.rejects_path)[0]
    assert rej["行号"] == "2" and rej["列"] == "客户名称"
    assert f"{limit + 1} 个字符，最多 {limit} 个" in rej["原因"]
    assert len(rej["值"]) < 50 and rej["值"].endswith("…")  # the value shortened
    assert rej["客户名称"] == "长" * (limit + 1)  # the original row kept whole
    assert seeded.get_retailer("0370102003")["name"] == "长" * limit


def test_every_text_field_has_a_limit(seeded, tmp_path, rules):
    text = rules.imports.limits.text_chars
    code = rules.imports.limits.code_chars
    rows = [
        [*R, "备注"],
        ["0370102002", "甲", "", "路" * (text + 1), ""],  # address
        ["0370102003", "乙", "", "", "注" * (text + 1)],  # a column kept as another field
        ["1" * (code + 1), "丙", "", "", ""],  # the code
        ["0370102004", "丁", "", "", "注" * text],
    ]
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert (r.new, r.rejected) == (1, 3)
    assert [x["column"] for x in r.reject_rows] == ["经营地址", "备注", "客户编码"]
    brands = [["卷烟编码", "卷烟名称", "生产厂家"], ["B1", "名" * 101, ""], ["B2", "好", "厂" * (text + 1)], ["B3", "好", "厂"]]  # fmt: skip
    r = import_file(seeded, write(tmp_path / "b.csv", brands), "brands", tr=ZH)
    assert (r.new, r.rejected) == (1, 2)
    orders = [H, ["0370102001", "2026-10-08", "B1", "名" * 101, "1", "100", "100"],
              ["0370102001", "2026-10-09", "B1", "名", "1", "100", "100"]]  # fmt: skip
    r = import_file(seeded, write(tmp_path / "o.csv", orders), "orders", tr=ZH)
    assert (r.new, r.rejected) == (1, 1)
    assert "最多 100 个" in r.reject_rows[0]["reason"]


MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    limit = 512 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from pathlib import Path
    from khtui.data.store import Store
    from khtui.data.importers import import_file
    from khtui.i18n import Translator
    folder, n = Path(sys.argv[1]), int(sys.argv[2])
    path = folder / "r.csv"
    path.write_text("客户编码,客户名称\\n0370102001," + "长" * n + "\\n", encoding="utf-8")
    store = Store(folder / "k.db", create=True)
    r = import_file(store, path, "retailers", tr=Translator("zh"))
    print(r.rejected, r.new)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="resource.setrlimit is POSIX")
@pytest.mark.parametrize("n", [20_000, 100_000])
def test_a_huge_name_is_rejected_within_a_memory_limit(tmp_path, n):
    """`长` x 20,000 took 3.2 GB and x 100,000 was killed at 24 GB: now a reject, under a
    512 MiB address-space limit (in a process of its own, so the limit spares the runner)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path), str(n)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "0"]


# -- future dates --------------------------------------------------------------------------
def test_order_dates_past_the_margin_are_rejects_and_never_replace_history(seeded, tmp_path, rules):
    days = rules.imports.limits.order_future_days
    assert days == 7
    rows = [
        H,
        ["0370102001", "2099-09-01", "B1", "x", "1", "100", "100"],
        ["0370102001", "2026-11-30", "B2", "x", "1", "100", "100"],  # today + 7: accepted
        ["0370102001", "2026-12-01", "B3", "x", "1", "100", "100"],  # today + 8
    ]
    r = import_file(seeded, write(tmp_path / "o.csv", rows), "orders", tr=ZH)
    assert (r.new, r.rejected) == (1, 2)
    assert r.period == ("2026-11-30", "2026-11-30")
    reasons = [x["reason"] for x in r.reject_rows]
    assert "2099-09-01 晚于 2026-11-30" in reasons[0] and "order_future_days" in reasons[0]
    # the stored September line is still there: the file's period did not reach back to it
    assert seeded.scalar("SELECT count(*) FROM order_lines WHERE order_date = '2026-09-08'") == 1


# -- rejects: checked before anything, written before the commit, streamed -----------------
def test_an_unwritable_rejects_path_stops_the_import_before_it_writes(seeded, tmp_path):
    before = state(seeded)
    rows = [R, ["0370102002", "新店", "", ""], ["bad code!", "坏", "", ""]]
    path = write(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportFileError) as raised:
        import_file(seeded, path, "retailers", rejects=tmp_path / "nonexistent" / "r.csv", tr=ZH)
    assert re.search("无法写入拒收文件", ZH.message(raised.value))
    assert state(seeded) == before
    assert not list((tmp_path / "backups").glob("*")) if (tmp_path / "backups").exists() else True
    assert not list(tmp_path.glob(PREFIX + "*"))


def test_rejects_memory_does_not_grow_with_their_number(store, tmp_path):
    """Rejects go to disk as they come: the Python memory of 4x the rejects is not 4x."""

    def peak(n: int) -> int:
        path = write(tmp_path / f"r{n}.csv", [R] + [[f"bad{i}!", "名" * 50, "", "址" * 80] for i in range(n)])  # fmt: skip
        tracemalloc.start()
        r = import_file(store, path, "retailers", tr=ZH)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert r.rejected == n and len(read_rejects(r.rejects_path)) == n
        return top

    small, large = peak(5_000), peak(20_000)
    assert large < 1.5 * small


def test_rejects_file_is_sorted_and_spreadsheet_safe(seeded, tmp_path):
    rows = [R, ["=1+2", "店", "", ""], ["0370102002", "=HYPERLINK(\"http://x.example\",\"点我\")", "", ""],
            ["@bad", "-店", "", ""]]  # fmt: skip
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert r.rejected == 2
    text = Path(r.rejects_path).read_text(encoding="utf-8-sig")
    assert "'=1+2" in text and "'@bad" in text and "'-店" in text
    assert [x["行号"] for x in read_rejects(r.rejects_path)] == ["2", "4"]


# -- a khtui CSV imported back gives the original text -------------------------------------
def test_the_neutralising_quote_is_removed_on_import(seeded, tmp_path):
    formula = '=HYPERLINK("http://x.example","点我")'
    rows = [R, ["0370102002", "'" + formula, "", "'-5号"], ["0370102003", "'普通'", "", ""]]
    import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert seeded.get_retailer("0370102002")["name"] == formula
    assert seeded.get_retailer("0370102002")["address"] == "-5号"
    assert seeded.get_retailer("0370102003")["name"] == "'普通'"  # not khtui's quote: kept
    orders = [H, ["0370102001", "2026-10-08", "B1", "'=品牌", "1", "100", "100"]]
    import_file(seeded, write(tmp_path / "o.csv", orders), "orders", tr=ZH)
    assert (
        seeded.scalar("SELECT brand_name FROM order_lines WHERE order_date = '2026-10-08'")
        == "=品牌"
    )


# -- values typed in full-width forms and with separators ----------------------------------
def test_full_width_codes_and_phones_with_separators_are_folded(seeded, tmp_path):
    rows = [
        R,
        ["０３７０１０２００２", "全角店", "１３８０００００００５", ""],
        ["0370102003", "横线店", "138-0000-0005", ""],
        ["0370102004", "空格店", "138 0000 0005", ""],
        ["0370102005", "座机店", "0531-88888888", ""],
        ["0370102006", "坏号码", "138-0000-000", ""],
    ]
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert (r.new, r.rejected) == (4, 1)
    assert seeded.get_retailer("0370102002")["phone"] == "13800000005"
    assert seeded.get_retailer("0370102003")["phone"] == "13800000005"
    assert seeded.get_retailer("0370102004")["phone"] == "13800000005"
    assert seeded.get_retailer("0370102005")["phone"] == "0531-88888888"
    assert r.reject_rows[0]["value"] == "138-0000-000"  # what the file said
    orders = [H, ["０３７０１０２００１", "２０２６-10-08", "B1", "x", "１０", "１０００", "100"]]
    r = import_file(seeded, write(tmp_path / "o.csv", orders), "orders", tr=ZH)
    assert (r.new, r.rejected) == (1, 0)


def test_a_file_whose_every_row_is_rejected_says_so(seeded, tmp_path):
    rows = [R, ["bad!", "甲", "", ""], ["", "乙", "", ""]]
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert (r.read, r.rejected) == (2, 2)
    assert "所有数据行都被拒收" in r.summary(ZH) and "已导入过" not in r.summary(ZH)
    again = import_file(seeded, write(tmp_path / "ok.csv", [R, ["0370102001", "都市烟酒店", "", ""]]), "retailers", tr=ZH)  # fmt: skip
    assert "此文件已导入过" in again.summary(ZH)


# -- backups and debris --------------------------------------------------------------------
def test_the_pre_import_backup_is_kept_only_when_the_import_committed(seeded, tmp_path):
    folder = tmp_path / "backups"
    rows = [R, ["0370102001", "都市烟酒店", "", ""]]
    import_file(seeded, write(tmp_path / "same.csv", rows), "retailers", tr=ZH)  # nothing changes
    assert not list(folder.glob("*.db")) if folder.exists() else True
    import_file(seeded, write(tmp_path / "new.csv", [R, ["0370102002", "新店", "", ""]]), "retailers", tr=ZH)  # fmt: skip
    assert len(list(folder.glob("*.db"))) == 1


def test_a_failed_import_leaves_no_backup_and_no_work_folder(seeded, tmp_path, monkeypatch):
    folder = tmp_path / "backups"

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "recompute", boom)
    with pytest.raises(OSError):
        import_file(seeded, write(tmp_path / "n.csv", [R, ["0370102002", "新店", "", ""], ["x!", "坏", "", ""]]), "retailers", tr=ZH)  # fmt: skip
    assert not list(folder.glob("*.db")) if folder.exists() else True
    assert not list(tmp_path.glob(PREFIX + "*"))
    assert not list(tmp_path.glob("*.rejects*.csv")) and not list(tmp_path.glob(".n.rejects*"))


def test_stale_work_folders_are_removed_and_live_ones_kept(tmp_path):
    db = tmp_path / "k.db"
    stale = tmp_path / f"{PREFIX}dead"
    stale.mkdir()
    (stale / "lock").write_bytes(b"")  # left by a killed import: nobody holds it
    (stale / "stage.db").write_bytes(b"x" * 1000)
    starting = tmp_path / f"{PREFIX}starting"  # an import between making and locking it
    starting.mkdir()
    live = WorkDir(db)
    try:
        assert remove_stale(db) == [stale.resolve()]
        assert live.path.exists() and starting.exists() and not stale.exists()
    finally:
        live.remove()
    assert not live.path.exists()


def test_rejects_spilled_from_the_reading_thread_of_a_large_import(seeded, tmp_path, monkeypatch):
    """A large file's path (the writer thread staging): the rejects spilled while it reads
    are in the file, in row order."""
    import khtui.data.importers.orders as orders
    import khtui.data.importers.rejects as rejects

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    monkeypatch.setattr(rejects, "_FLUSH", 2)
    rows = [H] + [
        ["0370102001", f"2026-10-{d:02d}", "B1", "x", "1" if d % 2 else "坏", "100", "100"]
        for d in range(1, 29)
    ]
    r = import_file(seeded, write(tmp_path / "o.csv", rows), "orders", tr=ZH)
    assert (r.new, r.rejected) == (14, 14)
    assert [int(x["行号"]) for x in read_rejects(r.rejects_path)] == list(range(3, 30, 2))


def test_the_change_history_keeps_what_the_file_said(seeded, tmp_path):
    rows = [R, ["0370102001", "都市烟酒店", "１３８-0000-0005", ""]]
    r = import_file(seeded, write(tmp_path / "r.csv", rows), "retailers", tr=ZH)
    assert r.updated == 1
    change = seeded.query_one("SELECT old, new, source FROM retailer_changes WHERE field = 'phone'")
    assert (change["old"], change["new"]) == (None, "13800000005")
    assert change["source"] == "import:r.csv «１３８-0000-0005»"
    assert "as_typed" not in (seeded.get_retailer("0370102001")["extra"] or "")


def test_rejects_found_out_of_order_are_merged_in_by_row(tmp_path, monkeypatch):
    import khtui.data.importers.rejects as rejects

    monkeypatch.setattr(rejects, "_FLUSH", 2)
    sink = rejects.RejectsSink(["a", "b"], tmp_path / "r.csv", tmp_path / "spill.db", ZH)
    for row in (2, 5, 9, 3, 12, 0, 7, 4):
        sink.add(row, [f"x{row}", "=y"], "a", f"x{row}", "why")
    sink.finish()
    sink.close()
    got = read_rejects(tmp_path / "r.csv")
    assert [int(r["行号"]) for r in got] == [0, 2, 3, 4, 5, 7, 9, 12]
    assert {r["b"] for r in got} == {"'=y"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_writer_that_fails_while_staging_fails_the_import_with_nothing_written(seeded, tmp_path, monkeypatch):  # fmt: skip
    """The writer thread's stage fails half way (a disk error): the import says so in one
    message and writes nothing; no work folder is left."""
    import khtui.data.importers.orders as orders
    import khtui.data.importers.orders_read as orders_read
    from khtui.data.importers.stage import Stage

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    real = Stage.add
    calls = []

    def add_then_fail(self, table):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(5, "disk I/O error")
        return real(self, table)

    monkeypatch.setattr(Stage, "add", add_then_fail)
    before = state(seeded)
    rows = [H] + [["0370102001", f"2026-10-{d:02d}", f"B{b}", "x", "1", "100", "100"] for d in range(1, 29) for b in range(6)]  # fmt: skip
    with pytest.raises(ImportFileError) as raised:
        import_file(seeded, write(tmp_path / "o.csv", rows), "orders", tr=ZH)
    assert len(calls) == 3
    assert re.search(
        r"暂存导入的数据时出错（.*disk I/O error）；数据库没有任何改动", ZH.message(raised.value)
    )
    assert state(seeded) == before
    assert not list(tmp_path.glob(PREFIX + "*"))


def test_two_imports_never_write_their_rejects_over_each_other(tmp_path):
    """Two imports of one file at once (two terminals) both name their rejects file when they
    finish: the second takes the next free name, never the first's file."""
    import khtui.data.importers.rejects as rejects

    target = tmp_path / "r.rejects.csv"
    sinks = [rejects.RejectsSink(["a"], target, tmp_path / f"spill{i}.db", ZH) for i in range(2)]
    for i, sink in enumerate(sinks):
        sink.add(2, [f"import {i}"], "a", "x", "why")
    target.write_text("the user's own file\n", encoding="utf-8")  # appeared meanwhile
    for sink in sinks:
        sink.finish()
        sink.close()
    assert target.read_text(encoding="utf-8") == "the user's own file\n"
    assert [sink.path.name for sink in sinks] == ["r.rejects-2.csv", "r.rejects-3.csv"]
    assert [read_rejects(sink.path)[0]["a"] for sink in sinks] == ["import 0", "import 1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "r.rejects-2.csv",
        "r.rejects-3.csv",
        "r.rejects.csv",
    ]


def test_a_reading_error_during_a_large_import_is_not_blamed_on_the_writer(seeded, tmp_path, monkeypatch):  # fmt: skip
    """The file fails half way (a memory stick pulled out) while the writer thread stages:
    the import says what failed in the reading, not that the writer stopped, and writes
    nothing; no work folder is left."""
    import khtui.data.importers.orders as orders
    import khtui.data.importers.orders_read as orders_read

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 2048)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 20)
    clean = orders.clean_batch
    calls = []

    def pulled_out(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(5, "Input/output error")
        return clean(*a, **k)

    monkeypatch.setattr(orders, "clean_batch", pulled_out)
    before = state(seeded)
    rows = [H] + [["0370102001", f"2026-10-{d:02d}", f"B{b}", "x", "1", "100", "100"] for d in range(1, 29) for b in range(6)]  # fmt: skip
    with pytest.raises(OSError, match="Input/output error") as exc:
        import_file(seeded, write(tmp_path / "o.csv", rows), "orders", tr=ZH)
    assert not isinstance(exc.value, ImportFileError)
    assert state(seeded) == before
    assert not list(tmp_path.glob(PREFIX + "*"))
