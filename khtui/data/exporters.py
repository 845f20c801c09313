"""Exports for Excel and the provincial system: CSV (UTF-8 with BOM) or XLSX, Chinese headers.

Retailer headers are the first synonym of each field in the rules' ``[import.retailers]`` table
(the record's own Chinese label for the others), so an export re-imports unchanged; imported
columns khtui does not know (``extra``) follow, by name. Codes stay text (in XLSX too).
Derived values are not exported with retailers: they are recomputed from the orders, and a
file that is imported again must not carry stale ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from khtui.domain.planning import REASON_ZH
from khtui.domain.retailer import FIELDS

EXPORT_KINDS = ("retailers", "visits", "captures", "complaints", "prices", "plan", "suggestions")

VISIT_STATUS = {
    "planned": "计划",
    "checked_in": "已到店",
    "done": "已完成",
    "skipped": "未访",
    "rescheduled": "已改期",
}
COMPLAINT_STATUS = {
    "open": "待处理",
    "forwarded": "已转办",
    "answered": "已答复",
    "closed": "已办结",
}
PLAN_STATUS = {"draft": "草稿", "submitted": "已提交", "approved": "已审批"}


class ExportError(Exception):
    """An export that cannot be written; the message says what to do."""


def _yes(v: Any) -> str:
    return "" if v is None else ("是" if int(v) else "否")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(v)
    return str(v)


def _labels(values: str | None, names: dict[str, str]) -> str:
    try:
        items = json.loads(values or "[]")
    except ValueError:
        return values or ""
    return "、".join(names.get(x, str(x)) for x in items)


def retailer_table(store) -> tuple[list[str], list[list[Any]]]:
    synonyms = store.rules.header_synonyms("retailers")
    headers = []
    for f in FIELDS:
        names = synonyms.get(f.name)
        headers.append(names[0] if names else f.zh)
    rows_db = store.query("SELECT * FROM retailers ORDER BY code")
    extra_keys: list[str] = []
    seen = set(headers)
    extras = []
    for r in rows_db:
        extra = json.loads(r["extra"] or "{}")
        extras.append(extra)
        for k in extra:
            if k not in seen:
                seen.add(k)
                extra_keys.append(k)
    extra_keys.sort()
    rows = []
    for r, extra in zip(rows_db, extras, strict=True):
        row = []
        for f in FIELDS:
            v = r[f.name]
            row.append(_yes(v) if f.type == "bool" else _text(v))
        row += [_text(extra.get(k)) for k in extra_keys]
        rows.append(row)
    return headers + extra_keys, rows


def _range(col: str, start: dt.date | None, end: dt.date | None) -> tuple[str, list]:
    where, params = [], []
    if start:
        where.append(f"{col} >= ?")
        params.append(start.isoformat())
    if end:
        where.append(f"{col} <= ?")
        params.append(end.isoformat())
    return (" AND " + " AND ".join(where) if where else ""), params


def visit_table(store, start, end, *, plan_only=False) -> tuple[list[str], list[list[Any]]]:
    cond, params = _range("v.planned_date", start, end)
    if plan_only:
        cond += " AND v.plan_id IS NOT NULL"
    rows = store.query(
        "SELECT v.*, r.name, r.route, p.month, p.status AS plan_status FROM visits v "
        "LEFT JOIN retailers r ON r.code = v.retailer_code "
        "LEFT JOIN visit_plans p ON p.id = v.plan_id "
        f"WHERE 1 = 1{cond} ORDER BY v.planned_date, v.seq, v.retailer_code",
        params,
    )
    if plan_only:
        headers = ["计划月份", "计划状态", "拜访日期", "顺序", "客户编码", "客户名称", "送货线路",
                   "拜访原因", "服务措施"]  # fmt: skip
        return headers, [
            [
                r["month"],
                PLAN_STATUS.get(r["plan_status"], r["plan_status"] or ""),
                r["planned_date"],
                r["seq"],
                r["retailer_code"],
                r["name"] or "",
                r["route"] or "",
                _labels(r["reasons"], REASON_ZH),
                _labels(r["measures"], {}),
            ]
            for r in rows
        ]
    headers = ["拜访日期", "顺序", "客户编码", "客户名称", "送货线路", "状态", "拜访原因",
               "服务措施", "临时拜访", "到店时间", "完成时间", "未访原因"]  # fmt: skip
    return headers, [
        [
            r["planned_date"],
            r["seq"],
            r["retailer_code"],
            r["name"] or "",
            r["route"] or "",
            VISIT_STATUS.get(r["status"], r["status"]),
            _labels(r["reasons"], REASON_ZH),
            _labels(r["measures"], {}),
            _yes(r["adhoc"]),
            r["checked_in_at"] or "",
            r["done_at"] or "",
            r["skip_reason"] or "",
        ]
        for r in rows
    ]


def capture_table(store, start, end) -> tuple[list[str], list[list[Any]]]:
    from khtui.domain.capture import KIND_BY_KEY

    cond, params = _range("c.captured_on", start, end)
    rows = store.query(
        "SELECT c.*, r.name FROM captures c LEFT JOIN retailers r ON r.code = c.retailer_code "
        f"WHERE c.is_draft = 0{cond} ORDER BY c.captured_on, c.created_at",
        params,
    )

    def kind_name(k: str) -> str:
        spec = KIND_BY_KEY.get(k)
        return spec.zh if spec else k

    headers = ["采集日期", "客户编码", "客户名称", "类型", "内容"]
    return headers, [
        [
            r["captured_on"],
            r["retailer_code"] or "",
            r["name"] or "",
            kind_name(r["kind"]),
            _payload_text(r["payload"]),
        ]
        for r in rows
    ]


def _payload_text(payload: str | None) -> str:
    try:
        data = json.loads(payload or "{}")
    except ValueError:
        return payload or ""
    if isinstance(data, dict):
        return "；".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", [], {}))
    return str(data)


def complaint_table(store, start, end) -> tuple[list[str], list[list[Any]]]:
    cond, params = _range("c.raised_on", start, end)
    routes = store.rules.complaint_routes
    rows = store.query(
        "SELECT c.*, r.name FROM complaints c LEFT JOIN retailers r ON r.code = c.retailer_code "
        f"WHERE 1 = 1{cond} ORDER BY c.raised_on, c.created_at",
        params,
    )
    headers = ["登记日期", "客户编码", "客户名称", "类别", "责任部门", "答复期限", "状态",
               "问题描述", "答复", "处理结果", "转办日期", "答复日期", "办结日期"]  # fmt: skip
    return headers, [
        [
            r["raised_on"],
            r["retailer_code"],
            r["name"] or "",
            routes[r["category"]].name if r["category"] in routes else r["category"],
            r["department"],
            r["due_on"],
            COMPLAINT_STATUS.get(r["status"], r["status"]),
            r["description"],
            r["answer"] or "",
            r["resolution"] or "",
            r["forwarded_on"] or "",
            r["answered_on"] or "",
            r["closed_on"] or "",
        ]
        for r in rows
    ]


def price_table(store, start, end) -> tuple[list[str], list[list[Any]]]:
    cond, params = _range("p.observed_on", start, end)
    rows = store.query(
        "SELECT p.*, r.name, b.name AS brand_name FROM price_observations p "
        "LEFT JOIN retailers r ON r.code = p.retailer_code "
        "LEFT JOIN brands b ON b.brand_code = p.brand_code "
        f"WHERE p.is_draft = 0{cond} ORDER BY p.observed_on, p.retailer_code, p.brand_code",
        params,
    )
    headers = ["采集日期", "客户编码", "客户名称", "卷烟编码", "卷烟名称", "实际零售价",
               "零售指导价", "明码标价", "库存(条)", "上摊"]  # fmt: skip
    return headers, [
        [
            r["observed_on"],
            r["retailer_code"],
            r["name"] or "",
            r["brand_code"],
            r["brand_name"] or "",
            r["retail_price"],
            r["guide_price"],
            _yes(r["marked_price"]),
            r["stock_tiao"],
            _yes(r["on_shelf"]),
        ]
        for r in rows
    ]


# Columns written as text whatever they hold (codes keep their leading zeros in Excel).
TEXT_HEADERS = {"客户编码", "许可证号", "卷烟编码", "联系电话"}


def export_table(
    store, kind: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[list[str], list[list[Any]]]:
    if kind == "retailers":
        return retailer_table(store)
    if kind == "visits":
        return visit_table(store, start, end)
    if kind == "plan":
        if start is None and end is None:
            today = store.today()
            start = today.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return visit_table(store, start, end, plan_only=True)
    if kind == "captures":
        return capture_table(store, start, end)
    if kind == "complaints":
        return complaint_table(store, start, end)
    if kind == "prices":
        return price_table(store, start, end)
    if kind == "suggestions":
        return store.suggestion_table(start)
    raise ExportError(kind)


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])


def write_xlsx(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    text_cols = {i for i, h in enumerate(headers) if h in TEXT_HEADERS}
    for row in rows:
        out = []
        for i, v in enumerate(row):
            if v is None or v == "":
                out.append(None)
                continue
            if i in text_cols or not isinstance(v, int | float):
                cell = WriteOnlyCell(ws, value=str(v))
                cell.number_format = "@"
            else:
                cell = WriteOnlyCell(ws, value=v)
            out.append(cell)
        ws.append(out)
    wb.save(path)


def export(
    store,
    kind: str,
    out: str | os.PathLike,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    force: bool = False,
) -> int:
    """Write one export; returns the number of data rows. The file appears whole or not at all."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError("suffix")
    if out.exists() and not force:
        raise ExportError("exists")
    headers, rows = export_table(store, kind, start=start, end=end)
    tmp = out.with_name(f".{out.name}.part")
    try:
        if suffix == ".csv":
            write_csv(tmp, headers, rows)
        else:
            write_xlsx(tmp, headers, rows, kind)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows)
