"""Information capture (会收集): drafts saved as the AM types, price and stock observations.

A *capture session* is what the AM records at one visit (or, without a visit, at one retailer on
one day): at most one capture per kind (``khtui.domain.capture.KINDS``). Every field change is
its own small write transaction, so quitting, a crash or ``kill -9`` loses at most the value
being typed. Captures stay drafts (``is_draft = 1``) until :meth:`CaptureOps.finish_capture`
checks the required fields and marks the whole session final in one transaction.

The price and stock grid is stored as ``price_observations`` rows (one per brand) beside the
session's ``prices`` capture.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, overload

from khtui.data.base import StoreError, new_id, own_records, where_equal
from khtui.data.retailers import RetailerOps

if TYPE_CHECKING:
    from khtui.domain.capture import CopyPlan


class CaptureError(StoreError):
    """A session that cannot be finished; ``problems`` lists (kind, field, code) of each."""

    def __init__(self, problems: list[dict[str, str]]):
        super().__init__(
            "; ".join(f"{p['kind']}.{p['field']}: {p['code']}" for p in problems) or "cannot finish"
        )
        self.problems = problems


@overload
def _d(value: dt.date | str) -> str: ...
@overload
def _d(value: None) -> None: ...
def _d(value: dt.date | str | None) -> str | None:
    return None if value is None else str(value)[:10]


def _capture_row(row) -> dict[str, Any]:
    out = dict(row)
    out["payload"] = json.loads(out.get("payload") or "{}")
    out["is_draft"] = bool(out["is_draft"])
    return out


class CaptureOps(RetailerOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- reading ----------------------------------------------------------------------------
    def captures(
        self,
        *,
        retailer: str | None = None,
        kind: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        include_drafts: bool = False,
        am_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Captures newest first, each with its payload as a dict, the retailer's name and, for
        a ``prices`` capture, its ``observations`` (one per brand). With ``am_id`` only that
        AM's (a team database)."""
        where, params = where_equal({"c.am_id": am_id, "c.retailer_code": retailer, "c.kind": kind})
        if start is not None:
            where.append("c.captured_on >= ?")
            params.append(_d(start))
        if end is not None:
            where.append("c.captured_on <= ?")
            params.append(_d(end))
        if not include_drafts:
            where.append("c.is_draft = 0")
        sql = (
            "SELECT c.id, c.am_id, c.visit_id, c.retailer_code, r.name, c.kind, c.payload, "
            "c.is_draft, c.captured_on, c.created_at, c.updated_at FROM captures c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY c.captured_on DESC, c.updated_at DESC, c.id"
        out = [_capture_row(r) for r in self.query(sql, params)]
        price_ids = [c["id"] for c in out if c["kind"] == "prices"]
        if price_ids:
            obs: dict[str, list[dict]] = {i: [] for i in price_ids}
            # one retailer's captures: its observations by the retailer's index (capture_id
            # has none; by it alone SQLite scans every observation)
            own, own_params = ("p.retailer_code = ? AND ", [retailer]) if retailer else ("", [])
            for chunk in range(0, len(price_ids), 500):
                ids = price_ids[chunk : chunk + 500]
                for r in self.query(
                    "SELECT p.capture_id, p.brand_code, b.name AS brand_name, p.retail_price, "
                    "p.guide_price, p.marked_price, p.stock_tiao, p.on_shelf FROM "
                    "price_observations p LEFT JOIN brands b ON b.brand_code = p.brand_code "
                    f"WHERE {own}p.capture_id IN ({','.join('?' * len(ids))}) "
                    "ORDER BY p.brand_code",
                    [*own_params, *ids],
                ):
                    o = dict(r)
                    obs[o.pop("capture_id")].append(o)
            for c in out:
                if c["kind"] == "prices":
                    c["observations"] = obs[c["id"]]
        return out

    def get_capture(self, capture_id: str) -> dict[str, Any] | None:
        row = self.query_one("SELECT * FROM captures WHERE id = ?", (capture_id,))
        return None if row is None else _capture_row(row)

    def _session(
        self, visit_id: str | None, retailer_code: str | None, on: dt.date | None
    ) -> tuple[str | None, str, str]:
        """(visit id, retailer code, day) of a capture session, checked."""
        if visit_id is not None:
            row = self.query_one(
                "SELECT retailer_code, planned_date FROM visits WHERE id = ?", (visit_id,)
            )
            if row is None:
                raise StoreError(f"no visit with id {visit_id!r}")
            return visit_id, row["retailer_code"], row["planned_date"]
        if retailer_code is None:
            raise StoreError("a capture needs a visit or a retailer")
        self.require_retailer(retailer_code)
        return None, retailer_code, _d(on or self.today())

    def _session_where(self, visit_id, code, day) -> tuple[str, list]:
        if visit_id is not None:
            return "visit_id = ?", [visit_id]
        return "visit_id IS NULL AND retailer_code = ? AND captured_on = ?", [code, day]

    def session_captures(
        self,
        *,
        visit_id: str | None = None,
        retailer_code: str | None = None,
        on: dt.date | None = None,
    ) -> dict[str, dict[str, Any]]:
        """The session's captures by kind (drafts and finished ones)."""
        visit_id, code, day = self._session(visit_id, retailer_code, on)
        cond, params = self._session_where(visit_id, code, day)
        rows = self.query(f"SELECT * FROM captures WHERE {cond} ORDER BY created_at, id", params)
        return {r["kind"]: _capture_row(r) for r in rows}

    # -- drafts: every change saved at once ---------------------------------------------------
    @own_records
    def ensure_capture(
        self,
        kind: str,
        *,
        visit_id: str | None = None,
        retailer_code: str | None = None,
        on: dt.date | None = None,
    ) -> str:
        """The id of the session's capture of ``kind``, made (as a draft) if there is none."""
        from khtui.domain.capture import KIND_BY_KEY, ValueProblem

        if kind not in KIND_BY_KEY:
            raise ValueProblem("unknown_kind", value=kind)
        visit_id, code, day = self._session(visit_id, retailer_code, on)
        cond, params = self._session_where(visit_id, code, day)
        with self.write() as conn:
            row = conn.execute(
                f"SELECT id FROM captures WHERE {cond} AND kind = ? ORDER BY created_at LIMIT 1",
                [*params, kind],
            ).fetchone()
            if row is not None:
                return row["id"]
            cid = new_id()
            now = self.now_text()
            conn.execute(
                "INSERT INTO captures (id, am_id, visit_id, retailer_code, kind, payload, "
                "is_draft, captured_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', 1, "
                "?, ?, ?)",
                (cid, self.am_id, visit_id, code, kind, day, now, now),
            )
        return cid

    def _require_capture(self, conn, capture_id: str):
        row = conn.execute("SELECT * FROM captures WHERE id = ?", (capture_id,)).fetchone()
        if row is None:
            raise StoreError(f"no capture with id {capture_id!r}")
        return row

    def _clean_brand(self, raw: Any) -> str | None:
        from khtui.domain.capture import ValueProblem

        if raw is None or not str(raw).strip():
            return None
        text = str(raw).strip()
        row = self.query_one(
            "SELECT brand_code FROM brands WHERE brand_code = ? OR name = ? "
            "ORDER BY brand_code = ? DESC LIMIT 1",
            (text, text, text),
        )
        if row is None:
            raise ValueProblem("unknown_brand", value=text)
        return row["brand_code"]

    @own_records
    def set_capture_field(self, capture_id: str, field: str, raw: Any) -> Any:
        """Validate one form value and save it into the draft at once; returns the stored value.

        A bad value raises :class:`ValueProblem` and nothing is written. Editing a finished
        capture makes it a draft again until the session is finished.
        """
        from khtui.domain.capture import KIND_BY_KEY, ValueProblem, clean_field

        cap = self.get_capture(capture_id)
        if cap is None:
            raise StoreError(f"no capture with id {capture_id!r}")
        kind = KIND_BY_KEY[cap["kind"]]
        spec = kind.field_by_name.get(field)
        if spec is None:
            raise ValueProblem("unknown_field", value=field)
        value = self._clean_brand(raw) if spec.type == "brand" else clean_field(spec, raw)
        with self.write() as conn:
            conn.execute(
                "UPDATE captures SET payload = json_set(payload, ?, json(?)), is_draft = 1, "
                "updated_at = ? WHERE id = ?",
                (f"$.{field}", json.dumps(value, ensure_ascii=False), self.now_text(), capture_id),
            )
            conn.execute(
                "UPDATE price_observations SET is_draft = 1 WHERE capture_id = ?", (capture_id,)
            )
        return value

    @own_records
    def set_grid_value(self, capture_id: str, brand_code: str, field: str, raw: Any) -> Any:
        """Validate one cell of the price and stock grid and save it at once (a draft)."""
        from khtui.domain.capture import GRID_FIELDS, ValueProblem, clean_grid_value

        if field not in GRID_FIELDS:
            raise ValueProblem("unknown_field", value=field)
        with self.write() as conn:
            cap = self._require_capture(conn, capture_id)
            if cap["kind"] != "prices":
                raise StoreError("price and stock values belong to a prices capture")
            brand = conn.execute(
                "SELECT guide_price FROM brands WHERE brand_code = ?", (brand_code,)
            ).fetchone()
            if brand is None:
                raise ValueProblem("unknown_brand", value=brand_code)
            value = clean_grid_value(
                field, raw, guide=brand["guide_price"], rules=self.rules.capture
            )
            stored = int(value) if isinstance(value, bool) else value
            row = conn.execute(
                "SELECT id FROM price_observations WHERE capture_id = ? AND brand_code = ?",
                (capture_id, brand_code),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO price_observations (id, am_id, capture_id, visit_id, "
                    "retailer_code, brand_code, observed_on, guide_price, is_draft) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                    (
                        new_id(),
                        self.am_id,
                        capture_id,
                        cap["visit_id"],
                        cap["retailer_code"],
                        brand_code,
                        cap["captured_on"],
                        brand["guide_price"],
                    ),
                )
            conn.execute(
                f"UPDATE price_observations SET {field} = ?, is_draft = 1 "
                "WHERE capture_id = ? AND brand_code = ?",
                (stored, capture_id, brand_code),
            )
            conn.execute(
                "UPDATE captures SET is_draft = 1, updated_at = ? WHERE id = ?",
                (self.now_text(), capture_id),
            )
        return value

    # -- the price and stock grid -----------------------------------------------------------
    def grid_brands(self, code: str, on: dt.date | str | None = None) -> list[dict[str, Any]]:
        """Brands of the grid: key and new brands, then those the retailer ordered in the last
        ``capture.carried_months`` months (most ordered first)."""
        from khtui.domain.months import add_months

        day = _d(on or self.today())
        since = add_months(day[:7], -self.rules.capture.carried_months + 1)
        carried = {
            r["brand_code"]: r["qty"]
            for r in self.query(
                "SELECT brand_code, sum(qty_tiao) AS qty FROM monthly_brand_sales "
                "WHERE retailer_code = ? AND month >= ? AND month <= ? GROUP BY brand_code",
                (code, since, day[:7]),
            )
        }
        rows = []
        for b in self.query(
            "SELECT brand_code, name, guide_price, is_key, is_new FROM brands ORDER BY brand_code"
        ):
            if b["is_key"] or b["is_new"] or b["brand_code"] in carried:
                rows.append({**dict(b), "carried": b["brand_code"] in carried})
        rows.sort(
            key=lambda r: (
                not r["is_key"],
                not r["is_new"],
                -carried.get(r["brand_code"], 0),
                r["brand_code"],
            )
        )
        return rows

    def price_grid(self, capture_id: str) -> list[dict[str, Any]]:
        """One row per grid brand: guide price, this capture's values, deviation and flag, and
        the values of the retailer's last finished observations (``history``, newest first)."""
        from khtui.domain.capture import deviation_flagged, deviation_pct

        cap = self.get_capture(capture_id)
        if cap is None:
            raise StoreError(f"no capture with id {capture_id!r}")
        code, day = cap["retailer_code"], cap["captured_on"]
        threshold = self.rules.capture.price_deviation_pct
        keep = self.rules.capture.last_visits_shown
        current = {
            r["brand_code"]: dict(r)
            for r in self.query(
                "SELECT * FROM price_observations WHERE capture_id = ?", (capture_id,)
            )
        }
        history: dict[str, list[dict]] = {}
        for r in self.query(
            "SELECT brand_code, observed_on, retail_price, marked_price, stock_tiao, on_shelf "
            "FROM price_observations WHERE retailer_code = ? AND is_draft = 0 "
            "AND (capture_id IS NULL OR capture_id != ?) AND observed_on <= ? "
            "ORDER BY observed_on DESC, rowid DESC",
            (code, capture_id, day),
        ):
            lst = history.setdefault(r["brand_code"], [])
            if len(lst) < keep:
                lst.append(dict(r))
        brands = self.grid_brands(code, day)
        known = {b["brand_code"] for b in brands}
        # A brand observed in this capture but no longer in the grid stays visible.
        for extra in sorted(set(current) - known):
            found = self.query_one(
                "SELECT brand_code, name, guide_price, is_key, is_new FROM brands "
                "WHERE brand_code = ?",
                (extra,),
            )
            if found is not None:
                brands.append({**dict(found), "carried": False})
        out = []
        for b in brands:
            cur = current.get(b["brand_code"], {})
            guide = cur.get("guide_price") or b["guide_price"]
            price = cur.get("retail_price")
            row = {
                "brand_code": b["brand_code"],
                "name": b["name"],
                "is_key": bool(b["is_key"]),
                "is_new": bool(b["is_new"]),
                "carried": b["carried"],
                "guide_price": guide,
                "retail_price": price,
                "marked_price": _bool(cur.get("marked_price")),
                "stock_tiao": cur.get("stock_tiao"),
                "on_shelf": _bool(cur.get("on_shelf")),
                "deviation_pct": deviation_pct(price, guide),
                "flagged": deviation_flagged(price, guide, threshold),
                "history": [
                    {
                        **h,
                        "marked_price": _bool(h["marked_price"]),
                        "on_shelf": _bool(h["on_shelf"]),
                    }
                    for h in history.get(b["brand_code"], [])
                ],
            }
            out.append(row)
        return out

    @own_records
    def copy_forward(self, capture_id: str) -> CopyPlan:
        """Fill the grid's empty cells with the values of the retailer's last finished
        observation of each brand, unless older than ``capture.copy_max_days`` days before the
        capture's day; typed values are kept. Returns what was filled and left out, and from
        which days (:class:`~khtui.domain.capture.CopyPlan`)."""
        from khtui.domain.capture import plan_copy_forward

        with self.write():
            cap = self.get_capture(capture_id)
            if cap is None:
                raise StoreError(f"no capture with id {capture_id!r}")
            plan = plan_copy_forward(
                self.price_grid(capture_id),
                cap["captured_on"],
                self.rules.capture.copy_max_days,
            )
            for brand_code, field, value in plan.cells:
                self.set_grid_value(capture_id, brand_code, field, value)
        return plan

    # -- finishing ----------------------------------------------------------------------------
    @own_records
    def finish_capture(
        self,
        *,
        visit_id: str | None = None,
        retailer_code: str | None = None,
        on: dt.date | None = None,
    ) -> dict[str, int]:
        """Check the session and make it final in one transaction.

        Captures with nothing in them are dropped; a capture with content but a required field
        left blank stops the whole session (:class:`CaptureError`, nothing written). Returns
        the numbers of captures and observations made final.
        """
        from khtui.domain.capture import KIND_BY_KEY, has_content, missing_required

        visit_id, code, day = self._session(visit_id, retailer_code, on)
        cond, params = self._session_where(visit_id, code, day)
        problems: list[dict[str, str]] = []
        with self.write() as conn:
            rows = conn.execute(f"SELECT * FROM captures WHERE {cond}", params).fetchall()
            keep, drop = [], []
            for r in rows:
                payload = json.loads(r["payload"] or "{}")
                obs = 0
                if r["kind"] == "prices":
                    obs = conn.execute(
                        "SELECT count(*) FROM price_observations WHERE capture_id = ? AND "
                        "(retail_price IS NOT NULL OR marked_price IS NOT NULL OR stock_tiao IS "
                        "NOT NULL OR on_shelf IS NOT NULL)",
                        (r["id"],),
                    ).fetchone()[0]
                if not has_content(payload) and not obs:
                    drop.append(r["id"])
                    continue
                keep.append(r["id"])
                if not has_content(payload) and r["kind"] == "prices":
                    continue
                for f in missing_required(KIND_BY_KEY[r["kind"]], payload):
                    problems.append({"kind": r["kind"], "field": f, "code": "required"})
            if problems:
                raise CaptureError(problems)
            referenced = {
                x[0]
                for x in conn.execute(
                    f"SELECT capture_id FROM complaints WHERE capture_id IN "
                    f"({','.join('?' * len(drop))})",
                    drop,
                ).fetchall()
            }
            for cid in drop:
                if cid in referenced:
                    keep.append(cid)
                    continue
                conn.execute("DELETE FROM price_observations WHERE capture_id = ?", (cid,))
                conn.execute("DELETE FROM captures WHERE id = ?", (cid,))
            n_obs = 0
            now = self.now_text()
            for cid in keep:
                conn.execute(
                    "DELETE FROM price_observations WHERE capture_id = ? AND retail_price IS NULL "
                    "AND marked_price IS NULL AND stock_tiao IS NULL AND on_shelf IS NULL",
                    (cid,),
                )
                n_obs += conn.execute(
                    "UPDATE price_observations SET is_draft = 0 WHERE capture_id = ?", (cid,)
                ).rowcount
                conn.execute(
                    "UPDATE captures SET is_draft = 0, updated_at = ? WHERE id = ?", (now, cid)
                )
        return {"captures": len(keep), "observations": n_obs, "dropped": len(drop)}

    def drop_empty_drafts(
        self,
        *,
        visit_id: str | None = None,
        retailer_code: str | None = None,
        on: dt.date | None = None,
    ) -> int:
        """Delete the session's drafts with nothing typed in them (an item opened and left)."""
        from khtui.domain.capture import has_content

        visit_id, code, day = self._session(visit_id, retailer_code, on)
        cond, params = self._session_where(visit_id, code, day)
        dropped = 0
        with self.write() as conn:
            for r in conn.execute(
                f"SELECT id, payload FROM captures WHERE {cond} AND is_draft = 1", params
            ).fetchall():
                if (
                    has_content(json.loads(r["payload"] or "{}"))
                    or conn.execute(
                        f"SELECT 1 FROM price_observations WHERE capture_id = ? AND ({_HAS_VALUE})",
                        (r["id"],),
                    ).fetchone()
                ):
                    continue
                if conn.execute(
                    "SELECT 1 FROM complaints WHERE capture_id = ?", (r["id"],)
                ).fetchone():
                    continue
                conn.execute("DELETE FROM price_observations WHERE capture_id = ?", (r["id"],))
                conn.execute("DELETE FROM captures WHERE id = ?", (r["id"],))
                dropped += 1
        return dropped

    def visit_capture_states(self, day: dt.date) -> dict[str, str]:
        """For the visits of ``day`` that have captures: 'final' when all are finished, else
        'draft'."""
        return {
            r[0]: "final" if r[1] == 0 else "draft"
            for r in self.query(
                "SELECT c.visit_id, max(c.is_draft) FROM captures c JOIN visits v ON "
                "v.id = c.visit_id WHERE v.planned_date = ? GROUP BY c.visit_id",
                (_d(day),),
            )
        }

    # -- end of the day -------------------------------------------------------------------------
    def day_capture_gaps(
        self, day: dt.date, am_id: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """What the end of ``day`` still lacks: visits of that day finished (done) without any
        finished capture, and unfinished drafts from that day or before (oldest first). With
        ``am_id`` only that AM's (a team database); a team database's whole day names each
        one's AM (``am``) and comes AM by AM."""
        from khtui.data.manager import am_named

        d = _d(day)
        mine_v = "" if am_id is None else " AND v.am_id = ?"
        mine_c = "" if am_id is None else " AND c.am_id = ?"
        extra = () if am_id is None else (am_id,)
        (am_v, by_am_v), (am_c, by_am_c) = am_named(self.conn, am_id, "v.", "c.")
        missing = [
            dict(r)
            for r in self.query(
                f"SELECT {am_v}v.id AS visit_id, v.retailer_code, r.name, v.planned_date, "
                "v.done_at FROM visits v LEFT JOIN retailers r ON r.code = v.retailer_code "
                "WHERE v.status = 'done' AND v.planned_date = ? AND NOT EXISTS (SELECT 1 FROM "
                f"captures c WHERE c.visit_id = v.id AND c.is_draft = 0){mine_v} "
                f"ORDER BY {by_am_v}v.seq, v.id",
                (d, *extra),
            )
        ]
        drafts = []
        for r in self.query(
            f"SELECT {am_c}c.visit_id, c.retailer_code, r.name, c.captured_on, "
            "group_concat(c.kind) AS kinds, max(c.updated_at) AS updated_at FROM captures c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code WHERE c.is_draft = 1 "
            "AND c.captured_on <= ? AND (c.payload NOT IN ('{}', '') OR EXISTS (SELECT 1 FROM "
            f"price_observations p WHERE p.capture_id = c.id AND ({_HAS_VALUE}))){mine_c} "
            "GROUP BY c.visit_id, c.retailer_code, c.captured_on "
            f"ORDER BY {by_am_c}c.captured_on, updated_at",
            (d, *extra),
        ):
            row = dict(r)
            row["kinds"] = sorted(set((row["kinds"] or "").split(",")) - {""})
            drafts.append(row)
        return {"finished_without_capture": missing, "drafts": drafts}


_HAS_VALUE = (
    "retail_price IS NOT NULL OR marked_price IS NOT NULL OR stock_tiao IS NOT NULL "
    "OR on_shelf IS NOT NULL"
)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)
