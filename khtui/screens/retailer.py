"""客户 — retailer lookup (:class:`RetailerScreen`) and the retailer profile (:class:`ProfileScreen`).

The lookup asks the store for one page of ranked results per keystroke in a thread worker and
fetches the next page when the cursor nears the end: the list is never loaded whole. The
profile shows the five groups of fields, the derived tier/category/level/value with their
calculations a key away, monthly sales, the visit, capture, complaint and change histories, and
lets the AM edit dynamic fields (validated; every change recorded by the store).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Header, OptionList, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from khtui.data.base import StoreError
from khtui.domain.capture import KINDS
from khtui.domain.months import add_months, month_key
from khtui.domain.retailer import (
    ACTIVE,
    FIELD_BY_NAME,
    FIELDS,
    GROUPS,
    STATUSES,
    FieldError,
)
from khtui.i18n.capture import capture_summary
from khtui.widgets.cells import AM_CELLS, clip
from khtui.widgets.confirm import ConfirmScreen
from khtui.widgets.footer import Footer
from khtui.widgets.jobs import JobQueue
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.resume import StyledOnMount
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.tabs import focus_shown_table
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style
from khtui.widgets.workbench import Workbench, WorkbenchScreen

PAGE = 50  # rows fetched per page of lookup results
NARROW = 110  # below this many columns the profile's top brands go under the sales chart
NAME_WIDTH = 20  # terminal cells of a shop name shown in the lookup list (10 CJK characters)
TOP_BRAND_CELLS = 16  # a brand's name beside the sales chart (8 CJK characters)
SUMMARY_CELLS = 80  # a capture's summary in the profile's captures tab
# seconds a profile waits for its data before its first frame (read in a few milliseconds, so
# the first frame shows them); a slower read shows the frame first and the data when they come
FIRST_FRAME_WAIT = 0.2
WHY_RULES = ("tier", "category", "level", "value")
KIND_BY_KEY = {k.key: k for k in KINDS}


def source_text(source: str) -> str:
    """'manual' -> 手工, 'import:file.csv' -> 导入 file.csv; unknown sources as they are."""
    kind, _, rest = source.partition(":")
    label = t.label(f"profile.source.{kind}", "")
    return f"{label} {rest}".strip() if label else source


def review_text(review: dict | None) -> str:
    """The market manager's decision on a change, after its source (' · 已退回：原因')."""
    if not review:
        return ""
    return " · " + t(f"review.change.{review['decision']}", reason=review.get("comment") or "")


def match_text(match: str | None) -> str:
    """What matched a lookup query ('initials' -> 拼音首字母), in the UI language."""
    if not match:
        return ""
    return t.label(f"search.match.{match}", match)


def _say_none(table: DataTable, rows: list, key: str) -> None:
    """A table with no rows says so in its first row (``key``), not with its heads alone."""
    if not rows:
        table.add_row(Text(t(key), style="dim"), *([""] * (len(table.columns) - 1)))


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def short_amount(value: float) -> str:
    """An amount of money for a chart's axis: 10.1万 (101k in English)."""
    return t("profile.chart.amount_short", n=value / float(t("profile.chart.amount_unit")))


def _status_text(status: str | None, warn: str) -> Text:
    """A retailer's status; any but 正常 in the ``warn`` style."""
    status = status or ACTIVE
    return Text(t.status(status), style="" if status == ACTIVE else warn)


def _overdue_text(n: int, late: str) -> Text:
    return Text(t("profile.overdue_n", n=n), style=late) if n else Text("")


# ==========================================================================================
# Lookup
# ==========================================================================================
class RetailerScreen(Keyed, Screen):
    """客户查询: one input, ranked results as you type, Enter opens the profile.

    Typing is the first thing done here, so the screen opens in its box; ``Esc`` clears it and
    leaves it for the list (where digits switch sections again), ``/`` goes back to typing.
    """

    app = getters.app(Workbench)

    CSS_PATH = "retailer.tcss"
    KEYS: ClassVar = (
        Key("escape", "clear", "lookup.key.clear"),
        Key("down", "focus_results", "lookup.key.results"),
        Key("slash", "focus_input", "lookup.key.input", display="/"),
    )

    class Results(Message):
        """One page of lookup results, posted by the worker."""

        def __init__(
            self,
            query: str,
            offset: int,
            rows: list[dict],
            total: int | None,
            overdue: dict[str, int],
            capped: bool = False,
            ams: dict[str, str] | None = None,
        ) -> None:
            super().__init__()
            self.ams = ams or {}  # a team database's: each retailer's AM
            self.query = query
            self.offset = offset
            self.rows = rows
            self.total = total
            self.overdue = overdue
            self.capped = capped  # ``total`` is the lookup's cap: that many or more

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.initial_code = code
        self.current_query = ""
        self.total = 0
        self.capped = False
        self.loaded = 0
        self.loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=t("lookup.placeholder"), id="lookup-input")
        yield Static("", id="lookup-status")
        yield DataTable(id="lookup-results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("lookup.title")
        table = self.query_one("#lookup-results", DataTable)
        for key in ("code", "name", "tier", "route", "phone", "status", "overdue", "match"):
            table.add_column(t(f"lookup.col.{key}"), key=key)
            if key == "name" and not self.app.MAKES_RECORDS:  # a team database: whose it is
                table.add_column(t("team.col.am"), key="am", width=AM_CELLS)
        # after the first layout: before it the input counts as hidden and Textual would
        # move its focus on to the list
        self.call_after_refresh(self.query_one("#lookup-input", Input).focus)
        self.start_lookup("")
        if self.initial_code:
            self.app.push_screen(ProfileScreen(self.initial_code))

    # -- fetching ---------------------------------------------------------------------------
    def start_lookup(self, query: str) -> None:
        self.current_query = query
        self.loading = True
        self.fetch_page(query, 0)

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def fetch_page(self, query: str, offset: int) -> None:
        store = self.app.store
        total = None
        capped = False
        if query:
            page = store.lookup_retailers(query, limit=PAGE, offset=offset)
            rows, total, capped = page.rows, page.total, page.capped
        else:
            rows = store.list_retailers(limit=PAGE, offset=offset)
            if offset == 0:
                total = store.count_retailers(status=None)
        overdue = store.overdue_complaint_counts((r["code"] for r in rows), self.app.today())
        ams = None if self.app.MAKES_RECORDS else store.retailer_ams([r["code"] for r in rows])
        self.post_message(self.Results(query, offset, rows, total, overdue, capped, ams))

    def on_retailer_screen_results(self, message: Results) -> None:
        if message.query != self.current_query:
            return  # an answer to a query the user has already typed past
        table = self.query_one("#lookup-results", DataTable)
        if message.offset == 0:
            table.clear()
            self.loaded = 0
            self.total, self.capped = message.total or 0, message.capped
        elif message.offset != self.loaded:
            return
        elif message.total is not None and self.capped:
            # a later page past the retailers that start with the query: counted in full
            self.total, self.capped = message.total, message.capped
        warn, late = style(self.app, "warn"), style(self.app, "late")
        for r in message.rows:
            am = [] if self.app.MAKES_RECORDS else [clip(message.ams.get(r["code"]), AM_CELLS)]
            table.add_row(
                r["code"],
                clip(r.get("name"), NAME_WIDTH),
                *am,
                _cell(r.get("tier")),
                _cell(r.get("route")),
                _cell(r.get("phone")),
                _status_text(r.get("status"), warn),
                _overdue_text(message.overdue.get(r["code"], 0), late),
                match_text(r.get("match")),
                key=r["code"],
            )
        self.loaded += len(message.rows)
        self.loading = False
        status = self.query_one("#lookup-status", Static)
        if self.total == 0:
            status.update(t("lookup.none", query=self.current_query))
        elif self.capped:
            status.update(t("lookup.count_capped", total=self.total, shown=self.loaded))
        else:
            status.update(t("lookup.count", total=self.total, shown=self.loaded))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "lookup" and event.state == WorkerState.ERROR:
            self.loading = False
            self.notify(
                t("lookup.error", error=str(event.worker.error)), severity="error", timeout=8
            )

    # -- events -----------------------------------------------------------------------------
    @on(Input.Changed, "#lookup-input")
    def query_changed(self, event: Input.Changed) -> None:
        self.start_lookup(event.value.strip())

    @on(Input.Submitted, "#lookup-input")
    def query_submitted(self) -> None:
        table = self.query_one("#lookup-results", DataTable)
        if table.row_count:
            self.open_row(table.cursor_row)

    @on(DataTable.RowSelected, "#lookup-results")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ProfileScreen(event.row_key.value or ""))

    @on(DataTable.RowHighlighted, "#lookup-results")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= self.loaded - 1 - PAGE // 10
        more = self.loaded < self.total or self.capped
        if near_end and not self.loading and more:
            self.loading = True
            self.fetch_page(self.current_query, self.loaded)

    def open_row(self, row: int) -> None:
        table = self.query_one("#lookup-results", DataTable)
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key
        self.app.push_screen(ProfileScreen(key.value or ""))

    def action_clear(self) -> None:
        self.query_one("#lookup-input", Input).value = ""
        self.action_focus_results()

    def action_focus_results(self) -> None:
        self.query_one("#lookup-results", DataTable).focus()

    def action_focus_input(self) -> None:
        self.query_one("#lookup-input", Input).focus()


# ==========================================================================================
# Profile
# ==========================================================================================
def load_profile(store, code: str, today: dt.date) -> dict[str, Any]:
    """Everything the profile shows, read in one go (runs in a worker thread)."""
    retailer = store.require_retailer(code)
    rules = store.rules
    this_month = month_key(today)
    n = rules.profile.chart_months
    months = [add_months(this_month, -i) for i in range(n - 1, -1, -1)]
    sales = store.monthly_sales(code)
    since = add_months(this_month, 1 - rules.profile.top_brands_months)
    return {
        "retailer": retailer,
        "derived": store.derive_retailer(code, today),
        "months": months,
        "qty": [float(sales[m].tiao) if m in sales else 0.0 for m in months],
        "amount": [float(sales[m].amount) if m in sales else 0.0 for m in months],
        "top_brands": store.top_brands(code, since, rules.profile.top_brands),
        "top_since": since,
        "visits": store.visit_history(code),
        "captures": store.captures(retailer=code, include_drafts=True),
        "complaints": store.complaints(retailer=code, on=today),
        "changes": store.retailer_changes(code),
        "reviews": store.change_reviews(code),  # the market manager's decisions on them
        "brand_names": {b["brand_code"]: b["name"] for b in store.brands()},
        "future_visits": store.count_future_visits(code),
    }


# the key of each derived value's "why" (the profile and the why screen): tier first
WHY_KEYS = (("t", "tier"), ("g", "category"), ("l", "level"), ("v", "value"))


class ProfileScreen(Keyed, StyledOnMount, WorkbenchScreen):
    """客户档案: one retailer's record, figures and histories (tabs: ``[`` / ``]``)."""

    app = getters.app(Workbench)

    CSS_PATH = "retailer.tcss"
    # keys go to the shown tab's list: focused as the screen opens (not the tab bar first)
    AUTO_FOCUS = "#profile-fields"
    KEYS: ClassVar = (
        Key("escape", "back", "profile.key.back"),
        Key("e", "edit", "profile.key.edit"),
        Key("s", "status", "profile.key.status"),
        Key("t", "why('tier')", "profile.key.why"),  # the footer names the first only
        *(Key(k, f"why('{name}')", f"profile.key.{name}", show=False) for k, name in WHY_KEYS[1:]),
        Key("c", "capture", "profile.key.capture"),
        Key("r", "complaint", "profile.key.complaint"),
        Key("a", "adhoc", "profile.key.adhoc"),
        Key(
            "left_square_bracket",
            "next_tab(-1)",
            "profile.key.prev_tab",
            display="[",
            group="profile.key.tabs",
        ),
        Key(
            "right_square_bracket",
            "next_tab(1)",
            "profile.key.next_tab",
            display="]",
            group="profile.key.tabs",
        ),
    )

    class Loaded(Message):
        def __init__(self, data: dict[str, Any]) -> None:
            super().__init__()
            self.data = data

    TABS = ("info", "sales", "visits", "captures", "complaints", "changes", "forecast")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.data: dict[str, Any] | None = None  # the profile as last read (load_profile)
        self.tabs_built: Worker[None] | None = None  # the worker that made the other tabs

    @property
    def profile(self) -> dict[str, Any]:
        """The profile as last read; what shows it runs only once it has been read."""
        assert self.data is not None
        return self.data

    def compose(self) -> ComposeResult:
        # The first tab's content only: the others are filled in once the profile has been
        # shown (see build_tabs), so opening a profile lays out one table, not seven tabs.
        yield Header()
        yield Static(t("profile.loading"), id="profile-head")
        with TabbedContent(id="profile-tabs", initial="tab-info"):
            with TabPane(t("profile.tab.info"), id="tab-info"):
                yield DataTable(id="profile-fields", cursor_type="row", zebra_stripes=True)
            for tab in self.TABS[1:]:
                yield TabPane(t(f"profile.tab.{tab}"), id=f"tab-{tab}")
        yield Footer()

    def tab_content(self, tab: str) -> list[Widget]:
        """What the tab ``tab`` (one of TABS but the first) holds."""
        from khtui.widgets.forecast_panel import ForecastPanel
        from khtui.widgets.sales_chart import SalesChart

        if tab == "sales":
            chart = Vertical(
                Static(self.legend(), id="sales-legend"),
                SalesChart(id="sales-chart", amount_format=short_amount),
                id="sales-chart-box",
            )
            brands = Vertical(
                Label("", id="top-brands-title"),
                DataTable(id="top-brands", cursor_type="row"),
                id="top-brands-box",
            )
            return [Horizontal(chart, brands, id="sales-row")]
        if tab == "forecast":
            return [ForecastPanel(self.code, id="profile-forecast")]
        return [DataTable(id=f"profile-{tab}", cursor_type="row", zebra_stripes=True)]

    def legend(self) -> Text:
        from khtui.widgets.sales_chart import AMOUNT_MARK, BAR

        legend = Text(" ")
        legend.append(f"{BAR} ", style=style(self.app, "series1"))
        legend.append(t("profile.chart.qty"))
        legend.append(f"   {AMOUNT_MARK} ", style=style(self.app, "series2"))
        legend.append(t("profile.chart.amount"))
        return legend

    # the columns of each table, by its id (catalogue keys profile.col.*)
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "profile-fields": ("field", "value", "kind"),
        "top-brands": ("brand", "qty", "amount"),
        "profile-visits": ("date", "vstatus", "reasons", "checked_in", "done", "note"),
        "profile-captures": ("date", "kind", "draft", "summary"),
        "profile-complaints": ("raised", "category", "department", "cstatus", "due", "text"),
        "profile-changes": ("when", "field", "old_new", "by", "source"),
    }

    async def on_mount(self) -> None:
        self.sub_title = t("profile.title")
        self.add_columns(self)
        # The data are read in a thread while the screen waits (the event loop does not) up
        # to FIRST_FRAME_WAIT before it is first laid out: the first frame shows them, where
        # a frame "loading", then one with the data, then one with the fields' column widths
        # were drawn before. Loaded still comes after; it finds them shown.
        worker = self.load(self.app.today())
        waiting = asyncio.ensure_future(worker.wait())
        # a failure is told by on_worker_state_changed, not by this wait
        waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
        done, _ = await asyncio.wait([waiting], timeout=FIRST_FRAME_WAIT)
        if done and worker.state == WorkerState.SUCCESS and worker.result is not None:
            self.show_profile(worker.result)

    def add_columns(self, within: Widget) -> None:
        """The columns of the tables in ``within`` (headed in the UI language)."""
        for table in within.query(DataTable):
            for key in self.COLUMNS.get(table.id or "", ()):
                table.add_column(t(f"profile.col.{key}"), key=key)

    # -- the tabs after the first -----------------------------------------------------------
    def build_tabs(self) -> Worker[None]:
        """Fill in the tabs after the first (once; the worker that does it): started when the
        profile has been shown, or at once when another tab is chosen before that."""
        if self.tabs_built is None:
            self.tabs_built = self.run_worker(self.mount_tabs(), group="profile-tabs")
        return self.tabs_built

    async def mount_tabs(self) -> None:
        tabs = self.query_one("#profile-tabs", TabbedContent)
        for tab in self.TABS[1:]:
            pane = tabs.get_pane(f"tab-{tab}")
            await pane.mount_all(self.tab_content(tab))
            self.add_columns(pane)
        self.on_resize()
        if self.data is not None:
            self.show_tabs()
        if tabs.active != "tab-info":  # chosen while they were being made
            self.focus_tab()

    def on_resize(self) -> None:
        """Below NARROW columns the top brands go under the chart, which gets the width."""
        for row in self.query("#sales-row"):  # once the tabs after the first are made
            row.set_class(self.app.size.width < NARROW, "-narrow")

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self.load(self.app.today())

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False)
    def load(self, today: dt.date) -> dict[str, Any]:
        data = load_profile(self.app.store, self.code, today)
        self.post_message(self.Loaded(data))
        return data

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "profile" and event.state == WorkerState.ERROR:
            self.notify(
                t("profile.error", error=str(event.worker.error)), severity="error", timeout=8
            )

    def on_profile_screen_loaded(self, message: Loaded) -> None:
        if message.data is not self.data:  # not already shown as the screen opened
            self.show_profile(message.data)

    def show_profile(self, data: dict[str, Any]) -> None:
        """Show the profile as read (load_profile)."""
        self.data = data
        self.sub_title = t("profile.title.named", name=self.profile["retailer"]["name"])
        self.show_head()
        self.show_fields()
        if self.tabs_built is None:
            # the other tabs once this has been painted (the first frame waits for no more)
            self.call_after_refresh(self.build_tabs)
        elif self.tabs_built.is_finished:
            self.show_tabs()
        if self.focused is None:
            self.focus_tab()

    def show_tabs(self) -> None:
        """The tabs after the first (once they are made)."""
        self.show_sales()
        self.show_visits()
        self.show_captures()
        self.show_complaints()
        self.show_changes()

    # -- showing ----------------------------------------------------------------------------
    def overdue(self) -> list[dict]:
        return [c for c in self.profile["complaints"] if c["overdue"]]

    def show_head(self) -> None:
        r, d = self.profile["retailer"], self.profile["derived"]
        cat = d.category.category
        head = Text()
        head.append(f"{r['code']}  ", style="bold")
        head.append(f"{r['name']}  ", style="bold")
        head.append_text(_status_text(r["status"], style(self.app, "warn")))
        head.append(f"  {_cell(r.get('route'))}#{_cell(r.get('route_seq'))}")
        head.append(f"  {_cell(r.get('phone'))}")
        n = len(self.overdue())
        if n:
            head.append("  ")
            head.append(t("profile.head.overdue", n=n), style=style(self.app, "alarm"))
        head.append("\n")
        head.append(
            t("profile.head.tier", tier=d.tier.tier, jian=f"{round(d.tier.monthly_avg_jian, 2):g}")
        )
        head.append("  ")
        category = t.word(cat.name, self.app.store.rules) if cat else "-"
        head.append(t("profile.head.category", category=category))
        head.append("  ")
        head.append(t("profile.head.level", level=d.level.level))
        head.append("  ")
        head.append(
            t("profile.head.value", value=t.value_class(d.value.value), score=f"{d.value.score:g}")
        )
        self.query_one("#profile-head", Static).update(head)

    def show_fields(self) -> None:
        table = self.query_one("#profile-fields", DataTable)
        row = table.cursor_row
        table.clear()
        r = self.profile["retailer"]
        editable, fixed = style(self.app, "good"), style(self.app, "muted")
        rules = self.app.store.rules
        for group in GROUPS:
            table.add_row(
                Text(t("profile.group", name=t.group_name(group)), style="bold"),
                "",
                "",
                key=f"group:{group}",
            )
            for f in FIELDS:
                if f.group != group:
                    continue
                value = t.field(f.name, r.get(f.name), rules)
                kind = Text(
                    t(f"profile.kind.{f.kind}"), style=editable if f.kind == "dynamic" else fixed
                )
                table.add_row(f"  {t.field_name(f.name)}", _cell(value), kind, key=f.name)
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))

    def show_sales(self) -> None:
        from khtui.widgets.sales_chart import SalesChart

        d = self.profile
        self.query_one("#sales-chart", SalesChart).set_data(d["months"], d["qty"], d["amount"])
        self.query_one("#top-brands-title", Label).update(
            t("profile.top_brands", since=d["top_since"])
        )
        table = self.query_one("#top-brands", DataTable)
        table.clear()
        for b in d["top_brands"]:
            table.add_row(
                clip(b["name"], TOP_BRAND_CELLS),
                Text(f"{b['qty_tiao']:g}", justify="right"),
                Text(f"{b['amount']:,.0f}", justify="right"),
            )

    def show_visits(self) -> None:
        table = self.query_one("#profile-visits", DataTable)
        table.clear()
        _say_none(table, self.profile["visits"], "profile.none.visits")
        for v in self.profile["visits"]:
            note = v.get("skip_reason") or ""
            table.add_row(
                _cell(v.get("planned_date") or v.get("date")),
                t(f"plan.vstatus.{v['status']}"),
                t.reasons(v.get("reasons") or ()),
                _cell((v.get("checked_in_at") or "")[11:16]),
                _cell((v.get("done_at") or "")[11:16]),
                _cell(note),
            )

    def show_captures(self) -> None:
        table = self.query_one("#profile-captures", DataTable)
        table.clear()
        _say_none(table, self.profile["captures"], "profile.none.captures")
        for c in self.profile["captures"]:
            kind = KIND_BY_KEY.get(c["kind"])
            summary = capture_summary(t, c, kind, self.profile["brand_names"])
            table.add_row(
                _cell(c["captured_on"]),
                t.label(f"capture.kind.{c['kind']}", c["kind"]),
                t("profile.draft") if c.get("is_draft") else "",
                clip(summary, SUMMARY_CELLS) or "-",
            )

    def show_complaints(self) -> None:
        table = self.query_one("#profile-complaints", DataTable)
        table.clear()
        rules = self.app.store.rules
        routes = rules.complaint_routes
        late = {c["id"] for c in self.overdue()}
        late_style = style(self.app, "late")
        _say_none(table, self.profile["complaints"], "profile.none.complaints")
        for c in self.profile["complaints"]:
            route = routes.get(c["category"])
            shown = late_style if c["id"] in late else ""
            status = t(f"complaint.status.{c['status']}")
            if c["id"] in late:
                status += t("profile.overdue_mark")
            table.add_row(
                _cell(c["raised_on"]),
                t.named(route) if route else c["category"],
                _cell(t.word(c.get("department"), rules)),
                Text(status, style=shown),
                Text(_cell(c["due_on"]), style=shown),
                clip(c.get("description"), 40),
            )

    def show_changes(self) -> None:
        table = self.query_one("#profile-changes", DataTable)
        table.clear()
        _say_none(table, self.profile["changes"], "profile.none.changes")
        for ch in self.profile["changes"]:
            name = ch["field"]
            label = t.field_name(name)
            table.add_row(
                ch["changed_at"].replace("T", " ")[:16],
                label,
                f"{_cell(ch['old'])} → {_cell(ch['new'])}",
                ch["changed_by"],
                source_text(ch["source"])
                + review_text(self.profile.get("reviews", {}).get(ch["id"])),
            )

    # -- actions ----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        self.query_one("#profile-tabs", TabbedContent).active = f"tab-{tab}"
        self.focus_tab()

    def action_next_tab(self, step: int) -> None:
        """The tab ``step`` places to the right (negative: left), round the end."""
        tabs = self.query_one("#profile-tabs", TabbedContent)
        now = self.TABS.index((tabs.active or "tab-info").removeprefix("tab-"))
        self.action_tab(self.TABS[(now + step) % len(self.TABS)])

    @on(TabbedContent.TabActivated, "#profile-tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        made = self.tabs_built is not None and self.tabs_built.is_finished
        if event.pane.id != "tab-info" and not made:
            self.build_tabs()  # focuses the tab's list once made
            return
        self.focus_tab()

    def focus_tab(self) -> None:
        """Keys go to the list of the tab shown (not to the tab bar)."""
        focus_shown_table(self.query_one("#profile-tabs", TabbedContent))

    def action_why(self, rule: str) -> None:
        if self.data is not None:
            self.app.push_screen(WhyScreen(self.profile["derived"], rule))

    # the keys that make an AM's own records: not offered on a team database
    OWN_RECORDS: ClassVar[frozenset[str]] = frozenset(
        {"edit", "status", "capture", "complaint", "adhoc"}
    )

    def action_edit(self) -> None:
        if self.data is None:
            return
        tabs = self.query_one("#profile-tabs", TabbedContent)
        table = self.query_one("#profile-fields", DataTable)
        if tabs.active != "tab-info" or not table.row_count:
            tabs.active = "tab-info"
            table.focus()
            self.notify(t("profile.pick_field"))
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if key is None or key not in FIELD_BY_NAME:
            table.focus()
            self.notify(t("profile.pick_field"))
            return
        self.edit_field(key)

    @on(DataTable.RowSelected, "#profile-fields")
    def field_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.edit_field(event.row_key.value)

    def edit_field(self, name: str) -> None:
        spec = FIELD_BY_NAME.get(name)
        if spec is None:
            return  # a group heading
        if not self.app.MAKES_RECORDS:  # Enter on a field of a team database's profile
            self.notify(t("team.own_only", path=self.app.store.path), severity="warning")
            return
        if spec.kind != "dynamic":
            self.notify(t(f"profile.not_editable.{spec.kind}", field=t.field_name(name)))
            return
        if spec.type == "status":
            self.action_status()
            return
        value = self.profile["retailer"].get(name)
        if spec.type == "bool":
            value = t("profile.yes") if value else t("profile.no")
        self.app.push_screen(EditFieldScreen(self.code, name, value), self.after_edit)

    def action_status(self) -> None:
        if self.data is None:
            return
        self.app.push_screen(
            StatusScreen(
                self.code, self.profile["retailer"]["status"], self.profile["future_visits"]
            ),
            self.after_edit,
        )

    def after_edit(self, changed: dict | None) -> None:
        if changed:
            parts = [
                f"{t.field_name(k)}: {_cell(old)} → {_cell(new)}"
                for k, (old, new) in changed.items()
            ]
            self.notify(t("profile.saved", changes=t("fmt.clause_sep").join(parts)))
            self.reload()

    def action_capture(self) -> None:
        from khtui.screens.capture import CaptureScreen

        self.app.push_screen(CaptureScreen(retailer_code=self.code))

    def action_complaint(self) -> None:
        from khtui.screens.complaints import RaiseComplaintScreen

        self.app.push_screen(RaiseComplaintScreen(self.code), self.after_complaint)

    def after_complaint(self, complaint_id: str | None) -> None:
        if complaint_id:
            self.notify(t("profile.complaint_raised"))
            self.action_tab("complaints")
            self.reload()

    def action_adhoc(self) -> None:
        """A visit today, added once the user says yes (one key must not add a visit)."""
        if self.data is None:
            return
        today = self.app.today()
        self.app.push_screen(
            ConfirmScreen(
                t("profile.confirm.adhoc", name=self.profile["retailer"]["name"], date=today),
                t("profile.confirm.adhoc_detail"),
                yes=t("profile.key.adhoc"),
            ),
            lambda yes: self.add_adhoc() if yes else None,
        )

    def add_adhoc(self) -> None:
        store, today = self.app.store, self.app.today()
        try:
            store.add_adhoc_visit(self.code, today)
        except StoreError as exc:  # VisitProblem: a message saying what is wrong
            error = t.message(exc)
            self.notify(t("profile.adhoc_failed", error=error), severity="error", timeout=8)
            return
        self.notify(t("profile.adhoc_added", date=today.isoformat()))
        self.reload()


# ==========================================================================================
# Modals
# ==========================================================================================
def _value_text(value: Any, rules) -> str:
    """An input or a threshold: a word of the company's vocabulary in the UI language."""
    if isinstance(value, str):
        return _cell(t.word(value, rules))
    return _cell(value)


def _list_text(value: Any, rules) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_list_text(x, rules) for x in value) + "]"
    return _value_text(value, rules)


def _flatten(value: Any, rules, prefix: str = "") -> list[tuple[str, str]]:
    """Nested inputs as (dotted key, text) rows."""
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for k, v in value.items():
            out += _flatten(v, rules, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list | tuple):
        return [(prefix, ", ".join(_list_text(x, rules) for x in value))]
    if isinstance(value, bool):
        return [(prefix, t("profile.yes") if value else t("profile.no"))]
    return [(prefix, _value_text(value, rules))]


def why_label(key: str) -> str:
    """'monthly_tiao.2026-08' -> '月进货(条) 2026-08': known parts named in the UI language."""
    return " ".join(t.label(f"profile.wk.{part}", part) for part in key.split("."))


class WhyScreen(Keyed, ModalScreen[None]):
    """How a derived value was calculated: explanation, inputs, period and thresholds."""

    app = getters.app(Workbench)

    CSS_PATH = "retailer.tcss"
    KEYS: ClassVar = (
        Key("escape", "dismiss", "profile.key.close"),
        *(Key(k, f"show('{name}')", f"profile.key.{name}") for k, name in WHY_KEYS),
    )

    def __init__(self, derived, rule: str) -> None:
        super().__init__()
        self.derived = derived
        self.rule = rule

    def compose(self) -> ComposeResult:
        with Vertical(id="why-box", classes="modal-box"):
            yield Label("", id="why-title", classes="modal-title")
            with VerticalScroll(id="why-scroll"):
                yield Static("", id="why-explain")
                yield DataTable(id="why-table", cursor_type="row", show_cursor=False)
            yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#why-table", DataTable)
        table.add_column(t("profile.col.item"), key="item")
        table.add_column(t("profile.col.value"), key="value")
        self.action_show(self.rule)

    def action_show(self, rule: str) -> None:
        self.rule = rule
        d = self.derived
        rules = self.app.store.rules
        result = {"tier": d.tier, "category": d.category, "level": d.level, "value": d.value}[rule]
        label = {
            "tier": lambda: d.tier.tier,
            "category": lambda: (
                t.word(d.category.category.name, rules) if d.category.category else "-"
            ),
            "level": lambda: d.level.level,
            "value": lambda: t.value_class(d.value.value),
        }[rule]()
        why = result.why
        self.query_one("#why-title", Label).update(
            t("profile.why.title", rule=t(f"profile.rule.{rule}"), value=label)
        )
        self.query_one("#why-explain", Static).update(t.say(why.explain))
        table = self.query_one("#why-table", DataTable)
        table.clear()
        table.add_row(Text(t("profile.why.inputs"), style="bold"), "")
        for k, v in _flatten(why.inputs, rules):
            table.add_row(f"  {why_label(k)}", v)
        table.add_row(Text(t("profile.why.period"), style="bold"), ", ".join(why.period) or "-")
        table.add_row(Text(t("profile.why.thresholds"), style="bold"), "")
        for k, v in _flatten(why.thresholds, rules):
            table.add_row(f"  {why_label(k)}", v)


class _ChangeModal(Keyed, ModalScreen[dict | None]):
    """A modal that changes the retailer ``code``: dismissed with the change made once the
    store has written it, with None on Esc."""

    app = getters.app(Workbench)

    CSS_PATH = "retailer.tcss"
    KEYS: ClassVar = (Key("escape", "cancel", "profile.key.cancel"),)

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def done(self, changed: dict) -> None:
        if self.is_current:  # not already left with Esc
            self.dismiss(changed)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditFieldScreen(_ChangeModal):
    """Edit one dynamic field: the value is checked by the store; a bad one is explained beside
    the field and nothing is saved. Dismisses with the change made ({} or None if none).

    The box opens with the cursor after the value (nothing selected: one Backspace takes one
    character), and emptying a field that had a value asks first.
    """

    def __init__(self, code: str, field: str, value: Any) -> None:
        super().__init__(code)
        self.field = field
        # as the profile shows it (a floor area of 33.0 is 33 there and here)
        self.value = (
            "" if value is None else _cell(value) if isinstance(value, float) else str(value)
        )

    def compose(self) -> ComposeResult:
        spec = FIELD_BY_NAME[self.field]
        with Vertical(id="edit-box", classes="modal-box"):
            yield Label(
                t("profile.edit.title", field=t.field_name(self.field)), classes="modal-title"
            )
            # as the profile's table says it (in English a stored 银行转账 is bank transfer)
            shown = t.field(self.field, self.value or None, self.app.store.rules)
            yield Label(t("profile.edit.current", value=_cell(shown or None)))
            yield Input(value=self.value, id="edit-input", select_on_focus=False)
            yield Static(t(f"profile.hint.{spec.type}"), id="edit-hint")
            yield Static("", id="edit-error")
            yield Footer()

    def on_mount(self) -> None:
        box = self.query_one("#edit-input", Input)
        box.focus()
        box.cursor_position = len(box.value)

    @on(Input.Submitted, "#edit-input")
    def submit(self, event: Input.Submitted) -> None:
        value = event.value
        if not value.strip() and self.value.strip():
            self.app.push_screen(
                ConfirmScreen(
                    t("profile.confirm.empty", field=t.field_name(self.field)),
                    t("profile.confirm.empty_detail", value=self.value),
                    yes=t("profile.confirm.empty_yes"),
                ),
                partial(self._confirmed_empty, value),
            )
            return
        self.save(value)

    def _confirmed_empty(self, value: str, yes: bool | None) -> None:
        if yes:
            self.save(value)
        else:
            self.query_one("#edit-input").focus()

    def save(self, value: str) -> None:
        """Checked and written by the store in a job; a refused value is explained here."""
        store, code, field = self.app.store, self.code, self.field
        jobs = JobQueue(self.app, "profile-edit", self.app.report_error)
        jobs.submit(lambda: store.update_retailer(code, {field: value}), self.done, self.refused)

    def refused(self, error: Exception) -> None:
        if not isinstance(error, FieldError):
            self.app.report_error(error)
            return
        if self.is_attached:
            self.query_one("#edit-error", Static).update(t.message(error))
            self.query_one("#edit-input", Input).add_class("-invalid")


class StatusScreen(_ChangeModal):
    """Change the retailer's status; leaving 正常 takes it out of future plans (said up front)."""

    def __init__(self, code: str, status: str, future_visits: int) -> None:
        super().__init__(code)
        self.status = status
        self.future_visits = future_visits

    def compose(self) -> ComposeResult:
        with Vertical(id="status-box", classes="modal-box"):
            yield Label(
                t("profile.status.title", status=t.status(self.status)), classes="modal-title"
            )
            yield OptionList(
                *(Option(t.status(s), id=s) for s in STATUSES),
                id="status-options",
            )
            yield Static(t("profile.status.note", n=self.future_visits), id="status-note")
            yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = STATUSES.index(self.status)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        store, code, status = self.app.store, self.code, event.option.id
        jobs = JobQueue(self.app, "profile-status", self.app.report_error)
        jobs.submit(lambda: store.update_retailer(code, {"status": status}), self.done)
