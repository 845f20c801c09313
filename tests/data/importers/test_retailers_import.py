import datetime as dt
import json
import re

import pytest

from khtui.data.importers import ImportFileError, import_file, preview
from tests.conftest import ZH
from tests.data.importers.conftest import FORMATS, read_rejects

HEADER = [" 客户 编码 ", "店名", "许可证号码", "电话", "经营业态", "城乡类型", "经营规模（大/中/小）",
          "线路", "顺序", "状态", "有效期至", "弱势群体", "示范户", "备注"]  # fmt: skip
DIRTY = [
    ["XX市烟草公司零售客户明细表 2026年10月"],
    [],
    HEADER,
    ["0370102001", "都市烟酒店", "0370102267680", "13972770615", "烟酒商店", "城市", "大",
     "城东一线", "1", "正常", "2028-01-21", "否", "是", "老客户"],
    ["370102002.0", "重庆路KTV", "370102216120.0", "13963112196.0", "娱乐服务类", "农村", "小",
     "城东二线", "2.0", "暂停", "2028/1/2", "N", "0", ""],
    ["3.70103E+11", "科学计数店", "", "", "食杂店", "城镇", "小", "城西线", "3", "正常", "", "", "", ""],
    ["370102004", "乐购小卖部", "370102424074", "0531-86012345", "食杂店", "乡村", "中", "北关线",
     "4", "", "20280501", "Y", "N", ""],
    ["370102005", "行知副食部", "370102305421", "13612397025", "便利店", "城镇", "中", "北关线",
     "5", "正常", "46303", "1", "0", "新店"],
    ["370102006", "错电话店", "", "12345", "食杂店", "城镇", "小", "北关线", "6", "正常", "", "", "", ""],
    ["370102004", "乐购小卖部", "370102424074", "0531-86012345", "食杂店", "乡村", "中", "北关线",
     "4", "", "20280501", "Y", "N", ""],
    ["", "没有编码", "", "", "食杂店", "城镇", "小", "北关线", "7", "正常", "", "", "", ""],
    [],
    ["370102004", "乐购小卖部二店", "370102424074", "0531-86012345", "食杂店", "乡村", "中",
     "北关线", "4", "", "20280501", "Y", "N", ""],
    ["合计", "9户"],
]  # fmt: skip
ENCODING = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 BOM",
    "gb18030": "GB18030",
    "xlsx": "XLSX",
    "xls-html": "XLS/HTML GB18030",
    "xls-biff": "XLS",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_dirty_retailers_in_every_format(store, table, fmt):
    path = table("客户", DIRTY, fmt)
    r = import_file(store, path, "retailers", tr=ZH)
    assert r.encoding == ENCODING[fmt]
    assert (r.read, r.new, r.updated, r.unchanged, r.rejected, r.duplicates) == (9, 4, 0, 0, 4, 1)
    assert r.skipped >= 2  # the blank row and the totals row (合计)

    a = store.get_retailer("0370102001")  # leading zero kept
    assert a["licence_no"] == "0370102267680"
    assert a["market_type"] == "城镇"  # 城市 -> 城镇
    assert (a["model_outlet"], a["vulnerable"]) == (1, 0)
    assert a["licence_expiry"] == "2028-01-21"
    assert a["extra"] == {"备注": "老客户"}
    assert a["category_code"] == "511"  # derived on import: 城镇大型烟酒商店
    b = store.get_retailer("370102002")  # '.0' repaired everywhere
    assert (b["licence_no"], b["phone"], b["route_seq"]) == ("370102216120", "13963112196", 2)
    assert (b["market_type"], b["status"], b["licence_expiry"]) == ("乡村", "暂停", "2028-01-02")
    c = store.get_retailer("370102004")
    assert (c["name"], c["status"], c["vulnerable"]) == ("乐购小卖部", "正常", 1)
    assert c["licence_expiry"] == "2028-05-01"
    assert store.get_retailer("370102005")["licence_expiry"] == "2026-10-08"  # Excel serial
    assert store.get_retailer("370102006") is None
    assert store.count_retailers(status=None) == 4

    rejects = read_rejects(r.rejects_path)
    assert r.rejects_path.endswith("客户.rejects.csv")
    by_row = {x["行号"]: x for x in rejects}
    assert set(by_row) == {"6", "9", "11", "13"}  # file rows, title and header counted
    assert by_row["6"]["列"] == "客户 编码"
    assert by_row["6"]["值"] == "3.70103E+11"
    assert "科学计数法" in by_row["6"]["原因"]
    assert by_row["6"]["店名"] == "科学计数店"  # the original row comes along
    assert by_row["9"]["值"] == "12345" and "联系电话" in by_row["9"]["原因"]
    assert by_row["11"]["原因"] == "客户编码 不能为空" or "为空" in by_row["11"]["原因"]
    assert by_row["13"]["原因"] == "与第 7 行的键相同但内容不同，未导入"


def test_importing_the_same_file_twice_changes_nothing(store, table):
    path = table("客户", DIRTY)
    import_file(store, path, "retailers", tr=ZH)
    changes = len(store.query("SELECT * FROM retailer_changes"))
    second = import_file(store, path, "retailers", tr=ZH)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 4)
    assert not second.changed
    assert "没有变化" in second.summary(ZH)
    assert len(store.query("SELECT * FROM retailer_changes")) == changes
    # the second run's rejects did not overwrite the first run's
    assert second.rejects_path.endswith("客户.rejects-2.csv")


@pytest.mark.parametrize("suffix", [".csv", ".xls", ""])
def test_an_xlsx_named_otherwise_is_read_as_the_xlsx_it_is(store, table, suffix):
    """A workbook saved with another name (客户.csv, 客户.xls, no suffix) is read by what it
    is, as its CSV twin renamed .xlsx is: openpyxl, given the name, refused it in English."""
    path = table("客户", DIRTY, "xlsx")
    named = path.rename(path.with_suffix(suffix))
    r = import_file(store, named, "retailers", tr=ZH)
    assert (r.new, r.encoding) == (4, "XLSX")
    assert store.scalar("SELECT count(*) FROM retailers") == 4


def test_changed_fields_go_to_the_audit_trail_with_the_file(store, table):
    import_file(store, table("a", DIRTY), "retailers", tr=ZH)
    rows = [HEADER, [*DIRTY[3][:3], "13900000000", *DIRTY[3][4:]]]
    r = import_file(store, table("更新", rows), "retailers", tr=ZH)
    assert (r.new, r.updated) == (0, 1)
    change = store.retailer_changes("0370102001")[0]
    assert (change["field"], change["old"], change["new"]) == (
        "phone",
        "13972770615",
        "13900000000",
    )
    assert change["source"] == "import:更新.csv"


def test_xlsx_numbers_dates_and_sheet(store, table):
    rows = [
        ["客户编码", "客户名称", "许可证号", "线路顺序", "有效期至", "示范户"],
        [370102100001, "数字编码店", 370102267680.0, 3, dt.datetime(2028, 1, 21), True],
        [370102100002, "序号日期店", "370102267681", 4.0, 46303, False],
    ]
    path = table("客户", rows, "xlsx", sheet="客户明细")
    with pytest.raises(ImportFileError) as raised:
        import_file(store, path, "retailers", sheet="Sheet9", tr=ZH)
    assert re.search("没有名为 Sheet9 的工作表；可用的工作表：客户明细", ZH.message(raised.value))
    r = import_file(store, path, "retailers", sheet="客户明细", tr=ZH)
    assert (r.new, r.rejected) == (2, 0)
    a = store.get_retailer("370102100001")
    assert (a["licence_no"], a["route_seq"], a["licence_expiry"], a["model_outlet"]) == (
        "370102267680",
        3,
        "2028-01-21",
        1,
    )
    assert store.get_retailer("370102100002")["licence_expiry"] == "2026-10-08"


def test_a_file_without_the_required_columns_is_refused(store, table):
    path = table("x", [["标题"], ["编号", "店铺", "电话"], ["1", "a", "13900000000"]])
    with pytest.raises(ImportFileError) as err:
        import_file(store, path, "retailers", tr=ZH)
    msg = ZH.message(err.value)
    assert "编号、店铺、电话" in msg and "客户编码" in msg and "客户名称" in msg
    assert store.count_retailers(status=None) == 0


@pytest.mark.parametrize("kind", ["retailers", "brands"])
def test_an_orders_file_is_not_read_as_retailers_or_brands(store, table, kind):
    """An orders export names a customer code and name, and a brand code and name: read as
    retailers or brands it matched, and its dates and quantities went into their records. It
    is refused, in the preview too, and nothing is written."""
    from tests.data.importers.conftest import H

    header = [*H[:1], "客户名称", *H[1:]]
    row = [
        "370102100002",
        "和平烟酒",
        "2026-10-08",
        "6901028075763",
        "中华(硬)",
        "10",
        "3800",
        "380",
    ]
    path = table("orders", [header, row])
    for call in (
        lambda: import_file(store, path, kind, tr=ZH),
        lambda: preview(path, kind, store.rules),
    ):
        with pytest.raises(ImportFileError) as err:
            call()
        said = ZH.message(err.value)
        assert said.startswith("这是订单明细") and "khtui import orders" in said
    assert store.count_retailers(status=None) == 0
    assert store.scalar("SELECT count(*) FROM brands") == 0
    assert import_file(store, path, "orders", tr=ZH).new == 1  # as orders it is read


def test_dry_run_counts_and_writes_nothing(store, table):
    r = import_file(store, table("客户", DIRTY), "retailers", dry_run=True, tr=ZH)
    assert (r.new, r.rejected, r.dry_run) == (4, 4, True)
    assert store.count_retailers(status=None) == 0
    assert "试运行" in r.summary(ZH)


def test_rejects_path_is_never_overwritten(store, table, tmp_path):
    target = tmp_path / "bad.csv"
    target.write_text("keep me", encoding="utf-8")
    r = import_file(store, table("客户", DIRTY), "retailers", rejects=target, tr=ZH)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert r.rejects_path == str(tmp_path / "bad-2.csv")


def test_preview_shows_mapping_before_writing(store, table, rules):
    p = preview(table("客户", DIRTY, "gb18030"), "retailers", rules)
    assert (p.encoding, p.header_row) == ("GB18030", 3)
    assert p.mapping["code"] == "客户 编码"
    assert p.mapping["scale"] == "经营规模（大/中/小）"
    assert p.extra_columns == ["备注"]
    assert p.rows[0][0] == "0370102001"
    assert store.count_retailers(status=None) == 0


def test_extra_columns_are_kept_as_json(store, table):
    import_file(store, table("客户", DIRTY), "retailers", tr=ZH)
    raw = store.scalar("SELECT extra FROM retailers WHERE code = '370102005'")
    assert json.loads(raw) == {"备注": "新店"}
