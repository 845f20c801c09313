"""Brand cultivation figures (会培育): 铺货率, 动销率, 上摊率 of key and new brands.

The definitions are in ``khtui/domain/brand_figures.py`` and the rules file's ``[brands]``
section; this module gathers the facts they need in a few queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import compress, repeat
from operator import itemgetter, lt
from typing import Any, NamedTuple

from khtui.data.base import StoreBase, placeholders

# the first of the one-character tags a brand's code is replaced by in the lines read for the
# brand figures: Python keeps one string of each character below 256, so taking a pair's tag
# apart makes no new string
_FIRST_TAG = 0x80
# in the string SQLite makes of the lines (``BrandOps._brand_days``): between two lines, between
# a day's fields, between two days (control characters no code, date or number holds)
_SEP = "\x1e"
_FIELD = "\x1d"
_DAY = "\x1c"


class _BrandDays(NamedTuple):
    """The lines read for the brand figures (``BrandOps._brand_days``)."""

    tags: list[str]
    days: list[tuple[str, ...]]  # (day, pairs, quantities), the last two as SQLite's strings
    inexact: int


@dataclass(frozen=True)
class _BrandFacts:
    """What the brand figures over [start, end] are made of (``BrandOps._brand_facts``): the
    key and new brands, the active retailers' codes, the order lines a day at a time, and
    each (brand, retailer)'s last on-shelf observation in the period as (brands, retailers,
    on shelf: one '1' or '0' each)."""

    start: dt.date
    end: dt.date
    cycle_days: int
    brands: list[dict[str, Any]]
    active: list[str]
    lines: _BrandDays
    shelf: tuple[list[str], list[str], str]


class BrandOps(StoreBase):
    """Mixin of :class:`khtui.data.store.Store`."""

    def cultivated_brands(self) -> list[dict[str, Any]]:
        """Key and new brands (重点品牌, 新品), key first."""
        return [
            dict(r)
            for r in self.query(
                "SELECT brand_code, name, guide_price, is_key, is_new, launch_date FROM brands "
                "WHERE is_key = 1 OR is_new = 1 "
                "ORDER BY is_key DESC, is_new DESC, guide_price DESC, brand_code"
            )
        ]

    def brand_period(self, end: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """The default period of the figures: the last ``brands.cycle_days`` days to ``end``."""
        end = end or self.today()
        cycle = self.rules.brands.cycle_days
        return end - dt.timedelta(days=cycle - 1), end

    def brand_figures(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Distribution, sell-through and on-shelf rates (percent) of each key and new brand
        over [start, end]; see ``khtui.domain.brand_figures`` for the definitions."""
        return self.brand_figures_with_qty(start, end)[0]

    def brand_figures_with_qty(
        self, start: dt.date, end: dt.date
    ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """:meth:`brand_figures`, and the quantity (条) of each key and new brand ordered in
        [start, end] by any retailer (a brand without lines there is left out), from the same
        pass over the order lines."""
        return self._brand_figures_of(self._brand_facts(start, end))

    def _brand_facts(self, start: dt.date, end: dt.date) -> _BrandFacts:
        """What the brand figures over [start, end] are made of, as SQLite hands it over: a
        few rows of long strings, so a thread reading it beside Python (the weekly figures)
        needs Python's lock only at its start and end. :meth:`_brand_figures_of` makes the
        figures of it."""
        from khtui.domain.retailer import ACTIVE

        if end < start:
            start, end = end, start
        brands = self.cultivated_brands()
        codes = [b["brand_code"] for b in brands]
        cur = self.conn.cursor()
        cur.row_factory = None
        (active,) = cur.execute(
            f"SELECT group_concat(code, char({ord(_SEP)})) FROM retailers WHERE status = ?",
            (ACTIVE,),
        ).fetchone()
        cycle = self.rules.brands.cycle_days
        first, last = start.isoformat(), end.isoformat()
        # the period's finished on-shelf observations in the order they were made (by day,
        # then as written: the aggregate takes the ordered subquery's rows in its order), so
        # that each (brand, retailer)'s last one stands
        shelf_brands, shelf_codes, on_shelf = cur.execute(
            f"SELECT group_concat(brand_code, char({ord(_SEP)})), "
            f"group_concat(retailer_code, char({ord(_SEP)})), group_concat(on_shelf <> 0, '') "
            "FROM (SELECT brand_code, retailer_code, on_shelf FROM price_observations "
            "WHERE is_draft = 0 AND on_shelf IS NOT NULL AND observed_on BETWEEN ? AND ? "
            "ORDER BY observed_on, rowid)",
            (first, last),
        ).fetchone()
        return _BrandFacts(
            start=start,
            end=end,
            cycle_days=cycle,
            brands=brands,
            active=active.split(_SEP) if active else [],
            lines=self._brand_days(codes, start, end + dt.timedelta(days=cycle), end)
            if brands
            else _BrandDays([], [], 0),
            shelf=(
                (shelf_brands.split(_SEP), shelf_codes.split(_SEP), on_shelf)
                if on_shelf
                else ([], [], "")
            ),
        )

    def _brand_figures_of(
        self, facts: _BrandFacts
    ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """:meth:`brand_figures_with_qty` from what :meth:`_brand_facts` read.

        The lines of the period and the cycle after it (a city's month: some 140,000 lines of
        key and new brands) come a day at a time, each day's as two long strings in the key's
        order (:meth:`_brand_days`), so Python takes them apart and counts them with a few
        string, set and dictionary operations a day (``order_counts_by_day``), not a step a
        line.
        """
        from khtui.domain.brand_figures import brand_figures_from_counts, order_counts_by_day

        brands, start, end = facts.brands, facts.start, facts.end
        if not brands:
            return [], {}
        codes = [b["brand_code"] for b in brands]
        last = end.isoformat()
        qty_of: dict[str, float] = {}  # by tag
        days: list[tuple[int, list[str]]] = []
        read = facts.lines
        for day, line_pairs, quantities in read.days:
            pairs = line_pairs.split(_SEP)
            qs = list(map(float, quantities.split(_SEP)))
            if day <= last:
                # a line at a time, in the key's order: the same sums as adding the rows
                for tag, q in zip(map(itemgetter(0), pairs), qs, strict=True):
                    qty_of[tag] = qty_of.get(tag, 0.0) + q
            if min(qs) <= 0:  # a return or a zero line is no order
                pairs = list(compress(pairs, map(lt, repeat(0.0), qs)))
            days.append(((dt.date.fromisoformat(day) - start).days, pairs))
        code_of = dict(zip(read.tags, codes, strict=True))
        qty = {code_of[tag]: q for tag, q in qty_of.items()}
        if read.inexact:
            qty = self._brand_qty(codes, start.isoformat(), last)
        active = set(facts.active)
        by_tag = order_counts_by_day(
            days,
            active,
            (end - start).days + 1,
            facts.cycle_days,
            retailer_of=itemgetter(slice(1, None)),
        )
        counts = {code_of[tag]: n for tag, n in by_tag.items()}
        shelf_brands, shelf_codes, on_shelf = facts.shelf
        last_seen = dict(
            zip(zip(shelf_brands, shelf_codes, strict=True), map("1".__eq__, on_shelf), strict=True)
        )
        figures = brand_figures_from_counts(brands, len(active), counts, last_seen)
        out = []
        for b, f in zip(brands, figures, strict=True):
            row = f.to_dict()
            row["guide_price"] = b["guide_price"]
            row["start"] = start.isoformat()
            row["end"] = end.isoformat()
            out.append(row)
        return out, qty

    def _brand_days(
        self, codes: list[str], first: dt.date, last: dt.date, qty_last: dt.date
    ) -> _BrandDays:
        """The lines of the brands ``codes`` from ``first`` to ``last``, a day at a time, in
        day order: (day, pairs, quantities), the pairs each line's brand tag (one character,
        ``_BrandDays.tags`` in the order of ``codes``) followed by its retailer's code, the
        quantities their text, both in the key's order. The lines up to ``qty_last`` whose
        quantity that text does not give back exactly are counted (``inexact``).

        SQLite makes the strings and hands them over as one row, so a reading thread beside
        Python (``ReportOps.weekly_figures``) needs Python's lock only at its start and end.
        """
        tags = [chr(_FIRST_TAG + i) for i in range(len(codes))]
        sep, field = ord(_SEP), ord(_FIELD)
        cur = self.conn.cursor()
        cur.row_factory = None
        text, inexact = cur.execute(
            f"SELECT group_concat(order_date || char({field}) || pairs || char({field}) "
            f"|| quantities, char({ord(_DAY)})), sum(lossy) FROM ("
            "SELECT order_date, "
            f"group_concat(CASE brand_code {' '.join('WHEN ? THEN ?' for _ in codes)} END "
            f"|| retailer_code, char({sep})) AS pairs, "
            f"group_concat(qty_tiao, char({sep})) AS quantities, "
            # (the text of a whole number below 10^15 is exact: the costly test for the others)
            "count(*) FILTER (WHERE order_date <= ? AND (qty_tiao <> CAST(qty_tiao AS INTEGER) "
            "OR abs(qty_tiao) >= 1e15) AND CAST(CAST(qty_tiao AS TEXT) AS REAL) <> qty_tiao) "
            "AS lossy "
            "FROM order_lines WHERE order_date BETWEEN ? AND ? "
            f"AND brand_code IN ({placeholders(codes)}) GROUP BY order_date)",
            [
                *(x for pair in zip(codes, tags, strict=True) for x in pair),
                qty_last.isoformat(),
                first.isoformat(),
                last.isoformat(),
                *codes,
            ],
        ).fetchone()
        days = sorted(tuple(d.split(_FIELD)) for d in text.split(_DAY)) if text else []
        return _BrandDays(tags, days, inexact or 0)

    def _brand_qty(self, codes: list[str], first: str, last: str) -> dict[str, float]:
        """The quantity of each of the brands ``codes`` ordered in [first, last], a line at a
        time in the key's order (the numbers themselves, not their text)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        qty: dict[str, float] = {}
        for brand, q in cur.execute(
            "SELECT brand_code, qty_tiao FROM order_lines WHERE order_date BETWEEN ? AND ? "
            f"AND brand_code IN ({placeholders(codes)}) ORDER BY order_date",
            [first, last, *codes],
        ):
            qty[brand] = qty.get(brand, 0.0) + q
        return qty
