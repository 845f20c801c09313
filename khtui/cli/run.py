"""`khtui` with no command: open the program (on the demo database with --demo)."""

from __future__ import annotations

from khtui.cli.base import Ctx


def run_app(ctx: Ctx) -> None:
    if ctx.demo and not ctx.db_path.exists():
        from khtui.cli.demo import build_demo_with_progress

        build_demo_with_progress(ctx, ctx.db_path)
    store = ctx.store()
    from khtui.app import create_app

    app = create_app(store, lang=ctx.lang, command=ctx.command, housekeeping=True)
    app.run()
