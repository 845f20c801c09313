"""`khtui import`, `khtui export`, `khtui backup`, `khtui check`."""

from __future__ import annotations
