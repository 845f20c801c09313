"""The monthly aggregates of an orders import, summed in Arrow while the file streams.

:class:`Aggregates` sums the cleaned lines by (retailer, month, brand) batch by batch, in the
importing thread; the writer thread ingests the two finished tables
(``monthly_brand_sales``, ``monthly_sales``) in key order. Past a cap on the number of groups
the sums are dropped and the writer rebuilds the aggregates in SQL instead (bounded memory).
"""

from __future__ import annotations

# Bits of an aggregate's group key: retailer id << 32 | month id << 20 | brand id (ids are
# given in order of appearance; more distinct values than fit: the SQL rebuild instead).
_RETAILER_SHIFT, _MONTH_SHIFT = 32, 20
_MAX_RETAILERS, _MAX_MONTHS, _MAX_BRANDS = 1 << 24, 1 << 12, 1 << 20


def _ids(arr, ids: dict[str, int]):
    """Each value's id in ``ids`` (new values get the next ids), as an int64 array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    known = [ids.setdefault(v, len(ids)) for v in enc.dictionary.to_pylist()]
    return pc.take(pa.array(known, pa.int64()), enc.indices)


def _summed(key: str, ids, sums, *, in_order: bool = False):
    """The quantities, amounts and line counts of ``sums`` (columns ``qty``, ``amount``,
    ``lines``) added up by the integer ``ids``, named ``key`` (``_group``)."""
    import pyarrow as pa

    return _group(
        pa.table({key: ids, "qty": sums["qty"], "amount": sums["amount"], "lines": sums["lines"]}),
        key,
        in_order=in_order,
        qty=("qty", "sum"),
        amount=("amount", "sum"),
        lines=("lines", "sum"),
    )


def _group(table, key: str, *, in_order: bool = False, **aggs: tuple[str, str]):
    """``table`` grouped by its integer column ``key``: the key and one column per aggregate
    (``(column, "sum")`` or ``(column, "count")``), named as given, in key order.
    ``in_order``: the keys are sorted already (each group is a run of rows), so they are not
    sorted again; the sums are the same, added in the rows' order either way.

    Summed with NumPy over the sorted keys rather than Arrow's hash group-by, which holds
    several times the rows' size while it works (1M lines: Arrow's pool peaked at 92 MiB for
    a table of 19 MiB)."""
    import numpy as np
    import pyarrow as pa

    if in_order:
        column = table[key].to_numpy()
        starts = np.empty(len(column), dtype=bool)
        starts[:1] = True
        np.not_equal(column[1:], column[:-1], out=starts[1:])
        keys = column[starts]
        inverse = np.cumsum(starts) - 1
    else:
        keys, inverse = np.unique(table[key].to_numpy(), return_inverse=True)
    cols = {key: pa.array(keys)}
    for name, (col, fn) in aggs.items():
        if fn == "count":
            cols[name] = pa.array(np.bincount(inverse, minlength=len(keys)))
            continue
        values = table[col].to_numpy()
        sums = np.bincount(inverse, weights=values, minlength=len(keys))
        if np.issubdtype(values.dtype, np.integer):
            sums = sums.astype(np.int64)  # counts summed: exact below 2**53
        cols[name] = pa.array(sums)
    return pa.table(cols)


def _in_order(ids: dict[str, int]):
    """(the values in sorted order, each id's rank in that order) as Arrow arrays."""
    import pyarrow as pa

    values = list(ids)  # a dict keeps its insertion order: position = id
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return pa.array([values[i] for i in order], pa.string()), pa.array(ranks, pa.int64())


class Aggregates:
    """Monthly aggregates of the imported lines, built in Arrow batch by batch.

    Lines are grouped on one integer per (retailer, month, brand) rather than on the three
    strings (a third of the time); the strings come back, in key order, at the end. Memory
    is bounded: when the groups outgrow ``limit`` the partial sums are dropped and the merge
    rebuilds the aggregates in SQL instead (slower, same result).
    """

    def __init__(self, limit: int = 600_000):
        self.limit = limit
        self.parts: list = []
        self.rows = 0
        self.given_up = False
        self.retailers: dict[str, int] = {}
        self.months: dict[str, int] = {}
        self.brands: dict[str, int] = {}

    def _give_up(self) -> None:
        self.parts, self.rows, self.given_up = [], 0, True
        self.retailers, self.months, self.brands = {}, {}, {}

    def add(self, table) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.given_up or table.num_rows == 0:
            return
        r = _ids(table["retailer_code"], self.retailers)
        m = _ids(pc.utf8_slice_codeunits(table["order_date"], 0, 7), self.months)
        b = _ids(table["brand_code"], self.brands)
        if (
            len(self.retailers) > _MAX_RETAILERS
            or len(self.months) > _MAX_MONTHS
            or len(self.brands) > _MAX_BRANDS
        ):
            self._give_up()
            return
        key = pc.bit_wise_or(
            pc.bit_wise_or(pc.shift_left(r, _RETAILER_SHIFT), pc.shift_left(m, _MONTH_SHIFT)), b
        )
        part = _group(
            pa.table({"key": key, "qty": table["qty_tiao"], "amount": table["amount"]}),
            "key",
            qty=("qty", "sum"),
            amount=("amount", "sum"),
            lines=("key", "count"),
        )
        self.parts.append(part)
        self.rows += part.num_rows
        if self.rows > self.limit:
            self._combine()
            # near the limit every batch would combine everything again: give up then
            if self.rows > 0.75 * self.limit:
                self._give_up()

    def _combine(self) -> None:
        import pyarrow as pa

        if len(self.parts) <= 1:
            return
        part = _group(
            pa.concat_tables(self.parts),
            "key",
            qty=("qty", "sum"),
            amount=("amount", "sum"),
            lines=("lines", "sum"),
        )
        self.parts = [part]
        self.rows = part.num_rows

    def tables(self):
        """(monthly_brand_sales, monthly_sales) as Arrow tables, sorted by key.

        The groups' keys are first made of the values' ranks in sorted order, packed like the
        ids: grouping on them (a sort) puts the sums in the strings' order at once."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self.parts:
            return None, None
        codes, code_rank = _in_order(self.retailers)
        months, month_rank = _in_order(self.months)
        brands, brand_rank = _in_order(self.brands)
        parts = pa.concat_tables(self.parts)  # the parts' buffers, not a copy
        key = parts["key"]
        ranked = None
        for ranks, shift, mask in (
            (code_rank, _RETAILER_SHIFT, None),
            (month_rank, _MONTH_SHIFT, _MAX_MONTHS - 1),
            (brand_rank, 0, _MAX_BRANDS - 1),
        ):
            ids = pc.shift_right(key, shift) if shift else key
            if mask is not None:
                ids = pc.bit_wise_and(ids, mask)
            x = pc.take(ranks, ids)
            x = pc.shift_left(x, shift) if shift else x
            ranked = x if ranked is None else pc.bit_wise_or(ranked, x)
        g = _summed("key", ranked, parts)
        key = g["key"]
        r = pc.shift_right(key, _RETAILER_SHIFT)
        m = pc.bit_wise_and(pc.shift_right(key, _MONTH_SHIFT), _MAX_MONTHS - 1)
        brand = pa.table(
            {
                "retailer_code": pc.take(codes, r),
                "month": pc.take(months, m),
                "brand_code": pc.take(brands, pc.bit_wise_and(key, _MAX_BRANDS - 1)),
                "qty_tiao": g["qty"],
                "amount": pc.round(g["amount"], 2),
            }
        )
        per = _summed("rm", pc.shift_right(key, _MONTH_SHIFT), g, in_order=True)  # g: by key
        rm = per["rm"]
        monthly = pa.table(
            {
                "retailer_code": pc.take(codes, pc.shift_right(rm, _RETAILER_SHIFT - _MONTH_SHIFT)),
                "month": pc.take(months, pc.bit_wise_and(rm, _MAX_MONTHS - 1)),
                "qty_tiao": per["qty"],
                "amount": pc.round(per["amount"], 2),
                "lines": per["lines"],
            }
        )
        return brand, monthly
