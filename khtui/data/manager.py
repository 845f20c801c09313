"""The market manager's view of a team database (市场经理): the figures per AM, the plans and
retailer changes waiting for a decision, the team's weekly reports, and the decisions.

A decision (approve or return a plan, confirm or reject a retailer change) is a ``reviews``
row; :meth:`TeamOps.write_approvals` writes every decision an AM has not received yet to a
small JSON file (:data:`APPROVALS_FORMAT`) that the AM imports with ``khtui import approvals``
(:mod:`khtui.data.importers.approvals`). The AM's next merged database says it was received.

Who an AM's retailers are: the retailers on their books (the files they were merged from),
each counted for the AM whose copy is newest (:mod:`khtui.data.team`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khtui.data.base import StoreError, from_row, new_id, placeholders
from khtui.data.forecasts import ForecastOps
from khtui.data.statuses import ON_ITS_DAY, overdue_complaint
from khtui.domain.problems import KeyedError
from khtui.domain.retailer import ACTIVE

APPROVALS_FORMAT = "khtui-approvals"
APPROVALS_VERSION = 1
PLAN_DECISIONS = ("approved", "returned")
CHANGE_DECISIONS = ("confirmed", "rejected")
# The retailer changes an AM typed (the profile's edits and status changes); imports and the
# merge's own history are the company's data, not for review.
REVIEWED_SOURCES = ("manual",)

# Each retailer counted once, for the AM whose copy is newest.
OWNERS = (
    "SELECT retailer_code, am_id FROM (SELECT retailer_code, am_id, row_number() OVER "
    "(PARTITION BY retailer_code ORDER BY updated_at DESC, am_id) AS rn FROM team_books) "
    "WHERE rn = 1"
)
# ``retailers`` rows counted for one AM (the parameter: their id)
OWNED_BY = f"code IN (SELECT retailer_code FROM ({OWNERS}) WHERE am_id = ?)"
# An AM as the lists of a team database name them: the name, else the code (工号), else the
# start of the id; ``{am_id}`` is the SQL of the AM's id, qualified by its table's alias
# (``AM_SHOWN.format(am_id="v.am_id")``: a bare ``am_id`` would be team_ams' own)
AM_SHOWN = (
    "coalesce((SELECT coalesce(nullif(named.name, ''), nullif(named.code, '')) "
    "FROM team_ams named WHERE named.am_id = {am_id}), substr({am_id}, 1, 8))"
)


def _last_complete(month: str, day: dt.date) -> str:
    """The last month complete on ``day`` up to ``month``: ``month`` itself when it is over,
    else the month before it."""
    from khtui.domain.months import add_months, month_key

    return month if month < month_key(day) else add_months(month, -1)


class DecisionProblem(KeyedError, StoreError):
    """A decision that cannot be made; ``key`` names the message (i18n ``team.err.*``)."""


@dataclass(frozen=True)
class AmFigures:
    """One AM's line in the manager's view (this month, as of the day)."""

    am_id: str
    code: str | None
    name: str | None
    active: int  # active retailers counted for this AM
    visited: int  # of them, visited (a done visit) this month
    due: int  # visits planned on days already past this month (rescheduled ones left out)
    done: int  # of them, done
    overdue: int  # open complaints past their due day
    forecast_accuracy: float | None  # of ``forecast_month``; None without a forecast for it
    forecast_month: str  # the last complete month (the one before the month shown)
    plan_month: str | None  # the newest plan's month and status (a decision shown as status)
    plan_status: str | None
    merged_at: str

    @property
    def label(self) -> str:
        return " ".join(x for x in (self.code, self.name) if x) or self.am_id[:8]

    @property
    def coverage(self) -> float | None:
        return self.visited / self.active if self.active else None

    @property
    def completion(self) -> float | None:
        return self.done / self.due if self.due else None


@dataclass(frozen=True)
class OverdueByDepartment:
    am_id: str
    label: str
    department: str
    overdue: int


@dataclass(frozen=True)
class PlanWaiting:
    """A submitted plan with no decision since it was submitted."""

    plan_id: str
    am_id: str
    label: str
    month: str
    submitted_at: str | None
    visits: int
    retailers: int  # distinct retailers planned
    active: int  # the AM's active retailers
    covered: int  # of them, planned this month
    days: int
    reasons: dict[str, int]


@dataclass(frozen=True)
class ChangeWaiting:
    """A retailer field an AM changed, waiting for the manager's confirmation."""

    change_id: str
    am_id: str
    label: str
    retailer_code: str
    retailer_name: str | None
    field: str
    old: str | None
    new: str | None
    changed_at: str
    changed_by: str


@dataclass(frozen=True)
class TeamReport:
    """A submitted weekly report (its latest submitted version)."""

    report_id: str
    am_id: str
    label: str
    week: str
    version: int
    submitted_at: str | None


@dataclass(frozen=True)
class AmReport:
    """An AM's report of one period (a week's 周报 or a month's 月度市场分析) as a team database
    holds it: the latest version the AM submitted, the AM's text and the figures frozen then;
    ``version`` 0 when the AM submitted none (a draft stays the AM's until submitted)."""

    am_id: str
    am: str  # as the team's lists name the AM: the name, else the code
    code: str | None
    kind: str  # "week" / "month"
    period: str
    version: int
    submitted_at: str | None
    narrative: dict[str, str]
    figures: Any  # WeeklyFigures / MonthlyFigures; None when none was submitted


@dataclass(frozen=True)
class OwnedRetailer:
    code: str
    name: str
    route: str | None
    status: str
    tier: int | None
    visited: bool  # this month
    last_visit: str | None
    overdue: int


def _month_range(month: str) -> tuple[str, str]:
    from khtui.domain.months import month_range

    first, last = month_range(month)
    return first.isoformat(), last.isoformat()


def _label(code: str | None, name: str | None, am_id: str) -> str:
    return " ".join(x for x in (code, name) if x) or am_id[:8]


def am_named(conn: sqlite3.Connection, am_id: str | None, *aliases: str) -> list[tuple[str, str]]:
    """How a list of AM records reads the whole team of a team database (no ``am_id``): for
    each table alias (``"v."``), the column ``… AS am, `` naming each row's AM (``AM_SHOWN``)
    and the start of its ORDER BY, ``am, v.am_id, ``, that brings each AM's rows together;
    both empty for one AM's records or on an AM's own database."""
    if am_id is not None or not is_team_database(conn):
        return [("", "") for _ in aliases]
    return [
        (f"{AM_SHOWN.format(am_id=f'{alias}am_id')} AS am, ", f"am, {alias}am_id, ")
        for alias in aliases
    ]


def is_team_database(conn: sqlite3.Connection) -> bool:
    """A team database is recognised by its provenance: at least one merged file (here, not
    with the merge in data/team.py: the app asks it at start)."""
    try:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM team_sources)").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row and row[0])


class TeamOps(ForecastOps):
    """Mixin of :class:`khtui.data.store.Store`: read on a team database."""

    # -- the team --------------------------------------------------------------------------
    def is_team(self) -> bool:
        return is_team_database(self.conn)

    def team_labels(self) -> dict[str, str]:
        return {
            r["am_id"]: _label(r["code"], r["name"], r["am_id"])
            for r in self.query("SELECT am_id, code, name FROM team_ams")
        }

    def team_figures(self, month: str, day: dt.date) -> list[AmFigures]:
        """Every AM's figures of ``month`` as of ``day``, lowest coverage first."""
        first, last = _month_range(month)
        upto = min(day.isoformat(), last)
        due_before = min(
            day.isoformat(), (dt.date.fromisoformat(last) + dt.timedelta(1)).isoformat()
        )
        cover = {
            r[0]: (r[1], r[2])
            for r in self.query(
                f"WITH o AS ({OWNERS}), v AS (SELECT DISTINCT retailer_code FROM visits "
                "WHERE status = 'done' AND planned_date BETWEEN ? AND ?) "
                "SELECT o.am_id, count(*), count(v.retailer_code) FROM o "
                "JOIN retailers r ON r.code = o.retailer_code AND r.status = ? "
                "LEFT JOIN v ON v.retailer_code = o.retailer_code GROUP BY o.am_id",
                (first, upto, ACTIVE),
            )
        }
        visits = {
            r[0]: (r[1], r[2])
            for r in self.query(
                "SELECT am_id, count(*), sum(status = 'done') FROM visits "
                f"WHERE planned_date >= ? AND planned_date < ? AND status IN {ON_ITS_DAY} "
                "GROUP BY am_id",
                (first, due_before),
            )
        }
        overdue: dict[str, int] = dict(
            tuple(r)
            for r in self.query(
                f"SELECT am_id, count(*) FROM complaints WHERE {overdue_complaint()} "
                "GROUP BY am_id",
                (day.isoformat(),),
            )
        )
        plans = self._latest_plans()
        scored = _last_complete(month, day)
        out = []
        for r in self.query("SELECT * FROM team_ams"):
            am = r["am_id"]
            active, visited = cover.get(am, (0, 0))
            due, done = visits.get(am, (0, 0))
            plan = plans.get(am)
            out.append(
                AmFigures(
                    am_id=am,
                    code=r["code"],
                    name=r["name"],
                    active=active,
                    visited=visited,
                    due=due,
                    done=int(done or 0),
                    overdue=overdue.get(am, 0),
                    forecast_accuracy=self.area_accuracy(scored, am),
                    forecast_month=scored,
                    plan_month=plan[0] if plan else None,
                    plan_status=plan[1] if plan else None,
                    merged_at=r["merged_at"],
                )
            )
        out.sort(key=lambda f: (f.coverage if f.coverage is not None else 2.0, f.label))
        return out

    def retailer_ams(self, codes: Collection[str]) -> dict[str, str]:
        """The AM each retailer of ``codes`` is counted for (as the team's lists name AMs)."""
        return {
            r[0]: r[1]
            for r in self.query(
                f"SELECT o.retailer_code, {AM_SHOWN.format(am_id='o.am_id')} FROM ({OWNERS}) o "
                "WHERE o.retailer_code IN (SELECT value FROM json_each(?))",
                (json.dumps(list(codes)),),
            )
        }

    def ams_with_code(self, code: str) -> list[str]:
        """The ids of the AMs merged into this team database under ``code`` (工号); more
        than one when two databases were given the same code."""
        return [
            r[0] for r in self.query("SELECT am_id FROM team_ams WHERE code = ?", (code.strip(),))
        ]

    def am_codes(self) -> list[str]:
        """The codes of the AMs merged into this team database."""
        return self.column(
            "SELECT DISTINCT code FROM team_ams WHERE code IS NOT NULL ORDER BY code"
        )

    def _plan_statuses(self, month: str | None = None) -> list[tuple[str, str, str]]:
        """(AM, month, status) of the AMs' plans (of ``month``; else all, each AM's oldest
        first), a decision made since its submission standing for the status (the AM has not
        imported it yet)."""
        where, args = ("WHERE p.month = ? ", (month,)) if month else ("", ())
        return [
            (
                r["am_id"],
                r["month"],
                r["decision"] if r["status"] == "submitted" and r["decision"] else r["status"],
            )
            for r in self.query(
                "SELECT p.am_id, p.month, p.status, (SELECT d.decision FROM reviews d "
                "WHERE d.subject = 'plan' AND d.subject_id = p.id "
                "AND d.subject_stamp IS p.submitted_at "
                "ORDER BY d.decided_at DESC LIMIT 1) AS decision "
                f"FROM visit_plans p {where}ORDER BY p.am_id, p.month",
                args,
            )
        ]

    def _latest_plans(self) -> dict[str, tuple[str, str]]:
        """Each AM's newest plan: (month, status), a decision standing for the status."""
        return {am: (month, status) for am, month, status in self._plan_statuses()}

    def team_plan_counts(self, month: str) -> dict[str | None, int]:
        """How many of the team's AMs have a plan of ``month`` at each status (a decision
        standing for the status, as the manager's view shows it); None: AMs with no plan."""
        statuses = {am: status for am, _month, status in self._plan_statuses(month)}
        return dict(Counter(statuses.get(am) for am in self.column("SELECT am_id FROM team_ams")))

    def overdue_by_department(self, day: dt.date) -> list[OverdueByDepartment]:
        labels = self.team_labels()
        return [
            OverdueByDepartment(r[0], labels.get(r[0], r[0][:8]), r[1], r[2])
            for r in self.query(
                f"SELECT am_id, department, count(*) FROM complaints WHERE {overdue_complaint()} "
                "GROUP BY am_id, department ORDER BY count(*) DESC, department",
                (day.isoformat(),),
            )
        ]

    def shared_count(self) -> int:
        """Retailers on more than one AM's books (``khtui team merge`` lists them)."""
        return self.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM team_books GROUP BY retailer_code "
            "HAVING count(*) > 1)"
        )

    def owned_retailers(self, am_id: str, month: str, day: dt.date) -> list[OwnedRetailer]:
        """The retailers counted for ``am_id``: not visited this month first (active ones),
        then by route."""
        first, last = _month_range(month)
        upto = min(day.isoformat(), last)
        rows = self.query(
            f"WITH o AS ({OWNERS}) SELECT r.code, r.name, r.route, r.route_seq, r.status, r.tier, "
            "EXISTS (SELECT 1 FROM visits v WHERE v.retailer_code = r.code AND v.status = 'done' "
            " AND v.planned_date BETWEEN ? AND ?) AS visited, "
            "(SELECT max(v.planned_date) FROM visits v WHERE v.retailer_code = r.code "
            " AND v.status = 'done' AND v.planned_date <= ?) AS last_visit, "
            f"(SELECT count(*) FROM complaints c WHERE c.retailer_code = r.code "
            f" AND {overdue_complaint('c.')}) AS overdue "
            "FROM o JOIN retailers r ON r.code = o.retailer_code WHERE o.am_id = ? "
            "ORDER BY r.status != ?, visited, r.route, r.route_seq, r.code",
            (first, upto, day.isoformat(), day.isoformat(), am_id, ACTIVE),
        )
        return [from_row(OwnedRetailer, r, visited=bool(r["visited"])) for r in rows]

    # -- waiting for a decision -----------------------------------------------------------
    def plans_waiting(self) -> list[PlanWaiting]:
        labels = self.team_labels()
        active: dict[str, int] = dict(
            tuple(r)
            for r in self.query(
                f"WITH o AS ({OWNERS}) SELECT o.am_id, count(*) FROM o JOIN retailers r "
                "ON r.code = o.retailer_code AND r.status = ? GROUP BY o.am_id",
                (ACTIVE,),
            )
        )
        out = []
        for p in self.query(
            "SELECT * FROM visit_plans p WHERE p.status = 'submitted' AND NOT EXISTS "
            "(SELECT 1 FROM reviews d WHERE d.subject = 'plan' AND d.subject_id = p.id "
            "AND d.subject_stamp IS p.submitted_at) ORDER BY p.month, p.submitted_at"
        ):
            visits = self.query(
                "SELECT retailer_code, planned_date, reasons FROM visits "
                f"WHERE plan_id = ? AND status IN {ON_ITS_DAY}",
                (p["id"],),
            )
            planned = {v[0] for v in visits}
            covered = self.scalar(
                f"WITH o AS ({OWNERS}) SELECT count(*) FROM o JOIN retailers r "
                "ON r.code = o.retailer_code AND r.status = ? WHERE o.am_id = ? AND o.retailer_code "
                f"IN (SELECT retailer_code FROM visits WHERE plan_id = ? AND status IN {ON_ITS_DAY})",
                (ACTIVE, p["am_id"], p["id"]),
            )
            reasons: Counter = Counter()
            for v in visits:
                reasons.update(json.loads(v[2] or "[]"))
            out.append(
                from_row(
                    PlanWaiting,
                    p,
                    plan_id=p["id"],
                    label=labels.get(p["am_id"], p["am_id"][:8]),
                    visits=len(visits),
                    retailers=len(planned),
                    active=active.get(p["am_id"], 0),
                    covered=covered,
                    days=len({v[1] for v in visits}),
                    reasons=dict(reasons.most_common()),
                )
            )
        return out

    def changes_waiting(self) -> list[ChangeWaiting]:
        labels = self.team_labels()
        marks = placeholders(REVIEWED_SOURCES)
        return [
            from_row(
                ChangeWaiting,
                r,
                change_id=r["id"],
                label=labels.get(r["am_id"], r["am_id"][:8]),
                retailer_name=r["name"],
            )
            for r in self.query(
                "SELECT c.*, r.name FROM retailer_changes c "
                "LEFT JOIN retailers r ON r.code = c.retailer_code "
                f"WHERE c.source IN ({marks}) AND NOT EXISTS (SELECT 1 FROM reviews d "
                "WHERE d.subject = 'change' AND d.subject_id = c.id) "
                "ORDER BY c.changed_at DESC, c.retailer_code",
                REVIEWED_SOURCES,
            )
        ]

    def team_reports(self, limit: int = 200) -> list[TeamReport]:
        """The submitted weekly reports, newest week first, each week's latest version."""
        labels = self.team_labels()
        return [
            TeamReport(
                r["id"],
                r["am_id"],
                labels.get(r["am_id"], r["am_id"][:8]),
                r["week"],
                r["version"],
                r["submitted_at"],
            )
            for r in self.query(
                "SELECT w.* FROM weekly_reports w WHERE w.status = 'submitted' AND w.version = "
                "(SELECT max(x.version) FROM weekly_reports x WHERE x.am_id = w.am_id "
                " AND x.week = w.week AND x.status = 'submitted') "
                "ORDER BY w.week DESC, w.am_id LIMIT ?",
                (limit,),
            )
        ]

    def am_reports(self, kind: str, period: str) -> list[AmReport]:
        """Every AM of the team with their latest submitted report of ``period`` (``kind``
        "week": the 周报 of an ISO week; "month": the 月度市场分析 of a month), AM by AM as the
        team's lists order them (by the AM's name, else code)."""
        from khtui.domain.monthly import MONTHLY_NARRATIVE_KEYS, MonthlyFigures
        from khtui.domain.months import parse_month
        from khtui.domain.report import NARRATIVE_KEYS, normalise_week
        from khtui.domain.weekly import WeeklyFigures

        figures: Callable[[dict[str, Any]], Any]  # the frozen figures read back
        if kind == "week":
            table, keys, figures = "weekly_reports", NARRATIVE_KEYS, WeeklyFigures.from_dict
            period = normalise_week(period)
        elif kind == "month":
            table, keys, figures = (
                "monthly_reports",
                MONTHLY_NARRATIVE_KEYS,
                MonthlyFigures.from_dict,
            )
            period = "{:04d}-{:02d}".format(*parse_month(period))
        else:
            raise ValueError(f"no report of kind {kind!r}")
        rows = self.query(
            f"SELECT a.am_id, a.code, {AM_SHOWN.format(am_id='a.am_id')} AS am, r.version, "
            f"r.submitted_at, r.narrative, r.figures FROM team_ams a LEFT JOIN {table} r "
            f"ON r.id = (SELECT x.id FROM {table} x WHERE x.am_id = a.am_id AND x.{kind} = ? "
            "AND x.status = 'submitted' ORDER BY x.version DESC LIMIT 1) "
            "ORDER BY am, a.am_id",
            (period,),
        )
        return [
            AmReport(
                am_id=r["am_id"],
                am=r["am"],
                code=r["code"],
                kind=kind,
                period=period,
                version=r["version"] or 0,
                submitted_at=r["submitted_at"],
                narrative={k: "" for k in keys} | json.loads(r["narrative"] or "{}"),
                figures=figures(json.loads(r["figures"])) if r["version"] else None,
            )
            for r in rows
        ]

    def team_report(self, report_id: str) -> dict[str, Any]:
        """A submitted weekly report of the team: its narrative and its frozen figures
        (:class:`~khtui.domain.weekly.WeeklyFigures`, as the AM submitted them)."""
        from khtui.domain.weekly import WeeklyFigures

        row = self.query_one("SELECT * FROM weekly_reports WHERE id = ?", (report_id,))
        if row is None:
            raise DecisionProblem("no_report", id=report_id)
        out = dict(row)
        out["narrative"] = json.loads(out["narrative"] or "{}")
        out["figures"] = WeeklyFigures.from_dict(json.loads(out["figures"] or "{}"))
        out["label"] = self.team_labels().get(out["am_id"], out["am_id"][:8])
        out["am_name"] = (
            self.scalar(
                "SELECT coalesce(name, code) FROM team_ams WHERE am_id = ?", (out["am_id"],)
            )
            or out["label"]
        )
        return out

    # -- decisions --------------------------------------------------------------------------
    @property
    def manager_name(self) -> str:
        """Who decides: the team database's own name (``khtui am set`` on it), else the user."""
        return self.meta("am_name") or self.user

    def decide_plan(self, plan_id: str, decision: str, comment: str = "") -> str:
        """Approve or return a submitted plan; a returned plan needs a comment. Returns the
        AM's id."""
        comment = (comment or "").strip()
        plan = self._to_decide("visit_plans", plan_id, decision, PLAN_DECISIONS, "no_plan")
        if plan["status"] != "submitted":
            raise DecisionProblem("plan_not_submitted", month=plan["month"], status=plan["status"])
        if decision == "returned" and not comment:
            raise DecisionProblem("comment_needed")
        if self.scalar(
            "SELECT count(*) FROM reviews WHERE subject = 'plan' AND subject_id = ? "
            "AND subject_stamp IS ?",
            (plan_id, plan["submitted_at"]),
        ):
            raise DecisionProblem("already_decided", month=plan["month"])
        self._review(plan["am_id"], "plan", plan_id, plan["submitted_at"], decision, comment)
        return plan["am_id"]

    def decide_change(self, change_id: str, decision: str, reason: str = "") -> str:
        """Confirm or reject an AM's retailer change; a rejection needs its reason. Returns
        the AM's id."""
        reason = (reason or "").strip()
        change = self._to_decide(
            "retailer_changes", change_id, decision, CHANGE_DECISIONS, "no_change"
        )
        if decision == "rejected" and not reason:
            raise DecisionProblem("reason_needed")
        if self.scalar(
            "SELECT count(*) FROM reviews WHERE subject = 'change' AND subject_id = ?",
            (change_id,),
        ):
            raise DecisionProblem("change_decided", code=change["retailer_code"])
        self._review(change["am_id"], "change", change_id, change["changed_at"], decision, reason)
        return change["am_id"]

    def _to_decide(
        self, table: str, row_id: str, decision: str, decisions: Collection[str], missing: str
    ) -> sqlite3.Row:
        """The row of ``table`` a decision is asked on; an unknown decision or a missing row
        (problem ``missing``) is refused."""
        if decision not in decisions:
            raise DecisionProblem("bad_decision", decision=decision)
        row = self.query_one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if row is None:
            raise DecisionProblem(missing, id=row_id)
        return row

    def _review(
        self,
        am_id: str,
        subject: str,
        subject_id: str,
        stamp: str | None,
        decision: str,
        comment: str,
    ) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO reviews (id, am_id, subject, subject_id, subject_stamp, decision, "
                "comment, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id(),
                    am_id,
                    subject,
                    subject_id,
                    stamp,
                    decision,
                    comment or None,
                    self.now_text(),
                    self.manager_name,
                ),
            )

    def approvals_for(self, am_id: str) -> dict[str, Any]:
        """The approval file's content for ``am_id``: every decision the AM has not received."""
        am = self.query_one("SELECT * FROM team_ams WHERE am_id = ?", (am_id,))
        if am is None:
            raise DecisionProblem("no_am", id=am_id)
        decisions = []
        for r in self.query(
            "SELECT d.*, p.month, c.retailer_code, c.field, c.old, c.new FROM reviews d "
            "LEFT JOIN visit_plans p ON d.subject = 'plan' AND p.id = d.subject_id "
            "LEFT JOIN retailer_changes c ON d.subject = 'change' AND c.id = d.subject_id "
            "WHERE d.am_id = ? AND d.received_at IS NULL ORDER BY d.decided_at, d.id",
            (am_id,),
        ):
            item = {
                k: r[k]
                for k in (
                    "id",
                    "subject",
                    "subject_id",
                    "subject_stamp",
                    "decision",
                    "comment",
                    "decided_at",
                    "decided_by",
                )
            }
            if r["subject"] == "plan":
                item["month"] = r["month"]
            else:
                item.update({k: r[k] for k in ("retailer_code", "field", "old", "new")})
            decisions.append(item)
        return {
            "format": APPROVALS_FORMAT,
            "version": APPROVALS_VERSION,
            "am_id": am_id,
            "am_code": am["code"],
            "am_name": am["name"],
            "made_at": self.now_text(),
            "made_by": self.manager_name,
            "decisions": decisions,
        }

    def write_approvals(self, am_id: str, folder: str | os.PathLike) -> Path:
        """Write the AM's approval file into ``folder`` (one file per AM and day, rewritten with
        every decision: it always holds all the AM has not received). Returns its path."""
        content = self.approvals_for(am_id)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        who = content["am_code"] or am_id[:8]
        path = folder / f"khtui-approvals-{who}-{self.today().isoformat()}.json"
        fd, tmp = tempfile.mkstemp(prefix=".approvals-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(content, fh, ensure_ascii=False, indent=2)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


__all__ = [
    "AM_SHOWN",
    "APPROVALS_FORMAT",
    "APPROVALS_VERSION",
    "AmFigures",
    "AmReport",
    "ChangeWaiting",
    "DecisionProblem",
    "OverdueByDepartment",
    "OwnedRetailer",
    "PlanWaiting",
    "TeamOps",
    "TeamReport",
]
