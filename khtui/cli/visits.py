"""`khtui plan month`, `khtui today`."""

from __future__ import annotations
