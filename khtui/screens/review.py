"""Display helpers of the team feature, without Textual (the CLI uses them too): shares as
percents, and the line the today screen shows about the market manager's decisions (the
plan's status and comment, retailer changes sent back, from :meth:`ReviewOps.review_notice`),
in the words of the translator they are given (the app's or the command line's)."""

from __future__ import annotations

import math

from khtui.i18n import Translator


def pct(x: float | None, t: Translator) -> str:
    """A share as a whole percent, rounded down (224 of 225 is 99%, never 100%); "—" for
    none (a figure that does not exist yet)."""
    return t("team.none") if x is None else f"{math.floor(x * 100 + 1e-9)}%"


def review_line(notice, t: Translator) -> str:
    """One line, or "" when there is nothing to say (no plan submitted, nothing sent back)."""
    if notice is None or notice.empty:
        return ""
    line = ""
    if notice.month and notice.status in ("submitted", "approved", "returned"):
        month = notice.month[5:].lstrip("0") if notice.month else ""
        line = t(f"review.plan.{notice.status}", month=month)
        if notice.comment:
            line += t("review.comment", by=notice.decided_by or "", comment=notice.comment)
    if notice.rejected_changes:
        key = "review.rejected" if line else "review.rejected_only"
        line += t(key, n=notice.rejected_changes)
    return line
