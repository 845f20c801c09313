"""Shared by the data tests."""

from __future__ import annotations

import datetime as dt

from khtui.data.team import AM_TABLES

# The AM's record tables a demo database fills: all but the monthly analyses, the undo log,
# plan changes, forecast runs and reviews, which only a user's actions make.
DEMO_AM_TABLES = tuple(
    t
    for t in AM_TABLES
    if t not in {"monthly_reports", "visit_actions", "plan_changes", "forecast_runs", "reviews"}
)


def shelf_looks(store) -> list[tuple[str, str, dt.date, bool]]:
    """Every finished look at a shelf (retailer, brand, day, on shelf), in the order they were
    made: what the brand figures' definition takes."""
    return [
        (
            r["retailer_code"],
            r["brand_code"],
            dt.date.fromisoformat(r["observed_on"]),
            r["on_shelf"],
        )
        for r in store.query(
            "SELECT * FROM price_observations WHERE is_draft = 0 AND on_shelf IS NOT NULL "
            "ORDER BY observed_on, rowid"
        )
    ]
