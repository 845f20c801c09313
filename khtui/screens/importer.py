"""导入 — import a file, with a preview before anything is written.

The screen opens in the path box (typing is the first thing done here); ``Esc`` leaves it.
Choose the kind (客户 / 订单明细 / 卷烟), type the file's path and press 预览: a thread worker
reads the head of the file (format, detected encoding, header row, how each column maps to a
field, the first rows) and runs the whole import as a dry run, so the counts (new, updated,
unchanged, rejected) are on the screen before anything is written. 导入 then imports it in a
worker and shows the one-line summary; rejected rows go to a rejects file beside the input.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Header, ProgressBar, Select

from khtui.widgets.footer import Footer
from khtui.widgets.keys import Key, Keyed, TypingScreen
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.text_boxes import Input

KINDS = ("retailers", "orders", "brands")
ROWS_SHOWN = 8  # first data rows shown in the preview
READ_SHARE = 95  # the progress bar's share for reading the file; the rest is the write
PREVIEW = "preview"  # the preview's worker: what fails in it is said to be the preview's


def field_label(kind: str, field: str) -> str:
    """A field's name in the UI language (a retailer's as the profile names it)."""
    if kind == "retailers":
        return t.field_name(field)
    return t.label(f"imp.field.{field}", field)


class ImportScreen(Keyed, TypingScreen):
    CSS_PATH = "importer.tcss"
    KEYS: ClassVar = (
        Key("ctrl+o", "preview", "imps.preview", priority=True),
        Key("ctrl+s", "run_import", "imps.import", priority=True),
        Key("escape", "leave_box", "imps.key.leave"),
        Key("escape", "back", "imps.key.back"),
    )
    NOT_WHILE_TYPING = frozenset({"back"})

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        self.kind = kind if kind in KINDS else "retailers"
        self._previewed: tuple[str, str] | None = None  # (kind, path) the counts are for
        self._after_read = ""  # the status once the file is read (the write goes on)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="form"):
            yield Select(
                [(t(f"imps.kind.{k}"), k) for k in KINDS],
                value=self.kind,
                allow_blank=False,
                id="kind",
            )
            yield Input(placeholder=t("imps.path.placeholder"), id="path")
            yield Button(t("imps.preview"), id="preview", variant="primary")
            yield Button(t("imps.import"), id="import", variant="success", disabled=True)
        yield Static(t("imps.hint"), id="hint")
        yield Static("", id="info")
        yield Static("", id="counts")
        yield ProgressBar(total=100, show_eta=False, id="progress")
        with Horizontal(id="tables"):
            with Vertical(id="mapping-box"):
                yield Label(t("imps.mapping"), classes="title")
                yield DataTable(id="mapping", cursor_type="row", zebra_stripes=True)
            with Vertical(id="rows-box"):
                yield Label(t("imps.first_rows"), classes="title")
                yield DataTable(id="rows", zebra_stripes=True)
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("imps.title")
        self.query_one("#path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back" and len(self.app.screen_stack) <= 1:
            return False
        return super().check_action(action, parameters)

    def action_leave_box(self) -> None:
        self.query_one("#mapping", DataTable).focus()

    # -- input ---------------------------------------------------------------------------
    def _path(self) -> Path | None:
        text = self.query_one("#path", Input).value.strip()
        return Path(text).expanduser() if text else None

    def _kind(self) -> str:
        return str(self.query_one("#kind", Select).value)

    @on(Select.Changed, "#kind")
    @on(Input.Changed, "#path")
    def _invalidate(self) -> None:
        self._previewed = None
        self.query_one("#import", Button).disabled = True

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        path = self._path()
        if path is None:
            self._status(t("imps.no_file"), error=True)
            return
        self._status(t("imps.reading"))
        self._run_preview(self._kind(), path)

    @on(Button.Pressed, "#import")
    def action_run_import(self) -> None:
        path = self._path()
        if path is None or self._previewed != (self._kind(), str(path)):
            self.action_preview()
            return
        self.query_one("#import", Button).disabled = True
        self._status(t("imps.importing"))
        self._run_import(self._kind(), path)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- workers (they never touch widgets; results come back to the event loop) ----------
    @work(thread=True, exclusive=True, group="import", exit_on_error=False, name=PREVIEW)
    def _run_preview(self, kind: str, path: Path) -> None:
        from khtui.data.importers import ImportFileError, import_file, preview

        store, tr = self.app.store, self.app.t  # a worker: the app's own translator
        try:
            p = preview(path, kind, store.rules, rows=ROWS_SHOWN)
            # the head first, then the counts of a dry run over the whole file
            self.app.call_from_thread(self._show_head, kind, p)
            r = import_file(
                store,
                path,
                kind,
                tr=tr,
                dry_run=True,
                backup=False,
                keep_rejects=False,
                progress=self._progress(tr("imps.checking")),
            )
        except ImportFileError as exc:
            self.app.call_from_thread(self._failed, tr.message(exc), PREVIEW)
            return
        self.app.call_from_thread(self._show_counts, kind, path, r)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _run_import(self, kind: str, path: Path) -> None:
        from khtui.data.importers import ImportFileError, import_file

        tr = self.app.t  # a worker: the app's own translator
        try:
            r = import_file(
                self.app.store, path, kind, tr=tr, progress=self._progress(tr("imps.writing"))
            )
        except ImportFileError as exc:
            self.app.call_from_thread(self._failed, tr.message(exc))
            return
        self.app.call_from_thread(self._show_done, r)

    def _progress(self, after_read: str):
        """A progress callback for the importer (worker thread): reading fills the bar to
        READ_SHARE %, the write the rest (``after_read`` says so); the bar is told only when
        the percentage moves."""
        self._after_read = after_read
        shown = [-1]

        def report(done: int, total: int) -> None:
            pct = min(READ_SHARE, done * READ_SHARE // total) if total else 0
            if pct != shown[0]:
                shown[0] = pct
                self.app.call_from_thread(self._set_progress, pct)

        self.app.call_from_thread(self._set_progress, 0)
        return report

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            self._failed(str(event.worker.error), event.worker.name)

    # -- showing ---------------------------------------------------------------------------
    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")

    def _set_progress(self, pct: int | None) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = pct is not None
        if pct is not None:
            bar.update(progress=pct)
            if pct >= READ_SHARE:
                self._status(self._after_read)

    def _failed(self, message: str, worker: str = "") -> None:
        """A preview or an import that could not be done (``worker``: which one), and why."""
        self._set_progress(None)
        self._previewed = None
        self.query_one("#import", Button).disabled = True
        key = "imps.preview_failed" if worker == PREVIEW else "imps.failed"
        self._status(t(key, problem=message), error=True)
        self.notify(message, severity="error", timeout=8)

    def _show_head(self, kind, p) -> None:
        """Format, encoding, header row, column mapping and first rows (before the counts)."""
        info = t("imps.format", format=p.format.upper(), encoding=p.encoding, row=p.header_row)
        if p.sheet:
            info += t("imps.sheet", sheet=p.sheet)
        self.query_one("#info", Static).update(info)
        self.query_one("#counts", Static).update("")
        mapping = self.query_one("#mapping", DataTable)
        mapping.clear(columns=True)
        mapping.add_columns(t("imps.field"), t("imps.header"))
        for field, header in p.mapping.items():
            unit = p.units.get(field)
            shown = header if not unit or unit in header else f"{header} [{t.word(unit)}]"
            mapping.add_row(field_label(kind, field), shown)
        for header in p.extra_columns:
            mapping.add_row("+", header)
        rows = self.query_one("#rows", DataTable)
        rows.clear(columns=True)
        width = len(p.headers)
        rows.add_columns(*[h or "-" for h in p.headers])
        for cells in p.rows:
            rows.add_row(*(list(cells) + [""] * width)[:width])
        self._status(t("imps.counting"))

    def _show_counts(self, kind, path: Path, r) -> None:
        self._set_progress(None)
        self.query_one("#counts", Static).update(t("imps.counts", summary=r.summary(t)))
        notes = r.notes(t)
        if r.reject_rows:
            first = r.reject_rows[0]
            notes.insert(0, f"{first['row']}: {first['reason']}")
        self._status("\n".join(notes))
        self._previewed = (kind, str(path))
        self.query_one("#import", Button).disabled = False

    def _show_done(self, r) -> None:
        self._set_progress(None)
        summary = r.summary(t)
        self.query_one("#counts", Static).update(t("imps.done", summary=summary))
        self._status("\n".join(r.notes(t)))
        self._previewed = None
        self.notify(summary, timeout=8)
        self.app.refresh_forecasts()  # new orders: the forecasts follow in the background
