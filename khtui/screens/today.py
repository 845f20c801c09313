"""今日拜访 — the day's visit list.

The day's visits in route order with their reasons, tier, last visit and open complaints
(overdue ones stand out); keys to check in, finish (opens capture; without a check-in the AM
gives the arrival time or records none), record a visit not made with a reason (none chosen
beforehand), reschedule (or book another day for a visit not made), undo the day's last visit
action, reorder and add an ad-hoc visit; the day's progress and the month's coverage at a
glance (a month still to come: its plan), and notes on what to act on: missed visits that found
no room (listed with ``m``), next month's plan to submit. What a key may do follows the visit's
status (:mod:`khtui.domain.visits`); a refused key says what to do instead.

Looking never writes (other days included): the day's housekeeping is the app's, at start.
Everything is read and written through the store's VisitOps in thread workers; results come
back as messages, so the screen never waits on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Header

from khtui.domain import visits as visit_rules
from khtui.i18n import Translator
from khtui.widgets.cells import AM_CELLS, clip, fit
from khtui.widgets.footer import Footer
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Static
from khtui.widgets.resume import StyledOnMount
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.theme import style
from khtui.widgets.warnings_panel import WarningsPanel
from khtui.widgets.workbench import Workbench, own_record_action

WIDE = 120  # from this many columns the list also shows code, phone and check-in time
# Columns and their widths in terminal cells (the reasons column takes what is left).
NARROW_COLUMNS = (
    ("seq", 2),
    ("status", 4),
    ("name", 14),
    ("route", 8),
    ("tier", 2),
    ("last", 8),
    ("complaints", 6),
)
WIDE_COLUMNS = (("status", 10), ("name", 18), ("route", 10), ("code", 12), ("phone", 11))
REASONS_MAX = 30
# a visit's status -> its theme role (khtui.widgets.theme); planned ones are plain
STATUS_ROLE = {
    "checked_in": "warn",
    "done": "good",
    "skipped": "failed",
    "rescheduled": "muted",
}


def reasons_text(reasons: list[str], width: int, t: Translator = t) -> str:
    """The visit's reasons as every list writes them (:meth:`Translator.reasons`), as many as
    fit in ``width`` cells, then ``+N``."""
    from khtui.domain.visits import shown_reasons

    ordered = shown_reasons(reasons)
    sep = t.sep
    shown: list[str] = []
    for i, key in enumerate(ordered):
        rest = len(ordered) - i - 1
        candidate = sep.join([*shown, t.reason(key)])
        suffix = f"+{rest}" if rest else ""
        if cell_len(candidate + suffix) > width and shown:
            return sep.join(shown) + f"+{len(ordered) - len(shown)}"
        shown.append(t.reason(key))
    return clip(sep.join(shown), width)


def short_date(value: str | None, day: dt.date) -> str:
    if not value:
        return t("today.never")
    d = dt.date.fromisoformat(value[:10])
    return d.strftime("%m-%d") if d.year == day.year else d.strftime("%y-%m-%d")


def clock_time(value: str | None) -> str:
    return value[11:16] if value and len(value) >= 16 else ""


def complaints_cell(visit: dict, alarm: str) -> Text:
    """Open complaints; overdue ones in ``alarm`` (the theme's style)."""
    n = int(visit.get("open_complaints") or 0)
    late = int(visit.get("overdue_complaints") or 0)
    if late:
        return Text(t("today.complaints.overdue", n=n, late=late), style=alarm)
    return Text(str(n) if n else "")


def status_cell(visit: dict, wide: bool, styles: dict[str, str]) -> Text:
    """The visit's status (and time, when wide) in its style (``styles``: role -> style)."""
    status = visit.get("status") or "planned"
    text = t(f"today.status.{status}")
    if wide and status == "checked_in":
        text += " " + clock_time(visit.get("checked_in_at"))
    elif wide and status == "done":
        text += " " + clock_time(visit.get("done_at"))
    role = STATUS_ROLE.get(status)
    return Text(text, style=styles[role] if role else "")


def plan_line(plan) -> str:
    """A month still to come: its plan's status, visits and coverage, or that it has none."""
    month = int(plan.month[5:7])
    if plan.status is None:
        return t("today.plan.none", month=month, submit_by=plan.submit_by.isoformat())
    return t(
        "today.plan.line",
        month=month,
        status=t(f"plan.status.{plan.status}"),
        visits=plan.visits,
        covered=plan.covered,
        retailers=plan.retailers,
        submit_by=plan.submit_by.isoformat(),
    )


TEAM_PLAN_ORDER = ("approved", "submitted", "returned", "draft", None)


def team_plan_line(month: str, counts: dict, submit_by: dt.date, t: Translator = t) -> str:
    """A month still to come on a team database: how many of the AMs' plans of it stand at
    each status (``counts``: status -> AMs, None: no plan), the AMs' own plans being theirs."""
    parts = [
        t(
            "today.plan.team.count",
            n=counts[status],
            status=t(f"plan.status.{status}") if status else t("today.plan.no_plan"),
        )
        for status in TEAM_PLAN_ORDER
        if counts.get(status)
    ]
    return t(
        "today.plan.team",
        month=int(month[5:7]),
        ams=sum(counts.values()),
        statuses=t("fmt.sep").join(parts),
        submit_by=submit_by.isoformat(),
    )


def day_notes(store, today: dt.date, t: Translator = t) -> list[str]:
    """What the AM should know on ``today`` beyond the list (read in the list's worker):
    missed visits that found no room, and next month's plan to submit (in ``t``'s words, the
    running app's by default). A team database has no plan of its own to draft or submit (its
    AMs' plans wait in the manager's view), and its AMs move their missed visits in their own
    databases."""
    from khtui.domain.months import add_months, month_key
    from khtui.domain.planning import next_month_due

    notes = []
    missed = store.count_missed(today)
    if store.is_team():
        # every AM's missed visits: one AM's daily room is not theirs, nor is moving them here
        return [t("today.note.missed.team", n=missed)] if missed else []
    if missed:
        capacity = store.rules.visits.daily_capacity
        notes.append(t("today.note.missed", n=missed, capacity=capacity))
    months = [month_key(today)]
    if next_month_due(today, store.work_calendar, store.rules):
        months.append(add_months(month_key(today), 1))
    for month in months:
        if month == months[0]:
            # this month's plan is at work: only its absence is news (whether it exists is
            # one row; its counts read every visit of the month)
            if store.month_plan_row(month) is None:
                submit_by = store.submit_by(month).isoformat()
                notes.append(t("today.note.plan.missing", month=month, submit_by=submit_by))
            continue
        plan = store.plan_state(month)
        params = {"month": month, "submit_by": plan.submit_by.isoformat()}
        if plan.status is None:
            notes.append(t("today.note.plan.missing", **params))
        elif plan.status == "draft":
            late = today > plan.submit_by
            key = "today.note.plan.late" if late else "today.note.plan.draft"
            notes.append(t(key, visits=plan.visits, covered=plan.covered, **params))
        elif plan.status == "submitted":
            notes.append(t("today.note.plan.submitted", **params))
    return notes


class TodayScreen(Keyed, StyledOnMount):
    """今日拜访: one day's visits (default: today)."""

    app = getters.app(Workbench)

    CSS_PATH = "today.tcss"

    class Loaded(Message):
        """The day's visits, progress and the month's coverage, read by a worker."""

        def __init__(self, gen: int, day: dt.date, data: dict[str, Any], keep: str | None) -> None:
            super().__init__()
            self.gen, self.day, self.data, self.keep = gen, day, data, keep

    class Covered(Message):
        """The month's coverage, read by the same worker right after the list."""

        def __init__(self, gen: int, day: dt.date, coverage: dict[str, Any]) -> None:
            super().__init__()
            self.gen, self.day, self.coverage = gen, day, coverage

    class Done(Message):
        """A write finished: show ``notice``; after a finish, open the capture."""

        def __init__(self, notice: str | None, keep: str | None, capture: str | None) -> None:
            super().__init__()
            self.notice, self.keep, self.capture = notice, keep, capture
            self.coverage = capture is not None  # only a finished visit changes the coverage

    class Refused(Message):
        """A write the store refused (nothing written): ``text`` says why and what to do."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    KEYS: ClassVar = (
        Key("i", "check_in", "today.key.check_in"),
        Key("f", "finish", "today.key.finish"),
        Key("s", "skip", "today.key.skip"),
        Key("r", "reschedule", "today.key.reschedule"),
        Key("a", "adhoc", "today.key.adhoc"),
        Key("z", "undo", "today.key.undo"),
        Key("m", "missed", "today.key.missed", show=False),
        Key("P", "submit_plan", "today.key.submit_plan", show=False),
        Key("shift+up,ctrl+up,minus", "move(-1)", "today.key.up", show=False),
        Key("shift+down,ctrl+down,plus,equals_sign", "move(1)", "today.key.down", show=False),
        Key("enter,p", "profile", "today.key.profile", show=False),
        Key("left_square_bracket", "shift_day(-1)", "today.key.prev", show=False, display="["),
        Key("right_square_bracket", "shift_day(1)", "today.key.next", show=False, display="]"),
        Key("t", "go_today", "today.key.today", show=False),
        Key("g", "go_to", "today.key.go_to"),
        Key("u", "unvisited", "today.key.unvisited", show=False),
        Key("ctrl+r", "reload", "today.key.reload", show=False),
    )

    def __init__(self, date: dt.date | None = None) -> None:
        super().__init__()
        self._initial = date
        self.day: dt.date | None = date
        self.visits: list[dict] = []
        self.progress: dict[str, int] = {}
        self.coverage: dict[str, Any] = {}
        self.notes: list[str] = []
        self.loaded = False
        self._gen = 0  # the number of the latest read of the day (see reload)
        self._filled: tuple | None = None  # what the table's rows were made for (_fill_table)
        self._cursor_id: str | None = None
        self._day_kind: tuple[bool, str | None] = (True, None)
        self.pager = Pager(self._show_rows)  # the day's rows, a page at a time
        self._layout: tuple[bool, int, int, int] = (False, 14, 8, 12)
        self.team = False  # a team database: every AM's visits, each row naming its AM

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="today-bars"):
            yield Static(t("today.loading"), id="today-day")
            yield Static("", id="today-month")
            yield Static("", id="today-notes")
            yield Static("", id="today-review")  # the market manager's decisions
        yield DataTable(id="today-visits", cursor_type="row", zebra_stripes=True, pager=self.pager)
        yield WarningsPanel(limit=4, summary=True, id="today-warnings")
        yield Static("", id="today-detail")
        yield Footer()

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.app.today()
        self._show_title()

    def on_screen_resume(self) -> None:
        # after the frame is painted: the worker's reading would slow the first frame down
        self.call_after_refresh(self.reload)

    def on_resize(self) -> None:
        if self.loaded and self._filled != self._fill_key(self.day, self.team):
            self._cursor_id = self.current_id()
            self._fill_table()

    def _is_wide(self) -> bool:
        return self.app.size.width >= WIDE

    def _show_title(self) -> None:
        assert self.day is not None
        if self.day == self.app.today():
            self.sub_title = t("today.title.today")
        else:
            self.sub_title = t(
                "today.title", date=self.day.isoformat(), weekday=t.weekday(self.day)
            )

    # -- reading ------------------------------------------------------------------------------
    def reload(self, keep: str | None = None, *, coverage: bool = True) -> None:
        """Read the day again (in a worker); ``coverage=False`` keeps the month's coverage as
        it was (a check-in, a skip or a reorder does not change who has been visited)."""
        if self.day is None:
            self.day = self.app.today()
        with_coverage = coverage or not self.coverage
        # Each read is numbered: a read that started before a later one (say, on returning from
        # a modal while its write is still running) must not overwrite the later one's result.
        self._gen += 1
        self._load(self._gen, self.day, keep, with_coverage)

    @work(thread=True, exclusive=True, group="today-load")
    def _load(self, gen: int, day: dt.date, keep: str | None, with_coverage: bool = True) -> None:
        from khtui.domain.months import month_key, month_range

        store = self.app.store
        today = self.app.today()
        first, last = month_range(month_key(day))
        coverage: dict[str, Any]
        as_of = min(max(today, first), last)
        cal = store.work_calendar
        data = {
            "visits": store.day_visits(day),
            "progress": store.day_progress(day),
            "workday": cal.is_workday(day),
            "holiday": cal.holiday_name(day),
            "notes": day_notes(store, today),
            # the manager's decisions are news to the AM; on the team database they are the
            # manager's own, one AM's of them read as if the team's
            "review": None if store.is_team() else store.review_notice(today),
            "team": store.is_team(),
        }
        self.post_message(self.Loaded(gen, day, data, keep))
        if not with_coverage:
            return
        # the list first: the coverage reads every active retailer
        if first > today and store.is_team():  # the AMs' plans of it, not one AM's as the team's
            coverage = {
                "month": month_key(day),
                "team_plans": store.team_plan_counts(month_key(day)),
                "submit_by": store.submit_by(month_key(day)),
            }
        elif first > today:  # a month still to come: its plan, not its coverage
            coverage = {"month": month_key(day), "plan": store.plan_state(month_key(day))}
        else:
            coverage = store.month_coverage(month_key(day), as_of=as_of)
        self.post_message(self.Covered(gen, day, coverage))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.gen != self._gen:
            return  # a later read is under way (another day, or after a write)
        data = message.data
        self._cursor_id = self.current_id()
        # read again with nothing changed (say, on returning from a profile): the rows stay
        # as they are, not made and laid out again (on a whole team's day, its first page)
        same = (
            self.loaded
            and data["visits"] == self.visits
            and self._filled == self._fill_key(message.day, data["team"])
            and message.keep in (None, self._cursor_id)
        )
        self.visits = data["visits"]
        self.progress = data["progress"]
        self.notes = data["notes"]
        self.team = data["team"]
        self.loaded = True
        self._day_kind = (data["workday"], data["holiday"])
        self._show_title()
        self._show_bars()
        self._show_review(data["review"])
        if not same:
            self._fill_table(keep=message.keep)
        self.query_one(WarningsPanel).show_day(message.day)

    @on(Covered)
    def _covered(self, message: Covered) -> None:
        if message.gen != self._gen:
            return
        self.coverage = message.coverage
        self._show_bars()

    def _show_bars(self) -> None:
        assert self.day is not None
        workday, holiday = self._day_kind
        p = self.progress
        when = f"{self.day.isoformat()} {t.weekday(self.day)}"
        if self.day == self.app.today():
            when += t("today.is_today")
        if holiday:
            when += " " + t("today.holiday", name=t(holiday))
        elif not workday:
            when += " " + t("today.rest_day")
        line = t(
            "today.progress",
            when=when,
            total=p.get("total", 0),
            done=p.get("done", 0),
            checked_in=p.get("checked_in", 0),
            skipped=p.get("skipped", 0),
            planned=p.get("planned", 0),
        )
        self.query_one("#today-day", Static).update(line)
        notes = self.query_one("#today-notes", Static)
        notes.update(Text("\n".join(self.notes), style=style(self.app, "warn")))
        notes.display = bool(self.notes)
        c = self.coverage
        if not c or c.get("month") != f"{self.day.year:04d}-{self.day.month:02d}":
            self.query_one("#today-month", Static).update(t("today.coverage_loading"))
            return
        if "plan" in c:
            self.query_one("#today-month", Static).update(plan_line(c["plan"]))
            return
        if "team_plans" in c:
            line = team_plan_line(c["month"], c["team_plans"], c["submit_by"])
            self.query_one("#today-month", Static).update(line)
            return
        active = int(c.get("active") or 0)
        visited = int(c.get("visited") or 0)
        unvisited = len(c.get("unvisited") or ())
        pct = f"{visited * 100 / active:.0f}" if active else "-"
        month = t("today.coverage", month=self.day.month, visited=visited, active=active, pct=pct)
        month += t("today.unvisited", n=unvisited) if unvisited else t("today.all_visited")
        month += t("today.days_left", n=c.get("working_days_left", 0))
        self.query_one("#today-month", Static).update(month)

    def _show_review(self, notice) -> None:
        from khtui.screens.review import review_line

        line = review_line(notice, t)
        widget = self.query_one("#today-review", Static)
        widget.update(line)
        widget.display = bool(line)

    def _fill_table(self, keep: str | None = None) -> None:
        assert self.day is not None
        table = self.query_one("#today-visits", DataTable)
        # stay on the visit under the cursor now (the AM may have moved on during a write)
        keep = keep or self._cursor_id
        wide = self._is_wide()
        self._filled = self._fill_key(self.day, self.team)
        widths = dict(NARROW_COLUMNS)
        if wide:
            widths.update(WIDE_COLUMNS)
        # a city AM's day runs to thousands of visits: the last number whole
        widths["seq"] = max(widths["seq"], len(str(len(self.visits))))
        if self.team:  # the AM right after the number: the list comes AM by AM
            am = fit([t("today.col.am"), *(v.get("am") for v in self.visits)], AM_CELLS)
            widths = {"seq": widths.pop("seq"), "am": am, **widths}
        fixed = sum(w + 2 for w in widths.values())  # each cell is padded by one on both sides
        reason_w = max(8, min(REASONS_MAX, self.app.size.width - fixed - 4))
        self._layout = (wide, widths["name"], widths["route"], reason_w)
        table.clear(columns=True)
        for key, width in widths.items():
            if key == "last":
                table.add_column(t("today.col.reasons"), key="reasons", width=reason_w)
            table.add_column(t(f"today.col.{key}"), key=key, width=width)
        row = 0
        if keep is not None:
            row = next((i for i, v in enumerate(self.visits) if v["id"] == keep), 0)
        self.pager.reset(len(self.visits), row + 1)
        if self.visits:
            table.move_cursor(row=row)
        self._show_detail()

    def _fill_key(self, day: dt.date | None, team: bool) -> tuple:
        """What the rows drawn by :meth:`_fill_table` depend on besides the visits."""
        return (day, team, self.app.size.width, self.app.theme)

    def _show_rows(self, start: int, stop: int) -> None:
        """The rows of the visits ``start`` to ``stop - 1`` added to the table (the pager's:
        a day of thousands of visits is shown a page at a time)."""
        assert self.day is not None
        table = self.query_one("#today-visits", DataTable)
        wide, name_w, route_w, reason_w = self._layout
        styles = {role: style(self.app, role) for role in {"alarm", *STATUS_ROLE.values()}}
        for i in range(start, stop):
            v = self.visits[i]
            name = v.get("name") or v.get("retailer_code") or ""
            dim = v.get("status") in visit_rules.CLOSED
            cells: list[Any] = [str(i + 1)]
            if self.team:
                cells.append(clip(v.get("am"), AM_CELLS))
            cells += [
                status_cell(v, wide, styles),
                Text(clip(name, name_w), style="dim" if dim else ""),
                clip(v.get("route") or "-", route_w),
                str(v.get("tier") or "-"),
                reasons_text(list(v.get("reasons") or ()), reason_w),
                short_date(v.get("last_visit"), self.day),
                complaints_cell(v, styles["alarm"]),
            ]
            if wide:
                cells += [v.get("retailer_code") or "", v.get("phone") or ""]
            table.add_row(*cells, key=v["id"])

    # -- the highlighted visit ---------------------------------------------------------------------
    def current(self) -> dict | None:
        if not self.visits:
            return None
        table = self.query_one("#today-visits", DataTable)
        row = table.cursor_row
        return self.visits[row] if 0 <= row < len(self.visits) else None

    def current_id(self) -> str | None:
        if not self.is_mounted or not self.visits:
            return None
        v = self.current()
        return v["id"] if v else None

    @on(DataTable.RowHighlighted, "#today-visits")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.pager.follow(event.cursor_row)
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#today-detail", Static)
        v = self.current()
        if v is None:
            detail.update(t("today.empty") if self.loaded else "")
            return
        parts = [
            t("today.detail.am", am=v.get("am") or "") if self.team else "",
            t("today.detail.route", route=v.get("route") or "-", seq=v.get("route_seq") or "-"),
            v.get("retailer_code") or "",
            v.get("phone") or "",
            v.get("address") or "",
        ]
        line1 = " · ".join(p for p in parts if p)
        if self.team and detail.size.width:
            # the AM's name comes first: the address yields its end rather than wrap over
            # the line of reasons
            line1 = clip(line1, detail.size.width)
        extra = []
        if v.get("reasons"):
            extra.append(t("today.detail.reasons", reasons=t.reasons(v["reasons"])))
        if v.get("measures"):
            extra.append(t("today.detail.measures", measures=t.measures(v["measures"])))
        if v.get("checked_in_at"):
            extra.append(t("today.detail.checked_in", time=clock_time(v["checked_in_at"])))
        elif v.get("status") == "done":
            extra.append(t("today.detail.no_check_in"))
        if v.get("done_at"):
            extra.append(t("today.detail.done", time=clock_time(v["done_at"])))
        if v.get("skip_reason"):
            extra.append(t("today.detail.skip_reason", reason=v["skip_reason"]))
        late = int(v.get("overdue_complaints") or 0)
        if late:
            extra.append(t("today.detail.overdue", n=late))
        detail.update(f"{line1}\n{'  '.join(extra)}")

    def _need(self) -> dict | None:
        v = self.current()
        if v is None:
            self.notify(t("today.no_visit"), severity="warning")
        return v

    # -- writing --------------------------------------------------------------------------------
    def _write(
        self,
        fn: Callable[..., Any],
        *args: Any,
        notice: str | Callable[[Any], str] | None = None,
        keep: str | None = None,
        keep_result: bool = False,
        capture: str | None = None,
        coverage: bool = False,
    ) -> None:
        self._run_write(fn, args, notice, keep, keep_result, capture, coverage)

    @work(thread=True, group="today-write")
    def _run_write(self, fn, args, notice, keep, keep_result, capture, coverage) -> None:
        from khtui.data.base import StoreError

        try:
            result = fn(*args)
        except StoreError as exc:  # a problem the AM can act on: its message says how
            self.post_message(self.Refused(t.message(exc)))
            return
        text = notice(result) if callable(notice) else notice
        done = self.Done(text, result if keep_result else keep, capture)
        done.coverage = done.coverage or coverage
        self.post_message(done)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.notify(message.text, severity="warning", timeout=8)
        self.reload()

    @on(Done)
    def _done(self, message: Done) -> None:
        if message.notice:
            self.notify(message.notice)
        self.reload(keep=message.keep, coverage=message.coverage)
        if message.capture:
            from khtui.screens.capture import CaptureScreen

            self.app.push_screen(CaptureScreen(visit_id=message.capture))

    def _not_future(self, what: str) -> bool:
        assert self.day is not None
        if self.day > self.app.today():
            self.notify(t("today.future", what=t(what)), severity="warning")
            return False
        return True

    # -- actions --------------------------------------------------------------------------------
    def _refuse(self, action: str, v: dict) -> None:
        """Say why ``action`` does nothing on this visit, and what to do instead."""
        at = (v.get("done_at") if v["status"] == "done" else v.get("checked_in_at")) or ""
        self.notify(
            t(
                visit_rules.refusal(action, v["status"]),
                at=clock_time(at),
                day=v.get("rescheduled_to") or "",
                reason=v.get("skip_reason") or "",
            ),
            severity="warning",
            timeout=8,
        )

    @own_record_action
    def action_check_in(self) -> None:
        v = self._need()
        if v is None or not self._not_future("today.key.check_in"):
            return
        if not visit_rules.allowed("check_in", v["status"]):
            self._refuse("check_in", v)
            return
        store = self.app.store
        self._write(
            store.check_in,
            v["id"],
            notice=lambda done: t(
                "today.checked_in", name=v["name"], time=clock_time(done["checked_in_at"])
            ),
        )

    @own_record_action
    def action_finish(self) -> None:
        v = self._need()
        if v is None:
            return
        from khtui.screens.capture import CaptureScreen

        status = v["status"]
        if status == "done":
            self.app.push_screen(CaptureScreen(visit_id=v["id"]))
            return
        if not self._not_future("today.key.finish"):
            return
        if not visit_rules.allowed("finish", status):
            self._refuse("finish", v)
            return
        if status == "checked_in":
            self._finish(v, None)
            return

        def chosen(result: tuple[dt.time | None] | None) -> None:
            if result is not None:
                self._finish(v, result[0])

        # no check-in: the AM says when they arrived, or that no time is recorded
        from khtui.screens.today_modals import FinishScreen

        self.app.push_screen(FinishScreen(v["name"], self.app.store.now()), chosen)

    def _finish(self, v: dict, arrived: dt.time | None) -> None:
        self._write(
            partial(self.app.store.finish_visit, arrived=arrived),
            v["id"],
            notice=t("today.finished", name=v["name"]),
            capture=v["id"],
        )

    @own_record_action
    def action_skip(self) -> None:
        v = self._need()
        if v is None:
            return
        if not visit_rules.allowed("skip", v["status"]):
            self._refuse("skip", v)
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self._write(
                    self.app.store.skip_visit,
                    v["id"],
                    reason,
                    notice=t("today.skipped", name=v["name"], reason=reason),
                )

        from khtui.screens.today_modals import SkipScreen

        self.app.push_screen(SkipScreen(v["name"]), chosen)

    @own_record_action
    def action_reschedule(self, v: dict | None = None) -> None:
        v = v or self._need()
        if v is None:
            return
        revisit = v["status"] == "skipped"
        action = "revisit" if revisit else "reschedule"
        if not visit_rules.allowed(action, v["status"]):
            self._refuse(action, v)
            return
        if revisit and v.get("rescheduled_to"):
            self.notify(t("visit.err.revisit_again", day=v["rescheduled_to"]), severity="warning")
            return

        cal = self.app.store.work_calendar
        from_day = dt.date.fromisoformat(v["planned_date"])

        def chosen(day: dt.date | None) -> None:
            if day is not None:
                key = "today.revisited" if revisit else "today.rescheduled"
                self._write(
                    self.app.store.reschedule_visit,
                    v["id"],
                    day,
                    notice=t(key, name=v["name"], date=day.isoformat()),
                )

        from khtui.screens.today_modals import RescheduleScreen

        screen = RescheduleScreen(
            v["name"], from_day, self.app.today(), cal.is_workday, revisit=revisit
        )
        self.app.push_screen(screen, chosen)

    @own_record_action
    def action_undo(self) -> None:
        def notice(undone) -> str:
            return t(
                f"today.undone.{undone.action}",
                name=undone.name,
                reason=undone.details.get("reason", ""),
                day=undone.details.get("day", ""),
            )

        self._write(self.app.store.undo_last_action, notice=notice, coverage=True)

    @own_record_action
    def action_move(self, delta: int) -> None:
        v = self._need()
        if v is None:
            return
        row = self.query_one("#today-visits", DataTable).cursor_row
        if not 0 <= row + delta < len(self.visits):
            return
        self._write(self.app.store.move_visit, v["id"], delta, keep=v["id"])

    @own_record_action
    def action_adhoc(self) -> None:
        assert self.day is not None
        day = self.day
        if day < self.app.today():
            self.notify(t("today.adhoc_past"), severity="warning")
            return
        on_list = {v["retailer_code"] for v in self.visits if v["status"] != "rescheduled"}

        def chosen(picked: tuple[str, str] | None) -> None:
            if not picked:
                return
            code, name = picked
            self._write(
                self.app.store.add_adhoc_visit,
                code,
                day,
                notice=t("today.adhoc_added", name=name, date=day.isoformat()),
                keep_result=True,
            )

        from khtui.screens.today_modals import AdhocScreen

        self.app.push_screen(AdhocScreen(day, on_list), chosen)

    def action_profile(self) -> None:
        v = self._need()
        if v is not None:
            self.app.open_profile(v["retailer_code"])

    @on(DataTable.RowSelected, "#today-visits")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_profile()

    def show_day(self, day: dt.date) -> None:
        self.day = day
        self.loaded = False
        self.visits = []
        self._cursor_id = None
        self._show_title()
        self.query_one("#today-day", Static).update(t("today.loading"))
        self.reload(coverage=True)

    def action_shift_day(self, delta: int) -> None:
        assert self.day is not None
        self.show_day(self.day + dt.timedelta(days=delta))

    def action_go_today(self) -> None:
        self.show_day(self.app.today())

    def action_go_to(self) -> None:
        assert self.day is not None

        def chosen(day: dt.date | None) -> None:
            if day is not None:
                self.show_day(day)

        from khtui.screens.today_modals import GoToDateScreen

        self.app.push_screen(GoToDateScreen(self.day), chosen)

    @own_record_action
    def action_submit_plan(self) -> None:
        """P: submit the draft plan to the market manager, once confirmed: next month's once it
        is due, else this month's."""
        self._read_plan_to_submit()

    @work(thread=True, exclusive=True, group="today-plan")
    def _read_plan_to_submit(self) -> None:
        from khtui.domain.months import add_months, month_key
        from khtui.domain.planning import next_month_due

        today = self.app.today()
        store = self.app.store
        due = next_month_due(today, store.work_calendar, store.rules)
        month = add_months(month_key(today), 1) if due else month_key(today)
        self.post_message(self.PlanToSubmit([store.plan_state(month)]))

    class PlanToSubmit(Message):
        def __init__(self, states: list) -> None:
            super().__init__()
            self.states = states

    @on(PlanToSubmit)
    def _confirm_submit(self, message: PlanToSubmit) -> None:
        plan = next((p for p in message.states if p.status == "draft"), None)
        if plan is None:
            nxt = message.states[0]
            status = t(f"plan.status.{nxt.status}") if nxt.status else t("today.plan.no_plan")
            self.notify(t("today.submit.nothing", month=nxt.month, status=status))
            return
        body = t("today.submit.body", **vars(plan))  # month, visits, covered, … submit_by

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._write(
                    self.app.store.submit_plan,
                    plan.month,
                    notice=t("today.submit.done", month=plan.month),
                )

        from khtui.widgets.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(t("today.submit.title"), body), confirmed)

    def action_unvisited(self) -> None:
        if not self.loaded:
            return
        assert self.day is not None

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            what, code = result
            if what == "profile":
                self.app.open_profile(code)

        from khtui.screens.today_modals import UnvisitedScreen

        self.app.push_screen(UnvisitedScreen(self.coverage, self.day), chosen)

    def action_missed(self) -> None:
        """过期未访: the missed visits that found no room, to move them to a day."""
        self._read_missed()

    @work(thread=True, exclusive=True, group="today-missed")
    def _read_missed(self) -> None:
        today = self.app.today()
        self.post_message(self.Missed(self.app.store.missed_visits(today)))

    class Missed(Message):
        def __init__(self, visits: list[dict]) -> None:
            super().__init__()
            self.visits = visits

    @on(Missed)
    def _show_missed(self, message: Missed) -> None:
        if not message.visits:
            self.notify(t("today.missed.none"))
            return

        def chosen(result: tuple[str, dict] | None) -> None:
            if result is None:
                return
            what, v = result
            if what == "profile":
                self.app.open_profile(v["retailer_code"])
            elif what == "reschedule":
                self.action_reschedule(v)

        from khtui.screens.today_modals import MissedScreen

        self.app.push_screen(MissedScreen(message.visits, self.app.today()), chosen)

    def action_reload(self) -> None:
        self.reload()


__all__ = [
    "TodayScreen",
    "clip",
    "day_notes",
    "reasons_text",
]
