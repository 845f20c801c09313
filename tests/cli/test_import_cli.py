import csv
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khtui.cli import main

TODAY = "2026-11-23"
# (monthly 件 over Aug..Oct 2026, expected tier): every bound and just above it
BOUNDS = [(20, 2), (20.02, 1), (14, 3), (14.02, 2), (10, 4), (10.02, 3), (7, 5), (7.02, 4),
          (4, 6), (4.02, 5), (2, 7), (2.02, 6), (1, 8), (1.02, 7), (0, 8)]  # fmt: skip


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def bounds_db(tmp_path):
    """A database that does not exist yet, filled by `khtui import` from files."""
    db = tmp_path / "new" / "khtui.db"
    db.parent.mkdir()  # a folder the user names is never made for them
    retailers = [["客户编码", "客户名称", "业态", "市场类型", "经营规模"]] + [
        [f"0370{i:04d}", f"测试店{i}", "食杂店", "城镇", "小"] for i in range(len(BOUNDS))
    ]
    orders = [["客户编码", "订货日期", "卷烟编码", "订货量(条)", "金额(元)"]]
    sticks = [["客户编码", "订货日期", "卷烟编码", "订货量(支)", "金额(元)"]]
    for i, (jian, _) in enumerate(BOUNDS):
        tiao = round(jian * 50)  # 20.02 件 = 1001 条
        for month in ("08", "09", "10"):
            if tiao == 0:
                continue
            if i == 0:  # one retailer's orders come in 支: 1000 条 = 200000 支
                sticks.append([f"0370{i:04d}", f"2026-{month}-05", "B1", tiao * 200, tiao * 100])
            else:
                orders.append([f"0370{i:04d}", f"2026/{int(month)}/5", "B1", tiao, tiao * 100])
    r = run("--db", str(db), "import", "retailers", str(write_csv(tmp_path / "r.csv", retailers)))
    assert r.exit_code == 0, r.output
    r = run(
        "--db", str(db), "import", "orders", str(write_csv(tmp_path / "o.csv", orders, "gb18030"))
    )
    assert r.exit_code == 0, r.output
    assert "o.csv（GB18030）" in r.output
    r = run("--db", str(db), "import", "orders", str(write_csv(tmp_path / "s.csv", sticks)))
    assert r.exit_code == 0, r.output
    return db


@pytest.mark.parametrize(("i", "jian", "tier"), [(i, j, t) for i, (j, t) in enumerate(BOUNDS)])
def test_tier_at_every_boundary_after_import(bounds_db, i, jian, tier):
    r = run("--db", str(bounds_db), "retailer", f"0370{i:04d}", "--as-of", TODAY, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["monthly_avg_jian"] == pytest.approx(jian)
    assert data["tier"] == tier


def test_import_creates_the_database_and_prints_one_summary_line(tmp_path):
    db = tmp_path / "fresh.db"
    path = write_csv(
        tmp_path / "retailers.csv",
        [["客户编码", "客户名称"], ["001", "甲"], ["3.1E+11", "乙"], ["002", "丙"]],
        "gb18030",
    )
    r = run("--db", str(db), "import", "retailers", str(path))
    assert r.exit_code == 0
    assert r.output.strip() == (
        "retailers.csv（GB18030）：读取 3 行，新增 2，更新 0，未变 0，拒收 1 → retailers.rejects.csv"
    )
    assert db.exists()
    assert (tmp_path / "retailers.rejects.csv").exists()
    again = run("--db", str(db), "import", "retailers", str(path))
    assert "数据库没有变化" in again.output and "retailers.rejects-2.csv" in again.output


def test_refused_file_exits_1_with_one_line(tmp_path):
    db = tmp_path / "k.db"
    path = write_csv(tmp_path / "x.csv", [["编号", "名字"], ["1", "a"]])
    r = CliRunner().invoke(main, ["--db", str(db), "import", "orders", str(path)])
    assert r.exit_code == 1
    assert len(r.output.strip().splitlines()) == 1
    assert "找到的列：编号、名字" in r.output and "缺少：客户编码" in r.output


def test_missing_file(tmp_path):
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "k.db"), "import", "orders", "nope.csv"])
    assert r.exit_code == 1 and r.output == "错误: nope.csv 不存在；请检查文件名和它所在的文件夹\n"
    assert not (tmp_path / "k.db").exists()


def test_a_refusal_names_the_file_once(tmp_path):
    """A message about the file names it once; one about its contents is said of the file."""
    db = tmp_path / "k.db"
    (tmp_path / "empty.csv").write_bytes(b"")
    r = CliRunner().invoke(main, ["--db", str(db), "import", "orders", str(tmp_path / "empty.csv")])
    assert r.exit_code == 1 and r.output == "错误: empty.csv 是空文件\n"
    path = write_csv(tmp_path / "x.csv", [["编号", "名字"], ["1", "a"]])
    r = CliRunner().invoke(main, ["--db", str(db), "import", "orders", str(path)])
    assert r.output.startswith("错误: x.csv: 找不到必需的列。")


def test_dry_run_on_a_new_database_writes_nothing(tmp_path):
    db = tmp_path / "k.db"
    path = write_csv(tmp_path / "r.csv", [["客户编码", "客户名称"], ["001", "甲"]])
    r = run("--db", str(db), "import", "retailers", str(path), "--dry-run", "--json")
    data = json.loads(r.output)
    assert (data["new"], data["dry_run"], data["changed"]) == (1, True, True)
    assert not db.exists()


def test_a_dry_run_writes_no_rejects_file_unless_asked(tmp_path):
    """A dry run writes nothing: not the rejects file beside the input either (each run left
    another -N copy); with --rejects it writes them where asked."""
    db = tmp_path / "k.db"
    path = write_csv(tmp_path / "r.csv", [["客户编码", "客户名称"], ["001", "甲"], ["", "乙"]])
    before = sorted(p.name for p in tmp_path.iterdir())
    r = run("--db", str(db), "import", "retailers", str(path), "--dry-run", "--json")
    data = json.loads(r.output)
    assert (data["rejected"], data["rejects_path"]) == (1, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    asked = tmp_path / "bad.csv"
    r = run("--db", str(db), "import", "retailers", str(path), "--dry-run", "--rejects", str(asked))
    assert r.exit_code == 0 and asked.exists()


def test_rejects_are_written_only_under_a_csv_name(tmp_path):
    """The rejected rows are CSV: --rejects naming an .xlsx is refused before anything is read
    or written (it wrote CSV into orders-2.xlsx)."""
    db = tmp_path / "k.db"
    path = write_csv(tmp_path / "r.csv", [["客户编码", "客户名称"], ["001", "甲"], ["", "乙"]])
    r = run(
        "--db", str(db), "import", "retailers", str(path), "--rejects", str(tmp_path / "x.xlsx")
    )
    assert r.exit_code == 1 and ".csv" in r.output and r.output.strip().count("\n") == 0
    assert not db.exists() and not list(tmp_path.glob("x*.xlsx"))


def test_english_summary(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["code", "name"], ["001", "A"]])
    r = run("--db", str(tmp_path / "k.db"), "--lang", "en", "import", "retailers", str(path))
    assert (
        r.output.strip() == "r.csv (UTF-8): 1 row read, 1 new, 0 updated, 0 unchanged, 0 rejected"
    )


@pytest.fixture
def filled(tmp_path):
    db = tmp_path / "k.db"
    rows = [["客户编码", "客户名称", "许可证号", "联系电话", "弱势群体", "送货线路", "线路顺序", "备注"],
            ["0370102001", "都市烟酒店", "0370102267680", "13972770615", "是", "城东一线", "1", "老客户"],
            ["0370102002", "重庆路KTV", "", "", "否", "城东一线", "2", ""]]  # fmt: skip
    run("--db", str(db), "import", "retailers", str(write_csv(tmp_path / "in.csv", rows)))
    return db


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trip(filled, tmp_path, suffix):
    first = tmp_path / f"first{suffix}"
    assert run("--db", str(filled), "export", "retailers", str(first)).exit_code == 0
    fresh = tmp_path / "fresh.db"
    r = run("--db", str(fresh), "import", "retailers", str(first))
    assert "新增 2" in r.output and "拒收 0" in r.output
    second = tmp_path / f"second{suffix}"
    run("--db", str(fresh), "export", "retailers", str(second))
    if suffix == ".csv":
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    else:
        from openpyxl import load_workbook

        a = [[c.value for c in r] for r in load_workbook(first).active.iter_rows()]
        b = [[c.value for c in r] for r in load_workbook(second).active.iter_rows()]
        assert a == b
        cell = load_workbook(first).active["A2"]
        assert (cell.value, cell.data_type, cell.number_format) == ("0370102001", "s", "@")
        assert "备注" in a[0]


def test_export_does_not_overwrite_without_force(filled, tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("mine", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(filled), "export", "retailers", str(out)])
    assert r.exit_code == 1 and "--force" in r.output
    assert out.read_text(encoding="utf-8") == "mine"
    assert run("--db", str(filled), "export", "retailers", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("客户编码,客户名称")


def test_export_other_kinds_with_dates(filled, tmp_path):
    for kind in ("visits", "captures", "complaints", "prices", "plan"):
        out = tmp_path / f"{kind}.xlsx"
        r = run(
            "--db",
            str(filled),
            "export",
            kind,
            str(out),
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        )
        assert r.exit_code == 0, r.output
        assert out.exists()
    bad = CliRunner().invoke(
        main, ["--db", str(filled), "export", "visits", str(tmp_path / "v.txt")]
    )
    assert bad.exit_code == 1


def test_backup_and_check(filled, tmp_path):
    out = tmp_path / "copy.db"
    r = run("--db", str(filled), "backup", str(out))
    assert r.exit_code == 0 and out.exists()
    r = run("--db", str(out), "retailers", "--json")
    assert [x["code"] for x in json.loads(r.output)] == ["0370102001", "0370102002"]
    assert "完整性检查通过" in run("--db", str(filled), "check").output
    broken = tmp_path / "broken.db"
    data = bytearray(out.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the page size, from the file's header
    data[page : page + 2048] = b"\x00\xff" * 1024  # damage the second page
    broken.write_bytes(bytes(data))
    r = CliRunner().invoke(main, ["--db", str(broken), "check"])
    assert r.exit_code == 1
    # the hint repeats the --db the user gave
    assert f"khtui --db {broken} backup" in r.output and "backups/" in r.output


def test_the_progress_bar_reads_then_says_it_writes(monkeypatch):
    import io

    from khtui.cli.imports import _Bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    bar = _Bar("orders.csv")
    bar(50, 100)
    assert "47%" in err.getvalue()  # reading fills 95 % of the bar
    bar(100, 100)
    assert "95%" in err.getvalue() and "orders.csv 写入数据库" in err.getvalue()
    assert "100%" not in err.getvalue()  # not done until the write is
    bar.close(finished=True)
    assert "100%" in err.getvalue()


def test_a_locked_database_is_one_clear_line_not_a_traceback(tmp_path, monkeypatch):
    """Another program holding the write lock (another khtui, an import still running):
    SQLite gives up after its busy timeout; the command says what happened, exit code 1."""
    import sqlite3

    import khtui.data.importers as importers

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(importers, "import_file", locked)
    path = tmp_path / "o.csv"
    path.write_text("客户编码,订货日期\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "k.db"), "import", "orders", str(path)])
    assert r.exit_code == 1
    assert "数据库正被另一个程序写入" in r.output and "Traceback" not in r.output


def _db_state(db):
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("retailers", "retailer_changes", "order_lines", "brands")
        ]
    finally:
        conn.close()


def test_an_unwritable_rejects_path_exits_1_with_nothing_written(tmp_path):
    """`import retailers bad.csv --rejects /nonexistent/r.csv` used to add the retailers and
    then fail on the rejects file; now it fails first, in one line, and writes nothing."""
    db = tmp_path / "k.db"
    good = write_csv(tmp_path / "r.csv", [["客户编码", "客户名称"], ["0370102001", "甲"]])
    assert run("--db", str(db), "import", "retailers", str(good)).exit_code == 0
    before = _db_state(db)
    backups = sorted((tmp_path / "backups").glob("*")) if (tmp_path / "backups").exists() else []
    bad = write_csv(
        tmp_path / "bad.csv",
        [["客户编码", "客户名称"], ["0370102002", "乙"], ["bad code!", "丙"]],
    )
    missing = tmp_path / "nonexistent" / "r.csv"
    r = run("--db", str(db), "import", "retailers", str(bad), "--rejects", str(missing))
    assert r.exit_code == 1
    assert r.output == f"错误: 文件夹 {missing.parent} 不存在；请先创建它，或换一个位置\n"
    assert _db_state(db) == before
    now = sorted((tmp_path / "backups").glob("*")) if (tmp_path / "backups").exists() else []
    assert now == backups
    assert not list(tmp_path.glob(".khtui-import-*")) and not missing.parent.exists()


ARG = st.one_of(
    st.sampled_from(
        ["--dry-run", "--json", "--sheet", "Sheet1", "--rejects", "--lang", "en", "-", ""]
    ),
    st.text(alphabet="abc./-_=长0", max_size=12),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["retailers", "orders", "brands", "visits", ""]),
    which=st.sampled_from(["good", "bad", "missing", "dir"]),
    extra=st.lists(ARG, max_size=4),
)
def test_import_arguments_never_give_a_traceback(kind, which, extra):
    """Any arguments: exit 0, 1 (one line) or 2 (usage); never a traceback, and a failed
    import writes nothing."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        db = folder / "k.db"
        seed = write_csv(folder / "seed.csv", [["客户编码", "客户名称"], ["0370102001", "甲"]])
        CliRunner().invoke(main, ["--db", str(db), "import", "retailers", str(seed)])
        before = _db_state(db)
        files = {
            "good": write_csv(folder / "g.csv", [["客户编码", "客户名称"], ["0370102002", "乙"]]),
            "bad": write_csv(folder / "b.csv", [["x", "y"], ["1", "2"]]),
            "missing": folder / "nope.csv",
            "dir": folder,
        }
        args = ["--db", str(db), "import", kind, str(files[which]), *extra]
        r = CliRunner().invoke(main, args)
        assert "Traceback" not in r.output
        assert r.exit_code in (0, 1, 2), (args, r.output, r.exception)
        if r.exit_code == 1:
            assert len(r.output.strip().splitlines()) == 1, r.output
        if r.exit_code != 0 or "--dry-run" in extra:
            assert _db_state(db) == before
        assert not list(folder.glob(".khtui-import-*"))


def test_a_failed_first_import_leaves_no_database(tmp_path):
    db = tmp_path / "new" / "k.db"
    bad = write_csv(tmp_path / "bad.csv", [["客户编码", "客户名称"], ["x!", "丙"]])
    r = run("--db", str(db), "import", "retailers", str(bad), "--rejects", str(tmp_path / "no" / "r.csv"))  # fmt: skip
    assert r.exit_code == 1
    assert not db.exists() and not list(db.parent.glob("k.db*"))


@pytest.mark.parametrize(
    "extra",
    [
        ["--sheet", "--dry-run"],  # --sheet given no value: the next option is not its value
        ["--rejects", ""],
        ["--rejects", "--json"],
    ],
)
def test_an_option_without_its_value_is_refused_and_nothing_is_written(tmp_path, extra):
    db = tmp_path / "k.db"
    seed = write_csv(tmp_path / "seed.csv", [["客户编码", "客户名称"], ["0370102001", "甲"]])
    assert run("--db", str(db), "import", "retailers", str(seed)).exit_code == 0
    before = _db_state(db)
    good = write_csv(tmp_path / "g.csv", [["客户编码", "客户名称"], ["0370102002", "乙"]])
    r = run("--db", str(db), "import", "retailers", str(good), *extra)
    assert r.exit_code == 2, r.output
    assert f"{extra[0]} 后面要跟一个值" in r.output and "Traceback" not in r.output
    assert _db_state(db) == before


def test_a_sheet_name_is_taken_as_given(tmp_path):
    db = tmp_path / "k.db"
    good = write_csv(tmp_path / "g.csv", [["客户编码", "客户名称"], ["0370102002", "乙"]])
    r = run("--db", str(db), "import", "retailers", str(good), "--sheet", "-1月", "--dry-run")
    assert r.exit_code == 0, r.output


# `khtui import orders` in a process of its own, as a user runs it; what it leaves loaded.
IMPORT_PROCESS = r"""
import json, sys
from khtui.cli import main

main(sys.argv[1:], standalone_mode=False)
loaded = "pandas" in sys.modules
import pandas, pyarrow as pa

total = int(pa.table({"n": [1, 2]}).to_pandas()["n"].sum())
print(json.dumps({"pandas_loaded_by_import": loaded, "pandas_after": total}))
"""


def test_an_orders_import_process_never_loads_pandas_and_pandas_works_after(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "k.db"
    seed = write_csv(tmp_path / "r.csv", [["客户编码", "客户名称"], ["0370102001", "甲"]])
    assert run("--db", str(db), "import", "retailers", str(seed)).exit_code == 0
    orders = [["客户编码", "订货日期", "卷烟编码", "订货量(条)", "金额(元)"]] + [
        ["0370102001", f"2026-10-{d:02d}", "B1", "2", "200"] for d in range(1, 29)
    ]
    path = write_csv(tmp_path / "o.csv", orders)
    args = ["--db", str(db), "import", "orders", str(path), "--json"]
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROCESS, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    *summary, last = proc.stdout.strip().splitlines()
    result, after = json.loads("\n".join(summary)), json.loads(last)
    assert result["new"] == 28 and result["rejected"] == 0
    assert after == {"pandas_loaded_by_import": False, "pandas_after": 3}


def test_a_number_too_large_to_store_is_a_rejected_row_saying_so(tmp_path):
    """A route position past SQLite's INTEGER ended the import in a traceback; a quantity or a
    price that reads as infinity (1e400, 400 nines) was stored as one, or said to be no
    number."""
    import sqlite3

    db = tmp_path / "k.db"
    huge = "9" * 400
    retailers = write_csv(
        tmp_path / "r.csv",
        [["客户编码", "客户名称", "线路顺序"], ["001", "甲", "1"], ["002", "乙", "9" * 23]],
    )
    brands = write_csv(
        tmp_path / "b.csv",
        [["卷烟编码", "卷烟名称", "批发价"], ["B1", "甲", "100"], ["B2", "乙", "1e400"],
         ["B3", "丙", huge]],
    )  # fmt: skip
    orders = write_csv(
        tmp_path / "o.csv",
        [["客户编码", "订货日期", "卷烟编码", "订货量(条)", "金额(元)"],
         ["001", "2026-10-05", "B1", "2", "200"], ["001", "2026-10-06", "B1", "1e400", "100"],
         ["001", "2026-10-07", "B1", "3", huge]],
    )  # fmt: skip
    said = {}
    for kind, path in (("retailers", retailers), ("brands", brands), ("orders", orders)):
        r = run("--db", str(db), "import", kind, str(path))
        assert r.exit_code == 0, r.output
        assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
        rejects = tmp_path / f"{path.stem}.rejects.csv"
        with open(rejects, encoding="utf-8-sig") as f:
            said[kind] = [row["原因"] for row in csv.DictReader(f)]
    assert said == {
        "retailers": [f"线路顺序: '{'9' * 23}' 太大，超出能保存的范围；请检查"],
        "brands": ["批发价 太大，超出能保存的范围：1e400", f"批发价 太大，超出能保存的范围：{'9' * 40}…"],
        "orders": ["订货量(条) 太大，超出能保存的范围：1e400", f"金额(元) 太大，超出能保存的范围：{'9' * 40}…"],
    }  # fmt: skip
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT code, route_seq FROM retailers").fetchall() == [("001", 1)]
        assert conn.execute("SELECT brand_code FROM brands").fetchall() == [("B1",)]
        assert conn.execute("SELECT qty_tiao, amount FROM order_lines").fetchall() == [(2, 200)]
    finally:
        conn.close()


def test_a_long_rejected_value_is_shortened_in_the_reason_and_kept_whole_in_its_cell(tmp_path):
    """A quantity of 400 digits (or a date, a number, a route position) was shown whole in the
    reason; the reason keeps its start and marks the cut, the row's cells stay as they were."""
    db = tmp_path / "k.db"
    digits = "1" * 400
    retailers = write_csv(
        tmp_path / "r.csv",
        [
            ["客户编码", "客户名称", "线路顺序"],
            ["0370102001", "甲", "1"],
            ["0370102002", "乙", digits],
        ],
    )
    orders = write_csv(
        tmp_path / "o.csv",
        [
            ["客户编码", "订货日期", "卷烟编码", "订货量(条)", "金额(元)"],
            ["0370102001", "2026-10-05", "B1", "-" + digits, "10"],
            ["0370102001", "2026-10-05", "B1", digits + "条", "10"],
            ["0370102001", digits, "B1", "1", "10"],
        ],
    )
    for kind, path, cut in (("retailers", retailers, 1), ("orders", orders, 3)):
        rejects = tmp_path / f"{kind}.rejects.csv"
        r = run("--db", str(db), "import", kind, str(path), "--rejects", str(rejects))
        assert r.exit_code == 0, r.output
        assert digits[:41] not in r.output
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))[-cut:]
        with open(rejects, encoding="utf-8-sig", newline="") as f:
            written = list(csv.reader(f))[1:]
        assert len(written) == cut
        for row, line in zip(rows, written, strict=True):
            assert line[: len(row)] == [c.replace("-", "'-", 1) if c[:1] == "-" else c for c in row]
            reason = line[-1]
            assert "1" * 39 + "…" in reason and digits[:41] not in reason, reason
            assert len(reason) < 150
