"""周报 — the weekly report: pick a week, read the figures, write the narrative, submit, export.

The figures are read in a thread worker; the narrative sections are TextAreas saved on every
change (the first edit after a submission starts the next version). Submitting and exporting
to Word run in thread workers too; results come back as messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState

from khtui.domain.report import (
    NARRATIVE_KEYS,
    Heading,
    Paragraph,
    ReportDocument,
    Table,
    add_weeks,
    default_week,
    normalise_week,
    week_range,
)
from khtui.i18n import t


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


def figures_renderable(doc: ReportDocument):
    """The figure sections of a report as Rich renderables (the narrative is edited beside)."""
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    parts: list[Any] = []
    narrative_titles = {t(f"rpt.narrative.{k}") for k in NARRATIVE_KEYS}
    for block in doc.blocks:
        if isinstance(block, Heading):
            if any(block.text.endswith(x) for x in narrative_titles):
                break
            parts.append(Text(block.text, style="bold"))
        elif isinstance(block, Paragraph):
            parts.append(Text(block.text, style="dim" if block.style == "note" else ""))
        elif isinstance(block, Table):
            table = RichTable(show_edge=False, pad_edge=False, expand=False, box=None)
            for header, numeric in zip(block.headers, block.numeric, strict=True):
                table.add_column(header, justify="right" if numeric else "left", overflow="fold")
            for row in block.rows:
                table.add_row(*row)
            parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


class ReportScreen(Screen):
    """The weekly report 周报 of one ISO week (default: the last complete week)."""

    CSS_PATH = "report.tcss"

    class Loaded(Message):
        def __init__(self, week: str, report: dict, doc: ReportDocument) -> None:
            super().__init__()
            self.week, self.report, self.doc = week, report, doc

    class Submitted(Message):
        def __init__(self, report: dict) -> None:
            super().__init__()
            self.report = report

    class Exported(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, week: str | None = None) -> None:
        super().__init__()
        self._initial_week = week
        self.week: str = ""
        self.report: dict | None = None
        self._saved: dict[str, str] = {}
        self.export_dir: Path | None = None
        self.last_export: Path | None = None
        for key, action, label in (
            ("f2", "prev_week", "rpt.key.prev_week"),
            ("f3", "next_week", "rpt.key.next_week"),
            ("f5", "refresh", "rpt.key.refresh"),
            ("f7", "submit", "rpt.key.submit"),
            ("f8", "export", "rpt.key.export"),
        ):
            self._bindings.bind(key, action, t(label), priority=True)

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="rpt-bar"):
            yield Label(t("rpt.screen.week"), id="rpt-week-label")
            yield Input(placeholder="2026-W47", id="rpt-week-input")
            yield Static("", id="rpt-status")
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
        today = self.app.today()
        week = self._initial_week or default_week(today)
        try:
            week = normalise_week(week)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            week = default_week(today)
        self.load_week(week)

    # -- loading -------------------------------------------------------------------------------
    def load_week(self, week: str) -> None:
        self.week = week
        start, end = week_range(week)
        self.query_one("#rpt-week-input", Input).value = week
        self.sub_title = t("rpt.screen.title", week=week, start=start, end=end)
        self.query_one("#rpt-status", Static).update(t("rpt.screen.loading"))
        self._load(week)

    @work(thread=True, exclusive=True, group="report-load")
    def _load(self, week: str) -> None:
        from khtui.data.documents import weekly_document

        store = self.app.store
        report = store.weekly_report(week)
        doc = weekly_document(store, week, report)
        self.post_message(self.Loaded(week, report, doc))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.week != self.week:
            return
        self.report = message.report
        self._saved = dict(message.report["narrative"])
        self.query_one("#rpt-figures-text", Static).update(figures_renderable(message.doc))
        for key in NARRATIVE_KEYS:
            area = self.query_one(f"#rpt-{key}", TextArea)
            area.load_text(self._saved.get(key, ""))
            area.disabled = False
        if not isinstance(self.focused, TextArea):
            self.query_one(f"#rpt-{NARRATIVE_KEYS[0]}", TextArea).focus()
        self._show_status()

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

    # -- saving as typed -------------------------------------------------------------------------
    @on(TextArea.Changed, ".rpt-text")
    def _changed(self, event: TextArea.Changed) -> None:
        if self.report is None or event.text_area.disabled:
            return
        key = (event.text_area.id or "").removeprefix("rpt-")
        text = event.text_area.text
        if key not in NARRATIVE_KEYS or self._saved.get(key, "") == text:
            return
        self._save({key: text})

    def _save(self, changes: dict[str, str]) -> None:
        store = self.app.store
        row = store.save_weekly_draft(self.week, changes)
        self._saved.update(changes)
        assert self.report is not None
        self.report.update(
            {k: row[k] for k in ("id", "version", "status", "narrative", "submitted_at")}
        )
        self._show_status(t("rpt.screen.saved", time=store.now().strftime("%H:%M:%S")))

    def flush(self) -> None:
        """Save whatever the text areas hold that is not saved yet."""
        if self.report is None:
            return
        changes = {}
        for key in NARRATIVE_KEYS:
            text = self.query_one(f"#rpt-{key}", TextArea).text
            if self._saved.get(key, "") != text:
                changes[key] = text
        if changes:
            self._save(changes)

    # -- actions ---------------------------------------------------------------------------------
    def action_prev_week(self) -> None:
        self.flush()
        self.load_week(add_weeks(self.week, -1))

    def action_next_week(self) -> None:
        self.flush()
        self.load_week(add_weeks(self.week, 1))

    def action_refresh(self) -> None:
        self.flush()
        self.load_week(self.week)

    @on(Input.Submitted, "#rpt-week-input")
    def _pick_week(self, event: Input.Submitted) -> None:
        try:
            week = normalise_week(event.value)
        except ValueError:
            self.notify(t("rpt.bad_week", value=event.value), severity="error")
            return
        self.flush()
        self.load_week(week)

    def action_submit(self) -> None:
        if self.report is None:
            return
        self.flush()
        if self.report["status"] == "submitted":
            self.notify(
                t("rpt.screen.already_submitted", version=self.report["version"]),
                severity="warning",
            )
            return
        self._submit(self.week)

    @work(thread=True, exclusive=True, group="report-submit")
    def _submit(self, week: str) -> None:
        row = self.app.store.submit_weekly(week)
        self.post_message(self.Submitted(row))

    @on(Submitted)
    def _submitted(self, message: Submitted) -> None:
        self.notify(t("rpt.screen.submitted", version=message.report["version"]))
        self.load_week(self.week)

    def action_export(self) -> None:
        if self.report is None:
            return
        self.flush()
        folder = self.export_dir or default_export_dir()
        self.notify(t("rpt.screen.exporting"))
        self._export(self.week, folder)

    @work(thread=True, exclusive=True, group="report-export")
    def _export(self, week: str, folder: Path) -> None:
        from khtui.data.documents import DocumentError, write_weekly_docx

        store = self.app.store
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.post_message(self.Failed(t("doc.err.no_folder", folder=f"{folder} ({exc})")))
            return
        report = store.weekly_report(week)
        if report["version"]:
            stem = t("rpt.file.weekly", week=week, version=report["version"])
        else:
            stem = t("rpt.file.weekly_new", week=week)
        path = free_path(folder, stem, ".docx")
        try:
            write_weekly_docx(store, week, path)
        except DocumentError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Exported(path))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.last_export = message.path
        self.notify(t("rpt.screen.exported", path=message.path), timeout=8)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(
                t("rpt.screen.error", error=event.worker.error), severity="error", timeout=10
            )


__all__ = ["ReportScreen", "default_export_dir", "free_path"]
