"""The screens' shared datasets: a day of an AM's work (:func:`seed`: six retailers on two
routes, today's list, an overdue complaint) and a retailer's profile (:func:`seed_profile`: two
years of orders, derived values, a complaint and a capture)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khtui.data.base import new_id
from khtui.domain.months import add_months
from tests.conftest import TODAY

SIZE = (100, 30)
# code, name, route, seq, visit weekday, tier
RETAILERS = [
    ("370102100001", "重庆路烟酒店", "城东一线", 1, "周一", 2),
    ("370102100002", "银行旁便利店", "城东一线", 2, "周一", 5),
    ("370102100003", "曾记食杂店", "城东一线", 3, "周一", 8),
    ("370102100004", "长安超市", "城东二线", 1, "周二", 3),
    ("370102100005", "单家小卖部", "城东二线", 2, "周二", 6),
    ("370102100006", "泉城路商店", "城东二线", 3, "周二", 7),
]
CQ, YH, ZJ, CA, DJ, QC = (r[0] for r in RETAILERS)


def seed(store) -> None:
    """Six retailers on two routes (周一, 周二), a done visit of 重庆路 on 11-16, an overdue
    complaint against 曾记, the November plan (重庆路, 银行旁, 曾记 today), and two ad-hoc visits
    today (长安, 单家) with their reasons."""
    store.upsert_retailers(
        [
            {
                "code": code,
                "name": name,
                "route": route,
                "route_seq": seq,
                "visit_batch": batch,
                "status": "正常",
                "phone": f"1390000{code[-4:]}",
                "address": f"历下区城东路{seq}号",
                "business_format": "食杂店",
                "market_type": "城镇",
                "scale": "小",
            }
            for code, name, route, seq, batch, _tier in RETAILERS
        ],
        source="test",
    )
    with store.write() as conn:
        conn.executemany(
            "UPDATE retailers SET tier = ? WHERE code = ?",
            [(tier, code) for code, *_rest, tier in RETAILERS],
        )
        conn.execute(
            "INSERT INTO visits (id, am_id, retailer_code, planned_date, seq, status, reasons, "
            "checked_in_at, done_at, created_at, updated_at) VALUES (?, ?, ?, '2026-11-16', 1, "
            "'done', '[\"plan\"]', '2026-11-16T10:00:00', '2026-11-16T10:20:00', "
            "'2026-11-01T08:00:00', '2026-11-16T10:20:00')",
            (new_id(), store.am_id, CQ),
        )
    # raised on 11-02, on that day (a complaint is never dated ahead of the store's day)
    clock, store.clock = store.clock, lambda: dt.datetime(2026, 11, 2, 9, 0)
    store.raise_complaint(ZJ, "supply", "中华断货两周", raised_on=dt.date(2026, 11, 2))
    store.clock = clock
    store.generate_month_plan("2026-11")
    store.add_adhoc_visit(CA, TODAY, reasons=("care", "new_product"))
    store.add_adhoc_visit(DJ, TODAY, reasons=("complaint", "sales_swing"))


@pytest.fixture
def day_store(store):
    """The store with :func:`seed`'s day in it."""
    seed(store)
    return store


# -- a retailer's profile ------------------------------------------------------------------
PROFILE_RETAILERS = [
    # code, name, phone, route, seq, format, scale, status
    (CQ, "重庆路烟酒店", "13972770615", "城东一线", 1, "烟酒商店", "大", "正常"),
    ("370102100002", "银行旁便利店", "13963112196", "城东一线", 2, "便利店", "中", "正常"),
    ("370102100003", "曾记食杂店", "13911112222", "城东二线", 1, "食杂店", "小", "正常"),
    ("370102100004", "长安超市", "0531-86123456", "城东二线", 2, "超市", "大", "暂停"),
    ("370102100005", "单家小卖部", "13700001234", "城东二线", 3, "食杂店", "小", "正常"),
    ("370102100006", "泉城路商店", "13655556666", "城东一线", 3, "食杂店", "中", "正常"),
]
PROFILE_BRANDS = [
    ("6901028075763", "中华(硬)", 380.0),
    ("6901028001915", "玉溪(软)", 196.0),
    ("6901028180559", "云烟(紫)", 98.0),
]


def seed_profile(store) -> None:
    """The profile's dataset: six retailers, three brands, 24 months of orders for 重庆路烟酒店, one overdue complaint,
    derived values as of TODAY."""
    store.upsert_retailers(
        [
            {
                "code": code,
                "name": name,
                "phone": phone,
                "route": route,
                "route_seq": seq,
                "business_format": fmt,
                "market_type": "城镇",
                "scale": scale,
                "status": status,
                "licence_no": "3701022" + code[-5:],
                "owner": "解桂兰",
                "settlement": "电子结算",
                "order_day": "周五",
                "visit_batch": "周一",
                "cooperation": "好",
                "credit_grade": "A",
                "trade_area": "商业街",
                "address": f"历下区城东路{seq}号",
            }
            for code, name, phone, route, seq, fmt, scale, status in PROFILE_RETAILERS
        ],
        source="test",
    )
    store.upsert_brands(
        [
            {"brand_code": b, "name": n, "wholesale_price": p, "guide_price": p * 1.18}
            for b, n, p in PROFILE_BRANDS
        ]
    )
    lines = []
    month = add_months("2026-11", -23)
    for i in range(24):
        for (brand, name, price), qty in zip(
            PROFILE_BRANDS, (10 + i % 5, 200 + 5 * i, 60), strict=True
        ):
            lines.append((CQ, f"{month}-05", brand, name, qty, qty * price, price))
        month = add_months(month, 1)
    lines.append(
        ("370102100002", "2026-10-08", PROFILE_BRANDS[2][0], PROFILE_BRANDS[2][1], 20, 1960.0, 98.0)
    )
    store.add_order_lines(lines)
    store.recompute(TODAY)
    now = store.now_text()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO complaints (id, am_id, retailer_code, category, department, am_share, "
            "raised_on, due_on, status, description, created_at, updated_at) VALUES "
            "(?, ?, ?, 'supply', '销售部门', 'secondary', '2026-11-10', '2026-11-15', 'open', "
            "'中华断货两周', ?, ?)",
            (new_id(), store.am_id, CQ, now, now),
        )
        conn.execute(
            "INSERT INTO captures (id, am_id, retailer_code, kind, payload, is_draft, "
            "captured_on, created_at, updated_at) VALUES (?, ?, ?, 'opinion', ?, 0, "
            "'2026-11-16', ?, ?)",
            (new_id(), store.am_id, CQ, json.dumps({"content": "希望多给中华"}), now, now),
        )
