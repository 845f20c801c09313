"""Information capture: drafts, price and stock observations."""

from __future__ import annotations


class CaptureOps:
    """Mixin of :class:`khtui.data.store.Store`."""
