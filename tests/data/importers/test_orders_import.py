import re

import pytest

from khtui.data.importers import ImportFileError, import_file
from tests.conftest import ZH
from tests.data.importers.conftest import FORMATS, H, assert_aggregates_match, read_rejects

DIRTY = [
    ["XX市烟草公司订单明细 2026年10月"],
    H,
    ["0370102001", "2026-10-08", "6901028075763", "中华(硬)", "10", "3800.00", "380.00"],
    ["0370102001", "2026/10/9", "6901028001915.0", "玉溪(软)", "5.0", "980", "196"],
    ["370102002.0", "20261010", "6901028001915", "玉溪(软)", "2", "392.00", "196.00"],
    ["370102002", "46306", "6901028075763", "中华(硬)", "1", "380", "380"],  # serial: 2026-10-11
    ["3.70102E+11", "2026-10-08", "6901028075763", "中华(硬)", "1", "380", "380"],
    ["370102002", "2026-13-40", "6901028075763", "中华(硬)", "1", "380", "380"],
    ["370102002", "2026-10-12", "6901028075763", "中华(硬)", "一条", "380", "380"],
    ["0370102001", "2026-10-08", "6901028075763", "中华(硬)", "10", "3800.00", "380.00"],
    ["0370102001", "2026-10-08", "6901028075763", "中华(硬)", "11", "4180.00", "380.00"],
    ["999999", "2026-10-15", "6901028075763", "中华(硬)", "3", "1140", "380"],
    ["", "", "", "", "", "", ""],
    ["合计", "", "", "", "33", "14732", ""],
]  # fmt: skip


@pytest.fixture
def retailers(store):
    store.upsert_retailers(
        [
            {
                "code": "0370102001",
                "name": "都市烟酒店",
                "business_format": "烟酒商店",
                "market_type": "城镇",
                "scale": "大",
            },
            {"code": "370102002", "name": "重庆路KTV"},
        ],
        source="test",
    )
    return store


def lines(store):
    return {
        (r["retailer_code"], r["order_date"], r["brand_code"]): (r["qty_tiao"], r["amount"])
        for r in store.query("SELECT * FROM order_lines")
    }


def assert_order_lines_keyed(store):
    """order_lines is one b-tree keyed by (date, retailer, brand), without a rowid."""
    ddl = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'order_lines'")
    assert "PRIMARY KEY (order_date, retailer_code, brand_code)" in ddl
    assert "WITHOUT ROWID" in ddl


@pytest.mark.parametrize("fmt", FORMATS)
def test_dirty_orders_in_every_format(retailers, table, fmt):
    store = retailers
    r = import_file(store, table("订单", DIRTY, fmt), "orders", tr=ZH)
    assert (r.read, r.new, r.rejected, r.duplicates) == (10, 5, 4, 1)
    assert r.period == ("2026-10-08", "2026-10-15")
    assert (r.unknown_retailers, r.unknown_lines) == (1, 1)  # kept, and said
    assert "1 个客户编码不在客户档案中" in r.notes(ZH)[0]
    assert lines(store) == {
        ("0370102001", "2026-10-08", "6901028075763"): (10.0, 3800.0),
        ("0370102001", "2026-10-09", "6901028001915"): (5.0, 980.0),
        ("370102002", "2026-10-10", "6901028001915"): (2.0, 392.0),
        ("370102002", "2026-10-11", "6901028075763"): (1.0, 380.0),
        ("999999", "2026-10-15", "6901028075763"): (3.0, 1140.0),
    }
    assert_aggregates_match(store)
    reasons = {int(x["行号"]): x for x in read_rejects(r.rejects_path)}
    assert set(reasons) == {7, 8, 9, 11}
    assert "科学计数法" in reasons[7]["原因"] and reasons[7]["值"] == "3.70102E+11"
    assert reasons[8]["列"] == "订货日期" and reasons[8]["值"] == "2026-13-40"
    assert reasons[9]["列"] == "订货量（条）" and "不是数字" in reasons[9]["原因"]
    assert reasons[11]["原因"] == "与第 3 行的键相同但内容不同，未导入"
    assert [reasons[11][h] for h in H] == DIRTY[10]  # the row as the file holds it
    assert all([x[h] for h in H] == DIRTY[n - 1] for n, x in reasons.items())
    # derived values follow the import (the retailer's tier basis is Aug..Oct as of 2026-11-23)
    assert store.get_retailer("0370102001")["derived_as_of"] == "2026-11-23"


@pytest.mark.parametrize(
    ("header", "qty", "tiao"),
    [("订货量(支)", "2000", 10.0), ("数量(件)", "2", 100.0), ("订购量（件）", "0.5", 25.0),
     ("订货量", "7", 7.0)],
)  # fmt: skip
def test_quantities_in_sticks_or_cases_become_cartons(retailers, table, header, qty, tiao):
    rows = [["客户编码", "日期", "卷烟编码", header, "金额"],
            ["370102002", "2026-10-08", "B1", qty, "100"]]  # fmt: skip
    import_file(retailers, table("o", rows), "orders", tr=ZH)
    assert retailers.scalar("SELECT qty_tiao FROM order_lines") == tiao


def test_amount_from_price_when_missing(retailers, table):
    rows = [["客户编码", "日期", "卷烟编码", "订货量", "单价(元/条)"],
            ["370102002", "2026-10-08", "B1", "3", "98.5"]]  # fmt: skip
    import_file(retailers, table("o", rows), "orders", tr=ZH)
    assert retailers.scalar("SELECT amount FROM order_lines") == 295.5


def month_rows(code, month, brands, qty):
    return [[code, f"{month}-{d:02d}", b, "x", str(qty), str(qty * 100), "100"]
            for d in (3, 10, 17) for b in brands]  # fmt: skip


def test_reimporting_a_period_replaces_its_lines(retailers, table):
    store = retailers
    base = [
        H,
        *month_rows("370102002", "2026-08", ["B1", "B2"], 5),
        *month_rows("370102002", "2026-09", ["B1", "B2"], 5),
        *month_rows("370102002", "2026-10", ["B1", "B2"], 5),
        *month_rows("0370102001", "2026-10", ["B1"], 4),
    ]
    first = import_file(store, table("o", base), "orders", tr=ZH)
    assert first.new == 21
    # October again for 370102002 only: one line changed, one gone, one new brand
    october = month_rows("370102002", "2026-10", ["B1", "B2"], 5)
    october[0][4], october[0][5] = "6", "600"
    del october[-1]
    october.append(["370102002", "2026-10-20", "B3", "x", "1", "100", "100"])
    r = import_file(store, table("oct", [H, *october]), "orders", tr=ZH)
    assert (r.new, r.updated, r.unchanged, r.removed) == (1, 1, 4, 1)
    assert r.period == ("2026-10-03", "2026-10-20")
    got = lines(store)
    assert got[("370102002", "2026-10-03", "B1")] == (6.0, 600.0)
    assert ("370102002", "2026-10-17", "B2") not in got
    assert got[("370102002", "2026-10-20", "B3")] == (1.0, 100.0)
    # other months and other retailers untouched
    assert len([k for k in got if k[1].startswith("2026-08")]) == 6
    assert len([k for k in got if k[0] == "0370102001"]) == 3
    assert_aggregates_match(store)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_rejected_line_never_removes_a_stored_one(retailers, table, dry_run):
    """The period's lines are replaced by the file's, but a retailer with a row the file holds
    and cannot read (a bad quantity) keeps its stored lines the file does not replace: the bad
    row is not taken as a line gone. A retailer without a bad row is replaced as before."""
    store = retailers
    base = [
        H,
        *month_rows("370102002", "2026-10", ["B1", "B2"], 5),
        *month_rows("0370102001", "2026-10", ["B1", "B2"], 4),
    ]
    import_file(store, table("o", base), "orders", tr=ZH)
    before = lines(store)
    again = [H, *month_rows("370102002", "2026-10", ["B1", "B2"], 5)]
    again += month_rows("0370102001", "2026-10", ["B1", "B2"], 4)
    bad = next(r for r in again if r[0] == "370102002" and r[1] == "2026-10-17" and r[2] == "B2")
    bad[4] = "-5"  # rejected: 370102002 is held
    del again[-1]  # 0370102001's 10-17 B2: gone from the file, so removed
    r = import_file(store, table("again", again), "orders", tr=ZH, dry_run=dry_run)
    assert r.rejected == 1
    assert (r.removed, r.held_retailers, r.held_lines) == (1, 1, 1)
    assert "1 户有拒收的行，它们本期 1 条旧行没有删除" in " ".join(r.notes(ZH))
    got = lines(store)
    if dry_run:
        assert got == before
        return
    assert got[("370102002", "2026-10-17", "B2")] == before[("370102002", "2026-10-17", "B2")]
    assert ("0370102001", "2026-10-17", "B2") not in got
    assert len(got) == len(before) - 1
    assert_aggregates_match(store)


def test_same_file_twice_changes_nothing(retailers, table):
    path = table("o", DIRTY)
    import_file(retailers, path, "orders", tr=ZH)
    before = lines(retailers)
    r = import_file(retailers, path, "orders", tr=ZH)
    assert (r.new, r.updated, r.removed, r.unchanged) == (0, 0, 0, 5)
    assert "没有变化" in r.summary(ZH)
    assert lines(retailers) == before


def test_small_file_into_a_large_store_and_duplicates(retailers, table):
    store = retailers
    big = [H] + [
        row
        for m in ("2026-06", "2026-07", "2026-08", "2026-09")
        for row in month_rows("0370102001", m, [f"B{i}" for i in range(10)], 2)
    ]
    import_file(store, table("big", big), "orders", tr=ZH)
    assert store.scalar("SELECT count(*) FROM order_lines") == 120
    small = [H, ["370102002", "2026-10-02", "B1", "x", "1", "100", "100"],
             ["370102002", "2026-10-02", "B1", "x", "1", "100", "100"],
             ["370102002", "2026-10-02", "B1", "x", "2", "200", "100"]]  # fmt: skip
    r = import_file(store, table("small", small), "orders", tr=ZH)
    assert (r.new, r.duplicates, r.rejected) == (1, 1, 1)
    assert store.scalar("SELECT count(*) FROM order_lines") == 121
    idx = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "monthly_brand_sales_brand" in idx
    assert_order_lines_keyed(store)
    assert_aggregates_match(store)


def test_dry_run_writes_nothing(retailers, table):
    r = import_file(retailers, table("o", DIRTY), "orders", dry_run=True, tr=ZH)
    assert r.new == 5 and r.dry_run
    assert retailers.scalar("SELECT count(*) FROM order_lines") == 0
    assert retailers.scalar("SELECT count(*) FROM monthly_sales") == 0
    idx = {r[0] for r in retailers.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "monthly_brand_sales_brand" in idx
    assert_order_lines_keyed(retailers)


def test_orders_without_quantity_are_refused(retailers, table):
    rows = [["客户编码", "日期", "卷烟编码", "金额"], ["1", "2026-10-01", "B", "1"]]
    with pytest.raises(ImportFileError) as err:
        import_file(retailers, table("o", rows), "orders", tr=ZH)
    assert "缺少：订货量(条)/订货量(支)/订货量(件)" in ZH.message(err.value)
    assert "找到的列：客户编码、日期、卷烟编码、金额" in ZH.message(err.value)


def test_wrong_number_of_columns_is_rejected(retailers, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "客户编码,日期,卷烟编码,订货量,金额\n370102002,2026-10-01,B1,1,100\n370102002,2026-10-02,B1\n",
        encoding="utf-8",
    )
    r = import_file(retailers, path, "orders", tr=ZH)
    assert (r.new, r.rejected) == (1, 1)
    assert "列数不对" in read_rejects(r.rejects_path)[0]["原因"]


def test_the_writer_thread_gives_the_same_result(retailers, table, monkeypatch):
    """Large files are staged by the writer thread (ADBC bulk ingest): same lines, counts and
    aggregates as staging with sqlite3, and a re-import replaces its period there too."""
    import khtui.data.importers.orders as orders

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    r = import_file(retailers, table("订单", DIRTY), "orders", tr=ZH)
    assert (r.read, r.new, r.rejected, r.duplicates) == (10, 5, 4, 1)
    assert (r.unknown_retailers, r.unknown_lines) == (1, 1)
    assert len(lines(retailers)) == 5
    assert_aggregates_match(retailers)
    changed = [row[:] for row in DIRTY]
    changed[2][4], changed[2][5] = "12", "4560.00"
    r2 = import_file(retailers, table("订单2", changed), "orders", tr=ZH)
    assert (r2.new, r2.updated, r2.unchanged) == (0, 1, 4)
    assert lines(retailers)[("0370102001", "2026-10-08", "6901028075763")] == (12.0, 4560.0)
    assert_aggregates_match(retailers)
    assert retailers.get_retailer("0370102001")["derived_as_of"] == "2026-11-23"


def test_a_refused_file_stops_the_writer_started_for_it(retailers, tmp_path, monkeypatch):
    """The writer thread starts before the file is read; a file that is then refused stops
    it: the database is writable at once, holds nothing new, and no work folder is left."""
    import khtui.data.importers.orders as orders

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    started = []

    class Recording(orders.WriterThread):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(orders, "WriterThread", Recording)
    path = tmp_path / "orders.csv"
    path.write_text("客户名称,地址\n都市烟酒店,历下区\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as raised:
        import_file(retailers, path, "orders", tr=ZH)
    assert re.search("找不到必需的列", ZH.message(raised.value))
    assert len(started) == 1
    assert not started[0]._thread.is_alive()  # stopped, not left running
    with retailers.write() as conn:  # the database is free
        conn.execute("UPDATE retailers SET name = '都市烟酒店二' WHERE code = '0370102001'")
    assert retailers.scalar("SELECT count(*) FROM order_lines") == 0
    assert not list(tmp_path.glob(".khtui-import-*"))


@pytest.mark.parametrize("writer", [False, True])
def test_bad_rows_read_out_a_few_at_a_time_give_the_same_rejects(
    retailers, tmp_path, table, monkeypatch, writer
):
    """A batch's bad rows become rejects a chunk at a time: chunks of two give the same
    counts and the same rejects file, in row order, blank and totals rows skipped among them."""
    import khtui.data.importers.orders as orders
    import khtui.data.importers.orders_read as orders_read

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0 if writer else 10**12)
    whole = import_file(retailers, table("整批", DIRTY), "orders", dry_run=True, tr=ZH)
    monkeypatch.setattr(orders_read, "BAD_CHUNK", 2)
    chunked = import_file(retailers, table("分块", DIRTY), "orders", dry_run=True, tr=ZH)
    assert (chunked.read, chunked.skipped, chunked.rejected, chunked.new) == (10, 2, 4, 5)
    assert (chunked.read, chunked.skipped, chunked.rejected, chunked.new) == (
        whole.read,
        whole.skipped,
        whole.rejected,
        whole.new,
    )
    got, want = read_rejects(chunked.rejects_path), read_rejects(whole.rejects_path)
    assert [int(r["行号"]) for r in got] == [7, 8, 9, 11]
    assert [(r["行号"], r["原因"]) for r in got] == [(r["行号"], r["原因"]) for r in want]


@pytest.mark.parametrize(("fmt", "writer"), [("utf-8", False), ("utf-8", True), ("xlsx", False)])
def test_a_conflicting_row_is_rejected_with_its_cells(retailers, table, monkeypatch, fmt, writer):
    """A row repeating an earlier row's key with other values is found once the whole file is
    staged; its reject holds the row as the file does, as every reject does, whichever batch
    it and the first row of its key are in."""
    import khtui.data.importers.orders as orders
    import khtui.data.importers.orders_read as orders_read

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0 if writer else 10**12)
    monkeypatch.setattr(orders_read, "BATCH_ROWS", 3)  # a batch of a few rows
    monkeypatch.setattr(orders_read, "CSV_BLOCK", 256)
    data = [
        ["370102002", f"2026-10-{d:02d}", "6901028075763", "中华(硬)", "1", "380", "380"]
        for d in range(1, 13)
    ]
    data += [
        ["370102002", "2026-10-02", "6901028075763", "中华(硬)", "2", "760", "380"],  # row 3's key
        ["370102002", "2026-10-13", "6901028075763", "中华(硬)", "x", "380", "380"],  # no number
        ["370102002", "2026-10-11", "6901028075763", "中华(硬)", "1", "380", "380"],  # row 12 again
        ["370102002", "2026-10-11", "6901028075763", "中华(软)", "1", "380", "380"],  # row 12's key
        ["370102002", "2026-10-14", "6901028075763", "中华(硬)", "1", "380", "380"],
        ["370102002", "2026-10-14", "6901028075763", "中华(硬)", "3", "1140", "380"],  # row 18's key
    ]  # fmt: skip
    r = import_file(retailers, table("订单", [H, *data], fmt), "orders", tr=ZH)
    assert (r.read, r.new, r.duplicates, r.rejected) == (18, 13, 1, 4)
    got = read_rejects(r.rejects_path)
    assert [(int(x["行号"]), x["原因"]) for x in got] == [
        (14, "与第 3 行的键相同但内容不同，未导入"),
        (15, got[1]["原因"]),
        (17, "与第 12 行的键相同但内容不同，未导入"),
        (19, "与第 18 行的键相同但内容不同，未导入"),
    ]
    assert "不是数字" in got[1]["原因"]
    for x in got:
        cells = data[int(x["行号"]) - 2]
        assert [x[h] for h in H] == cells
        assert x["值"] == ("x" if x["列"] else f"{cells[0]} {cells[1]} {cells[2]}")
    assert [row["row"] for row in r.reject_rows] == [14, 15, 17, 19]
    assert r.reject_rows[2]["cells"] == data[15]
