"""The kinds of market information an AM captures at a visit (会收集).

This is the contract between the capture screen, the store, the demo data and the reports:
each kind has a key (its name and its fields' names are the catalogue's), and the payload
fields it holds (stored as JSON in
``captures.payload``). Prices, stock and on-shelf presence per brand are stored as rows of
``price_observations`` beside a ``prices`` capture, not in its payload.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from khtui.domain.limits import NUMBER_MAX
from khtui.domain.messages import Words
from khtui.domain.problems import CodedProblem

if TYPE_CHECKING:
    from khtui.rules import Capture


@dataclass(frozen=True)
class CaptureField:
    """A field of a kind's form (named in the catalogue: ``capture.field.<kind>.<name>``)."""

    name: str
    type: str = "text"  # text / brand / int / money / bool / date / choice
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class CaptureKind:
    """A kind of market information (named in the catalogue: ``capture.kind.<key>``)."""

    key: str
    fields: tuple[CaptureField, ...]

    @functools.cached_property
    def field_by_name(self) -> dict[str, CaptureField]:
        """The kind's fields by name (made once per kind)."""
        return {f.name: f for f in self.fields}


SELLING = ("好", "一般", "差")

KINDS: tuple[CaptureKind, ...] = (
    CaptureKind(
        "activity",
        (
            CaptureField("brand_code", "brand", required=True),
            CaptureField("place"),
            CaptureField("method"),
            CaptureField("strategy"),
        ),
    ),
    CaptureKind(
        "brand_sales",
        (
            CaptureField("brand_code", "brand", required=True),
            CaptureField("price", "money"),
            CaptureField("selling", "choice", SELLING, required=True),
            CaptureField("note"),
        ),
    ),
    CaptureKind(
        "new_brand",
        (
            CaptureField("brand_code", "brand", required=True),
            CaptureField("sales_tiao", "int"),
            CaptureField("retailer_acceptance", "choice", SELLING),
            CaptureField("consumer_acceptance", "choice", SELLING),
            CaptureField("price_kept", "bool"),
            CaptureField("potential", "choice", ("大", "中", "小")),
        ),
    ),
    CaptureKind(
        "prices",
        (CaptureField("note"),),
    ),
    CaptureKind(
        "dynamics",
        (
            CaptureField(
                "event",
                "choice",
                ("搬迁", "装修", "歇业", "转让", "新店主", "扩店", "其他"),
                required=True,
            ),
            CaptureField("date", "date"),
            CaptureField("note"),
        ),
    ),
    CaptureKind(
        "stock",
        (CaptureField("note"),),
    ),
    CaptureKind(
        "opinion",
        (
            CaptureField("type", "choice", ("意见", "建议", "投诉"), required=True),
            CaptureField("text", required=True),
        ),
    ),
    CaptureKind(
        "worklog",
        (CaptureField("text", required=True),),
    ),
    CaptureKind(
        "display",
        (
            CaptureField("display", "choice", SELLING),
            CaptureField("price_labels", "bool"),
            CaptureField(
                "satisfaction",
                "choice",
                ("5", "4", "3", "2", "1"),
            ),
            CaptureField("note"),
        ),
    ),
)
KIND_BY_KEY = {k.key: k for k in KINDS}


# -- validation ---------------------------------------------------------------------------------
# A bad value is reported as a :class:`ValueProblem` whose ``code`` the UI turns into a message
# (i18n key ``capture.err.<code>``); nothing here knows any language.

YES = ("是", "有", "y", "yes", "1", "true", "√")
NO = ("否", "无", "n", "no", "0", "false", "×")
GRID_FIELDS = ("retail_price", "marked_price", "stock_tiao", "on_shelf")


class ValueProblem(CodedProblem):
    """A value that cannot be stored. ``code`` names the problem, ``details`` its details: the
    message ``capture.err.<code>`` (``key``) with ``params``."""

    PREFIX = "capture.err."


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_money(raw: object) -> float | None:
    """A price in 元: positive, at most two decimals. Blank is None."""
    if _blank(raw):
        return None
    try:
        value = float(str(raw).strip().lstrip("¥￥"))
    except ValueError:
        raise ValueProblem("not_number", value=raw) from None
    if math.isnan(value):
        raise ValueProblem("not_number", value=raw)
    if value <= 0:
        raise ValueProblem("price_positive", value=raw)
    if value > NUMBER_MAX:  # 1e400 is infinity
        raise ValueProblem("too_large", value=raw)
    # a tiny value (1E-9) is within the tolerance of 0.00, which is no price
    if abs(round(value, 2) - value) > 1e-9 or round(value, 2) <= 0:
        raise ValueProblem("two_decimals", value=raw)
    return round(value, 2)


def parse_whole(raw: object) -> int | None:
    """A whole number >= 0 (stock in 条, cartons sold). Blank is None."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueProblem("not_number", value=raw) from None
    if math.isnan(value):
        raise ValueProblem("not_number", value=raw)
    if abs(value) > NUMBER_MAX:  # 1e400 is infinity
        raise ValueProblem("too_large", value=raw)
    if value != int(value):
        raise ValueProblem("whole_tiao", value=raw)
    if value < 0:
        raise ValueProblem("not_negative", value=raw)
    return int(value)


def parse_bool(raw: object) -> bool | None:
    """是/否 (also y/n, 1/0, 有/无). Blank is None."""
    if isinstance(raw, bool):
        return raw
    if _blank(raw):
        return None
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueProblem("not_bool", value=raw)


def parse_date(raw: object) -> str | None:
    """A real calendar day as YYYY-MM-DD (2026-02-30 is refused). Blank is None."""
    if _blank(raw):
        return None
    import datetime as _dt

    text = str(raw).strip()
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueProblem("bad_date", value=raw) from None


def clean_field(f: CaptureField, raw: object) -> object:
    """The stored value of one form field, or :class:`ValueProblem`. Blank is None."""
    if f.type == "money":
        return parse_money(raw)
    if f.type == "int":
        return parse_whole(raw)
    if f.type == "bool":
        return parse_bool(raw)
    if f.type == "date":
        return parse_date(raw)
    if _blank(raw):
        return None
    text = str(raw).strip()
    if f.type == "choice" and text not in f.choices:
        raise ValueProblem("bad_choice", value=raw, choices=Words(f.choices))
    return text


def missing_required(kind: CaptureKind, payload: dict) -> list[str]:
    """Names of the required fields of ``kind`` left blank in ``payload``."""
    return [f.name for f in kind.fields if f.required and _blank(payload.get(f.name))]


def has_content(payload: dict) -> bool:
    return any(not _blank(v) for v in payload.values())


def clean_grid_value(field: str, raw: object, *, guide: float | None, rules: Capture) -> object:
    """A value of the price and stock grid (retail price, marked price, stock 条, on shelf) of a
    brand whose guide price is ``guide``. What cannot be true is taken for a typo and refused
    (``rules``, ``[capture]``): a retail price over the guide price times
    ``price_typo_factor`` or under it divided by that, a stock over ``stock_max_tiao``."""
    if field == "retail_price":
        price = parse_money(raw)
        if price is not None and guide:
            factor = rules.price_typo_factor
            if not guide / factor <= price <= guide * factor:
                raise ValueProblem(
                    "price_typo",
                    value=raw,
                    guide=f"{guide:g}",
                    factor=f"{factor:g}",
                )
        return price
    if field == "stock_tiao":
        stock = parse_whole(raw)
        if stock is not None and stock > rules.stock_max_tiao:
            raise ValueProblem("stock_typo", value=raw, most=rules.stock_max_tiao)
        return stock
    if field in ("marked_price", "on_shelf"):
        return parse_bool(raw)
    raise ValueProblem("unknown_field", value=field)


def deviation_pct(actual: float | None, guide: float | None) -> float | None:
    """How far the actual retail price is from the guide price, in percent (signed): (actual -
    guide) / guide; None when either is missing."""
    if actual is None or not guide:
        return None
    return 100.0 * (actual - guide) / guide


def deviation_flagged(actual: float | None, guide: float | None, threshold_pct: float) -> bool:
    """True when the retail price strays from the guide price by more than the threshold (exactly
    at it is not flagged)."""
    dev = deviation_pct(actual, guide)
    return dev is not None and abs(dev) > threshold_pct + 1e-9


@dataclass(frozen=True)
class CopyPlan:
    """What copying the last visit's values into a grid does (see :func:`plan_copy_forward`).

    ``cells``: (brand code, field, value) to fill; ``used``: the days those values were seen,
    newest first; ``skipped``: empty cells left empty because their last value is older than
    the limit, seen on ``skipped_days`` (newest first)."""

    cells: tuple[tuple[str, str, object], ...]
    used: tuple[str, ...]
    skipped: int
    skipped_days: tuple[str, ...]

    @property
    def filled(self) -> int:
        return len(self.cells)


def plan_copy_forward(rows: list[dict], day: str, max_days: int) -> CopyPlan:
    """The grid's empty cells filled from each brand's last finished observation (``history``
    newest first, as ``price_grid`` gives it), unless that was more than ``max_days`` days
    before ``day`` (YYYY-MM-DD); typed values are never replaced."""
    import datetime as _dt

    oldest = (_dt.date.fromisoformat(day) - _dt.timedelta(days=max_days)).isoformat()
    cells: list[tuple[str, str, object]] = []
    used: set[str] = set()
    skipped = 0
    skipped_days: set[str] = set()
    for row in rows:
        if not row.get("history"):
            continue
        last = row["history"][0]
        seen = str(last["observed_on"])[:10]
        for field in GRID_FIELDS:
            if row.get(field) is not None or last.get(field) is None:
                continue
            if seen < oldest:
                skipped += 1
                skipped_days.add(seen)
                continue
            cells.append((row["brand_code"], field, last[field]))
            used.add(seen)
    return CopyPlan(
        tuple(cells),
        tuple(sorted(used, reverse=True)),
        skipped,
        tuple(sorted(skipped_days, reverse=True)),
    )
