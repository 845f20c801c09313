"""`khtui captures`, `khtui complaints`, `khtui brands`."""

from __future__ import annotations
