"""周报 — the weekly report: pick a week, read the figures, write the narrative, submit, export.

The screen opens on the figures (a list to read, where the section keys work); the three
narrative sections are text boxes entered with ``e`` (or Tab, or a click) and left with ``Esc``,
and returning to the screen never lands in one. What is typed is saved when the typing pauses
or the box is left. A submitted version is read-only: the first edit asks before it starts the
next version, and submitting asks first. Every read and write of the store (figures, saves,
submit, the Word export) runs in the screen's job queue, off the event loop and in order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Static, TextArea

from khtui.domain.report import (
    NARRATIVE_KEYS,
    ReportDocument,
    add_weeks,
    default_week,
    normalise_week,
    week_range,
)
from khtui.i18n import Translator
from khtui.widgets.confirm import ConfirmScreen
from khtui.widgets.document_view import document_renderable
from khtui.widgets.jobs import Debouncer, JobQueue
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.speech import t

TEXT_BOXES = (Input, TextArea)  # focus in one of these means the user is typing


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


@dataclass(frozen=True)
class Loaded:
    """A week read by the job queue: its latest version and the document of its figures."""

    week: str
    report: dict[str, Any]
    doc: ReportDocument


def load_week(store, week: str, tr: Translator) -> Loaded:
    from khtui.data.documents import weekly_document

    report = store.weekly_report(week)
    return Loaded(week, report, weekly_document(store, week, tr, report))


def export_week(store, week: str, folder: Path, tr: Translator) -> Path:
    """Write the week's latest version as a Word file in ``folder`` (never overwriting), in
    ``tr``'s words (a job: the app's translator)."""
    from khtui.data.documents import write_weekly_docx

    folder.mkdir(parents=True, exist_ok=True)
    report = store.weekly_report(week)
    if report["version"]:
        stem = tr("rpt.file.weekly", week=week, version=report["version"])
    else:
        stem = tr("rpt.file.weekly_new", week=week)
    path = free_path(folder, stem, ".docx")
    write_weekly_docx(store, week, path, t=tr)
    return path


class ReportScreen(Keyed, Screen):
    """The weekly report 周报 of one ISO week (default: the last complete week)."""

    CSS_PATH = "report.tcss"
    KEYS: ClassVar = (
        Key("left_square_bracket", "prev_week", "rpt.key.prev_week", display="["),
        Key("right_square_bracket", "next_week", "rpt.key.next_week", display="]"),
        Key("w", "pick_week", "rpt.key.week"),
        Key("e", "edit", "rpt.key.edit"),
        Key("ctrl+r", "refresh", "rpt.key.refresh", show=False),
        Key("ctrl+s", "submit", "rpt.key.submit", priority=True),
        Key("f8", "export", "rpt.key.export", priority=True),
        # A TextArea with the default tab behaviour leaves Esc to its screen: this binding
        Key("escape", "leave_box", "rpt.key.leave"),
    )
    # keys that would be typed into a box: hidden (and off) while the user is typing
    LIST_ACTIONS = frozenset({"prev_week", "next_week", "pick_week", "edit"})

    def __init__(self, week: str | None = None) -> None:
        super().__init__()
        self._initial_week = week
        self.week: str = ""
        self.report: dict | None = None
        self._saved: dict[str, str] = {}  # what the store holds (or is about to) per section
        self._unfrozen = False  # the user agreed to start the next version of this week
        self._refocus: Widget | None = None  # where focus goes on returning from a modal
        self.export_dir: Path | None = None
        self.last_export: Path | None = None

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="rpt-bar"):
            yield Label(t("rpt.screen.week"), id="rpt-week-label")
            yield Input(placeholder="2026-W47", id="rpt-week-input")
            yield Static("", id="rpt-status")
        yield Static("", id="rpt-export")
        with Horizontal(id="rpt-body"):
            with VerticalScroll(id="rpt-figures"):
                yield Static(t("rpt.screen.loading"), id="rpt-figures-text")
            with Vertical(id="rpt-narrative"):
                for key in NARRATIVE_KEYS:
                    yield Label(t(f"rpt.narrative.{key}"), classes="rpt-label")
                    yield TextArea(
                        "", id=f"rpt-{key}", soft_wrap=True, disabled=True, classes="rpt-text"
                    )
        yield Footer()

    def on_mount(self) -> None:
        self.jobs = JobQueue(self.app, "report", self.app.report_error)
        self.typing = Debouncer(self.set_timer, self._save_text)
        self.figures.focus()
        today = self.app.today()
        week = self._initial_week or default_week(today)
        try:
            week = normalise_week(week)
        except ValueError:
            self.notify(t("rpt.bad_week", value=week), severity="error")
            week = default_week(today)
        self.load_week(week)

    @property
    def figures(self) -> VerticalScroll:
        return self.query_one("#rpt-figures", VerticalScroll)

    def areas(self) -> list[TextArea]:
        return [self.query_one(f"#rpt-{key}", TextArea) for key in NARRATIVE_KEYS]

    def typing_now(self) -> bool:
        return isinstance(self.focused, TEXT_BOXES)

    # -- keys and focus ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.LIST_ACTIONS:
            return not self.typing_now()
        if action == "leave_box":
            return self.typing_now()
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.refresh_bindings()
        widget = event.widget
        if isinstance(widget, TextArea) and self.frozen() and not self._unfrozen:
            self._ask_to_edit(widget)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.refresh_bindings()
        if isinstance(event.widget, TextArea):
            self.typing.flush()  # leaving a box saves what it holds

    def on_screen_resume(self) -> None:
        """Back on the screen (from another section, a modal, help): on the figures, never in a
        text box, unless a modal of this screen just sent the user into one."""
        target, self._refocus = self._refocus, None
        if target is not None:
            target.focus()
        elif self.typing_now() or self.focused is None:
            self.figures.focus()

    def action_leave_box(self) -> None:
        self.typing.flush()
        self.figures.focus()

    def action_pick_week(self) -> None:
        self.query_one("#rpt-week-input", Input).focus()

    def action_edit(self) -> None:
        if self.report is not None:
            self.areas()[0].focus()

    # -- loading -------------------------------------------------------------------------------
    def load_week(self, week: str) -> None:
        self.typing.flush()
        if week != self.week:
            self._unfrozen = False
        self.week = week
        start, end = week_range(week)
        self.query_one("#rpt-week-input", Input).value = week
        self.sub_title = t(
            "rpt.screen.title", week=week, start=f"{start:%m-%d}", end=f"{end:%m-%d}"
        )
        self.query_one("#rpt-status", Static).update(t("rpt.screen.loading"))
        store = self.app.store
        tr = self.app.t
        self.jobs.submit(lambda: load_week(store, week, tr), self._loaded)

    def _loaded(self, loaded: Loaded) -> None:
        if loaded.week != self.week or not self.is_attached:
            return  # an answer for a week the user has already left
        self.report = loaded.report
        self._saved = dict(loaded.report["narrative"])
        narrative = [t(f"rpt.narrative.{k}") for k in NARRATIVE_KEYS]
        self.query_one("#rpt-figures-text", Static).update(
            document_renderable(loaded.doc, title=False, stop_at=narrative)
        )
        read_only = self.frozen() and not self._unfrozen
        for key, area in zip(NARRATIVE_KEYS, self.areas(), strict=True):
            if area.text != self._saved.get(key, ""):
                area.load_text(self._saved.get(key, ""))
            area.read_only = read_only
            area.disabled = False
        if read_only and isinstance(self.focused, TextArea):
            self.figures.focus()
        self._show_status()

    def frozen(self) -> bool:
        """The week's latest version is submitted: its text can only start the next one."""
        return self.report is not None and self.report["status"] == "submitted"

    def _show_status(self, extra: str = "") -> None:
        r = self.report
        if r is None:
            return
        if not r["version"]:
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
                t("rpt.confirm.edit", week=self.week, version=version),
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
        key = (area.id or "").removeprefix("rpt-")
        if key in NARRATIVE_KEYS:
            self.typing.typed(key, area.text)

    def _save_text(self, key: Any, text: Any) -> None:
        """Queue the save of one section (the debouncer calls this when typing pauses)."""
        if self.report is None or self._saved.get(key, "") == text:
            return
        self._saved[key] = text
        store, week = self.app.store, self.week
        self.jobs.submit(lambda: store.save_weekly_draft(week, {key: text}), self._stored)

    def _stored(self, row: dict) -> None:
        if not self.is_attached or self.report is None or row["week"] != self.week:
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
        self.load_week(add_weeks(self.week, -1))

    def action_next_week(self) -> None:
        self.load_week(add_weeks(self.week, 1))

    def action_refresh(self) -> None:
        self.load_week(self.week)

    @on(Input.Submitted, "#rpt-week-input")
    def _pick_week(self, event: Input.Submitted) -> None:
        try:
            week = normalise_week(event.value)
        except ValueError:
            self.notify(t("rpt.bad_week", value=event.value), severity="error")
            return
        self.figures.focus()
        self.load_week(week)

    def action_submit(self) -> None:
        if self.report is None:
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
        week = self.week

        def answered(yes: bool | None) -> None:
            if yes:
                store = self.app.store
                self.jobs.submit(lambda: store.submit_weekly(week), self._submitted)

        self.app.push_screen(
            ConfirmScreen(
                t("rpt.confirm.submit", week=week, version=version),
                t("rpt.confirm.submit_detail", version=version, next=version + 1),
                yes=t("rpt.key.submit"),
            ),
            answered,
        )

    def _submitted(self, row: dict) -> None:
        self.notify(t("rpt.screen.submitted", week=row["week"], version=row["version"]))
        if self.is_attached and row["week"] == self.week:
            self._unfrozen = False
            self.load_week(self.week)

    def action_export(self) -> None:
        if self.report is None:
            return
        self.flush()
        folder = self.export_dir or default_export_dir()
        self._export_line(Text(t("rpt.screen.exporting")))
        store, week = self.app.store, self.week
        tr = self.app.t
        self.jobs.submit(lambda: export_week(store, week, folder, tr), self._exported, self._failed)

    def _exported(self, path: Path) -> None:
        self.last_export = path
        line = Text(t("rpt.screen.exported", name=path.name), style="bold")
        line.append("\n" + t("rpt.screen.exported_folder", folder=path.parent), style="")
        self._export_line(line)
        self.notify(
            t("rpt.screen.exported", name=path.name)
            + "\n"
            + t("rpt.screen.exported_folder", folder=path.parent),
            timeout=10,
        )

    def _failed(self, error: Exception) -> None:
        from khtui.data.documents import DocumentError

        if isinstance(error, OSError):
            text = t("doc.err.no_folder", folder=f"{error.filename or ''} ({error.strerror})")
        elif isinstance(error, DocumentError):
            text = t.message(error)
        else:
            self.app.report_error(error)
            return
        self._export_line(Text(text))
        self.notify(text, severity="error", timeout=10)

    def _export_line(self, text: Text) -> None:
        """The line under the week bar that keeps the last export's file and folder."""
        if self.is_attached:
            line = self.query_one("#rpt-export", Static)
            line.update(text)
            line.display = True


__all__ = ["ReportScreen", "default_export_dir", "export_week", "free_path", "load_week"]
