"""预测准确率 per AM in the market manager's view of a team database (khtui.data.manager): the
forecast each AM made before the month began, scored as the AM's own monthly analysis scores
it, for the last complete month."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khtui.data.demo import build_demo
from khtui.data.store import Store
from khtui.data.team import merge_into
from tests.data.test_report_accuracy import store_run

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Two AMs; the first made a forecast for October on its first day, 25% over what its
    shops ordered, and a perfect one after October had begun (which must not count)."""
    folder = tmp_path_factory.mktemp("team_accuracy")
    paths = []
    for i in (1, 2):
        path = folder / f"am{i}.db"
        build_demo(path, retailers=30, months=3, seed=60 + i, today=TODAY, territory=i)
        paths.append(path)
    s = Store(paths[0])
    actual = s.scalar("SELECT sum(qty_tiao) FROM monthly_sales WHERE month = '2026-10'")
    codes = [r[0] for r in s.query("SELECT code FROM retailers ORDER BY code LIMIT 2")]
    assert actual > 0
    store_run(s, "2026-10-01", {"2026-10": {codes[0]: actual, codes[1]: actual / 4}})
    perfect = {
        r[0]: r[1]
        for r in s.query(
            "SELECT retailer_code, qty_tiao FROM monthly_sales WHERE month = ?", ("2026-10",)
        )
    }
    store_run(s, "2026-10-15", {"2026-10": perfect})
    own = s.month_accuracy("2026-10").area.accuracy  # the AM's own monthly analysis
    am_id = s.am_id
    s.close()
    s = Store(paths[1])  # the demo's own forecasts
    other = (s.am_id, s.month_accuracy("2026-10").area.accuracy)
    s.close()
    out = folder / "team.db"
    merge_into(out, paths, now="2026-11-23T16:00:00")
    return out, am_id, own, other


def test_each_am_scored_on_the_forecast_made_before_the_month(team):
    path, am_id, own, (other_id, other_own) = team
    s = Store(path)
    figures = {f.am_id: f for f in s.team_figures("2026-11", TODAY)}
    s.close()
    assert len(figures) == 2
    assert own == pytest.approx(0.75)
    mine = figures[am_id]
    assert mine.forecast_month == "2026-10"  # November is still running: October is scored
    assert mine.forecast_accuracy == pytest.approx(own)
    assert other_own is not None and other_own != pytest.approx(own)
    assert figures[other_id].forecast_accuracy == pytest.approx(other_own)
    # the team database's monthly analysis of an AM scores the same
    s = Store(path)
    for am, f in figures.items():
        assert s.month_accuracy("2026-10", am).area.accuracy == pytest.approx(f.forecast_accuracy)
    s.close()


def test_a_month_over_is_scored_itself_and_one_not_forecast_is_none(team):
    """(The demo forecasts from October on: September has no forecast.)"""
    path, am_id, _own, _other = team
    s = Store(path)
    assert s.area_accuracy("2026-09", am_id) is None
    assert s.month_accuracy("2026-09", am_id).area is None
    # a month already over is scored on itself
    (f,) = [f for f in s.team_figures("2026-10", TODAY) if f.am_id == am_id]
    s.close()
    assert f.forecast_month == "2026-10" and f.forecast_accuracy == pytest.approx(0.75)


def test_team_status_shows_it(team):
    from click.testing import CliRunner

    from khtui.cli import main

    path, am_id, _own, _other = team
    r = CliRunner().invoke(main, ["--db", str(path), "team", "status", "--json"])
    assert r.exit_code == 0, r.output
    rows = {x["am_id"]: x for x in json.loads(r.stdout)}
    assert rows[am_id]["forecast_accuracy"] == 0.75
    assert rows[am_id]["forecast_month"] == "2026-10"
    r = CliRunner().invoke(main, ["--db", str(path), "team", "status"])
    assert "上月预测准确率" in r.output and "75%" in r.output
