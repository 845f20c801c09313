"""Complaints: routing, due dates, status steps."""

from __future__ import annotations


class ComplaintOps:
    """Mixin of :class:`khtui.data.store.Store`."""
