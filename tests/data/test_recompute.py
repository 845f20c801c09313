"""Recompute stores, for every retailer, what deriving that retailer alone gives: the same
values and the same why (as the profile shows it), whether all retailers are taken at once,
in chunks, or only some of them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import khtui.data.sales as sales
from khtui.data.demo import build_demo
from khtui.data.store import Store
from khtui.domain.why import Why, WhyEncoder

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
            json.loads(r["derived_why"]),
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


def test_why_encoder_writes_what_json_dumps_writes():
    enc = WhyEncoder()
    a = Why(
        "tier",
        {"avg": 3.5, "months": ["2026-08"]},
        "2026-08..2026-10",
        {"A": 10, "B": 5},
        {"zh": "甲", "en": "a"},
    )
    b = Why("tier", {"avg": 1}, "p", {"A": 12, "B": 5}, {"zh": "乙"})  # the rule's bounds changed
    c = Why("value", {"x": None, "marker": "\x00thresholds:tier\x00"}, "", {}, {})
    for whys in ({"tier": a, "value": c}, {"tier": b, "value": c}, {"tier": a, "value": c}):
        expected = json.dumps({k: w.to_dict() for k, w in whys.items()}, ensure_ascii=False)
        assert enc.encode(whys) == expected
