"""Brand cultivation figures (会培育): 铺货率, 动销率, 上摊率 of key and new brands.

The definitions are in ``khtui/domain/brand_figures.py`` and the rules file's ``[brands]``
section; this module gathers the facts they need in a few queries.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from khtui.data.base import Beside, StoreBase


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
        [start, end] by any retailer (a brand without lines there is left out).

        The lines are read by the date range of their key (the period and the cycle after it):
        a city's month is some 140,000 lines of key and new brands. SQLite reads them on a
        connection of its own, with the quantities (``_brand_order_days``), while this thread
        reads the active retailers and the looks at the shelves; then each (brand, retailer)'s
        order days become one integer, a dictionary update per line (``order_day_masks``,
        written out here).
        """
        from khtui.domain.brand_figures import brand_figures_from_counts, order_counts
        from khtui.domain.retailer import ACTIVE

        if end < start:
            start, end = end, start
        cycle = self.rules.brands.cycle_days
        brands = self.cultivated_brands()
        if not brands:
            return [], {}
        codes = [b["brand_code"] for b in brands]
        first, last = start.isoformat(), end.isoformat()
        with Beside(self.conn) as beside:
            read = beside(
                self._brand_order_days,
                codes,
                first,
                last,
                (end + dt.timedelta(days=cycle)).isoformat(),
            )
            cur = self.conn.cursor()
            cur.row_factory = None  # tuples: a sqlite3.Row per row costs more than the row
            active = {
                r[0] for r in cur.execute("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))
            }
            # each (brand, retailer)'s last look at the shelf: the observations in the order
            # they were made (by day, then as written), so the last one read stands
            last_seen = {
                (brand, code): on_shelf
                for brand, code, on_shelf in cur.execute(
                    "SELECT brand_code, retailer_code, on_shelf FROM price_observations "
                    "WHERE is_draft = 0 AND on_shelf IS NOT NULL "
                    "AND observed_on BETWEEN ? AND ? ORDER BY observed_on, rowid",
                    (first, last),
                )
            }
            masks: dict[str, dict[str, int]] = {code: {} for code in codes}
            bit_of: dict[str, int] = {}  # a day's bit: the period's and the cycle's few days
            lines, qty = read()
            for brand, code, day in zip(*lines, strict=True):
                bit = bit_of.get(day)
                if bit is None:
                    bit = bit_of[day] = 1 << (dt.date.fromisoformat(day) - start).days
                days = masks[brand]
                days[code] = days.get(code, 0) | bit
            counts = order_counts(masks, active, (end - start).days + 1, cycle)
        figures = brand_figures_from_counts(brands, len(active), counts, last_seen)
        out = []
        for b, f in zip(brands, figures, strict=True):
            row = f.to_dict()
            row["guide_price"] = b["guide_price"]
            row["start"] = start.isoformat()
            row["end"] = end.isoformat()
            out.append(row)
        return out, qty

    def _brand_order_days(
        self, codes: list[str], start: str, end: str, last: str
    ) -> tuple[tuple[list[str], list[str], list[str]], dict[str, float]]:
        """One pass over the lines of the brands ``codes`` in [start, last], in the key's order:
        the (brand, retailer, day) of every line of a positive quantity, as three lists; and the
        quantity of each brand in [start, end] (a brand without lines there is left out), its
        lines added one by one in that order, to the last bit.

        SQLite writes the lists as JSON arrays (exact for text, control characters too), so
        the thread that reads them holds Python's lock only to parse three texts, not once
        for each of the tens of thousands of lines."""
        n = len(codes)
        sums = "".join(
            f", sum(qty_tiao) FILTER (WHERE brand_code = ?{i + 1} AND order_date <= ?{n + 2})"
            for i in range(n)
        )
        positive = "FILTER (WHERE qty_tiao > 0)"
        [found] = self.conn.execute(
            f"SELECT json_group_array(brand_code) {positive}, "
            f"json_group_array(retailer_code) {positive}, "
            f"json_group_array(order_date) {positive}{sums} "
            f"FROM order_lines WHERE order_date BETWEEN ?{n + 1} AND ?{n + 3} "
            f"AND brand_code IN ({', '.join(f'?{i + 1}' for i in range(n))})",
            [*codes, start, end, last],
        ).fetchall()
        brands, retailers, days = (json.loads(text) for text in found[:3])
        qty = {code: q for code, q in zip(codes, found[3:], strict=True) if q is not None}
        return (brands, retailers, days), qty
