"""The three brand figures on a small hand-computed dataset."""

from __future__ import annotations

import datetime as dt

import pytest

from khtui.domain.brand_figures import brand_figures

D = dt.date
BRANDS = [
    {"brand_code": "K", "name": "重点", "is_key": 1, "is_new": 0},
    {"brand_code": "N", "name": "新品", "is_key": 0, "is_new": 1},
]
ACTIVE = ["A", "B", "C", "D", "E"]  # 5 active retailers
START, END, CYCLE = D(2026, 11, 1), D(2026, 11, 30), 30

ORDERS = [
    # K: A, B, C ordered in the period -> distribution 3/5 = 60 %
    ("A", "K", D(2026, 11, 2)),
    ("A", "K", D(2026, 11, 20)),  # again within 30 days of 2 Nov -> sold through
    ("B", "K", D(2026, 11, 25)),
    ("B", "K", D(2026, 12, 25)),  # 30 days after 25 Nov: the cycle's last day -> counts
    ("C", "K", D(2026, 11, 10)),
    ("C", "K", D(2026, 12, 11)),  # 31 days after: too late
    ("X", "K", D(2026, 11, 5)),  # not an active retailer: ignored
    ("D", "K", D(2026, 10, 31)),  # before the period: not distributed in it
    ("D", "K", D(2026, 12, 1)),  # after the period: not distributed in it
    # N: only E, once
    ("E", "N", D(2026, 11, 30)),
]
SHELF = [
    # shelves checked at A, B, C, D (4 retailers); E was never checked
    ("A", "K", D(2026, 11, 3), True),
    ("B", "K", D(2026, 11, 4), True),
    ("B", "K", D(2026, 11, 18), False),  # B's last look: not on the shelf
    ("C", "N", D(2026, 11, 5), True),
    ("D", "K", D(2026, 11, 6), False),
    ("E", "K", D(2026, 12, 2), True),  # after the period: ignored
]


def figures():
    return {
        f.brand_code: f for f in brand_figures(BRANDS, ACTIVE, ORDERS, SHELF, START, END, CYCLE)
    }


def test_distribution_rate():
    f = figures()
    assert (f["K"].ordered, f["K"].active) == (3, 5)
    assert f["K"].distribution_rate == pytest.approx(60.0)
    assert f["N"].distribution_rate == pytest.approx(20.0)


def test_sell_through_rate():
    f = figures()
    assert f["K"].reordered == 2  # A and B; C reordered a day too late
    assert f["K"].sell_through_rate == pytest.approx(200 / 3)
    assert f["N"].sell_through_rate == pytest.approx(0.0)


def test_on_shelf_rate():
    f = figures()
    assert f["K"].shelf_checked == 4
    assert f["K"].on_shelf == 1  # A only: B's last look says no
    assert f["K"].on_shelf_rate == pytest.approx(25.0)
    assert f["N"].on_shelf_rate == pytest.approx(25.0)  # C


def test_nothing_to_divide_by_gives_none():
    [f] = brand_figures(BRANDS[:1], [], [], [], START, END, CYCLE)
    assert (f.distribution_rate, f.sell_through_rate, f.on_shelf_rate) == (None, None, None)
    assert f.to_dict()["brand_code"] == "K"


def test_a_brand_never_observed_on_a_shelf_has_no_on_shelf_rate():
    """Shelves were checked (for another brand), but never for this one: no rate, not 0 %."""
    shelf = [("A", "K", START, True)]
    k, n = brand_figures(BRANDS[:2], ["A", "B"], [], shelf, START, END, CYCLE)
    assert (k.on_shelf_rate, k.shelf_checked) == (pytest.approx(100.0), 1)
    assert (n.on_shelf_rate, n.on_shelf, n.shelf_checked) == (None, 0, 1)


def test_a_long_period_counts_the_same_at_its_edges():
    """A period of a year (order days far beyond 64 of them): the first order on the period's
    last day, reordered on the cycle's last day; an order the day before the period and one
    the day after the cycle do not count."""
    start, end = D(2025, 12, 1), D(2026, 11, 30)
    orders = [
        ("A", "K", D(2025, 11, 30)),  # the day before the period
        ("A", "K", D(2026, 11, 30)),  # the period's last day: A's first order in it
        ("A", "K", D(2026, 12, 30)),  # 30 days after: the cycle's last day -> sold through
        ("B", "K", D(2025, 12, 1)),  # the period's first day
        ("B", "K", D(2026, 1, 1)),  # 31 days after: too late
        ("C", "K", D(2026, 12, 31)),  # after the period (and past A's cycle): not counted
    ]
    [k] = brand_figures(BRANDS[:1], ["A", "B", "C"], orders, [], start, end, CYCLE)
    assert (k.ordered, k.reordered) == (2, 1)


def test_order_counts_from_day_masks_at_the_cycle_edge():
    """Bit i is the period's day i: the first order is the lowest bit inside the period, a
    reorder any of the ``cycle`` bits above it, not one further."""
    from khtui.domain.brand_figures import order_counts

    period, cycle = 3, 2
    masks = {
        "K": {
            "A": 0b00101,  # days 0 and 2: reordered 2 days after
            "B": 0b01001,  # days 0 and 3: 3 days after, too late
            "C": 0b01100,  # days 2 and 3: first on the period's last day, reordered after it
            "D": 0b11000,  # days 3 and 4: after the period only
            "X": 0b00011,  # not active
        }
    }
    assert order_counts(masks, {"A", "B", "C", "D"}, period, cycle) == {"K": (3, 2)}
    assert order_counts({"N": {"D": 0b1000}}, {"D"}, period, cycle) == {}
