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
