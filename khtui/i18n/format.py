"""How the program writes its values in the UI language: one formatting for the screens and the
command line.

A retailer field (是/否 for flags, 33 for a floor area of 33.0, the status in the UI's words), a
visit's reasons (in the domain's one order, 计划 left out next to a real reason, joined by the
language's list separator), service measures, and a problem raised as a message key with
parameters (:func:`message_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from khtui.i18n import status_label, t


def list_sep() -> str:
    """The separator of a list in running text: 、 in Chinese, ", " in English."""
    return t("fmt.sep")


def reason_label(key: str) -> str:
    """A visit reason's name (``plan.reason.<key>``: every reason of
    :data:`khtui.domain.visits.REASONS` has one)."""
    return t(f"plan.reason.{key}")


def reasons_text(reasons: Iterable[str]) -> str:
    """A visit's reasons as every list shows them (see
    :func:`khtui.domain.visits.shown_reasons`), or "-" when there are none."""
    from khtui.domain.visits import shown_reasons

    return list_sep().join(reason_label(r) for r in shown_reasons(reasons)) or "-"


def measure_label(key: str) -> str:
    """A service measure's name (``plan.measure.<key>``: every one of
    :data:`khtui.domain.planning.MEASURES` has one)."""
    return t(f"plan.measure.{key}")


def measures_text(measures: Iterable[str]) -> str:
    return list_sep().join(measure_label(m) for m in measures) or "-"


def number_text(value: float | int) -> str:
    """A number as people write it: 33 for 33.0, 12.5, at most two decimals."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def field_text(field: str, value: Any) -> str:
    """A retailer field's value (:data:`khtui.domain.retailer.FIELDS`) as the profile and the
    command line show it; "" when it is empty."""
    from khtui.domain.retailer import ACTIVE, FIELD_BY_NAME

    spec = FIELD_BY_NAME.get(field)
    kind = spec.type if spec is not None else "text"
    if kind == "bool":
        return t("profile.yes") if value else t("profile.no")
    if kind == "status":
        return status_label(value or ACTIVE)
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def message_of(error: BaseException) -> str:
    """The words of a problem: one that carries a message ``key`` and ``params`` (the domain's
    and the data layer's) is translated, a :class:`~khtui.domain.messages.Key` among its
    parameters too; any other error is shown as it says itself."""
    from khtui.domain.messages import Key

    key = getattr(error, "key", None)
    params = getattr(error, "params", None)
    if not isinstance(key, str) or not isinstance(params, dict):
        return str(error)
    return t(key, **{k: t(v) if isinstance(v, Key) else v for k, v in params.items()})


__all__ = [
    "field_text",
    "list_sep",
    "measure_label",
    "measures_text",
    "message_of",
    "number_text",
    "reason_label",
    "reasons_text",
]
