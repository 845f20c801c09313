"""Retailer lookup: search keys (pinyin, suffixes) kept beside the retailers.

One input finds retailers by name substring, pinyin initials, full pinyin, customer code,
licence number or phone (any part of it, e.g. the last four digits). Results are ranked: an
exact code or licence number first, then retailers with a key that starts with the query, then
the rest; each group is paged from SQL with LIMIT/OFFSET, and counted from an index without
reading any retailer row. ``domain/search_keys.py`` explains the index.

Tables (migration ``V_SEARCH`` in ``data/schema.py``): ``search_keys`` (one row per retailer:
its normalised keys), ``search_prefix`` (whole keys) and ``search_suffix`` (every suffix).
They are written in the same transaction as the retailer (``upsert_retailers`` and
``update_retailer`` call :meth:`SearchOps._index_retailers`); after a bulk load that wrote
retailers by other means, :meth:`SearchOps.rebuild_search_index` builds them afresh.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from khtui.domain.search_keys import SearchKeys

# The columns of a result row (besides ``match``), as the contract names them.
RESULT_COLUMNS = (
    "code",
    "name",
    "route",
    "route_seq",
    "status",
    "tier",
    "phone",
    "licence_no",
    "address",
)
# More retailers than this in one write: rebuild the whole index instead of row by row.
BULK = 2000
_TOP = "\U0010ffff"  # sorts after every character: q <= key < q + _TOP is "key starts with q"
_STALE = "search_index_stale"


def _keys_of_row(row: sqlite3.Row | dict, prefix: str = "") -> SearchKeys:
    """The keys stored in ``search_keys`` (no pinyin work again); ``prefix`` names the
    columns when they were selected under aliases."""
    from khtui.domain.search_keys import SearchKeys

    return SearchKeys(
        name=row[prefix + "name"],
        code=row[prefix + "code_key"],
        licence=row[prefix + "licence"],
        phone=row[prefix + "phone"],
        initials=tuple(x for x in row[prefix + "initials"].split(" ") if x),
        pinyin=tuple(tuple(v.split("'")) for v in row[prefix + "pinyin"].split(" ") if v),
    )


_KEY_ALIASES = ", ".join(
    f"k.{c} AS k_{c}" for c in ("rid", "name", "code_key", "licence", "phone", "initials", "pinyin")
)


def _key_columns(code: str, keys: SearchKeys) -> tuple:
    return (
        code,
        keys.name,
        keys.code,
        keys.licence,
        keys.phone,
        " ".join(keys.initials),
        " ".join("'".join(p) for p in keys.pinyin),
    )


class _Query:
    """A normalised query and the SQL pieces that find it."""

    def __init__(self, text: str):
        from khtui.domain.search_keys import KEY_LEN, normalise

        self.raw = (text or "").strip()
        self.q = normalise(text)
        self.head = self.q[:KEY_LEN]  # what the index can look up
        self.long = len(self.q) > KEY_LEN  # then every hit is verified against whole keys
        self.lcps = tuple(range(len(self.head)))
        marks = ",".join("?" * len(self.lcps))
        self.lcp_in = f"lcp IN ({marks})"
        self.range = (self.head, self.head + _TOP)


class SearchOps:
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- asking ------------------------------------------------------------------------------
    def search_retailers(self, query: str, limit: int = 50, offset: int = 0) -> list[dict]:
        """Retailers matching ``query``, ranked: exact code or licence first, then those with a
        key starting with the query, then the rest. Each row: code, name, route, route_seq,
        status, tier, phone, licence_no, address and ``match`` (code, licence, phone, name,
        initials or pinyin: what matched)."""
        qq = _Query(query)
        if not qq.q or limit <= 0:
            return []
        self._ensure_search_index()
        offset = max(0, offset)
        if qq.long:
            rids = self._long_query_rids(qq)[offset : offset + limit]
        else:
            rids = self._page_rids(qq, limit, offset)
        return self._result_rows(rids, qq.q)

    def count_search(self, query: str) -> int:
        """How many retailers ``search_retailers(query)`` finds in all (counted in SQL)."""
        qq = _Query(query)
        if not qq.q:
            return 0
        self._ensure_search_index()
        if qq.long:
            return len(self._long_query_rids(qq))
        if len(qq.q) <= 2:
            n = self.scalar("SELECT n FROM search_counts WHERE gram = ?", (qq.q,))
            return n or 0
        return self.scalar(
            f"SELECT count(*) FROM search_suffix WHERE {qq.lcp_in} AND suffix >= ? AND suffix < ?",
            (*qq.lcps, *qq.range),
        )

    # -- paging ------------------------------------------------------------------------------
    def _exact_rids(self, qq: _Query) -> list[int]:
        """Retailers whose code or licence number is the query, by code."""
        values = list(dict.fromkeys((qq.raw, qq.raw.upper(), qq.q)))
        marks = ",".join("?" * len(values))
        return [
            r[0]
            for r in self.query(
                f"SELECT k.rid FROM retailers r JOIN search_keys k ON k.code = r.code "
                f"WHERE r.code IN ({marks}) OR r.licence_no IN ({marks}) ORDER BY r.code",
                (*values, *values),
            )
        ]

    def _page_rids(self, qq: _Query, limit: int, offset: int) -> list[int]:
        exact = self._exact_rids(qq)
        out = exact[offset : offset + limit]
        if len(out) == limit:
            return out
        # Prefix group: some key starts with the query (not already listed as exact).
        p_offset = max(0, offset - len(exact))
        not_exact = f"AND rid NOT IN ({','.join('?' * len(exact))})" if exact else ""
        got = [
            r[0]
            for r in self.query(
                f"SELECT rid FROM search_prefix WHERE {qq.lcp_in} AND key >= ? AND key < ? "
                f"{not_exact} ORDER BY lcp, key, rid LIMIT ? OFFSET ?",
                (*qq.lcps, *qq.range, *exact, limit - len(out), p_offset),
            )
        ]
        out += got
        if len(out) == limit:
            return out
        # The rest: the query occurs inside a key but starts none.
        if got:
            r_offset = 0
        else:
            n_prefix = self.scalar(
                f"SELECT count(*) FROM search_prefix WHERE {qq.lcp_in} AND key >= ? AND key < ? "
                f"{not_exact}",
                (*qq.lcps, *qq.range, *exact),
            )
            r_offset = max(0, p_offset - n_prefix)
        out += [
            r[0]
            for r in self.query(
                f"SELECT s.rid FROM search_suffix s WHERE s.{qq.lcp_in} AND s.suffix >= ? "
                "AND s.suffix < ? AND NOT EXISTS (SELECT 1 FROM search_prefix p "
                "WHERE p.rid = s.rid AND p.key >= ? AND p.key < ?) "
                "ORDER BY s.lcp, s.suffix, s.rid LIMIT ? OFFSET ?",
                (*qq.lcps, *qq.range, *qq.range, limit - len(out), r_offset),
            )
        ]
        return out

    def _long_query_rids(self, qq: _Query) -> list[int]:
        """A query longer than the indexed keys: candidates from its head, each verified
        against its whole keys, ranked in Python (such queries match few retailers)."""
        from khtui.domain.search_keys import matched

        rows = self.query(
            f"SELECT k.* FROM search_suffix s JOIN search_keys k ON k.rid = s.rid "
            f"WHERE s.{qq.lcp_in} AND s.suffix >= ? AND s.suffix < ?",
            (*qq.lcps, *qq.range),
        )
        exact = set(self._exact_rids(qq))
        ranked = []
        for row in rows:
            what = matched(_keys_of_row(row), qq.q)
            if what is None:
                continue
            fields = _keys_of_row(row).fields
            starts = any(k.startswith(qq.q) for ks in fields.values() for k in ks)
            group = 0 if row["rid"] in exact else 1 if starts else 2
            ranked.append((group, row["code"], row["rid"]))
        return [rid for _, _, rid in sorted(ranked)]

    def _result_rows(self, rids: list[int], q: str) -> list[dict]:
        from khtui.domain.search_keys import matched

        if not rids:
            return []
        cols = ", ".join(f"r.{c}" for c in RESULT_COLUMNS)
        marks = ",".join("?" * len(rids))
        rows = {
            r["k_rid"]: r
            for r in self.query(
                f"SELECT {_KEY_ALIASES}, {cols} FROM search_keys k "
                f"JOIN retailers r ON r.code = k.code WHERE k.rid IN ({marks})",
                rids,
            )
        }
        out = []
        for rid in rids:
            row = rows.get(rid)
            if row is None:
                continue
            item: dict[str, Any] = {c: row[c] for c in RESULT_COLUMNS}
            item["match"] = matched(_keys_of_row(row, "k_"), q)
            out.append(item)
        return out

    # -- keeping the index -------------------------------------------------------------------
    def _index_retailers(self, conn: sqlite3.Connection, codes: Iterable[str]) -> int:
        """(Re)index these retailers inside the caller's transaction; a code no longer in
        ``retailers`` leaves the index. A bulk write (an import) rebuilds it whole, which is
        cheaper than row by row."""
        from khtui.domain.search_keys import retailer_keys

        codes = list(dict.fromkeys(codes))
        if len(codes) > BULK:
            return self.rebuild_search_index()
        n = 0
        for code in codes:
            old = conn.execute("SELECT * FROM search_keys WHERE code = ?", (code,)).fetchone()
            row = conn.execute(
                "SELECT code, name, licence_no, phone FROM retailers WHERE code = ?", (code,)
            ).fetchone()
            keys = None
            if row is not None:
                keys = retailer_keys(row["name"], row["code"], row["licence_no"], row["phone"])
            if old is not None:
                old_keys = _keys_of_row(old)
                if keys == old_keys:
                    continue
                self._drop_entries(conn, old["rid"], old_keys)
            if keys is None:
                if old is not None:
                    conn.execute("DELETE FROM search_keys WHERE rid = ?", (old["rid"],))
                continue
            if old is None:
                rid = conn.execute(
                    "INSERT INTO search_keys (code, name, code_key, licence, phone, initials, "
                    "pinyin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    _key_columns(code, keys),
                ).lastrowid
            else:
                rid = old["rid"]
                conn.execute(
                    "UPDATE search_keys SET code = ?, name = ?, code_key = ?, licence = ?, "
                    "phone = ?, initials = ?, pinyin = ? WHERE rid = ?",
                    (*_key_columns(code, keys), rid),
                )
            self._add_entries(conn, rid, keys)
            n += 1
        return n

    @staticmethod
    def _add_entries(conn: sqlite3.Connection, rid: int, keys: SearchKeys) -> None:
        from khtui.domain.search_keys import prefix_entries, short_grams, suffix_entries

        suffixes = suffix_entries(keys)
        conn.executemany(
            "INSERT INTO search_counts (gram, n) VALUES (?, 1) "
            "ON CONFLICT (gram) DO UPDATE SET n = n + 1",
            [(g,) for g in short_grams(suffixes)],
        )
        conn.executemany(
            "INSERT INTO search_prefix (rid, key, lcp) VALUES (?, ?, ?)",
            [(rid, k, lcp) for k, lcp in prefix_entries(keys)],
        )
        conn.executemany(
            "INSERT INTO search_suffix (lcp, suffix, rid) VALUES (?, ?, ?)",
            [(lcp, s, rid) for s, lcp in suffixes],
        )

    @staticmethod
    def _drop_entries(conn: sqlite3.Connection, rid: int, keys: SearchKeys) -> None:
        from khtui.domain.search_keys import short_grams, suffix_entries

        suffixes = suffix_entries(keys)
        conn.execute("DELETE FROM search_prefix WHERE rid = ?", (rid,))
        conn.executemany(
            "DELETE FROM search_suffix WHERE lcp = ? AND suffix = ? AND rid = ?",
            [(lcp, s, rid) for s, lcp in suffixes],
        )
        conn.executemany(
            "UPDATE search_counts SET n = n - 1 WHERE gram = ?",
            [(g,) for g in short_grams(suffixes)],
        )

    def rebuild_search_index(self) -> int:
        """Build the whole lookup index afresh from ``retailers`` (after a bulk load, or on a
        database that predates it). One transaction (or part of the caller's); returns the
        number of retailers. About 20 s per 100,000 retailers, most of it pinyin."""
        from khtui.domain.search_keys import prefix_entries, retailer_keys, suffix_entries

        rows = self.query("SELECT code, name, licence_no, phone FROM retailers ORDER BY code")
        keyed = [
            (r["code"], retailer_keys(r["name"], r["code"], r["licence_no"], r["phone"]))
            for r in rows
        ]
        prefix, suffix = [], []
        for rid, (_, keys) in enumerate(keyed, start=1):
            prefix += [(rid, k, lcp) for k, lcp in prefix_entries(keys)]
            suffix += [(lcp, s, rid) for s, lcp in suffix_entries(keys)]
        with self.write() as conn:
            conn.execute("DELETE FROM search_suffix")
            conn.execute("DELETE FROM search_prefix")
            conn.execute("DELETE FROM search_keys")
            conn.executemany(
                "INSERT INTO search_keys (rid, code, name, code_key, licence, phone, initials, "
                "pinyin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(rid, *_key_columns(code, keys)) for rid, (code, keys) in enumerate(keyed, 1)],
            )
            conn.executemany("INSERT INTO search_prefix (rid, key, lcp) VALUES (?, ?, ?)", prefix)
            # SQLite's sorter puts the rows in key order faster than Python does, and a b-tree
            # filled in key order is written once
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS search_load (lcp INTEGER, suffix TEXT, rid INTEGER)"
            )
            conn.execute("DELETE FROM temp.search_load")
            conn.executemany("INSERT INTO temp.search_load VALUES (?, ?, ?)", suffix)
            conn.execute(
                "INSERT INTO search_suffix (lcp, suffix, rid) "
                "SELECT lcp, suffix, rid FROM temp.search_load ORDER BY lcp, suffix, rid"
            )
            conn.execute("DELETE FROM temp.search_load")
            conn.execute("DELETE FROM search_counts")
            conn.execute(
                "INSERT INTO search_counts (gram, n) SELECT substr(suffix, 1, 1), count(*) "
                "FROM search_suffix WHERE lcp = 0 GROUP BY 1"
            )
            conn.execute(
                "INSERT INTO search_counts (gram, n) SELECT substr(suffix, 1, 2), count(*) "
                "FROM search_suffix WHERE lcp IN (0, 1) AND length(suffix) >= 2 GROUP BY 1"
            )
            conn.execute("DELETE FROM meta WHERE key = ?", (_STALE,))
        self._search_checked = True
        return len(keyed)

    def _ensure_search_index(self) -> None:
        """Once per store: build the index if a migration or a bulk load left it stale (or
        it does not hold every retailer)."""
        if getattr(self, "_search_checked", False):
            return
        stale = self.meta(_STALE) == "1" or self.scalar(
            "SELECT count(*) FROM retailers"
        ) != self.scalar("SELECT count(*) FROM search_keys")
        if stale:
            self.rebuild_search_index()
        self._search_checked = True
