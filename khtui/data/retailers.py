"""Retailer operations: read, list, write with an audit trail of every field change."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from khtui.data.base import StoreError, new_id, own_records, placeholders, where_equal
from khtui.data.search import SearchOps
from khtui.data.statuses import overdue_complaint
from khtui.domain.messages import Key
from khtui.domain.retailer import ACTIVE, FIELD_BY_NAME, FIELDS, FieldError, clean_value, field_key

# Columns a record may carry (the five groups); everything else goes to ``extra``.
RECORD_FIELDS = tuple(f.name for f in FIELDS)
# What recompute stores (in the order of its UPDATE).
DERIVED_COLUMNS = (
    "tier",
    "monthly_avg_jian",
    "category_code",
    "category_name",
    "level",
    "avg_price",
    "value_class",
    "value_score",
    "derived_as_of",
    "derived_why",
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class RetailerOps(SearchOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- reading ----------------------------------------------------------------------------
    def get_retailer(self, code: str) -> dict[str, Any] | None:
        row = self.query_one("SELECT * FROM retailers WHERE code = ?", (code,))
        if row is None:
            return None
        out = dict(row)
        out["extra"] = json.loads(out.get("extra") or "{}")
        out["derived_why"] = self._stored_why(out.get("derived_why"), out.get("derived_as_of"))
        return out

    def _stored_why(self, text: str | None, as_of: str | None) -> dict[str, Any] | None:
        """The why of the last recompute as plain JSON values (tier, category, level, value):
        made again from the inputs stored (domain/derive.py) under the rules of that run, or
        as stored by a recompute before the inputs were (the whole why)."""
        if not text:
            return None
        from khtui.domain.derive import is_why_inputs, rebuild, rules_from_snapshot, rules_snapshot
        from khtui.rules import RulesError

        stored = json.loads(text)
        if not is_why_inputs(stored) or as_of is None:
            return stored
        digest, rules = stored[1], self.rules
        if digest != rules_snapshot(rules)[0]:
            row = self.query_one("SELECT rules FROM derive_rules WHERE digest = ?", (digest,))
            if row is None:
                return None  # not known here: the values stand, their why cannot be told
            try:
                rules = rules_from_snapshot(rules, row["rules"])
            except RulesError:
                return None  # the rules of then no longer fit the rest of today's
        d = rebuild(stored, dt.date.fromisoformat(as_of), rules)
        whys = {
            "tier": d.tier.why,
            "category": d.category.why,
            "level": d.level.why,
            "value": d.value.why,
        }
        # through JSON, as a stored why always was (a message's tuples are lists there)
        return json.loads(json.dumps({k: w.to_dict() for k, w in whys.items()}, ensure_ascii=False))

    def require_retailer(self, code: str) -> dict[str, Any]:
        r = self.get_retailer(code)
        if r is None:
            raise StoreError(f"no retailer with code {code!r}; try `khtui search {code}`")
        return r

    def list_retailers(
        self,
        *,
        route: str | None = None,
        tier: int | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        am_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Retailers in route order; with ``am_id`` only those counted for that AM in a team
        database (on their books, the newest copy's AM when on two)."""
        where, params = where_equal({"route": route, "tier": tier, "status": status})
        if am_id is not None:
            from khtui.data.manager import OWNED_BY

            where.append(OWNED_BY)
            params.append(am_id)
        sql = "SELECT * FROM retailers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY route, route_seq, code"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [dict(r) for r in self.query(sql, params)]

    def count_retailers(self, *, status: str | None = ACTIVE) -> int:
        if status is None:
            return self.scalar("SELECT count(*) FROM retailers")
        return self.scalar("SELECT count(*) FROM retailers WHERE status = ?", (status,))

    def routes(self) -> list[str]:
        return self.column(
            "SELECT DISTINCT route FROM retailers WHERE route IS NOT NULL ORDER BY route"
        )

    def retailer_changes(self, code: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.query(
                "SELECT * FROM retailer_changes WHERE retailer_code = ? ORDER BY changed_at DESC, rowid DESC",
                (code,),
            )
        ]

    def overdue_complaint_counts(self, codes: Iterable[str], on: Any) -> dict[str, int]:
        """Overdue complaints per retailer among ``codes`` on day ``on`` (open or forwarded,
        due before that day); retailers without any are left out. For lists: one query."""
        codes = list(dict.fromkeys(codes))
        if not codes:
            return {}
        marks = placeholders(codes)
        return {
            r[0]: r[1]
            for r in self.query(
                f"SELECT retailer_code, count(*) FROM complaints WHERE retailer_code IN ({marks}) "
                f"AND {overdue_complaint()} GROUP BY retailer_code",
                [*codes, str(on)],
            )
        }

    def count_future_visits(self, code: str) -> int:
        """Planned visits of this retailer after today: what a status change would remove."""
        return self.scalar(
            "SELECT count(*) FROM visits WHERE retailer_code = ? AND status = 'planned' "
            "AND planned_date > ?",
            (code, self.today().isoformat()),
        )

    # -- writing ----------------------------------------------------------------------------
    def _audit(self, conn, code: str, field: str, old: Any, new: Any, by: str, source: str) -> None:
        conn.execute(
            "INSERT INTO retailer_changes (id, am_id, retailer_code, field, old, new, changed_at, "
            "changed_by, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                self.am_id,
                code,
                field,
                _text(old),
                _text(new),
                self.now_text(),
                by,
                source,
            ),
        )

    def upsert_retailers(
        self, records: Iterable[Mapping[str, Any]], *, source: str, by: str | None = None
    ) -> dict[str, int]:
        """Insert new retailers and update known ones, recording every changed field.

        Records hold already-cleaned values keyed by field name; unknown keys go into
        ``extra`` (merged with what was there). Returns counts of new, updated and unchanged.
        One transaction: all records or none.
        """
        by = by or self.user
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        touched: list[str] = []  # codes whose lookup keys to refresh (data/search.py)
        now = self.now_text()
        with self.write() as conn:
            for rec in records:
                code = rec.get("code")
                if not code:
                    raise StoreError("a retailer record without a customer code")
                known = {k: v for k, v in rec.items() if k in FIELD_BY_NAME}
                # values folded on the way in (full-width digits, phone separators): the
                # history keeps what the file said
                typed = rec.get("as_typed") or {}
                extra = {
                    k: v
                    for k, v in rec.items()
                    if k not in FIELD_BY_NAME and k not in ("extra", "as_typed")
                }
                extra.update(rec.get("extra") or {})
                row = conn.execute("SELECT * FROM retailers WHERE code = ?", (code,)).fetchone()
                if row is None:
                    cols = [*known.keys(), "extra", "created_at", "updated_at"]
                    vals = [*known.values(), json.dumps(extra, ensure_ascii=False), now, now]
                    conn.execute(
                        f"INSERT INTO retailers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        vals,
                    )
                    counts["new"] += 1
                    touched.append(code)
                    continue
                changes = {k: v for k, v in known.items() if _text(row[k]) != _text(v)}
                old_extra = json.loads(row["extra"] or "{}")
                new_extra = {**old_extra, **extra}
                for k, v in changes.items():
                    said = f"{source} «{typed[k]}»" if k in typed else source
                    self._audit(conn, code, k, row[k], v, by, said)
                for k in extra:
                    if _text(old_extra.get(k)) != _text(extra[k]):
                        self._audit(
                            conn, code, f"extra.{k}", old_extra.get(k), extra[k], by, source
                        )
                if not changes and new_extra == old_extra:
                    counts["unchanged"] += 1
                    continue
                sets = [f"{k} = ?" for k in changes] + ["extra = ?", "updated_at = ?"]
                conn.execute(
                    f"UPDATE retailers SET {', '.join(sets)} WHERE code = ?",
                    [*changes.values(), json.dumps(new_extra, ensure_ascii=False), now, code],
                )
                counts["updated"] += 1
                touched.append(code)
            self._index_retailers(conn, touched)
        return counts

    @own_records
    def update_retailer(
        self,
        code: str,
        changes: Mapping[str, Any],
        *,
        source: str = "manual",
        by: str | None = None,
    ) -> dict[str, tuple[Any, Any]]:
        """Change fields of one retailer after validating each value.

        Only dynamic fields may be typed (static ones come from imports, derived ones are
        computed). Raises :class:`FieldError` naming the first bad field; nothing is written
        then. Returns ``{field: (old, new)}`` of what actually changed.
        """
        by = by or self.user
        current = self.require_retailer(code)
        cleaned: dict[str, Any] = {}
        for field, raw in changes.items():
            spec = FIELD_BY_NAME.get(field)
            if spec is None:
                raise FieldError("retailer.err.unknown_field", field=field)
            if spec.kind != "dynamic" and source == "manual":
                raise FieldError(
                    "retailer.err.not_editable",
                    field=field_key(field),
                    why=Key(f"retailer.err.not_editable.{spec.kind}"),
                )
            cleaned[field] = clean_value(field, raw)
        diff = {k: (current[k], v) for k, v in cleaned.items() if _text(current[k]) != _text(v)}
        if not diff:
            return {}
        with self.write() as conn:
            for k, (old, new) in diff.items():
                self._audit(conn, code, k, old, new, by, source)
            conn.execute(
                f"UPDATE retailers SET {', '.join(f'{k} = ?' for k in diff)}, updated_at = ? WHERE code = ?",
                [*(v for _, v in diff.values()), self.now_text(), code],
            )
            if "status" in diff and diff["status"][1] != ACTIVE:
                self._drop_future_visits(conn, code)
            if diff.keys() & {"name", "licence_no", "phone"}:
                self._index_retailers(conn, [code])
        return diff

    def _drop_future_visits(self, conn, code: str) -> None:
        """A retailer that is no longer active leaves every future planned visit."""
        conn.execute(
            "DELETE FROM visits WHERE retailer_code = ? AND status = 'planned' AND planned_date > ?",
            (code, self.today().isoformat()),
        )
