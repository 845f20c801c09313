"""`khtui demo --examples DIR`: example import files in the company's formats, consistent with
each other and importable into a fresh database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from khtui.cli import main
from khtui.data.store import Store


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    r = run("demo", "--examples", str(folder), "--today", "2026-11-23", "--json")
    assert r.exit_code == 0, r.output
    return folder, json.loads(r.stdout)


def test_three_files_in_the_companys_formats(examples):
    folder, summary = examples
    raw = (folder / "retailers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # GBK, as a Windows system in China writes it
    text = raw.decode("gbk")
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["客户编码", "客户名称", "许可证号"] and "城乡类型" in header
    assert len(text.splitlines()) == summary["n_retailers"] + 1
    assert (folder / "brands.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    ws = load_workbook(folder / "orders.xlsx", read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert "订单明细表" in rows[0][0] and rows[1][0] == "客户编码"
    assert rows[-1][0] == "合计" and len(rows) == summary["n_order_lines"] + 3


def test_they_import_into_a_fresh_database_without_a_reject(examples, tmp_path):
    folder, summary = examples
    db = tmp_path / "new.db"
    for kind, name, n in (
        ("retailers", "retailers.csv", summary["n_retailers"]),
        ("brands", "brands.csv", summary["n_brands"]),
        ("orders", "orders.xlsx", summary["n_order_lines"]),
    ):
        r = run("--db", str(db), "import", kind, str(folder / name), "--json")
        assert r.exit_code == 0, r.output
        result = json.loads(r.stdout)
        assert (result["read"], result["new"], result["rejected"]) == (n, n, 0), result
    s = Store(db)
    try:
        qty, amount = s.query_one("SELECT sum(qty_tiao), sum(amount) FROM order_lines")
        unknown_brands = s.scalar(
            "SELECT count(*) FROM order_lines WHERE brand_code NOT IN (SELECT brand_code FROM brands)"
        )
        leading_zero = s.scalar("SELECT count(*) FROM retailers WHERE code LIKE '0%'")
    finally:
        s.close()
    total = list(load_workbook(folder / "orders.xlsx", read_only=True).active.values)[-1]
    assert (round(qty, 2), round(amount, 2)) == (total[5], total[6])  # the 合计 row agrees
    assert unknown_brands == 0
    lines = (folder / "retailers.csv").read_bytes().decode("gbk").splitlines()[1:]
    zeros = sum(1 for line in lines if line.startswith("0"))
    assert zeros and leading_zero == zeros  # codes kept their leading zeros


def test_existing_files_are_kept_unless_force(examples):
    folder, _summary = examples
    before = (folder / "retailers.csv").read_bytes()
    r = run("demo", "--examples", str(folder), "--today", "2026-11-23")
    assert r.exit_code == 1 and "--force" in r.stderr
    r = run("demo", "--examples", str(folder), "--today", "2026-11-23", "--force")
    assert r.exit_code == 0 and "khtui --db" in r.stdout
    assert (folder / "retailers.csv").read_bytes() == before  # the same seed, the same file
