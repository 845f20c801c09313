"""`khtui plan month --docx OUT / --xlsx OUT [--force]`: the monthly visit plan as documents for
the market manager's approval, read back and compared with the database."""

from __future__ import annotations

import json
from collections import Counter

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.documents import measure_labels
from khtui.data.store import Store
from khtui.i18n import Translator
from tests.conftest import check_fonts_and_layout

MONTH = "2026-12"


@pytest.fixture
def db(plan_db):
    return plan_db


@pytest.fixture
def planned(db):
    r = run(db, "plan", "month", "--month", MONTH, "--generate")
    assert r.exit_code == 0, r.output
    return db


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def db_visits(db) -> list[tuple[str, str, list[str]]]:
    """(day, code, measures) of the month's visits where they are now (not rescheduled away)."""
    s = Store(db)
    try:
        return [
            (r["planned_date"], r["retailer_code"], json.loads(r["measures"]))
            for r in s.query(
                "SELECT planned_date, retailer_code, measures FROM visits WHERE planned_date "
                "LIKE ? AND status != 'rescheduled' ORDER BY planned_date, seq",
                (f"{MONTH}-%",),
            )
        ]
    finally:
        s.close()


def docx_retailers(d) -> dict[str, tuple[str, str]]:
    """code -> (visit days, measures text) from the document's per-route tables (one row per
    retailer)."""
    out = {}
    for table in d.tables:
        cells = [[c.text for c in r.cells] for r in table.rows]
        if cells and cells[0][:3] == ["序号", "档", "客户编码"]:
            for row in cells[1:]:
                assert row[2] not in out  # one row per retailer
                out[row[2]] = (row[4], row[-1])
    return out


def test_docx_and_xlsx_in_one_command_equal_the_database(planned, tmp_path):
    docx_out, xlsx_out = tmp_path / "计划.docx", tmp_path / "计划.xlsx"
    r = run(
        planned, "plan", "month", "--month", MONTH, "--docx", str(docx_out), "--xlsx", str(xlsx_out)
    )
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[-2:] == [
        f"已写出 {MONTH} 拜访计划（Word）：{docx_out}",
        f"已写出 {MONTH} 拜访计划（Excel）：{xlsx_out}",
    ]
    visits = db_visits(planned)
    assert len(visits) == 24  # every retailer once in December

    d = docx.Document(docx_out)
    check_fonts_and_layout(d)
    assert d.paragraphs[0].text == "2026年12月客户拜访计划"
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == [
        "一、计划概况",
        "二、品牌培育目标",
        "三、客户拜访安排",
        "四、审批",
    ]
    labels = measure_labels(Translator("zh"))
    expected: dict[str, tuple[list[str], list[str]]] = {}
    for day, code, ms in visits:
        days, measures = expected.setdefault(code, ([], []))
        days.append(str(int(day[8:10])))
        measures.extend(m for m in ms if m not in measures)
    got = docx_retailers(d)
    assert set(got) == set(expected)
    for code, (days, measures) in expected.items():
        assert got[code][0] == "、".join(days)
        assert set(got[code][1].split("、")) == {labels.get(m, m) for m in measures} or (
            not measures and got[code][1] == "—"
        )
    assert any(m != "—" for _, m in got.values())  # the service measures are there

    wb = openpyxl.load_workbook(xlsx_out)
    rows = list(wb["拜访计划"].iter_rows(values_only=True))
    assert rows[2][:5] == ("日期", "星期", "序号", "线路", "客户编码")
    assert Counter((row[0].date().isoformat(), row[4]) for row in rows[3:]) == Counter(
        (d_, c) for d_, c, _ in visits
    )
    summary = list(wb["每日汇总"].iter_rows(values_only=True))
    total = next(row for row in summary if row and row[0] == "合计")
    assert total[3] == 24
    assert "状态：草稿" in summary[1][0]


def test_json_names_the_documents(planned, tmp_path):
    out = tmp_path / "p.xlsx"
    r = run(planned, "plan", "month", "--month", MONTH, "--xlsx", str(out), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["documents"] == {"docx": None, "xlsx": str(out)}
    assert out.exists()
    # without a document the key is there all the same
    data = json.loads(run(planned, "plan", "month", "--month", MONTH, "--json").output)
    assert data["documents"] == {"docx": None, "xlsx": None}


def test_generate_submit_and_write_together_shows_the_submitted_plan(db, tmp_path):
    out = tmp_path / "p.xlsx"
    r = run(db, "plan", "month", "--month", MONTH, "--generate", "--submit", "--xlsx", str(out))
    assert r.exit_code == 0, r.output
    summary = list(openpyxl.load_workbook(out)["汇总"].iter_rows(values_only=True))
    assert "状态：已提交" in summary[1][0]
    assert summary[2][0] == "提交日期"


def test_existing_file_needs_force_and_nothing_else_happens(planned, tmp_path):
    docx_out, xlsx_out = tmp_path / "p.docx", tmp_path / "p.xlsx"
    xlsx_out.write_bytes(b"keep")
    r = run(
        planned,
        "plan",
        "month",
        "--month",
        MONTH,
        "--submit",
        "--docx",
        str(docx_out),
        "--xlsx",
        str(xlsx_out),
    )
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and f"{xlsx_out} 已存在；加 --force 覆盖" in r.output
    # refused before anything: the other document is not written, the plan not submitted
    assert xlsx_out.read_bytes() == b"keep" and not docx_out.exists()
    assert (
        json.loads(run(planned, "plan", "month", "--month", MONTH, "--json").output)["status"]
        == "draft"
    )

    r = run(planned, "plan", "month", "--month", MONTH, "--xlsx", str(xlsx_out), "--force")
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(xlsx_out)["拜访计划"]["E4"].value.startswith("C")


def test_month_without_a_plan_writes_nothing(db, tmp_path):
    out = tmp_path / "p.docx"
    r = run(db, "plan", "month", "--month", MONTH, "--docx", str(out))
    assert r.exit_code == 1
    assert r.output.strip() == (
        f"错误: {MONTH} 还没有拜访计划：用 `khtui --db {db} plan month --month {MONTH} --generate` 起草"
    )
    assert not out.exists()


def test_readonly_folder_is_one_clear_line(planned, readonly_dir):
    r = run(planned, "plan", "month", "--month", MONTH, "--docx", str(readonly_dir / "p.docx"))
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "中写入（没有写权限）" in r.output
    assert list(readonly_dir.iterdir()) == []


def test_missing_folder_and_bad_combinations(planned, tmp_path):
    r = run(planned, "plan", "month", "--month", MONTH, "--xlsx", str(tmp_path / "no" / "p.xlsx"))
    assert r.exit_code == 1 and "不存在；请先创建它" in r.output
    r = run(planned, "plan", "month", "--month", MONTH, "--force")
    assert r.exit_code == 1 and r.output.strip() == "错误: --force 只与 --docx 或 --xlsx 一起使用"
    same, link = tmp_path / "p.docx", tmp_path / "p.xlsx"
    link.symlink_to(same)  # two names, one file
    r = run(planned, "plan", "month", "--month", MONTH, "--docx", str(same), "--xlsx", str(link))
    assert r.exit_code == 1 and "指向同一个文件" in r.output
    assert not same.exists()


@pytest.mark.parametrize(
    ("option", "name", "suffix"),
    [("--docx", "p.xlsx", ".docx"), ("--docx", "p", ".docx"), ("--xlsx", "p.docx", ".xlsx")],
)
def test_a_document_needs_the_suffix_of_its_kind(planned, tmp_path, option, name, suffix):
    """`--docx p.xlsx` wrote a Word document under an Excel name: refused, as the report's
    --docx is, before the plan is submitted or anything written."""
    out = tmp_path / name
    r = run(planned, "plan", "month", "--month", MONTH, "--submit", option, str(out))
    assert r.exit_code == 1
    assert r.output == (
        f"错误: {option} 写出 {suffix} 文件：请给一个以 {suffix} 结尾的文件名（{out} 不是）\n"
    )
    assert not out.exists()
    status = json.loads(run(planned, "plan", "month", "--month", MONTH, "--json").output)
    assert status["status"] == "draft"


def test_english_messages(planned, tmp_path):
    out = tmp_path / "p.docx"
    r = run(planned, "--lang", "en", "plan", "month", "--month", MONTH, "--docx", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-1] == f"wrote the visit plan of {MONTH} (Word): {out}"
    r = run(planned, "--lang", "en", "plan", "month", "--month", MONTH, "--docx", str(out))
    assert r.exit_code == 1 and "already exists; add --force" in r.output


def test_a_day_of_many_routes_runs_on_in_neither_document(new_db, tmp_path):
    """A city AM's day covers dozens of routes. The Word file has no day's routes cell (its
    routes table has one row per route; the day-by-day list is the workbook's job), so no
    cell names more routes than a week's report does ([documents] max_routes_listed); the
    workbook's day sheet names every route of the day, data to filter on."""
    routes = [f"历下{i:03d}线" for i in range(40)]
    db = new_db(
        [
            {"code": f"C{i:03d}", "name": f"店{i}", "route": route, "route_seq": 1}
            | {"visit_batch": "周二", "status": "正常"}
            for i, route in enumerate(routes)
        ]
    )
    docx_out, xlsx_out = tmp_path / "计划.docx", tmp_path / "计划.xlsx"
    r = run(db, "plan", "month", "--month", MONTH, "--generate")
    assert r.exit_code == 0, r.output
    r = run(db, "plan", "month", "--month", MONTH, "--docx", str(docx_out), "--xlsx", str(xlsx_out))
    assert r.exit_code == 0, r.output
    s = Store(db)
    listed = s.rules.documents.max_routes_listed
    s.close()
    d = docx.Document(docx_out)
    texts = [c.text for t in d.tables for row in t.rows for c in row.cells]
    texts += [p.text for p in d.paragraphs]
    assert max(sum(route in x for route in routes) for x in texts) <= listed
    days = list(openpyxl.load_workbook(xlsx_out)["每日汇总"].iter_rows(values_only=True))
    named = [row[2].split("、") for row in days[3:] if row and row[0] != "合计"]
    assert len(named) == 5 and sorted(r for day in named for r in day) == routes
