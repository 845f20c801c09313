"""Brand cultivation figures (会培育) of key and new brands over a period, as pure functions.

For a period [start, end] (both days included), with the cycle length from rules
``brands.cycle_days``:

- 铺货率 distribution rate = retailers among the AM's active ones that ordered the brand in the
  period / active retailers.
- 动销率 sell-through rate = of those, the ones that ordered it again within one cycle after
  their first order of it in the period (a later order day d with first < d <= first + cycle;
  it may fall after the period's end) / those that ordered it.
- 上摊率 on-shelf rate = visited retailers where the brand was seen on the shelf (its last
  finished observation in the period says on shelf) / visited retailers whose shelf was checked
  in the period (a finished price-and-stock observation recording on-shelf for any brand).
  A brand with no on-shelf observation of its own in the period has no rate (None, shown as
  "—"): nothing was observed, which is not the same as "never on the shelf".

Rates are percentages (0-100), None when there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class BrandFigure:
    brand_code: str
    name: str
    is_key: bool
    is_new: bool
    active: int
    ordered: int
    distribution_rate: float | None
    reordered: int
    sell_through_rate: float | None
    shelf_checked: int
    on_shelf: int
    on_shelf_rate: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def order_day_masks(
    orders: Iterable[tuple[str, str, dt.date]], start: dt.date, end: dt.date, cycle_days: int
) -> dict[str, dict[str, int]]:
    """Each (brand, retailer)'s order days as one integer: brand -> retailer -> days, bit i for
    the day ``start + i`` up to the last day a reorder can fall on, ``end + cycle_days`` (days
    outside are left out). A city's tens of thousands of retailers cost one dictionary update
    per order line."""
    span = (end - start).days + 1 + cycle_days
    bit_of: dict[dt.date, int] = {}
    by_brand: dict[str, dict[str, int]] = {}
    for code, brand, day in orders:
        bit = bit_of.get(day)
        if bit is None:
            offset = (day - start).days
            bit = bit_of[day] = 1 << offset if 0 <= offset < span else 0
        if bit:
            masks = by_brand.get(brand)
            if masks is None:
                masks = by_brand[brand] = {}
            masks[code] = masks.get(code, 0) | bit
    return by_brand


def order_counts(
    by_brand: Mapping[str, Mapping[str, int]],
    active: Container[str],
    period_days: int,
    cycle_days: int,
) -> dict[str, tuple[int, int]]:
    """For each brand: (active retailers that ordered it in the period, those of them that
    ordered it again within ``cycle_days`` after their first order of it in the period), from
    the order days of :func:`order_day_masks` (bit i the period's day i; the period is
    ``period_days`` long).

    The first order in the period is the lowest bit below the period's length, a reorder any
    bit of the ``cycle_days`` above it. A brand nobody active ordered is left out.
    """
    in_period = (1 << period_days) - 1
    cycle = (1 << cycle_days) - 1
    counts: dict[str, tuple[int, int]] = {}
    for brand, masks in by_brand.items():
        ordered = reordered = 0
        for code, mask in masks.items():
            days = mask & in_period
            if not days or code not in active:
                continue
            ordered += 1
            # the lowest bit set (days & -days) moved up one: the cycle's bits start there
            reordered += bool(mask & ((days & -days) << 1) * cycle)
        if ordered:
            counts[brand] = (ordered, reordered)
    return counts


def brand_figures(
    brands: Iterable[Mapping],
    active: Iterable[str],
    orders: Iterable[tuple[str, str, dt.date]],
    shelf: Iterable[tuple[str, str, dt.date, bool]],
    start: dt.date,
    end: dt.date,
    cycle_days: int,
) -> list[BrandFigure]:
    """The three figures for each brand of ``brands`` (dicts with brand_code, name, is_key,
    is_new).

    ``active``: codes of the AM's active retailers. ``orders``: (retailer, brand, order day)
    for any days (those outside [start, end + cycle] are ignored). ``shelf``: finished
    observations (retailer, brand, day, on_shelf) — those outside the period are ignored.
    """
    active = set(active)
    masks = order_day_masks(orders, start, end, cycle_days)
    counts = order_counts(masks, active, (end - start).days + 1, cycle_days)
    return brand_figures_from_counts(brands, len(active), counts, last_on_shelf(shelf, start, end))


def last_on_shelf(
    shelf: Iterable[tuple[str, str, dt.date, bool]], start: dt.date, end: dt.date
) -> dict[tuple[str, str], bool]:
    """Each (brand, retailer)'s last finished on-shelf observation in [start, end], from
    observations (retailer, brand, day, on_shelf) in the order they were made (of two on one
    day, the later one counts); those outside the period, or recording nothing, are left out.
    """
    last_seen: dict[tuple[str, str], tuple[dt.date, bool]] = {}
    for code, brand, day, on_shelf in shelf:
        if not (start <= day <= end) or on_shelf is None:
            continue
        key = (brand, code)
        if key not in last_seen or day >= last_seen[key][0]:
            last_seen[key] = (day, bool(on_shelf))
    return {key: on for key, (_day, on) in last_seen.items()}


def brand_figures_from_counts(
    brands: Iterable[Mapping],
    active: int,
    counts: Mapping[str, tuple[int, int]],
    last_seen: Mapping[tuple[str, str], object],
) -> list[BrandFigure]:
    """:func:`brand_figures` from the order counts already made (:func:`order_counts`),
    ``active``, the number of active retailers, and each (brand, retailer)'s last on-shelf
    observation in the period (:func:`last_on_shelf`; true when on the shelf).

    The shelves checked are those of the retailers with any such observation, whatever the
    brand; a brand is on the shelf at those whose last observation of it says so."""
    checked = len({code for _brand, code in last_seen})
    seen_by_brand = Counter(brand for (brand, _code), on in last_seen.items() if on)
    observed = {brand for brand, _code in last_seen}

    out = []
    for b in brands:
        code = b["brand_code"]
        ordered, reordered = counts.get(code, (0, 0))
        seen = seen_by_brand.get(code, 0)
        out.append(
            BrandFigure(
                brand_code=code,
                name=b.get("name") or code,
                is_key=bool(b.get("is_key")),
                is_new=bool(b.get("is_new")),
                active=active,
                ordered=ordered,
                distribution_rate=_rate(ordered, active),
                reordered=reordered,
                sell_through_rate=_rate(reordered, ordered),
                shelf_checked=checked,
                on_shelf=seen,
                on_shelf_rate=_rate(seen, checked) if code in observed else None,
            )
        )
    return out
