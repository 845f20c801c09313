"""The App: built by :func:`create_app` from a store, used by the CLI, the tests and benches.

The shell around the screens: one *mode* per section (今日拜访, 客户, 采集, 投诉, 品牌, 周报,
导入), each with its own screen stack, switched from anywhere with one key (digits when not
typing, F-keys also while an input has focus; a screen that binds the same key for itself keeps
it); the header names the account manager, the date and the database; the command palette
(Ctrl+P) reaches every screen and finds retailers; ``?`` lists every key of the current screen.

Errors raised in workers or handlers end as a notification that says what to do next, never
as a traceback (:meth:`KhtuiApp._handle_exception`, the one place). The screens' modules are
imported when their section is first opened, and nothing heavy (pandas, sqlite-utils, docx) is
on the path to the first frame.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import traceback
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.screen import Screen
from textual.worker import WorkerFailed

from khtui.i18n import set_lang, t

# Sections: mode name, module and class of its first screen, digit key, F-key.
SECTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("today", "khtui.screens.today", "TodayScreen", "1", "f1"),
    ("retailer", "khtui.screens.retailer", "RetailerScreen", "2", "f2"),
    ("capture", "khtui.screens.capture", "CaptureScreen", "3", "f3"),
    ("complaints", "khtui.screens.complaints", "ComplaintsScreen", "4", "f4"),
    ("brands", "khtui.screens.brands", "BrandsScreen", "5", "f5"),
    ("report", "khtui.screens.report", "ReportScreen", "6", "f6"),
    ("import", "khtui.screens.importer", "ImportScreen", "7", "f7"),
)
ERROR_LOG = "khtui-errors.log"


def weekday_name(day: dt.date) -> str:
    return t(f"app.weekday.{day.weekday()}")


def _section_factory(module: str, cls: str) -> Callable[[], Screen]:
    def make() -> Screen:
        return getattr(import_module(module), cls)()

    return make


def screen_class(name: str) -> type[Screen]:
    """The class of a section's first screen (imported on demand)."""
    for mode, module, cls, _digit, _fkey in SECTIONS:
        if mode == name:
            return getattr(import_module(module), cls)
    raise KeyError(name)


# -- command palette ------------------------------------------------------------------------
class SectionCommands(Provider):
    """Every section and the shell's own commands (help, quit)."""

    def _commands(self) -> list[tuple[str, str, str, Callable[[], Any]]]:
        """(name, keywords to match besides the name, help, callback)."""
        app = self.app
        assert isinstance(app, KhtuiApp)
        out = []
        for mode, _module, _cls, digit, fkey in SECTIONS:
            name = t(f"nav.{mode}")
            out.append(
                (
                    name,
                    f"{name} {mode} {t(f'nav.{mode}.keywords')}",
                    t("palette.section.help", key=digit, fkey=fkey.upper()),
                    partial(app.action_section, mode),
                )
            )
        out.append(
            (t("nav.help"), f"{t('nav.help')} help ?", t("palette.help.help"), app.action_help)
        )
        out.append((t("nav.quit"), f"{t('nav.quit')} quit exit", t("palette.quit.help"), app.exit))
        return out

    async def discover(self) -> Hits:
        for name, _keys, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, keys, help_text, callback in self._commands():
            score = max(matcher.match(name), matcher.match(keys) * 0.9)
            if score > 0:
                display = matcher.highlight(name) if matcher.match(name) else name
                yield Hit(score, display, callback, text=name, help=help_text)


class RetailerCommands(Provider):
    """Retailers found by ``store.search_retailers``: choosing one opens the profile."""

    LIMIT = 8

    async def search(self, query: str) -> Hits:
        import asyncio

        query = query.strip()
        if not query:
            return
        app = self.app
        assert isinstance(app, KhtuiApp)
        try:
            rows = await asyncio.to_thread(app.store.search_retailers, query, self.LIMIT)
        except Exception as exc:  # a failed lookup must not break the palette
            app.log.error(f"palette search failed: {exc!r}")
            return
        for i, row in enumerate(rows):
            name = t("palette.retailer", name=row["name"], code=row["code"])
            yield Hit(
                # below an exact section name, above weak fuzzy matches; keeps the store's rank
                0.95 - i * 0.01,
                name,
                partial(app.open_profile, row["code"]),
                text=name,
                help=t(
                    "palette.retailer.help",
                    route=row.get("route") or "-",
                    phone=row.get("phone") or "-",
                    address=row.get("address") or "-",
                ),
            )


# -- the app --------------------------------------------------------------------------------
class KhtuiApp(App):
    """The workbench: ``store`` (the one :class:`~khtui.data.store.Store`) and ``today()``."""

    TITLE = "khtui"
    CSS_PATH = "app.tcss"
    DEFAULT_MODE = "today"
    MODES: ClassVar = {
        mode: _section_factory(module, cls) for mode, module, cls, _d, _f in SECTIONS
    }
    COMMANDS: ClassVar = {SectionCommands, RetailerCommands}
    DRAFTS_PLAN: ClassVar[bool] = True  # at start, draft this month's plan when it has none

    class PlanReady(Message):
        """The start-up work generated this month's plan (``summary`` from the store)."""

        def __init__(self, summary: dict) -> None:
            super().__init__()
            self.summary = summary

    def __init__(
        self,
        store,
        *,
        today: Callable[[], dt.date] | None = None,
        housekeeping: bool = False,
    ):
        super().__init__()
        self.store = store
        self.today = today or store.today
        self.housekeeping = housekeeping
        self.errors: list[BaseException] = []  # what _handle_exception turned into notices
        # Read now, before any worker holds the store's lock: the header must not wait for it.
        self.am_name: str = store.am_name
        self.is_demo: bool = store.is_demo
        self._bind_keys()

    def _bind_keys(self) -> None:
        """Bind with labels in the current language (class-level BINDINGS are read before
        ``--lang`` is applied). Section keys are not priority bindings: a screen that binds
        the same key (a digit for its tabs, an F-key) keeps it for itself."""
        for mode, _module, _cls, digit, fkey in SECTIONS:
            label = t(f"nav.{mode}")
            self._bindings.bind(digit, f"section('{mode}')", label, show=False)
            self._bindings.bind(fkey, f"section('{mode}')", label, show=False)
        self._bindings.bind("question_mark", "help", t("nav.help"), key_display="?")
        for binding in self._bindings.key_to_bindings.get(self.COMMAND_PALETTE_BINDING, []):
            if binding.action == "command_palette":  # Textual's own, labelled in English
                palette = replace(binding, description=t("nav.palette.short"))
                self._bindings.key_to_bindings[self.COMMAND_PALETTE_BINDING] = [palette]
        self._bindings.bind("ctrl+q", "quit", t("nav.quit"), show=False, priority=True)

    # -- start -----------------------------------------------------------------------------
    def on_load(self) -> None:
        # Before the first frame: the first screen mounts before the app's on_mount runs.
        self.title = self.header_text()
        self.sub_title = ""

    def on_mount(self) -> None:
        if self.housekeeping:
            self.call_after_refresh(
                self.run_worker, self._housekeeping, thread=True, group="housekeeping"
            )

    def header_text(self) -> str:
        day = self.today()
        db = t("app.demo") if self.is_demo else self.store.path.name
        return t(
            "app.header",
            am=self.am_name,
            date=day.isoformat(),
            weekday=weekday_name(day),
            db=db,
        )

    def _housekeeping(self) -> None:
        """At start: generate the month's plan when it has none, then at most one automatic
        backup a day (on a connection of its own, so the screens never wait for it)."""
        from khtui.domain.months import month_key

        store = self.store
        month = month_key(self.today())
        # the plan's row only: month_plan() also reads every visit of the month
        plan_row = getattr(store, "month_plan_row", store.month_plan)
        if self.DRAFTS_PLAN and plan_row(month) is None:
            summary = store.generate_month_plan(month)
            self.post_message(self.PlanReady(summary))
        try:
            backup = import_module("khtui.data.backup")
        except ImportError:
            return
        from khtui.data.store import Store

        now = store.now()
        since_midnight = now - dt.datetime.combine(now.date(), dt.time())
        other = Store(store.path, rules=store.rules, clock=store.clock, user=store.user)
        try:
            path = backup.auto_backup(other, min_hours=since_midnight.total_seconds() / 3600)
        finally:
            other.close()
        if path is not None:
            self.log.info(f"automatic backup: {path}")

    def on_khtui_app_plan_ready(self, message: PlanReady) -> None:
        s = message.summary
        self.notify(
            t(
                "app.plan.generated",
                month=s.get("month", ""),
                visits=s.get("visits", 0),
                retailers=s.get("retailers", 0),
            ),
            timeout=8,
        )
        warnings = [
            w.get("text", "") if isinstance(w, dict) else str(w) for w in s.get("warnings") or ()
        ]
        if warnings:
            self.notify("\n".join(warnings[:3]), severity="warning", timeout=10)
        refresh = getattr(self.screen, "reload", None)
        if callable(refresh):
            refresh()

    # -- navigation ------------------------------------------------------------------------
    def action_section(self, mode: str) -> None:
        if self.current_mode == mode:
            # Already there: back to the section's first screen (e.g. from a profile).
            while len(self.screen_stack) > 1 and not self.screen.is_modal:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def open_profile(self, code: str) -> None:
        from khtui.screens.retailer import ProfileScreen

        self.push_screen(ProfileScreen(code))

    def action_help(self) -> None:
        from khtui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=t("palette.placeholder"))
            )

    # -- errors: the one place -----------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """Turn an error of a worker or a handler into a notification with the next step.

        Textual calls this for every unhandled exception (it would print a traceback and exit);
        before the first screen is up we let it do so, after that the app keeps running: every
        write goes through one transaction, so a failed action leaves nothing half-written.
        """
        inner = error.error if isinstance(error, WorkerFailed) else error
        if not isinstance(inner, Exception) or not self.is_running or not self._screen_stack:
            super()._handle_exception(error)
            return
        self.errors.append(inner)
        log = self._log_error(inner)
        self.notify(error_message(inner, log), severity="error", timeout=15)

    def _log_error(self, error: BaseException) -> Path | None:
        text = "".join(traceback.format_exception(error))
        self.log.error(text)
        path = Path(self.store.path).parent / ERROR_LOG
        try:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n{text}\n")
        except OSError:
            return None
        return path


def error_message(error: BaseException, log: Path | None = None) -> str:
    """What went wrong and what to do next, in the UI language."""
    from khtui.data.base import StoreError, is_locked

    if isinstance(error, StoreError):
        return t("app.error.store", error=error)
    if isinstance(error, sqlite3.OperationalError) and is_locked(error):
        return t("error.db_locked")
    if isinstance(error, sqlite3.DatabaseError):
        return t("app.error.database", error=error)
    if isinstance(error, OSError):
        return t("app.error.os", error=error)
    if isinstance(error, ValueError):
        return t("app.error.value", error=error)
    return t("app.error.other", error=f"{type(error).__name__}: {error}", log=log or ERROR_LOG)


class ManagerApp(KhtuiApp):
    """The market manager's view (市场经理): a team database opens on the team screen (``0`` /
    ``F8`` from anywhere); the AM's sections work on it too; no plan is drafted for it."""

    DEFAULT_MODE = "team"
    MODES: ClassVar = {
        **KhtuiApp.MODES,
        "team": _section_factory("khtui.screens.team", "TeamScreen"),
    }
    DRAFTS_PLAN = False

    def _bind_keys(self) -> None:
        super()._bind_keys()
        for key in ("0", "f8"):
            self._bindings.bind(key, "section('team')", t("nav.team"), show=False)

    def header_text(self) -> str:
        day = self.today()
        return t(
            "app.header.team",
            manager=self.store.manager_name,
            date=day.isoformat(),
            weekday=weekday_name(day),
            db=self.store.path.name,
        )


def create_app(
    store,
    *,
    lang: str = "zh",
    today: Callable[[], dt.date] | None = None,
    housekeeping: bool = False,
) -> KhtuiApp:
    """The app on ``store``. ``housekeeping=True`` (the CLI) also generates a missing month
    plan and makes the day's automatic backup at start, in a worker."""
    set_lang(lang)
    cls = ManagerApp if store.is_team() else KhtuiApp  # a team database: the manager's view
    return cls(store, today=today, housekeeping=housekeeping)


__all__ = [
    "SECTIONS",
    "KhtuiApp",
    "ManagerApp",
    "create_app",
    "error_message",
    "screen_class",
    "weekday_name",
]
