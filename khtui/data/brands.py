"""Brand cultivation figures (会培育): 铺货率, 动销率, 上摊率 of key and new brands.

The definitions are in ``khtui/domain/brand_figures.py`` and the rules file's ``[brands]``
section; this module gathers the facts they need in a few queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from khtui.data.base import StoreBase, placeholders


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
        pass over the order lines.

        The lines are read once, by the date range of their key (the period and the cycle
        after it), as plain tuples: a city's month is some 140,000 lines of key and new brands.
        Each (brand, retailer)'s order days become one integer (``order_day_masks``), so a
        line costs one dictionary update here.
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
        cur = self.conn.cursor()
        cur.row_factory = None  # tuples: a sqlite3.Row per line costs more than the line
        active = {
            r[0] for r in cur.execute("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))
        }
        period = (end - start).days + 1
        first, last = start.isoformat(), end.isoformat()
        qty: dict[str, float] = {}
        masks: dict[str, dict[str, int]] = {code: {} for code in codes}
        bit_of: dict[str, int] = {}  # a day's bit: the period's and the cycle's few days
        # by day (the key's order: no sort), so a (brand, retailer) has its days in the period
        # before those of the cycle after it: one that did not order in the period gets none
        for brand, code, day, q in cur.execute(
            "SELECT brand_code, retailer_code, order_date, qty_tiao FROM order_lines "
            f"WHERE order_date BETWEEN ? AND ? AND brand_code IN ({placeholders(codes)}) "
            "ORDER BY order_date",
            [first, (end + dt.timedelta(days=cycle)).isoformat(), *codes],
        ):
            in_period = day <= last
            if in_period:
                qty[brand] = qty.get(brand, 0.0) + q
            if q > 0:
                bit = bit_of.get(day)
                if bit is None:
                    bit = bit_of[day] = 1 << (dt.date.fromisoformat(day) - start).days
                days = masks[brand]
                mask = days.get(code)
                if mask is not None:
                    days[code] = mask | bit
                elif in_period:
                    days[code] = bit
        counts = order_counts(masks, active, period, cycle)
        # each (brand, retailer)'s last look at the shelf: the observations in the order they
        # were made (by day, then as written), so the last one read stands
        last_seen = {
            (brand, code): on_shelf
            for brand, code, on_shelf in cur.execute(
                "SELECT brand_code, retailer_code, on_shelf FROM price_observations "
                "WHERE is_draft = 0 AND on_shelf IS NOT NULL AND observed_on BETWEEN ? AND ? "
                "ORDER BY observed_on, rowid",
                (first, last),
            )
        }
        figures = brand_figures_from_counts(brands, len(active), counts, last_seen)
        out = []
        for b, f in zip(brands, figures, strict=True):
            row = f.to_dict()
            row["guide_price"] = b["guide_price"]
            row["start"] = start.isoformat()
            row["end"] = end.isoformat()
            out.append(row)
        return out, qty
