"""The demo dataset: deterministic, realistic in its sizes and shares, safe to rebuild."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sqlite3

import pytest

from khtui.data import demo as demo_mod
from khtui.data.base import StoreError, StoreProblem
from khtui.data.demo import DemoExistsError, build_demo, complete_past_visits, season_factor
from khtui.data.store import Store
from khtui.domain.calendar import WorkCalendar
from khtui.domain.capture import KIND_BY_KEY
from khtui.rules import default_rules
from tests.data.conftest import DEMO_AM_TABLES, shelf_looks

TODAY = dt.date(2026, 11, 23)  # a Monday
YESTERDAY = TODAY - dt.timedelta(days=1)


def _pinned():
    return dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default-size demo (320 retailers, 24 months), built once for this module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    summary = build_demo(path, today=TODAY)
    s = Store(path, clock=_pinned)
    yield s, summary
    s.close()


_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
# the bits uuid.UUID(version=4) sets whatever the number: version nibble and variant
_UUID_FIXED = (0xF000 << 64) | (0xC000 << 48)


def _tables(path, *, unsalted: bool = False) -> dict[str, list[tuple]]:
    """Every table's rows (as sorted text). ``unsalted``: each record id with the database's
    own AM id taken out again, i.e. the seeded stream it was drawn from."""
    conn = sqlite3.connect(path)
    salt = int(conn.execute("SELECT value FROM meta WHERE key = 'am_id'").fetchone()[0], 16)

    def plain(value):
        if unsalted and isinstance(value, str):  # ids in JSON texts (report figures) too
            return _ID.sub(lambda m: f"id:{(int(m[0], 16) ^ salt) & ~_UUID_FIXED:032x}", value)
        return value

    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    out = {
        n: sorted(repr(tuple(map(plain, row))) for row in conn.execute(f'SELECT * FROM "{n}"'))
        for n in names
    }
    conn.close()
    return out


def _ids(path) -> set[str]:
    conn = sqlite3.connect(path)
    out = set()
    for table in DEMO_AM_TABLES:
        out |= {r[0] for r in conn.execute(f"SELECT id FROM {table}")}
    out |= {r[0] for r in conn.execute("SELECT value FROM meta WHERE key = 'am_id'")}
    conn.close()
    return out


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_today_and_sizes_give_the_same_data_under_ids_of_their_own(tmp_path):
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    build_demo(a, retailers=30, months=4, seed=7, today=TODAY)
    build_demo(b, retailers=30, months=4, seed=7, today=TODAY)
    build_demo(c, retailers=30, months=4, seed=8, today=TODAY)
    ta, tb, tc = _tables(a, unsalted=True), _tables(b, unsalted=True), _tables(c)
    assert ta.keys() == tb.keys()
    for name in ta:
        assert ta[name] == tb[name], name
    assert len(ta["order_lines"]) > 500
    assert ta["retailers"] != tc["retailers"]
    assert ta["order_lines"] != tc["order_lines"]
    # the same seed, yet not one id in common: the two can be merged into a team database
    ids_a, ids_b = _ids(a), _ids(b)
    assert len(ids_a) > 100
    assert not ids_a & ids_b
    # the order lines, the company's data, are the same lines in both
    assert _tables(a)["order_lines"] == _tables(b)["order_lines"]


def test_a_seed_draws_the_order_lines_it_always_drew(tmp_path):
    """The order lines of a seed are pinned: demo databases built once (and kept, e.g. a
    benchmark's city) stay the data the same seed builds today, however the drawing is made."""
    import hashlib

    path = tmp_path / "d.db"
    build_demo(path, retailers=60, months=6, seed=7, today=TODAY)
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    rows = conn.execute("SELECT * FROM order_lines ORDER BY order_date, retailer_code, brand_code")
    n = 0
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        n += 1
    conn.close()
    assert n == 3161
    assert digest.hexdigest() == (
        "4178ebc6ce576547c651ee89eeb4bd093e3d2f11fe06c67c12ef77bee551a1e8"
    )


def test_territories_are_other_ams_with_customer_codes_of_their_own(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    build_demo(a, retailers=40, months=3, seed=7, today=TODAY)
    build_demo(b, retailers=40, months=3, seed=7, today=TODAY, territory=3)
    sa, sb = Store(a, clock=_pinned), Store(b, clock=_pinned)
    try:
        assert (sa.meta("am_code"), sb.meta("am_code")) == ("DEMO00", "DEMO03")
        assert sa.meta("am_name") != sb.meta("am_name")
        codes_a = {r[0] for r in sa.query("SELECT code FROM retailers")}
        codes_b = {r[0] for r in sb.query("SELECT code FROM retailers")}
        assert len(codes_a) == len(codes_b) == 40
        assert not codes_a & codes_b
        assert all(len(c) == 12 for c in codes_b)
        # the retailers themselves are drawn alike: same names in the same order of routes
        names = "SELECT name FROM retailers ORDER BY route, route_seq"
        assert [r[0] for r in sa.query(names)] == [r[0] for r in sb.query(names)]
    finally:
        sa.close()
        sb.close()
    with pytest.raises(ValueError, match="territory"):
        build_demo(tmp_path / "c.db", retailers=10, months=1, today=TODAY, territory=49)


# -- retailers -----------------------------------------------------------------------------------
def test_default_size_six_routes_on_weekdays(full):
    s, summary = full
    assert summary["retailers"] == 320
    assert s.count_retailers(status=None) == 320
    routes = s.query(
        "SELECT route, count(*) AS n, count(DISTINCT visit_batch) AS batches, "
        "min(visit_batch) AS batch, group_concat(DISTINCT market_type) AS market "
        "FROM retailers GROUP BY route"
    )
    assert len(routes) == 6
    assert all(r["batches"] == 1 for r in routes)
    assert {r["batch"] for r in routes} == {"周一", "周二", "周三", "周四", "周五"}
    markets = {r["route"]: r["market"] for r in routes}
    assert sorted(markets.values()) == ["乡村", "乡村", "城镇", "城镇", "城镇", "城镇"]
    # route positions run 1..n on each route
    for r in routes:
        seqs = [x[0] for x in s.query("SELECT route_seq FROM retailers WHERE route = ?", (r[0],))]
        assert sorted(seqs) == list(range(1, r["n"] + 1))


def test_statuses_and_special_retailers_in_realistic_shares(full):
    s, _ = full
    n = 320
    count = dict(s.query("SELECT status, count(*) FROM retailers GROUP BY status"))
    assert set(count) == {"正常", "暂停", "歇业", "注销"}
    assert 0.02 * n <= count["暂停"] <= 0.04 * n
    assert 0.01 * n <= count["歇业"] <= 0.03 * n
    assert 1 <= count["注销"] <= 0.02 * n
    vulnerable = s.query("SELECT birthday FROM retailers WHERE vulnerable = 1")
    assert 0.04 * n <= len(vulnerable) <= 0.06 * n
    assert all(dt.date.fromisoformat(r[0]).year < 1980 for r in vulnerable)
    models = s.query("SELECT status, market_type FROM retailers WHERE model_outlet = 1")
    assert 0.02 * n <= len(models) <= 0.04 * n
    assert {tuple(r) for r in models} == {("正常", "城镇")}
    assert s.scalar("SELECT count(*) FROM retailers WHERE debit_failures > 0") >= 0.02 * n
    soon = s.scalar(
        "SELECT count(*) FROM retailers WHERE licence_expiry BETWEEN ? AND ?",
        (TODAY.isoformat(), (TODAY + dt.timedelta(days=60)).isoformat()),
    )
    assert soon >= 1


def test_fields_are_filled_and_consistent(full):
    s, _ = full
    rows = [dict(r) for r in s.query("SELECT * FROM retailers")]
    for r in rows:
        assert re.fullmatch(r"\d{12}", r["code"]), r["code"]
        assert re.fullmatch(r"1\d{10}", r["phone"]), r["phone"]
        assert re.fullmatch(r"\d{12}", r["licence_no"])
        for field in ("name", "owner", "settlement", "order_day", "district", "route",
                      "business_format", "market_type", "scale", "credit_grade", "cooperation",
                      "trade_area", "address", "contact", "licence_expiry", "monopoly_officer",
                      "deliverer", "phone_clerk", "issuing_bureau", "compliance"):  # fmt: skip
            assert r[field], (r["code"], field)
        assert r["cooperation"] in ("好", "较好", "一般", "较差", "差")
        assert r["trade_area"] in default_rules().value.trade_area_scores
        assert r["order_day"] in ("周一", "周二", "周三", "周四", "周五")
        if r["market_type"] == "乡村":
            assert r["trade_area"] in ("城乡结合部", "集镇", "村庄")
    assert len({r["phone"] for r in rows}) == len(rows)
    assert len({r["licence_no"] for r in rows}) == len(rows)
    assert any(r["code"].startswith("0") for r in rows)  # leading-zero codes for import tests
    settle = [r["settlement"] for r in rows]
    assert settle.count("电子结算") > 0.8 * len(rows)
    names = {r["name"] for r in rows}
    for shop in ("工商银行旁便利店", "重庆小面烟酒", "曾记副食", "单家超市", "长安食杂店",
                 "长江烟酒行", "银行路便民店"):  # fmt: skip
        assert shop in names


def test_tiers_span_one_to_eight_most_in_four_to_eight(full):
    s, _ = full
    tiers = dict(
        s.query("SELECT tier, count(*) FROM retailers WHERE status = '正常' GROUP BY tier")
    )
    assert set(tiers) == set(range(1, 9))
    active = sum(tiers.values())
    assert sum(tiers[t] for t in range(4, 9)) >= 0.7 * active
    # the derived values were computed as of the demo's today, with their why
    assert (
        s.scalar("SELECT count(*) FROM retailers WHERE derived_as_of = ?", ("2026-11-23",)) == 320
    )
    assert set(dict(s.query("SELECT value_class, 1 FROM retailers"))) == {
        "core",
        "general",
        "problem",
    }


def test_meta_marks_a_demo(full):
    s, _ = full
    assert s.is_demo
    assert s.meta("demo_today") == "2026-11-23"
    assert s.meta("demo_seed") == str(demo_mod.DEFAULT_SEED)
    assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", s.meta("am_name"))
    assert s.meta("company")
    am_id = s.meta("am_id")
    assert re.fullmatch(r"[0-9a-f]{32}", am_id)
    for table in ("visits", "captures", "complaints", "price_observations", "visit_plans",
                  "retailer_changes"):  # fmt: skip
        ids = s.query(f"SELECT DISTINCT am_id FROM {table}")
        assert [r[0] for r in ids] == [am_id], table


# -- brands --------------------------------------------------------------------------------------
def test_brands_with_prices_by_class_key_and_new(full):
    s, _ = full
    brands = s.brands()
    assert 55 <= len(brands) <= 65
    for b in brands:
        assert re.fullmatch(r"\d{13}", b["brand_code"])
        assert b["class"] in ("一类", "二类", "三类", "四类", "五类")
        assert 0 < b["wholesale_price"] < b["guide_price"]
    # dearer classes cost more: every 一类 above every 四类, every 二类 above every 五类
    price = {c: [b["wholesale_price"] for b in brands if b["class"] == c] for c in
             ("一类", "二类", "三类", "四类", "五类")}  # fmt: skip
    assert min(price["一类"]) > max(price["三类"])
    assert min(price["二类"]) > max(price["四类"])
    assert min(price["三类"]) > max(price["五类"])
    key = [b for b in brands if b["is_key"]]
    new = [b for b in brands if b["is_new"]]
    assert len(key) == 8
    assert {"中华(硬)", "玉溪(软)", "南京(炫赫门)", "泰山(红将军)"} <= {b["name"] for b in key}
    assert len(new) == 5
    for b in new:
        launch = dt.date.fromisoformat(b["launch_date"])
        assert TODAY - dt.timedelta(days=240) <= launch < TODAY


# -- orders --------------------------------------------------------------------------------------
def test_orders_end_on_the_last_working_day_before_today(full):
    s, summary = full
    last_workday = WorkCalendar(default_rules()).previous_workday(TODAY)
    assert s.scalar("SELECT max(order_date) FROM order_lines") == last_workday.isoformat()
    first = dt.date.fromisoformat(s.scalar("SELECT min(order_date) FROM order_lines"))
    assert dt.date(2024, 11, 23) <= first <= dt.date(2024, 11, 30)
    assert summary["last_order_day"] == YESTERDAY.isoformat()
    assert summary["order_lines"] == s.scalar("SELECT count(*) FROM order_lines")
    assert 50_000 <= summary["order_lines"] <= 90_000


def test_amount_is_quantity_times_wholesale_price(full):
    s, _ = full
    assert s.scalar("SELECT count(*) FROM order_lines WHERE qty_tiao < 1") == 0
    bad = s.scalar(
        "SELECT count(*) FROM order_lines o JOIN brands b ON b.brand_code = o.brand_code "
        "WHERE abs(o.amount - o.qty_tiao * b.wholesale_price) > 0.005 OR o.price != b.wholesale_price "
        "OR o.brand_name != b.name"
    )
    assert bad == 0
    assert (
        s.scalar(
            "SELECT count(*) FROM order_lines WHERE brand_code NOT IN (SELECT brand_code FROM brands)"
        )
        == 0
    )


def test_new_brands_sell_only_after_launch(full):
    s, _ = full
    early = s.scalar(
        "SELECT count(*) FROM order_lines o JOIN brands b ON b.brand_code = o.brand_code "
        "WHERE b.is_new = 1 AND o.order_date < b.launch_date"
    )
    assert early == 0
    assert (
        s.scalar(
            "SELECT count(DISTINCT o.brand_code) FROM order_lines o JOIN brands b "
            "ON b.brand_code = o.brand_code WHERE b.is_new = 1"
        )
        == 5
    )


def test_inactive_retailers_stop_ordering_at_their_status_date(full):
    s, _ = full
    rows = s.query(
        "SELECT r.code, r.status, c.changed_at, (SELECT max(order_date) FROM order_lines o "
        "WHERE o.retailer_code = r.code) AS last FROM retailers r JOIN retailer_changes c "
        "ON c.retailer_code = r.code AND c.field = 'status' WHERE r.status != '正常'"
    )
    assert len(rows) == s.scalar("SELECT count(*) FROM retailers WHERE status != '正常'")
    for r in rows:
        assert r["last"] is not None and r["last"] < r["changed_at"][:10], dict(r)


def test_urban_large_shops_buy_dearer_brands(full):
    s, _ = full
    avg = dict(
        s.query(
            "SELECT r.market_type, sum(o.amount) / sum(o.qty_tiao) FROM order_lines o "
            "JOIN retailers r ON r.code = o.retailer_code GROUP BY r.market_type"
        )
    )
    assert avg["城镇"] > 1.2 * avg["乡村"]
    by_tier = dict(
        s.query(
            "SELECT CASE WHEN tier <= 3 THEN 'big' WHEN tier >= 6 THEN 'small' END, avg(avg_price) "
            "FROM retailers WHERE status = '正常' AND tier NOT IN (4, 5) GROUP BY 1"
        )
    )
    assert by_tier["big"] > by_tier["small"]


def test_spring_festival_weeks_and_month_sell_more_than_their_neighbours(full):
    s, _ = full

    def qty(a: dt.date, b: dt.date) -> float:
        return s.scalar(
            "SELECT sum(qty_tiao) FROM order_lines WHERE order_date BETWEEN ? AND ?",
            (a.isoformat(), b.isoformat()),
        )

    for festival in (dt.date(2025, 1, 29), dt.date(2026, 2, 17)):
        d = dt.timedelta
        peak = qty(festival - d(28), festival - d(1))
        assert peak > 1.2 * qty(festival - d(56), festival - d(29))
        assert peak > 1.4 * qty(festival + d(28), festival + d(55))
        # the festival week itself has no orders
        assert qty(festival, festival + d(5)) is None
    month = dict(s.query("SELECT month, sum(qty_tiao) FROM monthly_sales GROUP BY month"))
    assert month["2026-01"] > 1.2 * month["2025-11"]
    assert month["2026-01"] > 1.2 * month["2026-03"]
    assert month["2025-01"] > 1.2 * month["2025-03"]


def test_season_factor_boundaries():
    sf = dt.date(2026, 2, 17)
    assert season_factor(sf - dt.timedelta(days=36)) == (1.0, False)  # 2026-01-12
    assert season_factor(sf - dt.timedelta(days=35)) == (1.4, True)
    assert season_factor(sf - dt.timedelta(days=1)) == (pytest.approx(1.8), True)
    assert season_factor(sf) == (0.0, False)
    assert season_factor(sf + dt.timedelta(days=7)) == (0.75, False)
    assert season_factor(sf + dt.timedelta(days=21)) == (0.95, False)  # March


def test_monthly_aggregates_match_the_order_lines(full, tmp_path):
    s, _ = full
    assert s.scalar("SELECT sum(qty_tiao) FROM monthly_sales") == s.scalar(
        "SELECT sum(qty_tiao) FROM order_lines"
    )
    assert s.scalar("SELECT sum(lines) FROM monthly_sales") == s.scalar(
        "SELECT count(*) FROM order_lines"
    )
    assert s.scalar("SELECT sum(qty_tiao) FROM monthly_brand_sales") == s.scalar(
        "SELECT sum(qty_tiao) FROM order_lines"
    )
    # whatever indexes the bulk load dropped are back: the same ones as in a fresh store
    fresh = Store(tmp_path / "fresh.db", create=True)
    sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert [tuple(r) for r in s.query(sql)] == [tuple(r) for r in fresh.query(sql)]
    fresh.close()


# -- history -------------------------------------------------------------------------------------
def test_visits_before_today_done_or_skipped_and_the_rest_of_the_month_planned(full):
    s, _ = full
    months = [r[0] for r in s.query("SELECT month FROM visit_plans ORDER BY month")]
    # the last three months and this one, all approved
    assert months == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert s.scalar("SELECT count(*) FROM visit_plans WHERE status != 'approved'") == 0
    day = TODAY.isoformat()
    status = dict(
        s.query(
            "SELECT status, count(*) FROM visits WHERE planned_date < ? GROUP BY status", (day,)
        )
    )
    assert set(status) == {"done", "skipped"}
    ahead = dict(
        s.query(
            "SELECT status, count(*) FROM visits WHERE planned_date >= ? GROUP BY status", (day,)
        )
    )
    assert set(ahead) == {"planned"}
    assert ahead["planned"] > 0
    assert status["skipped"] < 0.12 * status["done"]
    assert (
        s.scalar(
            "SELECT count(*) FROM visits WHERE status = 'skipped' AND coalesce(skip_reason, '') = ''"
        )
        == 0
    )
    assert (
        s.scalar(
            "SELECT count(*) FROM visits WHERE status = 'done' AND NOT (checked_in_at < done_at "
            "AND substr(checked_in_at, 1, 10) = planned_date)"
        )
        == 0
    )
    # every retailer active all month long was planned in each month (coverage 100 %)
    for month in months:
        missing = s.scalar(
            "SELECT count(*) FROM retailers r WHERE r.status = '正常' AND NOT EXISTS "
            "(SELECT 1 FROM visits v WHERE v.retailer_code = r.code AND v.planned_date LIKE ?) "
            "AND (SELECT min(order_date) FROM order_lines o WHERE o.retailer_code = r.code) < ?",
            (month + "%", month + "-01"),
        )
        assert missing == 0, month
    capacity = default_rules().visits.daily_capacity
    assert (
        s.scalar("SELECT max(n) FROM (SELECT count(*) AS n FROM visits GROUP BY planned_date)")
        <= capacity
    )
    # no visit on a rest day, nor of a retailer after it stopped
    cal = WorkCalendar(default_rules())
    days = [
        dt.date.fromisoformat(r[0]) for r in s.query("SELECT DISTINCT planned_date FROM visits")
    ]
    assert all(cal.is_workday(d) for d in days)
    for r in s.query("SELECT v.reasons, v.measures FROM visits v LIMIT 200"):
        assert "plan" in json.loads(r[0])
        assert "collect_demand" in json.loads(r[1])


def test_captures_follow_the_kinds(full):
    s, _ = full
    kinds = dict(s.query("SELECT kind, count(*) FROM captures GROUP BY kind"))
    assert set(kinds) == set(KIND_BY_KEY)
    for r in s.query("SELECT kind, payload, is_draft, visit_id, retailer_code FROM captures"):
        payload = json.loads(r["payload"])
        fields = {f.name for f in KIND_BY_KEY[r["kind"]].fields}
        assert set(payload) <= fields, r["kind"]
        for f in KIND_BY_KEY[r["kind"]].fields:
            if f.required:
                assert payload.get(f.name) not in (None, ""), (r["kind"], f.name)
            if f.choices and payload.get(f.name) not in (None, ""):
                assert payload[f.name] in f.choices
        assert r["is_draft"] == 0
        assert (r["visit_id"] is None) == (r["kind"] == "worklog")
    # captures of a visit are dated on the visit's day and the visit was done
    assert (
        s.scalar(
            "SELECT count(*) FROM captures c JOIN visits v ON v.id = c.visit_id "
            "WHERE v.status != 'done' OR c.captured_on != v.planned_date"
        )
        == 0
    )


def test_price_observations_near_guide_some_deviating(full):
    s, _ = full
    rows = [
        dict(r)
        for r in s.query(
            "SELECT p.*, c.kind FROM price_observations p JOIN captures c ON c.id = p.capture_id"
        )
    ]
    assert rows and {r["kind"] for r in rows} == {"prices"}
    dev = [abs(r["retail_price"] - r["guide_price"]) / r["guide_price"] for r in rows]
    big = sum(1 for d in dev if d > 0.10)
    assert 0.01 * len(rows) < big < 0.12 * len(rows)
    assert sum(1 for r in rows if r["marked_price"] == 1) > 0.8 * len(rows)
    assert any(r["marked_price"] == 0 for r in rows)
    key = {b["brand_code"] for b in s.brands() if b["is_key"]}
    assert all((r["on_shelf"] is not None) == (r["brand_code"] in key) for r in rows)
    assert all(r["stock_tiao"] >= 0 and r["is_draft"] == 0 for r in rows)


def test_complaints_routed_with_dates_and_a_couple_overdue(full):
    s, _ = full
    routes = default_rules().complaint_routes
    rows = [dict(r) for r in s.query("SELECT * FROM complaints")]
    assert len(rows) >= 10
    assert {r["status"] for r in rows} == {"open", "forwarded", "answered", "closed"}
    for r in rows:
        route = routes[r["category"]]
        assert (r["department"], r["am_share"]) == (route.department, route.am_share)
        raised = dt.date.fromisoformat(r["raised_on"])
        assert r["due_on"] == (raised + dt.timedelta(days=route.due_days)).isoformat()
        if r["status"] == "closed":
            assert r["raised_on"] <= r["answered_on"] <= r["closed_on"] <= TODAY.isoformat()
            assert r["answer"] and r["resolution"]
        if r["status"] == "answered":
            assert r["answered_on"] and r["answer"] and not r["closed_on"]
        if r["status"] == "forwarded":
            assert r["forwarded_on"] and route.am_share == "secondary"
    overdue = [
        r for r in rows if r["status"] in ("open", "forwarded") and r["due_on"] < "2026-11-23"
    ]
    assert len(overdue) == 2
    # complaints raised at a visit come from an opinion capture of type 投诉
    for r in s.query(
        "SELECT c.kind, c.payload FROM complaints k JOIN captures c ON c.id = k.capture_id"
    ):
        assert r[0] == "opinion" and json.loads(r[1])["type"] == "投诉"


def test_complete_past_visits_finishes_the_planned_visits_before_a_day(tmp_path):
    path = tmp_path / "d.db"
    build_demo(path, retailers=30, months=4, today=TODAY)
    s = Store(path, clock=_pinned)
    codes = [r[0] for r in s.query("SELECT code FROM retailers WHERE status = '正常' LIMIT 12")]
    with s.write() as conn:
        for i, code in enumerate(codes):
            day = dt.date(2026, 11, 16 + i % 8)  # 16..23
            conn.execute(
                "INSERT INTO visits (id, am_id, retailer_code, planned_date, seq, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 'x', 'x')",
                (f"v{i}", s.am_id, code, day.isoformat(), i + 1),
            )
    before = s.scalar("SELECT count(*) FROM captures")
    counts = complete_past_visits(s, random.Random(1), TODAY)
    rows = dict(s.query("SELECT id, status FROM visits WHERE id LIKE 'v%'"))
    past = [f"v{i}" for i in range(12) if 16 + i % 8 < 23]
    assert counts["visits"] == len(past)
    assert all(rows[v] in ("done", "skipped") for v in past)
    assert all(rows[v] == "planned" for v in rows if v not in past)
    assert s.scalar("SELECT count(*) FROM captures") > before
    # nothing is left to do the second time
    assert complete_past_visits(s, random.Random(1), TODAY)["visits"] == 0
    s.close()


def test_visit_and_capture_states_pass_the_rules_of_the_ams_own_keys(full):
    """The demo's history is made through the same domain rules as a user's: a finished visit
    has its finish time not before its check-in, a skipped one its reason, and every final
    capture is cleaned and has its required fields."""
    from khtui.domain.capture import clean_field, missing_required

    s, _summary = full
    bad = s.query(
        "SELECT id FROM visits WHERE (status = 'done' AND (done_at IS NULL OR checked_in_at > "
        "done_at)) OR (status = 'skipped' AND trim(coalesce(skip_reason, '')) = '')"
    )
    assert bad == []
    for row in s.query("SELECT kind, payload FROM captures WHERE is_draft = 0"):
        kind, payload = KIND_BY_KEY[row["kind"]], json.loads(row["payload"])
        assert missing_required(kind, payload) == [], row["kind"]
        fields = {f.name: f for f in kind.fields}
        assert all(clean_field(fields[k], v) == v for k, v in payload.items()), payload


def test_a_demo_capture_that_breaks_the_rules_stops_the_build():
    from khtui.data.demo import final_payload

    assert final_payload("brand_sales", {"brand_code": "B1", "selling": "好", "price": 450}) == {
        "brand_code": "B1",
        "selling": "好",
        "price": 450.0,
    }
    with pytest.raises(ValueError, match="missing"):
        final_payload("opinion", {"type": "意见", "text": ""})
    with pytest.raises(ValueError, match="unknown"):
        final_payload("opinion", {"type": "意见", "text": "好", "mood": "ok"})


# -- safe writing --------------------------------------------------------------------------------
def test_existing_file_is_refused_unless_replace(tmp_path):
    path = tmp_path / "d.db"
    build_demo(path, retailers=3, months=1, today=TODAY)
    with pytest.raises(DemoExistsError):
        build_demo(path, retailers=5, months=1, today=TODAY)
    build_demo(path, retailers=5, months=1, today=TODAY, replace=True)
    s = Store(path)
    assert s.count_retailers(status=None) == 5
    s.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.db"]


def test_replace_never_replaces_a_file_that_is_not_a_khtui_database(tmp_path):
    path = tmp_path / "d.db"
    path.write_text("precious")
    with pytest.raises(StoreProblem) as exc:
        build_demo(path, retailers=5, months=1, today=TODAY, replace=True)
    assert exc.value.key == "store.err.not_sqlite"
    assert path.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.db"]


def _fails_at_once(method):
    def boom(self, *args, **kwargs):
        raise RuntimeError("build failed")

    return boom


def _fails_after_one_retailer(draw):
    def broken(spec, profiles):
        lines = draw(spec, profiles)
        yield next(lines)
        raise RuntimeError("build failed")

    return broken


@pytest.mark.parametrize(
    ("owner", "name", "failing"),
    [
        (demo_mod._Builder, "plan_history", _fails_at_once),
        (demo_mod._Builder, "complete_history", _fails_at_once),
        (demo_mod, "_draw_lines", _fails_after_one_retailer),
    ],
)
def test_a_failed_build_leaves_the_old_file_and_no_temporary_one(
    tmp_path, monkeypatch, owner, name, failing
):
    """Whether the build fails before any order line, while drawing them or after."""
    path = tmp_path / "d.db"
    build_demo(path, retailers=5, months=1, today=TODAY)
    old = path.read_bytes()
    monkeypatch.setattr(owner, name, failing(getattr(owner, name)))
    with pytest.raises(RuntimeError, match="build failed"):
        build_demo(path, retailers=5, months=1, today=TODAY, replace=True)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.db"]


def test_sizes_out_of_range_are_refused(tmp_path):
    with pytest.raises(ValueError):
        build_demo(tmp_path / "a.db", retailers=0, today=TODAY)
    with pytest.raises(ValueError):
        build_demo(tmp_path / "a.db", months=0, today=TODAY)
    assert not (tmp_path / "a.db").exists()


def test_small_build_is_complete(tmp_path):
    summary = build_demo(tmp_path / "s.db", retailers=30, months=4, today=TODAY)
    assert summary["retailers"] == 30
    s = Store(tmp_path / "s.db")
    assert len(s.routes()) == 6
    assert {r[0] for r in s.query("SELECT DISTINCT status FROM retailers")} == {
        "正常", "暂停", "歇业", "注销",
    }  # fmt: skip
    s.close()


# -- the order lines, drawn by processes of their own -------------------------------------------
def _table(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


_LINES_AND_SUMS = {
    "order_lines": "SELECT * FROM order_lines ORDER BY order_date, retailer_code, brand_code",
    "monthly_sales": "SELECT * FROM monthly_sales ORDER BY retailer_code, month",
    "monthly_brand_sales": "SELECT * FROM monthly_brand_sales "
    "ORDER BY retailer_code, month, brand_code",
}


def test_lines_drawn_by_processes_are_the_lines_drawn_by_the_build(tmp_path, monkeypatch):
    """Two processes each draw a run of the retailers; the lines and their monthly sums are the
    ones the build draws itself, to the last bit, and the processes are gone after."""
    import multiprocessing

    alone, shared = tmp_path / "alone.db", tmp_path / "shared.db"
    build_demo(alone, retailers=60, months=6, seed=7, today=TODAY)
    assert demo_mod._drawing_processes(60) == 0  # a small demo draws its lines itself
    monkeypatch.setattr(demo_mod, "_drawing_processes", lambda retailers: 2)
    build_demo(shared, retailers=60, months=6, seed=7, today=TODAY)
    for sql in _LINES_AND_SUMS.values():
        assert _table(alone, sql) == _table(shared, sql)
    assert len(_table(shared, _LINES_AND_SUMS["order_lines"])) == 3161
    assert multiprocessing.active_children() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.db", "shared.db"]


def test_the_monthly_sums_of_staged_lines_are_those_summed_from_the_lines(tmp_path):
    """The sums made in the stages and copied in equal the program's own sums of the same
    lines (rebuild_monthly) to the last bit: one definition of the monthly aggregates."""
    build_demo(tmp_path / "d.db", retailers=40, months=4, seed=3, today=TODAY)
    s = Store(tmp_path / "d.db", clock=_pinned)
    try:
        staged = {name: s.query(sql) for name, sql in _LINES_AND_SUMS.items()}
        s.rebuild_monthly()
        for name, sql in _LINES_AND_SUMS.items():
            assert [tuple(r) for r in s.query(sql)] == [tuple(r) for r in staged[name]]
    finally:
        s.close()


def test_a_process_that_fails_stops_the_draw_and_says_why(tmp_path):
    """A retailer drawn twice repeats its lines' keys: the process drawing it fails, its
    exception is raised in the build (as the build would have raised it), no process is left
    running and no input file is left."""
    import multiprocessing

    store = Store(tmp_path / "d.db", create=True, clock=_pinned)
    b = demo_mod._Builder(store, retailers=30, months=2, seed=7, today=TODAY, progress=None)
    b.build_brands()
    b.draw_retailers()
    store.close()
    profiles = sorted(b.profiles, key=lambda p: p.code)
    stages = [tmp_path / "s0", tmp_path / "s1"]
    drawing = demo_mod._DrawingProcesses(b._line_spec(), [*profiles, profiles[-1]], stages)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed") as exc:
            drawing.wait(print)
    finally:
        drawing.stop()
    assert any("in a process drawing the order lines" in note for note in exc.value.__notes__)
    assert multiprocessing.active_children() == []
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".in"]


def test_staged_order_lines_are_laid_out_as_the_databases(store):
    """Columns, types, key order and no rowid: the stages' records are copied as they are."""
    from khtui.data.sales import ORDER_LINES_TABLE

    def layout(conn):
        columns = conn.execute("PRAGMA table_xinfo(order_lines)").fetchall()
        rowid = conn.execute(
            "SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_master WHERE name = 'order_lines'"
        ).fetchone()
        return [tuple(c) for c in columns], tuple(rowid)

    staged = sqlite3.connect(":memory:")
    staged.execute(ORDER_LINES_TABLE)
    assert layout(staged) == layout(store.conn)
    staged.close()


def _one_line_stage(tmp_path):
    from khtui.data.sales import LINES_STAGE, LINES_STAGE_INSERT, finish_lines_stage

    stage = tmp_path / "stage.db"
    conn = sqlite3.connect(stage)
    for ddl in LINES_STAGE:
        conn.execute(ddl)
    conn.execute(LINES_STAGE_INSERT, ("R2", "2026-10-06", "B1", "中华", 1, 380.0, 380.0, "2026-10"))
    finish_lines_stage(conn.execute)
    conn.commit()
    conn.close()
    return stage


def test_staged_lines_go_only_into_a_database_without_lines(store, tmp_path):
    stage = _one_line_stage(tmp_path)
    store.add_order_lines([("R1", "2026-10-05", "B1", "中华", 2, 760.0, 380.0)])
    with pytest.raises(StoreError, match="nothing was written"):
        store.load_staged_lines([stage])
    assert store.scalar("SELECT count(*) FROM order_lines") == 1
    assert store.scalar("SELECT sum(qty_tiao) FROM monthly_sales") == 2


def test_staged_lines_load_and_leave_the_page_cache_as_it_was(store, tmp_path):
    """The indexes are sorted in small runs; the connection's own cache size is put back."""
    stage = _one_line_stage(tmp_path)
    store.conn.execute("PRAGMA cache_size = -65536")
    assert store.load_staged_lines([stage]) == 1
    assert store.scalar("PRAGMA cache_size") == -65536
    assert [tuple(r) for r in store.query("SELECT * FROM monthly_sales")] == [
        ("R2", "2026-10", 1.0, 380.0, 1)
    ]


def test_visit_measures_are_the_planners_measures(full):
    import json

    from khtui.domain.planning import MEASURES

    s, _ = full
    used = {
        m for (raw,) in s.query("SELECT DISTINCT measures FROM visits") for m in json.loads(raw)
    }
    assert used and used <= set(MEASURES)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-10-01", "2026-10-31"),  # a month
        ("2026-10-24", "2026-11-22"),  # the brand cycle ending on a week's Sunday
        ("2026-11-16", "2026-11-16"),  # one day
        ("2025-11-24", "2026-11-23"),  # a year: order days far beyond one 64-bit integer
    ],
)
def test_brand_figures_count_the_lines_as_the_definition_does(full, start, end):
    """``store.brand_figures_with_qty`` (its order days from SQLite as offsets) against the
    domain's definition fed with every order line of the demo, read plainly."""
    from khtui.domain.brand_figures import brand_figures

    s, _ = full
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    cycle = s.rules.brands.cycle_days
    brands = s.cultivated_brands()
    codes = {x["brand_code"] for x in brands}
    lines = [
        (r["retailer_code"], r["brand_code"], r["order_date"], r["qty_tiao"])
        for r in s.query("SELECT * FROM order_lines ORDER BY order_date, retailer_code, brand_code")
        if r["brand_code"] in codes
    ]
    orders = [(c, br, dt.date.fromisoformat(d)) for c, br, d, q in lines if q > 0]
    shelf = shelf_looks(s)
    active = [r["code"] for r in s.query("SELECT code FROM retailers WHERE status = '正常'")]
    expected = brand_figures(brands, active, orders, shelf, a, b, cycle)
    rows, qty = s.brand_figures_with_qty(a, b)
    assert [
        {k: v for k, v in r.items() if k not in ("guide_price", "start", "end")} for r in rows
    ] == [f.to_dict() for f in expected]
    assert sum(f.ordered for f in expected) > 0
    want: dict[str, float] = {}
    for _c, br, d, q in lines:
        if start <= d <= end:
            want[br] = want.get(br, 0.0) + q
    assert qty == want


def test_the_build_tells_its_stages_in_order_and_the_forecasts_months_as_they_end(tmp_path):
    """Each stage is told as it begins; the orders and the forecast (most of a small demo's
    time) tell how far they are, ending at their total."""
    told: list[tuple[str, int, int]] = []
    build_demo(
        tmp_path / "d.db",
        retailers=30,
        months=12,  # enough for several origins
        seed=7,
        today=TODAY,
        progress=lambda *a: told.append(a),
    )
    stages = [stage for stage, _done, _total in told]
    order = list(dict.fromkeys(stages))
    assert order == [s for s in demo_mod.STAGES if s in order]
    assert {"orders", "history", "derive", "plan", "forecast"} <= set(order)
    forecast = [(done, total) for stage, done, total in told if stage == "forecast"]
    total = forecast[0][1]
    assert total > 1 and forecast == [(done, total) for done in range(total + 1)]
