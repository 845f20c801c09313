"""CaptureOps: drafts saved field by field, the price grid, copy forward, finishing, gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.data.base import StoreError
from khtui.data.captures import CaptureError
from khtui.domain.capture import ValueProblem
from tests.capture_helpers import add_visit, seed, set_visit_status
from tests.conftest import TODAY


@pytest.fixture
def seeded(store):
    seed(store)
    return store


def obs(store, capture_id):
    return {
        r["brand_code"]: dict(r)
        for r in store.query("SELECT * FROM price_observations WHERE capture_id = ?", (capture_id,))
    }


def test_grid_rows_are_key_new_then_carried_brands(seeded):
    vid = add_visit(seeded, "R1", TODAY)
    cid = seeded.ensure_capture("prices", visit_id=vid)
    grid = seeded.price_grid(cid)
    assert [r["brand_code"] for r in grid] == ["K1", "N1", "P1"]
    assert [r["carried"] for r in grid] == [False, False, True]
    assert grid[0]["guide_price"] == 250.0
    # R2 carries nothing: only key and new brands.
    cid2 = seeded.ensure_capture("prices", retailer_code="R2", on=TODAY)
    assert [r["brand_code"] for r in seeded.price_grid(cid2)] == ["K1", "N1"]


def test_every_cell_is_saved_at_once_as_a_draft(seeded):
    vid = add_visit(seeded, "R1", TODAY)
    cid = seeded.ensure_capture("prices", visit_id=vid)
    assert seeded.ensure_capture("prices", visit_id=vid) == cid  # one per kind and visit
    assert seeded.set_grid_value(cid, "K1", "retail_price", "260") == 260.0
    seeded.set_grid_value(cid, "K1", "stock_tiao", "12")
    seeded.set_grid_value(cid, "K1", "on_shelf", "是")
    row = obs(seeded, cid)["K1"]
    assert (row["retail_price"], row["stock_tiao"], row["on_shelf"], row["is_draft"]) == (
        260.0,
        12,
        1,
        1,
    )
    assert row["guide_price"] == 250.0 and row["observed_on"] == TODAY.isoformat()
    assert seeded.get_capture(cid)["is_draft"] is True
    # drafts are not listed unless asked for
    assert seeded.captures(retailer="R1") == []
    assert [c["id"] for c in seeded.captures(retailer="R1", include_drafts=True)] == [cid]


@pytest.mark.parametrize(
    ("field", "raw", "code"),
    [
        ("retail_price", "0", "price_positive"),
        ("retail_price", "-5", "price_positive"),
        ("retail_price", "abc", "not_number"),
        ("retail_price", "25.555", "two_decimals"),
        ("stock_tiao", "2.5", "whole_tiao"),
        ("stock_tiao", "-1", "not_negative"),
        ("on_shelf", "也许", "not_bool"),
    ],
)
def test_bad_grid_values_are_refused_and_not_saved(seeded, field, raw, code):
    cid = seeded.ensure_capture("prices", retailer_code="R1", on=TODAY)
    seeded.set_grid_value(cid, "K1", "retail_price", "250")
    with pytest.raises(ValueProblem) as err:
        seeded.set_grid_value(cid, "K1", field, raw)
    assert err.value.code == code
    row = obs(seeded, cid)["K1"]
    assert row["retail_price"] == 250.0
    assert row["stock_tiao"] is None and row["on_shelf"] is None


def test_deviation_is_flagged_past_the_threshold(seeded):
    cid = seeded.ensure_capture("prices", retailer_code="R1", on=TODAY)
    seeded.set_grid_value(cid, "K1", "retail_price", "275")  # +10 %: at the threshold
    seeded.set_grid_value(cid, "N1", "retail_price", "110.01")  # just past 10 %
    grid = {r["brand_code"]: r for r in seeded.price_grid(cid)}
    assert grid["K1"]["deviation_pct"] == pytest.approx(10.0)
    assert grid["K1"]["flagged"] is False
    assert grid["N1"]["flagged"] is True


def test_form_fields_are_validated_and_saved(seeded):
    cid = seeded.ensure_capture("dynamics", retailer_code="R1", on=TODAY)
    with pytest.raises(ValueProblem) as err:
        seeded.set_capture_field(cid, "date", "2026-02-30")
    assert err.value.code == "bad_date"
    with pytest.raises(ValueProblem):
        seeded.set_capture_field(cid, "event", "搬家")  # not one of the choices
    seeded.set_capture_field(cid, "event", "装修")
    seeded.set_capture_field(cid, "date", "2026-12-01")
    with pytest.raises(ValueProblem) as err:
        seeded.set_capture_field(cid, "brand_code", "P1")  # a field of another kind
    assert err.value.code == "unknown_field"
    assert seeded.get_capture(cid)["payload"] == {"event": "装修", "date": "2026-12-01"}
    bs = seeded.ensure_capture("brand_sales", retailer_code="R1", on=TODAY)
    assert seeded.set_capture_field(bs, "brand_code", "普通丙") == "P1"  # by name
    with pytest.raises(ValueProblem) as err:
        seeded.set_capture_field(bs, "brand_code", "不存在")
    assert err.value.code == "unknown_brand"


def test_finish_requires_required_fields_and_writes_nothing_otherwise(seeded):
    vid = add_visit(seeded, "R1", TODAY)
    prices = seeded.ensure_capture("prices", visit_id=vid)
    seeded.set_grid_value(prices, "K1", "retail_price", "250")
    op = seeded.ensure_capture("opinion", visit_id=vid)
    seeded.set_capture_field(op, "text", "希望多配点新品")  # type left blank
    with pytest.raises(CaptureError) as err:
        seeded.finish_capture(visit_id=vid)
    assert err.value.problems == [{"kind": "opinion", "field": "type", "code": "required"}]
    assert seeded.get_capture(prices)["is_draft"] is True
    assert obs(seeded, prices)["K1"]["is_draft"] == 1
    seeded.set_capture_field(op, "type", "建议")
    empty = seeded.ensure_capture("worklog", visit_id=vid)  # opened, nothing typed
    seeded.set_grid_value(prices, "N1", "stock_tiao", "")  # a row with nothing in it
    done = seeded.finish_capture(visit_id=vid)
    assert done == {"captures": 2, "observations": 1, "dropped": 1}
    assert seeded.get_capture(empty) is None
    listed = seeded.captures(retailer="R1")
    assert {c["kind"] for c in listed} == {"prices", "opinion"}
    price_cap = next(c for c in listed if c["kind"] == "prices")
    assert [o["brand_code"] for o in price_cap["observations"]] == ["K1"]
    assert price_cap["observations"][0]["retail_price"] == 250.0


def test_copy_forward_fills_empty_cells_from_the_last_visit(seeded):
    old_visit = add_visit(seeded, "R1", TODAY - dt.timedelta(days=7))
    old = seeded.ensure_capture("prices", visit_id=old_visit)
    seeded.set_grid_value(old, "K1", "retail_price", "260")
    seeded.set_grid_value(old, "K1", "stock_tiao", "8")
    seeded.set_grid_value(old, "K1", "marked_price", "是")
    seeded.set_grid_value(old, "P1", "on_shelf", "否")
    seeded.finish_capture(visit_id=old_visit)
    vid = add_visit(seeded, "R1", TODAY)
    cid = seeded.ensure_capture("prices", visit_id=vid)
    seeded.set_grid_value(cid, "K1", "stock_tiao", "5")  # typed before copying: kept
    grid = {r["brand_code"]: r for r in seeded.price_grid(cid)}
    assert grid["K1"]["history"][0]["retail_price"] == 260.0
    assert grid["K1"]["history"][0]["observed_on"] == (TODAY - dt.timedelta(days=7)).isoformat()
    copied = seeded.copy_forward(cid)
    assert (copied.filled, copied.used) == (3, ((TODAY - dt.timedelta(days=7)).isoformat(),))
    assert (copied.skipped, copied.skipped_days) == (0, ())
    now = obs(seeded, cid)
    assert (now["K1"]["retail_price"], now["K1"]["stock_tiao"], now["K1"]["marked_price"]) == (
        260.0,
        5,
        1,
    )
    assert now["P1"]["on_shelf"] == 0
    assert "N1" not in now


def test_gaps_list_done_visits_without_capture_and_drafts(seeded):
    v1 = add_visit(seeded, "R1", TODAY, status="done")
    v2 = add_visit(seeded, "R2", TODAY, status="done")
    v3 = add_visit(seeded, "R3", TODAY)
    seeded.set_capture_field(seeded.ensure_capture("worklog", visit_id=v2), "text", "送宣传品")
    seeded.finish_capture(visit_id=v2)
    seeded.set_capture_field(seeded.ensure_capture("worklog", visit_id=v3), "text", "草稿")
    gaps = seeded.day_capture_gaps(TODAY)
    assert [g["visit_id"] for g in gaps["finished_without_capture"]] == [v1]
    assert [(d["visit_id"], d["kinds"]) for d in gaps["drafts"]] == [(v3, ["worklog"])]
    set_visit_status(seeded, v3, "done")
    seeded.finish_capture(visit_id=v3)
    assert seeded.day_capture_gaps(TODAY)["drafts"] == []


def test_unknown_visit_or_retailer(seeded):
    with pytest.raises(StoreError):
        seeded.ensure_capture("prices", visit_id="nope")
    with pytest.raises(StoreError):
        seeded.ensure_capture("prices", retailer_code="R999", on=TODAY)
    with pytest.raises(ValueProblem):
        seeded.ensure_capture("gossip", retailer_code="R1", on=TODAY)


def test_captures_filters(seeded):
    for day, kind in ((TODAY - dt.timedelta(days=10), "worklog"), (TODAY, "activity")):
        cid = seeded.ensure_capture(kind, retailer_code="R1", on=day)
        field = "text" if kind == "worklog" else "brand_code"
        seeded.set_capture_field(cid, field, "K1" if kind == "activity" else "拜访")
        seeded.finish_capture(retailer_code="R1", on=day)
    assert [c["kind"] for c in seeded.captures()] == ["activity", "worklog"]  # newest first
    assert [c["kind"] for c in seeded.captures(kind="worklog")] == ["worklog"]
    assert [c["kind"] for c in seeded.captures(start=TODAY)] == ["activity"]
    assert [c["kind"] for c in seeded.captures(end=TODAY - dt.timedelta(days=1))] == ["worklog"]
    assert seeded.captures(retailer="R2") == []


@pytest.mark.parametrize(("age", "copied"), [(45, True), (46, False)])
def test_copy_forward_leaves_out_values_older_than_the_limit(seeded, age, copied):
    """``capture.copy_max_days`` (45): a value seen 45 days before the capture is copied, one
    seen 46 days before is not, and the answer says how many were left out and from when."""
    assert seeded.rules.capture.copy_max_days == 45
    day = (TODAY - dt.timedelta(days=age)).isoformat()
    old_visit = add_visit(seeded, "R1", TODAY - dt.timedelta(days=age))
    old = seeded.ensure_capture("prices", visit_id=old_visit)
    seeded.set_grid_value(old, "K1", "retail_price", "260")
    seeded.set_grid_value(old, "K1", "stock_tiao", "8")
    seeded.finish_capture(visit_id=old_visit)
    cid = seeded.ensure_capture("prices", visit_id=add_visit(seeded, "R1", TODAY))
    plan = seeded.copy_forward(cid)
    if copied:
        assert (plan.filled, plan.used, plan.skipped) == (2, (day,), 0)
        assert obs(seeded, cid)["K1"]["retail_price"] == 260.0
    else:
        assert (plan.filled, plan.skipped, plan.skipped_days) == (0, 2, (day,))
        assert "K1" not in obs(seeded, cid)
