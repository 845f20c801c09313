"""预测准确率 in the weekly report and the monthly analysis: the figures against the store, the
documents read back, and the frozen figures of a submitted version."""

from __future__ import annotations

import datetime as dt
import json

import docx
import pytest
from docx.oxml.ns import qn

from khtui.data.base import new_id
from khtui.data.documents import write_monthly_docx, write_weekly_docx
from tests.conftest import ZH
from tests.data.test_reports import seed_reports

# October 2026 in the seeded store: R001 12 条, R002 40, R003 6, R004 2 (60 in all);
# November up to the 22nd: R001 35, R002 4 (39); brands in October: B1 (key) 20, B3 40.
OCT_ACTUAL = {"R001": 12, "R002": 40, "R003": 6, "R004": 2}


def store_run(store, as_of: str, forecasts: dict[str, dict[str, float]], brands=None) -> str:
    """A forecast run standing on ``as_of``, as the program stores one: per target month the
    retailers' forecasts (the area is their sum) and the retailer × brand ones."""
    run = new_id()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO forecast_runs (id, am_id, as_of, month, computed_at, data_stamp, "
            "data_lines, series) VALUES (?, ?, ?, ?, ?, 'test', 0, 0)",
            (run, store.am_id, as_of, as_of[:7], as_of + "T07:30:00"),
        )
        for month, by_retailer in forecasts.items():
            rows = [("area", "", "", sum(by_retailer.values()))]
            rows += [("retailer", code, "", qty) for code, qty in by_retailer.items()]
            rows += [
                ("brand", code, brand, qty)
                for (code, brand), qty in ((brands or {}).get(month) or {}).items()
            ]
            conn.executemany(
                "INSERT INTO forecasts (run_id, target_month, level, retailer_code, brand_code, "
                "qty_tiao, lo_tiao, hi_tiao, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test')",
                [(run, month, lv, code, brand, q, q, q) for lv, code, brand, q in rows],
            )
    return run


@pytest.fixture
def seeded(store):
    seed_reports(store)
    # made before October began: October and November
    store_run(
        store,
        "2026-10-01",
        {
            "2026-10": {"R001": 20, "R002": 50, "R003": 0, "R004": 0},
            "2026-11": {"R001": 60, "R002": 5},
        },
        {"2026-10": {("R001", "B1"): 20, ("R002", "B3"): 50, ("R002", "B2"): 5}},
    )
    # made on November's first day (still before it began: the one November is scored on)
    store_run(store, "2026-11-01", {"2026-11": {"R001": 50, "R002": 10}, "2026-12": {"R001": 9}})
    # made after an import in November: it never replaces the forecast made before
    store_run(store, "2026-11-10", {"2026-11": {"R001": 39, "R002": 0}})
    return store


def body(path) -> list[list[str] | str]:
    """The document in order: a paragraph as its text, a table as its rows of cell texts."""
    d = docx.Document(path)
    out: list[list[str] | str] = []
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append(docx.text.paragraph.Paragraph(el, d._body).text)
        elif el.tag == qn("w:tbl"):
            table = docx.table.Table(el, d._body)
            out.append([[c.text for c in r.cells] for r in table.rows])
    return out


def part(path, heading="预测准确率") -> list:
    """The blocks from the accuracy sub-heading up to the next heading."""
    d = docx.Document(path)
    blocks = body(path)
    names = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    i = blocks.index(heading)
    rest = blocks[i + 1 :]
    end = next((j for j, b in enumerate(rest) if isinstance(b, str) and b in names), len(rest))
    return rest[:end]


def tables(blocks) -> list[list[list[str]]]:
    return [b for b in blocks if isinstance(b, list)]


def paragraphs(blocks) -> list[str]:
    return [b for b in blocks if isinstance(b, str) and b]


def test_a_closed_month_is_scored_against_the_forecast_made_before_it(seeded):
    oct_ = seeded.report_accuracy("2026-10", seeded.today(), 10)
    scored = seeded.month_accuracy("2026-10")
    assert oct_.complete and oct_.forecast_as_of == "2026-10-01" == scored.run_as_of
    assert (oct_.forecast, oct_.actual) == (70, 60) == (scored.area.forecast, scored.area.actual)
    assert oct_.accuracy == pytest.approx(1 - 10 / 60) == scored.area.accuracy
    # lowest first, the larger miss first among equals; R003/R004: nothing forecast
    assert [(r.code, round(r.accuracy, 4)) for r in oct_.lowest_retailers] == [
        ("R003", 0.0),
        ("R004", 0.0),
        ("R001", round(1 - 8 / 12, 4)),
        ("R002", 0.75),
    ]
    assert oct_.retailers_scored == 4
    # key and new brands only (B3 is neither): B2 forecast 5 and not ordered scores 0
    assert [(b.code, b.accuracy, b.is_key, b.is_new) for b in oct_.lowest_brands] == [
        ("B2", 0.0, False, True),
        ("B1", 1.0, True, False),
    ]
    # one row only: the lowest retailer
    assert [
        r.code for r in seeded.report_accuracy("2026-10", seeded.today(), 1).lowest_retailers
    ] == ["R003"]


def test_a_running_month_shows_its_progress_and_no_accuracy(seeded):
    nov = seeded.report_accuracy("2026-11", dt.date(2026, 11, 22), 10)
    assert not nov.complete and nov.accuracy is None
    # the run standing on November's first day, not the later one of the 10th
    assert (nov.forecast_as_of, nov.forecast) == ("2026-11-01", 60)
    assert (nov.actual, nov.actual_to) == (39, "2026-11-22")
    workdays = seeded.work_calendar.workdays_between(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert nov.workdays == len(workdays)
    assert nov.workdays_passed == sum(1 for d in workdays if d.isoformat() <= "2026-11-22")
    assert nov.progress == pytest.approx(100 * 39 / 60)
    assert nov.lowest_retailers == [] and nov.lowest_brands == []


def test_a_month_without_a_forecast_made_before_it(seeded):
    sep = seeded.report_accuracy("2026-09", seeded.today(), 10)
    assert sep.forecast_as_of is None and sep.forecast is None and sep.accuracy is None


def test_weekly_report_month_so_far(seeded, tmp_path):
    path = write_weekly_docx(seeded, "2026-W47", tmp_path / "w47.docx", t=ZH)
    blocks = part(path)
    said = paragraphs(blocks)
    assert said[0] == (
        "2026年11月尚未结束：预测 60 条（11月1日所作），截至11月22日实际 39 条，"
        f"完成进度 {100 * 39 / 60:.1f}%，时间进度 "
        f"{seeded.report_accuracy('2026-11', dt.date(2026, 11, 22), 1).time_progress:.1f}%；"
        "准确率在月末计算。"
    )
    (months,) = tables(blocks)
    assert months[0] == [
        "月份",
        "预测日期",
        "预测(条)",
        "实际(条)",
        "准确率",
        "完成进度",
        "时间进度",
    ]
    assert months[1][:5] == ["2026-11（截至11月22日，未完）", "11月1日", "60", "39", "—"]
    assert any(p.startswith("预测准确率 = 1 − |预测 − 实际|") for p in said)


def test_weekly_report_across_a_month_end_scores_the_closed_month(seeded, tmp_path):
    # W44: 10-26 .. 11-01; November had no working day yet, so only October is shown
    path = write_weekly_docx(seeded, "2026-W44", tmp_path / "w44.docx", t=ZH)
    blocks = part(path)
    (months,) = tables(blocks)
    assert [r[:5] for r in months[1:]] == [["2026-10", "10月1日", "70", "60", "83.3%"]]
    assert paragraphs(blocks)[0] == (
        "2026年10月预测准确率 83.3%：预测 70 条（10月1日所作），实际 60 条。"
    )
    figures = seeded.weekly_figures("2026-W44")
    assert [m.month for m in figures.accuracy] == ["2026-10"]


def test_weekly_report_across_a_month_end_with_working_days_in_the_new_month(store, tmp_path):
    # W36: 2026-08-31 .. 09-06: August closed, September so far (1st to 4th)
    seed_reports(store)
    store.add_order_lines(
        [
            ("R001", "2026-08-10", "B1", "黄鹤楼", 30, 7500, 250),
            ("R002", "2026-09-02", "B3", "红金龙", 8, 400, 50),
        ]
    )
    store_run(store, "2026-08-01", {"2026-08": {"R001": 24}, "2026-09": {"R001": 10, "R002": 10}})
    figures = store.weekly_figures("2026-W36")
    aug, sep = figures.accuracy
    assert (aug.month, aug.complete, aug.forecast, aug.actual) == ("2026-08", True, 24, 30)
    assert aug.accuracy == pytest.approx(0.8)
    assert (sep.month, sep.complete, sep.actual_to, sep.actual) == (
        "2026-09",
        False,
        "2026-09-06",
        8,
    )
    rows = tables(part(write_weekly_docx(store, "2026-W36", tmp_path / "w36.docx", t=ZH)))[0]
    assert [r[:5] for r in rows[1:]] == [
        ["2026-08", "8月1日", "24", "30", "80.0%"],
        ["2026-09（截至9月6日，未完）", "8月1日", "20", "8", "—"],
    ]


def test_monthly_analysis_accuracy_and_the_lowest(seeded, tmp_path):
    path = write_monthly_docx(seeded, "2026-10", tmp_path / "m10.docx", t=ZH)
    blocks = part(path)
    said = paragraphs(blocks)
    assert said[0] == "2026年10月预测准确率 83.3%：预测 70 条（10月1日所作），实际 60 条。"
    months, retailers, brands = tables(blocks)
    assert months[1][:5] == ["2026-10", "10月1日", "70", "60", "83.3%"]
    assert "准确率最低的 4 户（本月有预测或订货的共 4 户）：" in said
    names = dict(seeded.query("SELECT code, name FROM retailers"))
    expected = {
        "R001": (20, 12, "33.3%"),
        "R002": (50, 40, "75.0%"),
        "R003": (0, 6, "0.0%"),
        "R004": (0, 2, "0.0%"),
    }
    assert retailers[0] == ["客户名称", "客户编码", "预测(条)", "实际(条)", "准确率"]
    assert [r[1] for r in retailers[1:]] == ["R003", "R004", "R001", "R002"]
    for name, code, f, a, acc in retailers[1:]:
        assert name == names[code]
        assert (int(f), int(a), acc) == expected[code]
        assert int(a) == OCT_ACTUAL[code]
    assert brands[0][-1] == "类型"
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in brands[1:]] == [
        ("B2", "5", "0", "0.0%", "新品"),
        ("B1", "20", "20", "100.0%", "重点"),
    ]


def test_monthly_analysis_of_the_running_month(seeded, tmp_path):
    blocks = part(write_monthly_docx(seeded, "2026-11", tmp_path / "m11.docx", t=ZH))
    assert paragraphs(blocks)[0].startswith(
        "2026年11月尚未结束：预测 60 条（11月1日所作），截至11月22日实际 39 条"
    )
    assert len(tables(blocks)) == 1  # no lowest lists for a month still running


def test_no_forecast_before_the_month(seeded, tmp_path):
    blocks = part(write_monthly_docx(seeded, "2026-09", tmp_path / "m09.docx", t=ZH))
    assert paragraphs(blocks) == ["这段时间的月份都没有在月初前做出的预测，无从计算预测准确率。"]


def test_a_submitted_version_keeps_the_accuracy_it_showed(seeded, tmp_path):
    seeded.save_monthly_draft("2026-10", {"problems": "x"})
    seeded.submit_monthly("2026-10")
    seeded.save_weekly_draft("2026-W44", {"problems": "x"})
    seeded.submit_weekly("2026-W44")
    # later: more October orders arrive (a late import)
    seeded.add_order_lines([("R002", "2026-10-20", "B2", "利群", 30, 3000, 100)])
    assert seeded.monthly_figures("2026-10").accuracy[0].actual == 90  # a draft would change
    frozen = seeded.monthly_report("2026-10")["figures"].accuracy[0]
    assert (frozen.actual, frozen.forecast) == (60, 70)
    assert [r.code for r in frozen.lowest_retailers] == ["R003", "R004", "R001", "R002"]
    blocks = part(write_monthly_docx(seeded, "2026-10", tmp_path / "m10.docx", t=ZH))
    assert paragraphs(blocks)[0].endswith("实际 60 条。")
    week = seeded.weekly_report("2026-W44")["figures"].accuracy
    assert [(m.month, m.actual) for m in week] == [("2026-10", 60)]


def test_a_version_stored_before_reports_kept_the_accuracy_says_not_recorded(seeded, tmp_path):
    seeded.save_weekly_draft("2026-W47", {"problems": "x"})
    seeded.submit_weekly("2026-W47")
    seeded.save_monthly_draft("2026-10", {"problems": "x"})
    seeded.submit_monthly("2026-10")
    with seeded.write() as conn:  # as an older khtui stored them: no accuracy field
        for table in ("weekly_reports", "monthly_reports"):
            for rid, figures in conn.execute(f"SELECT id, figures FROM {table}").fetchall():
                data = json.loads(figures)
                del data["accuracy"]
                conn.execute(
                    f"UPDATE {table} SET figures = ? WHERE id = ?",
                    (json.dumps(data, ensure_ascii=False), rid),
                )
    assert seeded.weekly_report("2026-W47")["figures"].accuracy is None
    for path in (
        write_weekly_docx(seeded, "2026-W47", tmp_path / "w.docx", t=ZH),
        write_monthly_docx(seeded, "2026-10", tmp_path / "m.docx", t=ZH),
    ):
        blocks = part(path)
        assert paragraphs(blocks) == ["（本版本提交时尚未统计预测准确率。）"]
        assert tables(blocks) == []
