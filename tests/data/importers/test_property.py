"""Arbitrary bytes and arbitrary CSV contents: never a traceback, never a partial write."""

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khtui.data.importers import KINDS, ImportFileError, import_file
from khtui.data.store import Store
from tests.conftest import ZH

CLOCK = lambda: dt.datetime(2026, 11, 23, 9, 30)  # noqa: E731
HEADERS = {
    "retailers": ["客户编码", "客户名称", "许可证号", "联系电话", "市场类型", "弱势群体", "有效期至", "线路顺序", "状态"],
    "orders": ["客户编码", "订货日期", "卷烟编码", "订货量（件）", "金额(元)", "批发价"],
    "brands": ["卷烟编码", "卷烟名称", "批发价", "零售指导价", "重点品牌", "上市日期"],
}  # fmt: skip
TABLES = ("retailers", "retailer_changes", "order_lines", "monthly_sales", "monthly_brand_sales", "brands")  # fmt: skip
CELL = st.one_of(
    st.text(alphabet="0123456789.-/Ee+ ,\"'\n合计是否城市农村正常暂停YN年月日", max_size=14),
    st.sampled_from(
        [
            "",
            "0370102001",
            "3.70103E+11",
            "2026-10-08",
            "20261008",
            "46303",
            "1.0",
            "-5",
            "合计",
            "是",
            "城市",
            "正常",
            "13900000000",
            "1e309",
            "NaN",
        ]
    ),
    st.text(max_size=8),
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def snapshot(store):
    return {t: [tuple(r) for r in store.query(f"SELECT * FROM {t} ORDER BY 1")] for t in TABLES}


def seeded(folder: Path) -> Store:
    store = Store(folder / "k.db", create=True, clock=CLOCK)
    store.upsert_retailers([{"code": "0370102001", "name": "甲"}], source="seed")
    store.add_order_lines([("0370102001", "2026-10-08", "B1", "x", 10, 1000.0, 100.0)])
    store.upsert_brands([{"brand_code": "B1", "name": "x"}])
    return store


def check(store, path: Path, kind: str) -> None:
    before = snapshot(store)
    try:
        r = import_file(store, path, kind, backup=False, tr=ZH)
    except ImportFileError as exc:
        assert str(exc)  # a message a user can act on, and nothing written
        assert snapshot(store) == before
        return
    assert r.read == r.new + r.updated + r.unchanged + r.rejected + r.duplicates
    if not r.changed:
        assert snapshot(store) == before


@SETTINGS
@given(data=st.binary(max_size=600), kind=st.sampled_from(KINDS),
       suffix=st.sampled_from([".csv", ".xlsx", ".xls", ""]))  # fmt: skip
def test_arbitrary_bytes(data, kind, suffix):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        store = seeded(folder)
        path = folder / f"in{suffix}"
        path.write_bytes(data)
        check(store, path, kind)
        store.close()


@SETTINGS
@given(
    kind=st.sampled_from(KINDS),
    rows=st.lists(st.lists(CELL, max_size=10), max_size=12),
    title=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_arbitrary_csv_contents(kind, rows, title, encoding):
    buf = io.StringIO()
    w = csv.writer(buf)
    if title:
        w.writerow(["某市烟草公司 明细表"])
    w.writerow(HEADERS[kind])
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        store = seeded(folder)
        path = folder / "in.csv"
        path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
        check(store, path, kind)
        store.close()


@pytest.mark.parametrize("kind", ["retailers", "orders"])
def test_a_failure_half_way_leaves_nothing(tmp_path, kind, monkeypatch):
    store = seeded(tmp_path)
    rows = {
        "retailers": [HEADERS["retailers"][:2], ["0370102001", "改名"], ["0370102009", "新店"]],
        "orders": [["客户编码", "订货日期", "卷烟编码", "订货量", "金额"],
                   ["0370102001", "2026-10-09", "B1", "3", "300"]],
    }[kind]  # fmt: skip
    path = tmp_path / "in.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    before = snapshot(store)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "recompute", boom)  # the last step inside the transaction
    with pytest.raises(RuntimeError):
        import_file(store, path, kind, backup=False, tr=ZH)
    assert snapshot(store) == before
    store.close()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=10))
def test_arbitrary_orders_through_the_writer_thread(rows):
    """The same guarantees when a large file's writer thread stages the lines (forced on for
    these small files)."""
    import khtui.data.importers.orders as orders

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS["orders"])
    w.writerows(rows)
    real = orders.WRITER_MIN_LINES
    orders.WRITER_MIN_LINES = 0
    try:
        with tempfile.TemporaryDirectory() as d:
            folder = Path(d)
            store = seeded(folder)
            path = folder / "in.csv"
            path.write_text(buf.getvalue(), encoding="utf-8")
            check(store, path, "orders")
            store.close()
            assert not list(folder.glob(".khtui-import-*"))
    finally:
        orders.WRITER_MIN_LINES = real
