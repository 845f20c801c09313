"""Shared by the data tests."""

from __future__ import annotations

from khtui.data.team import AM_TABLES

# The AM's record tables a demo database fills: all but the monthly analyses, the undo log,
# plan changes, forecast runs and reviews, which only a user's actions make.
DEMO_AM_TABLES = tuple(
    t
    for t in AM_TABLES
    if t not in {"monthly_reports", "visit_actions", "plan_changes", "forecast_runs", "reviews"}
)
