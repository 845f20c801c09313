"""A small, hand-made dataset for the tests of captures, complaints and brands."""

from __future__ import annotations

import datetime as dt

from khtui.data.base import new_id

BRANDS = [
    # key brand, guide 250 元/条
    {"brand_code": "K1", "name": "重点甲", "guide_price": 250.0, "is_key": 1, "is_new": 0},
    # new brand, guide 100
    {"brand_code": "N1", "name": "新品乙", "guide_price": 100.0, "is_key": 0, "is_new": 1},
    # ordinary brands
    {"brand_code": "P1", "name": "普通丙", "guide_price": 50.0, "is_key": 0, "is_new": 0},
    {"brand_code": "P2", "name": "普通丁", "guide_price": 30.0, "is_key": 0, "is_new": 0},
]

RETAILERS = [
    {"code": "R1", "name": "一号烟酒店", "status": "正常", "route": "A线", "route_seq": 1},
    {"code": "R2", "name": "二号便利店", "status": "正常", "route": "A线", "route_seq": 2},
    {"code": "R3", "name": "三号超市", "status": "正常", "route": "B线", "route_seq": 1},
    {"code": "R4", "name": "四号食杂店", "status": "正常", "route": "B线", "route_seq": 2},
    {"code": "R5", "name": "五号歇业店", "status": "歇业", "route": "B线", "route_seq": 3},
]


def seed(store) -> None:
    store.upsert_brands(BRANDS)
    store.upsert_retailers(RETAILERS, source="test")
    # R1 carries P1 (ordered in the last months); nobody ordered P2.
    store.add_order_lines(
        [
            ("R1", "2026-10-06", "P1", "普通丙", 20, 900.0, 45.0),
            ("R1", "2026-11-03", "P1", "普通丙", 10, 450.0, 45.0),
        ]
    )


def add_visit(store, code: str, day: dt.date, status: str = "checked_in") -> str:
    vid = new_id()
    now = store.now_text()
    with store.write() as c:
        c.execute(
            "INSERT INTO visits (id, am_id, retailer_code, planned_date, seq, status, reasons, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, '[\"plan\"]', ?, ?)",
            (vid, store.am_id, code, day.isoformat(), status, now, now),
        )
    return vid


def set_visit_status(store, visit_id: str, status: str) -> None:
    with store.write() as c:
        c.execute("UPDATE visits SET status = ? WHERE id = ?", (status, visit_id))
