"""Weekly reports: drafts and submitted versions."""

from __future__ import annotations


class ReportOps:
    """Mixin of :class:`khtui.data.store.Store`."""
