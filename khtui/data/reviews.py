"""The market manager's decisions as the AM sees them (from ``khtui import approvals``): the
status of the AM's plan with the manager's comment, and retailer changes sent back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReviewNotice:
    """What the today screen says about the manager's decisions: the newest plan of this
    month and the next (its status and the manager's comment), and the retailer changes the
    manager rejected in the last ``[team] notice_days`` days."""

    month: str | None
    status: str | None  # draft / submitted / approved / returned
    comment: str | None
    decided_by: str | None
    rejected_changes: int

    @property
    def empty(self) -> bool:
        return self.month is None and not self.rejected_changes


class ReviewOps:
    """Mixin of :class:`khtui.data.store.Store`."""

    def review_notice(self, day: dt.date) -> ReviewNotice:
        from khtui.domain.months import add_months, month_key

        this = month_key(day)
        plan = self.query_one(
            "SELECT p.*, (SELECT d.comment FROM reviews d WHERE d.subject = 'plan' "
            " AND d.subject_id = p.id ORDER BY d.decided_at DESC LIMIT 1) AS comment, "
            "(SELECT d.decided_by FROM reviews d WHERE d.subject = 'plan' "
            " AND d.subject_id = p.id ORDER BY d.decided_at DESC LIMIT 1) AS decided_by "
            "FROM visit_plans p WHERE p.month IN (?, ?) AND p.status != 'draft' "
            "ORDER BY p.month DESC LIMIT 1",
            (this, add_months(this, 1)),
        )
        since = (day - dt.timedelta(days=int(self.rules.get("team.notice_days")))).isoformat()
        rejected = self.scalar(
            "SELECT count(*) FROM reviews WHERE subject = 'change' AND decision = 'rejected' "
            "AND received_at >= ?",
            (since,),
        )
        if plan is None:
            return ReviewNotice(None, None, None, None, rejected)
        return ReviewNotice(
            plan["month"], plan["status"], plan["comment"], plan["decided_by"], rejected
        )

    def change_reviews(self, code: str) -> dict[str, dict[str, Any]]:
        """The manager's decision on each reviewed change of one retailer, by change id."""
        return {
            r["subject_id"]: dict(r)
            for r in self.query(
                "SELECT d.subject_id, d.decision, d.comment, d.decided_at, d.decided_by "
                "FROM reviews d JOIN retailer_changes c ON c.id = d.subject_id "
                "WHERE d.subject = 'change' AND c.retailer_code = ? ORDER BY d.decided_at",
                (code,),
            )
        }
