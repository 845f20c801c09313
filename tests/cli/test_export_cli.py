"""`khtui export`: files read back. Text never becomes a formula (XLSX string cells, CSV
neutralised unless --raw), codes stay text, --mask shortens phones and licence numbers, and
the captures workbook has one sheet per kind with real columns."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.cells import neutralise, restore
from khtui.data.store import Store
from tests.conftest import seed_reports

HOSTILE = '=HYPERLINK("http://x.example","点我")'


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "k.db"
    s = Store(path, create=True, user="张经理")
    seed_reports(s)
    with s.write() as conn:
        conn.execute(
            "UPDATE retailers SET phone = '13897873251', licence_no = '370102100001' "
            "WHERE code = 'R001'"
        )
        conn.execute(
            "UPDATE complaints SET description = ? WHERE retailer_code = 'R001'", (HOSTILE,)
        )
        conn.execute(
            "UPDATE complaints SET description = '店主电话 13897873251 打不通' "
            "WHERE retailer_code = 'R005'"
        )
    s.close()
    return path


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")
        )


def test_a_formula_in_a_text_is_never_a_formula(db, tmp_path):
    xlsx, csv_out, raw = tmp_path / "c.xlsx", tmp_path / "c.csv", tmp_path / "raw.csv"
    assert run(db, "export", "complaints", str(xlsx)).exit_code == 0
    assert "<f>" not in sheet_xml(xlsx)  # no formula anywhere in the sheet
    ws = openpyxl.load_workbook(xlsx).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == HOSTILE]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert run(db, "export", "complaints", str(csv_out)).exit_code == 0
    rows = list(csv.reader(csv_out.open(encoding="utf-8-sig")))
    described = [r[7] for r in rows[1:]]
    assert neutralise(HOSTILE) in described and HOSTILE not in described
    assert restore(neutralise(HOSTILE)) == HOSTILE
    r = run(db, "export", "complaints", str(raw), "--raw")
    assert r.exit_code == 0, r.output
    assert HOSTILE in [r[7] for r in csv.reader(raw.open(encoding="utf-8-sig"))]


def test_raw_is_for_csv_only(db, tmp_path):
    r = run(db, "export", "complaints", str(tmp_path / "c.xlsx"), "--raw")
    assert r.exit_code == 1 and r.output.count("\n") == 1 and ".csv" in r.output


def test_numbers_stay_numbers_and_codes_text(db, tmp_path):
    out = tmp_path / "p.xlsx"
    assert run(db, "export", "prices", str(out)).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["实际零售价"].data_type == "n" and isinstance(row["实际零售价"].value, int | float)
    assert row["客户编码"].data_type == "s" and row["客户编码"].number_format == "@"
    assert row["采集日期"].is_date


def test_exports_default_to_xlsx(db, tmp_path, monkeypatch):
    monkeypatch.setenv("KHTUI_EXPORT_DIR", str(tmp_path / "exports"))
    r = run(db, "export", "visits")
    assert r.exit_code == 0, r.output
    [made] = (tmp_path / "exports").iterdir()
    assert made.name == "visits_2026-11-23.xlsx"
    r = run(db, "export", "visits", str(tmp_path / "no-suffix"))
    assert r.exit_code == 0 and (tmp_path / "no-suffix.xlsx").exists()


def test_mask_shortens_phones_and_licences(db, tmp_path):
    out = tmp_path / "r.xlsx"
    assert run(db, "export", "retailers", str(out), "--mask").exit_code == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    first = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert first["客户编码"] == "R001"  # codes are not masked
    assert first["联系电话"] == "*******3251" and first["许可证号"] == "********0001"
    text = sheet_xml(out)
    assert "13897873251" not in text and "370102100001" not in text
    c = tmp_path / "c.csv"
    assert run(db, "export", "complaints", str(c), "--mask").exit_code == 0
    body = c.read_text(encoding="utf-8-sig")
    assert "店主电话 *******3251 打不通" in body and "13897873251" not in body


def test_captures_one_sheet_per_kind_with_real_columns(db, tmp_path):
    out = tmp_path / "cap.xlsx"
    r = run(db, "export", "captures", str(out))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    # the seed has a retailer dynamic and an opinion (drafts are left out), and a price grid
    assert wb.sheetnames == ["客户动态", "客户意见建议", "价格与库存明细"]
    dyn = list(wb["客户动态"].iter_rows(values_only=True))
    assert dyn[0] == ("采集日期", "客户编码", "客户名称", "动态", "日期", "说明")
    assert dyn[1][1:] == ("R005", "新村超市", "装修", None, "下周重新开业")
    assert dyn[1][0].date().isoformat() == "2026-11-19"
    grid = wb["价格与库存明细"]
    rows = list(grid.iter_rows(values_only=True))
    assert rows[0] == ("采集日期", "客户编码", "客户名称", "卷烟名称", "卷烟编码", "实际零售价",
                       "零售指导价", "偏离(%)", "明码标价", "库存(条)", "上摊")  # fmt: skip
    # brands by name, no empty rows, the deviation worked out
    assert all(r[3] and not r[3].startswith("B") for r in rows[1:])
    assert ("老街食杂店", "红金龙(软)", 44, 50, -12.0) in [
        (r[2], r[3], r[5], r[6], r[7]) for r in rows[1:]
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert ws.column_dimensions["C"].width > 8
    # CSV: one table, the kinds' fields as columns
    c = tmp_path / "cap.csv"
    assert run(db, "export", "captures", str(c)).exit_code == 0
    head = next(csv.reader(c.open(encoding="utf-8-sig")))
    assert head[:4] == ["采集日期", "客户编码", "客户名称", "类型"] and "动态" in head


def test_an_xlsx_into_a_missing_folder_is_one_line_and_nothing_else(db, tmp_path):
    """The workbook's sheets had begun to stream when saving failed: after the error line,
    Python printed what they said as they were collected (LxmlSyntaxError); the program is
    run whole, as the user runs it, to see all it prints."""
    import os
    import subprocess
    import sys

    out = tmp_path / "missing" / "r.xlsx"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    r = subprocess.run(
        [sys.executable, "-m", "khtui", "--db", str(db), "export", "retailers", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr == f"错误: 文件夹 {out.parent} 不存在；请先创建它，或换一个位置\n"
    assert not out.parent.exists()


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["export", "retailers", ""], "OUT"),
        (["export", "retailers", " "], "OUT"),
        (["import", "retailers", ""], "FILE"),
        (["backup", ""], "OUT"),
        (["restore", "", "--yes"], "BACKUP"),
    ],
)
def test_an_empty_file_argument_is_a_usage_error(db, tmp_path, args, name, monkeypatch):
    """click makes '' the current folder: it is refused as empty, not as a folder."""
    monkeypatch.chdir(tmp_path)
    before = db.read_bytes()
    r = run(db, *args)
    assert r.exit_code == 2, r.output
    command = " ".join(a for a in args[:1])
    assert (
        r.stderr == f"错误: {name} 是空的（要一个文件路径）（`khtui {command} --help` 查看用法）\n"
    )
    assert r.stdout == "" and db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.db"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "retailers", "."], ". 是文件夹；请在后面加上文件名，例如 文件名.xlsx"),
        (["backup", ".."], ".. 是文件夹；请在后面加上文件名，例如 ../文件名.db"),
        (["import", "retailers", "."], ". 是文件夹，不是文件；请给出要读取的那个文件"),
        (["restore", ".", "--yes"], ". 是文件夹，不是文件；请给出要读取的那个文件"),
    ],
)
def test_a_folder_as_the_file_argument_is_refused_as_a_folder(
    db, tmp_path, args, message, monkeypatch
):
    """``.`` and ``..`` are folders: refused in the words for a folder, as any other is."""
    monkeypatch.chdir(tmp_path)
    before = db.read_bytes()
    r = run(db, *args)
    assert r.exit_code == 1, r.output
    assert r.stderr == f"错误: {message}\n"
    assert r.stdout == "" and db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.db"]
