"""ISO week helpers, small figures and the report documents as plain data."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.capture import deviation_flagged
from khtui.domain.months import month_started
from khtui.domain.report import (
    Chart,
    Heading,
    Paragraph,
    Table,
    add_weeks,
    change_pct,
    cn_numeral,
    default_month,
    default_week,
    handled_week,
    normalise_week,
    parse_week,
    rate,
    reason_names,
    section_title,
    week_key,
    week_name,
    week_range,
    week_started,
)
from khtui.domain.weekly import WeeklyFigures, build_weekly
from tests.conftest import EN, ZH


def tr(key, **kw):
    """A translator that shows the key and its arguments, so tests see what was asked for."""
    return key + ("" if not kw else " " + " ".join(f"{k}={v}" for k, v in sorted(kw.items())))


# -- weeks ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("today", "week"),
    [
        (dt.date(2026, 11, 23), "2026-W47"),  # Monday: the week that ended yesterday
        (dt.date(2026, 11, 22), "2026-W46"),  # Sunday: this week is not over yet
        (dt.date(2026, 11, 21), "2026-W46"),  # Saturday
        (dt.date(2027, 1, 4), "2026-W53"),  # 2026 has 53 ISO weeks (1 Jan 2026 is a Thursday)
        (dt.date(2026, 1, 5), "2026-W01"),  # Monday 29 Dec 2025 .. Sunday 4 Jan 2026
    ],
)
def test_default_week_is_last_complete_week(today, week):
    assert default_week(today) == week


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (dt.date(2026, 12, 1), "2026-11"),  # the first day: the month that ended yesterday
        (dt.date(2026, 11, 30), "2026-10"),  # the last day: this month is not over yet
        (dt.date(2027, 1, 15), "2026-12"),  # across the year
    ],
)
def test_default_month_is_last_complete_month(today, month):
    assert default_month(today) == month


def test_week_range_and_key():
    assert week_range("2026-W47") == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert week_range("2026-W01") == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert week_key(dt.date(2026, 12, 31)) == "2026-W53"
    assert week_key(dt.date(2027, 1, 3)) == "2026-W53"
    assert week_key(dt.date(2027, 1, 4)) == "2027-W01"
    assert add_weeks("2026-W53", 1) == "2027-W01"
    assert add_weeks("2026-W01", -1) == "2025-W52"


@pytest.mark.parametrize("text", ["2026-W47", "2026W47", "2026-w47", " 2026-W47 "])
def test_week_spellings(text):
    assert normalise_week(text) == "2026-W47"


@pytest.mark.parametrize(
    "text", ["2026-47", "W47", "2026-W047", "2026-W00", "2027-W53", "2026-W54", "", "x"]
)
def test_bad_weeks_are_refused_with_the_format(text):
    with pytest.raises(ValueError, match="not a week"):
        parse_week(text)


@pytest.mark.parametrize(("text", "week"), [("1900-W01", "1900-W01"), ("2999w52", "2999-W52")])
def test_a_week_the_user_names_is_of_the_years_handled(text, week):
    assert handled_week(text) == week


@pytest.mark.parametrize("text", ["0001-W01", "1899-W52", "3000-W01", "9999-W52", "2026-47"])
def test_a_week_outside_the_years_handled_is_refused(text):
    with pytest.raises(ValueError, match="not a week"):
        handled_week(text)


def test_a_period_has_started_from_its_first_day():
    monday = dt.date(2026, 11, 23)  # W48's first day
    assert week_started("2026-W48", monday) and week_started("2026-W47", monday)
    assert not week_started("2026-W48", monday - dt.timedelta(days=1))
    assert not week_started("2026-W49", monday)
    assert month_started("2026-11", dt.date(2026, 11, 1))
    assert not month_started("2026-12", dt.date(2026, 11, 30))
    assert month_started("2026-12", dt.date(2026, 12, 1))


# -- figures ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actual", "guide", "flagged"),
    [
        (275.0, 250.0, False),  # exactly +10 %: not above the threshold
        (225.0, 250.0, False),  # exactly -10 %
        (275.1, 250.0, True),
        (224.9, 250.0, True),
        (250.0, None, False),  # no guide price: nothing to compare
        (None, 250.0, False),
    ],
)
def test_price_deviation_threshold(actual, guide, flagged):
    assert deviation_flagged(actual, guide, 10.0) is flagged


def test_rates_without_a_basis_are_none():
    assert rate(1, 0) is None and rate(None, 3) is None and rate(1, 4) == 25.0
    assert change_pct(5, 0) is None and change_pct(110, 100) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一")]
)
def test_chinese_section_numbers(n, text):
    assert cn_numeral(n) == text
    assert section_title(n, "标题", ZH) == f"{text}、标题"
    assert section_title(n, "Title", EN) == f"{n}. Title"


def test_reason_names_keep_unknown_reasons_and_order_known_ones():
    assert reason_names({"care": 1, "complaint": 2, "plan": 0}, tr) == (
        "plan.reason.complaint 2rpt.list_sepplan.reason.care 1"
    )
    # the plain planned visit reads as a routine visit (例行拜访) in the documents
    assert reason_names(["plan", "其他"], tr) == "rpt.reason.planrpt.list_sep其他"


def test_table_checks_its_shape():
    with pytest.raises(ValueError, match="one alignment"):
        Table(["a", "b"], [], ["left"], [1, 1])
    with pytest.raises(ValueError, match="has 1 cells"):
        Table(["a", "b"], [["x"]], ["left", "left"], [1, 1])


def test_a_week_is_named_as_people_say_it():
    assert week_name("2026-W47", ZH) == "2026年第47周（11月16日—11月22日）"
    assert week_name("2026-W53", ZH) == "2026年第53周（12月28日—1月3日）"


def test_chart_labels_must_not_need_a_cjk_font():
    with pytest.raises(ValueError, match="not plain ASCII"):
        Chart("图", ["一月"], [])


# -- the weekly document ----------------------------------------------------------------------
def _figures(deviations: int = 0, **more) -> WeeklyFigures:
    return WeeklyFigures.from_dict({**_raw(deviations), **more})


def _raw(deviations: int = 0) -> dict:
    return {
        "week": "2026-W47",
        "start": "2026-11-16",
        "end": "2026-11-22",
        "visits": {
            "total": 4,
            "done": 2,
            "skipped": 1,
            "checked_in": 0,
            "planned": 0,
            "rescheduled": 1,
            "adhoc": 0,
            "skip_reasons": [{"reason": "关门", "count": 1}],
            "by_day": [{"day": "2026-11-16", "routes": "A线", "total": 3, "done": 2, "skipped": 1}],
        },
        "coverage": {
            "month": "2026-11",
            "as_of": "2026-11-22",
            "active": 4,
            "visited": 3,
            "unvisited": [{"code": "R4", "name": "四号店", "route": None}],
            "working_days_left": 6,
        },
        "prices": {
            "observations": deviations,
            "retailers": 1,
            "brands": 1,
            "unmarked": 0,
            "threshold_pct": 10.0,
            "deviations": [
                {
                    "observed_on": "2026-11-16",
                    "code": f"R{i}",
                    "name": f"店{i}",
                    "brand_code": "B1",
                    "brand": "品牌",
                    "guide": 100.0,
                    "actual": 120.0,
                    "dev_pct": 20.0,
                }
                for i in range(deviations)
            ],
        },
        "stock": [],
        "brands": {
            "window_start": "2026-10-24",
            "window_end": "2026-11-22",
            "cycle_days": 30,
            "active": 4,
            "rows": [],
        },
        "complaints": {
            "opened": 0,
            "answered": 0,
            "closed": 0,
            "overdue": 0,
            "open_total": 0,
            "items": [],
        },
        "dynamics": [],
        "next_week": {"week": "2026-W48", "total": 0, "days": []},
    }


def test_weekly_sections_in_order_with_the_narrative_last():
    doc = build_weekly(_figures(), {"problems": "第一行\n\n第二行"}, tr, word=str, am_name="张经理")
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    sections = [
        "rpt.sec.visits",
        "rpt.sec.coverage",
        "rpt.sec.week_sales",
        "rpt.sec.prices",
        "rpt.sec.stock",
        "rpt.sec.brands",
        "rpt.sec.complaints",
        "rpt.sec.dynamics",
        "rpt.sec.next_week",
        "rpt.narrative.problems",
        "rpt.narrative.suggestions",
        "rpt.narrative.improvements",
    ]
    numbered = [f"rpt.heading n={n} text={key}" for n, key in enumerate(sections, 1)]
    # the forecast accuracy is a part of the sales section (a version before it: "not recorded")
    assert headings == [*numbered[:3], "rpt.acc.title", *numbered[3:]]
    i = doc.blocks.index(next(b for b in doc.blocks if getattr(b, "text", "").endswith("problems")))
    assert [b.text for b in doc.blocks[i + 1 : i + 3]] == ["第一行", "第二行"]
    empty = [b for b in doc.blocks if isinstance(b, Paragraph) and b.style == "empty"]
    assert len(empty) == 2  # suggestions and improvements not written yet
    assert "rpt.meta.am name=张经理" in doc.meta


def test_weekly_visit_rate_counts_visits_rescheduled_away_as_planned():
    # a visit rescheduled away from the week was still planned in it: 2 done of 4 planned
    doc = build_weekly(_figures(), {}, tr, word=str, am_name="x")
    summary = next(b.text for b in doc.blocks if b.text.startswith("rpt.visits.summary"))
    assert "total=4" in summary and "rate=50.0%" in summary and "rescheduled=1" in summary


def test_long_detail_tables_are_cut_with_a_note():
    doc = build_weekly(_figures(deviations=5), {}, tr, word=str, am_name="x", max_rows=3)
    table = next(b for b in doc.blocks if isinstance(b, Table) and "rpt.col.deviation" in b.headers)
    assert len(table.rows) == 3
    assert table.rows[0][-1] == "+20.0%"
    assert any(b.text == "rpt.more_rows n=2" for b in doc.blocks if isinstance(b, Paragraph))


def test_counts_cover_paragraphs_and_cells():
    doc = build_weekly(_figures(), {}, tr, word=str, am_name="x")
    paras, cells = doc.counts()
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert cells == sum(len(t.headers) * (len(t.rows) + 1) for t in tables)
    assert paras == 1 + len(doc.meta) + len(doc.blocks) - len(tables)


def test_a_week_across_a_month_end_shows_the_closed_month_before_the_new_one():
    figures = _figures(
        coverage_closed={
            "month": "2026-11",
            "as_of": "2026-11-30",
            "active": 6,
            "visited": 5,
            "unvisited": [{"code": "R006", "name": "老街烟店", "route": "B线"}],
            "working_days_left": 0,
            "closed": True,
        }
    )
    doc = build_weekly(figures, {}, tr, word=str, am_name="x")
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    closed = next(i for i, x in enumerate(texts) if x.startswith("rpt.coverage.closed"))
    current = next(i for i, x in enumerate(texts) if x.startswith("rpt.coverage.summary"))
    assert closed < current
    assert "active=6" in texts[closed] and "rate=83.3%" in texts[closed]
    assert "unvisited=1" in texts[closed] and "visited=5" in texts[closed]
    tables = [b for b in doc.blocks if isinstance(b, Table) and "rpt.col.route" in b.headers]
    assert ["R006", "老街烟店", "B线"] in tables[0].rows
    # a report written before the closed month existed still builds
    assert not any(x.startswith("rpt.coverage.closed") for x in _texts(_figures()))


def test_a_version_stored_before_weekly_sales_existed_still_reads():
    """Stored figures without the week's sales (an older version) build, saying so."""
    texts = _texts(_figures())
    assert "rpt.sales.not_recorded" in texts


def test_coverage_says_when_the_month_will_fall_short():
    figures = _figures()
    figures.coverage.unvisited[0].next_planned = None
    assert any(x.startswith("rpt.coverage.short n=1") for x in _texts(figures))
    figures.coverage.unvisited[0].next_planned = "2026-11-25"
    assert any(x.startswith("rpt.coverage.all_planned") for x in _texts(figures))


def test_weekly_has_the_visits_chart_and_a_total_row():
    doc = build_weekly(_figures(), {}, tr, word=str, am_name="x")
    [chart] = doc.charts()
    assert chart.labels == ["11-16"]
    assert [s.values for s in chart.series] == [(3,), (2,)]
    table = next(b for b in doc.blocks if isinstance(b, Table) and "rpt.col.planned" in b.headers)
    assert table.total and table.rows[-1][0] == "rpt.total"


def test_figures_round_trip_through_json():
    f = _figures()
    assert WeeklyFigures.from_dict(f.to_dict()) == f


def _texts(figures):
    doc = build_weekly(figures, {}, tr, word=str, am_name="x")
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


@pytest.mark.parametrize(
    ("lang", "listed", "counted"),
    [(ZH, "A线、B线", "A线、B线 等 5 条"), (EN, "A线, B线", "A线, B线 (5 in all)")],
)
def test_a_days_routes_are_named_up_to_max_routes_then_counted(lang, listed, counted):
    """The week's days and next week's: a day of up to ``max_routes`` routes names them all;
    of more (a city AM's dozens), the first ones and how many there are."""
    from khtui.domain.report import ReportDocument, Sections

    s = Sections(ReportDocument("weekly", "t", []), lang, max_routes=2)
    assert s.routes_cell(("A线",)) == "A线"
    assert s.routes_cell(("A线", "B线")) == listed
    assert s.routes_cell(("A线", "B线", "C线", "D线", "E线")) == counted
    figures = _figures()
    figures.visits.by_day[0].routes = ("A线", "B线", "C线", "D线", "E线")
    doc = build_weekly(figures, {}, lang, word=str, am_name="x", max_routes=2)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.rows and "A线" in b.rows[0][2])
    assert table.rows[0][2] == counted
