"""Complaints (首问负责): raised from a capture or a profile, routed by the rules, followed up.

The rules (routing, due dates, overdue, status steps) are in ``khtui/domain/complaints.py``;
this module stores them. Problems a user can act on raise
:class:`khtui.domain.complaints.ComplaintProblem` (its ``code`` names the message).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from khtui.data.base import new_id, own_records, where_equal
from khtui.data.retailers import RetailerOps
from khtui.data.statuses import OPEN_VISITS, complaint_order, overdue_complaint
from khtui.data.visits import VisitOps
from khtui.domain.complaints import STEP_DATE

COLUMNS = (
    "id",
    "am_id",
    "retailer_code",
    "capture_id",
    "visit_id",
    "category",
    "department",
    "am_share",
    "raised_on",
    "due_on",
    "status",
    *STEP_DATE.values(),  # the day of each step
    "description",
    "answer",
    "resolution",
    "created_at",
    "updated_at",
)


class ComplaintOps(VisitOps, RetailerOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    def _complaint_row(self, row, day: str) -> dict[str, Any]:
        from khtui.domain.complaints import is_overdue

        out = dict(row)
        route = self.rules.complaint_routes.get(out["category"])
        out["category_name"] = route.name if route else out["category"]
        out["category_en"] = route.en if route else out["category"]
        out["overdue"] = is_overdue(out["status"], out["due_on"], day)
        return out

    def complaints(
        self,
        *,
        status: str | Iterable[str] | None = None,
        category: str | None = None,
        department: str | None = None,
        overdue_on: dt.date | None = None,
        retailer: str | None = None,
        am_id: str | None = None,
        on: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Complaints, each with the retailer's ``name``, ``category_name`` and ``overdue``
        (on ``overdue_on``, else ``on``, else today). With ``overdue_on`` only the overdue ones
        on that day; with ``am_id`` only the ones that AM recorded (a team
        database). Open ones first, by due date."""
        where, params = where_equal(
            {
                "c.category": category,
                "c.department": department,
                "c.retailer_code": retailer,
                "c.am_id": am_id,
            }
        )
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            where.append(f"c.status IN ({','.join('?' * len(wanted))})")
            params += wanted
        day = str(overdue_on or on or self.today())
        if overdue_on is not None:
            where.append(overdue_complaint("c."))
            params.append(day)
        sql = (
            f"SELECT {', '.join('c.' + c for c in COLUMNS)}, r.name FROM complaints c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {complaint_order('c.')}, c.due_on, c.raised_on, c.id"
        return [self._complaint_row(r, day) for r in self.query(sql, params)]

    def get_complaint(self, complaint_id: str) -> dict[str, Any]:
        from khtui.domain.complaints import ComplaintProblem

        row = self.query_one(
            f"SELECT {', '.join('c.' + c for c in COLUMNS)}, r.name FROM complaints c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code WHERE c.id = ?",
            (complaint_id,),
        )
        if row is None:
            raise ComplaintProblem("not_found", value=complaint_id)
        return self._complaint_row(row, str(self.today()))

    def complaint_departments(self) -> list[str]:
        """The owning departments of the routing table, in its order."""
        return list(dict.fromkeys(r.department for r in self.rules.complaint_routes.values()))

    @own_records
    def raise_complaint(
        self,
        code: str,
        category: str,
        description: str,
        *,
        raised_on: dt.date,
        capture_id: str | None = None,
        visit_id: str | None = None,
    ) -> str:
        """Record a retailer's complaint; the category sets department, AM's share and due
        date. Returns its id."""
        from khtui.domain.complaints import ComplaintProblem, routing

        if self.get_retailer(code) is None:
            raise ComplaintProblem("unknown_retailer", value=code)
        text = (description or "").strip()
        if not text:
            raise ComplaintProblem("need_description")
        if raised_on > self.today():  # a day still ahead would stand as done, and due later
            raise ComplaintProblem(
                "future", on=raised_on.isoformat(), today=self.today().isoformat()
            )
        r = routing(category, raised_on, self.rules, self.work_calendar)
        cid = new_id()
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "INSERT INTO complaints (id, am_id, retailer_code, capture_id, visit_id, category, "
                "department, am_share, raised_on, due_on, status, description, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                (
                    cid,
                    self.am_id,
                    code,
                    capture_id,
                    visit_id,
                    category,
                    r.route.department,
                    r.route.am_share,
                    raised_on.isoformat(),
                    r.due_on.isoformat(),
                    text,
                    now,
                    now,
                ),
            )
        return cid

    @own_records
    def advance_complaint(
        self,
        complaint_id: str,
        status: str,
        *,
        on: dt.date,
        answer: str | None = None,
        resolution: str | None = None,
    ) -> None:
        """Move a complaint one step on (forwarded, answered, closed), dated ``on``; answering
        records the answer to the retailer, closing the resolution."""
        from khtui.domain.complaints import ComplaintProblem, check_step

        if on > self.today():  # a step still ahead would bar today's steps, dated before it
            raise ComplaintProblem("future", on=on.isoformat(), today=self.today().isoformat())
        with self.write() as conn:
            row = conn.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
            if row is None:
                raise ComplaintProblem("not_found", value=complaint_id)
            last = max(
                d
                for d in (row["raised_on"], row["forwarded_on"], row["answered_on"])
                if d is not None
            )
            check_step(
                row["status"],
                status,
                row["am_share"],
                on=on,
                last_step_on=dt.date.fromisoformat(last),
                answer=answer,
                resolution=resolution,
            )
            sets = {"status": status, STEP_DATE[status]: on.isoformat()}
            if status == "answered":
                sets["answer"] = (answer or "").strip()
            if status == "closed":
                sets["resolution"] = (resolution or "").strip()
            sets["updated_at"] = self.now_text()
            conn.execute(
                f"UPDATE complaints SET {', '.join(k + ' = ?' for k in sets)} WHERE id = ?",
                [*sets.values(), complaint_id],
            )

    @own_records
    def propose_followup(self, complaint_id: str, *, on: dt.date | None = None) -> dict[str, Any]:
        """A complaint follow-up visit (reason 'complaint'): an already planned visit of the
        retailer from ``on`` (default today) to the due date if there is one, else a new
        ad-hoc visit on the next working day. Returns visit_id, day and created."""
        from khtui.domain.complaints import OPEN_STATUSES, ComplaintProblem, status_key

        c = self.get_complaint(complaint_id)
        if c["status"] not in OPEN_STATUSES:
            raise ComplaintProblem("not_open", status=status_key(c["status"]))
        day = on or self.today()
        planned = self.query_one(
            "SELECT id, planned_date FROM visits WHERE retailer_code = ? AND status IN "
            f"{OPEN_VISITS} AND planned_date >= ? AND planned_date <= ? "
            "ORDER BY planned_date, seq LIMIT 1",
            (c["retailer_code"], day.isoformat(), max(c["due_on"], day.isoformat())),
        )
        if planned is not None:
            return {"visit_id": planned["id"], "day": planned["planned_date"], "created": False}
        target = self.work_calendar.next_workday(day)
        visit_id = self.add_adhoc_visit(c["retailer_code"], target, reasons=("complaint",))
        return {"visit_id": visit_id, "day": target.isoformat(), "created": True}
