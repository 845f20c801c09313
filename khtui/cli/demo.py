"""`khtui demo`: build the deterministic demo dataset (filled in by the demo-data work)."""

from __future__ import annotations

from khtui.cli.base import Ctx, UserError


def build_demo_with_progress(ctx: Ctx, path) -> None:
    raise UserError("demo data is not built yet")
