"""Exports for people (XLSX, the default) and for other systems (CSV, UTF-8 with BOM).

Each export is one or more :class:`ExportTable` (a name and headers in the words of the
translator the export is given — the user's language —, rows of values, and which columns are
codes, dates or free text), written to:

- **XLSX**: one sheet per table; a header row in bold, frozen, with filters; column widths
  from the content; dates as real dates; codes (客户编码, 许可证号, 卷烟编码, phones) as text so
  they keep their leading zeros; every text value a *string* cell — a text such as
  ``=HYPERLINK(...)`` is never written as a formula (openpyxl would make it one). Numbers stay
  numbers.
- **CSV**: one table (the first; captures are written as one table whose columns are every
  kind's fields). Every text cell goes through :func:`khtui.data.cells.neutralise` (a text a
  spreadsheet would run gets a leading ``'``) unless ``raw`` is asked for: ``raw`` writes the
  values exactly as stored, for another system that reads the file as data.

``mask`` shortens phone and licence numbers to their last digits (rules
``exports.mask_keep_digits``), in their columns and inside free text, for a file that leaves
the AM's hands.

Retailer headers are the first synonym of each field in the rules' ``[import.retailers]`` table
(the field's own name in the company's files for the others), in any UI language, so an export
re-imports unchanged; imported
columns khtui does not know (``extra``) follow, by name. Derived values are not exported with
retailers: they are recomputed from the orders, and a file imported again must not carry stale
ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from khtui.data.cells import neutralise
from khtui.domain.messages import Tr
from khtui.domain.retailer import FIELDS

EXPORT_KINDS = ("retailers", "visits", "captures", "complaints", "prices", "plan", "suggestions")
SUFFIXES = (".xlsx", ".csv")

# Columns written as text whatever they hold (codes keep their leading zeros in Excel), by id.
TEXT_COLUMNS = {"code", "licence_no", "brand_code", "phone"}
# Columns masked with ``mask`` (phone and licence numbers).
MASKED_COLUMNS = {"licence_no", "phone"}


class ExportError(Exception):
    """An export that cannot be written; ``key`` names the message (``exp.error.<key>``)."""

    def __init__(self, key: str, /, **params: Any):
        super().__init__(key)
        self.key = f"exp.error.{key}"
        self.params = params


@dataclass
class ExportTable:
    """One sheet: its ``name`` and ``headers`` in the export's words, ``columns`` the id of
    each column (a field's name: ``code``, ``phone``, …; the header itself when it has none)."""

    name: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    dates: set[int] = field(default_factory=set)  # columns of ISO dates (real dates in XLSX)
    columns: list[str] = field(default_factory=list)
    kind: str = ""  # the capture kind of a capture table (``prices``: the grid)

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = list(self.headers)

    @property
    def text_columns(self) -> set[int]:
        return {i for i, c in enumerate(self.columns) if c in TEXT_COLUMNS}

    @property
    def masked_columns(self) -> set[int]:
        return {i for i, c in enumerate(self.columns) if c in MASKED_COLUMNS}


def _table(t: Tr, name: str, columns: Sequence[str], **kw: Any) -> ExportTable:
    """A table whose headers are the catalogue's (``exp.col.<id>``)."""
    return ExportTable(t(name), [t(f"exp.col.{c}") for c in columns], columns=list(columns), **kw)


def _file_yes(v: Any) -> str:
    """A flag as the company's files write it (the retailer table re-imports)."""
    return "" if v is None else ("是" if int(v) else "否")


def _yes(t: Tr, v: Any) -> str:
    return "" if v is None else t("profile.yes") if int(v) else t("profile.no")


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _labels(t: Tr, values: str | None, prefix: str) -> str:
    """A JSON list of keys (reasons, measures) as their names, joined by the list separator."""
    try:
        items = json.loads(values or "[]")
    except ValueError:
        return values or ""
    return t("fmt.sep").join(t(f"{prefix}.{x}") for x in items)


# -- the tables ---------------------------------------------------------------------------------
def retailer_table(store) -> ExportTable:
    """The retailers as the company's file gives them (headers: the first synonym of each field
    in the rules' ``[import.retailers]``, else the field's own name in the company's files), so
    that the export re-imports unchanged whatever the UI's language."""
    synonyms = store.rules.header_synonyms("retailers")
    headers = []
    for f in FIELDS:
        names = synonyms.get(f.name)
        headers.append(names[0] if names else f.zh)
    rows_db = store.query("SELECT * FROM retailers ORDER BY code")
    extra_keys: list[str] = []
    seen = set(headers)
    extras = []
    for r in rows_db:
        extra = json.loads(r["extra"] or "{}")
        extras.append(extra)
        for k in extra:
            if k not in seen:
                seen.add(k)
                extra_keys.append(k)
    extra_keys.sort()
    rows = []
    for r, extra in zip(rows_db, extras, strict=True):
        row = []
        for f in FIELDS:
            v = r[f.name]
            row.append(_file_yes(v) if f.type == "bool" else _text(v))
        row += [_text(extra.get(k)) for k in extra_keys]
        rows.append(row)
    return ExportTable(
        "客户", headers + extra_keys, rows, columns=[f.name for f in FIELDS] + extra_keys
    )


def _range(col: str, start: dt.date | None, end: dt.date | None) -> tuple[str, list]:
    where: list[str] = []
    params: list[Any] = []
    if start:
        where.append(f"{col} >= ?")
        params.append(start.isoformat())
    if end:
        where.append(f"{col} <= ?")
        params.append(end.isoformat())
    return (" AND " + " AND ".join(where) if where else ""), params


PLAN_COLUMNS = ("month", "plan_status", "planned_date", "seq", "code", "name", "route",
                "reasons", "measures")  # fmt: skip
VISIT_COLUMNS = ("planned_date", "seq", "code", "name", "route", "status", "reasons",
                 "measures", "adhoc", "checked_in_at", "done_at", "skip_reason")  # fmt: skip


def visit_table(store, t: Tr, start, end, *, plan_only=False) -> ExportTable:
    cond, params = _range("v.planned_date", start, end)
    if plan_only:
        cond += " AND v.plan_id IS NOT NULL"
    rows = store.query(
        "SELECT v.*, r.name, r.route, p.month, p.status AS plan_status FROM visits v "
        "LEFT JOIN retailers r ON r.code = v.retailer_code "
        "LEFT JOIN visit_plans p ON p.id = v.plan_id "
        f"WHERE 1 = 1{cond} ORDER BY v.planned_date, v.seq, v.retailer_code",
        params,
    )
    if plan_only:
        table = _table(t, "exp.sheet.plan", PLAN_COLUMNS, dates={2})
        table.rows = [
            [
                r["month"],
                t(f"exp.plan_status.{r['plan_status']}") if r["plan_status"] else "",
                r["planned_date"],
                r["seq"],
                r["retailer_code"],
                r["name"] or "",
                r["route"] or "",
                _labels(t, r["reasons"], "exp.reason"),
                _labels(t, r["measures"], "plan.measure"),
            ]
            for r in rows
        ]
        return table
    table = _table(t, "exp.sheet.visits", VISIT_COLUMNS, dates={0})
    table.rows = [
        [
            r["planned_date"],
            r["seq"],
            r["retailer_code"],
            r["name"] or "",
            r["route"] or "",
            t(f"exp.vstatus.{r['status']}"),
            _labels(t, r["reasons"], "exp.reason"),
            _labels(t, r["measures"], "plan.measure"),
            _yes(t, r["adhoc"]),
            (r["checked_in_at"] or "").replace("T", " "),
            (r["done_at"] or "").replace("T", " "),
            r["skip_reason"] or "",
        ]
        for r in rows
    ]
    return table


def capture_tables(store, t: Tr, start, end) -> list[ExportTable]:
    """One table per kind of capture with that kind's own fields as columns (brands by name,
    flags as yes/no, captures with nothing in their fields left out), then the price and
    stock grid as its own table."""
    from khtui.domain.capture import KINDS

    cond, params = _range("c.captured_on", start, end)
    rows = store.query(
        "SELECT c.*, r.name FROM captures c LEFT JOIN retailers r ON r.code = c.retailer_code "
        f"WHERE c.is_draft = 0{cond} ORDER BY c.captured_on, c.created_at",
        params,
    )
    brands = {r[0]: r[1] for r in store.query("SELECT brand_code, name FROM brands")}
    by_kind: dict[str, list] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    out = []
    for kind in KINDS:
        table = ExportTable(
            t(f"capture.kind.{kind.key}"),
            [
                t("exp.col.captured_on"),
                t("exp.col.code"),
                t("exp.col.name"),
                *(t(f"capture.field.{kind.key}.{f.name}") for f in kind.fields),
            ],
            dates={0},
            columns=["captured_on", "code", "name", *(f.name for f in kind.fields)],
            kind=kind.key,
        )
        for r in by_kind.get(kind.key, []):
            payload = _payload(r["payload"])
            values = [_field_value(t, f, payload.get(f.name), brands) for f in kind.fields]
            if all(v in (None, "") for v in values):
                continue
            table.rows.append(
                [r["captured_on"], r["retailer_code"] or "", r["name"] or "", *values]
            )
        if table.rows:
            out.append(table)
    out.append(price_table(store, t, start, end))
    return out


def _field_value(t: Tr, f, value: Any, brands: dict[str, str]) -> Any:
    if value is None or value == "":
        return None
    if f.type == "brand":
        return brands.get(str(value), str(value))
    if f.type == "bool":
        return t("profile.yes") if value in (True, 1, "1", "是") else t("profile.no")
    if f.type in ("int", "money") and isinstance(value, int | float):
        return value
    return str(value)


def captures_flat(tables: list[ExportTable], t: Tr) -> ExportTable:
    """The capture tables as one (for CSV): date, customer code and name, kind, then every
    kind's fields by their names (a name shared by kinds is one column)."""
    grid = tables[-1] if tables and tables[-1].kind == "prices" else None
    kinds = [tb for tb in tables if tb is not grid]
    columns: list[str] = []
    for tb in kinds:
        for h in tb.headers[3:]:
            if h not in columns:
                columns.append(h)
    fixed = ("captured_on", "code", "name", "kind")
    out = ExportTable(
        t("exp.sheet.captures"),
        [*(t(f"exp.col.{c}") for c in fixed), *columns],
        dates={0},
        columns=[*fixed, *columns],
    )
    for tb in kinds:
        index = {h: 3 + i for i, h in enumerate(tb.headers[3:])}
        for row in tb.rows:
            out.rows.append(
                [*row[:3], tb.name, *(row[index[c]] if c in index else None for c in columns)]
            )
    out.rows.sort(key=lambda r: (r[0], r[1]))
    return out


COMPLAINT_COLUMNS = ("raised_on", "code", "name", "category", "department", "due_on", "status",
                     "description", "answer", "resolution", "forwarded_on", "answered_on",
                     "closed_on")  # fmt: skip


def complaint_table(store, t: Tr, start, end) -> ExportTable:
    cond, params = _range("c.raised_on", start, end)
    routes = store.rules.complaint_routes
    rows = store.query(
        "SELECT c.*, r.name FROM complaints c LEFT JOIN retailers r ON r.code = c.retailer_code "
        f"WHERE 1 = 1{cond} ORDER BY c.raised_on, c.created_at",
        params,
    )
    table = _table(t, "exp.sheet.complaints", COMPLAINT_COLUMNS, dates={0, 5, 10, 11, 12})
    rules = store.rules
    table.rows = [
        [
            r["raised_on"],
            r["retailer_code"],
            r["name"] or "",
            t.word(routes[r["category"]].name, rules) if r["category"] in routes else r["category"],
            t.word(r["department"], rules),
            r["due_on"],
            t(f"complaint.status.{r['status']}"),
            r["description"],
            r["answer"] or "",
            r["resolution"] or "",
            r["forwarded_on"] or "",
            r["answered_on"] or "",
            r["closed_on"] or "",
        ]
        for r in rows
    ]
    return table


PRICE_COLUMNS = ("captured_on", "code", "name", "brand_name", "brand_code", "retail_price",
                 "guide_price", "deviation_pct", "marked_price", "stock_tiao",
                 "on_shelf")  # fmt: skip


def price_table(store, t: Tr, start, end) -> ExportTable:
    """The price and stock grid: one row per retailer, brand and day observed."""
    from khtui.domain.capture import deviation_pct

    cond, params = _range("p.observed_on", start, end)
    rows = store.query(
        "SELECT p.*, r.name, b.name AS brand_name, coalesce(p.guide_price, b.guide_price) AS guide "
        "FROM price_observations p "
        "LEFT JOIN retailers r ON r.code = p.retailer_code "
        "LEFT JOIN brands b ON b.brand_code = p.brand_code "
        f"WHERE p.is_draft = 0{cond} ORDER BY p.observed_on, p.retailer_code, p.brand_code",
        params,
    )
    out = _table(t, "exp.sheet.prices", PRICE_COLUMNS, dates={0}, kind="prices")
    for r in rows:
        values = (r["retail_price"], r["marked_price"], r["stock_tiao"], r["on_shelf"])
        if all(v is None for v in values):
            continue
        dev = deviation_pct(r["retail_price"], r["guide"])
        out.rows.append(
            [
                r["observed_on"],
                r["retailer_code"],
                r["name"] or "",
                r["brand_name"] or r["brand_code"],
                r["brand_code"],
                r["retail_price"],
                r["guide"],
                None if dev is None else round(dev, 1),
                _yes(t, r["marked_price"]),
                r["stock_tiao"],
                _yes(t, r["on_shelf"]),
            ]
        )
    return out


SUGGESTION_COLUMNS = ("code", "name", "tier", "next_order_day", "brand_code", "brand_name",
                      "suggested_tiao", "forecast_tiao", "on_hand_tiao", "ceiling_tiao",
                      "note")  # fmt: skip


def suggestion_table(store, t: Tr, day: dt.date | None) -> ExportTable:
    """The supply suggestions of every active retailer for the order system: one row per brand
    suggested (or held back, with why)."""
    out = _table(t, "exp.sheet.suggestions", SUGGESTION_COLUMNS)
    for row in store.suggestion_rows(day):
        note = row[-1]
        out.rows.append([*row[:-1], t(f"exp.{note}") if note else ""])
    return out


def _payload(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def export_tables(
    store, kind: str, t: Tr, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[ExportTable]:
    """The tables of one export, in ``t``'s words (the retailers in the company's own)."""
    if kind == "retailers":
        return [retailer_table(store)]
    if kind == "visits":
        return [visit_table(store, t, start, end)]
    if kind == "plan":
        if start is None and end is None:
            from khtui.domain.months import month_key, month_range

            start, end = month_range(month_key(store.today()))
        return [visit_table(store, t, start, end, plan_only=True)]
    if kind == "captures":
        return capture_tables(store, t, start, end)
    if kind == "complaints":
        return [complaint_table(store, t, start, end)]
    if kind == "prices":
        return [price_table(store, t, start, end)]
    if kind == "suggestions":
        return [suggestion_table(store, t, start)]
    raise ExportError("kind", kind=kind)


# -- writing ------------------------------------------------------------------------------------
def _clean(text: str) -> str:
    """Text without the control characters XLSX cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def write_csv(path: Path, table: ExportTable, *, raw: bool = False) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(table.headers if raw else [neutralise(h) for h in table.headers])
        for row in table.rows:
            w.writerow(["" if v is None else (v if raw else neutralise(v)) for v in row])


def _width(values: Sequence[Any]) -> float:
    from khtui.data.documents import text_em

    longest = max((text_em(str(v)) for v in values if v is not None), default=4)
    return max(6.0, min(60.0, longest * 2.0 + 2))


def write_xlsx(path: Path, tables: Sequence[ExportTable]) -> None:
    """Every table a sheet of a write-only workbook (streams: a city's retailers fit). The file
    is opened first: a folder that is not there fails before a sheet has begun to stream, which
    would otherwise be left half-written and complain as it is collected."""
    with open(path, "wb") as f:
        _write_xlsx(f, tables)


def _write_xlsx(f: BinaryIO, tables: Sequence[ExportTable]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    for table in tables:
        ws = wb.create_sheet(table.name[:31])
        n = len(table.headers)
        sample = table.rows[:500]
        for i, h in enumerate(table.headers):
            width = max(_width([h]), _width([r[i] for r in sample]))
            if i in table.dates:
                width = 12
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(n, 1))}{len(table.rows) + 1}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.oddFooter.center.text = "&P / &N"
        header_cells = []
        for h in table.headers:
            cell = WriteOnlyCell(ws, value=_clean(h))
            cell.data_type = "s"
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center")
            header_cells.append(cell)
        ws.append(header_cells)
        text_cols, date_cols = table.text_columns, table.dates
        for row in table.rows:
            out: list[Any] = []
            for i, v in enumerate(row):
                if v is None or v == "":
                    out.append(None)
                    continue
                if i in date_cols and isinstance(v, str) and len(v) == 10:
                    try:
                        cell = WriteOnlyCell(ws, value=dt.date.fromisoformat(v))
                        cell.number_format = "yyyy-mm-dd"
                        out.append(cell)
                        continue
                    except ValueError:
                        pass
                if i in text_cols or not isinstance(v, int | float) or isinstance(v, bool):
                    cell = WriteOnlyCell(ws, value=_clean(str(v)))
                    cell.data_type = "s"  # a string, never a formula
                    if i in text_cols:
                        cell.number_format = "@"
                else:
                    cell = WriteOnlyCell(ws, value=v)
                out.append(cell)
            ws.append(out)
    wb.save(f)


def default_export_dir() -> Path:
    """Where files go when no path is given: $KHTUI_EXPORT_DIR, else Documents/khtui."""
    env = os.environ.get("KHTUI_EXPORT_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "khtui"


def export_path(kind: str, out: str | os.PathLike | None, today: dt.date) -> Path:
    """The file an export writes: ``out`` (XLSX when it has no suffix), else
    ``<export dir>/<kind>_<today>.xlsx``."""
    if out is None:
        return default_export_dir() / f"{kind}_{today.isoformat()}.xlsx"
    path = Path(out)
    if not path.suffix:
        path = path.with_suffix(".xlsx")
    return path


def export(
    store,
    kind: str,
    out: str | os.PathLike,
    *,
    t: Tr,
    start: dt.date | None = None,
    end: dt.date | None = None,
    force: bool = False,
    raw: bool = False,
    mask: bool = False,
) -> int:
    """Write one export; returns the number of data rows. The file appears whole or not at all.
    ``raw`` (CSV only): values exactly as stored; ``mask``: phone and licence numbers
    shortened."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError("suffix", file=out.name)
    if out.exists() and not force:
        raise ExportError("exists", file=out)
    tables = export_tables(store, kind, t, start=start, end=end)
    if mask:
        from khtui.data.masking import masker_for

        masker = masker_for(store)
        for table in tables:
            mask_table(table, masker.value, masker.text)
    tmp = out.with_name(f".{out.name}.part")
    try:
        if suffix == ".csv":
            table = captures_flat(tables, t) if kind == "captures" else tables[0]
            write_csv(tmp, table, raw=raw)
            n = len(table.rows)
        else:
            write_xlsx(tmp, tables)
            n = sum(len(t.rows) for t in tables)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def mask_table(table: ExportTable, value: Callable[[str], str], text: Callable[[str], str]) -> None:
    """Phone and licence columns masked whole; every other text cell masked where it holds
    one (a phone number typed into a note)."""
    masked = table.masked_columns
    codes = table.text_columns - masked
    for row in table.rows:
        for i, v in enumerate(row):
            if not isinstance(v, str) or not v:
                continue
            if i in masked:
                row[i] = value(v)
            elif i not in codes:
                row[i] = text(v)


# -- formatted sheets (the plan workbook) -------------------------------------------------------
class Sheet:
    """A formatted worksheet written top to bottom: a title and period row, headed tables with
    borders and 合计 rows, notes, approval fields; landscape A4 with page numbers in the footer.
    Every text is a string cell (never a formula)."""

    def __init__(self, wb, name: str, text: Callable[[Any], Any] = lambda v: v):
        from openpyxl.styles import Border, Side

        self.ws = wb.create_sheet(name[:31])
        self.row = 1
        self.text = text
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.header_row: int | None = None
        self.first_data: int | None = None
        self.last_col = 1

    def _set(self, row: int, col: int, value: Any):
        cell = self.ws.cell(row=row, column=col)
        value = self.text(value)
        if isinstance(value, str):
            cell.value = _clean(value)
            cell.data_type = "s"
        else:
            cell.value = value
        self.last_col = max(self.last_col, col)
        return cell

    def title(self, title: str, period: str, ncols: int) -> None:
        from openpyxl.styles import Alignment, Font

        for text, size in ((title, 14), (period, 10)):
            cell = self._set(self.row, 1, text)
            cell.font = Font(bold=size > 10, size=size)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            self.ws.merge_cells(
                start_row=self.row, start_column=1, end_row=self.row, end_column=ncols
            )
            self.row += 1
        self.ws.print_title_rows = "1:2"

    def line(self, values: Sequence[Any]) -> None:
        from openpyxl.styles import Font

        for i, v in enumerate(values, 1):
            cell = self._set(self.row, i, v)
            if i % 2:
                cell.font = Font(bold=True)
        self.row += 1

    def gap(self) -> None:
        self.row += 1

    def heading(self, text: str) -> None:
        from openpyxl.styles import Font

        self._set(self.row, 1, text).font = Font(bold=True, size=11)
        self.row += 1

    def note(self, text: str) -> None:
        from openpyxl.styles import Alignment, Font

        cell = self._set(self.row, 1, text)
        cell.font = Font(italic=True, color="595959")
        cell.alignment = Alignment(wrap_text=False)
        self.row += 1

    def field(self, label: str) -> None:
        """An approval field: its label, then a bordered cell to fill in by hand."""
        from openpyxl.styles import Font

        self._set(self.row, 1, label).font = Font(bold=True)
        for col in range(2, 5):
            self.ws.cell(row=self.row, column=col).border = self.border
        self.ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row, end_column=4)
        self.ws.row_dimensions[self.row].height = 24
        self.row += 1

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        total: Sequence[Any] | None = None,
        heading: str | None = None,
        wrap_columns: set[int] = frozenset(),  # type: ignore[assignment]
        text_columns: set[int] = frozenset(),  # type: ignore[assignment]
        percent_columns: set[int] = frozenset(),  # type: ignore[assignment]
        data_sheet: bool = False,
    ) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        if heading:
            self.heading(heading)
        fill = PatternFill("solid", fgColor="D9D9D9")
        top = self.row
        for i, h in enumerate(headers, 1):
            cell = self._set(self.row, i, h)
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.border = self.border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.row += 1
        body = [*rows, *([total] if total is not None else [])]
        for k, values in enumerate(body):
            is_total = total is not None and k == len(body) - 1
            for i, v in enumerate(values):
                cell = self._set(self.row, i + 1, v)
                cell.border = self.border
                if isinstance(v, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif i in percent_columns and isinstance(v, float):
                    cell.number_format = "0.0%"
                elif i in text_columns:
                    cell.number_format = "@"
                cell.alignment = Alignment(vertical="top", wrap_text=i in wrap_columns)
                if is_total:
                    cell.font = Font(bold=True)
            self.row += 1
        if data_sheet:
            self.header_row = top
            last = get_column_letter(len(headers))
            self.ws.freeze_panes = f"A{top + 1}"
            self.ws.auto_filter.ref = f"A{top}:{last}{top + len(rows)}"
            self.ws.print_title_rows = f"1:{top}"

    def finish(self, widths: Sequence[float], footer: str = "&P / &N") -> None:
        from openpyxl.utils import get_column_letter

        ws = self.ws
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = footer
