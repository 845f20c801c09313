"""The rules file: every business number, loaded once and validated.

The packaged ``rules.toml`` holds the defaults. A user file overrides parts of it: tables are
merged key by key, any other value (numbers, lists) is replaced whole. A bad file stops the
program with one line naming the key and the problem (:class:`RulesError`).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the key and the problem."""


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
        raise RulesError(f"{origin}: not valid TOML ({exc})") from None


def default_rules_text() -> str:
    return resources.files("khtui").joinpath("rules.toml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Named:
    code: str
    name: str
    en: str


@dataclass(frozen=True)
class Route:
    """One complaint category's routing: who owns it, the AM's share and the due days."""

    key: str
    name: str
    en: str
    department: str
    am_share: str
    due_days: int


class Rules:
    """Validated access to the rules. Construct with :func:`load_rules`."""

    def __init__(self, data: dict, origin: str = "rules.toml"):
        self.data = data
        self.origin = origin
        _validate(self)

    # -- raw access -------------------------------------------------------------------------
    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise RulesError(f"{self.origin}: {dotted}: missing")
            node = node[part]
        return node

    def section(self, name: str) -> dict:
        return self.get(name)

    # -- units ------------------------------------------------------------------------------
    @property
    def tiao_per_jian(self) -> int:
        return self.get("units.tiao_per_jian")

    @property
    def packs_per_tiao(self) -> int:
        return self.get("units.packs_per_tiao")

    @property
    def sticks_per_pack(self) -> int:
        return self.get("units.sticks_per_pack")

    # -- tiers ------------------------------------------------------------------------------
    @property
    def tier_basis_months(self) -> int:
        return self.get("tiers.basis_months")

    @property
    def tier_lower_bounds(self) -> list[float]:
        return [float(x) for x in self.get("tiers.lower_bounds_jian")]

    # -- categories -------------------------------------------------------------------------
    def _named(self, key: str) -> list[Named]:
        return [Named(str(d["code"]), d["name"], d.get("en", d["name"])) for d in self.get(key)]

    @cached_property
    def formats(self) -> list[Named]:
        return self._named("categories.formats")

    @cached_property
    def market_types(self) -> list[Named]:
        return self._named("categories.market_types")

    @cached_property
    def scales(self) -> list[Named]:
        return self._named("categories.scales")

    # -- complaints -------------------------------------------------------------------------
    @cached_property
    def complaint_routes(self) -> dict[str, Route]:
        return {
            key: Route(
                key,
                d["name"],
                d.get("en", d["name"]),
                d["department"],
                d["am_share"],
                int(d["due_days"]),
            )
            for key, d in self.get("complaints.routing").items()
        }

    # -- import -----------------------------------------------------------------------------
    def header_synonyms(self, kind: str) -> dict[str, list[str]]:
        return self.get(f"import.{kind}")


def _check(cond: bool, origin: str, key: str, problem: str) -> None:
    if not cond:
        raise RulesError(f"{origin}: {key}: {problem}")


def _is_num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _validate(r: Rules) -> None:
    o = r.origin
    for key in ("units.sticks_per_pack", "units.packs_per_tiao", "units.tiao_per_jian"):
        v = r.get(key)
        _check(isinstance(v, int) and v > 0, o, key, f"must be a positive whole number (got {v!r})")

    n = r.get("tiers.basis_months")
    _check(
        isinstance(n, int) and 1 <= n <= 24, o, "tiers.basis_months", f"must be 1..24 (got {n!r})"
    )
    bounds = r.get("tiers.lower_bounds_jian")
    _check(
        isinstance(bounds, list) and len(bounds) >= 1 and all(_is_num(b) for b in bounds),
        o,
        "tiers.lower_bounds_jian",
        "must be a list of numbers",
    )
    _check(
        all(a > b for a, b in itertools.pairwise(bounds)),
        o,
        "tiers.lower_bounds_jian",
        f"tier bounds must descend strictly (got {', '.join(str(b) for b in bounds)})",
    )
    _check(bounds[-1] >= 0, o, "tiers.lower_bounds_jian", "bounds must not be negative")

    for key in ("categories.formats", "categories.market_types", "categories.scales"):
        items = r.get(key)
        _check(isinstance(items, list) and items, o, key, "must be a non-empty list")
        for i, d in enumerate(items):
            _check(
                isinstance(d, dict) and "code" in d and "name" in d,
                o,
                f"{key}[{i}]",
                "needs code and name",
            )
        codes = [str(d["code"]) for d in items]
        _check(len(set(codes)) == len(codes), o, key, "codes must be unique")

    qb = r.get("levels.quantity_bands_tiao")
    pb = r.get("levels.price_bands_yuan")
    matrix = r.get("levels.matrix")
    for key, bands in (("levels.quantity_bands_tiao", qb), ("levels.price_bands_yuan", pb)):
        _check(
            isinstance(bands, list) and all(_is_num(b) for b in bands), o, key, "must be numbers"
        )
        _check(
            all(a > b for a, b in itertools.pairwise(bands)),
            o,
            key,
            "bands must descend strictly",
        )
    _check(
        len(r.get("levels.quantity_band_names")) == len(qb),
        o,
        "levels.quantity_band_names",
        "needs one name per quantity band",
    )
    _check(
        len(r.get("levels.price_band_names")) == len(pb),
        o,
        "levels.price_band_names",
        "needs one name per price band",
    )
    _check(
        isinstance(matrix, list) and len(matrix) == len(qb),
        o,
        "levels.matrix",
        f"needs one row per quantity band ({len(qb)})",
    )
    for i, row in enumerate(matrix):
        _check(
            isinstance(row, list) and len(row) == len(pb),
            o,
            f"levels.matrix[{i}]",
            f"needs one level per price band ({len(pb)})",
        )
        for lv in row:
            _check(
                isinstance(lv, int) and 1 <= lv <= 10,
                o,
                f"levels.matrix[{i}]",
                f"levels are 1..10 (got {lv!r})",
            )

    weights = r.get("value.weights")
    for dim in ("contribution", "support", "credit", "growth", "influence"):
        _check(
            _is_num(weights.get(dim)) and weights[dim] >= 0,
            o,
            f"value.weights.{dim}",
            "must be a number >= 0",
        )
    total = sum(weights[d] for d in weights)
    _check(abs(total - 1.0) < 1e-6, o, "value.weights", f"weights must add up to 1 (got {total:g})")
    _check(
        r.get("value.core_min") > r.get("value.problem_below"),
        o,
        "value.core_min",
        "must be above value.problem_below",
    )
    tiers_n = len(bounds) + 1
    cbt = r.get("value.contribution_by_tier")
    for t in range(1, tiers_n + 1):
        _check(str(t) in cbt, o, "value.contribution_by_tier", f"missing tier {t}")

    per_tier = r.get("visits.per_month_by_tier")
    for t in range(1, tiers_n + 1):
        v = per_tier.get(str(t))
        _check(
            isinstance(v, int) and v >= 1,
            o,
            f"visits.per_month_by_tier.{t}",
            "every tier needs at least 1 visit a month (coverage 100%)",
        )
    cap = r.get("visits.daily_capacity")
    _check(
        isinstance(cap, int) and cap >= 1,
        o,
        "visits.daily_capacity",
        f"must be a whole number >= 1 (got {cap!r})",
    )
    mx = r.get("visits.max_per_month")
    _check(
        isinstance(mx, int) and mx >= 1, o, "visits.max_per_month", "must be a whole number >= 1"
    )

    for key, d in r.get("complaints.routing").items():
        for field in ("name", "department", "am_share", "due_days"):
            _check(field in d, o, f"complaints.routing.{key}", f"missing {field}")
        _check(
            d["am_share"] in ("full", "secondary"),
            o,
            f"complaints.routing.{key}.am_share",
            "must be 'full' or 'secondary'",
        )
        _check(
            isinstance(d["due_days"], int) and d["due_days"] >= 0,
            o,
            f"complaints.routing.{key}.due_days",
            "must be a whole number of days >= 0",
        )

    import datetime as _dt

    for key in ("calendar.extra_holidays", "calendar.extra_workdays"):
        for s in r.get(key):
            try:
                _dt.date.fromisoformat(str(s))
            except ValueError:
                raise RulesError(f"{o}: {key}: not a date: {s!r} (use YYYY-MM-DD)") from None

    for kind in ("retailers", "orders", "brands"):
        syn = r.get(f"import.{kind}")
        for field, names in syn.items():
            _check(
                isinstance(names, list) and all(isinstance(x, str) for x in names),
                o,
                f"import.{kind}.{field}",
                "must be a list of header names",
            )

    for key, low in (
        ("import.limits.code_chars", 1),
        ("import.limits.name_chars", 1),
        ("import.limits.text_chars", 1),
        ("import.limits.order_future_days", 0),
    ):
        v = r.get(key)
        _check(
            isinstance(v, int) and not isinstance(v, bool) and v >= low,
            o,
            key,
            f"must be a whole number >= {low} (got {v!r})",
        )


def load_rules(user_path: str | Path | None = None) -> Rules:
    """Load the packaged defaults, merged with ``user_path`` when given."""
    data = _read_toml(default_rules_text(), "rules.toml")
    origin = "rules.toml"
    if user_path is not None:
        path = Path(user_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError(f"{path}: rules file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(f"{path}: cannot read rules file ({exc})") from None
        data = _merge(data, _read_toml(text, str(path)))
        origin = str(path)
    try:
        return Rules(data, origin)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RulesError(f"{origin}: malformed ({exc})") from None


_default: Rules | None = None


def default_rules() -> Rules:
    """The packaged rules, loaded once (tests and the domain's defaults use this)."""
    global _default
    if _default is None:
        _default = load_rules()
    return _default
