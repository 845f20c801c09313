"""The AMs' forecasts on a team database: each AM's figures read from that AM's forecast runs,
on the retailers counted for that AM, as the AM's own database reads them."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from khtui.data.base import TeamRecordsRefused
from khtui.data.store import Store
from khtui.data.team import merge_into
from tests.team_helpers import build_ams

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Three AMs, each with the demo's forecast runs, merged into a team database."""
    folder = tmp_path_factory.mktemp("team_forecasts")
    ams = build_ams(folder, (71, 72, 73))
    path = folder / "team.db"
    merge_into(path, ams, now="2026-11-23T16:00:00")
    return path, ams


def _texts(warnings) -> list[str]:
    return sorted(repr(w) for w in warnings)


def _swings(warnings) -> list[str]:
    return _texts(w for w in warnings if w.kind.startswith("swing"))


def test_the_teams_warnings_are_each_ams_own(team):
    """Every AM's sales swings are judged on the team database by that AM's forecast: the
    team's warnings are the AMs' own, all of them (those of a day's list too)."""
    path, ams = team
    own, swings, day_lists = [], [], []
    for p in ams:
        s = Store(p)
        items = s.warnings_for(TODAY)
        own += items
        swings.append([w for w in items if w.kind.startswith("swing")])
        day_lists.append(s.day_codes(TODAY))
        s.close()
    assert all(swings)  # each AM's forecast warns of swings of their own
    s = Store(path)
    try:
        assert _swings(s.warnings_for(TODAY)) == _swings(w for mine in swings for w in mine)
        assert _texts(s.warnings_for(TODAY)) == _texts(own)
        codes = [c for day in day_lists for c in day]
        mine = [w for w in own if w.retailer_code in set(codes)]
        assert _texts(s.warnings_for(TODAY, codes)) == _texts(mine)
    finally:
        s.close()


def test_a_retailers_forecast_and_supply_suggestion_are_its_ams(team):
    """The profile's forecast (this month, next, the brands, the months scored) and the supply
    suggestions on the team database are those of the AM the retailer counts for, as in the
    AM's own database, for every AM's retailers."""
    path, ams = team
    forecasts, supply = {}, []
    for p in ams:
        s = Store(p)
        codes = s.column("SELECT code FROM retailers ORDER BY code LIMIT 3")
        forecasts |= {c: s.retailer_forecast(c) for c in codes}
        supply += s.supply_suggestions(day=TODAY)
        s.close()
    assert all(f.this_month and f.brands and f.accuracy for f in forecasts.values())
    assert all(s.has_forecast for s in supply)
    s = Store(path)
    try:
        assert {c: s.retailer_forecast(c) for c in forecasts} == forecasts
        by_code = {x.code: x for x in s.supply_suggestions(day=TODAY)}
        assert [by_code[x.code] for x in supply] == supply
        assert len(by_code) == len(supply)
        one = next(iter(forecasts))
        assert s.supply_suggestions([one], TODAY) == [by_code[one]]
    finally:
        s.close()


def test_no_forecast_is_computed_on_the_team_database(team, tmp_path):
    """A run is an AM's record: the team database never finds its forecasts stale, and
    computing one there is refused and writes nothing (its pruning would remove the AMs'
    runs)."""
    path = shutil.copy(team[0], tmp_path / "team.db")
    s = Store(path)
    try:
        runs = s.query("SELECT * FROM forecast_runs ORDER BY id")
        assert not s.forecasts_stale()
        with pytest.raises(TeamRecordsRefused):
            s.compute_forecasts(TODAY)
        assert s.query("SELECT * FROM forecast_runs ORDER BY id") == runs
    finally:
        s.close()
