"""`khtui report week`, `khtui report month`."""

from __future__ import annotations
