"""投诉 — complaints, filtered by status, category, department, overdue.

Every complaint has an owner (the department of its category in the rules), a due date and a
status that moves open → forwarded → answered → closed, each step dated. Overdue ones (open or
forwarded, due before today) stand out in red. Keys: f forward, a answer (the answer to the
retailer), c close (the resolution), v follow-up visit, n new complaint.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from khtui.data.base import StoreError
from khtui.domain.complaints import STATUSES, ComplaintProblem, due_date
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.speech import t
from khtui.widgets.theme import style


class RaiseComplaintScreen(Keyed, ModalScreen[str | None]):
    """Record a complaint: category (the rules route it: department, AM's share, due date)
    and what the retailer said. Without a code, the customer code is asked first. Returns
    the new complaint's id, or None when cancelled."""

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
        self.code = code
        self.capture_id = capture_id
        self.visit_id = visit_id

    def compose(self) -> ComposeResult:
        store = self.app.store
        r = store.get_retailer(self.code) if self.code else None
        with Vertical(classes="cmp-modal"):
            yield Label(
                t("complaint.new.title", code=self.code or "", name=(r or {}).get("name", "")),
                classes="modal-title",
            )
            if self.code is None:
                yield Input(placeholder=t("complaint.new.retailer"), id="new-code")
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
            yield Static("", id="new-error", classes="err")
            yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#new-category", OptionList)
        options.highlighted = 0
        if self.code is None:
            self.query_one("#new-code", Input).focus()
        else:
            options.focus()

    @on(OptionList.OptionHighlighted, "#new-category")
    def show_routing(self, event: OptionList.OptionHighlighted) -> None:
        rules = self.app.store.rules
        route = rules.complaint_routes[event.option.id]
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

    @on(Input.Submitted, "#new-code")
    def code_given(self) -> None:
        self.query_one("#new-category", OptionList).focus()

    @on(Input.Submitted, "#new-text")
    def submit(self) -> None:
        options = self.query_one("#new-category", OptionList)
        code = self.code or self.query_one("#new-code", Input).value.strip()
        category = options.get_option_at_index(options.highlighted or 0).id
        try:
            cid = self.app.store.raise_complaint(
                code,
                category,
                self.query_one("#new-text", Input).value,
                raised_on=self.app.today(),
                capture_id=self.capture_id,
                visit_id=self.visit_id,
            )
        except ComplaintProblem as exc:
            self.query_one("#new-error", Static).update(t.message(exc))
            return
        self.dismiss(cid)

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


class ComplaintsScreen(Keyed, Screen):
    CSS_PATH = "complaints.tcss"
    KEYS: ClassVar = (
        Key("f", "step('forwarded')", "complaint.bind.forward"),
        Key("a", "step('answered')", "complaint.bind.answer"),
        Key("c", "step('closed')", "complaint.bind.close"),
        Key("v", "followup", "complaint.bind.followup"),
        Key("n", "new", "complaint.bind.new"),
        Key("ctrl+r", "reload", "complaint.bind.refresh"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

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
                [(t.word(d, store.rules), d) for d in store.complaint_departments()],
                prompt=t("complaint.filter.department") + ": " + t("complaint.filter.all"),
                id="flt-department",
            )
            yield Checkbox(t("complaint.filter.overdue"), id="flt-overdue")
        yield DataTable(id="cmp-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="cmp-detail")
        yield Static("", id="cmp-count")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("complaint.title")
        table = self.query_one("#cmp-table", DataTable)
        for key in ("raised", "retailer", "category", "department", "status", "due", "text"):
            table.add_column(t(f"complaint.col.{key}"), key=key)
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
        table = self.query_one("#cmp-table", DataTable)
        if keep is None and self.rows and table.cursor_row < len(self.rows):
            keep = self.rows[table.cursor_row]["id"]
        rows = self.app.store.complaints(**self._filters())
        today = self.app.today().isoformat()
        for r in rows:
            r["overdue"] = r["status"] in ("open", "forwarded") and r["due_on"] < today
        self.rows = rows
        table.clear()
        rules = self.app.store.rules
        alarm = style(self.app, "alarm")
        for r in rows:
            shown = alarm if r["overdue"] else ""
            status = t(f"complaint.status.{r['status']}")
            if r["overdue"]:
                status += " " + t("complaint.overdue")
            table.add_row(
                r["raised_on"],
                f"{r['retailer_code']} {r['name'] or ''}",
                t.word(r["category_name"], rules),
                t.word(r["department"], rules),
                Text(status, style=shown),
                Text(r["due_on"], style=shown),
                (r["description"] or "")[:30],
                key=r["id"],
            )
        overdue = sum(r["overdue"] for r in rows)
        self.query_one("#cmp-count", Static).update(
            t("complaint.count", n=len(rows), overdue=overdue) if rows else t("complaint.none")
        )
        if keep:
            idx = next((i for i, r in enumerate(rows) if r["id"] == keep), 0)
            table.move_cursor(row=idx)
        self.show_detail()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def filter_changed(self) -> None:
        self.reload()

    @on(DataTable.RowHighlighted, "#cmp-table")
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
        try:
            self.app.store.advance_complaint(
                cid,
                status,
                on=self.app.today(),
                answer=text if status == "answered" else None,
                resolution=text if status == "closed" else None,
            )
        except ComplaintProblem as exc:
            self.notify(t.message(exc), severity="error")
            return
        c = self.app.store.get_complaint(cid)
        rules = self.app.store.rules
        self.notify(t(f"complaint.step.{status}", department=t.word(c["department"], rules)))
        self.reload(keep=cid)

    def action_followup(self) -> None:
        c = self.current
        if c is None:
            return
        try:
            out = self.app.store.propose_followup(c["id"], on=self.app.today())
        except ComplaintProblem as exc:
            self.notify(t.message(exc), severity="error")
            return
        except StoreError as exc:  # e.g. the visits' VisitProblem
            self.notify(t.message(exc), severity="error")
            return
        key = "complaint.followup.created" if out["created"] else "complaint.followup.existing"
        self.notify(t(key, day=out["day"]))

    def action_new(self) -> None:
        def done(cid: str | None) -> None:
            if cid:
                c = self.app.store.get_complaint(cid)
                department = t.word(c["department"], self.app.store.rules)
                self.notify(t("complaint.raised", department=department, due_on=c["due_on"]))
                self.reload(keep=cid)

        self.app.push_screen(RaiseComplaintScreen(), done)
