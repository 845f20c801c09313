"""Visit plans and visits: the monthly plan, today's list, check in, finish, skip, reschedule.

The plan itself is decided in :mod:`khtui.domain.planning`; this module gathers its facts,
stores it (``visit_plans`` + ``visits``) and runs the day's operations. Problems a user can act
on raise :class:`VisitProblem` (a :class:`StoreError`) whose message says what to do; nothing
is written then.

Carry-over (补访): a planned visit of an earlier day that was neither done nor skipped is moved
to today's list the first time today's list is read (``day_visits``/``day_progress`` of the
store's today, when it is a working day): the missed visit becomes ``rescheduled`` (its history
stays) and a new one on today carries the reason ``carry_over`` with the original reasons.
Only visits planned within rules ``visits.carry_over_days`` are carried; older ones stay missed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from khtui.data.base import StoreError, new_id
from khtui.i18n import LANGS, t

if TYPE_CHECKING:
    from khtui.domain.calendar import WorkCalendar
    from khtui.domain.planning import PlanFacts, PlanRetailer

OPEN = ("planned", "checked_in")  # a visit still to be made
COUNTED = ("planned", "checked_in", "done")  # a visit that counts towards the month


class VisitProblem(StoreError):
    """A visit or plan operation that cannot be done; ``code`` names the message."""

    def __init__(self, key: str, /, **kw: Any):
        super().__init__(t(f"plan.err.{key}", **kw))
        self.code = key
        self.details = kw


def _day(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class VisitOps:
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- helpers ------------------------------------------------------------------------------
    @property
    def work_calendar(self) -> WorkCalendar:
        from khtui.domain.calendar import WorkCalendar

        cal = getattr(self, "_work_calendar", None)
        if cal is None:
            cal = self._work_calendar = WorkCalendar(self.rules)
        return cal

    def _visit(self, visit_id: str) -> dict[str, Any]:
        row = self.query_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        if row is None:
            raise VisitProblem("no_visit", id=visit_id)
        return dict(row)

    def _plan_id_for(self, conn, day: dt.date) -> str | None:
        from khtui.domain.months import month_key

        row = conn.execute(
            "SELECT id FROM visit_plans WHERE month = ?", (month_key(day),)
        ).fetchone()
        return row[0] if row else None

    def _next_seq(self, conn, day: dt.date) -> int:
        return (
            conn.execute(
                "SELECT coalesce(max(seq), 0) FROM visits WHERE planned_date = ?",
                (day.isoformat(),),
            ).fetchone()[0]
            + 1
        )

    def _insert_visit(
        self,
        conn,
        code: str,
        day: dt.date,
        *,
        reasons: Sequence[str],
        measures: Sequence[str] = (),
        seq: int | None = None,
        adhoc: bool = False,
        origin: str | None = None,
    ) -> str:
        vid = new_id()
        now = self.now_text()
        conn.execute(
            "INSERT INTO visits (id, am_id, plan_id, retailer_code, planned_date, seq, status, "
            "reasons, measures, adhoc, origin_visit_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?, ?)",
            (
                vid,
                self.am_id,
                self._plan_id_for(conn, day),
                code,
                day.isoformat(),
                seq if seq is not None else self._next_seq(conn, day),
                json.dumps(list(reasons)),
                json.dumps(list(measures)),
                int(adhoc),
                origin,
                now,
                now,
            ),
        )
        return vid

    # -- the monthly plan ---------------------------------------------------------------------
    def _plan_facts(self, month: str, from_day: dt.date) -> tuple[list[PlanRetailer], PlanFacts]:
        from khtui.domain.months import add_months, month_key, month_range
        from khtui.domain.planning import PlanFacts, PlanRetailer, is_sales_swing
        from khtui.domain.retailer import ACTIVE

        cfg = self.rules.section("visits")
        first, last = month_range(month)
        retailers = [
            PlanRetailer(
                code=r["code"],
                name=r["name"],
                route=r["route"],
                route_seq=r["route_seq"],
                visit_batch=r["visit_batch"],
                tier=r["tier"],
                value_class=r["value_class"],
                vulnerable=bool(r["vulnerable"]),
                birthday=r["birthday"],
            )
            for r in self.query(
                "SELECT code, name, route, route_seq, visit_batch, tier, value_class, vulnerable, "
                "birthday FROM retailers WHERE status = ? ORDER BY route, route_seq, code",
                (ACTIVE,),
            )
        ]
        # facts are what is known when the plan is drafted: before the month starts
        as_of = min(self.today(), first)
        last_month = add_months(month_key(as_of), -1)
        n = int(cfg["sales_swing_basis_months"])
        prior = [add_months(last_month, -i) for i in range(n, 0, -1)]
        sales: dict[str, dict[str, float]] = {}
        for r in self.query(
            f"SELECT s.retailer_code, s.month, s.qty_tiao FROM monthly_sales s JOIN retailers r "
            f"ON r.code = s.retailer_code AND r.status = ? "
            f"WHERE s.month IN ({','.join('?' * (n + 1))})",
            [ACTIVE, last_month, *prior],
        ):
            sales.setdefault(r[0], {})[r[1]] = r[2]
        swing = frozenset(
            code
            for code, by_month in sales.items()
            if is_sales_swing(
                by_month.get(last_month, 0.0),
                sum(by_month.get(m, 0.0) for m in prior) / n,
                float(cfg["sales_swing_pct"]),
            )
        )
        debit = frozenset(
            r[0]
            for r in self.query(
                "SELECT code FROM retailers WHERE status = ? AND debit_failures > 0", (ACTIVE,)
            )
        )
        complaints = frozenset(
            r[0]
            for r in self.query(
                "SELECT DISTINCT retailer_code FROM complaints WHERE status IN ('open', 'forwarded')"
            )
        )
        since = month_range(add_months(month, -int(cfg["new_product_launch_months"])))[0]
        new_brands = [
            r[0]
            for r in self.query(
                "SELECT brand_code FROM brands WHERE is_new = 1 AND launch_date BETWEEN ? AND ?",
                (since.isoformat(), last.isoformat()),
            )
        ]
        new_product: frozenset[str] = frozenset()
        if new_brands:
            marks = ",".join("?" * len(new_brands))
            ordered_all = {
                r[0]
                for r in self.query(
                    f"SELECT retailer_code FROM monthly_brand_sales WHERE brand_code IN ({marks}) "
                    f"GROUP BY retailer_code HAVING count(DISTINCT brand_code) = ?",
                    [*new_brands, len(new_brands)],
                )
            }
            max_tier = int(cfg["new_product_max_tier"])
            new_product = frozenset(
                r.code
                for r in retailers
                if r.tier is not None and r.tier <= max_tier and r.code not in ordered_all
            )
        kept: dict[str, list[dt.date]] = {}
        for r in self.query(
            "SELECT retailer_code, planned_date FROM visits WHERE planned_date BETWEEN ? AND ? "
            "AND status IN ('planned', 'checked_in', 'done') "
            "AND NOT (status = 'planned' AND adhoc = 0 AND planned_date >= ?)",
            (first.isoformat(), last.isoformat(), from_day.isoformat()),
        ):
            kept.setdefault(r[0], []).append(dt.date.fromisoformat(r[1]))
        facts = PlanFacts(
            sales_swing=swing,
            debit_failure=debit,
            open_complaint=complaints,
            new_product=new_product,
            kept=kept,
            from_day=from_day,
        )
        return retailers, facts

    def generate_month_plan(self, month: str, *, replace: bool = False) -> dict[str, Any]:
        """Draft (or redraft) the visit plan of ``month`` ('YYYY-MM').

        A draft is simply redrafted; a submitted or approved plan only with ``replace=True``
        (it goes back to draft). Visits already made (done, checked in, skipped), ad-hoc visits
        and days before today stay; only the generated visits still to come are replaced.
        Returns a summary: month, status, visits, retailers, coverage, dropped, warnings.
        """
        from khtui.domain.months import month_range, parse_month
        from khtui.domain.planning import plan_month

        try:
            parse_month(month)
        except ValueError:
            raise VisitProblem("bad_month", month=month) from None
        first, last = month_range(month)
        today = self.today()
        if last < today:
            raise VisitProblem("past_month", month=month)
        existing = self.month_plan_row(month)
        # a plan the market manager returned is redrafted like a draft
        if existing and existing["status"] not in ("draft", "returned") and not replace:
            raise VisitProblem(
                "plan_locked", month=month, status=t(f"plan.status.{existing['status']}")
            )
        from_day = max(first, today)
        retailers, facts = self._plan_facts(month, from_day)
        plan = plan_month(retailers, month, self.work_calendar, self.rules, facts)
        now = self.now_text()
        with self.write() as conn:
            if existing is None:
                plan_id = new_id()
                conn.execute(
                    "INSERT INTO visit_plans (id, am_id, month, status, created_at) "
                    "VALUES (?, ?, ?, 'draft', ?)",
                    (plan_id, self.am_id, month, now),
                )
            else:
                plan_id = existing["id"]
                conn.execute(
                    "UPDATE visit_plans SET status = 'draft', submitted_at = NULL, "
                    "approved_at = NULL, created_at = ? WHERE id = ?",
                    (now, plan_id),
                )
            conn.execute(
                "DELETE FROM visits WHERE planned_date BETWEEN ? AND ? AND status = 'planned' "
                "AND adhoc = 0 AND planned_date >= ?",
                (first.isoformat(), last.isoformat(), from_day.isoformat()),
            )
            # visits that stay keep their place; generated ones follow them
            base = {
                r[0]: r[1]
                for r in conn.execute(
                    "SELECT planned_date, max(seq) FROM visits WHERE planned_date BETWEEN ? AND ? "
                    "GROUP BY planned_date",
                    (first.isoformat(), last.isoformat()),
                )
            }
            conn.executemany(
                "INSERT INTO visits (id, am_id, plan_id, retailer_code, planned_date, seq, status, "
                "reasons, measures, adhoc, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?, 0, ?, ?)",
                [
                    (
                        new_id(),
                        self.am_id,
                        plan_id,
                        v.code,
                        v.day.isoformat(),
                        base.get(v.day.isoformat(), 0) + v.seq,
                        json.dumps(list(v.reasons)),
                        json.dumps(list(v.measures)),
                        now,
                        now,
                    )
                    for v in plan.visits
                ],
            )
            conn.execute(
                "UPDATE visits SET plan_id = ? WHERE planned_date BETWEEN ? AND ? AND plan_id IS NULL",
                (plan_id, first.isoformat(), last.isoformat()),
            )
        return {
            "month": month,
            "status": "draft",
            "visits": len(plan.visits),
            "retailers": plan.retailers,
            "covered": plan.covered,
            "coverage": round(plan.coverage, 4),
            "dropped": plan.dropped,
            "days": len(plan.by_day()),
            "route_weekdays": {str(k): v for k, v in plan.route_weekdays.items()},
            "warnings": [
                {"key": w.key, **w.params, "text": t(f"plan.warn.{w.key}", **w.params)}
                for w in plan.warnings
            ],
        }

    def month_plan_row(self, month: str) -> dict[str, Any] | None:
        row = self.query_one("SELECT * FROM visit_plans WHERE month = ?", (month,))
        return dict(row) if row else None

    def month_plan(self, month: str) -> dict[str, Any] | None:
        """The plan of ``month`` with its status and visits (day order), or None."""
        from khtui.domain.months import add_months, month_range
        from khtui.domain.planning import submit_day
        from khtui.domain.retailer import ACTIVE

        plan = self.month_plan_row(month)
        if plan is None:
            return None
        first, last = month_range(month)
        plan["submit_by"] = submit_day(
            add_months(month, -1), self.work_calendar, self.rules
        ).isoformat()
        plan["visits"] = [
            self._visit_dict(r)
            for r in self.query(
                "SELECT v.*, r.name, r.route, r.route_seq, r.tier, r.value_class "
                "FROM visits v JOIN retailers r ON r.code = v.retailer_code "
                "WHERE v.planned_date BETWEEN ? AND ? ORDER BY v.planned_date, v.seq",
                (first.isoformat(), last.isoformat()),
            )
        ]
        live = [v for v in plan["visits"] if v["status"] != "rescheduled"]
        active = self.scalar("SELECT count(*) FROM retailers WHERE status = ?", (ACTIVE,))
        covered = len(
            {v["retailer_code"] for v in live if v["status"] in COUNTED}
            & {r[0] for r in self.query("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))}
        )
        plan["summary"] = {
            "visits": len(live),
            "retailers": active,
            "covered": covered,
            "coverage": round(covered / active, 4) if active else 1.0,
            "days": len({v["date"] for v in live}),
        }
        return plan

    def _set_plan_status(self, month: str, want_from: tuple[str, ...], to: str, stamp: str) -> dict:
        plan = self.month_plan_row(month)
        if plan is None:
            raise VisitProblem("no_plan", month=month)
        if plan["status"] not in want_from:
            raise VisitProblem(
                f"cannot_{to}",
                month=month,
                status=t(f"plan.status.{plan['status']}"),
            )
        with self.write() as conn:
            conn.execute(
                f"UPDATE visit_plans SET status = ?, {stamp} = ? WHERE id = ?",
                (to, self.now_text(), plan["id"]),
            )
        return self.month_plan_row(month)

    def submit_plan(self, month: str) -> dict[str, Any]:
        """Draft (or returned by the market manager) → submitted (to the market manager 市场经理)."""
        return self._set_plan_status(month, ("draft", "returned"), "submitted", "submitted_at")

    def approve_plan(self, month: str) -> dict[str, Any]:
        """Submitted → approved."""
        return self._set_plan_status(month, ("submitted",), "approved", "approved_at")

    # -- the day's list -----------------------------------------------------------------------
    @staticmethod
    def _visit_dict(row) -> dict[str, Any]:
        d = dict(row)
        d["reasons"] = json.loads(d.get("reasons") or "[]")
        d["measures"] = json.loads(d.get("measures") or "[]")
        d["adhoc"] = bool(d.get("adhoc"))
        d["date"] = d["planned_date"]
        return d

    def carry_over(self, day: dt.date) -> int:
        """Move missed planned visits of earlier days onto ``day`` (补访); returns how many.

        Done automatically when today's list is read. A retailer already on ``day``'s list gets
        the reason added instead of a second visit; retailers no longer active are left out.
        """
        from khtui.domain.planning import REASONS
        from khtui.domain.retailer import ACTIVE

        if not self.work_calendar.is_workday(day):
            return 0
        since = day - dt.timedelta(days=int(self.rules.get("visits.carry_over_days")))
        missed = self.query(
            "SELECT v.* FROM visits v JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.status = 'planned' AND v.planned_date < ? AND v.planned_date >= ? "
            "AND r.status = ? ORDER BY v.planned_date, v.seq",
            (day.isoformat(), since.isoformat(), ACTIVE),
        )
        if not missed:
            return 0
        now = self.now_text()
        with self.write() as conn:
            for old in missed:
                reasons = ["carry_over", *json.loads(old["reasons"])]
                there = conn.execute(
                    "SELECT id, reasons FROM visits WHERE retailer_code = ? AND planned_date = ? "
                    "AND status IN ('planned', 'checked_in', 'done')",
                    (old["retailer_code"], day.isoformat()),
                ).fetchone()
                if there is not None:
                    merged = set(json.loads(there["reasons"])) | set(reasons)
                    conn.execute(
                        "UPDATE visits SET reasons = ?, updated_at = ? WHERE id = ?",
                        (json.dumps([r for r in REASONS if r in merged]), now, there["id"]),
                    )
                else:
                    self._insert_visit(
                        conn,
                        old["retailer_code"],
                        day,
                        reasons=[r for r in REASONS if r in reasons],
                        measures=json.loads(old["measures"]),
                        adhoc=bool(old["adhoc"]),
                        origin=old["id"],
                    )
                conn.execute(
                    "UPDATE visits SET status = 'rescheduled', rescheduled_to = ?, updated_at = ? "
                    "WHERE id = ?",
                    (day.isoformat(), now, old["id"]),
                )
        return len(missed)

    def _maybe_carry(self, day: dt.date) -> None:
        if day == self.today():
            self.carry_over(day)

    def day_visits(self, day: dt.date) -> list[dict[str, Any]]:
        """The visits of ``day`` in the day's order, with what the list shows of each retailer."""
        day = _day(day)
        self._maybe_carry(day)
        d = day.isoformat()
        rows = self.query(
            "SELECT v.*, r.name, r.route, r.route_seq, r.tier, r.value_class, r.phone, r.address, "
            "(SELECT max(p.planned_date) FROM visits p WHERE p.retailer_code = v.retailer_code "
            " AND p.status = 'done' AND p.planned_date < ?) AS last_visit, "
            "(SELECT count(*) FROM complaints c WHERE c.retailer_code = v.retailer_code "
            " AND c.status IN ('open', 'forwarded')) AS open_complaints, "
            "(SELECT count(*) FROM complaints c WHERE c.retailer_code = v.retailer_code "
            " AND c.status IN ('open', 'forwarded') AND c.due_on < ?) AS overdue_complaints "
            "FROM visits v JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.planned_date = ? ORDER BY v.seq, r.route, r.route_seq",
            (d, d, d),
        )
        return [self._visit_dict(r) for r in rows]

    def day_progress(self, day: dt.date) -> dict[str, int]:
        day = _day(day)
        self._maybe_carry(day)
        counts = {
            r[0]: r[1]
            for r in self.query(
                "SELECT status, count(*) FROM visits WHERE planned_date = ? GROUP BY status",
                (day.isoformat(),),
            )
        }
        out = {s: counts.get(s, 0) for s in ("done", "skipped", "checked_in", "planned")}
        out["total"] = sum(out.values())
        out["rescheduled"] = counts.get("rescheduled", 0)
        return out

    def month_coverage(self, month: str, as_of: dt.date) -> dict[str, Any]:
        """月内走访面: active retailers, those visited (a done visit this month up to ``as_of``),
        who is still unvisited, and the working days left (``as_of`` included)."""
        from khtui.domain.months import month_range
        from khtui.domain.retailer import ACTIVE

        first, last = month_range(month)
        as_of = _day(as_of)
        upto = min(as_of, last)
        active = self.query(
            "SELECT code, name, route, route_seq FROM retailers WHERE status = ? "
            "ORDER BY route, route_seq, code",
            (ACTIVE,),
        )
        visited = {
            r[0]
            for r in self.query(
                "SELECT DISTINCT retailer_code FROM visits WHERE status = 'done' "
                "AND planned_date BETWEEN ? AND ?",
                (first.isoformat(), upto.isoformat()),
            )
        }
        unvisited = [
            {"code": r["code"], "name": r["name"], "route": r["route"]}
            for r in active
            if r["code"] not in visited
        ]
        left = (
            len(self.work_calendar.workdays_between(max(as_of, first), last))
            if as_of <= last
            else 0
        )
        n = len(active)
        return {
            "month": month,
            "active": n,
            "visited": n - len(unvisited),
            "coverage": round((n - len(unvisited)) / n, 4) if n else 1.0,
            "unvisited": unvisited,
            "working_days_left": left,
        }

    def visit_history(self, code: str, limit: int | None = None) -> list[dict[str, Any]]:
        """All visits of one retailer, newest first (future planned ones included)."""
        sql = "SELECT * FROM visits WHERE retailer_code = ? ORDER BY planned_date DESC, seq DESC"
        params: list[Any] = [code]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [self._visit_dict(r) for r in self.query(sql, params)]

    # -- the day's operations -----------------------------------------------------------------
    def _require_status(self, v: dict, allowed: Iterable[str], action: str) -> None:
        if v["status"] in allowed:
            return
        at = (v.get("done_at") if v["status"] == "done" else v.get("checked_in_at")) or ""
        kw = {
            "at": at[11:16],
            "day": v.get("rescheduled_to") or "",
            "status": t(f"plan.vstatus.{v['status']}"),
            "action": t(f"plan.action.{action}"),
        }
        specific = f"{action}_{v['status']}"
        if f"plan.err.{specific}" in LANGS["zh"]:
            raise VisitProblem(specific, **kw)
        if v["status"] == "rescheduled":
            raise VisitProblem("state_rescheduled", **kw)
        raise VisitProblem("state", **kw)

    def check_in(self, visit_id: str) -> dict[str, Any]:
        """签到: record the time the AM arrived. Only a planned visit of today or before."""
        v = self._visit(visit_id)
        self._require_status(v, ("planned",), "check_in")
        if v["planned_date"] > self.today().isoformat():
            raise VisitProblem("check_in_future", day=v["planned_date"])
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'checked_in', checked_in_at = ?, updated_at = ? "
                "WHERE id = ? AND status = 'planned'",
                (now, now, visit_id),
            )
        return self._visit(visit_id)

    def finish_visit(self, visit_id: str) -> dict[str, Any]:
        """完成: the visit is done (a planned one is checked in at the same time)."""
        v = self._visit(visit_id)
        self._require_status(v, OPEN, "finish")
        if v["planned_date"] > self.today().isoformat():
            raise VisitProblem("finish_future", day=v["planned_date"])
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'done', checked_in_at = coalesce(checked_in_at, ?), "
                "done_at = ?, updated_at = ? WHERE id = ?",
                (now, now, now, visit_id),
            )
        return self._visit(visit_id)

    def skip_visit(self, visit_id: str, reason: str) -> dict[str, Any]:
        """跳过: not visited, with the reason (required)."""
        reason = (reason or "").strip()
        v = self._visit(visit_id)
        self._require_status(v, OPEN, "skip")
        if not reason:
            raise VisitProblem("skip_no_reason")
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'skipped', skip_reason = ?, updated_at = ? WHERE id = ?",
                (reason, now, visit_id),
            )
        return self._visit(visit_id)

    def _check_new_day(self, code: str, day: dt.date, *, workday: bool) -> None:
        from khtui.domain.retailer import ACTIVE

        if day < self.today():
            raise VisitProblem("past_day", day=day.isoformat(), today=self.today().isoformat())
        if workday and not self.work_calendar.is_workday(day):
            name = self.work_calendar.holiday_name(day) or t("plan.weekend")
            raise VisitProblem(
                "not_workday",
                day=day.isoformat(),
                name=name,
                next=self.work_calendar.next_workday(day).isoformat(),
            )
        r = self.query_one("SELECT status FROM retailers WHERE code = ?", (code,))
        if r is None:
            raise VisitProblem("no_retailer", code=code)
        if r["status"] != ACTIVE:
            raise VisitProblem("not_active", code=code, status=r["status"])
        if self.scalar(
            "SELECT count(*) FROM visits WHERE retailer_code = ? AND planned_date = ? "
            "AND status IN ('planned', 'checked_in', 'done')",
            (code, day.isoformat()),
        ):
            raise VisitProblem("already_on_day", code=code, day=day.isoformat())

    def reschedule_visit(self, visit_id: str, new_day: dt.date) -> str:
        """改期: move a planned visit to another working day (today or later); returns the new
        visit's id, the old one becomes 'rescheduled'."""
        new_day = _day(new_day)
        v = self._visit(visit_id)
        self._require_status(v, ("planned",), "reschedule")
        if new_day.isoformat() == v["planned_date"]:
            raise VisitProblem("same_day", day=new_day.isoformat())
        self._check_new_day(v["retailer_code"], new_day, workday=True)
        now = self.now_text()
        with self.write() as conn:
            new = self._insert_visit(
                conn,
                v["retailer_code"],
                new_day,
                reasons=json.loads(v["reasons"]),
                measures=json.loads(v["measures"]),
                adhoc=bool(v["adhoc"]),
                origin=visit_id,
            )
            conn.execute(
                "UPDATE visits SET status = 'rescheduled', rescheduled_to = ?, updated_at = ? "
                "WHERE id = ?",
                (new_day.isoformat(), now, visit_id),
            )
        return new

    def move_visit(self, visit_id: str, delta: int) -> int:
        """Reorder within the day: move up (delta < 0) or down; returns the new position (1-based)
        among the day's visits. Moving past either end stops there."""
        v = self._visit(visit_id)
        ids = [
            r[0]
            for r in self.query(
                "SELECT id FROM visits WHERE planned_date = ? ORDER BY seq, rowid",
                (v["planned_date"],),
            )
        ]
        i = ids.index(visit_id)
        j = max(0, min(len(ids) - 1, i + int(delta)))
        ids.insert(j, ids.pop(i))
        with self.write() as conn:
            conn.executemany(
                "UPDATE visits SET seq = ? WHERE id = ?", [(k + 1, x) for k, x in enumerate(ids)]
            )
        return j + 1

    def add_adhoc_visit(self, code: str, day: dt.date, reasons: Sequence[str] = ("adhoc",)) -> str:
        """临时拜访: add a visit to a day's list (today or later), at its end."""
        from khtui.domain.planning import REASONS

        day = _day(day)
        bad = [r for r in reasons if r not in REASONS]
        if bad or not reasons:
            raise VisitProblem("bad_reason", reason=", ".join(bad) or "-")
        self._check_new_day(code, day, workday=False)
        with self.write() as conn:
            return self._insert_visit(
                conn, code, day, reasons=[r for r in REASONS if r in reasons], adhoc=True
            )

    def remove_visit(self, visit_id: str) -> None:
        """Take a visit still to be made off the plan (one checked in, done or skipped stays)."""
        v = self._visit(visit_id)
        self._require_status(v, ("planned",), "remove")
        if self.scalar("SELECT count(*) FROM captures WHERE visit_id = ?", (visit_id,)):
            raise VisitProblem("remove_has_captures")
        with self.write() as conn:
            conn.execute("DELETE FROM visits WHERE id = ? AND status = 'planned'", (visit_id,))
