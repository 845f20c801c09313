"""A visit's life 拜访状态: its statuses, the actions that move it, and why a visit is made.

Statuses and the actions between them (the only ways a visit changes)::

    planned 待访 ──check_in──▶ checked_in 已签到 ──finish──▶ done 已完成
       │  └────────────────finish (no check-in time, or one the AM gives)──▶ done
       ├──skip (a reason)──▶ skipped 未访        checked_in ──skip──▶ skipped
       └──reschedule──▶ rescheduled 已改期 (a new planned visit on the new day; carry-over 补访
                                           moves a missed visit the same way)
    skipped ──revisit──▶ a new planned visit on another day (the skipped one stays as it was)

The data layer builds its SQL from these sets (:mod:`khtui.data.statuses`) and asks :func:`check` before every change; the
screens and the command line ask :func:`allowed` to decide what a key does and, when it does
nothing, :func:`refusal` names the message that says what to do instead. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from khtui.domain.problems import KeyedError

STATUSES: tuple[str, ...] = ("planned", "checked_in", "done", "skipped", "rescheduled")
OPEN: tuple[str, ...] = ("planned", "checked_in")  # still to be made
# A visit that stands on its day: it fills the day's capacity and counts for the month's plan.
LIVE: tuple[str, ...] = ("planned", "checked_in", "done")
# Left on the list as history: shown dimmed, never acted on again.
CLOSED: tuple[str, ...] = ("skipped", "rescheduled")
# Planned for its day and still standing for it (made, to be made, or not made): all but a
# visit moved to another day (whose new visit stands for that day instead).
ON_ITS_DAY: tuple[str, ...] = (*LIVE, "skipped")

ACTIONS: tuple[str, ...] = ("check_in", "finish", "skip", "reschedule", "revisit", "remove")
_FROM: dict[str, tuple[str, ...]] = {
    "check_in": ("planned",),
    "finish": OPEN,
    "skip": OPEN,
    "reschedule": ("planned",),
    "revisit": ("skipped",),
    "remove": ("planned",),
}
# The status each action leaves the visit in (None: the visit is deleted).
RESULT: dict[str, str | None] = {
    "check_in": "checked_in",
    "finish": "done",
    "skip": "skipped",
    "reschedule": "rescheduled",
    "revisit": "skipped",
    "remove": None,
}
# Actions the AM can take back on the day they were done (the last one first).
UNDOABLE: tuple[str, ...] = ("check_in", "finish", "skip", "reschedule", "revisit", "adhoc")

# Why a visit is made 拜访原因, in the one order every list shows them: the most pressing first.
REASONS: tuple[str, ...] = (
    "complaint",  # 投诉回访
    "carry_over",  # 补访 (a missed visit of an earlier day)
    "debit_failure",  # 扣款异常
    "sales_swing",  # 销量波动
    "care",  # 关爱
    "new_product",  # 新品推广
    "adhoc",  # 临时
    "plan",  # 计划
)


class VisitRefused(KeyedError, ValueError):
    """An action a visit in its status does not allow. ``key`` names the message (what to do
    instead), ``params`` fill it."""


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may be taken on a visit in ``status``."""
    return status in _FROM[action]


def sources(action: str) -> tuple[str, ...]:
    """The statuses ``action`` starts from (for SQL: ``status IN (...)``)."""
    return _FROM[action]


def refusal(action: str, status: str) -> str:
    """The message key that explains why ``action`` does nothing on a visit in ``status`` and
    says what to do instead (``visit.no.<action>.<status>``; every such pair has one)."""
    return f"visit.no.{action}.{status}"


def refused_pairs() -> list[tuple[str, str]]:
    """Every (action, status) that is refused: each has its message."""
    return [(a, s) for a in ACTIONS for s in STATUSES if not allowed(a, s)]


def check(action: str, status: str, **params: Any) -> None:
    """Raise :class:`VisitRefused` unless ``action`` may be taken in ``status``."""
    if not allowed(action, status):
        raise VisitRefused(refusal(action, status), **params)


def order_reasons(reasons: Iterable[str]) -> tuple[str, ...]:
    """The reasons once each, in :data:`REASONS` order (unknown ones last, as given)."""
    seen = list(dict.fromkeys(reasons))
    known = [r for r in REASONS if r in seen]
    return (*known, *(r for r in seen if r not in REASONS))


def shown_reasons(reasons: Iterable[str]) -> tuple[str, ...]:
    """The reasons a list shows: in order, and 计划 left out next to a real reason (it says
    nothing more)."""
    ordered = order_reasons(reasons)
    if len(ordered) > 1:
        ordered = tuple(r for r in ordered if r != "plan")
    return ordered


__all__ = [
    "ACTIONS",
    "CLOSED",
    "LIVE",
    "ON_ITS_DAY",
    "OPEN",
    "REASONS",
    "RESULT",
    "STATUSES",
    "UNDOABLE",
    "VisitRefused",
    "allowed",
    "check",
    "order_reasons",
    "refusal",
    "refused_pairs",
    "shown_reasons",
    "sources",
]
