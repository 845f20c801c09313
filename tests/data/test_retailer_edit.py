"""Editing a retailer from the profile: validation, the audit trail, status and future visits,
and the read helpers the lookup and profile use."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from khtui.data.base import new_id
from khtui.domain.retailer import FieldError
from tests.conftest import ZH

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def shop(store):
    store.upsert_retailers(
        [
            {"code": "530100000001", "name": "重庆小卖部", "phone": "13800000001", "route": "A线"},
            {
                "code": "530100000002",
                "name": "银行旁便利店",
                "phone": "13800000002",
                "route": "A线",
            },
        ],
        source="test",
    )
    return "530100000001"


def add_visit(store, code: str, day: dt.date, status: str = "planned") -> str:
    vid = new_id()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO visits (id, am_id, retailer_code, planned_date, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (vid, store.am_id, code, day.isoformat(), status, store.now_text(), store.now_text()),
        )
    return vid


def add_complaint(store, code: str, due: dt.date, status: str = "open") -> str:
    cid = new_id()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO complaints (id, am_id, retailer_code, category, department, am_share, "
            "raised_on, due_on, status, description, created_at, updated_at) "
            "VALUES (?, ?, ?, 'supply', '销售部门', 'secondary', ?, ?, ?, '断货', ?, ?)",
            (
                cid,
                store.am_id,
                code,
                (due - dt.timedelta(days=5)).isoformat(),
                due.isoformat(),
                status,
                store.now_text(),
                store.now_text(),
            ),
        )
    return cid


def test_bad_phone_is_refused_and_nothing_is_written(store, shop):
    with pytest.raises(FieldError) as raised:
        store.update_retailer(shop, {"phone": "12345"})
    assert re.search("联系电话", ZH.message(raised.value))
    assert store.get_retailer(shop)["phone"] == "13800000001"
    assert store.retailer_changes(shop) == []


def test_one_bad_field_among_good_ones_writes_none_of_them(store, shop):
    with pytest.raises(FieldError):
        store.update_retailer(shop, {"contact": "李四", "floor_area": "大概二十"})
    r = store.get_retailer(shop)
    assert r["contact"] is None
    assert r["floor_area"] is None
    assert store.retailer_changes(shop) == []


def test_good_phone_is_stored_with_who_when_old_and_new(store, shop):
    changed = store.update_retailer(shop, {"phone": "0871-65123456"})
    assert changed == {"phone": ("13800000001", "0871-65123456")}
    assert store.get_retailer(shop)["phone"] == "0871-65123456"
    [change] = store.retailer_changes(shop)
    assert (change["field"], change["old"], change["new"]) == (
        "phone",
        "13800000001",
        "0871-65123456",
    )
    assert change["changed_by"] == "张经理"
    assert change["changed_at"] == "2026-11-23T09:30:00"
    assert change["source"] == "manual"
    assert change["am_id"] == store.am_id


def test_same_value_again_records_nothing(store, shop):
    assert store.update_retailer(shop, {"phone": "13800000001"}) == {}
    assert store.retailer_changes(shop) == []


def test_static_field_cannot_be_typed(store, shop):
    with pytest.raises(FieldError) as raised:
        store.update_retailer(shop, {"name": "改名"})
    assert re.search("客户名称", ZH.message(raised.value))
    assert store.get_retailer(shop)["name"] == "重庆小卖部"


@pytest.mark.parametrize("status", ["暂停", "歇业", "注销"])
def test_leaving_active_status_removes_future_planned_visits_only(store, shop, status):
    past = add_visit(store, shop, TODAY - dt.timedelta(days=3), "done")
    today = add_visit(store, shop, TODAY)
    tomorrow = add_visit(store, shop, TODAY + dt.timedelta(days=1))
    later = add_visit(store, shop, TODAY + dt.timedelta(days=10))
    other = add_visit(store, "530100000002", TODAY + dt.timedelta(days=1))
    assert store.count_future_visits(shop) == 2

    store.update_retailer(shop, {"status": status})

    left = {r[0] for r in store.query("SELECT id FROM visits")}
    assert left == {past, today, other}
    assert tomorrow not in left and later not in left
    assert store.count_future_visits(shop) == 0
    assert store.retailer_changes(shop)[0]["new"] == status


def test_bad_status_is_refused(store, shop):
    add_visit(store, shop, TODAY + dt.timedelta(days=1))
    with pytest.raises(FieldError) as raised:
        store.update_retailer(shop, {"status": "关门"})
    assert re.search("状态", ZH.message(raised.value))
    assert store.get_retailer(shop)["status"] == "正常"
    assert store.count_future_visits(shop) == 1


def test_overdue_counts_follow_the_contract_boundary(store, shop):
    # overdue on day D: open or forwarded and due_on < D
    add_complaint(store, shop, TODAY - dt.timedelta(days=1))  # overdue
    add_complaint(store, shop, TODAY)  # due today: not yet overdue
    add_complaint(store, shop, TODAY - dt.timedelta(days=2), status="forwarded")  # overdue
    add_complaint(store, shop, TODAY - dt.timedelta(days=9), status="answered")  # handled
    add_complaint(store, "530100000002", TODAY - dt.timedelta(days=1), status="closed")
    counts = store.overdue_complaint_counts([shop, "530100000002", "unknown"], TODAY)
    assert counts == {shop: 2}
    assert store.overdue_complaint_counts([shop], TODAY + dt.timedelta(days=1)) == {shop: 3}
    assert store.overdue_complaint_counts([], TODAY) == {}
