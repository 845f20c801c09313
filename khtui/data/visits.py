"""Visit plans and visits: plan storage, today's list, check in, skip, reschedule."""

from __future__ import annotations


class VisitOps:
    """Mixin of :class:`khtui.data.store.Store`."""
