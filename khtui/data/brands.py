"""Brand cultivation figures (会培育): 铺货率, 动销率, 上摊率 of key and new brands.

The definitions are in ``khtui/domain/brand_figures.py`` and the rules file's ``[brands]``
section; this module gathers the facts they need in a few queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import compress, groupby, repeat
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
    days: list[tuple[str, list[str], list[float]]]  # (day, pairs, quantities)


@dataclass(frozen=True)
class _BrandFacts:
    """What the brand figures over [start, end] are made of (``BrandOps._brand_facts``): the
    key and new brands, the active retailers' codes, the order lines a day at a time, and
    the period's on-shelf observations in the order they were made as (brands, retailers,
    on shelf: '1' or '0')."""

    start: dt.date
    end: dt.date
    cycle_days: int
    brands: list[dict[str, Any]]
    active: list[str]
    lines: _BrandDays
    shelf: tuple[list[str], list[str], list[str]]


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
        (active,) = self._brand_columns(["code"], "retailers WHERE status = ?", (ACTIVE,))
        cycle = self.rules.brands.cycle_days
        # the period's finished on-shelf observations in the order they were made (by day,
        # then as written), so that each (brand, retailer)'s last one stands
        shelf_brands, shelf_codes, on_shelf = self._brand_columns(
            ["brand_code", "retailer_code", "CAST(on_shelf <> 0 AS TEXT)"],
            "(SELECT brand_code, retailer_code, on_shelf FROM price_observations "
            "WHERE is_draft = 0 AND on_shelf IS NOT NULL AND observed_on BETWEEN ? AND ? "
            "ORDER BY observed_on, rowid)",
            (start.isoformat(), end.isoformat()),
        )
        return _BrandFacts(
            start=start,
            end=end,
            cycle_days=cycle,
            brands=brands,
            active=active,
            lines=self._brand_days(codes, start, end + dt.timedelta(days=cycle), end)
            if brands
            else _BrandDays([], []),
            shelf=(shelf_brands, shelf_codes, on_shelf),
        )

    def _brand_columns(
        self, columns: list[str], source: str, params: tuple[Any, ...]
    ) -> list[list[str]]:
        """The ``columns`` (text) of ``SELECT columns FROM source``, each as a list in the
        rows' order: SQLite hands each over as one string (``group_concat``, which takes an
        ordered subquery's rows in its order), or, if a value holds the separator (the
        strings then do not come apart into as many values as rows), as plain rows."""
        cur = self.conn.cursor()
        cur.row_factory = None
        rows, *texts = cur.execute(
            "SELECT count(*), "
            + ", ".join(f"group_concat({c}, char({ord(_SEP)}))" for c in columns)
            + f" FROM {source}",
            params,
        ).fetchone()
        if not rows:
            return [[] for _ in columns]
        split = [text.split(_SEP) if text is not None else [] for text in texts]
        if all(len(values) == rows for values in split):
            return split
        found = cur.execute(f"SELECT {', '.join(columns)} FROM {source}", params).fetchall()
        return [list(values) for values in zip(*found, strict=True)]

    def _brand_figures_of(
        self, facts: _BrandFacts
    ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """:meth:`brand_figures_with_qty` from what :meth:`_brand_facts` read.

        The lines of the period and the cycle after it (a city's month: some 140,000 lines of
        key and new brands) come a day at a time, each day's (brand, retailer) pairs as strings
        (:meth:`_brand_days`), and are counted with a few set and dictionary operations a day
        (``order_counts_by_day``), not a step a line.
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
        for day, pairs, qs in read.days:
            if day <= last:
                # a line at a time, in the key's order: the same sums as adding the rows
                for tag, q in zip(map(itemgetter(0), pairs), qs, strict=True):
                    qty_of[tag] = qty_of.get(tag, 0.0) + q
            if min(qs) <= 0:  # a return or a zero line is no order
                pairs = list(compress(pairs, map(lt, repeat(0.0), qs)))
            days.append(((dt.date.fromisoformat(day) - start).days, pairs))
        code_of = dict(zip(read.tags, codes, strict=True))
        qty = {code_of[tag]: q for tag, q in qty_of.items()}
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
        ``_BrandDays.tags`` in the order of ``codes``) followed by its retailer's code, both
        in the key's order.

        SQLite makes a few long strings of them and hands them over as one row, so a reading
        thread beside Python (``ReportOps.weekly_figures``) needs Python's lock only at its
        start and end. A quantity comes over as its text (15 significant digits): if a line up
        to ``qty_last`` has one that its text does not give back exactly, or a retailer's code
        holds one of the separators (so the strings do not come apart into as many lines as
        the day had), the lines are read again as plain rows (:meth:`_brand_lines`).
        """
        tags = [chr(_FIRST_TAG + i) for i in range(len(codes))]
        sep, field = ord(_SEP), ord(_FIELD)
        cur = self.conn.cursor()
        cur.row_factory = None
        text, inexact = cur.execute(
            f"SELECT group_concat(order_date || char({field}) || lines || char({field}) "
            f"|| pairs || char({field}) || quantities, char({ord(_DAY)})), sum(lossy) FROM ("
            "SELECT order_date, count(*) AS lines, "
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
        days: list[tuple[str, list[str], list[float]]] = []
        for fields in sorted(d.split(_FIELD) for d in text.split(_DAY)) if text else []:
            if inexact or len(fields) != 4:
                return self._brand_lines(codes, tags, first, last)
            day, lines, pairs, quantities = fields
            keys, qs = pairs.split(_SEP), quantities.split(_SEP)
            if not len(keys) == len(qs) == int(lines):
                return self._brand_lines(codes, tags, first, last)
            days.append((day, keys, list(map(float, qs))))
        return _BrandDays(tags, days)

    def _brand_lines(
        self, codes: list[str], tags: list[str], first: dt.date, last: dt.date
    ) -> _BrandDays:
        """:meth:`_brand_days` from the lines read as plain rows (a step a line)."""
        tag_of = dict(zip(codes, tags, strict=True))
        cur = self.conn.cursor()
        cur.row_factory = None
        rows = cur.execute(
            "SELECT order_date, brand_code, retailer_code, qty_tiao FROM order_lines "
            f"WHERE order_date BETWEEN ? AND ? AND brand_code IN ({placeholders(codes)}) "
            "ORDER BY order_date",
            [first.isoformat(), last.isoformat(), *codes],
        ).fetchall()
        days = []
        for day, group in groupby(rows, itemgetter(0)):
            lines = list(group)
            days.append(
                (
                    day,
                    [tag_of[brand] + code for _d, brand, code, _q in lines],
                    [q for *_, q in lines],
                )
            )
        return _BrandDays(tags, days)
