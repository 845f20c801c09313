"""采集 — information capture at a visit (会收集).

Opened with a visit (after finishing it on today's list) or a retailer (from a profile); without
either it lists today's visits and what the day still lacks, and Enter opens one. On the left
the capture items (the eight kinds plus display); on the right the item's form, the price and
stock grid first. Every change is saved as a draft at once (a bad value is explained beside the
field and not saved); Ctrl+S checks the required fields, makes the capture final and finishes
the visit; Escape leaves with the draft kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    ContentSwitcher,
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
from khtui.data.captures import CaptureError
from khtui.domain.capture import KIND_BY_KEY, KINDS, CaptureField, CaptureKind, ValueProblem
from khtui.i18n import get_lang, t
from khtui.i18n.capture import problem_text
from khtui.widgets.keys import bind_keys
from khtui.widgets.price_grid import PriceGrid

# The items in the list: the price and stock grid first (the bulk of a visit's capture).
ORDER: tuple[CaptureKind, ...] = (
    KIND_BY_KEY["prices"],
    *(k for k in KINDS if k.key != "prices"),
)


def kind_name(kind: CaptureKind) -> str:
    return kind.zh if get_lang() == "zh" else kind.en


def field_name(f: CaptureField) -> str:
    return f.zh if get_lang() == "zh" else f.en


class CaptureScreen(Screen):
    CSS_PATH = "capture.tcss"

    def __init__(self, visit_id: str | None = None, retailer_code: str | None = None) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.retailer_code = retailer_code
        self.picker = visit_id is None and retailer_code is None
        self.ids: dict[str, str] = {}  # kind -> capture id
        self.values: dict[tuple[str, str], str] = {}  # what is stored, as typed
        self.invalid: dict[tuple[str, str], str] = {}
        if self.picker:
            bind_keys(self, (("ctrl+g", "gaps", "capture.bind.gaps"),))
        else:
            bind_keys(
                self,
                (
                    ("ctrl+s", "finish", "capture.bind.finish", {"priority": True}),
                    ("ctrl+r", "copy_forward", "capture.bind.copy", {"priority": True}),
                    ("ctrl+t", "complaint", "capture.bind.complaint", {"priority": True}),
                    ("ctrl+l", "kinds", "capture.bind.kinds", {"priority": True}),
                    ("ctrl+g", "gaps", "capture.bind.gaps", {"priority": True}),
                    ("escape", "back", "capture.bind.back"),
                ),
            )

    # -- opening -------------------------------------------------------------------------------
    @property
    def store(self):
        return self.app.store

    def _load(self) -> None:
        store = self.store
        self.visit = None
        if self.visit_id is not None:
            row = store.query_one("SELECT * FROM visits WHERE id = ?", (self.visit_id,))
            if row is None:
                raise StoreError(f"no visit with id {self.visit_id!r}")
            self.visit = dict(row)
            self.retailer_code = self.visit["retailer_code"]
            self.day = self.visit["planned_date"]
        else:
            self.day = self.app.today().isoformat()
        self.retailer = store.require_retailer(self.retailer_code)
        self.session = {
            "visit_id": self.visit_id,
            "retailer_code": None if self.visit_id else self.retailer_code,
            "on": None if self.visit_id else dt.date.fromisoformat(self.day),
        }
        caps = store.session_captures(**self.session)
        self.ids = {k: c["id"] for k, c in caps.items()}
        self.payloads = {k: c["payload"] for k, c in caps.items()}
        self.ids["prices"] = store.ensure_capture("prices", **self.session)
        self.grid_rows = store.price_grid(self.ids["prices"])
        self.brands = store.brands()

    def compose(self) -> ComposeResult:
        yield Header()
        if self.picker:
            yield from self._compose_picker()
        else:
            self._load()
            yield from self._compose_capture()
        yield Footer()

    # -- picker: today's visits and what the day lacks ------------------------------------------
    def _compose_picker(self) -> ComposeResult:
        yield Static(t("capture.need_target"), id="cap-target")
        yield DataTable(id="cap-visits", cursor_type="row", zebra_stripes=True)
        yield Static("", id="cap-gaps")

    def _fill_picker(self) -> None:
        table = self.query_one("#cap-visits", DataTable)
        table.clear(columns=True)
        table.add_column(t("complaint.col.retailer"), key="code", width=40)
        table.add_column(t("complaint.col.status"), key="status", width=8)
        table.add_column(t("capture.col.captured"), key="captured", width=12)
        day = self.app.today()
        visits = self.store.day_visits(day) if hasattr(self.store, "day_visits") else []
        captured = self.store.visit_capture_states(day)
        for v in visits:
            status = t(f"today.status.{v['status']}") if v.get("status") else ""
            mark = ""
            if v["id"] in captured:
                mark = t(f"capture.{captured[v['id']]}")
            table.add_row(f"{v['retailer_code']} {v['name']}", status, mark, key=v["id"])
        self.query_one("#cap-gaps", Static).update(gaps_text(self.store, day))

    @on(DataTable.RowSelected, "#cap-visits")
    def open_visit(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CaptureScreen(visit_id=event.row_key.value))

    def on_screen_resume(self) -> None:
        if self.picker:
            self._fill_picker()

    # -- capture -------------------------------------------------------------------------------
    def _compose_capture(self) -> ComposeResult:
        from khtui.widgets.supply_panel import SupplyPanel

        yield Static(self._target_text(), id="cap-target")
        with Horizontal(id="cap-body"):
            yield OptionList(
                *(Option(self._kind_label(k), id=k.key) for k in ORDER), id="cap-kinds"
            )
            with ContentSwitcher(initial="form-prices", id="cap-forms"):
                with Vertical(id="form-prices"):
                    yield Static(t("capture.grid.help"), id="grid-help")
                    yield PriceGrid(
                        self.grid_rows,
                        commit=self._commit_cell,
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
            yield SupplyPanel(self.retailer_code, id="cap-supply")
        yield Static("", id="cap-status")

    def _target_text(self) -> str:
        r = self.retailer
        line = t("capture.retailer_line", code=r["code"], name=r["name"], day=self.day)
        if self.visit is not None:
            status = self.visit["status"]
            line += "　" + t("capture.visit_status", status=t(f"today.status.{status}"))
        else:
            line += "　" + t("capture.no_visit")
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
            label = field_name(f) + (" *" if f.required else "")
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
        return [(c, c) for c in f.choices]

    def _select_value(self, f: CaptureField, stored: Any) -> Any:
        if stored is None or stored == "":
            return Select.NULL
        if f.type == "bool":
            return "y" if stored else "n"
        return str(stored)

    def on_mount(self) -> None:
        if self.picker:
            self._fill_picker()
            return
        self._maybe_check_in()
        self.query_one("#cap-kinds", OptionList).highlighted = 0
        self.query_one("#cap-grid", PriceGrid).focus()

    def _maybe_check_in(self) -> None:
        """Opening the capture of today's planned visit means the AM is there: check in."""
        v = self.visit
        if v is None or v["status"] != "planned" or v["planned_date"] != self.day:
            return
        if v["planned_date"] != self.app.today().isoformat():
            return
        check_in = getattr(self.store, "check_in", None)
        if callable(check_in):
            check_in(self.visit_id)
            self._reload_visit()

    def _reload_visit(self) -> None:
        row = self.store.query_one("SELECT * FROM visits WHERE id = ?", (self.visit_id,))
        self.visit = dict(row)
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

    def _mark_kind(self, kind: str) -> None:
        kinds = self.query_one("#cap-kinds", OptionList)
        idx = next(i for i, k in enumerate(ORDER) if k.key == kind)
        kinds.replace_option_prompt_at_index(idx, self._kind_label(ORDER[idx]))

    # -- saving as the AM types --------------------------------------------------------------------
    def _capture_id(self, kind: str) -> str:
        if kind not in self.ids:
            self.ids[kind] = self.store.ensure_capture(kind, **self.session)
        return self.ids[kind]

    def _saved(self) -> None:
        now = self.store.now().strftime("%H:%M:%S")
        self.query_one("#cap-status", Static).update(t("capture.draft_saved", time=now))

    def _save_field(self, widget_id: str, raw: str) -> None:
        _, kind, field = widget_id.split("-", 2)
        if self.values.get((kind, field)) == raw and (kind, field) not in self.invalid:
            return
        err = self.query_one(f"#e-{kind}-{field}", Static)
        widget = self.query_one(f"#{widget_id}")
        try:
            value = self.store.set_capture_field(self._capture_id(kind), field, raw)
        except ValueProblem as exc:
            message = problem_text(exc)
            self.invalid[(kind, field)] = message
            err.update(message)
            widget.add_class("-bad")
            return
        self.invalid.pop((kind, field), None)
        self.values[(kind, field)] = raw
        self.payloads.setdefault(kind, {})[field] = value
        err.update("")
        widget.remove_class("-bad")
        self._mark_kind(kind)
        self._saved()

    @on(Input.Changed, ".field")
    def input_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._save_field(event.input.id, event.value)

    @on(Select.Changed, ".field")
    def select_changed(self, event: Select.Changed) -> None:
        raw = event.value if isinstance(event.value, str) else ""
        if event.select.id:
            self._save_field(event.select.id, raw)

    def _commit_cell(self, brand_code: str, field: str, raw: str) -> dict:
        """The grid's commit: store the cell, return the row as stored (ValueError if bad)."""
        cid = self._capture_id("prices")
        try:
            self.store.set_grid_value(cid, brand_code, field, raw)
        except ValueProblem as exc:
            raise ValueError(problem_text(exc)) from None
        rows = {r["brand_code"]: r for r in self.store.price_grid(cid)}
        self.grid_rows = list(rows.values())
        self._saved()
        self._mark_kind("prices")
        return rows[brand_code]

    @on(PriceGrid.Problem)
    def grid_problem(self, event: PriceGrid.Problem) -> None:
        msg = self.query_one("#grid-msg", Static)
        grid = self.query_one("#cap-grid", PriceGrid)
        row = grid.data_rows.get(event.brand_code, {})
        if event.text is not None:
            msg.update(f"{row.get('name', event.brand_code)}: {event.text}")
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
        cid = self._capture_id("prices")
        n = self.store.copy_forward(cid)
        self.grid_rows = self.store.price_grid(cid)
        grid.set_rows(self.grid_rows)
        self._mark_kind("prices")
        self.notify(t("capture.copied", n=n) if n else t("capture.copied_none"))
        if n:
            self._saved()

    def action_finish(self) -> None:
        grid = self.query_one("#cap-grid", PriceGrid)
        if not grid.commit_buffer():
            return
        if self.invalid:
            self.notify(
                t("capture.finish_failed", problems="; ".join(self.invalid.values())),
                severity="error",
            )
            return
        try:
            done = self.store.finish_capture(**self.session)
        except CaptureError as exc:
            parts = []
            for p in exc.problems:
                spec = next(f for f in KIND_BY_KEY[p["kind"]].fields if f.name == p["field"])
                message = t(f"capture.err.{p['code']}")
                self.query_one(f"#e-{p['kind']}-{p['field']}", Static).update(message)
                parts.append(
                    t(
                        "capture.field_problem",
                        kind=kind_name(KIND_BY_KEY[p["kind"]]),
                        field=field_name(spec),
                        message=message,
                    )
                )
            self.notify(t("capture.finish_failed", problems="; ".join(parts)), severity="error")
            first = exc.problems[0]
            self.query_one("#cap-kinds", OptionList).highlighted = next(
                i for i, k in enumerate(ORDER) if k.key == first["kind"]
            )
            self.query_one(f"#f-{first['kind']}-{first['field']}").focus()
            return
        self.notify(t("capture.finished", **done))
        if self.visit is not None and self.visit["status"] in ("planned", "checked_in"):
            finish_visit = getattr(self.store, "finish_visit", None)
            if callable(finish_visit):
                finish_visit(self.visit_id)
                self.notify(t("capture.visit_finished"))
        self._leave()

    def action_back(self) -> None:
        self.query_one("#cap-grid", PriceGrid).commit_buffer()
        self._leave()

    def _leave(self) -> None:
        self.store.drop_empty_drafts(**self.session)
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_complaint(self) -> None:
        from khtui.screens.complaints import RaiseComplaintScreen

        self.query_one("#cap-grid", PriceGrid).commit_buffer()
        self.app.push_screen(
            RaiseComplaintScreen(
                self.retailer_code, capture_id=self.ids.get("opinion"), visit_id=self.visit_id
            ),
            self._after_complaint,
        )

    def _after_complaint(self, complaint_id: str | None) -> None:
        if complaint_id:
            c = self.store.get_complaint(complaint_id)
            self.notify(t("complaint.raised", department=c["department"], due_on=c["due_on"]))

    def action_gaps(self) -> None:
        self.app.push_screen(GapsScreen(self.app.today()))


def gaps_text(store, day: dt.date) -> str:
    """What ``day`` still lacks, as lines: visits finished without a capture, drafts."""
    gaps = store.day_capture_gaps(day)
    lines = [t("capture.gaps.title", day=day.isoformat())]
    if not gaps["finished_without_capture"] and not gaps["drafts"]:
        return lines[0] + "\n" + t("capture.gaps.none")
    if gaps["finished_without_capture"]:
        lines.append(t("capture.gaps.missing"))
        for g in gaps["finished_without_capture"]:
            lines.append(
                "  "
                + t(
                    "capture.gaps.line",
                    day=g["planned_date"],
                    code=g["retailer_code"],
                    name=g["name"] or "",
                    kinds="",
                ).rstrip()
            )
    if gaps["drafts"]:
        lines.append(t("capture.gaps.drafts"))
        for g in gaps["drafts"]:
            kinds = "、".join(kind_name(KIND_BY_KEY[k]) for k in g["kinds"] if k in KIND_BY_KEY)
            lines.append(
                "  "
                + t(
                    "capture.gaps.line",
                    day=g["captured_on"],
                    code=g["retailer_code"],
                    name=g["name"] or "",
                    kinds=kinds,
                )
            )
    return "\n".join(lines)


class GapsScreen(ModalScreen[None]):
    """What the day still lacks: visits finished without a capture and unfinished drafts."""

    CSS_PATH = "capture.tcss"

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day
        bind_keys(self, (("escape", "close", "capture.bind.back"),))

    def compose(self) -> ComposeResult:
        with Vertical(classes="cap-modal"):
            yield Static(gaps_text(self.app.store, self.day), id="gaps-text")
            yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
