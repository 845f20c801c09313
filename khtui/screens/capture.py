"""采集 — information capture at a visit (会收集).

Opened with a visit (after finishing it on today's list) or a retailer (from a profile); without
either it lists today's visits and what the day still lacks, and Enter opens one. An open
capture holds the capture section: its key (3 / F3) returns to it from anywhere until it is
finished or left. On the left the capture items (the eight kinds plus display); on the right the
item's form, the price and stock grid first.

The session is read by the screen's job queue when it opens (the screen says so meanwhile).
Every change is saved as a draft: a value is checked at once (a bad one is explained beside the
field and not saved), then written by the screen's job queue off the event loop; text fields
when the typing pauses or the field is left, grid cells and choices at once. So quitting or
``kill -9`` loses at most the value being typed. ``Esc`` leaves a text field for the list of
items, and leaves the capture from the grid or the list (the draft kept); Ctrl+S checks the
required fields, makes the capture final and finishes the visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, Header, OptionList, Select
from textual.widgets.option_list import Option

from khtui.data.base import StoreError
from khtui.data.captures import CaptureError
from khtui.domain import visits as visit_rules
from khtui.domain.capture import (
    KIND_BY_KEY,
    KINDS,
    CaptureField,
    CaptureKind,
    CopyPlan,
    ValueProblem,
    clean_field,
    clean_grid_value,
)
from khtui.widgets.cells import AM_CELLS, clip, fit
from khtui.widgets.footer import Footer
from khtui.widgets.jobs import Debouncer, JobQueue
from khtui.widgets.keys import Key, Keyed, TypingScreen
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.price_grid import PriceGrid
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench

# The items in the list: the price and stock grid first (the bulk of a visit's capture).
ORDER: tuple[CaptureKind, ...] = (
    KIND_BY_KEY["prices"],
    *(k for k in KINDS if k.key != "prices"),
)
DAYS_LISTED = 3  # days named in the copy-forward message
KINDS_CELLS = 36  # the widest the kinds list grows for its labels, in cells


def kind_name(kind: CaptureKind) -> str:
    return t(f"capture.kind.{kind.key}")


def field_name(kind: CaptureKind, f: CaptureField) -> str:
    return t(f"capture.field.{kind.key}.{f.name}")


def copied_text(plan: CopyPlan, limit: int) -> str:
    """What Ctrl+R did: how many values, from which visits' days; how many were too old."""
    sep = t("capture.copied.sep")
    parts = []
    if plan.filled:
        parts.append(t("capture.copied", n=plan.filled, days=sep.join(plan.used[:DAYS_LISTED])))
    if plan.skipped:
        parts.append(
            t(
                "capture.copied.too_old",
                n=plan.skipped,
                days=sep.join(plan.skipped_days[:DAYS_LISTED]),
                limit=limit,
            )
        )
    return t("fmt.clause_sep").join(parts) if parts else t("capture.copied_none")


@dataclass(frozen=True)
class Opened:
    """A capture session as the screen shows it, read (and its prices draft made) in a job."""

    visit: dict | None
    day: str
    retailer: dict
    session: dict[str, Any]
    ids: dict[str, str]
    payloads: dict[str, dict]
    grid_rows: list[dict]
    brands: list[dict]


def open_session(store, visit_id: str | None, retailer_code: str | None, today: dt.date) -> Opened:
    """The session of a visit (or of a retailer today): its captures, the grid, the brands."""
    visit = None
    if visit_id is not None:
        row = store.query_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        if row is None:
            raise StoreError(f"no visit with id {visit_id!r}")
        visit = dict(row)
        retailer_code = visit["retailer_code"]
        day = visit["planned_date"]
    else:
        day = today.isoformat()
    retailer = store.require_retailer(retailer_code)
    session = {
        "visit_id": visit_id,
        "retailer_code": None if visit_id else retailer_code,
        "on": None if visit_id else dt.date.fromisoformat(day),
    }
    caps = store.session_captures(**session)
    ids = {k: c["id"] for k, c in caps.items()}
    payloads = {k: c["payload"] for k, c in caps.items()}
    ids["prices"] = store.ensure_capture("prices", **session)
    return Opened(
        visit,
        day,
        dict(retailer),
        session,
        ids,
        payloads,
        store.price_grid(ids["prices"]),
        store.brands(),
    )


class CaptureScreen(Keyed, TypingScreen):
    CSS_PATH = "capture.tcss"
    KEYS: ClassVar = (
        Key("ctrl+s", "finish", "capture.bind.finish", priority=True),
        Key("ctrl+r", "copy_forward", "capture.bind.copy", priority=True),
        Key("ctrl+t", "complaint", "capture.bind.complaint", priority=True),
        Key("ctrl+l", "kinds", "capture.bind.kinds", priority=True),
        Key("ctrl+g", "gaps", "capture.bind.gaps", priority=True),
        Key("escape", "leave_box", "capture.bind.leave"),
        Key("escape", "back", "capture.bind.back"),
    )
    CAPTURE_ACTIONS = frozenset({"finish", "copy_forward", "complaint", "kinds", "back"})
    TEXT_BOXES = (Input, Select)
    NOT_WHILE_TYPING = frozenset({"back"})

    def __init__(self, visit_id: str | None = None, retailer_code: str | None = None) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.retailer_code = retailer_code
        self.picker = visit_id is None and retailer_code is None
        self.shown_picker: Picker | None = None  # the day's visits the picker shows
        self.picker_rows = Pager(self._add_picker_rows)  # a team's day: a page at a time
        self.ids: dict[str, str] = {}  # kind -> capture id
        self.values: dict[tuple[str, str], str] = {}  # what is stored (or queued), as typed
        self.invalid: dict[tuple[str, str], str] = {}
        self.leaving = False
        self.opened: Opened | None = None

    # -- keys --------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.picker or self.opened is None:  # the picker, or a capture still being read
            return action not in self.CAPTURE_ACTIONS and action != "leave_box"
        return super().check_action(action, parameters)

    @on(events.DescendantBlur)
    def _field_left(self, event: events.DescendantBlur) -> None:
        if not self.picker and isinstance(event.widget, Input):
            self.typing.flush()  # leaving a field saves what it holds

    # -- opening -------------------------------------------------------------------------------
    @property
    def store(self):
        return self.app.store

    def compose(self) -> ComposeResult:
        yield Header()
        if self.picker:
            yield from self._compose_picker()
        elif self.opened is None:
            yield Static(t("capture.loading"), id="cap-target")
        else:
            yield from self._compose_capture()
        yield Footer()

    def _not_opened(self, error: Exception) -> None:
        """The session could not be opened (nothing was written): the notice says why, and
        the AM is back where they came from rather than on a capture that never loads."""
        self.app.report_error(error)
        self.leaving = True
        self.app.release_section("capture", self)
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _opened(self, opened: Opened) -> None:
        """The session read by the job queue: shown (the screen composed again with it)."""
        self.opened = opened
        self.visit = opened.visit
        self.retailer_code = opened.retailer["code"]
        self.day = opened.day
        self.retailer = opened.retailer
        self.session = opened.session
        self.ids = dict(opened.ids)
        self.payloads = dict(opened.payloads)
        self.grid_rows = opened.grid_rows
        self.brands = opened.brands
        if self.is_attached:
            self.call_later(self._show)

    async def _show(self) -> None:
        await self.recompose()
        self.sub_title = t("capture.title.named", name=self.retailer["name"])
        self._maybe_check_in()
        self.query_one("#cap-kinds", OptionList).highlighted = 0
        self.query_one("#cap-grid", PriceGrid).focus()
        self.refresh_bindings()

    # -- picker: today's visits and what the day lacks ------------------------------------------
    def _compose_picker(self) -> ComposeResult:
        yield Static(t("capture.need_target"), id="cap-target", classes="-wraps")
        yield DataTable(
            id="cap-visits", cursor_type="row", zebra_stripes=True, pager=self.picker_rows
        )
        yield Static("", id="cap-gaps")

    def _fill_picker(self) -> None:
        """Today's visits, what each has captured and what the day lacks, read in the job
        queue and shown when read."""
        store, day = self.store, self.app.today()

        def read() -> Picker:
            return Picker(
                day, store.day_visits(day), store.visit_capture_states(day),
                store.day_capture_gaps(day), store.is_team(),
            )  # fmt: skip

        self.jobs.submit(read, self._show_picker)

    def _show_picker(self, picker: Picker) -> None:
        if not self.is_attached:
            return
        table = self.query_one("#cap-visits", DataTable)
        table.clear(columns=True)
        if picker.team:  # every AM's visits of the day: each row names its AM
            header = t("today.col.am")
            width = fit([header, *(v["am"] for v in picker.visits)], AM_CELLS)
            table.add_column(header, key="am", width=width)
        table.add_column(t("complaint.col.retailer"), key="code", width=40)
        table.add_column(t("complaint.col.status"), key="status", width=8)
        table.add_column(t("capture.col.captured"), key="captured", width=12)
        self.shown_picker = picker
        self.picker_rows.reset(len(picker.visits))
        self.query_one("#cap-gaps", Static).update(gaps_text(picker.gaps, picker.day))

    def _add_picker_rows(self, start: int, stop: int) -> None:
        picker = self.shown_picker
        assert picker is not None  # rows are added once the day's visits are read
        table = self.query_one("#cap-visits", DataTable)
        captured = picker.captured
        for v in picker.visits[start:stop]:
            status = t(f"today.status.{v['status']}") if v.get("status") else ""
            mark = ""
            if v["id"] in captured:
                mark = t(f"capture.{captured[v['id']]}")
            cells = [f"{v['retailer_code']} {v['name']}", status, mark]
            if picker.team:
                cells.insert(0, clip(v["am"], AM_CELLS))
            table.add_row(*cells, key=v["id"])

    @on(DataTable.RowHighlighted, "#cap-visits")
    def _picker_row(self, event: DataTable.RowHighlighted) -> None:
        self.picker_rows.follow(event.cursor_row)

    @on(DataTable.RowSelected, "#cap-visits")
    def open_visit(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CaptureScreen(visit_id=event.row_key.value))

    def on_screen_resume(self) -> None:
        """Back on the screen: the picker is read again; a capture never resumes in a text
        field (typing there is what the user left), but on the list of items."""
        if self.picker:
            self._fill_picker()
        elif self.opened is not None and self.typing_now():
            self.typing.flush()
            self.query_one("#cap-kinds", OptionList).focus()

    # -- capture -------------------------------------------------------------------------------
    def _compose_capture(self) -> ComposeResult:
        from khtui.widgets.supply_panel import SupplyPanel

        yield Static(self._target_text(), id="cap-target")
        with Horizontal(id="cap-body"):
            labels = [self._kind_label(k) for k in ORDER]
            kinds = OptionList(
                *(Option(label, id=k.key) for k, label in zip(ORDER, labels, strict=True)),
                id="cap-kinds",
            )
            # as wide as the longest label (its mark leads it) and the border; max-width caps it
            kinds.styles.width = fit(labels, KINDS_CELLS) + 2
            yield kinds
            with ContentSwitcher(initial="form-prices", id="cap-forms"):
                with Vertical(id="form-prices"):
                    yield Static(t("capture.grid.help"), id="grid-help")
                    yield PriceGrid(
                        self.grid_rows,
                        commit=self._commit_cell,
                        validate=self._check_cell,
                        labels={
                            "name": t("capture.grid.brand"),
                            "guide_price": t("capture.grid.guide"),
                            "retail_price": t("capture.grid.price"),
                            "deviation": t("capture.grid.deviation"),
                            "marked_price": t("capture.grid.marked"),
                            "stock_tiao": t("capture.grid.stock"),
                            "on_shelf": t("capture.grid.shelf"),
                            "history": t("capture.grid.history"),
                        },
                        yes=t("capture.yes"),
                        no=t("capture.no"),
                        threshold=self.store.rules.capture.price_deviation_pct,
                        bool_hint=t("capture.grid.bool_hint"),
                        styles={
                            "alarm": style(self.app, "alarm"),
                            "muted": style(self.app, "muted"),
                        },
                        id="cap-grid",
                    )
                    yield Static("", id="grid-msg", classes="err")
                    yield from self._fields(KIND_BY_KEY["prices"])
                for kind in KINDS:
                    if kind.key == "prices":
                        continue
                    with VerticalScroll(id=f"form-{kind.key}", classes="cap-form"):
                        yield Label(kind_name(kind), classes="form-title")
                        yield from self._fields(kind)
            yield SupplyPanel(self.retailer["code"], id="cap-supply")
        yield Static("", id="cap-status")

    def _target_text(self) -> str:
        r = self.retailer
        line = t("capture.retailer_line", code=r["code"], name=r["name"], day=self.day)
        if self.visit is not None:
            status = self.visit["status"]
            line += t("fmt.gap") + t("capture.visit_status", status=t(f"today.status.{status}"))
        else:
            line += t("fmt.gap") + t("capture.no_visit")
        return line

    def _kind_label(self, kind: CaptureKind) -> str:
        cid = self.ids.get(kind.key)
        mark = "  "
        if kind.key == "prices":
            if any(
                r[f] is not None
                for r in self.grid_rows
                for f in ("retail_price", "stock_tiao", "on_shelf", "marked_price")
            ) or any(v for v in self.payloads.get("prices", {}).values()):
                mark = "● "
        elif cid is not None and any(
            v not in (None, "") for v in self.payloads.get(kind.key, {}).values()
        ):
            mark = "● "
        return mark + kind_name(kind)

    def _fields(self, kind: CaptureKind) -> ComposeResult:
        payload = self.payloads.get(kind.key, {})
        for f in kind.fields:
            wid = f"f-{kind.key}-{f.name}"
            label = field_name(kind, f) + (" *" if f.required else "")
            yield Label(label, classes="field-label")
            stored = payload.get(f.name)
            if f.type in ("choice", "bool", "brand"):
                options = self._options(f)
                value = self._select_value(f, stored)
                self.values[(kind.key, f.name)] = "" if value is Select.NULL else str(value)
                yield Select(
                    options,
                    prompt=t("capture.choose"),
                    value=value,
                    id=wid,
                    classes="field",
                    type_to_search=True,
                )
            else:
                text = (
                    ""
                    if stored is None
                    else f"{stored:g}"
                    if isinstance(stored, float)
                    else str(stored)
                )
                self.values[(kind.key, f.name)] = text
                yield Input(value=text, id=wid, classes="field", placeholder=self._hint(f))
            yield Static("", id=f"e-{kind.key}-{f.name}", classes="err")

    def _hint(self, f: CaptureField) -> str:
        return {"date": "YYYY-MM-DD", "money": "0.00", "int": "0"}.get(f.type, "")

    def _options(self, f: CaptureField) -> list[tuple[str, str]]:
        if f.type == "bool":
            return [(t("capture.yes"), "y"), (t("capture.no"), "n")]
        if f.type == "brand":
            return [(f"{b['name']} {b['brand_code']}", b["brand_code"]) for b in self.brands]
        return [(t.word(c), c) for c in f.choices]

    def _select_value(self, f: CaptureField, stored: Any) -> Any:
        if stored is None or stored == "":
            return Select.NULL
        if f.type == "bool":
            return "y" if stored else "n"
        return str(stored)

    def on_mount(self) -> None:
        self.sub_title = t("capture.title")
        self.jobs = JobQueue(self.app, "capture", self.app.report_error)
        if self.picker:
            self._fill_picker()
            return
        self.typing = Debouncer(self.set_timer, self._queue_field)
        self.app.hold_section("capture", self)
        store, visit_id, code, today = (
            self.store,
            self.visit_id,
            self.retailer_code,
            self.app.today(),
        )
        self.jobs.submit(
            lambda: open_session(store, visit_id, code, today), self._opened, self._not_opened
        )

    def on_unmount(self) -> None:
        if not self.picker:
            self.app.release_section("capture", self)

    def _maybe_check_in(self) -> None:
        """Opening the capture of today's planned visit means the AM is there: check in."""
        v = self.visit
        if v is None or v["status"] != "planned" or v["planned_date"] != self.day:
            return
        if v["planned_date"] != self.app.today().isoformat():
            return
        store, vid = self.store, self.visit_id
        self.jobs.submit(lambda: store.check_in(vid), self._reload_visit)

    def _reload_visit(self, visit: dict) -> None:
        self.visit = dict(visit)
        if self.is_attached:
            self.query_one("#cap-target", Static).update(self._target_text())

    # -- kinds -----------------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#cap-kinds")
    def kind_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#cap-forms", ContentSwitcher).current = f"form-{event.option.id}"

    @on(OptionList.OptionSelected, "#cap-kinds")
    def kind_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#cap-forms", ContentSwitcher).current = f"form-{event.option.id}"
        if event.option.id == "prices":
            self.query_one("#cap-grid", PriceGrid).focus()
            return
        form = self.query_one(f"#form-{event.option.id}")
        fields = list(form.query(".field"))
        if fields:
            fields[0].focus()

    def action_kinds(self) -> None:
        self.query_one("#cap-grid", PriceGrid).commit_buffer()
        self.query_one("#cap-kinds", OptionList).focus()

    def action_leave_box(self) -> None:
        """Esc in a field: out of it, onto the list of items (what was typed is saved)."""
        self.typing.flush()
        self.query_one("#cap-kinds", OptionList).focus()

    def _mark_kind(self, kind: str) -> None:
        if not self.is_attached:
            return
        kinds = self.query_one("#cap-kinds", OptionList)
        idx = next(i for i, k in enumerate(ORDER) if k.key == kind)
        kinds.replace_option_prompt_at_index(idx, self._kind_label(ORDER[idx]))

    # -- saving as the AM types --------------------------------------------------------------------
    def _saved(self, _result: Any = None) -> None:
        if self.is_attached:
            now = self.store.now().strftime("%H:%M:%S")
            self.query_one("#cap-status", Static).update(t("capture.draft_saved", time=now))

    def _check_field(self, kind: str, field: str, raw: str) -> str | None:
        """Why ``raw`` cannot be stored in the field (shown beside it), or None."""
        spec = next(f for f in KIND_BY_KEY[kind].fields if f.name == field)
        if spec.type == "brand":
            return None  # chosen from the brands in the store
        try:
            clean_field(spec, raw)
        except ValueProblem as exc:
            return t.message(exc)
        return None

    def _field_changed(self, widget_id: str, raw: str, *, at_once: bool) -> None:
        _, kind, field = widget_id.split("-", 2)
        err = self.query_one(f"#e-{kind}-{field}", Static)
        widget = self.query_one(f"#{widget_id}")
        problem = self._check_field(kind, field, raw)
        if problem is not None:
            self.invalid[(kind, field)] = problem
            err.update(problem)
            widget.add_class("-bad")
            self.typing.drop((kind, field))
            return
        self.invalid.pop((kind, field), None)
        err.update("")
        widget.remove_class("-bad")
        self.typing.typed((kind, field), raw)
        if at_once:
            self.typing.flush((kind, field))

    def _queue_field(self, key: Any, raw: Any) -> None:
        """Save one form value (called when the typing pauses or the field is left)."""
        kind, field = key
        if self.values.get((kind, field)) == raw or (kind, field) in self.invalid:
            return
        self.values[(kind, field)] = raw
        store, session = self.store, self.session

        def save() -> tuple[str, Any]:
            cid = store.ensure_capture(kind, **session)
            return cid, store.set_capture_field(cid, field, raw)

        def saved(result: tuple[str, Any]) -> None:
            cid, value = result
            self.ids[kind] = cid
            self.payloads.setdefault(kind, {})[field] = value
            self._mark_kind(kind)
            self._saved()

        def refused(error: Exception) -> None:
            if not isinstance(error, ValueProblem):
                self.app.report_error(error)
                return
            message = t.message(error)
            self.invalid[(kind, field)] = message
            self.values.pop((kind, field), None)
            if self.is_attached:
                self.query_one(f"#e-{kind}-{field}", Static).update(message)

        self.jobs.submit(save, saved, refused)

    @on(Input.Changed, ".field")
    def input_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._field_changed(event.input.id, event.value, at_once=False)

    @on(Select.Changed, ".field")
    def select_changed(self, event: Select.Changed) -> None:
        raw = event.value if isinstance(event.value, str) else ""
        if event.select.id:
            self._field_changed(event.select.id, raw, at_once=True)

    def _check_cell(self, brand_code: str, field: str, raw: str) -> Any:
        """The grid's check: the value to show, or ValueError with the reason."""
        guide = self.query_one("#cap-grid", PriceGrid).data_rows[brand_code].get("guide_price")
        try:
            return clean_grid_value(field, raw, guide=guide, rules=self.store.rules.capture)
        except ValueProblem as exc:
            raise ValueError(t.message(exc)) from None

    def _commit_cell(self, brand_code: str, field: str, raw: str) -> None:
        """The grid's commit: the checked value is saved by the job queue."""
        store, cid = self.store, self.ids["prices"]

        def refused(error: Exception) -> None:
            if not isinstance(error, ValueProblem):
                self.app.report_error(error)
                return
            self.post_message(PriceGrid.Problem(brand_code, field, t.message(error)))

        self.jobs.submit(
            lambda: store.set_grid_value(cid, brand_code, field, raw), self._cell_saved, refused
        )

    def _cell_saved(self, _value: Any) -> None:
        if self.is_attached:
            self.grid_rows = list(self.query_one("#cap-grid", PriceGrid).data_rows.values())
            self._mark_kind("prices")
            self._saved()

    @on(PriceGrid.Problem)
    def grid_problem(self, event: PriceGrid.Problem) -> None:
        msg = self.query_one("#grid-msg", Static)
        grid = self.query_one("#cap-grid", PriceGrid)
        row = grid.data_rows.get(event.brand_code, {})
        if event.text is not None:
            msg.update(f"{row.get('name', event.brand_code)}: {event.text}")
            if event.text != grid.bool_hint:  # a hint is not a refused value
                self.invalid[("prices", f"grid:{event.brand_code}:{event.field}")] = event.text
            return
        self.invalid.pop(("prices", f"grid:{event.brand_code}:{event.field}"), None)
        if row.get("flagged"):
            msg.update(
                t(
                    "capture.grid.flagged",
                    brand=row["name"],
                    pct=row["deviation_pct"],
                    limit=self.store.rules.capture.price_deviation_pct,
                )
            )
        else:
            msg.update("")

    # -- actions ---------------------------------------------------------------------------------
    def action_copy_forward(self) -> None:
        grid = self.query_one("#cap-grid", PriceGrid)
        grid.commit_buffer()
        store, cid = self.store, self.ids["prices"]

        def copy() -> tuple[CopyPlan, list[dict]]:
            plan = store.copy_forward(cid)
            return plan, store.price_grid(cid)

        def copied(result: tuple[CopyPlan, list[dict]]) -> None:
            plan, rows = result
            text = copied_text(plan, store.rules.capture.copy_max_days)
            self.notify(text, timeout=10)
            if not self.is_attached:
                return
            self.grid_rows = rows
            grid.set_rows(rows)
            self.query_one("#grid-msg", Static).update(text)
            self._mark_kind("prices")
            if plan.filled:
                self._saved()

        self.jobs.submit(copy, copied)

    def action_finish(self) -> None:
        grid = self.query_one("#cap-grid", PriceGrid)
        if not grid.commit_buffer():
            return
        self.typing.flush()
        if self.invalid:
            self.notify(
                t("capture.finish_failed", problems="; ".join(self.invalid.values())),
                severity="error",
            )
            return
        store, session, visit = self.store, self.session, self.visit

        def finish() -> tuple[dict, bool]:
            done = store.finish_capture(**session)
            finished = visit is not None and visit_rules.allowed("finish", visit["status"])
            if visit is not None and finished:
                store.finish_visit(visit["id"])
            return done, finished

        self.jobs.submit(finish, self._finished, self._not_finished)

    def _finished(self, result: tuple[dict, bool]) -> None:
        done, visit_finished = result
        self.notify(t("capture.finished", **done))
        if visit_finished:
            self.notify(t("capture.visit_finished"))
        self._leave(drop_empty=False)

    def _not_finished(self, error: Exception) -> None:
        if not isinstance(error, CaptureError):
            self.app.report_error(error)
            return
        parts = []
        for p in error.problems:
            spec = next(f for f in KIND_BY_KEY[p["kind"]].fields if f.name == p["field"])
            message = t(f"capture.err.{p['code']}")
            self.query_one(f"#e-{p['kind']}-{p['field']}", Static).update(message)
            parts.append(
                t(
                    "capture.field_problem",
                    kind=kind_name(KIND_BY_KEY[p["kind"]]),
                    field=field_name(KIND_BY_KEY[p["kind"]], spec),
                    message=message,
                )
            )
        self.notify(t("capture.finish_failed", problems="; ".join(parts)), severity="error")
        first = error.problems[0]
        self.query_one("#cap-kinds", OptionList).highlighted = next(
            i for i, k in enumerate(ORDER) if k.key == first["kind"]
        )
        self.query_one(f"#f-{first['kind']}-{first['field']}").focus()

    def action_back(self) -> None:
        self.query_one("#cap-grid", PriceGrid).commit_buffer()
        self._leave()

    def _leave(self, *, drop_empty: bool = True) -> None:
        """Close the capture (its draft kept); the saves still queued finish after it."""
        if self.leaving:
            return
        self.leaving = True
        self.typing.flush()
        if drop_empty:
            store, session = self.store, self.session
            self.jobs.submit(lambda: store.drop_empty_drafts(**session))
        self.app.release_section("capture", self)
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_complaint(self) -> None:
        from khtui.screens.complaints import RaiseComplaintScreen

        self.query_one("#cap-grid", PriceGrid).commit_buffer()
        self.typing.flush()
        self.app.push_screen(
            RaiseComplaintScreen(
                self.retailer_code, capture_id=self.ids.get("opinion"), visit_id=self.visit_id
            ),
            self._after_complaint,
        )

    def _after_complaint(self, complaint_id: str | None) -> None:
        def shown(c: dict[str, Any]) -> None:
            department = t.word(c["department"], self.store.rules)
            self.notify(t("complaint.raised", department=department, due_on=c["due_on"]))

        if complaint_id:
            store = self.store
            self.jobs.submit(lambda: store.get_complaint(complaint_id), shown)

    def action_gaps(self) -> None:
        if not self.picker:
            self.typing.flush()
        self.app.push_screen(GapsScreen(self.app.today()))


@dataclass(frozen=True)
class Picker:
    """What the picker shows: the day's visits, which have captured what, what it lacks."""

    day: dt.date
    visits: list[dict[str, Any]]
    captured: dict[str, str]
    gaps: dict[str, Any]
    team: bool  # a team database: every AM's visits, each with its AM (``am``)


def _gap_line(gap: dict[str, Any], day: str, kinds: str) -> str:
    """One indented line of the gaps list: the day, the retailer, the kinds (and on a team
    database the AM, first)."""
    line = t(
        "capture.gaps.line", day=day, code=gap["retailer_code"], name=gap["name"] or "", kinds=kinds
    )
    if "am" in gap:
        line = t("capture.gaps.of_am", am=gap["am"], line=line)
    return "  " + line


def gaps_text(gaps: dict[str, Any], day: dt.date) -> str:
    """What ``day`` still lacks (``store.day_capture_gaps(day)``), as lines: visits finished
    without a capture, drafts."""
    lines = [t("capture.gaps.title", day=day.isoformat())]
    if not gaps["finished_without_capture"] and not gaps["drafts"]:
        return lines[0] + "\n" + t("capture.gaps.none")
    if gaps["finished_without_capture"]:
        lines.append(t("capture.gaps.missing"))
        for g in gaps["finished_without_capture"]:
            lines.append(_gap_line(g, g["planned_date"], "").rstrip())
    if gaps["drafts"]:
        lines.append(t("capture.gaps.drafts"))
        for g in gaps["drafts"]:
            kinds = t.join(kind_name(KIND_BY_KEY[k]) for k in g["kinds"] if k in KIND_BY_KEY)
            lines.append(_gap_line(g, g["captured_on"], kinds))
    return "\n".join(lines)


class GapsScreen(Keyed, ModalScreen[None]):
    """What the day still lacks: visits finished without a capture and unfinished drafts."""

    app = getters.app(Workbench)

    CSS_PATH = "capture.tcss"
    KEYS: ClassVar = (Key("escape", "close", "capture.bind.back"),)

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day

    class Read(Message):
        def __init__(self, gaps: dict[str, Any]) -> None:
            super().__init__()
            self.gaps = gaps

    def compose(self) -> ComposeResult:
        with Vertical(classes="cap-modal"):
            yield Static(t("capture.gaps.loading"), id="gaps-text")
            yield Footer()

    def on_mount(self) -> None:
        self._read(self.day)

    @work(thread=True, exclusive=True, group="capture-gaps")
    def _read(self, day: dt.date) -> None:
        self.post_message(self.Read(self.app.store.day_capture_gaps(day)))

    def on_gaps_screen_read(self, message: Read) -> None:
        self.query_one("#gaps-text", Static).update(gaps_text(message.gaps, self.day))

    def action_close(self) -> None:
        self.dismiss(None)
