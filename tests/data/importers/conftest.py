"""Helpers that write the same table in every format and encoding the importers accept."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest

FORMATS = ("utf-8", "utf-8-sig", "gb18030", "xlsx", "xls-html", "xls-biff")


def write_table(path: Path, rows: list[list[object]], fmt: str, sheet: str = "Sheet1") -> Path:
    """Write ``rows`` (title rows, header, data, totals) as ``fmt``; returns the file's path."""
    if fmt in ("utf-8", "utf-8-sig", "gb18030"):
        path = path.with_suffix(".csv")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(
            [["" if c is None else c for c in r] for r in rows]
        )
        path.write_bytes(buf.getvalue().encode(fmt))
    elif fmt == "xlsx":
        from openpyxl import Workbook

        path = path.with_suffix(".xlsx")
        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        for r in rows:
            ws.append(list(r))
        wb.save(path)
    elif fmt == "xls-html":
        path = path.with_suffix(".xls")
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(c if c is not None else ''))}</td>" for c in r)
            + "</tr>"
            for r in rows
        )
        text = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb18030">'
            f"</head><body><table border=1>{body}</table></body></html>"
        )
        path.write_bytes(text.encode("gb18030"))
    elif fmt == "xls-biff":
        import xlwt

        path = path.with_suffix(".xls")
        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet(sheet)
        for i, r in enumerate(rows):
            for j, c in enumerate(r):
                if c is not None:
                    ws.write(i, j, c)
        wb.save(str(path))
    else:
        raise ValueError(fmt)
    return path


def read_rejects(path: str | Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def table(tmp_path):
    def make(name: str, rows, fmt: str = "utf-8", sheet: str = "Sheet1") -> Path:
        return write_table(tmp_path / name, rows, fmt, sheet)

    return make


# -- orders ---------------------------------------------------------------------------------
# the header of an orders file as the company's system writes it
H = ["客户编码", "订货日期", "卷烟编码", "卷烟名称", "订货量（条）", "金额（元）", "批发价"]


def assert_aggregates_match(store):
    """The monthly aggregates equal a fresh GROUP BY of the stored lines."""
    want = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in store.query(
            "SELECT retailer_code, substr(order_date, 1, 7), sum(qty_tiao), round(sum(amount), 2), "
            "count(*) FROM order_lines GROUP BY 1, 2"
        )
    }
    got = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in store.query(
            "SELECT retailer_code, month, qty_tiao, amount, lines FROM monthly_sales"
        )
    }
    assert got == want
    want_b = store.query(
        "SELECT retailer_code, substr(order_date, 1, 7), brand_code, sum(qty_tiao), "
        "round(sum(amount), 2) FROM order_lines "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    got_b = store.query("SELECT * FROM monthly_brand_sales ORDER BY 1, 2, 3")
    assert [tuple(r) for r in got_b] == [tuple(r) for r in want_b]
