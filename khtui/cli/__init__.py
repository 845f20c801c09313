"""``khtui`` command line (click). See :mod:`khtui.cli.base` for the group and helpers."""

# Each module adds its commands to ``main``.
from khtui.cli import (  # noqa: F401
    captures,
    demo,
    forecast,
    imports,
    reports,
    retailers,
    run,
    search,
    storage,
    team,
    visits,
)
from khtui.cli.base import main

__all__ = ["main"]
