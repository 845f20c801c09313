"""The App: built by :func:`create_app` from a store, used by the CLI, the tests and benches.

The shell around the screens: one *mode* per section (今日拜访, 客户, 采集, 投诉, 品牌, 周报,
导入), each with its own screen stack, switched from anywhere with one key (digits when not
typing, F-keys also while an input has focus; a screen that binds the same key for itself keeps
it); the header names the account manager, the date and the database; the command palette
(Ctrl+P) reaches every screen and finds retailers; ``?`` lists every key of the current screen.

Errors raised in workers or handlers end as a notification that says what to do next, never
as a traceback (:meth:`KhtuiApp.report_error`, the one place). The screens' modules are
imported when their section is first opened, and nothing heavy (pandas, sqlite-utils, docx) is
on the path to the first frame.
"""

from __future__ import annotations

import datetime as dt
import gc
import inspect
import sqlite3
import subprocess
import traceback
from collections.abc import Callable
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.css.stylesheet import Stylesheet
from textual.message import Message
from textual.screen import Screen
from textual.worker import WorkerFailed, WorkerState

from khtui.i18n import Translator
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.speech import t
from khtui.widgets.workbench import Reloads, Workbench

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel
    from textual.pilot import Pilot

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


class KeptStylesheet(Stylesheet):
    """Textual's stylesheet, parsed again only where something changed.

    Textual parses every stylesheet of the app again from its sources (``reparse``) whenever a
    section's first screen is made (at start, and on the first switch to each section) and
    when a screen brings a stylesheet of its own. Parsing the same sources with the same
    variables gives the same rules, which the stylesheet keeps parsed source by source; so
    while the variables (the theme's colours) stay as they were, a reparse parses only the
    sources added since. A new theme sets new variables: then every source is parsed again,
    as Textual does."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self.parsed_with: dict[str, str] = dict(variables or {})

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self.parsed_with:
            return  # the same colours: what was parsed stands
        self.parsed_with = dict(variables)
        super().set_variables(variables)

    def reparse(self) -> None:
        self.parse()


# -- command palette ------------------------------------------------------------------------
class SectionCommands(Provider):
    """Every section and the shell's own commands (help, quit)."""

    def _commands(self) -> list[tuple[str, str, str, Callable[[], Any]]]:
        """(name, keywords to match besides the name, help, callback)."""
        app = self.app
        assert isinstance(app, KhtuiApp)
        out: list[tuple[str, str, str, Callable[[], Any]]] = []
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
            (
                t("warn.title"),
                f"{t('warn.title')} {t('warn.keywords')}",
                t("warn.palette.help"),
                app.action_warnings,
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
    """Retailers found by ``store.search_retailers``: choosing one opens the profile.

    The lookup runs in a thread worker of the app (the event loop never waits on SQLite), so
    the app's worker manager knows about it: a search the palette abandons (the user typed on)
    still finishes in its worker instead of leaving a stray thread behind."""

    LIMIT = 8
    GROUP = "palette-retailers"

    async def search(self, query: str) -> Hits:
        import asyncio

        from textual.worker import WorkerCancelled, WorkerFailed

        query = query.strip()
        if not query:
            return
        app = self.app
        assert isinstance(app, KhtuiApp)
        worker = app.run_worker(
            partial(app.store.search_retailers, query, self.LIMIT),
            name=f"palette lookup {query!r}",
            group=self.GROUP,
            thread=True,
            exit_on_error=False,
        )
        try:
            # shielded: when the palette drops this search, the worker still runs to its end
            rows = await asyncio.shield(worker.wait())
        except (WorkerFailed, WorkerCancelled) as exc:  # a failed lookup must not break it
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
class KhtuiApp(Keyed, Workbench):
    """The workbench: ``store`` (the one :class:`~khtui.data.store.Store`), ``today()`` and
    the language it speaks (``lang``; its translator ``t``, which every screen speaks through).

    Section keys are not priority bindings: a widget that takes typing (an input, a text box,
    the capture grid) keeps digits for itself, and ``Esc`` gives them back. No screen binds a
    section key (:data:`khtui.widgets.keys.SECTION_KEYS`).
    """

    TITLE = "khtui"
    # The first section's stylesheet with the app's: read and parsed with it at start (a
    # screen's own stylesheet, read when the screen first opens, parses every stylesheet
    # of the app again and restyles the whole app).
    CSS_PATH: ClassVar = ["app.tcss", "screens/today.tcss"]
    DEFAULT_MODE = "today"
    MODES: ClassVar = {
        mode: _section_factory(module, cls) for mode, module, cls, _d, _f in SECTIONS
    }
    COMMANDS: ClassVar = {SectionCommands, RetailerCommands}
    KEYS: ClassVar = (
        *(
            Key(f"{digit},{fkey}", f"section('{mode}')", f"nav.{mode}", show=False)
            for mode, _module, _cls, digit, fkey in SECTIONS
        ),
        Key("question_mark", "help", "nav.help", display="?"),
        Key("w,f9", "warnings", "warn.key", show=False),
        # Textual adds its own palette binding (labelled in English) unless the app has one
        Key("ctrl+p", "command_palette", "nav.palette.short", show=False, priority=True),
        Key("ctrl+q", "quit", "nav.quit", show=False, priority=True),
    )
    # the day's carry-over and plans at start (an AM's own database; not a team's)
    DRAFTS_PLAN: ClassVar[bool] = True

    class HousekeepingDone(Message):
        """The day's housekeeping ran at start (:mod:`khtui.data.housekeeping`)."""

        def __init__(self, result) -> None:
            super().__init__()
            self.result = result

    class ForecastsReady(Message):
        """The forecasts were computed again (``summary``: data/forecasts.py RunSummary)."""

        def __init__(self, summary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(
        self,
        store,
        *,
        lang: str = "zh",
        command: str = "khtui",
        today: Callable[[], dt.date] | None = None,
        housekeeping: bool = False,
    ):
        super().__init__()
        # the variables Textual's own stylesheet was made with (App.get_css_variables)
        self.stylesheet = KeptStylesheet(variables=self.theme_variables)
        self.speak(lang, command)
        self.store = store
        self.today = today or store.today
        self.housekeeping = housekeeping
        self.housekeeping_due = False  # asked for, its worker not started yet (see on_mount)
        self.errors: list[BaseException] = []  # what report_error turned into notices
        # Read once, here: the header is drawn often and must not read the database.
        self.am_name: str = store.am_name
        self.is_demo: bool = store.is_demo
        self._held: dict[
            str, tuple[str, Screen]
        ] = {}  # section -> (mode, screen), see hold_section
        self._forecast_process: subprocess.Popen[bytes] | None = None  # see refresh_forecasts
        self._quitting = False  # see stop_background
        self._collector_held: object | None = None  # the screen change holding it, see below

    @classmethod
    def language_of_new(cls, kwargs: dict[str, Any]) -> str:
        return kwargs.get("lang", "zh")

    # -- start -----------------------------------------------------------------------------
    def on_load(self) -> None:
        # Before the first frame: the first screen mounts before the app's on_mount runs.
        self.title = self.header_text()
        self.sub_title = ""

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._hold_collector, immediate=True)
        self.call_after_refresh(self._after_first_frame)
        if self.housekeeping:
            self.housekeeping_due = True
            self.call_after_refresh(self._start_housekeeping)

    def _after_first_frame(self) -> None:
        """Once the first frame is painted: what start made is left out of the garbage
        collector's full passes (it lives as long as the program; scanning it made a full pass
        cost 70 ms or more, at any moment, a profile's opening among them), and the profile's
        stylesheet is read (read as the first profile opened, it parsed every stylesheet again
        and restyled the whole app before that profile's first frame)."""
        if not gc.get_freeze_count():  # once a process (tests run many apps in one)
            gc.freeze()
        from khtui.screens.retailer import ProfileScreen

        sheet = self.stylesheet
        base = Path(inspect.getfile(ProfileScreen)).parent
        path = str((base / ProfileScreen.CSS_PATH).resolve())  # as Textual finds it
        if not sheet.has_source(path):
            sheet.read(path)
            sheet.reparse()
            sheet.update(self)

    # -- the garbage collector while a screen opens ------------------------------------------
    @property
    def collector_held(self) -> bool:
        """Whether the garbage collector is held off while a screen opens (see below)."""
        return self._collector_held is not None

    def _hold_collector(self, screen: Screen) -> None:
        """A screen was pushed, popped or switched to: Python's automatic garbage collection is
        held off until that screen has been painted and the app has refreshed once more, and
        is then on again, so a collection due meanwhile runs then (at the first allocation,
        as its thresholds say), not in the middle of the opening. A full pass there costs
        25-130 ms (it scans what was made since start, the day's list among it, and frees the
        screen closed before), and fell several times an opening: pure latency before the
        screen is seen. Nothing is collected less: only when. A later change while held
        moves the release to its screen; the app's end releases it too."""
        if self._collector_held is None:
            if not gc.isenabled():  # held off by someone else: theirs to turn on
                return
            gc.disable()
        held = self._collector_held = object()
        screen.call_after_refresh(self.call_after_refresh, self._release_collector, held)

    def _release_collector(self, held: object | None = None) -> None:
        if self._collector_held is not None and held in (None, self._collector_held):
            self._collector_held = None
            gc.enable()

    def on_unmount(self) -> None:
        self._release_collector()

    def _start_housekeeping(self) -> None:
        """After the first frame: the housekeeping's worker (until then it is due)."""
        self.run_worker(self._housekeeping, thread=True, group="housekeeping")
        self.housekeeping_due = False

    def header_text(self) -> str:
        day = self.today()
        db = t("app.demo") if self.is_demo else self.store.path.name
        return t(
            "app.header",
            am=self.am_name,
            date=day.isoformat(),
            weekday=self.t.weekday(day),
            db=db,
        )

    def _housekeeping(self) -> None:
        """At start, once a day: the daily backup, carry-over and the plans due
        (:func:`khtui.data.housekeeping.run_housekeeping`), in a worker."""
        from khtui.data.housekeeping import run_housekeeping

        result = run_housekeeping(self.store, plans=self.DRAFTS_PLAN)
        if result.backup is not None:
            self.log.info(f"automatic backup: {result.backup}")
        if not result.already:
            self.post_message(self.HousekeepingDone(result))
        self.call_from_thread(self.refresh_forecasts)

    # -- forecasts (data/forecasts.py) ----------------------------------------------------------
    def refresh_forecasts(self) -> None:
        """Compute the forecasts again when the stored ones are older than the order data (at
        start, after an import), in a worker that runs them in a process of their own."""
        self.run_worker(self._compute_forecasts, thread=True, group="forecast", exclusive=True)

    def _compute_forecasts(self) -> None:
        from khtui.data.forecasts import compute_in_child

        store = self.store
        if not self._quitting and store.forecasts_stale():
            summary = compute_in_child(
                store.path, store.rules, self.today(), on_start=self._forecast_started
            )
            if summary is not None:
                self.post_message(self.ForecastsReady(summary))

    def _forecast_started(self, process: subprocess.Popen[bytes]) -> None:
        self._forecast_process = process
        if self._quitting:  # the program quit while the process was being started
            process.terminate()

    def exit(self, *args, **kwargs) -> None:
        self.stop_background()  # else quitting waits for the forecast's worker
        super().exit(*args, **kwargs)

    def stop_background(self) -> None:
        """End a forecast still computing when the program quits (nothing half-written); one
        whose process is still being started is ended as soon as it has one."""
        self._quitting = True
        process = self._forecast_process
        if process is not None and process.poll() is None:
            process.terminate()

    def on_khtui_app_forecasts_ready(self, message: ForecastsReady) -> None:
        for widget in self.screen.query("ForecastPanel, WarningsPanel, SupplyPanel"):
            if isinstance(widget, Reloads):
                widget.reload()

    def on_khtui_app_housekeeping_done(self, message: HousekeepingDone) -> None:
        r = message.result
        carry = r.carry
        if carry is not None and (carry.carried or carry.merged):
            days = t.join(d.strftime("%m-%d") for d in carry.days)
            self.notify(
                t("hk.carried", carried=carry.carried, merged=carry.merged, days=days), timeout=8
            )
        if carry is not None and carry.unplaced:
            capacity = self.store.rules.visits.daily_capacity
            self.notify(t("hk.unplaced", n=carry.unplaced, capacity=capacity), timeout=10)
        for s in r.plans:
            text = t("hk.plan", **{k: s[k] for k in ("month", "visits", "covered", "retailers")})
            if s["month"] > r.day.isoformat()[:7]:
                submit_by = self.store.submit_by(s["month"]).isoformat()
                text += "\n" + t("hk.plan.submit", month=s["month"], submit_by=submit_by)
            self.notify(text, timeout=10)
            warnings = [t(w["key"], **w) for w in s.get("warnings") or ()]
            if warnings:
                self.notify("\n".join(warnings[:3]), severity="warning", timeout=10)
        if isinstance(self.screen, Reloads):
            self.screen.reload()

    # -- navigation ------------------------------------------------------------------------
    def hold_section(self, mode: str, screen: Screen) -> None:
        """``screen`` (open in the current section) is where ``mode``'s key goes until it is
        released: an open capture is reached with 3 from anywhere, whichever section opened
        it."""
        self._held[mode] = (self.current_mode, screen)

    def release_section(self, mode: str, screen: Screen) -> None:
        if self._held.get(mode, (None, None))[1] is screen:
            del self._held[mode]

    def action_section(self, mode: str) -> None:
        held = self._held.get(mode)
        if held is not None and held[1].is_attached:
            where, screen = held
            if self.current_mode != where:
                self.switch_mode(where)
            elif self.screen is not screen and screen in self.screen_stack:
                while self.screen is not screen and not self.screen.is_modal:
                    self.pop_screen()
            return
        if self.current_mode == mode:
            # Already there: back to the section's first screen (e.g. from a profile).
            while len(self.screen_stack) > 1 and not self.screen.is_modal:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def open_profile(self, code: str) -> None:
        from khtui.screens.retailer import ProfileScreen

        self.push_screen(ProfileScreen(code))

    def action_warnings(self) -> None:
        from khtui.screens.warnings import WarningsScreen

        if isinstance(self.screen, WarningsScreen):
            self.screen.dismiss()
            return
        self.push_screen(WarningsScreen())

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

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notification, its text plain whatever ``markup`` says: a message holds
        names, values and paths as written (``店[A1]``, ``[import]``), and Textual read them as
        markup (a screen's ``notify`` asks for it), losing the brackets or, for a name holding
        ``[/b]``, stopping the app in a loop of failed toasts. The program writes no markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- errors: the one place -----------------------------------------------------------------
    def report_error(self, error: Exception) -> None:
        """An error of a worker or a handler as a notification with the next step (details in
        the error log). The app keeps running: every write goes through one transaction, so a
        failed action leaves nothing half-written."""
        self.errors.append(error)
        log = self._log_error(error)
        self.notify(
            error_message(error, self.t, log, db_path=self.store.path),
            severity="error",
            timeout=15,
        )

    def _handle_exception(self, error: Exception) -> None:
        # Textual's one entry point for an exception raised in a handler or a worker; it has
        # no public hook for it, so this override is the program's one use of a private name,
        # checked by tests/test_textual_compat.py. Before the first
        # screen is up Textual prints the traceback and exits, as it would without us.
        inner = error.error if isinstance(error, WorkerFailed) else error
        if not isinstance(inner, Exception) or not self.is_running or not self.has_screens():
            super()._handle_exception(error)
            return
        self.report_error(inner)

    def has_screens(self) -> bool:
        """Whether a screen is up (before that, errors are Textual's to report)."""
        try:
            return bool(self.screen_stack)
        except KeyError:  # no mode is running yet
            return False

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


def fault_text(fault, t: Translator) -> str:
    """A :class:`~khtui.data.faults.Fault` in ``t``'s language (a parameter that is itself a
    fault is said first)."""
    from khtui.data.faults import Fault

    params = {k: fault_text(v, t) if isinstance(v, Fault) else v for k, v in fault.params.items()}
    return t(fault.key, **params)


def error_message(
    error: BaseException,
    t: Translator,
    log: Path | None = None,
    *,
    db_path: Path | None = None,
) -> str:
    """What went wrong and what to do next, in ``t``'s language: the one place for the app's
    notifications and the command line's one-line errors (a damaged database, a full disk, a
    read-only database or folder, a bad rules file, … see :func:`khtui.data.faults.fault_of`)."""
    from khtui.data.base import StoreError, is_locked
    from khtui.data.faults import fault_of
    from khtui.domain.problems import KeyedError

    fault = fault_of(error, db_path)
    if fault is not None:
        return fault_text(fault, t)
    if isinstance(error, StoreError):
        return t("app.error.store", error=t.message(error))
    if isinstance(error, sqlite3.OperationalError) and is_locked(error):
        return t("error.db_locked")
    if isinstance(error, sqlite3.DatabaseError):
        return t("app.error.database", error=error)
    if isinstance(error, OSError):
        return t("app.error.os", error=error)
    if isinstance(error, ValueError):
        # a refusal told by a message key reads as its message, never as its bare code
        return t(
            "app.error.value", error=t.message(error) if isinstance(error, KeyedError) else error
        )
    return t("app.error.other", error=f"{type(error).__name__}: {error}", log=log or ERROR_LOG)


class ManagerApp(KhtuiApp):
    """The market manager's view (市场经理): a team database opens on the team screen (``0`` /
    ``F8`` from anywhere); the AM's sections read it too (their operations on an AM's records
    are refused there: :func:`khtui.data.base.own_records`); no plan is drafted for it."""

    DEFAULT_MODE = "team"
    CSS_PATH: ClassVar = ["app.tcss"]  # the today screen's is read when it first opens
    MODES: ClassVar = {
        **KhtuiApp.MODES,
        "team": _section_factory("khtui.screens.team", "TeamScreen"),
    }
    DRAFTS_PLAN = False
    MAKES_RECORDS = False

    KEYS: ClassVar = (*KhtuiApp.KEYS, Key("0", "section('team')", "nav.team", show=False))

    def header_text(self) -> str:
        day = self.today()
        return t(
            "app.header.team",
            manager=self.store.manager_name,
            date=day.isoformat(),
            weekday=self.t.weekday(day),
            db=self.store.path.name,
        )


def create_app(
    store,
    *,
    lang: str = "zh",
    command: str = "khtui",
    today: Callable[[], dt.date] | None = None,
    housekeeping: bool = False,
) -> KhtuiApp:
    """The app on ``store``, speaking ``lang`` (``command``: how the user calls the program,
    repeated in hints). ``housekeeping=True`` (the CLI) also does the day's housekeeping at
    start, in a worker: backup, carry-over, the plans due (once a day)."""
    cls = ManagerApp if store.is_team() else KhtuiApp  # a team database: the manager's view
    return cls(store, lang=lang, command=command, today=today, housekeeping=housekeeping)


async def settle(app: App, pilot: Pilot) -> None:
    """Under ``App.run_test``: let thread workers finish and their results be handled, until no
    new worker starts (a job's result may queue the next job) and no worker is due to start
    after the first frame (the housekeeping). Tests and the bench use it to act on an app at
    rest, as a person would after the screen has drawn."""
    quiet = 0
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = (
            getattr(app, "housekeeping_due", False)
            or getattr(app, "collector_held", False)
            or any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        )
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return


__all__ = [
    "SECTIONS",
    "KeptStylesheet",
    "KhtuiApp",
    "ManagerApp",
    "create_app",
    "error_message",
    "fault_text",
    "screen_class",
    "settle",
]
