"""投诉 — complaints, filtered by status, category, department, overdue.

Every complaint has an owner (the department of its category in the rules), a due date and a
status that moves open → forwarded → answered → closed, each step dated. Overdue ones (the
domain's rule, :func:`khtui.domain.complaints.is_overdue`) stand out in red. Keys: f forward,
a answer (the answer to the retailer), c close (the resolution), v follow-up visit, n new
complaint. The list is read in a thread worker and every step is written in the screen's job
queue: the event loop never waits on the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Header, OptionList, Select
from textual.widgets.option_list import Option

from khtui.data.base import StoreError
from khtui.domain.complaints import STATUSES, ComplaintProblem, due_date
from khtui.widgets.cells import AM_CELLS, clip
from khtui.widgets.footer import Footer
from khtui.widgets.jobs import JobQueue
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.retailer_picker import RetailerPicker
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench, WorkbenchScreen


class RaiseComplaintScreen(Keyed, ModalScreen[str | None]):
    """Record a complaint: category (the rules route it: department, AM's share, due date)
    and what the retailer said. Without a code, the retailer is found first as the AM types
    (name, pinyin initials, code, phone). Returns
    the new complaint's id, or None when cancelled."""

    app = getters.app(Workbench)

    CSS_PATH = "complaints.tcss"
    KEYS: ClassVar = (Key("escape", "cancel", "complaint.new.cancel"),)

    def __init__(
        self,
        code: str | None = None,
        *,
        capture_id: str | None = None,
        visit_id: str | None = None,
    ) -> None:
        super().__init__()
        self.fixed = code  # given by the caller (the capture's retailer): not asked
        self.code = code
        self.capture_id = capture_id
        self.visit_id = visit_id

    class Named(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def compose(self) -> ComposeResult:
        store = self.app.store
        with VerticalScroll(classes="cmp-modal", id="new-box"):
            yield Label(self._title(""), classes="modal-title", id="new-title")
            # first under the title: a refusal is seen however small the terminal
            error = Static("", id="new-error", classes="err")
            error.display = False  # until there is a refusal to say
            yield error
            if self.fixed is None:
                yield Label(t("complaint.new.retailer"))
                yield RetailerPicker(
                    "new",
                    placeholder=t("picker.placeholder"),
                    hint=t("complaint.new.find_hint"),
                    count="complaint.new.find_count",
                )
            yield Label(t("complaint.new.category"))
            yield OptionList(
                *(
                    Option(f"{t.named(route)} → {t.word(route.department, store.rules)}", id=key)
                    for key, route in store.rules.complaint_routes.items()
                ),
                id="new-category",
            )
            yield Static("", id="new-routing")
            yield Label(t("complaint.new.description"))
            yield Input(id="new-text")
            yield Footer()

    def _title(self, name: str) -> str:
        if self.code is None:
            return t("complaint.new.title_none")
        return t("complaint.new.title", code=self.code, name=name)

    def on_mount(self) -> None:
        self.jobs = JobQueue(self.app, "raise-complaint", self.app.report_error)
        options = self.query_one("#new-category", OptionList)
        options.highlighted = 0
        if self.code is None:
            self.query_one("#new-query", Input).focus()
        else:
            options.focus()
            self._read_name(self.code)

    @work(thread=True, exclusive=True, group="raise-complaint-name")
    def _read_name(self, code: str) -> None:
        r = self.app.store.get_retailer(code)
        if r is not None:
            self.post_message(self.Named(r["name"]))

    def on_raise_complaint_screen_named(self, message: Named) -> None:
        self.query_one("#new-title", Label).update(self._title(message.name))

    @on(RetailerPicker.Picked)
    def _picked(self, event: RetailerPicker.Picked) -> None:
        self.code = event.code
        event.picker.clear_hits()
        self.query_one("#new-title", Label).update(self._title(event.name))
        self._say_error("")
        self.query_one("#new-category", OptionList).focus()

    @on(Input.Changed, "#new-query")
    def _retyped(self) -> None:
        """Typing another retailer undoes the one picked until a hit is picked again."""
        if self.code is not None:
            self.code = None
            self.query_one("#new-title", Label).update(self._title(""))

    @on(OptionList.OptionHighlighted, "#new-category")
    def show_routing(self, event: OptionList.OptionHighlighted) -> None:
        rules = self.app.store.rules
        route = rules.complaint_routes[event.option.id or ""]
        key = (
            "complaint.new.routing"
            if rules.complaints.due_days_are == "workdays"
            else "complaint.new.routing_cal"
        )
        self.query_one("#new-routing", Static).update(
            t(
                key,
                department=t.word(route.department, rules),
                share=t(f"complaint.share.{route.am_share}"),
                due_days=route.due_days,
                due_on=due_date(self.app.today(), route.due_days, rules).isoformat(),
            )
        )

    @on(OptionList.OptionSelected, "#new-category")
    def category_chosen(self) -> None:
        self.query_one("#new-text", Input).focus()

    @on(Input.Submitted, "#new-text")
    def submit(self) -> None:
        options = self.query_one("#new-category", OptionList)
        code = self.code
        if code is None:
            self._say_error(t("picker.pick"))
            self.query_one("#new-query", Input).focus()
            return
        category = options.get_option_at_index(options.highlighted or 0).id or ""
        self.jobs.submit(
            partial(
                self.app.store.raise_complaint,
                code,
                category,
                self.query_one("#new-text", Input).value,
                raised_on=self.app.today(),
                capture_id=self.capture_id,
                visit_id=self.visit_id,
            ),
            self._raised,
            self._refused,
        )

    def _say_error(self, text: str) -> None:
        """The refusal under the title (the line takes no room while there is none)."""
        line = self.query_one("#new-error", Static)
        line.update(text)
        line.display = bool(text)

    def _raised(self, complaint_id: str) -> None:
        self.dismiss(complaint_id)

    def _refused(self, error: Exception) -> None:
        if not isinstance(error, ComplaintProblem):
            self.app.report_error(error)
            return
        self._say_error(t.message(error))

    def action_cancel(self) -> None:
        self.dismiss(None)


class StepScreen(Keyed, ModalScreen[str | None]):
    """Ask for the answer to the retailer or the resolution; returns the text."""

    CSS_PATH = "complaints.tcss"
    KEYS: ClassVar = (Key("escape", "cancel", "complaint.new.cancel"),)

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="cmp-modal"):
            yield Label(self.title_text, classes="modal-title")
            yield Input(id="step-text")
            yield Footer()

    @on(Input.Submitted, "#step-text")
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ComplaintsScreen(Keyed, WorkbenchScreen):
    app = getters.app(Workbench)
    CSS_PATH = "complaints.tcss"
    KEYS: ClassVar = (
        Key("f", "step('forwarded')", "complaint.bind.forward"),
        Key("a", "step('answered')", "complaint.bind.answer"),
        Key("c", "step('closed')", "complaint.bind.close"),
        Key("v", "followup", "complaint.bind.followup"),
        Key("n", "new", "complaint.bind.new"),
        Key("ctrl+r", "reload", "complaint.bind.refresh"),
    )
    # the keys that make or move an AM's own records: not offered on a team database
    OWN_RECORDS: ClassVar[frozenset[str]] = frozenset({"step", "followup", "new"})

    class Loaded(Message):
        def __init__(self, gen: int, rows: list[dict], departments: list[str] | None) -> None:
            super().__init__()
            self.gen, self.rows, self.departments = gen, rows, departments

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.pager = Pager(self._add_rows)  # a city's open complaints: a page at a time
        self._gen = 0  # the newest read; an older one's answer is dropped
        self._keep: str | None = None  # the complaint the cursor stays on after a read
        self._departments: list[str] | None = None

    def compose(self) -> ComposeResult:
        store = self.app.store
        routes = store.rules.complaint_routes
        yield Header()
        with Horizontal(id="cmp-filters"):
            yield Select(
                [(t(f"complaint.status.{s}"), s) for s in STATUSES],
                prompt=t("complaint.filter.status") + ": " + t("complaint.filter.all"),
                id="flt-status",
            )
            yield Select(
                [(t.named(r), key) for key, r in routes.items()],
                prompt=t("complaint.filter.category") + ": " + t("complaint.filter.all"),
                id="flt-category",
            )
            yield Select(
                [],
                prompt=t("complaint.filter.department") + ": " + t("complaint.filter.all"),
                id="flt-department",
            )
            yield Checkbox(t("complaint.filter.overdue"), id="flt-overdue")
        yield DataTable(id="cmp-table", cursor_type="row", zebra_stripes=True, pager=self.pager)
        yield Static("", id="cmp-detail")
        yield Static("", id="cmp-count")
        yield Footer()

    def on_mount(self) -> None:
        self.jobs = JobQueue(self.app, "complaints", self.app.report_error)
        self.sub_title = t("complaint.title")
        table = self.query_one("#cmp-table", DataTable)
        for key in ("raised", "retailer", "category", "department", "status", "due", "text"):
            table.add_column(t(f"complaint.col.{key}"), key=key)
            if key == "raised" and not self.app.MAKES_RECORDS:  # a team database's
                table.add_column(t("team.col.am"), key="am", width=AM_CELLS)
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def _filters(self) -> dict[str, Any]:
        def val(wid: str) -> str | None:
            v = self.query_one(wid, Select).value
            return v if isinstance(v, str) else None

        overdue = self.query_one("#flt-overdue", Checkbox).value
        return {
            "status": val("#flt-status"),
            "category": val("#flt-category"),
            "department": val("#flt-department"),
            "overdue_on": self.app.today() if overdue else None,
        }

    def action_reload(self) -> None:
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        """Read the list again (in a worker), the cursor staying on ``keep`` or the
        current complaint."""
        table = self.query_one("#cmp-table", DataTable)
        if keep is None and self.rows and table.cursor_row < len(self.rows):
            keep = self.rows[table.cursor_row]["id"]
        self._keep = keep
        self._gen += 1
        self._load(self._gen, self._filters(), self.app.today(), self._departments is None)

    @work(thread=True, exclusive=True, group="complaints-load")
    def _load(self, gen: int, filters: dict[str, Any], today: dt.date, departments: bool) -> None:
        store = self.app.store
        rows = store.complaints(**filters, on=today)
        if not self.app.MAKES_RECORDS:  # a team database: whose retailer each complaint is
            ams = store.retailer_ams({r["retailer_code"] for r in rows})
            for r in rows:
                r["am"] = ams.get(r["retailer_code"])
        self.post_message(
            self.Loaded(gen, rows, store.complaint_departments() if departments else None)
        )

    def on_complaints_screen_loaded(self, message: Loaded) -> None:
        if message.gen != self._gen:
            return
        if message.departments is not None and self._departments is None:
            self._departments = message.departments
            self.query_one("#flt-department", Select).set_options(
                [(t.word(d, self.app.store.rules), d) for d in message.departments]
            )
        self._show(message.rows, self._keep)

    def _show(self, rows: list[dict], keep: str | None) -> None:
        table = self.query_one("#cmp-table", DataTable)
        self.rows = rows
        table.clear()
        idx = next((i for i, r in enumerate(rows) if r["id"] == keep), 0) if keep else 0
        self.pager.reset(len(rows), idx + 1)
        overdue = sum(r["overdue"] for r in rows)
        self.query_one("#cmp-count", Static).update(
            t("complaint.count", n=len(rows), overdue=overdue) if rows else t("complaint.none")
        )
        if keep:
            table.move_cursor(row=idx)
        self.show_detail()

    def _add_rows(self, start: int, stop: int) -> None:
        table = self.query_one("#cmp-table", DataTable)
        rules = self.app.store.rules
        alarm = style(self.app, "alarm")
        for r in self.rows[start:stop]:
            shown = alarm if r["overdue"] else ""
            status = t(f"complaint.status.{r['status']}")
            if r["overdue"]:
                status += " " + t("complaint.overdue")
            am = [] if self.app.MAKES_RECORDS else [clip(r.get("am"), AM_CELLS)]
            table.add_row(
                r["raised_on"],
                *am,
                f"{r['retailer_code']} {r['name'] or ''}",
                t.word(r["category_name"], rules),
                t.word(r["department"], rules),
                Text(status, style=shown),
                Text(r["due_on"], style=shown),
                (r["description"] or "")[:30],
                key=r["id"],
            )

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def filter_changed(self) -> None:
        self.reload()

    @on(DataTable.RowHighlighted, "#cmp-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.pager.follow(event.cursor_row)
        self.show_detail()

    def show_detail(self) -> None:
        c = self.current
        detail = self.query_one("#cmp-detail", Static)
        if c is None:
            detail.update("")
            return
        blank = {k: (v if v not in (None, "") else "-") for k, v in c.items()}
        rules = self.app.store.rules
        detail.update(
            t(
                "complaint.detail",
                **{
                    **blank,
                    "code": c["retailer_code"],
                    "name": c["name"] or "",
                    "category": t.word(c["category_name"], rules),
                    "department": t.word(c["department"], rules),
                    "status": t(f"complaint.status.{c['status']}"),
                },
            )
        )

    @property
    def current(self) -> dict | None:
        table = self.query_one("#cmp-table", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_step(self, status: str) -> None:
        c = self.current
        if c is None:
            return
        if status == "forwarded":
            self._advance(c["id"], status, None)
            return
        prompt = "complaint.step.answer" if status == "answered" else "complaint.step.resolution"
        self.app.push_screen(
            StepScreen(t(prompt)), lambda text: self._advance(c["id"], status, text)
        )

    def _advance(self, cid: str, status: str, text: str | None) -> None:
        if status != "forwarded" and text is None:
            return
        store, today = self.app.store, self.app.today()

        def step() -> dict[str, Any]:
            store.advance_complaint(
                cid,
                status,
                on=today,
                answer=text if status == "answered" else None,
                resolution=text if status == "closed" else None,
            )
            return store.get_complaint(cid)

        def done(c: dict[str, Any]) -> None:
            department = t.word(c["department"], store.rules)
            self.notify(t(f"complaint.step.{status}", department=department))
            self.reload(keep=cid)

        self.jobs.submit(step, done, self._refused)

    def _refused(self, error: Exception) -> None:
        """A step the complaint or the plan does not allow says why; anything else is the
        app's to report."""
        if isinstance(error, (StoreError, ComplaintProblem)):  # a visit's refusals are StoreErrors
            self.notify(t.message(error), severity="error")
        else:
            self.app.report_error(error)

    def action_followup(self) -> None:
        c = self.current
        if c is None:
            return

        def done(out: dict[str, Any]) -> None:
            key = "complaint.followup.created" if out["created"] else "complaint.followup.existing"
            self.notify(t(key, day=out["day"]))

        propose: Callable[[], dict[str, Any]] = partial(
            self.app.store.propose_followup, c["id"], on=self.app.today()
        )
        self.jobs.submit(propose, done, self._refused)

    def action_new(self) -> None:
        def shown(c: dict[str, Any]) -> None:
            department = t.word(c["department"], self.app.store.rules)
            self.notify(t("complaint.raised", department=department, due_on=c["due_on"]))
            self.reload(keep=c["id"])

        def done(cid: str | None) -> None:
            if cid:
                self.jobs.submit(partial(self.app.store.get_complaint, cid), shown)

        self.app.push_screen(RaiseComplaintScreen(), done)
