"""``khtui`` command line (click). See :mod:`khtui.cli.base` for the group and helpers."""

from khtui.cli import demo, retailers, run  # noqa: F401  (each module adds its commands)
from khtui.cli.base import main

__all__ = ["main"]
