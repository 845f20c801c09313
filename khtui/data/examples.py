"""Example import files in the company's formats (``khtui demo --examples DIR``).

Three files made from a small demo dataset (the same seed gives the same files), consistent with
each other and importable into a fresh database in this order:

* ``retailers.csv`` — 零售客户信息 as the marketing system exports it: GBK, Chinese headers;
* ``brands.csv`` — 卷烟信息, UTF-8 with a byte-order mark (as Excel saves "CSV UTF-8");
* ``orders.xlsx`` — 订单明细: a title row above the header and a 合计 totals row at the bottom,
  every order line of the retailers above in the last months.

``khtui import retailers retailers.csv`` creates the database; then brands, then orders.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from khtui.data.base import StoreError

EXAMPLE_RETAILERS = 40
EXAMPLE_MONTHS = 3
FILES = ("retailers.csv", "brands.csv", "orders.xlsx")

RETAILER_COLUMNS = (
    ("客户编码", "code"),
    ("客户名称", "name"),
    ("许可证号", "licence_no"),
    ("负责人", "owner"),
    ("联系电话", "phone"),
    ("经营地址", "address"),
    ("业态", "business_format"),
    ("城乡类型", "market_type"),
    ("经营规模", "scale"),
    ("送货线路", "route"),
    ("线路顺序", "route_seq"),
    ("订货周期", "order_day"),
    ("结算方式", "settlement"),
    ("经营状态", "status"),
    ("诚信等级", "credit_grade"),
    ("有效期至", "licence_expiry"),
    ("弱势群体", "vulnerable"),
    ("示范户", "model_outlet"),
)
BRAND_COLUMNS = (
    ("卷烟编码", "brand_code"),
    ("卷烟名称", "name"),
    ("生产厂家", "manufacturer"),
    ("类别", "class"),
    ("批发价", "wholesale_price"),
    ("零售指导价", "guide_price"),
    ("重点品牌", "is_key"),
    ("新品", "is_new"),
    ("上市日期", "launch_date"),
)
ORDER_HEADER = (
    "客户编码",
    "客户名称",
    "订货日期",
    "卷烟编码",
    "卷烟名称",
    "订货量(条)",
    "金额(元)",
    "批发价",
)
FLAGS = ("vulnerable", "model_outlet", "is_key", "is_new")
MARKET_WORDS = {
    "城镇": "城市",
    "乡村": "农村",
}  # as the export writes them (the importer folds them)


class ExamplesExistError(StoreError):
    """An example file is already there (and replacing was not asked for)."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


@dataclass(frozen=True)
class ExampleFiles:
    """The files written and what they hold."""

    folder: Path
    retailers: Path
    brands: Path
    orders: Path
    n_retailers: int
    n_brands: int
    n_order_lines: int
    first_day: str
    last_day: str


def write_examples(
    folder: str | os.PathLike,
    *,
    seed: int,
    today: dt.date,
    rules=None,
    replace: bool = False,
) -> ExampleFiles:
    """Write the three example files into ``folder`` (created if missing). Refuses a file that
    exists unless ``replace``; nothing is written then."""
    from khtui.data.demo import build_demo
    from khtui.data.store import Store

    folder = Path(folder).expanduser()
    targets = [folder / name for name in FILES]
    if not replace:
        for target in targets:
            if target.exists():
                raise ExamplesExistError(target)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="khtui-examples-") as tmp:
        db = Path(tmp) / "examples.db"
        build_demo(
            db,
            retailers=EXAMPLE_RETAILERS,
            months=EXAMPLE_MONTHS,
            seed=seed,
            today=today,
            rules=rules,
        )
        store = Store(db, rules=rules)
        try:
            retailers = [dict(r) for r in store.query("SELECT * FROM retailers ORDER BY code")]
            brands = [dict(r) for r in store.query("SELECT * FROM brands ORDER BY brand_code")]
            lines = store.query(
                "SELECT o.*, r.name AS retailer_name FROM order_lines o "
                "JOIN retailers r ON r.code = o.retailer_code "
                "ORDER BY o.order_date, o.retailer_code, o.brand_code"
            )
            company = store.meta("company") or ""
        finally:
            store.close()
    _write_retailers(targets[0], retailers)
    _write_brands(targets[1], brands)
    first, last = lines[0]["order_date"], lines[-1]["order_date"]
    _write_orders(targets[2], lines, title=_title(company, first, last))
    retailers_csv, brands_csv, orders_xlsx = targets
    return ExampleFiles(
        folder, retailers_csv, brands_csv, orders_xlsx, len(retailers), len(brands), len(lines),
        first, last,
    )  # fmt: skip


def _cell(row: dict, field: str) -> str:
    value = row.get(field)
    if field in FLAGS:
        return "是" if value else "否"
    if field == "market_type":
        return MARKET_WORDS.get(value or "", value or "")
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}" if field.endswith("price") else f"{value:g}"
    return str(value)


def _write_csv(
    path: Path, columns: tuple[tuple[str, str], ...], rows: list[dict], encoding: str
) -> None:
    """The header of ``columns`` (header, field) and a line a row."""
    with path.open("w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh)
        out.writerow([h for h, _ in columns])
        out.writerows([_cell(r, f) for _, f in columns] for r in rows)


def _write_retailers(path: Path, rows: list[dict]) -> None:
    """GBK, as a Windows system in China writes CSV."""
    _write_csv(path, RETAILER_COLUMNS, rows, "gbk")


def _write_brands(path: Path, rows: list[dict]) -> None:
    """UTF-8 with a byte-order mark (Excel's "CSV UTF-8")."""
    _write_csv(path, BRAND_COLUMNS, rows, "utf-8-sig")


def _title(company: str, first: str, last: str) -> str:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return f"{company}订单明细表 {a.year}年{a.month:02d}月—{b.year}年{b.month:02d}月".strip()


def _write_orders(path: Path, lines, *, title: str) -> None:
    """A title row, the header, the lines, and a 合计 row summing quantity and amount."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("订单明细")
    ws.append([title])
    ws.append(list(ORDER_HEADER))
    qty = amount = 0.0
    for r in lines:
        ws.append(
            [
                r["retailer_code"],
                r["retailer_name"],
                r["order_date"],
                r["brand_code"],
                r["brand_name"],
                r["qty_tiao"],
                r["amount"],
                r["price"],
            ]
        )
        qty += r["qty_tiao"]
        amount += r["amount"]
    ws.append(["合计", None, None, None, None, round(qty, 2), round(amount, 2), None])
    wb.save(path)


__all__ = [
    "EXAMPLE_MONTHS",
    "EXAMPLE_RETAILERS",
    "FILES",
    "ExampleFiles",
    "ExamplesExistError",
    "write_examples",
]
