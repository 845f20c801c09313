"""The market manager's decisions as the AM sees them (from ``khtui import approvals``): the
status of the AM's plan with the manager's comment, and retailer changes sent back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from khtui.data.base import StoreBase


@dataclass(frozen=True)
class ReviewNotice:
    """What the today screen says about the manager's decisions: the newest plan of this
    month and the next that is waiting (submitted), returned, or approved by the manager in the
    last ``[team] notice_days`` days, with the manager's comment; and the retailer changes the
    manager rejected in those days."""

    month: str | None
    status: str | None  # draft / submitted / approved / returned
    comment: str | None
    decided_by: str | None
    rejected_changes: int

    @property
    def empty(self) -> bool:
        return self.month is None and not self.rejected_changes


class ReviewOps(StoreBase):
    """Mixin of :class:`khtui.data.store.Store`."""

    def review_notice(self, day: dt.date) -> ReviewNotice:
        from khtui.domain.months import add_months, month_key

        this = month_key(day)
        since = (day - dt.timedelta(days=self.rules.team.notice_days)).isoformat()
        shown = None
        for plan in self.query(
            "SELECT p.month, p.status, d.comment, d.decided_by, d.received_at "
            "FROM visit_plans p LEFT JOIN reviews d ON d.id = (SELECT x.id FROM reviews x "
            " WHERE x.subject = 'plan' AND x.subject_id = p.id ORDER BY x.decided_at DESC LIMIT 1) "
            "WHERE p.month IN (?, ?) ORDER BY p.month DESC",
            (this, add_months(this, 1)),
        ):
            # waiting or to be redone: always; an approval: for a few days after it arrived
            if plan["status"] in ("submitted", "returned") or (
                plan["status"] == "approved" and (plan["received_at"] or "") >= since
            ):
                shown = plan
                break
        rejected = self.scalar(
            "SELECT count(*) FROM reviews WHERE subject = 'change' AND decision = 'rejected' "
            "AND received_at >= ?",
            (since,),
        )
        if shown is None:
            return ReviewNotice(None, None, None, None, rejected)
        return ReviewNotice(
            shown["month"], shown["status"], shown["comment"], shown["decided_by"], rejected
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
