"""团队 — the market manager's view of a team database.

Four tabs: 概况 (each AM's coverage and visit completion this month, overdue complaints,
forecast accuracy, the newest plan's status; lowest coverage first; overdue complaints by AM
and department below), 待审计划 (approve ``a`` or return ``r`` with a comment), 周报 (the team's
submitted weekly reports, ``Enter`` reads one) and 信息变更 (the retailer changes AMs made,
confirm ``c`` or send back ``x`` with the reason). ``Enter`` on an AM lists their retailers, not
yet visited first; ``Enter`` there opens the profile.

A decision writes the AM's approval file at once (into ``$KHTUI_EXPORT_DIR``, else
``~/Documents/khtui``) and the notification says where, to be sent by mail or USB. Everything
is read and written in thread workers; results come back as messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from khtui.data.manager import ChangeWaiting, PlanWaiting
from khtui.screens.review import pct
from khtui.widgets.document_view import document_renderable
from khtui.widgets.footer import Footer
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.tabs import focus_shown_table
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench

TABS = ("overview", "plans", "reports", "changes")
OVERDUE_LINES = 8  # lines of "overdue by AM and department" shown under the table
TAB_ACTIONS = {"approve": "plans", "give_back": "plans", "confirm": "changes", "reject": "changes"}


def stamp(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


@dataclass
class TeamData:
    """Everything the view shows, read by one worker."""

    month: str
    figures: list
    overdue: list
    plans: list
    reports: list
    changes: list
    shared: int  # retailers on more than one AM's books


def load_team(store, day: dt.date) -> TeamData:
    from khtui.domain.months import month_key

    month = month_key(day)
    return TeamData(
        month=month,
        figures=store.team_figures(month, day),
        overdue=store.overdue_by_department(day),
        plans=store.plans_waiting(),
        reports=store.team_reports(),
        changes=store.changes_waiting(),
        shared=store.shared_count(),
    )


def field_name(field: str) -> str:
    """A retailer field's name (a column kept from an import by its own name)."""
    return t.field_name(field)


class TeamScreen(Keyed, Screen):
    """团队: the market manager's view."""

    app = getters.app(Workbench)

    CSS_PATH = "team.tcss"
    KEYS: ClassVar = (
        Key("o", "open", "mgr.key.open"),  # and Enter on a row
        Key("a", "approve", "mgr.key.approve"),
        Key("r", "give_back", "mgr.key.return"),
        Key("c", "confirm", "mgr.key.confirm"),
        Key("x", "reject", "mgr.key.reject"),
        Key("left_square_bracket", "next_tab(-1)", "mgr.key.prev_tab", show=False, display="["),
        Key("right_square_bracket", "next_tab(1)", "mgr.key.next_tab", show=False, display="]"),
        Key("ctrl+r", "reload", "mgr.key.reload", show=False),
    )

    class Loaded(Message):
        def __init__(self, gen: int, data: TeamData) -> None:
            super().__init__()
            self.gen, self.data = gen, data

    class Decided(Message):
        """A decision was written; ``notice`` says what and where its file is."""

        def __init__(self, notice: str) -> None:
            super().__init__()
            self.notice = notice

    def __init__(self) -> None:
        super().__init__()
        self.data: TeamData | None = None
        self._gen = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("mgr.loading"), id="team-summary")
        with TabbedContent(id="team-tabs", initial="tab-overview"):
            with TabPane(t("mgr.tab.overview"), id="tab-overview"):
                yield DataTable(id="team-ams", cursor_type="row", zebra_stripes=True)
                yield Static("", id="team-overdue")
            for tab in TABS[1:]:  # a table each
                with TabPane(t(f"mgr.tab.{tab}"), id=f"tab-{tab}"):
                    yield DataTable(id=f"team-{tab}", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("mgr.title")
        columns = {
            "team-ams": [
                f"team.col.{c}"
                for c in (
                    "am",
                    "active",
                    "visited",
                    "coverage",
                    "due",
                    "done",
                    "completion",
                    "overdue",
                    "forecast",
                    "plan",
                    "merged",
                )
            ],
            "team-plans": [
                "team.col.am",
                "mgr.col.month",
                "mgr.col.submitted",
                "mgr.col.visits",
                "mgr.col.retailers",
                "mgr.col.covered",
                "mgr.col.days",
                "mgr.col.reasons",
            ],
            "team-reports": ["team.col.am", "mgr.col.week", "mgr.col.version", "mgr.col.submitted"],
            "team-changes": [
                "team.col.am",
                "mgr.col.retailer",
                "mgr.col.field",
                "mgr.col.change",
                "mgr.col.changed_at",
            ],
        }
        for table_id, keys in columns.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for key in keys:
                table.add_column(t(key), key=key)

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.reload)

    # -- reading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self._gen += 1
        self._load(self._gen, self.app.today())

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="team-load", exit_on_error=False)
    def _load(self, gen: int, day: dt.date) -> None:
        self.post_message(self.Loaded(gen, load_team(self.app.store, day)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group.startswith("team") and event.state == WorkerState.ERROR:
            error = event.worker.error
            from khtui.data.manager import DecisionProblem

            if isinstance(error, DecisionProblem):
                text = t(f"team.err.{error.key}", **error.params)
            else:
                text = str(error)
            self.notify(text, severity="error", timeout=10)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.gen != self._gen:
            return
        self.data = d = message.data
        active = sum(f.active for f in d.figures)
        visited = sum(f.visited for f in d.figures)
        self.query_one("#team-summary", Static).update(
            t(
                "mgr.summary",
                month=d.month,
                ams=len(d.figures),
                visited=visited,
                active=active,
                pct=pct(visited / active if active else None, t),
                plans=len(d.plans),
                changes=len(d.changes),
                overdue=sum(f.overdue for f in d.figures),
            )
            + (t("mgr.summary.shared", n=d.shared) if d.shared else "")
        )
        self._fill_ams()
        self._fill_plans()
        self._fill_reports()
        self._fill_changes()
        self._focus_tab()

    def _refill(self, table_id: str, rows: list[tuple[str, list[Any]]], empty: str) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if not rows:
            table.add_row(Text(t(empty), style="dim"), *[""] * (len(table.columns) - 1))
        elif 0 < row < len(rows):
            table.move_cursor(row=row)

    def _fill_ams(self) -> None:
        assert self.data is not None
        rows = []
        for f in self.data.figures:
            plan = f"{f.plan_month} {t(f'plan.status.{f.plan_status}')}" if f.plan_month else "-"
            short = (f.coverage or 0) < 1
            cov = Text(pct(f.coverage, t), style=style(self.app, "late" if short else "good"))
            overdue = Text(str(f.overdue), style=style(self.app, "alarm") if f.overdue else "")
            rows.append(
                (
                    f.am_id,
                    [
                        f.label,
                        str(f.active),
                        str(f.visited),
                        cov,
                        str(f.due),
                        str(f.done),
                        pct(f.completion, t),
                        overdue,
                        pct(f.forecast_accuracy, t),
                        plan,
                        stamp(f.merged_at),
                    ],
                )
            )
        self._refill("team-ams", rows, "mgr.plans.none")
        lines = [t("mgr.overdue.title")]
        lines += [
            t(
                "mgr.overdue.line",
                am=o.label,
                department=t.word(o.department, self.app.store.rules),
                n=o.overdue,
            )
            for o in self.data.overdue[:OVERDUE_LINES]
        ] or [t("mgr.overdue.none")]
        self.query_one("#team-overdue", Static).update("\n".join(lines))

    def _fill_plans(self) -> None:
        assert self.data is not None
        rows = []
        for p in self.data.plans:
            reasons = t.join(f"{t.reason(k)}{n}" for k, n in list(p.reasons.items())[:3])
            rows.append(
                (
                    p.plan_id,
                    [
                        p.label,
                        p.month,
                        stamp(p.submitted_at),
                        str(p.visits),
                        str(p.retailers),
                        f"{p.covered}/{p.active}",
                        str(p.days),
                        reasons,
                    ],
                )
            )
        self._refill("team-plans", rows, "mgr.plans.none")

    def _fill_reports(self) -> None:
        assert self.data is not None
        rows = [
            (r.report_id, [r.label, r.week, str(r.version), stamp(r.submitted_at)])
            for r in self.data.reports
        ]
        self._refill("team-reports", rows, "mgr.reports.none")

    def _fill_changes(self) -> None:
        assert self.data is not None
        rows = []
        for c in self.data.changes:
            new = t.status(c.new) if c.field == "status" else (c.new or "-")
            old = t.status(c.old) if c.field == "status" else (c.old or "-")
            rows.append(
                (
                    c.change_id,
                    [
                        c.label,
                        f"{c.retailer_code} {c.retailer_name or ''}".strip(),
                        field_name(c.field),
                        f"{old} → {new}",
                        stamp(c.changed_at),
                    ],
                )
            )
        self._refill("team-changes", rows, "mgr.changes.none")

    # -- tabs ---------------------------------------------------------------------------------
    def active_tab(self) -> str:
        active = self.query_one("#team-tabs", TabbedContent).active or "tab-overview"
        return active.removeprefix("tab-")

    def action_tab(self, tab: str) -> None:
        self.query_one("#team-tabs", TabbedContent).active = f"tab-{tab}"
        self._focus_tab()

    def action_next_tab(self, step: int) -> None:
        """``[`` / ``]``: the previous / next tab (the digits stay the section keys)."""
        now = TABS.index(self.active_tab())
        self.action_tab(TABS[(now + step) % len(TABS)])

    @on(TabbedContent.TabActivated, "#team-tabs")
    def _tab_activated(self) -> None:
        self._focus_tab()
        self.refresh_bindings()

    def _focus_tab(self) -> None:
        focus_shown_table(self.query_one("#team-tabs", TabbedContent))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = TAB_ACTIONS.get(action)
        if action == "open" and self.is_mounted:
            return self.active_tab() in ("overview", "reports")
        # not this tab's key: hidden from the footer
        return tab is None or not self.is_mounted or self.active_tab() == tab

    def _current(self, table_id: str, items: list, key: str) -> Any | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not items or not 0 <= table.cursor_row < len(items):
            return None
        wanted = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((x for x in items if getattr(x, key) == wanted), None)

    # -- actions ------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.data is None:
            return
        tab = self.active_tab()
        if tab == "overview":
            f = self._current("team-ams", self.data.figures, "am_id")
            if f is not None:
                self.app.push_screen(AmRetailersScreen(f.am_id, f.label, self.data.month))
        elif tab == "reports":
            r = self._current("team-reports", self.data.reports, "report_id")
            if r is not None:
                self.app.push_screen(TeamReportScreen(r.report_id))

    def _current_plan(self) -> PlanWaiting | None:
        return self._current("team-plans", self.data.plans if self.data else [], "plan_id")

    def _current_change(self) -> ChangeWaiting | None:
        return self._current("team-changes", self.data.changes if self.data else [], "change_id")

    def _ask_comment(self, screen: CommentScreen, then: Callable[[str], object]) -> None:
        """Show ``screen``; ``then(comment)`` unless it is cancelled (Esc). A required comment
        is never blank."""

        def done(comment: str | None) -> None:
            if comment is not None:
                then(comment)

        self.app.push_screen(screen, done)

    def action_approve(self) -> None:
        plan = self._current_plan()
        if plan is not None:
            self._ask_comment(
                CommentScreen(
                    t("mgr.comment.approve", am=plan.label, month=plan.month),
                    value=t("mgr.comment.agree"),
                    required=False,
                ),
                lambda comment: self._decide(plan, "approved", comment),
            )

    def action_give_back(self) -> None:
        plan = self._current_plan()
        if plan is not None:
            self._ask_comment(
                CommentScreen(t("mgr.comment.return", am=plan.label, month=plan.month)),
                lambda comment: self._decide(plan, "returned", comment),
            )

    def action_confirm(self) -> None:
        c = self._current_change()
        if c is not None:
            self._decide(c, "confirmed", "")

    def action_reject(self) -> None:
        c = self._current_change()
        if c is not None:
            self._ask_comment(
                CommentScreen(
                    t(
                        "mgr.comment.reject",
                        am=c.label,
                        code=c.retailer_code,
                        field=field_name(c.field),
                    )
                ),
                lambda reason: self._decide(c, "rejected", reason),
            )

    @work(thread=True, group="team-decide", exit_on_error=False)
    def _decide(self, row: PlanWaiting | ChangeWaiting, decision: str, comment: str) -> None:
        """Record ``decision`` on a waiting plan or change (``comment``: the comment on a plan,
        the reason for a change), write that AM's approvals file and say so."""
        from khtui.screens.report import default_export_dir

        store = self.app.store
        if isinstance(row, PlanWaiting):
            am_id = store.decide_plan(row.plan_id, decision, comment)
            said, what = "mgr.decided.plan", {"month": row.month}
        else:
            am_id = store.decide_change(row.change_id, decision, comment)
            said, what = "mgr.decided.change", {"code": row.retailer_code}
        path = store.write_approvals(am_id, default_export_dir())
        decided = t(f"mgr.decision.{decision}")
        self.post_message(self.Decided(t(said, am=row.label, decision=decided, path=path, **what)))

    @on(Decided)
    def _decided(self, message: Decided) -> None:
        self.notify(message.notice, timeout=12)
        self.reload()


class CommentScreen(Keyed, ModalScreen[str | None]):
    """The comment of a decision: Enter sends it, Esc cancels (nothing is decided). A returned
    plan or a change sent back needs one; an approval may go without."""

    CSS_PATH = "team.tcss"
    KEYS: ClassVar = (Key("escape", "cancel", "profile.key.cancel"),)

    def __init__(self, title: str, *, value: str = "", required: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="team-modal"):
            yield Label(self.title_text, classes="modal-title")
            yield Input(
                value=self.value, placeholder=t("mgr.comment.placeholder"), id="team-comment"
            )
            yield Static("", id="team-comment-error")

    @on(Input.Submitted, "#team-comment")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text and self.required:
            self.query_one("#team-comment-error", Static).update(t("mgr.comment.needed"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AmRetailersScreen(Keyed, Screen):
    """One AM's retailers: active ones not visited this month first; Enter opens a profile."""

    app = getters.app(Workbench)

    CSS_PATH = "team.tcss"
    KEYS: ClassVar = (Key("escape", "back", "profile.key.back"), Key("o", "open", "mgr.key.open"))

    class Loaded(Message):
        def __init__(self, rows: list) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, am_id: str, label: str, month: str) -> None:
        super().__init__()
        self.am_id, self.label, self.month = am_id, label, month
        self.rows: list = []
        self.pager = Pager(self._add_rows)  # an AM's retailers: a page at a time

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("mgr.loading"), id="team-am-title")
        yield DataTable(
            id="team-am-retailers", cursor_type="row", zebra_stripes=True, pager=self.pager
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.label
        table = self.query_one(DataTable)
        for key in ("code", "name", "route", "status", "tier", "visited", "last"):
            table.add_column(t(f"mgr.col.{key}"), key=key)
        self._load(self.app.today())

    @work(thread=True, group="team-am")
    def _load(self, day: dt.date) -> None:
        self.post_message(self.Loaded(self.app.store.owned_retailers(self.am_id, self.month, day)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        from khtui.domain.retailer import ACTIVE

        self.rows = message.rows
        active = [r for r in self.rows if r.status == ACTIVE]
        self.query_one("#team-am-title", Static).update(
            t(
                "mgr.retailers.title",
                am=self.label,
                active=len(active),
                visited=sum(r.visited for r in active),
            )
        )
        table = self.query_one(DataTable)
        table.clear()
        self.pager.reset(len(self.rows))
        table.focus()

    def _add_rows(self, start: int, stop: int) -> None:
        from khtui.domain.retailer import ACTIVE

        table = self.query_one(DataTable)
        for r in self.rows[start:stop]:
            visited = (
                Text(t("mgr.visited.yes"), style=style(self.app, "good"))
                if r.visited
                else Text(
                    t("mgr.visited.no"),
                    style=style(self.app, "late")
                    if r.status == ACTIVE
                    else style(self.app, "muted"),
                )
            )
            table.add_row(
                r.code,
                r.name,
                r.route or "-",
                t.status(r.status),
                str(r.tier or "-"),
                visited,
                r.last_visit or "-",
                key=r.code,
            )

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.pager.follow(event.cursor_row)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.app.open_profile(self.rows[table.cursor_row].code)

    def action_back(self) -> None:
        self.app.pop_screen()


class TeamReportScreen(Keyed, Screen):
    """One AM's submitted weekly report, read on screen (as the Word document says it)."""

    app = getters.app(Workbench)

    CSS_PATH = "team.tcss"
    KEYS: ClassVar = (Key("escape", "back", "profile.key.back"),)

    class Loaded(Message):
        def __init__(self, report: dict, doc) -> None:
            super().__init__()
            self.report, self.doc = report, doc

    def __init__(self, report_id: str) -> None:
        super().__init__()
        self.report_id = report_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("mgr.loading"), id="team-report-title")
        with VerticalScroll(id="team-report-body"):
            yield Static("", id="team-report")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, group="team-report")
    def _load(self) -> None:
        from khtui.data.documents import weekly_document

        store = self.app.store
        report = store.team_report(self.report_id)
        t = self.app.t  # a worker: the app's own translator
        doc = weekly_document(store, report["week"], t, report, am_name=report["am_name"])
        self.post_message(self.Loaded(report, doc))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        r = message.report
        self.sub_title = f"{r['label']} {r['week']}"
        self.query_one("#team-report-title", Static).update(
            t(
                "mgr.report.title",
                am=r["label"],
                week=r["week"],
                version=r["version"],
                at=stamp(r["submitted_at"]),
            )
        )
        self.query_one("#team-report", Static).update(document_renderable(message.doc))
        self.query_one("#team-report-body", VerticalScroll).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
