"""周报 and 月度市场分析 — the weekly report and the monthly market analysis: pick a period, read
the figures, write the narrative, submit, export.

One screen for both kinds of report (:class:`ReportKind`: :data:`WEEK`, :data:`MONTH`); ``m``
goes to the monthly analysis and ``w`` back to the weekly report, and the key of the kind shown
picks its period (``w`` a week on the weekly report, ``m`` a month on the monthly one). The
screen opens on the figures (a list to read, where the section keys work); the narrative
sections are text boxes entered with ``e`` (or Tab, or a click) and left with ``Esc``, and
returning to the screen never lands in one. What is typed is saved when the typing pauses or
the box is left. A submitted version is read-only: the first edit asks before it starts the
next version, and submitting asks first. Every read and write of the store (figures, saves,
submit, the Word export) runs in the screen's job queue, off the event loop and in order.

On a team database (the market manager's) a report is an AM's: the screen shows one AM's
latest submitted version of the period, names the AM, and ``a`` picks another AM (each with
what they submitted); nothing there is written or exported (the AM does that in their own
database).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Header, OptionList
from textual.widgets.option_list import Option

from khtui.data.manager import AmReport
from khtui.domain.monthly import MONTHLY_NARRATIVE_KEYS
from khtui.domain.months import add_months, month_key, month_range, month_started, parse_month
from khtui.domain.report import (
    NARRATIVE_KEYS,
    Heading,
    Paragraph,
    ReportDocument,
    add_weeks,
    default_month,
    default_week,
    handled_week,
    week_key,
    week_range,
    week_started,
)
from khtui.i18n import Translator
from khtui.widgets.confirm import ConfirmScreen
from khtui.widgets.document_view import document_renderable
from khtui.widgets.footer import Footer
from khtui.widgets.jobs import Debouncer, JobQueue
from khtui.widgets.keys import Key, Keyed, TypingScreen
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t
from khtui.widgets.text_boxes import Input, TextArea


def default_export_dir() -> Path:
    """Where exported documents go: $KHTUI_EXPORT_DIR, else Documents/khtui."""
    env = os.environ.get("KHTUI_EXPORT_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "khtui"


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem (2).suffix`` … when that exists: never overwrite."""
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path


NARROW = 110  # below this many columns the figures take the width, the boxes go under them


@dataclass(frozen=True)
class TeamReports:
    """A period on a team database: every AM's latest submitted report of it, AM by AM, and
    the one shown."""

    reports: tuple[AmReport, ...]
    shown: AmReport


@dataclass(frozen=True)
class Loaded:
    """A period read by the job queue: its kind, its latest version and the document of its
    figures as the screen shows them (None: nothing submitted to show, on a team database)."""

    kind: str
    period: str
    report: dict[str, Any]
    doc: ReportDocument | None
    team: TeamReports | None = None


# -- the two kinds of report ------------------------------------------------------------------
@dataclass(frozen=True)
class ReportKind:
    """What the screen needs of one kind of report: its period (parsed, stepped, named), its
    narrative sections, and how it is read, saved, submitted and exported (in the job queue).
    The two kinds (:data:`WEEK`, :data:`MONTH`) differ only in these values and functions."""

    name: str  # "week" / "month": also the period's column in a report row
    keys: tuple[str, ...]  # the narrative sections
    placeholder: str
    submit_detail: str  # what submitting freezes (a catalogue key)
    box_prefix: str  # a narrative box's id is box_prefix + its section
    label_prefix: str  # a section's label is the catalogue key label_prefix + its section
    title_key: str  # the screen's title (catalogue key; period, start, end)
    named_key: str  # the period as the questions and notices name it (catalogue key)
    bad_key: str  # a period that is not one (catalogue key; value)
    default: Callable[[dt.date], str]  # the period shown first on a day
    normalise: Callable[[str], str]  # the period as stored; ValueError when it is not one
    step: Callable[[str, int], str]
    span: Callable[[str], tuple[dt.date, dt.date]]
    # whether a period has begun by a day (a later one has no figures, and no report), and
    # the period a day is in
    started: Callable[[str, dt.date], bool]
    current: Callable[[dt.date], str]
    # the period's latest version and its document in a translator's words (a job: the app's)
    load: Callable[[Any, str, Translator], Loaded]
    save: Callable[[Any, str, dict[str, str]], dict[str, Any]]
    submit: Callable[[Any, str], dict[str, Any]]
    export: Callable[[Any, str, Path, Translator], Path]

    def box_id(self, key: str) -> str:
        return f"{self.box_prefix}{key}"

    def label(self, key: str) -> str:
        return t(f"{self.label_prefix}{key}")

    def title(self, period: str) -> str:
        start, end = self.span(period)
        return t(self.title_key, period=period, start=f"{start:%m-%d}", end=f"{end:%m-%d}")

    def named(self, period: str) -> str:
        return t(self.named_key, period=period)

    def bad(self, value: str) -> str:
        return t(self.bad_key, value=value)

    def not_begun(self, period: str, today: dt.date) -> str:
        """What is said of a period that has not begun by ``today``: which is today's."""
        return t(
            f"rpt.not_started.{self.name}", period=period, today=today, current=self.current(today)
        )


def normalise_month(text: str) -> str:
    year, month = parse_month(text.strip())
    return f"{year:04d}-{month:02d}"


def load_week(store, week: str, tr: Translator) -> Loaded:
    from khtui.data.documents import weekly_document

    report = store.weekly_report(week)
    return Loaded(WEEK.name, week, report, weekly_document(store, week, tr, report))


def export_week(store, week: str, folder: Path, tr: Translator) -> Path:
    """Write the week's latest version as a Word file in ``folder`` (never overwriting), in
    ``tr``'s words (a job: the app's translator)."""
    from khtui.data.documents import export_folder, write_weekly_docx

    export_folder(folder)
    report = store.weekly_report(week)
    if report["version"]:
        stem = tr("rpt.file.weekly", week=week, version=report["version"])
    else:
        stem = tr("rpt.file.weekly_new", week=week)
    path = free_path(folder, stem, ".docx")
    write_weekly_docx(store, week, path, t=tr)
    return path


def load_month(store, month: str, tr: Translator) -> Loaded:
    """The month's latest version and what its figures say: the document without the AM's own
    text (that is in the boxes beside it), the findings and next month's plan kept."""
    report = store.monthly_report(month)
    return Loaded(MONTH.name, month, report, month_figures(store, month, tr, report))


def month_figures(
    store, month: str, tr: Translator, report: dict[str, Any], am_name: str | None = None
) -> ReportDocument:
    """The document of a monthly analysis's figures as the screen shows them (the AM's text,
    the weekly reports' text included, is left out: it is in the boxes)."""
    from khtui.data.documents import monthly_document

    figures = dataclasses.replace(report["figures"], weekly_narrative={})
    shown = {**report, "figures": figures, "narrative": {}}
    return data_only(monthly_document(store, month, tr, shown, am_name=am_name))


def load_team(store, kind: ReportKind, period: str, tr: Translator, am_id: str | None) -> Loaded:
    """A period on a team database: the AM ``am_id``'s latest submitted report (the first AM's
    when ``am_id`` is None or not in the team), its text and frozen figures, and every AM's."""
    from khtui.data.documents import weekly_document

    reports = tuple(store.am_reports(kind.name, period))
    shown = next((r for r in reports if r.am_id == am_id), reports[0])
    report: dict[str, Any] = {
        "id": None,
        kind.name: period,
        "version": shown.version,
        "status": "submitted" if shown.version else "none",
        "narrative": shown.narrative,
        "figures": shown.figures,
        "submitted_at": shown.submitted_at,
    }
    doc = None
    if shown.version and kind is WEEK:
        doc = weekly_document(store, period, tr, report, am_name=shown.am)
    elif shown.version:
        doc = month_figures(store, period, tr, report, am_name=shown.am)
    return Loaded(kind.name, period, report, doc, TeamReports(reports, shown))


def _closes(heading: Heading, after: object) -> bool:
    """Whether nothing stands under ``heading``: the document ends, or ``after`` is a heading
    of the same or a higher level."""
    return after is None or (isinstance(after, Heading) and after.level <= heading.level)


def data_only(doc: ReportDocument) -> ReportDocument:
    """``doc`` without the places of text not written (``empty`` paragraphs) and without the
    headings left with nothing under them."""
    blocks = [b for b in doc.blocks if not (isinstance(b, Paragraph) and b.style == "empty")]
    kept = [
        b
        for i, b in enumerate(blocks)
        if not (
            isinstance(b, Heading) and _closes(b, blocks[i + 1] if i + 1 < len(blocks) else None)
        )
    ]
    return dataclasses.replace(doc, blocks=kept)


def export_month(store, month: str, folder: Path, tr: Translator) -> Path:
    """Write the month's latest version of the market analysis as a Word file in ``folder``,
    in ``tr``'s words (a job: the app's translator)."""
    from khtui.data.documents import export_folder, write_monthly_docx

    export_folder(folder)
    report = store.monthly_report(month)
    if report["version"]:
        stem = tr("rpt.file.monthly", month=month, version=report["version"])
    else:
        stem = tr("rpt.file.monthly_new", month=month)
    path = free_path(folder, stem, ".docx")
    write_monthly_docx(store, month, path, t=tr)
    return path


# 周报: an ISO week (default: the last complete one)
WEEK = ReportKind(
    name="week",
    keys=NARRATIVE_KEYS,
    placeholder="2026-W47",
    submit_detail="rpt.confirm.submit_detail",
    box_prefix="rpt-",
    label_prefix="rpt.narrative.",
    title_key="rpt.screen.title",
    named_key="rpt.screen.week_named",
    bad_key="rpt.bad_week",
    default=default_week,
    normalise=handled_week,
    step=add_weeks,
    span=week_range,
    started=week_started,
    current=week_key,
    load=load_week,
    save=lambda store, week, text: store.save_weekly_draft(week, text),
    submit=lambda store, week: store.submit_weekly(week),
    export=export_week,
)
# 月度市场分析: a calendar month (default: the last complete one)
MONTH = ReportKind(
    name="month",
    keys=MONTHLY_NARRATIVE_KEYS,
    placeholder="2026-10",
    submit_detail="rpt.confirm.submit_detail_month",
    box_prefix="rpt-month-",
    label_prefix="rpt.sec.",
    title_key="rpt.screen.title_month",
    named_key="rpt.screen.month_named",
    bad_key="error.bad_month",
    default=default_month,
    normalise=normalise_month,
    step=add_months,
    span=month_range,
    started=month_started,
    current=month_key,
    load=load_month,
    save=lambda store, month, text: store.save_monthly_draft(month, text),
    submit=lambda store, month: store.submit_monthly(month),
    export=export_month,
)
KINDS: tuple[ReportKind, ...] = (WEEK, MONTH)


# -- the screen -----------------------------------------------------------------------------
def kind_keys(kind: str, other: str) -> tuple[Key, ...]:
    """The keys of the report ``kind`` while it is shown: ``[`` / ``]`` step through its
    periods, its initial picks one, the ``other`` kind's initial shows that kind."""
    return (
        Key("left_square_bracket", f"prev_{kind}", f"rpt.key.prev_{kind}", display="["),
        Key("right_square_bracket", f"next_{kind}", f"rpt.key.next_{kind}", display="]"),
        Key(kind[0], f"pick_{kind}", f"rpt.key.{kind}"),
        Key(other[0], f"show_{other}", f"rpt.key.show_{other}"),
    )


KIND_KEYS = {"week": kind_keys("week", "month"), "month": kind_keys("month", "week")}


class ReportScreen(Keyed, TypingScreen):
    """The weekly report 周报 of one ISO week (default: the last complete week), or with ``m``
    the monthly market analysis 月度市场分析 of one month (default: the last complete month)."""

    CSS_PATH = "report.tcss"
    KEYS: ClassVar = (
        # each key once per kind: the one of the kind shown is on (and in the footer)
        *KIND_KEYS["week"],
        *KIND_KEYS["month"],
        Key("e", "edit", "rpt.key.edit", keep=True),
        Key("a", "pick_am", "rpt.key.pick_am"),  # a team database: whose report is shown
        Key("ctrl+r", "refresh", "rpt.key.refresh", show=False),
        Key("ctrl+s", "submit", "rpt.key.submit", priority=True, keep=True),
        Key("f8", "export", "rpt.key.export", priority=True, keep=True),
        # A TextArea with the default tab behaviour leaves Esc to its screen: this binding
        Key("escape", "leave_box", "rpt.key.leave"),
    )
    # keys of one kind only
    KIND_ACTIONS: ClassVar[dict[str, frozenset[str]]] = {
        kind: frozenset(key.action for key in keys) for kind, keys in KIND_KEYS.items()
    }
    TEXT_BOXES = (Input, TextArea)  # focus in one of these means the user is typing
    # keys that would be typed into a box: hidden (and off) while the user is typing
    NOT_WHILE_TYPING = frozenset({*KIND_ACTIONS["week"], *KIND_ACTIONS["month"], "edit", "pick_am"})

    def __init__(self, week: str | None = None, *, month: str | None = None) -> None:
        super().__init__()
        self.kind: ReportKind = MONTH if month and not week else WEEK
        self._initial = month if self.kind is MONTH else week
        self.period: str = ""
        self._periods: dict[str, str] = {}  # the period last shown of each kind
        self.report: dict | None = None
        self._saved: dict[str, str] = {}  # what the store holds (or is about to) per section
        self._unfrozen = False  # the user agreed to start the next version of this period
        self._refocus: Widget | None = None  # where focus goes on returning from a modal
        self.export_dir: Path | None = None
        self.last_export: Path | None = None
        self._read_at: int | None = None  # the store's data_version when the figures were read
        # the last export's line of each report (kind, period): shown with its report only
        self._exports: dict[tuple[str, str], Text] = {}
        self.team: TeamReports | None = None  # a team database: the AMs' reports of the period
        self._am: str | None = None  # the AM whose report is shown there (None: the first)

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="rpt-bar"):
            yield Label("", id="rpt-period-label")
            yield Input(id="rpt-period")
            yield Static("", id="rpt-status")
        yield Static("", id="rpt-export")
        with Horizontal(id="rpt-body"):
            with VerticalScroll(id="rpt-figures"):
                yield Static(t("rpt.screen.loading"), id="rpt-figures-text")
            with Vertical(id="rpt-narrative"):
                for kind in KINDS:
                    with Vertical(id=f"rpt-{kind.name}-boxes", classes="rpt-boxes"):
                        for key in kind.keys:
                            yield Label(kind.label(key), classes="rpt-label")
                            yield TextArea(
                                "",
                                id=kind.box_id(key),
                                soft_wrap=True,
                                disabled=True,
                                classes="rpt-text",
                            )
        yield Footer()

    def on_mount(self) -> None:
        self.jobs = JobQueue(self.app, "report", self.app.report_error)
        self.typing = Debouncer(self.set_timer, self._save_text)
        self.figures.focus()
        self.on_resize()
        self._show_kind()
        today = self.app.today()
        period = self._initial or self.kind.default(today)
        try:
            period = self.kind.normalise(period)
        except ValueError:
            self.notify(self.kind.bad(period), severity="error")
            period = self.kind.default(today)
        if self._not_begun(period):
            period = self.kind.default(today)
        self.load(period)

    def on_resize(self) -> None:
        """Below NARROW columns the AM's boxes go under the figures, which get the width."""
        self.query_one("#rpt-body").set_class(self.app.size.width < NARROW, "-narrow")

    @property
    def figures(self) -> VerticalScroll:
        return self.query_one("#rpt-figures", VerticalScroll)

    def areas(self) -> list[TextArea]:
        """The text boxes of the kind shown, in the order of its sections."""
        return [self.query_one(f"#{self.kind.box_id(key)}", TextArea) for key in self.kind.keys]

    def _show_kind(self) -> None:
        for kind in KINDS:
            self.query_one(f"#rpt-{kind.name}-boxes").display = kind is self.kind
        self.query_one("#rpt-period-label", Label).update(t(f"rpt.screen.{self.kind.name}"))
        self.query_one("#rpt-period", Input).placeholder = self.kind.placeholder
        self.refresh_bindings()

    # -- keys and focus ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.KIND_ACTIONS["week"] and self.kind is not WEEK:
            return False
        if action in self.KIND_ACTIONS["month"] and self.kind is not MONTH:
            return False
        if action == "pick_am" and self.team is None:
            return False
        return super().check_action(action, parameters)

    @on(events.DescendantFocus)
    def _box_entered(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        asking = self.frozen() and not self._unfrozen and self.team is None  # a team's: read
        if isinstance(widget, TextArea) and asking:
            self._ask_to_edit(widget)

    @on(events.DescendantBlur)
    def _box_left(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, TextArea):
            self.typing.flush()  # leaving a box saves what it holds

    def on_screen_resume(self) -> None:
        """Back on the screen (from another section, a modal, help): on the figures, never in a
        text box, unless a modal of this screen just sent the user into one; the figures read
        again when something was written since they were read (a visit checked in on the day's
        list, a complaint answered), once the screen is painted."""
        target, self._refocus = self._refocus, None
        if target is not None:
            target.focus()
        elif self.typing_now() or self.focused is None:
            self.figures.focus()
        if self._read_at is not None and self.app.store.data_version() != self._read_at:
            self._read_at = None  # one reading, however often the screen is shown meanwhile
            self.call_after_refresh(self._read_again)

    def _read_again(self) -> None:
        if self.is_attached and self.period:
            self.load(self.period)

    def action_leave_box(self) -> None:
        self.typing.flush()
        self.figures.focus()

    def action_pick_week(self) -> None:
        self.query_one("#rpt-period", Input).focus()

    action_pick_month = action_pick_week

    def action_edit(self) -> None:
        if self._team_refuses("rpt.team.read_only"):
            return
        if self.report is not None:
            self.areas()[0].focus()

    def _team_refuses(self, key: str) -> bool:
        """On a team database: say (``key``) that the AM's report is not written or exported
        there, and whose it is."""
        if self.team is None:
            return False
        self.notify(
            t(key, am=self.team.shown.am, report=self._named()),
            severity="warning",
            timeout=8,
        )
        return True

    def _named(self) -> str:
        """The report shown, as a team database's notices name it (kind and period)."""
        return t(f"rpt.team.report.{self.kind.name}", period=self.period)

    def action_pick_am(self) -> None:
        """a (a team database): choose whose report of the period is shown."""
        if self.team is None:
            return
        kind, period = self.kind, self.period

        def chosen(am_id: str | None) -> None:
            if am_id is not None and kind is self.kind and period == self.period:
                self._am = am_id
                self.load(period)

        self.app.push_screen(AmPickScreen(self.team, self._named()), chosen)

    def action_show_month(self) -> None:
        self.switch_to(MONTH)

    def action_show_week(self) -> None:
        self.switch_to(WEEK)

    def switch_to(self, kind: ReportKind) -> None:
        """Show the other kind of report, on the period of it shown last (else its default)."""
        if kind is self.kind:
            return
        self.typing.flush()
        self._periods[self.kind.name] = self.period
        self.kind = kind
        self.report = None
        self.period = ""
        for area in self.areas():
            area.disabled = True
        self._show_kind()
        self.figures.focus()
        self.load(self._periods.get(kind.name) or kind.default(self.app.today()))

    # -- loading -------------------------------------------------------------------------------
    def load(self, period: str) -> None:
        self.typing.flush()
        if period != self.period:
            self._unfrozen = False
            # another period's (or kind's) figures never stand under this one's title while
            # it is read; the same period read again keeps its figures meanwhile
            self.query_one("#rpt-figures-text", Static).update(t("rpt.screen.loading"))
        self.period = period
        self._show_export()
        self.query_one("#rpt-period", Input).value = period
        self.sub_title = self.kind.title(period)
        self.query_one("#rpt-status", Static).update(t("rpt.screen.loading"))
        store, kind, tr = self.app.store, self.kind, self.app.t  # a job: the app's translator
        am = self._am
        # before the reading: a write while it runs reads the figures again on return
        self._read_at = store.data_version()

        def read() -> Loaded:
            if store.is_team():  # the market manager's: an AM's report, named
                return load_team(store, kind, period, tr, am)
            return kind.load(store, period, tr)

        self.jobs.submit(read, self._loaded)

    def _current(self, kind: str, period: str) -> bool:
        """An answer for what the screen shows now (not a period or kind already left)."""
        return self.is_attached and kind == self.kind.name and period == self.period

    def _loaded(self, loaded: Loaded) -> None:
        if not self._current(loaded.kind, loaded.period):
            return
        self.report = loaded.report
        self._saved = dict(loaded.report["narrative"])
        typing = self.typing.keys()  # sections typed into and not saved yet
        self.team = loaded.team
        if loaded.team is not None:
            self._team_loaded(loaded, loaded.team)
            return
        assert loaded.doc is not None
        self.query_one("#rpt-figures-text", Static).update(self._figures_shown(loaded.doc))
        read_only = self.frozen() and not self._unfrozen
        for key, area in zip(self.kind.keys, self.areas(), strict=True):
            if (self.kind.name, self.period, key) in typing:
                continue  # typed while the figures were read: kept, and saved when typing pauses
            if area.text != self._saved.get(key, ""):
                area.load_text(self._saved.get(key, ""))
            area.read_only = read_only
            area.disabled = False
        if read_only and isinstance(self.focused, TextArea):
            self.figures.focus()
        self._show_status()

    def _figures_shown(self, doc: ReportDocument) -> Any:
        """The figures part of ``doc`` as the screen shows it: a weekly report's end where the
        AM's sections begin (they are in the boxes beside)."""
        if self.kind is WEEK:
            stops = [self.kind.label(k) for k in self.kind.keys]
            return document_renderable(doc, title=False, stop_at=stops)
        return document_renderable(doc, title=False)

    def _team_loaded(self, loaded: Loaded, team: TeamReports) -> None:
        """A team database's period: the AM's submitted text and figures, read-only, named."""
        shown = team.shown
        self._am = shown.am_id
        self.sub_title = t("rpt.team.title", am=shown.am, title=self.kind.title(self.period))
        if loaded.doc is None:
            text: Any = Text(t("rpt.team.none", am=shown.am, report=self._named()))
        else:
            text = self._figures_shown(loaded.doc)
        self.query_one("#rpt-figures-text", Static).update(text)
        for key, area in zip(self.kind.keys, self.areas(), strict=True):
            area.load_text(shown.narrative.get(key, ""))
            area.read_only = True
            area.disabled = not shown.version
        if isinstance(self.focused, TextArea) and not shown.version:
            self.figures.focus()
        self._show_status()
        self.refresh_bindings()

    def frozen(self) -> bool:
        """The period's latest version is submitted: its text can only start the next one."""
        return self.report is not None and self.report["status"] == "submitted"

    def _show_status(self, extra: str = "") -> None:
        r = self.report
        if r is None:
            return
        if self.team is not None:
            shown, n = self.team.shown, len(self.team.reports)
            if shown.version:
                at = (shown.submitted_at or "")[:16].replace("T", " ")
                text = t("rpt.team.status", am=shown.am, version=shown.version, at=at)
            else:
                text = t("rpt.team.status_none", am=shown.am)
            text += " " + t("rpt.team.hint", n=n)
        elif not r["version"]:
            text = t("rpt.screen.status_new")
        else:
            text = t(
                "rpt.screen.status",
                version=r["version"],
                status=t(f"rpt.status.{r['status']}"),
            )
            if r["status"] == "submitted":
                text += " " + t("rpt.screen.frozen_hint", next=r["version"] + 1)
        self.query_one("#rpt-status", Static).update(f"{text} {extra}".strip())

    # -- editing a submitted version: ask first --------------------------------------------------
    def _ask_to_edit(self, area: TextArea) -> None:
        assert self.report is not None
        version = self.report["version"]
        self.figures.focus()  # nothing can be typed while the question is open

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self._unfrozen = True
            for box in self.areas():
                box.read_only = False
            self._refocus = area
            self.call_after_refresh(area.focus)

        self.app.push_screen(
            ConfirmScreen(
                t("rpt.confirm.edit", week=self.kind.named(self.period), version=version),
                t("rpt.confirm.edit_detail", version=version, next=version + 1),
                yes=t("rpt.confirm.edit_yes", next=version + 1),
            ),
            answered,
        )

    # -- saving as typed -------------------------------------------------------------------------
    @on(TextArea.Changed, ".rpt-text")
    def _changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        if self.report is None or area.disabled or area.read_only:
            return
        key = next((k for k in self.kind.keys if self.kind.box_id(k) == area.id), None)
        if key is not None:
            self.typing.typed((self.kind.name, self.period, key), area.text)

    def _save_text(self, typed: Any, text: Any) -> None:
        """Queue the save of one section (the debouncer calls this when typing pauses)."""
        kind_name, period, key = typed
        if kind_name != self.kind.name or period != self.period or self.report is None:
            return  # typed into a period left since: flushed on leaving, so nothing is lost
        if self._saved.get(key, "") == text:
            return
        self._saved[key] = text
        store, kind = self.app.store, self.kind
        self.jobs.submit(lambda: kind.save(store, period, {key: text}), self._stored)

    def _stored(self, row: dict) -> None:
        name = "week" if "week" in row else "month"
        if not self._current(name, row[name]) or self.report is None:
            return
        self.report.update(
            {k: row[k] for k in ("id", "version", "status", "narrative", "submitted_at")}
        )
        now = self.app.store.now().strftime("%H:%M:%S")
        self._show_status(t("rpt.screen.saved", time=now))

    def flush(self) -> None:
        """Queue the save of whatever is typed and not saved yet."""
        self.typing.flush()

    # -- actions ---------------------------------------------------------------------------------
    def action_prev_week(self) -> None:
        self.load(self.kind.step(self.period, -1))

    def action_next_week(self) -> None:
        period = self.kind.step(self.period, 1)
        if not self._not_begun(period):
            self.load(period)

    action_prev_month = action_prev_week
    action_next_month = action_next_week

    def action_refresh(self) -> None:
        self.load(self.period)

    @on(Input.Submitted, "#rpt-period")
    def _pick_period(self, event: Input.Submitted) -> None:
        try:
            period = self.kind.normalise(event.value)
        except ValueError:
            self.notify(self.kind.bad(event.value), severity="error")
            return
        if self._not_begun(period):
            return
        self.figures.focus()
        self.load(period)

    def _not_begun(self, period: str) -> bool:
        """Whether ``period`` has not begun yet (its first day is after today): then it is said,
        and the screen stays where it is (such a period has no figures, and no report)."""
        today = self.app.today()
        if self.kind.started(period, today):
            return False
        self.notify(self.kind.not_begun(period, today), severity="warning")
        return True

    def action_submit(self) -> None:
        if self.report is None or self._team_refuses("rpt.team.read_only"):
            return
        self.flush()
        if self.frozen() and not self._unfrozen:
            self.notify(
                t("rpt.screen.already_submitted", version=self.report["version"]),
                severity="warning",
            )
            return
        version = self.report["version"] or 1
        if self.frozen():  # agreed to edit, nothing typed yet: the next version
            version += 1
        kind, period = self.kind, self.period

        def answered(yes: bool | None) -> None:
            if yes:
                store = self.app.store
                self.jobs.submit(lambda: kind.submit(store, period), self._submitted)

        self.app.push_screen(
            ConfirmScreen(
                t("rpt.confirm.submit", week=kind.named(period), version=version),
                t(kind.submit_detail, version=version, next=version + 1),
                yes=t("rpt.key.submit"),
            ),
            answered,
        )

    def _submitted(self, row: dict) -> None:
        name = "week" if "week" in row else "month"
        kind = WEEK if name == "week" else MONTH
        self.notify(t("rpt.screen.submitted", week=kind.named(row[name]), version=row["version"]))
        if self._current(name, row[name]):
            self._unfrozen = False
            self.load(self.period)

    def action_export(self) -> None:
        if self.report is None or self._team_refuses("rpt.team.no_export"):
            return
        self.flush()
        folder = self.export_dir or default_export_dir()
        store, kind, period, tr = self.app.store, self.kind, self.period, self.app.t
        report = (kind.name, period)
        self._export_line(report, Text(t("rpt.screen.exporting")))
        self.jobs.submit(
            lambda: kind.export(store, period, folder, tr),
            lambda path: self._exported(report, path),
            lambda error: self._failed(report, error),
        )

    def _exported(self, report: tuple[str, str], path: Path) -> None:
        self.last_export = path
        line = Text(t("rpt.screen.exported", name=path.name), style="bold")
        line.append("\n" + t("rpt.screen.exported_folder", folder=path.parent), style="")
        self._export_line(report, line)
        self.notify(
            t("rpt.screen.exported", name=path.name)
            + "\n"
            + t("rpt.screen.exported_folder", folder=path.parent),
            timeout=10,
        )

    def _failed(self, report: tuple[str, str], error: Exception) -> None:
        from khtui.data.documents import DocumentError

        if isinstance(error, OSError):
            text = t("doc.err.write", path=error.filename or "", reason=error.strerror or error)
        elif isinstance(error, DocumentError):
            text = t.message(error)
        else:
            self.app.report_error(error)
            return
        self._export_line(report, Text(text))
        self.notify(text, severity="error", timeout=10)

    def _export_line(self, report: tuple[str, str], text: Text) -> None:
        """Keep ``text`` as the line of the last export of ``report`` (kind, period): the line
        under the period bar, with the file and its folder, while that report is shown."""
        self._exports[report] = text
        self._show_export()

    def _show_export(self) -> None:
        """The export line of the report shown, if it was exported; none for the others."""
        if not self.is_attached:
            return
        line = self.query_one("#rpt-export", Static)
        text = self._exports.get((self.kind.name, self.period))
        if text is not None:
            line.update(text)
        line.display = text is not None


class AmPickScreen(Keyed, ModalScreen[str | None]):
    """Whose report of the period a team database shows: every AM with what they submitted;
    ``Enter`` shows the highlighted AM's, ``Esc`` keeps the one shown. Dismissed with the AM's
    id, or None."""

    DEFAULT_CSS = """
    AmPickScreen {
        align: center middle;
    }
    AmPickScreen #am-pick-box {
        width: 64;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    AmPickScreen #am-pick {
        height: auto;
        max-height: 20;
    }
    """
    KEYS = (Key("escape", "cancel", "rpt.key.pick_cancel"),)

    def __init__(self, team: TeamReports, report: str) -> None:
        super().__init__()
        self.team = team
        self.report = report  # the kind and period, as the notices name them

    def compose(self) -> ComposeResult:
        options = []
        for r in self.team.reports:
            if r.version:
                at = (r.submitted_at or "")[:16].replace("T", " ")
                what = t("rpt.team.pick.submitted", version=r.version, at=at)
            else:
                what = t("rpt.team.pick.none")
            code = f" {r.code}" if r.code and r.code != r.am else ""
            options.append(Option(f"{r.am}{code} · {what}", id=r.am_id))
        with Vertical(id="am-pick-box"):
            yield Label(t("rpt.team.pick.title", report=self.report), classes="rpt-label")
            yield OptionList(*options, id="am-pick")

    def on_mount(self) -> None:
        picker = self.query_one("#am-pick", OptionList)
        ids = [r.am_id for r in self.team.reports]
        picker.highlighted = ids.index(self.team.shown.am_id)
        picker.focus()

    @on(OptionList.OptionSelected, "#am-pick")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = [
    "KINDS",
    "MONTH",
    "WEEK",
    "AmPickScreen",
    "Loaded",
    "ReportKind",
    "ReportScreen",
    "TeamReports",
    "data_only",
    "default_export_dir",
    "export_month",
    "export_week",
    "free_path",
    "load_month",
    "load_team",
    "load_week",
    "month_figures",
]
