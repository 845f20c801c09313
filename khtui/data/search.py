"""Retailer lookup: search keys (pinyin, n-grams) kept beside the retailers."""

from __future__ import annotations


class SearchOps:
    """Mixin of :class:`khtui.data.store.Store`."""
