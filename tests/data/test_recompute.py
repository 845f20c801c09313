"""Recompute stores, for every retailer, what deriving that retailer alone gives: the same
values and the same why (as the profile shows it), whether all retailers are taken at once,
in chunks, or only some of them. The why is stored as its inputs and made again when read,
under the rules of the recompute that stored it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

import khtui.data.sales as sales
from khtui.data.demo import build_demo
from khtui.data.store import Store
from khtui.domain.derive import rules_snapshot
from khtui.rules import Rules

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("recompute") / "demo.db"
    build_demo(path, retailers=40, months=15, seed=3, today=TODAY)
    return path


def one_by_one(store: Store, codes: list[str]) -> dict[str, tuple]:
    """What derive_retailer (one retailer, its own rows) gives, in the stored columns."""
    out = {}
    for code in codes:
        d = store.derive_retailer(code, TODAY)
        cat = d.category.category
        why = json.loads(  # as JSON holds it (a message's tuples are lists there)
            json.dumps(
                {
                    "tier": d.tier.why.to_dict(),
                    "category": d.category.why.to_dict(),
                    "level": d.level.why.to_dict(),
                    "value": d.value.why.to_dict(),
                }
            )
        )
        out[code] = (
            d.tier.tier,
            d.tier.monthly_avg_jian,
            cat.code if cat else None,
            d.level.level,
            d.value.value,
            d.value.score,
            TODAY.isoformat(),
            why,
        )
    return out


def stored(store: Store) -> dict[str, tuple]:
    return {
        r["code"]: (
            r["tier"],
            r["monthly_avg_jian"],
            r["category_code"],
            r["level"],
            r["value_class"],
            r["value_score"],
            r["derived_as_of"],
            store.get_retailer(r["code"])["derived_why"],  # the why as read
        )
        for r in store.query("SELECT * FROM retailers")
    }


def wipe(store: Store) -> None:
    with store.write() as conn:
        conn.execute("UPDATE retailers SET tier = NULL, derived_why = NULL, derived_as_of = NULL")


@pytest.mark.parametrize("chunk", [2000, 7])
def test_recompute_stores_what_deriving_each_retailer_gives(demo_db, tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(sales, "RECOMPUTE_CHUNK", chunk)
    path = tmp_path / "db.db"
    path.write_bytes(demo_db.read_bytes())
    store = Store(path)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    wipe(store)
    assert store.recompute(TODAY) == len(codes)
    assert stored(store) == one_by_one(store, codes)
    # some retailers' tiers differ (the demo is not one shape), so the comparison says something
    assert len({v[0] for v in stored(store).values()}) > 1
    store.close()


def test_recompute_of_some_retailers_touches_only_them(demo_db, tmp_path):
    path = tmp_path / "db.db"
    path.write_bytes(demo_db.read_bytes())
    store = Store(path)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    wipe(store)
    some = codes[3:6]
    assert store.recompute(TODAY, some) == len(some)
    rows = {
        r["code"]: r["derived_why"] for r in store.query("SELECT code, derived_why FROM retailers")
    }
    assert {c for c, why in rows.items() if why is not None} == set(some)
    store.close()


def _note_beside(conn) -> None:
    """Work given to recompute to run beside its derivation: a write of its own."""
    conn.execute("INSERT INTO meta (key, value) VALUES ('beside', 'done')")


def test_work_beside_the_derivation_commits_with_it(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    wipe(store)
    assert store.recompute(TODAY, codes[:5], beside=_note_beside) == 5
    assert store.meta("beside") == "done"
    assert sum(why is not None for *_, why in stored(store).values()) == 5
    store.close()


def test_work_beside_runs_when_no_retailer_is_derived(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    assert store.recompute(TODAY, ["no-such-retailer"], beside=_note_beside) == 0
    assert store.meta("beside") == "done"
    store.close()


def test_a_failure_beside_the_derivation_writes_nothing(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    wipe(store)

    def fails(conn) -> None:
        _note_beside(conn)
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        store.recompute(TODAY, codes, beside=fails)
    assert store.meta("beside") is None
    assert all(why is None for *_, why in stored(store).values())
    store.close()


def _copy(demo_db, tmp_path, rules: Rules | None = None) -> Store:
    path = tmp_path / "db.db"
    if not path.exists():
        path.write_bytes(demo_db.read_bytes())
    return Store(path, rules=rules)


def _other_rules(store: Store) -> Rules:
    """The store's rules with other tier bounds and value thresholds."""
    data = store.rules.data
    tiers = {**data["tiers"], "lower_bounds_jian": [30, 20, 12, 8, 5, 3, 1.5]}
    value = {**data["value"], "core_min": 60.0, "problem_below": 40.0}
    return Rules({**data, "tiers": tiers, "value": value})


def test_the_why_is_stored_as_its_inputs_with_the_rules_of_the_run(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    wipe(store)
    store.recompute(TODAY)
    digest, snapshot = rules_snapshot(store.rules)
    assert store.query_one("SELECT rules FROM derive_rules WHERE digest = ?", (digest,))[0] == (
        snapshot
    )
    texts = [r[0] for r in store.query("SELECT derived_why FROM retailers")]
    for text in texts:
        stored = json.loads(text)
        assert stored[:2] == [1, digest]
        assert len(text.encode()) < 400  # the whole why's text is some 3.5 KB
    store.close()


def test_the_why_read_is_that_of_the_rules_it_was_derived_under(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    wipe(store)
    store.recompute(TODAY)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    before = stored(store)
    store.close()
    # the rules change: what was stored still reads as it was derived (its thresholds too)
    store = _copy(demo_db, tmp_path, _other_rules(store))
    assert stored(store) == before
    # recomputed under the new rules, it is what they give
    store.recompute(TODAY)
    after = stored(store)
    assert after == one_by_one(store, codes)
    assert {c: v[-1]["tier"]["thresholds"] for c, v in after.items()} == {
        c: {
            "lower_bounds_jian": [30.0, 20.0, 12.0, 8.0, 5.0, 3.0, 1.5],
            "upper_bound_inclusive": True,
        }
        for c in codes
    }
    assert sum(after[c][0] != before[c][0] for c in codes) > 0  # some tiers moved
    store.close()


def test_a_why_whose_rules_are_not_known_here_reads_as_none_its_values_stay(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    wipe(store)
    store.recompute(TODAY)
    with store.write() as conn:
        conn.execute("DELETE FROM derive_rules")
    code = store.column("SELECT code FROM retailers ORDER BY code LIMIT 1")[0]
    tier = store.get_retailer(code)["tier"]
    store.close()
    store = _copy(demo_db, tmp_path, _other_rules(store))
    r = store.get_retailer(code)
    assert r["derived_why"] is None and r["tier"] == tier
    store.close()


def test_a_whole_why_stored_before_is_read_as_it_is_and_rewritten_as_inputs(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    wipe(store)
    store.recompute(TODAY)
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code")]
    read = stored(store)
    with store.write() as conn:  # as a recompute before this layout stored it
        conn.executemany(
            "UPDATE retailers SET derived_why = ? WHERE code = ?",
            [(json.dumps(read[c][-1], ensure_ascii=False), c) for c in codes],
        )
    assert stored(store) == read
    assert store.recompute(TODAY) == len(codes)
    assert stored(store) == read
    assert all(t.startswith("[1,") for t in store.column("SELECT derived_why FROM retailers"))
    store.close()


def test_a_why_whose_rules_no_longer_fit_todays_reads_as_none(demo_db, tmp_path):
    store = _copy(demo_db, tmp_path)
    data = store.rules.data
    store.close()

    def ten(table: dict) -> dict:  # tiers 9 and 10 as tier 8
        return {**table, "9": table["8"], "10": table["8"]}

    # ten tiers: the visits and supply tables then name ten, today's eight
    ten_tiers = Rules(
        {
            **data,
            "tiers": {
                **data["tiers"],
                "lower_bounds_jian": [40, 30, *data["tiers"]["lower_bounds_jian"]],
            },
            "value": {
                **data["value"],
                "contribution_by_tier": ten(data["value"]["contribution_by_tier"]),
            },
            "visits": {
                **data["visits"],
                "per_month_by_tier": ten(data["visits"]["per_month_by_tier"]),
            },
            "supply": {
                **data["supply"],
                "ceiling_tiao_by_tier": ten(data["supply"]["ceiling_tiao_by_tier"]),
            },
        }
    )
    store = _copy(demo_db, tmp_path, ten_tiers)
    wipe(store)
    store.recompute(TODAY)
    code = store.column("SELECT code FROM retailers ORDER BY code LIMIT 1")[0]
    assert (
        store.get_retailer(code)["derived_why"]["tier"]["thresholds"]["lower_bounds_jian"][0] == 40
    )
    store.close()
    store = _copy(demo_db, tmp_path)
    r = store.get_retailer(code)
    assert r["derived_why"] is None and r["tier"] is not None
    store.close()
