"""The one ``Store``: the connection and transactions of ``data/base.py`` plus the named
operations, grouped by subject in mixins (``data/retailers.py``, ``data/sales.py``, …)."""

from __future__ import annotations

import os
from typing import Any

from khtui.data.base import StoreCore, StoreError, new_id
from khtui.data.captures import CaptureOps
from khtui.data.complaints import ComplaintOps
from khtui.data.manager import TeamOps
from khtui.data.reports import ReportOps
from khtui.data.reviews import ReviewOps
from khtui.data.sales import SalesOps

__all__ = ["Store", "StoreError", "new_id", "open_store"]


class Store(
    ReportOps,
    ComplaintOps,
    CaptureOps,
    SalesOps,
    ReviewOps,
    TeamOps,
    StoreCore,
):
    """The one store. Operations live in the mixins, grouped by subject; a mixin that uses
    another's operations subclasses it (reports use brands and visits, visits use warnings,
    warnings use forecasts, …), so these few name them all."""


def open_store(path: str | os.PathLike, **kw: Any) -> Store:
    return Store(path, **kw)
