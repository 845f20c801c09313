"""The importer's Arrow sums of order lines by month equal a plain count of the same lines."""

from collections import defaultdict

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from khtui.data.importers.aggregates import Aggregates

CODES = ["0370102001", "370102002", "37010200", "9", "0370102001A", "３７"]  # order ≠ appearance
BRANDS = ["6901028075763", "6901028001915", "10", "2"]
DATES = ["2026-09-30", "2026-10-01", "2026-10-31", "2025-12-31", "2026-01-01"]

line = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(DATES),
    st.sampled_from(BRANDS),
    st.integers(1, 500),
    st.integers(0, 100_000),
)


def table(lines, first_row=0):
    return pa.table(
        {
            "row": pa.array(range(first_row, first_row + len(lines)), pa.int64()),
            "retailer_code": pa.array([x[0] for x in lines], pa.string()),
            "order_date": pa.array([x[1] for x in lines], pa.string()),
            "brand_code": pa.array([x[2] for x in lines], pa.string()),
            "qty_tiao": pa.array([float(x[3]) for x in lines], pa.float64()),
            "amount": pa.array([x[4] / 100 for x in lines], pa.float64()),
        }
    )


def expected(lines):
    brand = defaultdict(lambda: [0.0, 0.0])
    month = defaultdict(lambda: [0.0, 0.0, 0])
    for code, date, b, qty, cents in lines:
        k = (code, date[:7], b)
        brand[k][0] += qty
        brand[k][1] += cents / 100
        m = month[(code, date[:7])]
        m[0] += qty
        m[1] += cents / 100
        m[2] += 1
    return (
        [(*k, v[0], round(v[1], 2)) for k, v in sorted(brand.items())],
        [(*k, v[0], round(v[1], 2), v[2]) for k, v in sorted(month.items())],
    )


def rows(t):
    return [tuple(r.values()) for r in t.to_pylist()]


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.lists(line, min_size=0, max_size=40), min_size=1, max_size=5))
def test_sums_by_retailer_month_and_brand_in_key_order(batches):
    agg = Aggregates()
    everything = []
    for b in batches:
        agg.add(table(b, len(everything)))
        everything += b
    brand, monthly = agg.tables()
    if not everything:
        assert (brand, monthly) == (None, None)
        return
    want_brand, want_month = expected(everything)
    assert [r[:3] for r in rows(brand)] == [r[:3] for r in want_brand]  # same groups, same order
    for got, want in zip(rows(brand), want_brand, strict=True):
        assert got[3] == want[3] and abs(got[4] - want[4]) < 0.006
    assert [r[:2] for r in rows(monthly)] == [r[:2] for r in want_month]
    for got, want in zip(rows(monthly), want_month, strict=True):
        assert got[2] == want[2] and got[4] == want[4] and abs(got[3] - want[3]) < 0.006


def test_too_many_groups_give_up_and_free_their_memory():
    agg = Aggregates(limit=10)
    lines = [(f"37010200{i:04d}", "2026-10-08", "6901028075763", 1, 100) for i in range(30)]
    agg.add(table(lines[:8]))
    assert not agg.given_up
    agg.add(table(lines[8:]))
    assert agg.given_up and agg.parts == [] and agg.retailers == {}
    agg.add(table(lines))  # later batches are ignored
    assert agg.parts == []
