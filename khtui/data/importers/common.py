"""Reading the company's exports as they really are: formats, encodings, headers, values.

A file is opened as a :class:`Source` (CSV in UTF-8 / UTF-8 with BOM / GB18030, XLSX, ``.xls``
that is HTML or old BIFF); every cell is read as text. :func:`find_header` finds the header row
below any title rows and maps its columns to fields through the synonym table of the rules
file. The value cleaners here are shared by the importers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from khtui.data.cells import restore
from khtui.domain.dates import full_date
from khtui.domain.limits import NUMBER_MAX
from khtui.domain.messages import Key, Message, Texts
from khtui.domain.problems import KeyedError

# How far down a header row may be (title rows above it).
HEADER_SCAN_ROWS = 30
# First cells that mark a totals row below the data (skipped, never imported).
TOTAL_MARKS = ("合计", "总计", "小计", "累计")
QTY_UNITS = ("支", "包", "条", "件")

ProgressFn = Callable[[int, int], None]


class ImportFileError(KeyedError):
    """A file that cannot be imported at all: the message ``key`` with ``params`` says what is
    wrong and what to do (put into words by the screen or the command line)."""


# -- text values ---------------------------------------------------------------------------
_DOT_ZERO = re.compile(r"^([+-]?\d+)\.0+$")
_SCI = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_CODE = re.compile(r"^[0-9A-Za-z_\-]+$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SERIAL = re.compile(r"^(\d{5})(\.0+)?$")
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_MIN, DATE_MAX = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class TextLimits:
    """The longest text a cell may hold, in characters (``[import.limits]`` in the rules)."""

    code: int
    name: int
    text: int

    @classmethod
    def of(cls, rules) -> TextLimits:
        return cls(
            rules.imports.limits.code_chars,
            rules.imports.limits.name_chars,
            rules.imports.limits.text_chars,
        )


# How much of a rejected value the rejects file and its reason show.
SHOWN_CHARS = 40


def shorten(value: str, n: int = SHOWN_CHARS) -> str:
    """``value`` cut to its first ``n`` characters, marked with … when cut."""
    return value if len(value) <= n else value[:n] + "…"


def check_length(text: str, label: str, limit: int) -> str:
    """``text`` when it is at most ``limit`` characters long; else a ValueProblem naming the
    column, the length and the limit."""
    if len(text) > limit:
        raise ValueProblem(
            "imp.reason.too_long",
            label,
            text,
            column=label,
            n=len(text),
            limit=limit,
            value=text,
        )
    return text


class ValueProblem(ValueError):
    """A cell that cannot be used: the message ``key`` with ``params`` is the reason the
    rejects file gives (in the words of the import's translator, :class:`RejectsSink`);
    ``column`` and ``value`` name the cell. The value a reason shows is shortened
    (:func:`shorten`); the rejects file keeps the row's cells as they were."""

    def __init__(self, key: str, column: str = "", value: str = "", /, **params: object):
        super().__init__(key)
        self.key = key
        shown = params.get("value")
        if isinstance(shown, str):
            params["value"] = shorten(shown)
        self.params = params
        self.column = column
        self.value = value

    @property
    def message(self) -> Message:
        return Message(self.key, self.params)

    def at(self, column: str, value: str) -> ValueProblem:
        """The same problem, naming the cell it was found in."""
        return ValueProblem(self.key, column, value, **self.params)


def cell_text(value: object) -> str:
    """Any cell value as text: integral floats without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def fold_width(text: str) -> str:
    """Full-width digits, letters and signs (an IME's full-width mode: ０３７０, －) as their
    ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


def clean_code(raw: str, label: str, limit: int | None = None) -> str:
    """A customer, licence or brand code as text: full-width forms folded, leading zeros
    kept, '.0' repaired; longer than ``limit`` characters is a problem."""
    text = fold_width(raw).strip()
    if limit is not None:
        check_length(text, label, limit)
    m = _DOT_ZERO.match(text)
    if m:
        text = m.group(1)
    if text == "":
        raise ValueProblem("imp.reason.empty", column=label)
    if _SCI.match(text):
        raise ValueProblem("imp.reason.scientific", column=label, value=text)
    if not _CODE.match(text):
        raise ValueProblem("imp.reason.bad_code", column=label, value=text)
    return text


def parse_date(raw: str, label: str) -> str | None:
    """2026-10-08, 2026/10/8, 2026.10.8, 2026年10月8日, 20261008 or an Excel serial day."""
    text = _TIME_TAIL.sub("", fold_width(raw).strip())
    if text == "":
        return None
    try:
        d = full_date(text)
        if d is None:
            if not (m := _SERIAL.match(text)):
                raise ValueError
            d = EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    except ValueError:
        raise ValueProblem("imp.reason.bad_date", column=label, value=raw.strip()) from None
    if not DATE_MIN <= d <= DATE_MAX:
        raise ValueProblem("imp.reason.bad_date", column=label, value=raw.strip())
    return d.isoformat()


def parse_number(raw: str, label: str, *, negative: bool = False) -> float | None:
    text = (
        fold_width(raw)
        .strip()
        .replace(",", "")
        .replace("，", "")
        .replace("¥", "")
        .replace("￥", "")
    )
    text = text.removesuffix("元")
    if text == "":
        return None
    if not _NUM.match(text):
        raise ValueProblem("imp.reason.bad_number", column=label, value=raw.strip())
    value = float(text)
    if value < 0 and not negative:
        raise ValueProblem("imp.reason.negative", column=label, value=raw.strip())
    if abs(value) > NUMBER_MAX:  # 1e400 is infinity
        raise ValueProblem("imp.reason.too_large", column=label, value=raw.strip())
    return value


def yes_no(raw: str, label: str, rules) -> int:
    values = rules.imports.values
    text = raw.strip()
    if text in values.yes:
        return 1
    if text in values.no:
        return 0
    raise ValueProblem("imp.reason.bad_yes_no", column=label, value=text)


# -- headers -------------------------------------------------------------------------------
_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_UNIT_TAIL = re.compile(r"^(.+?)\(([^()]*)\)$")


def norm_header(text: object) -> str:
    """Fold full-width forms (（）→()), brackets, spaces and case, so synonyms match."""
    s = unicodedata.normalize("NFKC", cell_text(text)).translate(_BRACKETS)
    s = re.sub(r"\s+", "", s).lower()
    return s.replace("/", "/")


@dataclass
class HeaderSpec:
    """Which headers name which field for one kind of file."""

    kind: str
    names: dict[str, str]  # normalised header -> field
    required: tuple[tuple[str, ...], ...]  # each entry: any one of these fields
    ignored: frozenset[str] = frozenset()  # normalised headers read but not stored
    labels: dict[str, str] = field(default_factory=dict)  # field -> label for messages

    def match(self, header: str) -> tuple[str | None, str | None]:
        """The field a header names (and a unit found in it), or (None, None)."""
        h = norm_header(header)
        if not h:
            return None, None
        if h in self.names:
            return self.names[h], _unit_of(h)
        m = _UNIT_TAIL.match(h)
        if m:
            base, inner = m.group(1), m.group(2)
            if base in self.names:
                return self.names[base], _unit_of(h)
            if inner and inner in self.names and base in ("", "unit"):
                return self.names[inner], None
        return None, None


def _unit_of(h: str) -> str | None:
    m = _UNIT_TAIL.match(h)
    if m:
        inner = m.group(2)
        for unit in QTY_UNITS:
            if inner == unit or inner.startswith(unit):
                return unit
    return None


def header_spec(kind: str, rules) -> HeaderSpec:
    names: dict[str, str] = {}
    labels: dict[str, str] = {}
    for fld, synonyms in rules.header_synonyms(kind).items():
        labels[fld] = synonyms[0] if synonyms else fld
        for s in synonyms:
            names.setdefault(norm_header(s), fld)
    ignored: set[str] = set()
    if kind == "retailers":
        from khtui.domain.retailer import FIELDS

        for spec in FIELDS:
            labels.setdefault(spec.name, spec.zh)
            for s in (spec.zh, spec.en, spec.name):
                names.setdefault(norm_header(s), spec.name)
        # derived values in someone's export: recomputed here, never stored as typed
        for s in ("档位", "分档", "客户分类", "分类", "分级", "客户价值", "月均(件)", "tier"):
            ignored.add(norm_header(s))
        required: tuple[tuple[str, ...], ...] = (("code",), ("name",))
    elif kind == "orders":
        required = (
            ("code",),
            ("order_date",),
            ("brand_code",),
            ("qty_tiao", "qty_zhi", "qty_jian"),
            ("amount", "price"),
        )
    elif kind == "brands":
        required = (("brand_code",), ("brand_name",))
    else:
        raise ImportFileError("imp.error.kind", kind=kind)
    return HeaderSpec(kind, names, required, frozenset(ignored), labels)


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index of the header row among the file's rows
    headers: list[str]
    columns: dict[str, int]  # field -> column index (the first column that names it)
    units: dict[str, str]  # field -> unit named in its header
    unknown: list[tuple[int, str]]  # columns kept as extra (retailers) or ignored
    ignored: list[str]
    missing: list[str]  # labels of required fields not found


def match_headers(spec: HeaderSpec, cells: Sequence[str], row_index: int = 0) -> HeaderMatch:
    columns: dict[str, int] = {}
    units: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    ignored: list[str] = []
    for i, cell in enumerate(cells):
        fld, unit = spec.match(cell)
        if fld is None:
            if norm_header(cell) in spec.ignored:
                ignored.append(cell)
            elif cell.strip():
                unknown.append((i, cell.strip()))
            continue
        if fld in ("qty_tiao", "qty_zhi", "qty_jian") and unit:
            fld = {"条": "qty_tiao", "支": "qty_zhi", "件": "qty_jian"}.get(unit, "qty_tiao")
            if unit == "包":
                fld = "qty_bao"
        if fld not in columns:
            columns[fld] = i
            if unit:
                units[fld] = unit
    missing = [
        "/".join(spec.labels.get(f, f) for f in group)
        for group in spec.required
        if not any(f in columns for f in group)
    ]
    return HeaderMatch(row_index, list(cells), columns, units, unknown, ignored, missing)


def find_header(spec: HeaderSpec, rows: Sequence[Sequence[str]]) -> HeaderMatch:
    """The first row (within the first rows) that names every required field."""
    best: HeaderMatch | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        m = match_headers(spec, [cell_text(c) for c in row], i)
        if not m.missing:
            return m
        if best is None or len(m.columns) > len(best.columns):
            best = m
    found = [h for h in (best.headers if best else []) if h.strip()]
    missing = (
        best.missing
        if best
        else ["/".join(spec.labels.get(f, f) for f in g) for g in spec.required]
    )
    raise ImportFileError(
        "imp.error.columns",
        found=Texts(found) if found else Key("imp.none"),
        missing=Texts(missing),
    )


def refuse_orders_file(kind: str, match: HeaderMatch, rules, file: str) -> None:
    """An orders file (its header names every column an orders import needs) is not read as
    retailers or brands: its customer code and name, or its brand code and name, would match,
    and its dates and quantities would be written into the retailers' or brands' records."""
    if kind == "orders":
        return
    orders = match_headers(header_spec("orders", rules), match.headers, match.row_index)
    if not orders.missing:
        raise ImportFileError("imp.error.orders_file", file=file, kind=Key(f"imps.kind.{kind}"))


def is_total_row(cells: Sequence[str]) -> bool:
    for c in cells:
        text = c.strip().replace(" ", "")
        if text:
            return text.startswith(TOTAL_MARKS)
    return False


# -- files ---------------------------------------------------------------------------------
ENCODING_NAMES = {"utf-8-sig": "UTF-8 BOM", "utf-8": "UTF-8", "gb18030": "GB18030"}


# Non-ASCII bytes that must decode before the encoding is decided (a few hundred Chinese
# characters): a handful of GBK bytes can happen to be valid UTF-8, a page of them cannot.
ENCODING_EVIDENCE = 4096
ENCODING_BLOCK = 1 << 20  # read and decoded at a time while detecting
_ASCII = bytes(range(128))


def detect_encoding(path: Path, chunk: int | None = None) -> str:
    """utf-8-sig when the file starts with a BOM; else utf-8 or gb18030, whichever decodes
    the file's first non-ASCII text (read until ENCODING_EVIDENCE non-ASCII bytes or the end).

    Only the head is read: a large export is not decoded twice. A file that changes its
    encoding further down is refused by the readers (:func:`encoding_changed`)."""
    with open(path, "rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoders = {
            "utf-8": codecs.getincrementaldecoder("utf-8")(),
            "gb18030": codecs.getincrementaldecoder("gb18030")(),
        }
        seen = 0
        while block := f.read(chunk or ENCODING_BLOCK):
            non_ascii = len(block.translate(None, _ASCII))  # the bytes left after deleting ASCII
            if not non_ascii and not seen:
                continue  # blocks of plain ASCII say nothing (and end on a character)
            for name, dec in list(decoders.items()):
                try:
                    dec.decode(block)  # not final: a character cut at the block's end waits
                except UnicodeDecodeError:
                    del decoders[name]
            if not decoders:
                raise ImportFileError("imp.error.encoding", file=path.name)
            seen += non_ascii
            if seen >= ENCODING_EVIDENCE:
                break
        else:
            for name, dec in list(decoders.items()):
                try:
                    dec.decode(b"", final=True)
                except UnicodeDecodeError:
                    del decoders[name]
            if not decoders:
                raise ImportFileError("imp.error.encoding", file=path.name)
        return next(iter(decoders))  # utf-8 first: GB18030 decodes most UTF-8 too


def encoding_changed(path: Path, encoding: str) -> ImportFileError:
    """The error for a file whose text stops being ``encoding`` part of the way down."""
    return ImportFileError(
        "imp.error.encoding_changed",
        file=path.name,
        encoding=ENCODING_NAMES.get(encoding, encoding),
    )


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class Source:
    """One sheet of one file, every cell as text."""

    format: str = "csv"
    encoding: str | None = None
    sheet: str | None = None

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size

    @property
    def encoding_label(self) -> str:
        if self.format == "xls-html":
            encoding = self.encoding or ""
            return f"XLS/HTML {ENCODING_NAMES.get(encoding, encoding)}"
        if self.encoding:
            return ENCODING_NAMES.get(self.encoding, self.encoding.upper())
        return {"xlsx": "XLSX", "xls-html": "XLS/HTML", "xls-biff": "XLS"}.get(
            self.format, self.format
        )

    def rows(self) -> Iterator[list[str]]:
        raise NotImplementedError

    def head(self, n: int = HEADER_SCAN_ROWS) -> list[list[str]]:
        out = []
        for row in self.rows():
            out.append(row)
            if len(out) >= n:
                break
        return out


class CsvSource(Source):
    format = "csv"
    encoding: str  # detected when not given

    def __init__(self, path: Path, encoding: str | None = None):
        super().__init__(path)
        self.encoding = encoding or detect_encoding(path)
        try:
            with open(path, encoding=self.encoding, newline="") as f:
                first = f.readline()
                for _ in range(HEADER_SCAN_ROWS):
                    line = f.readline()
                    if not line:
                        break
                    if line.count(",") + line.count("\t") > first.count(",") + first.count("\t"):
                        first = line
        except UnicodeDecodeError:
            raise encoding_changed(path, self.encoding) from None
        self.delimiter = _sniff_delimiter(first)

    def rows(self) -> Iterator[list[str]]:
        with open(self.path, encoding=self.encoding, newline="") as f:
            try:
                for row in csv.reader(f, delimiter=self.delimiter):
                    yield [restore(c.strip()) for c in row]
            except csv.Error as exc:
                raise ImportFileError("imp.error.csv", file=self.path.name, problem=exc) from None
            except UnicodeDecodeError:
                raise encoding_changed(self.path, self.encoding) from None


class XlsxSource(Source):
    format = "xlsx"

    def __init__(self, path: Path, sheet: str | None):
        super().__init__(path)
        import openpyxl

        # opened by its contents, as it was recognised (an XLSX named .csv or .xls: given a
        # name, openpyxl refuses any but its own suffixes)
        self._file = open(path, "rb")  # noqa: SIM115 (read through the workbook's life)
        try:
            self._wb = openpyxl.load_workbook(self._file, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            self._file.close()
            raise ImportFileError("imp.error.unreadable", file=path.name, problem=exc) from None
        names = self._wb.sheetnames
        if sheet is not None and sheet not in names:
            raise ImportFileError("imp.error.sheet", sheet=sheet, sheets=Texts(names))
        self.sheet = sheet or names[0]
        self.sheets = names

    def rows(self) -> Iterator[list[str]]:
        ws = self._wb[self.sheet]
        for row in ws.iter_rows(values_only=True):
            yield [cell_text(v) for v in row]


class XlsBiffSource(Source):
    format = "xls-biff"

    def __init__(self, path: Path, sheet: str | None):
        super().__init__(path)
        import xlrd

        try:
            self._book = xlrd.open_workbook(str(path), on_demand=True)
        except Exception as exc:  # xlrd raises XLRDError, struct errors, …
            raise ImportFileError("imp.error.unreadable", file=path.name, problem=exc) from None
        names = self._book.sheet_names()
        if sheet is not None and sheet not in names:
            raise ImportFileError("imp.error.sheet", sheet=sheet, sheets=Texts(names))
        self.sheet = sheet or names[0]
        self.sheets = names

    def rows(self) -> Iterator[list[str]]:
        import xlrd

        sh = self._book.sheet_by_name(self.sheet)
        for r in range(sh.nrows):
            out = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate.xldate_as_datetime(cell.value, self._book.datemode)
                    except (ValueError, OverflowError):
                        v = cell.value
                    out.append(cell_text(v))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    out.append(cell_text(bool(cell.value)))
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    out.append("")
                else:
                    out.append(cell_text(cell.value))
            yield out


class HtmlTableSource(Source):
    """An ``.xls`` that is really an HTML table (many web systems export this)."""

    format = "xls-html"

    def __init__(self, path: Path, sheet: str | None):
        super().__init__(path)
        import lxml.html

        self.encoding = detect_encoding(path)
        try:
            text = path.read_text(encoding=self.encoding)
        except UnicodeDecodeError:
            raise encoding_changed(path, self.encoding) from None
        try:
            doc = lxml.html.fromstring(text)
        except Exception as exc:  # lxml's ParserError and friends
            raise ImportFileError("imp.error.unreadable", file=path.name, problem=exc) from None
        tables = doc.xpath("//table")
        if not tables:
            raise ImportFileError("imp.error.no_table", file=path.name)
        # the table with the most rows is the data
        self._table = max(tables, key=lambda tb: len(tb.xpath(".//tr")))
        self.sheet = sheet
        self.sheets = [f"table{i + 1}" for i in range(len(tables))]

    def rows(self) -> Iterator[list[str]]:
        for tr in self._table.xpath(".//tr"):
            yield [" ".join(td.text_content().split()) for td in tr.xpath("./td|./th")]


def open_source(path: str | os.PathLike, sheet: str | None = None) -> Source:
    """Open a file by what it really is (its first bytes), not by its name."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError("imp.error.missing", file=path)
    if path.is_dir():
        raise ImportFileError("imp.error.is_dir", file=path)
    with open(path, "rb") as f:
        head = f.read(2048)
    if not head.strip():
        raise ImportFileError("imp.error.empty", file=path.name)
    if head.startswith(b"PK\x03\x04"):
        return XlsxSource(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return XlsBiffSource(path, sheet)
    if b"\x00" in head:
        raise ImportFileError("imp.error.binary", file=path.name)
    sniff = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if sniff.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head")):
        return HtmlTableSource(path, sheet)
    return CsvSource(path)


def free_path(path: Path) -> Path:
    """``path`` if it does not exist, else the first free ``stem-2.ext``, ``stem-3.ext``, …"""
    if not path.exists():
        return path
    n = 2
    while True:
        cand = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not cand.exists():
            return cand
        n += 1


def default_rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.csv")
