"""Visit plans and visits: the monthly plan, the day's list and the day's operations.

The plan itself is decided in :mod:`khtui.domain.planning` and a visit's states and the actions
between them in :mod:`khtui.domain.visits`; this module gathers the facts, stores the plan
(``visit_plans`` + ``visits``) and runs the operations, building its SQL from the domain's
status sets. Problems a user can act on raise :class:`VisitProblem` (a :class:`StoreError`)
carrying a message key and its parameters; nothing is written then. Only the screens and the
command line turn the key into words.

Reading never writes: the day's list, its progress, the month's coverage and the missed visits
are plain reads, whatever the day. Writing is the AM's actions (each logged in
``visit_actions``, so the day's last one can be undone) and the day's housekeeping
(:mod:`khtui.data.housekeeping`): carry-over 补访 brings missed visits back within the daily
capacity (:meth:`VisitOps.carry_over`, logged in ``plan_changes``) and missing plans are drafted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from khtui.data.base import StoreError, from_row, new_id, own_records, placeholders
from khtui.data.statuses import (
    LIVE_VISITS,
    OPEN_COMPLAINTS,
    overdue_complaint,
    visit_from,
)
from khtui.data.warnings import WarningOps
from khtui.domain import visits as rules_of
from khtui.domain.dates import as_date
from khtui.domain.messages import Key
from khtui.domain.problems import KeyedError

if TYPE_CHECKING:
    from khtui.domain.planning import PlanFacts, PlanRetailer

# the visit's columns an action changes: what the action log keeps to undo it
_UNDO_COLUMNS = ("status", "checked_in_at", "done_at", "skip_reason", "rescheduled_to")


class VisitProblem(KeyedError, StoreError):
    """A visit or plan operation that cannot be done: ``key`` names the message (what is wrong
    and what to do), ``params`` fill it (a :class:`~khtui.domain.messages.Key` among them is
    a word to translate too)."""

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


def _of_am(alias: str, am_id: str | None) -> tuple[str, tuple[str, ...]]:
    """The ``AND …am_id = ?`` clause and its parameter of one AM's records in a team database
    (nothing without ``am_id``: an AM's own database holds only theirs)."""
    return ("", ()) if am_id is None else (f" AND {alias}am_id = ?", (am_id,))


def _active_of_am(am_id: str | None) -> tuple[str, tuple[str, ...]]:
    """The clause limiting ``retailers`` to those counted for ``am_id`` in a team database."""
    if am_id is None:
        return "", ()
    from khtui.data.manager import OWNED_BY

    return f" AND {OWNED_BY}", (am_id,)


@dataclass(frozen=True)
class CarryOver:
    """What carry-over did on ``day``: visits brought back as new visits (``carried``), added
    as a reason to the retailer's visit already there (``merged``), and those that found no
    day with room (``unplaced``: they stay missed)."""

    day: dt.date
    carried: int = 0
    merged: int = 0
    unplaced: int = 0
    days: tuple[dt.date, ...] = ()  # the days that received them


@dataclass(frozen=True)
class VisitOutcome:
    """What became of a visit already past, recorded in bulk (the demo's history): finished
    (``finish``, with its check-in and finish times) or not made (``skip``, with the reason).
    ``at`` is when it was recorded."""

    visit_id: str
    action: str
    at: str
    checked_in_at: str | None = None
    done_at: str | None = None
    skip_reason: str | None = None


@dataclass(frozen=True)
class PlanState:
    """A month's plan at a glance: its status (None: no plan yet), the day it is submitted by,
    its visits and the active retailers it covers."""

    month: str
    status: str | None
    submit_by: dt.date
    visits: int = 0
    covered: int = 0
    retailers: int = 0


@dataclass(frozen=True)
class Undone:
    """An action taken back: which, on which visit and retailer."""

    action: str
    visit_id: str
    code: str
    name: str
    day: dt.date
    details: dict[str, Any] = field(default_factory=dict)


def _refused(action: str, v: dict[str, Any]) -> VisitProblem:
    """The problem of an action the visit's status does not allow, with what it needs to say
    what to do instead."""
    at = (v.get("done_at") if v["status"] == "done" else v.get("checked_in_at")) or ""
    return VisitProblem(
        rules_of.refusal(action, v["status"]),
        at=at[11:16],
        day=v.get("rescheduled_to") or "",
        reason=v.get("skip_reason") or "",
    )


class VisitOps(WarningOps):
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- helpers ------------------------------------------------------------------------------
    def _visit(self, visit_id: str) -> dict[str, Any]:
        row = self.query_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        if row is None:
            raise VisitProblem("plan.err.no_visit", id=visit_id)
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
                json.dumps(list(rules_of.order_reasons(reasons))),
                json.dumps(list(measures)),
                int(adhoc),
                origin,
                now,
                now,
            ),
        )
        return vid

    def _log_action(
        self, conn, visit: dict[str, Any], action: str, new_visit_id: str | None = None
    ) -> None:
        """Keep what ``action`` changed on ``visit`` (as it was before), so it can be undone."""
        conn.execute(
            "INSERT INTO visit_actions (id, am_id, visit_id, action, on_day, before, "
            "new_visit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                self.am_id,
                visit["id"],
                action,
                self.today().isoformat(),
                json.dumps({k: visit.get(k) for k in _UNDO_COLUMNS}),
                new_visit_id,
                self.now_text(),
            ),
        )

    # -- the monthly plan ---------------------------------------------------------------------
    def _plan_facts(self, month: str, from_day: dt.date) -> tuple[list[PlanRetailer], PlanFacts]:
        from khtui.domain.months import add_months, month_key, month_range
        from khtui.domain.planning import PlanFacts, PlanRetailer, is_sales_swing
        from khtui.domain.retailer import ACTIVE

        cfg = self.rules.visits
        first, last = month_range(month)
        retailers = [
            from_row(PlanRetailer, r, vulnerable=bool(r["vulnerable"]))
            for r in self.query(
                "SELECT code, name, route, route_seq, visit_batch, tier, value_class, vulnerable, "
                "birthday FROM retailers WHERE status = ? ORDER BY route, route_seq, code",
                (ACTIVE,),
            )
        ]
        # facts are what is known when the plan is drafted: before the month starts
        as_of = min(self.today(), first)
        last_month = add_months(month_key(as_of), -1)
        n = cfg.sales_swing_basis_months
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
                cfg.sales_swing_pct,
            )
        )
        kept: dict[str, list[dt.date]] = {}
        for r in self.query(
            f"SELECT retailer_code, planned_date FROM visits WHERE planned_date BETWEEN ? AND ? "
            f"AND status IN {LIVE_VISITS} "
            f"AND NOT (status = 'planned' AND adhoc = 0 AND planned_date >= ?)",
            (first.isoformat(), last.isoformat(), from_day.isoformat()),
        ):
            kept.setdefault(r[0], []).append(dt.date.fromisoformat(r[1]))
        facts = PlanFacts(
            # sales swings against the stored forecast too (data/warnings.py)
            sales_swing=swing | self.forecast_swing_codes(as_of),
            debit_failure=frozenset(
                self.column(
                    "SELECT code FROM retailers WHERE status = ? AND debit_failures > 0", (ACTIVE,)
                )
            ),
            open_complaint=frozenset(
                self.column(
                    "SELECT DISTINCT retailer_code FROM complaints "
                    f"WHERE status IN {OPEN_COMPLAINTS}"
                )
            ),
            new_product=self._new_product_codes(month, last, retailers),
            kept=kept,
            from_day=from_day,
        )
        return retailers, facts

    def _new_product_codes(
        self, month: str, last: dt.date, retailers: list[PlanRetailer]
    ) -> frozenset[str]:
        """The retailers of a tier that should carry the new brands launched in the last
        months and have not yet ordered every one of them."""
        from khtui.domain.months import add_months, month_range

        cfg = self.rules.visits
        since = month_range(add_months(month, -cfg.new_product_launch_months))[0]
        new_brands = self.column(
            "SELECT brand_code FROM brands WHERE is_new = 1 AND launch_date BETWEEN ? AND ?",
            (since.isoformat(), last.isoformat()),
        )
        if not new_brands:
            return frozenset()
        marks = placeholders(new_brands)
        ordered_all = set(
            self.column(
                f"SELECT retailer_code FROM monthly_brand_sales WHERE brand_code IN ({marks}) "
                f"GROUP BY retailer_code HAVING count(DISTINCT brand_code) = ?",
                [*new_brands, len(new_brands)],
            )
        )
        max_tier = cfg.new_product_max_tier
        return frozenset(
            r.code
            for r in retailers
            if r.tier is not None and r.tier <= max_tier and r.code not in ordered_all
        )

    @own_records
    def generate_month_plan(self, month: str, *, replace: bool = False) -> dict[str, Any]:
        """Draft (or redraft) the visit plan of ``month`` ('YYYY-MM').

        A draft is simply redrafted; a submitted or approved plan only with ``replace=True``
        (it goes back to draft). Visits already made (done, checked in, skipped), ad-hoc visits
        and days before today stay; only the generated visits still to come are replaced.
        Returns a summary: month, status, visits, retailers, coverage, dropped, warnings (each
        a message key with its parameters).
        """
        from khtui.domain.months import month_over, month_range, parse_month
        from khtui.domain.planning import plan_month

        try:
            parse_month(month)
        except ValueError:
            raise VisitProblem("plan.err.bad_month", month=month) from None
        first, last = month_range(month)
        today = self.today()
        if month_over(month, today):
            raise VisitProblem("plan.err.past_month", month=month)
        existing = self.month_plan_row(month)
        # a plan the market manager returned is redrafted like a draft
        if existing and existing["status"] not in ("draft", "returned") and not replace:
            raise VisitProblem(
                "plan.err.plan_locked",
                month=month,
                status=Key(f"plan.status.{existing['status']}"),
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
            am_id = self.am_id  # (read once: each read asks the meta table)
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
                        am_id,
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
            # the warnings are kept with the plan: the plan document shows them
            conn.execute(
                "UPDATE visit_plans SET warnings = ? WHERE id = ?",
                (
                    json.dumps(
                        [{"key": w.key, "params": w.params} for w in plan.warnings],
                        ensure_ascii=False,
                        default=str,
                    ),
                    plan_id,
                ),
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
            "warnings": [{"key": f"plan.warn.{w.key}", **w.params} for w in plan.warnings],
        }

    def month_plan_row(self, month: str, am_id: str | None = None) -> dict[str, Any] | None:
        """The plan of ``month`` (in a team database, ``am_id``'s)."""
        mine, by = _of_am("", am_id)
        row = self.query_one(f"SELECT * FROM visit_plans WHERE month = ?{mine}", (month, *by))
        return dict(row) if row else None

    def _plan_row(self, month: str) -> dict[str, Any]:
        """The month's plan, which the caller knows exists."""
        plan = self.month_plan_row(month)
        assert plan is not None
        return plan

    def submit_by(self, month: str) -> dt.date:
        """The day the plan of ``month`` is submitted by (in the month before it)."""
        from khtui.domain.months import add_months
        from khtui.domain.planning import submit_day

        return submit_day(add_months(month, -1), self.work_calendar, self.rules)

    def plan_state(self, month: str) -> PlanState:
        """The plan of ``month`` at a glance (one light query; no plan: status None)."""
        from khtui.domain.months import month_range
        from khtui.domain.retailer import ACTIVE

        row = self.month_plan_row(month)
        submit_by = self.submit_by(month)
        if row is None:
            return PlanState(month, None, submit_by)
        first, last = month_range(month)
        [(visits, covered)] = self.query(
            f"SELECT count(*), count(DISTINCT v.retailer_code) FROM visits v "
            f"JOIN retailers r ON r.code = v.retailer_code AND r.status = ? "
            f"WHERE v.planned_date BETWEEN ? AND ? AND v.status IN {LIVE_VISITS}",
            (ACTIVE, first.isoformat(), last.isoformat()),
        )
        active = self.scalar("SELECT count(*) FROM retailers WHERE status = ?", (ACTIVE,))
        return PlanState(month, row["status"], submit_by, visits, covered, active)

    def plan_changes(self, month: str, am_id: str | None = None) -> list[dict[str, Any]]:
        """What carry-over changed in the plan of ``month`` after it was made: each missed
        visit brought back (from_day → to_day) that left or entered the month, oldest first
        (in a team database, ``am_id``'s)."""
        from khtui.domain.months import month_range

        first, last = month_range(month)
        a, b = first.isoformat(), last.isoformat()
        mine, by = _of_am("c.", am_id)
        return [
            dict(r)
            for r in self.query(
                "SELECT c.kind, c.retailer_code, r.name, c.from_day, c.to_day, c.visit_id, "
                "c.new_visit_id, c.merged, c.created_at FROM plan_changes c "
                "LEFT JOIN retailers r ON r.code = c.retailer_code "
                f"WHERE ((c.from_day BETWEEN ? AND ?) OR (c.to_day BETWEEN ? AND ?)){mine} "
                "ORDER BY c.created_at, c.from_day, c.retailer_code",
                (a, b, a, b, *by),
            )
        ]

    def month_plan(self, month: str, am_id: str | None = None) -> dict[str, Any] | None:
        """The plan of ``month`` with its status, visits (day order), summary and the changes
        carry-over made to it, or None (in a team database, ``am_id``'s plan, visits and
        retailers)."""
        from khtui.domain.months import month_range
        from khtui.domain.retailer import ACTIVE

        plan = self.month_plan_row(month, am_id)
        if plan is None:
            return None
        first, last = month_range(month)
        mine, by = _of_am("v.", am_id)
        plan["submit_by"] = self.submit_by(month).isoformat()
        plan["visits"] = [
            self._visit_dict(r)
            for r in self.query(
                "SELECT v.*, r.name, r.route, r.route_seq, r.tier, r.value_class "
                "FROM visits v JOIN retailers r ON r.code = v.retailer_code "
                f"WHERE v.planned_date BETWEEN ? AND ?{mine} ORDER BY v.planned_date, v.seq",
                (first.isoformat(), last.isoformat(), *by),
            )
        ]
        live = [v for v in plan["visits"] if v["status"] != "rescheduled"]
        theirs, owner = _active_of_am(am_id)
        active_codes = {
            r[0]
            for r in self.query(
                f"SELECT code FROM retailers WHERE status = ?{theirs}", (ACTIVE, *owner)
            )
        }
        covered = len(
            {v["retailer_code"] for v in live if v["status"] in rules_of.LIVE} & active_codes
        )
        active = len(active_codes)
        plan["summary"] = {
            "visits": len(live),
            "retailers": active,
            "covered": covered,
            "coverage": round(covered / active, 4) if active else 1.0,
            "days": len({v["date"] for v in live}),
        }
        plan["changes"] = self.plan_changes(month, am_id)
        return plan

    def _set_plan_status(self, month: str, want_from: tuple[str, ...], to: str, stamp: str) -> dict:
        plan = self.month_plan_row(month)
        if plan is None:
            from khtui.domain.months import month_over

            # a month over gets no plan any more: nothing to run first
            over = month_over(month, self.today())
            raise VisitProblem("plan.err.no_plan_past" if over else "plan.err.no_plan", month=month)
        if plan["status"] not in want_from:
            raise VisitProblem(
                f"plan.err.cannot_{to}",
                month=month,
                status=Key(f"plan.status.{plan['status']}"),
            )
        with self.write() as conn:
            conn.execute(
                f"UPDATE visit_plans SET status = ?, {stamp} = ? WHERE id = ?",
                (to, self.now_text(), plan["id"]),
            )
        return self._plan_row(month)

    @own_records
    def submit_plan(self, month: str) -> dict[str, Any]:
        """Draft (or returned by the market manager) → submitted (to the market manager 市场经理)."""
        return self._set_plan_status(month, ("draft", "returned"), "submitted", "submitted_at")

    @own_records
    def approve_plan(self, month: str) -> dict[str, Any]:
        """Submitted → approved."""
        return self._set_plan_status(month, ("submitted",), "approved", "approved_at")

    # -- carry-over 补访 ----------------------------------------------------------------------
    def _missed_since(self, day: dt.date) -> dt.date:
        """The earliest planned day whose missed visits still count: the carry-over window or
        the start of ``day``'s month, whichever is earlier."""
        window = day - dt.timedelta(days=self.rules.visits.carry_over_days)
        return min(window, day.replace(day=1))

    def missed_visits(self, day: dt.date, am_id: str | None = None) -> list[dict[str, Any]]:
        """Planned visits of days before ``day`` (this month, or within the carry-over window)
        that were neither made nor skipped nor moved: what the AM still has to place (in a team
        database, ``am_id``'s; without ``am_id``, every AM's, each naming its AM, ``am``, AM by
        AM)."""
        from khtui.data.manager import am_named
        from khtui.domain.retailer import ACTIVE

        day = as_date(day)
        mine, by = _of_am("v.", am_id)
        # a team database's whole list: each visit names its AM (``am``), AM by AM
        [(am, order)] = am_named(self.conn, am_id, "v.")
        rows = self.query(
            f"SELECT v.*, {am}r.name, r.route, r.route_seq, r.tier, r.phone, r.address "
            "FROM visits v JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.status = 'planned' AND v.planned_date < ? AND v.planned_date >= ? "
            f"AND r.status = ?{mine} ORDER BY {order}v.planned_date, v.seq",
            (day.isoformat(), self._missed_since(day).isoformat(), ACTIVE, *by),
        )
        return [self._visit_dict(r) for r in rows]

    def count_missed(self, day: dt.date) -> int:
        """How many :meth:`missed_visits` there are (one count, for a list's note)."""
        from khtui.domain.retailer import ACTIVE

        day = as_date(day)
        return self.scalar(
            "SELECT count(*) FROM visits v JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.status = 'planned' AND v.planned_date < ? AND v.planned_date >= ? "
            "AND r.status = ?",
            (day.isoformat(), self._missed_since(day).isoformat(), ACTIVE),
        )

    @own_records
    def carry_over(self, day: dt.date) -> CarryOver:
        """Bring missed visits back (补访) on ``day`` and the month's next working days, within
        the daily capacity (see :func:`khtui.domain.planning.place_missed`).

        Only visits planned within ``visits.carry_over_days`` before ``day`` are carried; a
        missed visit becomes 'rescheduled' (its history stays) and a new visit carries the reason
        ``carry_over`` with the original reasons, or the retailer's visit already on that day
        gets the reason. Those that find no room stay missed (:meth:`missed_visits`). Every
        change is logged in ``plan_changes``. Part of the day's housekeeping; nothing on a rest
        day.
        """
        from khtui.domain.months import month_range
        from khtui.domain.planning import DayRoom, MissedVisit, place_missed
        from khtui.domain.retailer import ACTIVE

        day = as_date(day)
        if not self.work_calendar.is_workday(day):
            return CarryOver(day)
        since = day - dt.timedelta(days=self.rules.visits.carry_over_days)
        rows = {
            r["id"]: dict(r)
            for r in self.query(
                "SELECT v.* FROM visits v JOIN retailers r ON r.code = v.retailer_code "
                "WHERE v.status = 'planned' AND v.planned_date < ? AND v.planned_date >= ? "
                "AND r.status = ? ORDER BY v.planned_date, v.seq",
                (day.isoformat(), since.isoformat(), ACTIVE),
            )
        }
        if not rows:
            return CarryOver(day)
        end = month_range(f"{day.year:04d}-{day.month:02d}")[1]
        days = self.work_calendar.workdays_between(day, end)
        standing: dict[dt.date, dict[str, str]] = {d: {} for d in days}
        for r in self.query(
            f"SELECT planned_date, retailer_code, id FROM visits WHERE planned_date BETWEEN ? "
            f"AND ? AND status IN {LIVE_VISITS} ORDER BY planned_date, seq",
            (day.isoformat(), end.isoformat()),
        ):
            d = dt.date.fromisoformat(r[0])
            if d in standing:
                standing[d].setdefault(r[1], r[2])
        loads = {
            dt.date.fromisoformat(r[0]): r[1]
            for r in self.query(
                f"SELECT planned_date, count(*) FROM visits WHERE planned_date BETWEEN ? AND ? "
                f"AND status IN {LIVE_VISITS} GROUP BY planned_date",
                (day.isoformat(), end.isoformat()),
            )
        }
        placements = place_missed(
            [
                MissedVisit(v["id"], v["retailer_code"], as_date(v["planned_date"]), v["seq"])
                for v in rows.values()
            ],
            [DayRoom(d, loads.get(d, 0), standing[d]) for d in days],
            self.rules.visits.daily_capacity,
        )
        now = self.now_text()
        carried = merged = 0
        used: set[dt.date] = set()
        became: dict[str, str] = {}  # missed visit id -> the new visit it became
        with self.write() as conn:
            for p in placements:
                if p.day is None:
                    continue
                old = rows[p.visit_id]
                reasons = ["carry_over", *json.loads(old["reasons"])]
                # the retailer's visit already on that day, or the one an earlier miss became
                into = became.get(p.into, p.into) if p.into is not None else None
                if into is not None:
                    there = conn.execute("SELECT reasons FROM visits WHERE id = ?", (into,))
                    both = [*json.loads(there.fetchone()["reasons"]), *reasons]
                    conn.execute(
                        "UPDATE visits SET reasons = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(list(rules_of.order_reasons(both))), now, into),
                    )
                    target, merged = into, merged + 1
                else:
                    target = self._insert_visit(
                        conn,
                        old["retailer_code"],
                        p.day,
                        reasons=reasons,
                        measures=json.loads(old["measures"]),
                        adhoc=bool(old["adhoc"]),
                        origin=old["id"],
                    )
                    became[old["id"]] = target
                    carried += 1
                conn.execute(
                    "UPDATE visits SET status = 'rescheduled', rescheduled_to = ?, updated_at = ? "
                    "WHERE id = ?",
                    (p.day.isoformat(), now, old["id"]),
                )
                conn.execute(
                    "INSERT INTO plan_changes (id, am_id, plan_id, kind, retailer_code, visit_id, "
                    "new_visit_id, merged, from_day, to_day, created_at) "
                    "VALUES (?, ?, ?, 'carry_over', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id(),
                        self.am_id,
                        self._plan_id_for(conn, p.day),
                        old["retailer_code"],
                        old["id"],
                        target,
                        int(into is not None),
                        old["planned_date"],
                        p.day.isoformat(),
                        now,
                    ),
                )
                used.add(p.day)
        return CarryOver(
            day,
            carried=carried,
            merged=merged,
            unplaced=sum(1 for p in placements if p.day is None),
            days=tuple(sorted(used)),
        )

    # -- the day's list -----------------------------------------------------------------------
    @staticmethod
    def _visit_dict(row) -> dict[str, Any]:
        d = dict(row)
        d["reasons"] = json.loads(d.get("reasons") or "[]")
        d["measures"] = json.loads(d.get("measures") or "[]")
        d["adhoc"] = bool(d.get("adhoc"))
        d["date"] = d["planned_date"]
        return d

    def day_visits(self, day: dt.date, am_id: str | None = None) -> list[dict[str, Any]]:
        """The visits of ``day`` in the day's order, with what the list shows of each retailer
        (in a team database, ``am_id``'s; without ``am_id``, every AM's, each visit with its
        AM as the lists name them, ``am``, ordered by AM then as the AM's own list is). A read:
        it changes nothing, whatever the day."""
        from khtui.data.manager import am_named

        day = as_date(day)
        d = day.isoformat()
        mine, by = _of_am("v.", am_id)
        # a team database's whole day: each visit names its AM, and each AM's visits come
        # together, in the order of the AM's own list
        [(am, order)] = am_named(self.conn, am_id, "v.")
        rows = self.query(
            f"SELECT v.*, {am}r.name, r.route, r.route_seq, r.tier, r.value_class, r.phone, "
            f"r.address, "
            f"(SELECT max(p.planned_date) FROM visits p WHERE p.retailer_code = v.retailer_code "
            f" AND p.status = 'done' AND p.planned_date < ?) AS last_visit, "
            f"(SELECT count(*) FROM complaints c WHERE c.retailer_code = v.retailer_code "
            f" AND c.status IN {OPEN_COMPLAINTS}) AS open_complaints, "
            f"(SELECT count(*) FROM complaints c WHERE c.retailer_code = v.retailer_code "
            f" AND {overdue_complaint('c.')}) AS overdue_complaints "
            f"FROM visits v JOIN retailers r ON r.code = v.retailer_code "
            f"WHERE v.planned_date = ?{mine} ORDER BY {order}v.seq, r.route, r.route_seq",
            (d, d, d, *by),
        )
        return [self._visit_dict(r) for r in rows]

    def day_progress(self, day: dt.date, am_id: str | None = None) -> dict[str, int]:
        """How many of ``day``'s visits are in each state (in a team database, ``am_id``'s)."""
        day = as_date(day)
        mine, by = _of_am("", am_id)
        counts = {
            r[0]: r[1]
            for r in self.query(
                f"SELECT status, count(*) FROM visits WHERE planned_date = ?{mine} GROUP BY status",
                (day.isoformat(), *by),
            )
        }
        out = {s: counts.get(s, 0) for s in ("done", "skipped", "checked_in", "planned")}
        out["total"] = sum(out.values())
        out["rescheduled"] = counts.get("rescheduled", 0)
        return out

    def month_coverage(
        self, month: str, as_of: dt.date, am_id: str | None = None
    ) -> dict[str, Any]:
        """月内走访面: active retailers, those visited (a done visit this month up to ``as_of``),
        who is still unvisited, and the working days left (``as_of`` included). In a team
        database with ``am_id``: that AM's retailers and visits; without it, the whole team's,
        each unvisited retailer naming the AM it is counted for (``am``), AM by AM."""
        from khtui.data.manager import AM_SHOWN, OWNERS, is_team_database
        from khtui.domain.months import month_range
        from khtui.domain.retailer import ACTIVE

        first, last = month_range(month)
        as_of = as_date(as_of)
        upto = min(as_of, last)
        theirs, owner = _active_of_am(am_id)
        if am_id is None and is_team_database(self.conn):
            # the whole team's: each retailer names the AM it is counted for, AM by AM
            active = self.query(
                f"SELECT r.code, r.name, r.route, r.route_seq, "
                f"{AM_SHOWN.format(am_id='o.am_id')} AS am FROM retailers r "
                f"LEFT JOIN ({OWNERS}) o ON o.retailer_code = r.code WHERE r.status = ? "
                "ORDER BY am, o.am_id, r.route, r.route_seq, r.code",
                (ACTIVE,),
            )
        else:
            active = self.query(
                f"SELECT code, name, route, route_seq FROM retailers WHERE status = ?{theirs} "
                "ORDER BY route, route_seq, code",
                (ACTIVE, *owner),
            )
        mine, by = _of_am("", am_id)
        visited = set(
            self.column(
                "SELECT DISTINCT retailer_code FROM visits WHERE status = 'done' "
                f"AND planned_date BETWEEN ? AND ?{mine}",
                (first.isoformat(), upto.isoformat(), *by),
            )
        )
        unvisited = [
            {k: v for k, v in dict(r).items() if k != "route_seq"}
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
    def _check(self, action: str, v: dict[str, Any]) -> None:
        if not rules_of.allowed(action, v["status"]):
            raise _refused(action, v)

    def _not_future(self, v: dict[str, Any], key: str) -> None:
        if v["planned_date"] > self.today().isoformat():
            raise VisitProblem(key, day=v["planned_date"])

    @own_records
    def check_in(self, visit_id: str) -> dict[str, Any]:
        """签到: record the time the AM arrived. Only a planned visit of today or before."""
        v = self._visit(visit_id)
        self._check("check_in", v)
        self._not_future(v, "plan.err.check_in_future")
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'checked_in', checked_in_at = ?, updated_at = ? "
                "WHERE id = ? AND status = 'planned'",
                (now, now, visit_id),
            )
            self._log_action(conn, v, "check_in")
        return self._visit(visit_id)

    @own_records
    def finish_visit(self, visit_id: str, *, arrived: dt.time | None = None) -> dict[str, Any]:
        """完成: the visit is done.

        A visit checked in keeps its check-in time. One that was not checked in records the
        arrival time the AM gives (``arrived``, on the visit's day, not after now) or none at
        all: the program never makes one up.
        """
        v = self._visit(visit_id)
        self._check("finish", v)
        self._not_future(v, "plan.err.finish_future")
        now = self.now()
        checked_in = v["checked_in_at"]
        if v["status"] == "planned" and arrived is not None:
            at = dt.datetime.combine(as_date(v["planned_date"]), arrived.replace(second=0))
            if at > now:
                raise VisitProblem(
                    "visit.err.arrived_later", at=arrived.strftime("%H:%M"), now=f"{now:%H:%M}"
                )
            checked_in = at.isoformat(timespec="seconds")
        stamp = now.isoformat(timespec="seconds")
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'done', checked_in_at = ?, done_at = ?, "
                "updated_at = ? WHERE id = ?",
                (checked_in, stamp, stamp, visit_id),
            )
            self._log_action(conn, v, "finish")
        return self._visit(visit_id)

    @own_records
    def skip_visit(self, visit_id: str, reason: str) -> dict[str, Any]:
        """未访: the visit did not happen, with the reason (required)."""
        reason = (reason or "").strip()
        v = self._visit(visit_id)
        self._check("skip", v)
        if not reason:
            raise VisitProblem("plan.err.skip_no_reason")
        now = self.now_text()
        with self.write() as conn:
            conn.execute(
                "UPDATE visits SET status = 'skipped', skip_reason = ?, updated_at = ? WHERE id = ?",
                (reason, now, visit_id),
            )
            self._log_action(conn, v, "skip")
        return self._visit(visit_id)

    def _check_new_day(self, code: str, day: dt.date, *, workday: bool) -> None:
        from khtui.domain.retailer import ACTIVE

        if day < self.today():
            raise VisitProblem(
                "plan.err.past_day", day=day.isoformat(), today=self.today().isoformat()
            )
        if workday and not self.work_calendar.is_workday(day):
            name = self.work_calendar.holiday_name(day)
            raise VisitProblem(
                "plan.err.not_workday",
                day=day.isoformat(),
                name=name or Key("plan.weekend"),
                next=self.work_calendar.next_workday(day).isoformat(),
            )
        r = self.query_one("SELECT status FROM retailers WHERE code = ?", (code,))
        if r is None:
            raise VisitProblem("plan.err.no_retailer", code=code)
        if r["status"] != ACTIVE:
            raise VisitProblem(
                "plan.err.not_active", code=code, status=Key(f"retailer.status.{r['status']}")
            )
        if self.scalar(
            f"SELECT count(*) FROM visits WHERE retailer_code = ? AND planned_date = ? "
            f"AND status IN {LIVE_VISITS}",
            (code, day.isoformat()),
        ):
            raise VisitProblem("plan.err.already_on_day", code=code, day=day.isoformat())

    @own_records
    def reschedule_visit(self, visit_id: str, new_day: dt.date) -> str:
        """改期: move a planned visit to another working day (today or later); returns the new
        visit's id, the old one becomes 'rescheduled'.

        A skipped visit is not moved but visited again (另约): a new planned visit on the new
        day (reasons 补访 and the original ones); the skipped one stays as it was, naming the
        day (once).
        """
        new_day = as_date(new_day)
        v = self._visit(visit_id)
        action = "revisit" if v["status"] == "skipped" else "reschedule"
        self._check(action, v)
        if action == "revisit" and v["rescheduled_to"]:
            raise VisitProblem("visit.err.revisit_again", day=v["rescheduled_to"])
        if new_day.isoformat() == v["planned_date"]:
            raise VisitProblem("plan.err.same_day", day=new_day.isoformat())
        self._check_new_day(v["retailer_code"], new_day, workday=True)
        reasons = json.loads(v["reasons"])
        if action == "revisit":
            reasons = ["carry_over", *reasons]
        now = self.now_text()
        with self.write() as conn:
            new = self._insert_visit(
                conn,
                v["retailer_code"],
                new_day,
                reasons=reasons,
                measures=json.loads(v["measures"]),
                adhoc=bool(v["adhoc"]),
                origin=visit_id,
            )
            status = "skipped" if action == "revisit" else "rescheduled"
            conn.execute(
                "UPDATE visits SET status = ?, rescheduled_to = ?, updated_at = ? WHERE id = ?",
                (status, new_day.isoformat(), now, visit_id),
            )
            self._log_action(conn, v, action, new)
        return new

    @own_records
    def move_visit(self, visit_id: str, delta: int) -> int:
        """Reorder within the day: move up (delta < 0) or down; returns the new position (1-based)
        among the day's visits. Moving past either end stops there."""
        v = self._visit(visit_id)
        ids = self.column(
            "SELECT id FROM visits WHERE planned_date = ? ORDER BY seq, rowid",
            (v["planned_date"],),
        )
        i = ids.index(visit_id)
        j = max(0, min(len(ids) - 1, i + int(delta)))
        ids.insert(j, ids.pop(i))
        with self.write() as conn:
            conn.executemany(
                "UPDATE visits SET seq = ? WHERE id = ?", [(k + 1, x) for k, x in enumerate(ids)]
            )
        return j + 1

    @own_records
    def add_adhoc_visit(self, code: str, day: dt.date, reasons: Sequence[str] = ("adhoc",)) -> str:
        """临时拜访: add a visit to a day's list (today or later), at its end."""
        from khtui.domain.visits import REASONS

        day = as_date(day)
        bad = [r for r in reasons if r not in REASONS]
        if bad or not reasons:
            raise VisitProblem("plan.err.bad_reason", reason=", ".join(bad) or "-")
        self._check_new_day(code, day, workday=False)
        with self.write() as conn:
            vid = self._insert_visit(conn, code, day, reasons=reasons, adhoc=True)
            self._log_action(conn, {"id": vid}, "adhoc", vid)
        return vid

    @own_records
    def remove_visit(self, visit_id: str) -> None:
        """Take a visit still to be made off the plan (one checked in, done or skipped stays)."""
        v = self._visit(visit_id)
        self._check("remove", v)
        if self.scalar("SELECT count(*) FROM captures WHERE visit_id = ?", (visit_id,)):
            raise VisitProblem("plan.err.remove_has_captures")
        with self.write() as conn:
            conn.execute("DELETE FROM visits WHERE id = ? AND status = 'planned'", (visit_id,))

    @own_records
    def record_outcomes(self, outcomes: Sequence[VisitOutcome]) -> dict[str, int]:
        """Record visits already past in bulk, through the same rules as the AM's keys: each
        action must be allowed from the visit's status (:func:`khtui.domain.visits.check`), a
        skip needs its reason, a finish its time, not before the check-in. One refused outcome
        refuses them all (:class:`VisitProblem`, nothing written). Returns the counts per
        action. Not logged for undo: this is history, not the day's work."""
        current: dict[str, str | None] = {}
        ids = [o.visit_id for o in outcomes]
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            current.update(
                (r[0], r[1])
                for r in self.query(
                    f"SELECT id, status FROM visits WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        finish, skip = [], []
        for o in outcomes:
            status = current.get(o.visit_id)
            if status is None:
                raise VisitProblem("plan.err.no_visit", id=o.visit_id)
            if o.action not in ("finish", "skip"):
                raise VisitProblem("plan.err.no_visit", id=o.visit_id)
            if not rules_of.allowed(o.action, status):
                raise VisitProblem(rules_of.refusal(o.action, status), at="", day="", reason="")
            if o.action == "skip":
                reason = (o.skip_reason or "").strip()
                if not reason:
                    raise VisitProblem("plan.err.skip_no_reason")
                skip.append((reason, o.at, o.visit_id))
            else:
                if not o.done_at or (o.checked_in_at and o.checked_in_at > o.done_at):
                    raise VisitProblem(
                        "visit.err.arrived_later",
                        at=(o.checked_in_at or "")[11:16],
                        now=(o.done_at or "")[11:16],
                    )
                finish.append((o.checked_in_at, o.done_at, o.at, o.visit_id))
            current[o.visit_id] = rules_of.RESULT[o.action]  # a second outcome sees this one
        with self.write() as conn:
            conn.executemany(
                f"UPDATE visits SET status = 'skipped', skip_reason = ?, updated_at = ? "
                f"WHERE id = ? AND status IN {visit_from('skip')}",
                skip,
            )
            conn.executemany(
                f"UPDATE visits SET status = 'done', checked_in_at = ?, done_at = ?, "
                f"updated_at = ? WHERE id = ? AND status IN {visit_from('finish')}",
                finish,
            )
        return {"finish": len(finish), "skip": len(skip)}

    # -- undo ---------------------------------------------------------------------------------
    def last_action(self, day: dt.date | None = None) -> dict[str, Any] | None:
        """The last action of ``day`` (default today) not yet undone, with the retailer's
        code and name; None when there is none."""
        day = as_date(day) if day is not None else self.today()
        row = self.query_one(
            "SELECT a.*, coalesce(v.retailer_code, n.retailer_code) AS code, "
            "coalesce(r1.name, r2.name) AS name FROM visit_actions a "
            "LEFT JOIN visits v ON v.id = a.visit_id "
            "LEFT JOIN visits n ON n.id = a.new_visit_id "
            "LEFT JOIN retailers r1 ON r1.code = v.retailer_code "
            "LEFT JOIN retailers r2 ON r2.code = n.retailer_code "
            "WHERE a.on_day = ? AND a.undone_at IS NULL "
            "ORDER BY a.created_at DESC, a.rowid DESC LIMIT 1",
            (day.isoformat(),),
        )
        return dict(row) if row else None

    @own_records
    def undo_last_action(self) -> Undone:
        """撤销: take back today's last visit action (check-in, finish, skip, reschedule,
        revisit, ad-hoc visit); repeated, the one before it, and so on through the day.

        Refused, writing nothing, when nothing was done today, when the visit has changed since
        (another action on it, or on the visit a reschedule made), or when a finish already has
        captured information.
        """
        a = self.last_action()
        if a is None:
            raise VisitProblem("visit.undo.nothing", day=self.today().isoformat())
        action, before = a["action"], json.loads(a["before"] or "{}")
        v = self.query_one("SELECT * FROM visits WHERE id = ?", (a["visit_id"],))
        new = (
            self.query_one("SELECT * FROM visits WHERE id = ?", (a["new_visit_id"],))
            if a["new_visit_id"]
            else None
        )
        name = a["name"] or a["code"] or ""
        expected = "planned" if action == "adhoc" else rules_of.RESULT[action]
        if v is None or v["status"] != expected:
            raise VisitProblem("visit.undo.changed", name=name)
        created = new if action in ("reschedule", "revisit") else v if action == "adhoc" else None
        if action in ("reschedule", "revisit") and new is None:
            raise VisitProblem("visit.undo.changed", name=name)
        if created is not None:
            if created["status"] != "planned":
                raise VisitProblem("visit.undo.changed", name=name)
            if self.scalar("SELECT count(*) FROM captures WHERE visit_id = ?", (created["id"],)):
                raise VisitProblem("visit.undo.captured", name=name)
        if action == "finish" and self.scalar(
            "SELECT count(*) FROM captures WHERE visit_id = ? AND is_draft = 0", (v["id"],)
        ):
            raise VisitProblem("visit.undo.captured", name=name)
        now = self.now_text()
        with self.write() as conn:
            if created is not None:
                conn.execute("DELETE FROM visits WHERE id = ?", (created["id"],))
            if action != "adhoc":
                cols = [c for c in _UNDO_COLUMNS if c in before]
                conn.execute(
                    f"UPDATE visits SET {', '.join(f'{c} = ?' for c in cols)}, updated_at = ? "
                    f"WHERE id = ?",
                    [*(before[c] for c in cols), now, v["id"]],
                )
            conn.execute("UPDATE visit_actions SET undone_at = ? WHERE id = ?", (now, a["id"]))
        details: dict[str, Any] = {}
        if action == "skip":
            details["reason"] = v["skip_reason"] or ""
        if action in ("reschedule", "revisit") and new is not None:
            details["day"] = new["planned_date"]
        return Undone(
            action, v["id"], v["retailer_code"], name, as_date(v["planned_date"]), details
        )
