"""`khtui report week` and `khtui report month`."""

from __future__ import annotations

import json

import docx
import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.domain.report import default_week
from tests.conftest import TODAY, seed_reports


@pytest.fixture
def db(store, db_path):
    seed_reports(store)
    store.save_weekly_draft("2026-W47", {"problems": "命令行里的问题"})
    return db_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_report_week_writes_the_docx(db, tmp_path):
    out = tmp_path / "周报.docx"
    r = run("--db", str(db), "report", "week", "--week", "2026-W47", "--docx", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"已写出 2026-W47 周报：{out}"
    d = docx.Document(out)
    assert d.paragraphs[0].text == "客户经理工作周报（2026年第47周）"
    assert "命令行里的问题" in [p.text for p in d.paragraphs]


def test_existing_file_needs_force(db, tmp_path):
    out = tmp_path / "w.docx"
    out.write_bytes(b"keep")
    r = run("--db", str(db), "report", "week", "--week", "2026-W47", "--docx", str(out))
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "已存在；加 --force 覆盖" in r.output
    assert out.read_bytes() == b"keep"
    r = run("--db", str(db), "report", "week", "--week", "2026-W47", "--docx", str(out), "--force")
    assert r.exit_code == 0 and out.read_bytes() != b"keep"


def test_bad_week_is_one_clear_line(db, tmp_path):
    r = run("--db", str(db), "report", "week", "--week", "2026-47", "--docx", str(tmp_path / "x"))
    assert r.exit_code == 2  # a usage error, as a date or a month that is not one
    assert r.output.strip().startswith("错误: 周次无效：2026-47（格式 YYYY-Www，例如 2026-W47）")
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_a_week_outside_the_years_handled_is_one_clear_line(db, tmp_path, week):
    """As a month of those years: refused where the option is read, not a traceback."""
    out = tmp_path / "x.docx"
    r = run("--db", str(db), "report", "week", "--week", week, "--docx", str(out))
    assert r.exit_code == 2
    assert r.output.startswith(f"错误: 周次超出范围：{week}（只能用 1900—2999 年的周，")
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()
    r = run("--db", str(db), "--lang", "en", "report", "week", "--week", week, "--docx", str(out))
    assert r.exit_code == 2 and r.output.startswith(f"Error: week out of range: {week} (use a")


@pytest.mark.parametrize("week", ["2026-W49", "2027-W01"])
def test_a_week_not_begun_is_refused(db, store, tmp_path, week):
    """On Monday 2026-11-23 (in W48) next week and later have no figures and no report."""
    out = tmp_path / "x.docx"
    r = run("--db", str(db), "report", "week", "--week", week, "--docx", str(out))
    assert r.exit_code == 2
    assert r.output.startswith(
        f"错误: {week} 还没开始（今天是 2026-11-23，属于 2026-W48）：请选本周 2026-W48 或更早的周"
    )
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()
    r = run("--db", str(db), "--lang", "en", "report", "week", "--week", week, "--docx", str(out))
    assert r.exit_code == 2 and r.output.startswith(
        f"Error: {week} has not started yet (today is 2026-11-23, in 2026-W48): pick this week"
    )
    assert store.weekly_versions(week) == [] and not out.exists()


def test_the_week_under_way_is_reported_as_far_as_it_has_gone(db, tmp_path):
    out = tmp_path / "x.docx"
    r = run("--db", str(db), "report", "week", "--week", "2026-W48", "--docx", str(out))
    assert r.exit_code == 0, r.output
    assert "注：本周尚未结束，以下数据截至11月23日。" in [
        p.text for p in docx.Document(out).paragraphs
    ]


def test_default_week_and_json(db, store, tmp_path):
    out = tmp_path / "w.docx"
    r = run("--db", str(db), "report", "week", "--docx", str(out), "--json")
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    week = "2026-W47"  # the last complete week before the pinned Monday 2026-11-23
    assert default_week(TODAY) == week
    assert payload == {
        "path": str(out),
        "week": week,
        "version": store.weekly_report(week)["version"],
        "status": "draft",
    }
    assert docx.Document(out).paragraphs[0].text == "客户经理工作周报（2026年第47周）"


def test_report_month(db, tmp_path):
    out = tmp_path / "m.docx"
    r = run(
        "--db", str(db), "--lang", "en", "report", "month", "--month", "2026-10", "--docx", str(out)
    )
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"wrote the market analysis of 2026-10: {out}"
    assert docx.Document(out).paragraphs[0].text == "Market analysis, 2026-10"


def test_report_month_defaults_to_the_last_complete_month(db, tmp_path):
    """As the report screen's monthly analysis: on the pinned 2026-11-23, October."""
    out = tmp_path / "m.docx"
    r = run("--db", str(db), "report", "month", "--docx", str(out), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "path": str(out),
        "month": "2026-10",
        "version": 0,
        "status": "draft",
    }
    assert docx.Document(out).paragraphs[0].text == "2026年10月市场分析报告"


def test_report_month_text_versions_and_mask(db, store, tmp_path):
    """The AM's parts of the monthly analysis set from the command line, submitted, edited
    into the next version; --mask shortens a phone number typed into them."""
    r = run("--db", str(db), "report", "month", "--month", "2026-10", "--problems",
            "五类烟下滑，店主电话13812345678", "--targets", "走访面100%")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2026-10 市场分析报告：第 1 版 · 草稿"
    r = run("--db", str(db), "report", "month", "--month", "2026-10", "--submit", "--json")
    assert json.loads(r.output) == {"path": None, "month": "2026-10", "version": 1,
                                    "status": "submitted"}  # fmt: skip
    r = run("--db", str(db), "report", "month", "--month", "2026-10", "--submit")
    assert r.exit_code == 1 and "已提交" in r.output and r.output.count("\n") == 1
    r = run("--db", str(db), "report", "month", "--month", "2026-10", "--improvements", "回访")
    assert r.output.strip() == "2026-10 市场分析报告：第 2 版 · 草稿"
    out = tmp_path / "m.docx"
    r = run("--db", str(db), "report", "month", "--month", "2026-10", "--docx", str(out), "--mask")
    assert r.exit_code == 0, r.output
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "五类烟下滑，店主电话*******5678" in text and "13812345678" not in text
    assert "回访" in text and "走访面100%" in text
    r = run("--db", str(db), "report", "month", "--month", "2026-10")
    assert r.exit_code == 1 and "--docx" in r.output


def test_report_month_errors(db, tmp_path):
    r = run("--db", str(db), "report", "month", "--month", "2026-13", "--docx", str(tmp_path / "m"))
    assert r.exit_code == 2 and "月份无效" in r.output  # not a month: a usage error
    r = run(
        "--db",
        str(db),
        "report",
        "month",
        "--month",
        "2026-10",
        "--docx",
        str(tmp_path / "no" / "m.docx"),
    )
    assert r.exit_code == 1 and "不存在" in r.output
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("month", ["2026-12", "2027-03"])
def test_a_month_not_begun_is_refused(db, store, tmp_path, month):
    """On 2026-11-23 December has not begun: no draft saved for it, no document written."""
    out = tmp_path / "m.docx"
    r = run("--db", str(db), "report", "month", "--month", month, "--problems", "未来",
            "--docx", str(out))  # fmt: skip
    assert r.exit_code == 2
    assert r.output.startswith(
        f"错误: {month} 还没开始（今天是 2026-11-23）：请选本月 2026-11 或更早的月份"
    )
    assert len(r.output.strip().splitlines()) == 1
    r = run("--db", str(db), "--lang", "en", "report", "month", "--month", month, "--submit")
    assert r.exit_code == 2 and r.output.startswith(
        f"Error: {month} has not started yet (today is 2026-11-23): pick this month, 2026-11,"
    )
    assert store.monthly_versions(month) == [] and not out.exists()
    # the month under way is reported as far as it has gone
    r = run("--db", str(db), "report", "month", "--month", "2026-11", "--docx", str(out))
    assert r.exit_code == 0, r.output


def test_a_refused_file_saves_no_text_and_submits_nothing(db, store, tmp_path):
    """`report month --targets … --docx EXISTING` without --force is refused before the text is
    saved (it said the file exists, and had saved the text meanwhile)."""
    out = tmp_path / "exists.docx"
    out.write_bytes(b"old")
    args = ["--db", str(db), "report", "month", "--month", "2026-09"]
    r = run(*args, "--targets", "目标九", "--submit", "--docx", str(out))
    assert r.exit_code == 1 and "--force" in r.output
    assert store.monthly_versions("2026-09") == []
    assert out.read_bytes() == b"old"


@pytest.mark.parametrize("name", ["周报.xlsx", "周报", "周报.doc"])
def test_a_word_document_needs_a_docx_name(db, store, tmp_path, name):
    """A report is a Word document: `--docx x.xlsx` (or no suffix) wrote one under that name;
    it is refused in one line before anything is saved or written."""
    out = tmp_path / name
    r = run("--db", str(db), "report", "week", "--week", "2026-W47", "--docx", str(out))
    assert r.exit_code == 1
    assert (
        r.output == f"错误: --docx 写出 .docx 文件：请给一个以 .docx 结尾的文件名（{out} 不是）\n"
    )
    args = ["--db", str(db), "--lang", "en", "report", "month", "--month", "2026-09"]
    r = run(*args, "--targets", "目标九", "--submit", "--docx", str(out))
    assert r.exit_code == 1
    assert r.output == f"Error: --docx takes a file name ending in .docx; {out} does not\n"
    assert store.monthly_versions("2026-09") == []
    assert not out.exists()
