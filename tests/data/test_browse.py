"""The labels `khtui team serve` gives the team database's tables and columns, in each of the
UI's languages."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from khtui.data.browse import HIDDEN, TABLES, datasette_metadata
from khtui.data.demo import build_demo
from khtui.data.team import merge_into
from khtui.i18n import LANGUAGES, Translator


@pytest.fixture(scope="module")
def team_columns(tmp_path_factory) -> dict[str, list[str]]:
    d = tmp_path_factory.mktemp("browse")
    am = d / "am.db"
    build_demo(am, retailers=20, months=2, seed=5, today=dt.date(2026, 11, 23), territory=1)
    merge_into(d / "team.db", [am], now="2026-11-23T18:00:00")
    conn = sqlite3.connect(d / "team.db")
    try:
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    finally:
        conn.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_column_of_a_shown_table_has_a_label(team_columns, lang):
    tables = datasette_metadata("team", Translator(lang))["databases"]["team"]["tables"]
    for table, cols in team_columns.items():
        assert cols, table  # the table exists in a team database
        labels = tables[table]["columns"]
        missing = [c for c in cols if not labels.get(c) or labels[c].startswith("browse.")]
        assert not missing, (table, missing)
    assert all(tables[name] == {"hidden": True} for name in HIDDEN)


def test_the_labels_are_in_the_language_asked_for():
    zh = datasette_metadata("team", Translator("zh"))
    en = datasette_metadata("team", Translator("en"))
    assert (zh["title"], en["title"]) == ("khtui 团队库", "khtui team database")
    zh_t, en_t = zh["databases"]["team"]["tables"], en["databases"]["team"]["tables"]
    assert (zh_t["retailers"]["title"], en_t["retailers"]["title"]) == ("零售客户", "Retailers")
    # a retailer's field is named as everywhere else in the program
    assert zh_t["retailers"]["columns"]["name"] == "客户名称"
    assert en_t["retailers"]["columns"]["name"] == "Shop name"
    # a table's own label wins over the shared one
    assert en_t["brands"]["columns"]["name"] == "Brand"
    assert en_t["team_ams"]["columns"]["name"] == "Name"
    for table in TABLES:  # no Chinese left in the English labels
        for label in (en_t[table]["title"], *en_t[table]["columns"].values()):
            assert not any(
                "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in label
            ), (
                table,
                label,
            )
