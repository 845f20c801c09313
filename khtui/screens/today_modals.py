"""The today screen's modals: not visited (a reason), finish without a check-in (the arrival
time), reschedule, go to a date, add an ad-hoc visit, this month's unvisited retailers and the
missed visits. Imported when one first opens, not with the list (the screen's first frame does
without their text boxes and option lists)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from khtui.domain.dates import day_examples
from khtui.screens.today import reasons_text, short_date
from khtui.widgets.cells import AM_CELLS, clip, fit
from khtui.widgets.date_input import DateInput
from khtui.widgets.keys import Key, Keyed
from khtui.widgets.paging import Pager
from khtui.widgets.plain_text import Label, Static
from khtui.widgets.retailer_picker import RetailerPicker
from khtui.widgets.speech import t
from khtui.widgets.table import DataTable
from khtui.widgets.text_boxes import Input
from khtui.widgets.theme import style


class _Modal(Keyed, ModalScreen):
    CSS_PATH = "today.tcss"
    KEYS: ClassVar[tuple[Key, ...]] = (Key("escape", "cancel", "today.key.cancel"),)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonList(OptionList):
    """The common skip reasons; none is chosen until the AM moves to one."""

    class Unchosen(Message):
        """Enter with no reason highlighted."""

    def action_select(self) -> None:
        if self.highlighted is None:
            self.post_message(self.Unchosen())
            return
        super().action_select()


class SkipScreen(_Modal):
    """未访: why the visit did not happen (a common reason the AM moves to, or typed). Nothing
    is chosen beforehand: Enter alone records nothing."""

    REASONS = ("closed", "owner_away", "no_time", "weather", "refused")

    def __init__(self, name: str) -> None:
        super().__init__()
        self.shop = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="today-modal"):
            yield Label(t("today.skip.title", name=self.shop), classes="modal-title")
            yield ReasonList(
                *(Option(t(f"today.skip.{k}"), id=k) for k in self.REASONS), id="skip-reasons"
            )
            yield Input(placeholder=t("today.skip.other"), id="skip-other")
            yield Static(t("today.skip.hint"), classes="modal-hint", id="skip-hint")

    def on_mount(self) -> None:
        self.query_one("#skip-reasons", ReasonList).highlighted = None

    @on(ReasonList.Unchosen)
    def _unchosen(self) -> None:
        self.query_one("#skip-hint", Static).update(
            Text(t("today.skip.choose"), style=style(self.app, "invalid"))
        )

    @on(OptionList.OptionSelected, "#skip-reasons")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.prompt))

    @on(Input.Submitted, "#skip-other")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#skip-hint", Static).update(t("today.skip.empty"))
            return
        self.dismiss(text)


def parse_clock(text: str) -> dt.time:
    """``9:40``, ``09:40``, ``0940`` or ``940`` as a time of day; ValueError otherwise."""
    s = text.strip().replace("：", ":")
    if ":" in s:
        hh, _, mm = s.partition(":")
    elif s.isdigit() and len(s) in (3, 4):
        hh, mm = s[:-2], s[-2:]
    else:
        raise ValueError(text)
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(text)
    return dt.time(int(hh), int(mm))


class FinishScreen(_Modal):
    """完成 a visit that was not checked in: the AM gives the arrival time, or leaves it empty
    to record none. Dismisses with ``(time or None,)``; Esc records nothing."""

    def __init__(self, name: str, now: dt.datetime) -> None:
        super().__init__()
        self.shop, self.now = name, now

    def compose(self) -> ComposeResult:
        with Vertical(classes="today-modal"):
            yield Label(t("today.finish.title", name=self.shop), classes="modal-title")
            yield Static(t("today.finish.body"))
            yield Input(placeholder=t("today.finish.placeholder"), id="finish-arrived")
            yield Static(t("today.finish.hint"), classes="modal-hint", id="finish-hint")

    @on(Input.Submitted, "#finish-arrived")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.dismiss((None,))
            return
        hint = self.query_one("#finish-hint", Static)
        try:
            arrived = parse_clock(text)
        except ValueError:
            hint.update(Text(t("today.finish.bad", value=text), style=style(self.app, "invalid")))
            return
        if arrived > self.now.time():
            hint.update(
                Text(
                    t("visit.err.arrived_later", at=f"{arrived:%H:%M}", now=f"{self.now:%H:%M}"),
                    style=style(self.app, "invalid"),
                )
            )
            return
        self.dismiss((arrived,))


class _DateModal(_Modal):
    """A modal asking for one day, typed as the date box reads it (relative to ``base``), first
    showing ``value``: Enter on a day that has no :meth:`refusal` dismisses it with the day,
    otherwise what is wrong stands under the box. A subclass names its ids' prefix (``BOX``:
    ``BOX-date``, ``BOX-hint``) and its :meth:`heading`."""

    BOX: ClassVar[str]

    def __init__(self, base: dt.date, value: dt.date) -> None:
        super().__init__()
        self.base, self.value = base, value

    def heading(self) -> str:
        raise NotImplementedError

    def refusal(self, day: dt.date) -> str | None:
        """Why ``day`` will not do (None when it will)."""
        return None

    def compose(self) -> ComposeResult:
        with Vertical(classes="today-modal"):
            yield Label(self.heading(), classes="modal-title")
            yield DateInput(
                self.base,
                message=t("today.date.invalid", **day_examples(self.base)),
                value=self.value.isoformat(),
                id=f"{self.BOX}-date",
            )
            yield Static(
                t("today.date.hint", **day_examples(self.base)),
                classes="modal-hint",
                id=f"{self.BOX}-hint",
            )

    def problem(self, text: str) -> str | None:
        """Why ``text`` is not a day that will do (None when it is one)."""
        from khtui.widgets.date_input import parse_day

        try:
            day = parse_day(text, self.base)
        except ValueError:
            return t("today.date.invalid", **day_examples(self.base))
        return self.refusal(day)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.problem(event.value)
        if problem:
            self.query_one(f"#{self.BOX}-hint", Static).update(
                Text(problem, style=style(self.app, "invalid"))
            )
            return
        from khtui.widgets.date_input import parse_day

        self.dismiss(parse_day(event.value, self.base))


class RescheduleScreen(_DateModal):
    """改期: the new day, validated (a working day from today on, not the same day)."""

    BOX = "resched"

    def __init__(
        self,
        name: str,
        from_day: dt.date,
        today: dt.date,
        is_workday: Callable[[dt.date], bool],
        *,
        revisit: bool = False,
    ) -> None:
        suggestion = max(from_day, today) + dt.timedelta(days=1)
        for _ in range(30):
            if is_workday(suggestion):
                break
            suggestion += dt.timedelta(days=1)
        super().__init__(today, suggestion)
        self.shop, self.from_day, self.today, self.is_workday = name, from_day, today, is_workday
        self.revisit = revisit
        self.suggestion = suggestion

    def heading(self) -> str:
        title = "today.revisit.title" if self.revisit else "today.resched.title"
        return t(title, name=self.shop, date=self.from_day.isoformat())

    def refusal(self, day: dt.date) -> str | None:
        if day < self.today:
            return t("today.resched.past", date=day.isoformat(), today=self.today.isoformat())
        if day == self.from_day:
            return t("today.resched.same", date=day.isoformat())
        if not self.is_workday(day):
            return t("today.resched.rest", date=day.isoformat(), weekday=t.weekday(day))
        return None


class GoToDateScreen(_DateModal):
    """跳到日期: any day, typed."""

    BOX = "goto"

    def __init__(self, day: dt.date) -> None:
        super().__init__(day, day)

    def heading(self) -> str:
        return t("today.goto.title")


class AdhocScreen(_Modal):
    """加访: find a retailer as you type (:class:`RetailerPicker`), Enter adds the visit: the
    dialog returns the retailer's code and name. One already on the day's list (``on_list``) is
    refused in the dialog, the search kept to pick another."""

    def __init__(self, day: dt.date, on_list: Collection[str] = ()) -> None:
        super().__init__()
        self.day = day
        self.on_list = frozenset(on_list)

    def compose(self) -> ComposeResult:
        with Vertical(classes="today-modal", id="adhoc-box"):
            yield Label(t("today.adhoc.title", date=self.day.isoformat()), classes="modal-title")
            yield RetailerPicker(
                "adhoc",
                placeholder=t("picker.placeholder"),
                hint=t("today.adhoc.hint"),
                count="today.adhoc.count",
            )

    @on(RetailerPicker.Picked)
    def _picked(self, event: RetailerPicker.Picked) -> None:
        if event.code in self.on_list:
            event.picker.refuse(t("today.adhoc_already", name=event.name))
            return
        self.dismiss((event.code, event.name))


class _ListModal(_Modal):
    """A modal listing rows in one table (a page at a time: a city's month has tens of
    thousands unvisited): Enter or ``p`` dismisses it with ``("profile", the row's retailer)``.
    A subclass names its table (``TABLE``, its box ``TABLE-box``), hint and columns (catalogue
    key, width) and says how a row is shown (:meth:`cells`) and what opens it (:meth:`opens`)."""

    TABLE: ClassVar[str]
    HINT: ClassVar[str]
    COLUMNS: ClassVar[tuple[tuple[str, int], ...]]

    def __init__(self, rows: list[dict]) -> None:
        super().__init__()
        self.rows = rows
        self.pager = Pager(self._add_rows)
        self._am_width = 0  # a team database's rows: the AM column's width (else 0: none)

    def heading(self) -> str:
        raise NotImplementedError

    def cells(self, row: dict) -> tuple[str, ...]:
        raise NotImplementedError

    def opens(self, row: dict) -> Any:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="today-modal", id=f"{self.TABLE}-box"):
            yield Label(self.heading(), classes="modal-title")
            yield DataTable(id=self.TABLE, cursor_type="row", zebra_stripes=True, pager=self.pager)
            yield Static(t(self.HINT), classes="modal-hint")

    def on_mount(self) -> None:
        table = self.query_one(f"#{self.TABLE}", DataTable)
        # a team database's rows name their AM: first, as the lists come AM by AM
        if any("am" in row for row in self.rows):
            self._am_width = fit(
                [t("today.col.am"), *(row.get("am") for row in self.rows)], AM_CELLS
            )
            table.add_column(t("today.col.am"), width=self._am_width)
        for key, width in self.COLUMNS:
            table.add_column(t(key), width=width)
        self.pager.reset(len(self.rows))
        table.focus()

    def _add_rows(self, start: int, stop: int) -> None:
        table = self.query_one(f"#{self.TABLE}", DataTable)
        for row in self.rows[start:stop]:
            cells = self.cells(row)
            if self._am_width:
                cells = (clip(row.get("am"), self._am_width), *cells)
            table.add_row(*cells)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.pager.follow(event.cursor_row)

    def _current(self) -> dict | None:
        row = self.query_one(f"#{self.TABLE}", DataTable).cursor_row
        return self.rows[row] if 0 <= row < self.pager.shown else None

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        row = self._current()
        if row is not None:
            self.dismiss(("profile", self.opens(row)))


OPEN_PROFILE = Key("p", "open", "today.key.profile")


class UnvisitedScreen(_ListModal):
    """本月未访: who has not been visited this month yet, a page at a time (the count is exact)."""

    KEYS: ClassVar = (*_Modal.KEYS, OPEN_PROFILE)
    TABLE = "unvisited"
    HINT = "today.unv.hint"
    COLUMNS = (("today.col.code", 12), ("today.col.name", 20), ("today.col.route", 12))

    def __init__(self, coverage: dict, day: dt.date) -> None:
        super().__init__(list(coverage.get("unvisited") or ()))
        self.day = day

    def heading(self) -> str:
        return t("today.unv.title", month=self.day.month, n=len(self.rows))

    def cells(self, row: dict) -> tuple[str, ...]:
        return row["code"], clip(row.get("name") or "", 20), row.get("route") or "-"

    def opens(self, row: dict) -> str:
        return row["code"]


class MissedScreen(_ListModal):
    """过期未访: planned visits of earlier days that were neither made nor skipped and found no
    room (the carry-over keeps days within capacity). ``r`` moves one to a day, Enter opens
    the retailer's profile."""

    KEYS: ClassVar = (*_Modal.KEYS, Key("r", "reschedule", "today.key.reschedule"), OPEN_PROFILE)
    TABLE = "missed"
    HINT = "today.missed.hint"
    COLUMNS = (
        ("today.col.date", 5),
        ("today.col.name", 18),
        ("today.col.route", 10),
        ("today.col.reasons", 16),
    )

    def __init__(self, visits: list[dict], today: dt.date) -> None:
        super().__init__(visits)
        self.today = today

    def heading(self) -> str:
        return t("today.missed.title", n=len(self.rows))

    def cells(self, row: dict) -> tuple[str, ...]:
        return (
            short_date(row["planned_date"], self.today),
            clip(row.get("name") or "", 18),
            clip(row.get("route") or "-", 10),
            reasons_text(list(row.get("reasons") or ()), 16),
        )

    def opens(self, row: dict) -> dict:
        return row

    def action_reschedule(self) -> None:
        v = self._current()
        if v is not None:
            self.dismiss(("reschedule", v))


__all__ = [
    "AdhocScreen",
    "FinishScreen",
    "GoToDateScreen",
    "MissedScreen",
    "RescheduleScreen",
    "SkipScreen",
    "UnvisitedScreen",
]
