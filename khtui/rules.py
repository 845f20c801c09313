"""The rules file: every business number, loaded once, checked against one schema, typed.

The packaged ``rules.toml`` holds the defaults. A user file overrides parts of it: tables are
merged key by key, any other value (numbers, lists) is replaced whole.

The schema is declarative: one frozen dataclass per section of the file (``[units]`` is
:class:`Units`, ``[backup]`` is :class:`Backup`, …; :data:`SECTIONS` lists them), one field
per key, and each field says what its value must be (``rule(Int(1, 1000))``: a whole number
from 1 to 1000). Loading checks every key of the merged file against it (type, range, unknown
keys: a typo such as ``tiers.lower_bound_jian`` is an error) and builds the typed sections,
so code reads ``rules.backup.keep`` (an ``int``) and never casts. A few relations between keys
(bounds that must descend, weights that add up to 1, one name per band) are the small list
:data:`RELATIONS`.

Adding a key: one line in its section's dataclass (name, type, ``rule(...)``) and its value in
``rules.toml``.

A bad file raises :class:`RulesError`, which names the file, the key and the problem (a message
key of the ``rules.problem.*`` catalogue with its parameters); the command line and the app say
it in one line in the UI language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_type_hints


class RulesError(ValueError):
    """A rules file that cannot be used: ``origin`` (the file), ``key`` (dotted, with ``[i]``
    for list items; empty for the whole file), ``problem`` (a ``rules.problem.*`` message key)
    and its ``params``."""

    def __init__(self, origin: str, key: str, problem: str, **params: Any):
        self.origin = origin
        self.key = key
        self.problem = problem
        self.params = params
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        where = f"{origin}: {key}" if key else origin
        super().__init__(f"{where}: {problem}" + (f" ({detail})" if detail else ""))


# -- the value specs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class At:
    """Where a value is: the file and the dotted key (for the error)."""

    origin: str
    key: str

    def child(self, name: str) -> At:
        return At(self.origin, f"{self.key}.{name}" if self.key else name)

    def item(self, i: int) -> At:
        return At(self.origin, f"{self.key}[{i}]")

    def fail(self, problem: str, **params: Any) -> RulesError:
        return RulesError(self.origin, self.key, problem, **params)


def _shown(value: Any) -> str:
    """A value as the file would write it (text quoted, true/false in lower case)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class Spec:
    """What one value must be; :meth:`parse` returns it typed or raises :class:`RulesError`."""

    def parse(self, value: Any, at: At) -> Any:  # pragma: no cover - every spec overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Spec):
    """A whole number in ``lo..hi`` (``hi`` None: no upper bound)."""

    lo: int
    hi: int | None = None

    def parse(self, value: Any, at: At) -> int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and self.lo <= value and (self.hi is None or value <= self.hi):
            return value
        if self.hi is None:
            raise at.fail("int_min", lo=self.lo, value=_shown(value))
        raise at.fail("int", lo=self.lo, hi=self.hi, value=_shown(value))


@dataclass(frozen=True)
class Num(Spec):
    """A number (whole or decimal) in ``lo..hi``, as a float."""

    lo: float
    hi: float | None = None

    def parse(self, value: Any, at: At) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and self.lo <= value and (self.hi is None or value <= self.hi):
            return float(value)
        if self.hi is None:
            raise at.fail("number_min", lo=f"{self.lo:g}", value=_shown(value))
        raise at.fail("number", lo=f"{self.lo:g}", hi=f"{self.hi:g}", value=_shown(value))


@dataclass(frozen=True)
class Bool(Spec):
    def parse(self, value: Any, at: At) -> bool:
        if isinstance(value, bool):
            return value
        raise at.fail("bool", value=_shown(value))


@dataclass(frozen=True)
class Text(Spec):
    """Text; ``choices`` limits it to those words; ``blank`` allows the empty text."""

    choices: tuple[str, ...] = ()
    blank: bool = True

    def parse(self, value: Any, at: At) -> str:
        if not isinstance(value, str):
            raise at.fail("text", value=_shown(value))
        if self.choices and value not in self.choices:
            raise at.fail("choice", choices=" / ".join(self.choices), value=_shown(value))
        if not self.blank and not value.strip():
            raise at.fail("blank")
        return value


@dataclass(frozen=True)
class Day(Spec):
    """A date written YYYY-MM-DD (a TOML date is accepted too)."""

    def parse(self, value: Any, at: At) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise at.fail("date", value=_shown(value)) from None


@dataclass(frozen=True)
class ListOf(Spec):
    """A list of ``item``; at least ``min_len`` long; ``descending``: each strictly below the
    one before; ``unique``: no two items share that attribute."""

    item: Spec
    min_len: int = 0
    descending: bool = False
    unique: str | None = None

    def parse(self, value: Any, at: At) -> tuple:
        if not isinstance(value, list):
            raise at.fail("list", value=_shown(value))
        if len(value) < self.min_len:
            raise at.fail("list_short", n=self.min_len)
        out = tuple(self.item.parse(v, at.item(i)) for i, v in enumerate(value))
        if self.descending and not all(a > b for a, b in itertools.pairwise(out)):
            raise at.fail("descending", value=", ".join(f"{x:g}" for x in out))
        if self.unique:
            seen: set = set()
            for x in out:
                k = getattr(x, self.unique)
                if k in seen:
                    raise at.fail("unique", field=self.unique, value=_shown(k))
                seen.add(k)
        return out


@dataclass(frozen=True)
class MapOf(Spec):
    """A table of free keys (``keys`` given: only those) whose values are ``value``."""

    value: Spec
    keys: tuple[str, ...] | None = None

    def parse(self, value: Any, at: At) -> dict:
        if not isinstance(value, dict):
            raise at.fail("table", value=_shown(value))
        out = {}
        for k, v in value.items():
            if self.keys is not None and k not in self.keys:
                raise at.child(k).fail("unknown", known=", ".join(self.keys))
            if isinstance(self.value, Record):
                out[k] = self.value.parse(v, at.child(k), name=k)
            else:
                out[k] = self.value.parse(v, at.child(k))
        return out


@dataclass(frozen=True)
class Record(Spec):
    """A table with the fixed keys of dataclass ``cls`` (its fields declared with
    :func:`rule`); ``name_field``: the field that takes the table's own key (in a
    :class:`MapOf`)."""

    cls: type
    name_field: str | None = None

    def parse(self, value: Any, at: At, name: str | None = None) -> Any:
        if not isinstance(value, dict):
            raise at.fail("table", value=_shown(value))
        return build(self.cls, value, at, name=(self.name_field, name) if name else None)


def rule(spec: Spec, **kw: Any) -> Any:
    """A key of a section: its value must satisfy ``spec`` (``default=`` makes it optional)."""
    return field(metadata={"spec": spec}, **kw)


def build(cls: type, table: Mapping[str, Any], at: At, name: tuple | None = None) -> Any:
    """``cls`` from ``table``: every key known, every value satisfying its field's spec."""
    fields = {f.name: f for f in dataclasses.fields(cls) if "spec" in f.metadata}
    for key in table:
        if key not in fields:
            raise at.child(key).fail("unknown", known=", ".join(fields))
    values: dict[str, Any] = {}
    for fname, f in fields.items():
        if fname not in table:
            if f.default is dataclasses.MISSING:
                raise at.child(fname).fail("missing")
            continue
        values[fname] = f.metadata["spec"].parse(table[fname], at.child(fname))
    if name is not None and name[0]:
        values[name[0]] = name[1]
    return cls(**values)


# -- the sections -------------------------------------------------------------------------------
TIER_KEYS = tuple(str(n) for n in range(1, 100))
_SCORE = Num(0, 100)


@dataclass(frozen=True)
class Named:
    code: str = rule(Text(blank=False))
    name: str = rule(Text(blank=False))
    en: str = rule(Text(), default="")

    def __post_init__(self) -> None:
        if not self.en:
            object.__setattr__(self, "en", self.name)


@dataclass(frozen=True, kw_only=True)
class Route:
    """One complaint category's routing: who owns it, the AM's share and the due days."""

    key: str = ""  # the category: the table's own key
    name: str = rule(Text(blank=False))
    en: str = rule(Text(), default="")
    department: str = rule(Text(blank=False))
    department_en: str = rule(Text(), default="")
    am_share: str = rule(Text(choices=("full", "secondary")))
    due_days: int = rule(Int(0, 365))

    def __post_init__(self) -> None:
        if not self.en:
            object.__setattr__(self, "en", self.name)
        if not self.department_en:
            object.__setattr__(self, "department_en", self.department)


@dataclass(frozen=True)
class Units:
    sticks_per_pack: int = rule(Int(1, 1000))
    packs_per_tiao: int = rule(Int(1, 1000))
    tiao_per_jian: int = rule(Int(1, 1000))


@dataclass(frozen=True)
class Tiers:
    basis_months: int = rule(Int(1, 24))
    lower_bounds_jian: tuple[float, ...] = rule(ListOf(Num(0), min_len=1, descending=True))


@dataclass(frozen=True)
class Categories:
    formats: tuple[Named, ...] = rule(ListOf(Record(Named), min_len=1, unique="code"))
    market_types: tuple[Named, ...] = rule(ListOf(Record(Named), min_len=1, unique="code"))
    scales: tuple[Named, ...] = rule(ListOf(Record(Named), min_len=1, unique="code"))


@dataclass(frozen=True)
class Levels:
    quantity_bands_tiao: tuple[float, ...] = rule(ListOf(Num(0), min_len=1, descending=True))
    quantity_band_names: tuple[str, ...] = rule(ListOf(Text(blank=False)))
    price_bands_yuan: tuple[float, ...] = rule(ListOf(Num(0), min_len=1, descending=True))
    price_band_names: tuple[str, ...] = rule(ListOf(Text(blank=False)))
    matrix: tuple[tuple[int, ...], ...] = rule(ListOf(ListOf(Int(1, 10)), min_len=1))


@dataclass(frozen=True)
class Weights:
    contribution: float = rule(Num(0, 1))
    support: float = rule(Num(0, 1))
    credit: float = rule(Num(0, 1))
    growth: float = rule(Num(0, 1))
    influence: float = rule(Num(0, 1))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class Value:
    weights: Weights = rule(Record(Weights))
    core_min: float = rule(_SCORE)
    problem_below: float = rule(_SCORE)
    contribution_by_tier: dict[str, float] = rule(MapOf(_SCORE, keys=TIER_KEYS))
    cooperation_scores: dict[str, float] = rule(MapOf(_SCORE))
    cooperation_default: float = rule(_SCORE)
    new_brand_uptake_score: float = rule(_SCORE)
    new_brand_none_score: float = rule(_SCORE)
    marked_price_yes_score: float = rule(_SCORE)
    marked_price_no_score: float = rule(_SCORE)
    credit_grade_scores: dict[str, float] = rule(MapOf(_SCORE))
    credit_default: float = rule(_SCORE)
    debit_failure_penalty: float = rule(_SCORE)
    violation_penalty: float = rule(_SCORE)
    compliance_clean: dict[str, str] = rule(MapOf(Text(blank=False)))
    growth_neutral: float = rule(_SCORE)
    growth_points_per_pct: float = rule(Num(0, 100))
    growth_new_retailer: float = rule(_SCORE)
    trade_area_scores: dict[str, float] = rule(MapOf(_SCORE))
    trade_area_default: float = rule(_SCORE)
    model_outlet_bonus: float = rule(_SCORE)


@dataclass(frozen=True)
class Visits:
    per_month_by_tier: dict[str, int] = rule(MapOf(Int(1, 31), keys=TIER_KEYS))
    extra_core_value: int = rule(Int(0, 10))
    extra_problem_value: int = rule(Int(0, 10))
    extra_sales_swing: int = rule(Int(0, 10))
    sales_swing_pct: float = rule(Num(0, 1000))
    extra_debit_failure: int = rule(Int(0, 10))
    extra_vulnerable_holiday: int = rule(Int(0, 10))
    extra_open_complaint: int = rule(Int(0, 10))
    extra_new_product: int = rule(Int(0, 10))
    max_per_month: int = rule(Int(1, 31))
    daily_capacity: int = rule(Int(1, 1000))
    relationship_max_tier: int = rule(Int(0, 99))
    ledger_max_tier: int = rule(Int(0, 99))
    brand_max_tier: int = rule(Int(0, 99))
    care_on_birthday: bool = rule(Bool())
    new_product_launch_months: int = rule(Int(0, 24))
    new_product_max_tier: int = rule(Int(0, 99))
    sales_swing_basis_months: int = rule(Int(1, 24))
    carry_over_days: int = rule(Int(0, 366))
    plan_draft_from_day: int = rule(Int(1, 31))
    plan_draft_last_workdays: int = rule(Int(0, 10))
    plan_submit_day: int = rule(Int(1, 31))


@dataclass(frozen=True)
class Complaints:
    due_days_are: str = rule(Text(choices=("workdays", "calendar")))
    routing: dict[str, Route] = rule(MapOf(Record(Route, name_field="key")))


@dataclass(frozen=True)
class Capture:
    price_deviation_pct: float = rule(Num(0, 100))
    last_visits_shown: int = rule(Int(0, 10))
    carried_months: int = rule(Int(1, 24))
    copy_max_days: int = rule(Int(0, 3650))
    price_typo_factor: float = rule(Num(1, 1000))
    stock_max_tiao: int = rule(Int(1, 10_000_000))


@dataclass(frozen=True)
class BrandTargets:
    distribution_pct: float = rule(Num(0, 100))
    sell_through_pct: float = rule(Num(0, 100))
    on_shelf_pct: float = rule(Num(0, 100))


@dataclass(frozen=True)
class Brands:
    cycle_days: int = rule(Int(1, 366))
    targets: BrandTargets = rule(Record(BrandTargets))


@dataclass(frozen=True)
class Calendar:
    extra_holidays: tuple[dt.date, ...] = rule(ListOf(Day()))
    extra_workdays: tuple[dt.date, ...] = rule(ListOf(Day()))


@dataclass(frozen=True)
class Backup:
    keep: int = rule(Int(1, 1000))


_SYNONYMS = ListOf(Text(blank=False))


@dataclass(frozen=True)
class ImportValues:
    market_type: dict[str, str] = rule(MapOf(Text(blank=False)))
    yes: tuple[str, ...] = rule(ListOf(Text()))
    no: tuple[str, ...] = rule(ListOf(Text()))


@dataclass(frozen=True)
class ImportLimits:
    """The longest text a cell may hold (characters), and how far ahead an order may be dated."""

    code_chars: int = rule(Int(1, 1000))
    name_chars: int = rule(Int(1, 10000))
    text_chars: int = rule(Int(1, 100000))
    order_future_days: int = rule(Int(0, 3660))


@dataclass(frozen=True)
class Import:
    """Header synonyms by field (only the fields each importer knows), and cell values."""

    retailers: dict[str, tuple[str, ...]] = rule(
        MapOf(
            _SYNONYMS,
            keys=(
                "code", "name", "licence_no", "owner", "phone", "address", "business_format",
                "market_type", "scale", "route", "route_seq", "order_day", "settlement",
                "status", "credit_grade", "licence_expiry", "vulnerable", "model_outlet",
            ),
        )
    )  # fmt: skip
    orders: dict[str, tuple[str, ...]] = rule(
        MapOf(
            _SYNONYMS,
            keys=(
                "code", "order_date", "brand_code", "brand_name", "qty_tiao", "qty_zhi",
                "qty_jian", "amount", "price",
            ),
        )
    )  # fmt: skip
    brands: dict[str, tuple[str, ...]] = rule(
        MapOf(
            _SYNONYMS,
            keys=(
                "brand_code", "brand_name", "manufacturer", "class", "wholesale_price",
                "guide_price", "is_key", "is_new", "launch_date",
            ),
        )
    )  # fmt: skip
    values: ImportValues = rule(Record(ImportValues))
    limits: ImportLimits = rule(Record(ImportLimits))


@dataclass(frozen=True)
class Margins:
    top: float = rule(Num(0, 10))
    bottom: float = rule(Num(0, 10))
    left: float = rule(Num(0, 10))
    right: float = rule(Num(0, 10))


@dataclass(frozen=True)
class Documents:
    body_east_asian: str = rule(Text(blank=False))
    body_latin: str = rule(Text(blank=False))
    heading_east_asian: str = rule(Text(blank=False))
    heading_latin: str = rule(Text(blank=False))
    body_size_pt: float = rule(Num(4, 72))
    table_size_pt: float = rule(Num(4, 72))
    title_size_pt: float = rule(Num(4, 72))
    heading_sizes_pt: tuple[float, ...] = rule(ListOf(Num(4, 72), min_len=1))
    language: str = rule(Text(blank=False))
    margins_cm: Margins = rule(Record(Margins))
    landscape_margins_cm: Margins = rule(Record(Margins))
    max_detail_rows: int = rule(Int(1, 10000))
    max_routes_listed: int = rule(Int(1, 1000))
    plan_table_size_pt: float = rule(Num(4, 72))
    chart_dpi: int = rule(Int(50, 600))


@dataclass(frozen=True)
class Reports:
    sales_drop_pct: float = rule(Num(0, 100))
    top_brands: int = rule(Int(1, 1000))
    growth_brands: int = rule(Int(1, 1000))
    accuracy_rows: int = rule(Int(1, 1000))
    price_classes: tuple[str, ...] = rule(ListOf(Text(blank=False)))
    same_text_ratio: float = rule(Num(0.5, 1))


@dataclass(frozen=True)
class Exports:
    mask_keep_digits: int = rule(Int(0, 8))


@dataclass(frozen=True)
class Forecast:
    """``[forecast]``: how series are forecast, backtested and aligned to the holidays."""

    history_months: int = rule(Int(3, 240))
    active_brand_months: int = rule(Int(1, 60))
    short_series_months: int = rule(Int(1, 60))
    min_select_windows: int = rule(Int(1, 60))
    holdout_months: int = rule(Int(1, 60))
    intermittent_adi: float = rule(Num(1, 24))
    interval: tuple[float, ...] = rule(ListOf(Num(0, 1), min_len=2))
    spring_before_days: int = rule(Int(0, 120))
    spring_after_days: int = rule(Int(0, 120))
    mid_autumn_before_days: int = rule(Int(0, 120))
    mid_autumn_after_days: int = rule(Int(0, 120))
    bin_days: int = rule(Int(1, 31))


@dataclass(frozen=True)
class Warnings:
    """``[warnings]``: stock cover, sales swings and reminders."""

    sell_rate_months: int = rule(Int(1, 24))
    safety_days: int = rule(Int(0, 90))
    overstock_days: int = rule(Int(1, 365))
    stale_days: int = rule(Int(1, 365))
    swing_pct: float = rule(Num(0, 1000))
    swing_min_share: float = rule(Num(0, 1))
    licence_days: int = rule(Int(0, 365))
    complaint_days: int = rule(Int(0, 90))


@dataclass(frozen=True)
class Supply:
    """``[supply]``: the supply suggestion and its ceiling by tier (合理定量, 条 per brand per
    order)."""

    ceiling_tiao_by_tier: dict[str, float] = rule(MapOf(Num(0, 100000), keys=TIER_KEYS))
    scarce_brands: tuple[str, ...] = rule(ListOf(Text(blank=False)))
    slow_tiao_per_month: float = rule(Num(0, 100000))

    def ceiling_for(self, tier: int | None) -> float:
        """The ceiling of ``tier`` (the lowest tier's when it has none)."""
        by_tier = {int(k): v for k, v in self.ceiling_tiao_by_tier.items()}
        return by_tier.get(tier if tier is not None else max(by_tier), 0.0)


@dataclass(frozen=True)
class Team:
    """``[team]``: the market manager's decisions as the AM sees them."""

    notice_days: int = rule(Int(0, 366))


@dataclass(frozen=True)
class Profile:
    chart_months: int = rule(Int(1, 120))
    top_brands: int = rule(Int(1, 100))
    top_brands_months: int = rule(Int(1, 120))


# -- relations between keys -----------------------------------------------------------------
def _one_name_per_band(r: Rules, at: At) -> None:
    lv = r.levels
    for names, bands, band_key in (
        ("quantity_band_names", lv.quantity_bands_tiao, "levels.quantity_bands_tiao"),
        ("price_band_names", lv.price_bands_yuan, "levels.price_bands_yuan"),
    ):
        if len(getattr(lv, names)) != len(bands):
            raise at.child(f"levels.{names}").fail("names_per_band", bands=band_key, n=len(bands))


def _matrix_shape(r: Rules, at: At) -> None:
    lv = r.levels
    key = at.child("levels.matrix")
    if len(lv.matrix) != len(lv.quantity_bands_tiao):
        raise key.fail("matrix_rows", n=len(lv.quantity_bands_tiao))
    for i, row in enumerate(lv.matrix):
        if len(row) != len(lv.price_bands_yuan):
            raise key.item(i).fail("matrix_cols", n=len(lv.price_bands_yuan))


def _weights_add_up(r: Rules, at: At) -> None:
    total = sum(r.value.weights.as_dict().values())
    if abs(total - 1.0) > 1e-6:
        raise at.child("value.weights").fail("weights_sum", total=f"{total:g}")


def _core_above_problem(r: Rules, at: At) -> None:
    v = r.value
    if not v.core_min > v.problem_below:
        raise at.child("value.core_min").fail(
            "above", other="value.problem_below", value=f"{v.core_min:g}",
            other_value=f"{v.problem_below:g}",
        )  # fmt: skip


def _every_tier(r: Rules, at: At) -> None:
    tiers = [str(t) for t in range(1, r.tier_count + 1)]
    for key, table in (
        ("value.contribution_by_tier", r.value.contribution_by_tier),
        ("visits.per_month_by_tier", r.visits.per_month_by_tier),
        ("supply.ceiling_tiao_by_tier", r.supply.ceiling_tiao_by_tier),
    ):
        for t in tiers:
            if t not in table:
                raise at.child(key).fail("tier_missing", tier=t)


def _interval_pair(r: Rules, at: At) -> None:
    lo_hi = r.forecast.interval
    if len(lo_hi) != 2 or not lo_hi[0] < lo_hi[1]:
        raise at.child("forecast.interval").fail(
            "interval", value=", ".join(f"{x:g}" for x in lo_hi)
        )


RELATIONS: tuple[Callable[[Rules, At], None], ...] = (
    _one_name_per_band,
    _matrix_shape,
    _weights_add_up,
    _core_above_problem,
    _every_tier,
    _interval_pair,
)


# -- loading ------------------------------------------------------------------------------------
def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(origin, "", "toml", error=str(exc)) from None


def default_rules_text() -> str:
    return resources.files("khtui").joinpath("rules.toml").read_text(encoding="utf-8")


class Rules:
    """The checked rules, one typed section per table of the file (``rules.units``,
    ``rules.backup``, …; see :data:`SECTIONS`). Construct with :func:`load_rules`; ``data`` is
    the merged file as read (to build a variant: ``Rules({**r.data, …})``)."""

    units: Units
    tiers: Tiers
    categories: Categories
    levels: Levels
    value: Value
    visits: Visits
    complaints: Complaints
    capture: Capture
    brands: Brands
    calendar: Calendar
    backup: Backup
    imports: Import
    documents: Documents
    reports: Reports
    exports: Exports
    profile: Profile
    forecast: Forecast
    warnings: Warnings
    supply: Supply
    team: Team

    def __init__(self, data: dict, origin: str = "rules.toml"):
        self.data = data
        self.origin = origin
        self._names: dict[str, Any] | None = None
        top = At(origin, "")
        for name in data:
            if name not in SECTIONS:
                raise top.child(name).fail("unknown", known=", ".join(SECTIONS))
        for name, (attr, cls) in SECTIONS.items():
            at = top.child(name)
            table = data.get(name)
            if table is None:
                raise at.fail("missing")
            if not isinstance(table, dict):
                raise at.fail("table", value=_shown(table))
            setattr(self, attr, build(cls, table, at))
        for relation in RELATIONS:
            relation(self, top)

    # -- shorthands used all over ------------------------------------------------------------
    @property
    def tiao_per_jian(self) -> int:
        return self.units.tiao_per_jian

    @property
    def packs_per_tiao(self) -> int:
        return self.units.packs_per_tiao

    @property
    def sticks_per_pack(self) -> int:
        return self.units.sticks_per_pack

    @property
    def tier_basis_months(self) -> int:
        return self.tiers.basis_months

    @property
    def tier_lower_bounds(self) -> list[float]:
        return list(self.tiers.lower_bounds_jian)

    @property
    def tier_count(self) -> int:
        """Tiers 1..N: one more than the lower bounds (the last catches the rest)."""
        return len(self.tiers.lower_bounds_jian) + 1

    @property
    def formats(self) -> list[Named]:
        return list(self.categories.formats)

    @property
    def market_types(self) -> list[Named]:
        return list(self.categories.market_types)

    @property
    def scales(self) -> list[Named]:
        return list(self.categories.scales)

    @property
    def complaint_routes(self) -> dict[str, Route]:
        return self.complaints.routing

    def header_synonyms(self, kind: str) -> dict[str, tuple[str, ...]]:
        return getattr(self.imports, kind)

    def names(self) -> dict[str, Any]:
        """The words the rules name in both languages, by their Chinese name: formats, market
        types, scales and the categories they make, complaint categories and departments
        (each with ``name`` and ``en``; see :meth:`khtui.i18n.format.Translator.word`)."""
        if self._names is None:
            from khtui.domain.category import all_categories
            from khtui.domain.messages import Name

            names: dict[str, Any] = {}
            for item in (*self.formats, *self.market_types, *self.scales):
                names.setdefault(item.name, Name(item.name, item.en))
            for cat in all_categories(self):
                names.setdefault(cat.name, Name(cat.name, cat.en))
            for route in self.complaint_routes.values():
                names.setdefault(route.name, Name(route.name, route.en))
                names.setdefault(route.department, Name(route.department, route.department_en))
            self._names = names
        return self._names


# The file's sections: [name] -> (attribute of Rules, dataclass), in the order of Rules' own
# annotations; a section's name in the file is its attribute's, but where Python reserves it.
_FILE_NAMES = {"imports": "import"}
SECTIONS: dict[str, tuple[str, type]] = {
    _FILE_NAMES.get(attr, attr): (attr, cls) for attr, cls in get_type_hints(Rules).items()
}


def load_rules(user_path: str | Path | None = None) -> Rules:
    """Load the packaged defaults, merged with ``user_path`` when given."""
    data = _read_toml(default_rules_text(), "rules.toml")
    origin = "rules.toml"
    if user_path is not None:
        path = Path(user_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError(str(path), "", "not_found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(str(path), "", "unreadable", error=str(exc)) from None
        data = _merge(data, _read_toml(text, str(path)))
        origin = str(path)
    return Rules(data, origin)


_default: Rules | None = None


def default_rules() -> Rules:
    """The packaged rules, loaded once (tests and the domain's defaults use this)."""
    global _default
    if _default is None:
        _default = load_rules()
    return _default
