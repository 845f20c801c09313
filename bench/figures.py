"""The figures of the benchmark: each measures the program against its floor in the same run,
rounds alternating, and returns its rows of the results table with notes on what was run."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import apps, data
from bench.core import (
    AT_MOST,
    RATIO,
    REPORTED,
    FigureResult,
    Plan,
    Row,
    Stat,
    alternate,
    probe,
    run_child,
)


@dataclass(frozen=True)
class Scale:
    name: str
    retailers: int  # the city demo
    months: int
    long_retailers: int  # the demo with five years of orders
    long_months: int
    lookup_retailers: int
    import_lines: tuple[int, ...]  # the first is timed against .import; all are measured
    reject_lines: int
    team_ams: int
    team_retailers: int
    team_months: int
    am_retailers: int  # one AM's demo (DOCX, forecast)
    forecast_sample: int  # retailers of the city sample whose forecast is extrapolated
    plans: dict[str, Plan]


CITY_PLANS = {
    "demo": Plan(1, 3600),
    "today": Plan(9, 600),
    "profile": Plan(5, 600),
    "weekly": Plan(7, 600),
    "monthly": Plan(3, 600),
    "recompute": Plan(3, 900),
    "import": Plan(5, 900),
    "docx": Plan(9, 600),
    "lookup": Plan(7, 900),
    "merge": Plan(2, 3600),
}


def smoke_plans(plans: dict[str, Plan]) -> dict[str, Plan]:
    """A smoke run of every figure's code: two rounds where a round is cheap, one where the
    full scale allows it an hour."""
    return {name: Plan(1, 120) if plan.cap >= 3600 else Plan(2, 60) for name, plan in plans.items()}


SCALES = {
    "small": Scale(
        name="small",
        retailers=60,
        months=24,
        long_retailers=20,
        long_months=60,
        lookup_retailers=3000,
        import_lines=(30_000, 60_000),
        reject_lines=30_000,
        team_ams=3,
        team_retailers=30,
        team_months=6,
        am_retailers=60,
        forecast_sample=30,
        plans=smoke_plans(CITY_PLANS),
    ),
    "city": Scale(
        name="city",
        retailers=50_000,
        months=24,
        long_retailers=5_000,
        long_months=60,
        lookup_retailers=100_000,
        import_lines=(1_000_000, 10_000_000),
        reject_lines=1_000_000,
        team_ams=40,
        team_retailers=1250,
        team_months=24,
        am_retailers=320,
        forecast_sample=2000,
        plans=CITY_PLANS,
    ),
}


@dataclass
class Ctx:
    scale: Scale
    cache: Path
    reps: int | None = None  # overrides every plan's rounds (a smoke run: 1)

    def __post_init__(self) -> None:
        # made here, once: a figure run alone (--only) on a new machine works in it at once
        self.cache.mkdir(parents=True, exist_ok=True)

    def plan(self, name: str) -> Plan:
        p = self.scale.plans[name]
        return Plan(self.reps, p.cap) if self.reps else p

    @property
    def env(self) -> dict[str, str]:
        return data.demo_env(self.cache)

    def city(self) -> Path:
        return data.demo(self.cache, self.scale.retailers, self.scale.months)


def _secs(values: list[float]) -> Stat:
    return Stat(values, "s")


def _seconds_of(ctx: Ctx, info: dict, key: str, name: str, *args: str) -> Callable[[], float]:
    """A round of the probe ``name``: its measured seconds, and its ``key`` kept in ``info``
    for the figure's notes."""

    def measured() -> float:
        out, _ = probe(name, *args, env=ctx.env)
        info[key] = out[key]
        return out["seconds"]

    return measured


def _minimal(ctx: Ctx) -> Callable[[], float]:
    env = ctx.env
    return lambda: apps.minimal(env)


# -- build the city demo -------------------------------------------------------------------
def demo_csv(ctx: Ctx, db: Path) -> Path:
    """The demo's order lines as the company's export would hold them (a CSV with a header),
    for the baseline's ``.import`` and the size figure."""
    path = db.with_suffix(".orders.csv")
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    subprocess.run(
        [
            "sqlite3",
            f"file:{db}?mode=ro",
            ".headers on",
            ".mode csv",
            f".output {tmp}",
            "SELECT retailer_code AS 客户编码, order_date AS 订货日期, brand_code AS 卷烟编码, "
            "brand_name AS 卷烟名称, qty_tiao AS '订货量(条)', amount AS '金额(元)', "
            "price AS 批发价 FROM order_lines",
        ],
        check=True,
    )
    tmp.replace(path)
    return path


def sqlite_import(csv_path: Path, work: Path, columns: int = 7):
    """The floor of a CSV load: the sqlite3 command line's ``.import`` into a bare table of a
    new database (a fresh process, timed from spawn to exit)."""
    cols = ", ".join(f"c{i} TEXT" for i in range(columns))
    return _sqlite_new_db(
        work / "bare.db", f"CREATE TABLE t ({cols});", f".import --csv --skip 1 {csv_path} t"
    )


def _sqlite_new_db(db: Path, *commands: str):
    """The sqlite3 command line running ``commands`` on a new database ``db`` (removed after),
    a fresh process timed from spawn to exit."""
    db.unlink(missing_ok=True)
    run = run_child(["sqlite3", str(db), *commands])
    db.unlink(missing_ok=True)
    return run


# Part of what the program must write for a file of order lines, written by SQLite's own command
# line from the same CSV: what the database's own layout costs against the bare table of the
# ``.import`` baseline.
_KEYED_TABLES = ("order_lines", "monthly_brand_sales", "monthly_brand_sales_brand")
_BRAND_SUMS_SQL = (
    "INSERT INTO monthly_brand_sales (retailer_code, month, brand_code, qty_tiao, amount) "
    "SELECT retailer_code, substr(order_date, 1, 7), brand_code, sum(qty_tiao), "
    "round(sum(amount), 2) FROM order_lines GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;"
)


def sqlite_keyed_import(csv_path: Path, work: Path, layout: Path, sums: bool):
    """The sqlite3 command line's ``.import`` of the CSV into order_lines as the database
    ``layout`` keeps it, in a new database; with ``sums``, then the monthly brand sums and their
    index (a fresh process, timed from spawn to exit)."""
    conn = sqlite3.connect(f"file:{layout}?mode=ro", uri=True)
    try:
        sql = f"SELECT name, sql FROM sqlite_master WHERE name IN {_KEYED_TABLES}"
        ddl = dict(conn.execute(sql).fetchall())
    finally:
        conn.close()
    if set(ddl) != set(_KEYED_TABLES):
        raise RuntimeError(f"{layout} does not hold {', '.join(_KEYED_TABLES)}")
    commands = [ddl["order_lines"] + ";", f".import --csv --skip 1 {csv_path} order_lines"]
    if sums:
        commands += [
            ddl["monthly_brand_sales"] + ";",
            _BRAND_SUMS_SQL,
            ddl["monthly_brand_sales_brand"] + ";",
        ]
    return _sqlite_new_db(work / "keyed.db", *commands)


_KEYED_NOTE = (
    "The database's own layout, written by the sqlite3 command line from the same CSV in a new "
    "database (fresh processes, alternating with the rest): `.import` into order_lines made by "
    "the database's own DDL (its key, `WITHOUT ROWID`); then the monthly brand sums by one "
    "`GROUP BY` and their (brand, month) index, by the database's DDL too. Less than the program "
    "writes: no checks, no retailers' monthly sums, no classifications, no WAL."
)


def _keyed_rows(
    res: FigureResult, figure: str, keyed: list[float], summed: list[float], base: list[float]
) -> None:
    """The two rows of :func:`sqlite_keyed_import`, against the same ``.import`` baseline."""
    res.rows += [
        Row(
            figure,
            "sqlite3 .import into order_lines as the database keeps it (its key)",
            _secs(keyed),
            REPORTED,
            _secs(base),
            "sqlite3 .import into a bare table",
        ),
        Row(
            figure,
            "sqlite3 .import into order_lines as the database keeps it, then the monthly brand "
            "sums and their index by SQL",
            _secs(summed),
            REPORTED,
            _secs(base),
            "sqlite3 .import into a bare table",
        ),
    ]


def fig_demo(ctx: Ctx, res: FigureResult) -> None:
    s = ctx.scale
    path = data.demo_path(ctx.cache, s.retailers, s.months)
    work = Path(tempfile.mkdtemp(prefix="demo-", dir=ctx.cache))
    csv_path: list[Path] = []
    builds: list = []

    def build() -> float:
        part = work / "demo.db"
        run = data.build_demo_cli(part, s.retailers, s.months, ctx.cache)
        builds.append((run, json.loads(run.out)))
        os.replace(part, path)
        return run.seconds

    def csv() -> Path | None:
        if not csv_path:
            if not path.exists():
                return None  # the first round builds first; the CSV comes from the build
            csv_path.append(demo_csv(ctx, path))
        return csv_path[0]

    def baseline() -> float | None:
        return None if (f := csv()) is None else sqlite_import(f, work).seconds

    def keyed(sums: bool) -> Callable[[], float | None]:
        return lambda: (
            None if (f := csv()) is None else sqlite_keyed_import(f, work, path, sums).seconds
        )

    plan = ctx.plan("demo")
    steps = (build, baseline, keyed(False), keyed(True))
    (built, *others), rounds = alternate(plan, *steps)
    for step, values in zip(steps[1:], others, strict=True):
        if not values:  # one round: the CSV needed the build
            values.append(step())
    base, in_order, summed = others
    shutil.rmtree(work, ignore_errors=True)
    run, summary = builds[-1]
    lines = summary["order_lines"]
    res.rows.append(
        Row(
            "demo",
            f"build the demo, {s.retailers:,} retailers ({lines:,} order lines)",
            _secs(built),
            RATIO(3),
            _secs(base),
            "sqlite3 .import of its order lines (CSV)",
        )
    )
    _keyed_rows(res, "demo", in_order, summed, base)
    csv_mib = csv_path[0].stat().st_size / 2**20
    res.notes += [
        f"`khtui demo --retailers {s.retailers} --months {s.months} --today {data.TODAY} --force`"
        f" as a user runs it (a fresh process, spawn to exit), {rounds} round(s) ({plan.text()}),"
        " baseline and build alternating.",
        f"The baseline imports the built database's {lines:,} order lines, written as a "
        f"{csv_mib:.0f} MiB CSV with a header (the export's columns), into a bare 7-column table "
        "of a new database.",
        _KEYED_NOTE,
        f"Build: peak memory {run.peak_mib:.0f} MiB (largest process), {run.tree_mib:.0f} MiB "
        f"(all its processes); CPU {run.cpu:.0f} s; file {path.stat().st_size / 2**20:.0f} MiB.",
    ]


# -- database size -------------------------------------------------------------------------
def fig_size(ctx: Ctx, res: FigureResult) -> None:
    db = ctx.city()
    csv_path = demo_csv(ctx, db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    lines = conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    tables = dict(
        conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('order_lines', "
            "'monthly_sales', 'monthly_sales_month', 'monthly_brand_sales', "
            "'monthly_brand_sales_brand') GROUP BY name"
        ).fetchall()
    )
    conn.close()
    per = 1e6 / lines
    db_mib = db.stat().st_size / 2**20 * per
    csv_mib = csv_path.stat().st_size / 2**20 * per
    lines_mib = tables.get("order_lines", 0) / 2**20 * per
    agg_mib = (sum(tables.values()) - tables.get("order_lines", 0)) / 2**20 * per
    res.rows.append(
        Row(
            "size",
            "database size per million order lines (the whole demo database)",
            Stat([db_mib], "MiB"),
            REPORTED,
            Stat([csv_mib], "MiB"),
            "the same lines as CSV",
        )
    )
    res.rows.append(
        Row(
            "size",
            "order lines and their monthly aggregates per million lines",
            Stat([lines_mib + agg_mib], "MiB"),
            REPORTED,
            Stat([csv_mib], "MiB"),
            "the same lines as CSV",
        )
    )
    res.notes += [
        f"The demo database of {ctx.scale.retailers:,} retailers: {lines:,} order lines, "
        f"{db.stat().st_size / 2**20:.0f} MiB in all (retailers, their lookup index, visits, "
        "captures and the rest included).",
        f"Per million lines: order_lines {lines_mib:.1f} MiB, monthly aggregates with their "
        f"indexes {agg_mib:.1f} MiB; CSV {csv_mib:.1f} MiB.",
    ]


# -- today screen --------------------------------------------------------------------------
def fig_today(ctx: Ctx, res: FigureResult) -> None:
    db = str(ctx.city())
    env = ctx.env
    today = data.TODAY.isoformat()
    # warm-up: the month's plan, carry-over, the day's backup; bytecode; the OS cache
    apps.start(apps.TODAY, db, today, "1", env=env)
    apps.minimal(env)
    visits: list[int] = []

    def frame() -> float:
        t, (_n, shown) = apps.start(apps.TODAY, db, today, "0", env=env)
        if shown != "1":
            raise RuntimeError("the today screen's first frame lacks the header (AM, date, db)")
        return t

    def listed() -> float:
        t, (n, _shown) = apps.start(apps.TODAY, db, today, "1", env=env)
        visits.append(int(n))
        return t

    plan = ctx.plan("today")
    (mins, frames, lists), rounds = alternate(plan, _minimal(ctx), frame, listed)
    base = _secs(mins)
    res.rows += [
        Row("today", "today screen, first frame", _secs(frames), RATIO(1.3), base, "minimal app"),
        Row(
            "today",
            f"today screen, the day's list shown ({visits[-1]:,} visits)",
            _secs(lists),
            REPORTED,
            base,
            "minimal app",
        ),
    ]
    res.notes += [
        f"Demo of {ctx.scale.retailers:,} retailers. {rounds} rounds ({plan.text()}); each start "
        "a fresh process (`python -c`, headless 120×40), spawn to painted frame; the minimal "
        "app, the first frame and the list shown alternate which goes first.",
        "The first frame: the first refresh after the screen is up that shows the footer's keys "
        "(both sides); khtui's must show the real header (AM, date, database). khtui starts as "
        "`khtui --db` does (housekeeping on); a warm-up start made the day's plan and backup.",
    ]


# -- profile -------------------------------------------------------------------------------
def _sample_codes(db: Path, k: int) -> list[str]:
    """k active retailers with orders, spread over the code range."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    codes = [
        r[0]
        for r in conn.execute(
            "SELECT code FROM retailers WHERE status = '正常' AND EXISTS (SELECT 1 FROM "
            "monthly_sales m WHERE m.retailer_code = code) ORDER BY code"
        )
    ]
    conn.close()
    step = max(1, len(codes) // k)
    return codes[step // 2 :: step][:k]


def _profiles(ctx: Ctx, db: Path, label: str, res: FigureResult) -> None:
    plan = ctx.plan("profile")
    per_round = 3
    codes = _sample_codes(db, per_round * plan.reps)
    times: list[float] = []
    k = iter(range(0, len(codes), per_round))

    def opened() -> None:
        i = next(k)
        out, _run = probe(
            "profile", str(db), data.TODAY.isoformat(), *codes[i : i + per_round], env=ctx.env
        )
        times.extend(out["times"])

    (mins, _), rounds = alternate(plan, _minimal(ctx), opened)
    res.rows.append(
        Row("profile", label, _secs(times), RATIO(0.5), _secs(mins), "minimal app's first frame")
    )
    res.notes.append(
        f"{label}: {len(times)} retailers opened ({per_round} per process, {rounds} rounds, "
        f"{plan.text()}), codes {codes[0]} … {codes[-1]}."
    )


def fig_profile(ctx: Ctx, res: FigureResult) -> None:
    s = ctx.scale
    _profiles(ctx, ctx.city(), f"open a retailer's profile, {s.retailers:,} retailers", res)
    long_db = data.demo(ctx.cache, s.long_retailers, s.long_months)
    _profiles(
        ctx,
        long_db,
        f"open a profile with {s.long_months // 12} years of orders ({s.long_retailers:,} "
        "retailers)",
        res,
    )
    res.notes.append(
        "Timed in the running app (headless, 120×40) from pushing the profile screen, as Enter "
        "on the lookup's row does, to the refresh that shows its data (head, fields, sales "
        "chart, top brands, visits, captures, complaints, changes); the forecast tab's panel "
        "loads beside it. The baseline: the minimal Textual app's first frame (a fresh "
        "process), alternating."
    )


# -- weekly figures, brand figures ---------------------------------------------------------
def fig_weekly(ctx: Ctx, res: FigureResult) -> None:
    db = str(ctx.city())
    week = "2026-W47"
    start, end = "2026-10-01", "2026-10-31"
    today = data.TODAY.isoformat()
    info: dict = {}

    weekly = _seconds_of(ctx, info, "visits", "weekly", db, today, week)
    brands = _seconds_of(ctx, info, "brands", "brands", db, today, start, end)
    plan = ctx.plan("weekly")
    (mins, weeks, months), rounds = alternate(plan, _minimal(ctx), weekly, brands)
    base = _secs(mins)
    n = f"{ctx.scale.retailers:,} retailers"
    res.rows += [
        Row(
            "weekly",
            f"weekly report figures {week}, {n}",
            _secs(weeks),
            RATIO(2),
            base,
            "minimal app's first frame",
        ),
        Row(
            "weekly",
            f"brand figures of a month ({start[:7]}), {n}",
            _secs(months),
            RATIO(2),
            base,
            "minimal app's first frame",
        ),
    ]
    res.notes += [
        f"`store.weekly_figures('{week}')` ({info.get('visits', 0):,} visits planned in the "
        f"week) and `store.brand_figures({start}, {end})` ({info.get('brands', 0)} key and new "
        "brands), each in a fresh process with a new connection, imports done before the "
        f"clock starts; {rounds} rounds ({plan.text()}), alternating with the minimal app.",
    ]


# -- monthly figures -----------------------------------------------------------------------
def fig_monthly(ctx: Ctx, res: FigureResult) -> None:
    db = str(ctx.city())
    month = "2026-10"
    today = data.TODAY.isoformat()
    info: dict = {}

    monthly = _seconds_of(ctx, info, "retailers", "monthly", db, today, month)
    plan = ctx.plan("monthly")
    (mins, months), rounds = alternate(plan, _minimal(ctx), monthly)
    res.rows.append(
        Row(
            "monthly",
            f"monthly report figures {month}, {ctx.scale.retailers:,} retailers",
            _secs(months),
            REPORTED,
            _secs(mins),
            "minimal app's first frame",
        )
    )
    res.notes += [
        f"`store.monthly_figures('{month}')` (the market analysis a manager drafts; "
        f"{info.get('retailers', 0):,} retailers bought in the month) in a fresh process with a new "
        f"connection, imports done before the clock starts; {rounds} rounds ({plan.text()}), "
        "alternating with the minimal app.",
    ]


# -- recompute -----------------------------------------------------------------------------
def fig_recompute(ctx: Ctx, res: FigureResult) -> None:
    db = ctx.city()
    from_month = _add_months(data.TODAY.strftime("%Y-%m"), -ctx.scale.months)
    today = data.TODAY.isoformat()
    peaks: list[float] = []
    info: dict = {}

    floor = _seconds_of(ctx, info, "groups", "groupby", str(db), from_month)

    def ours() -> float:
        out, run = probe("recompute", str(db), today, env=ctx.env)
        peaks.append(run.peak_mib)
        info["retailers"] = out["retailers"]
        return out["seconds"]

    plan = ctx.plan("recompute")
    (base, mine), rounds = alternate(plan, floor, ours)
    res.rows += [
        Row(
            "recompute",
            f"recompute tier, level, value: {info['retailers']:,} retailers",
            _secs(mine),
            RATIO(1),
            _secs(base),
            f"GROUP BY retailer × month, {ctx.scale.months} months",
        ),
        Row("recompute", "recompute, peak memory (its process)", Stat(peaks, "MiB"), AT_MOST(300)),
    ]
    res.notes += [
        f"`store.recompute(today)` of every retailer (derived and stored, one transaction) in a "
        "fresh process, against one `SELECT retailer_code, substr(order_date, 1, 7), sum(…), "
        f"count(*) … GROUP BY` over the order lines since {from_month} ({info['groups']:,} "
        f"groups read) on a plain read-only connection; {rounds} rounds ({plan.text()}), "
        "alternating. Peak memory: the process's maximum resident set (Python and the "
        "program's imports included).",
    ]


def _add_months(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    n = y * 12 + m - 1 + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


# -- import --------------------------------------------------------------------------------
def _import_today(lines: int) -> str:
    """A day just after the generated file's last order (weeks from 2020-01-06, 20,000 lines
    a week): the import refuses dates past today."""
    weeks = math.ceil(lines / (10 * data.IMPORT_RETAILERS))
    last = dt.date(2020, 1, 6) + dt.timedelta(days=(weeks - 1) * 7 + 4)
    return (last + dt.timedelta(days=3)).isoformat()


def _khtui_import(ctx: Ctx, csv_path: Path, lines: int, work: Path):
    db = work / "orders.db"
    for p in work.glob("orders.db*"):
        p.unlink()
    shutil.copyfile(data.db_with_retailers(ctx.cache), db)
    env = {**ctx.env, "KHTUI_TODAY": _import_today(lines)}
    run = run_child(
        data.khtui_cmd("--db", str(db), "import", "orders", str(csv_path), "--json"), env=env
    )
    result = json.loads(run.out)
    size = db.stat().st_size
    for p in work.glob("orders*"):
        p.unlink()
    return run, result, size


def fig_import(ctx: Ctx, res: FigureResult) -> None:
    s = ctx.scale
    work = Path(tempfile.mkdtemp(prefix="import-", dir=ctx.cache))
    first = s.import_lines[0]
    csv_path = data.orders_csv(ctx.cache, first)
    layout = data.db_with_retailers(ctx.cache)  # the database's own DDL, for the keyed rows
    runs: list = []

    def floor() -> float:
        return sqlite_import(csv_path, work).seconds

    def keyed(sums: bool) -> Callable[[], float]:
        return lambda: sqlite_keyed_import(csv_path, work, layout, sums).seconds

    def ours() -> float:
        run, result, size = _khtui_import(ctx, csv_path, first, work)
        if result["rejected"] or result["new"] != first:
            raise RuntimeError(f"the import did not take every line: {result}")
        runs.append((run, result, size))
        return run.seconds

    plan = ctx.plan("import")
    (base, mine, in_order, summed), rounds = alternate(plan, floor, ours, keyed(False), keyed(True))
    res.rows.append(
        Row(
            "import",
            f"`khtui import orders`, {first:,} lines",
            _secs(mine),
            RATIO(1.5),
            _secs(base),
            "sqlite3 .import into a bare table",
        ),
    )
    _keyed_rows(res, "import", in_order, summed, base)
    res.rows.append(
        Row(
            "import",
            f"import peak memory, all processes, {first:,} lines",
            Stat([r.tree_mib for r, _, _ in runs], "MiB"),
            AT_MOST(300),
        ),
    )
    csv_mib = csv_path.stat().st_size / 2**20
    res.notes += [
        f"{first:,} lines ({csv_mib:.0f} MiB CSV, 7 columns, {data.IMPORT_RETAILERS:,} retailers,"
        " weekly orders) imported by `khtui --db DB import orders FILE --json` as a user runs it "
        "(a fresh process, spawn to exit: start-up, reading, staging, the merge with the "
        "classifications of the file's retailers, commit and checkpoint) into a database "
        f"holding the {data.IMPORT_RETAILERS:,} retailers (imported before, not timed); the "
        'baseline `sqlite3 DB ".import --csv --skip 1 FILE t"` into a bare table of a new '
        f"database. {rounds} rounds ({plan.text()}), alternating.",
        _KEYED_NOTE,
        "Largest single process: "
        + ", ".join(f"{r.peak_mib:.0f}" for r, _, _ in runs)
        + " MiB; all processes together: "
        + ", ".join(f"{r.tree_mib:.0f}" for r, _, _ in runs)
        + " MiB (sampled every 20 ms); CPU "
        + ", ".join(f"{r.cpu:.1f}" for r, _, _ in runs)
        + " s.",
    ]
    if runs:
        size = runs[-1][2]
        res.notes.append(
            f"The database after the import: {size / 2**20:.0f} MiB "
            f"({size / first * 1e6 / 2**20:.0f} MiB per million lines, CSV "
            f"{csv_mib / first * 1e6:.0f} MiB)."
        )
    for lines in s.import_lines[1:]:
        path = data.orders_csv(ctx.cache, lines)
        run, result, _ = _khtui_import(ctx, path, lines, work)
        res.rows.append(
            Row(
                "import",
                f"import peak memory, all processes, {lines:,} lines",
                Stat([run.tree_mib], "MiB"),
                AT_MOST(300),
            ),
        )
        res.notes.append(
            f"{lines:,} lines: {run.seconds:.1f} s, largest process {run.peak_mib:.0f} MiB, all "
            f"{run.tree_mib:.0f} MiB, {result['new']:,} new lines."
        )
    path = data.orders_csv(ctx.cache, s.reject_lines, rejects=True)
    run, result, _ = _khtui_import(ctx, path, s.reject_lines, work)
    res.rows.append(
        Row(
            "import",
            f"import peak memory, all processes, {result['rejected']:,} rejects of "
            f"{s.reject_lines:,} lines",
            Stat([run.tree_mib], "MiB"),
            AT_MOST(300),
        ),
    )
    res.notes.append(
        f"{s.reject_lines:,} lines, {result['rejected']:,} of them rejects: {run.seconds:.1f} s, "
        f"largest process {run.peak_mib:.0f} MiB, all {run.tree_mib:.0f} MiB."
    )
    shutil.rmtree(work, ignore_errors=True)


# -- DOCX ----------------------------------------------------------------------------------
def fig_docx(ctx: Ctx, res: FigureResult) -> None:
    s = ctx.scale
    src = data.demo(ctx.cache, s.am_retailers, 24)
    plan = ctx.plan("docx")
    out, _ = probe(
        "docx", str(src), data.TODAY.isoformat(), "2026-W47", str(plan.reps), env=ctx.env
    )
    res.rows.append(
        Row(
            "docx",
            "weekly report DOCX, charts included",
            _secs(out["ours"]),
            RATIO(1.5),
            _secs(out["bare"]),
            "bare python-docx, the same pictures",
        ),
    )
    res.notes += [
        f"One AM's demo ({s.am_retailers} retailers), weekly report 2026-W47 (version "
        f"{out['version']}, {out['status']}): {out['paragraphs']} paragraphs, {out['cells']} "
        f"table cells, {out['pictures']} chart pictures. {plan.reps} rounds alternating in one "
        "process (python-docx and matplotlib imported and warmed up first). khtui draws the "
        "charts (matplotlib) and lays the document out; the bare script adds the paragraphs, "
        "sets `cell.text` and inserts the same PNG pictures (drawn once, before timing).",
    ]


# -- lookup --------------------------------------------------------------------------------
def fig_lookup(ctx: Ctx, res: FigureResult) -> None:
    from bench.lookup import TYPED, keystrokes

    n = ctx.scale.lookup_retailers
    ver = data.code_version(("khtui/data/search.py", "khtui/domain/search_keys.py"))
    db = ctx.cache / f"lookup-{n}-{ver}.db"
    if not db.exists():
        out, _ = probe("lookup_prepare", str(db), str(n), env=ctx.env)
        res.notes.append(
            f"Built: {n:,} synthetic retailers, index in {out['seconds']:.0f} s; one retailer "
            f"written alone: row {out['row'] * 1e3:.2f} ms, its index {out['index'] * 1e3:.2f} ms."
        )
    plan = ctx.plan("lookup")
    queries = keystrokes(TYPED)
    out, _ = probe("lookup", str(db), str(plan.reps), *queries, env=ctx.env)
    ks = out["keystrokes"]
    worst = max(ks, key=lambda k: k["ours"] / k["scan"])
    worst_cpu = max(k["ours_cpu"] / k["scan_cpu"] for k in ks)
    worst_alone = max(ks, key=lambda k: k["alone"] / k["scan"])
    missed = sum(k["missed"] for k in ks)
    res.rows += [
        Row(
            "lookup",
            f"lookup, worst keystroke as typed ('{worst['q']}'), {n:,} retailers",
            _secs([worst["ours"]]),
            RATIO(0.1),
            _secs([worst["scan"]]),
            "LIKE '%q%' scan",
        ),
        Row(
            "lookup",
            f"lookup, worst keystroke with nothing kept ('{worst_alone['q']}')",
            _secs([worst_alone["alone"]]),
            REPORTED,
            _secs([worst_alone["scan"]]),
            "LIKE '%q%' scan",
        ),
        Row(
            "lookup",
            f"lookup, all {len(ks)} keystrokes",
            _secs([sum(k["ours"] for k in ks)]),
            REPORTED,
            _secs([sum(k["scan"] for k in ks)]),
            "LIKE '%q%' scans",
        ),
        Row(
            "lookup",
            "lookup, retailers the scan found that the lookup missed",
            Stat([missed], ""),
            AT_MOST(0),
        ),
        Row(
            "lookup",
            "lookup index size",
            Stat([out["index_bytes"] / 2**20], "MiB"),
            RATIO(1),
            Stat([out["table_bytes"] / 2**20], "MiB"),
            "retailers table",
        ),
    ]
    res.notes += [
        f"Per keystroke `store.lookup_retailers(q, limit=50)` (the first page and the count) "
        "against `count(*)` + the first 50 rows of `name LIKE '%q%' OR phone LIKE … OR code "
        f"LIKE … OR licence_no LIKE …`; medians of {plan.reps} rounds per keystroke, each "
        f"lookup timed right after a scan of the same query. Worst by CPU time: {worst_cpu:.3f}×.",
        "Each round times a keystroke as a person typing the query meets it: the lookup keeps "
        "the index's sets a keystroke read for the next ones (until the index is written), so "
        "the keystrokes before it (the query's prefixes) run first, untimed, on a reader made "
        'afresh. The same keystroke with nothing kept is timed too ("alone"): a first '
        "keystroke, or the first after a write to the index.",
        "| query | scan hits | found | scan ms | ours ms | ratio | alone ms | ratio |",
        *[
            f"  {k['q']} | {k['scan_hits']} | {k['found']} | {k['scan'] * 1e3:.2f} | "
            f"{k['ours'] * 1e3:.2f} | {k['ours'] / k['scan']:.3f} | "
            f"{k['alone'] * 1e3:.2f} | {k['alone'] / k['scan']:.3f}"
            for k in ks
        ],
    ]


# -- forecast ------------------------------------------------------------------------------
def _city_series(db: Path) -> int:
    """How many series a forecast of the whole database computes: every retailer, and every
    active retailer × brand ordered in the last months (as ``forecast_inputs`` counts them)."""
    from khtui.rules import default_rules

    months = default_rules().forecast.active_brand_months
    last = _add_months(data.TODAY.strftime("%Y-%m"), -1)
    first = _add_months(last, -(months - 1))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n = conn.execute("SELECT count(*) FROM retailers").fetchone()[0]
    n += conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT s.retailer_code, s.brand_code FROM "
        "monthly_brand_sales s JOIN retailers r ON r.code = s.retailer_code AND r.status = '正常' "
        "WHERE s.month BETWEEN ? AND ? AND s.qty_tiao > 0)",
        (first, last),
    ).fetchone()[0]
    conn.close()
    return n + 1  # the area


def _forecast(ctx: Ctx, retailers: int) -> dict:
    src = data.demo(ctx.cache, retailers, 24)
    work = Path(tempfile.mkdtemp(prefix="forecast-", dir=ctx.cache))
    db = work / "fc.db"
    shutil.copyfile(src, db)
    try:
        out, run = probe("forecast", str(db), data.TODAY.isoformat(), env=ctx.env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["process"] = run
    return out


def fig_forecast(ctx: Ctx, res: FigureResult) -> None:
    s = ctx.scale
    am = _forecast(ctx, s.am_retailers)
    res.rows.append(
        Row(
            "forecast",
            f"forecast and backtest, one AM ({s.am_retailers} retailers, {am['series']:,} series)",
            _secs([am["seconds"]]),
            AT_MOST(60),
        ),
    )
    sample = _forecast(ctx, s.forecast_sample)
    series = _city_series(ctx.city())
    per = sample["cpu"] / sample["series"]
    res.rows.append(
        Row(
            "forecast",
            f"forecast and backtest, {s.retailers:,} retailers ({series:,} series), "
            f"CPU extrapolated from {s.forecast_sample:,}",
            _secs([per * series]),
            REPORTED,
        ),
    )
    res.notes += [
        f"`Store.compute_forecasts` on the demo's today, in a fresh process (statsforecast "
        f"imported before the clock starts). One AM: {am['seconds']:.1f} s wall, "
        f"{am['cpu']:.1f} s CPU, peak {am['process'].peak_mib:.0f} MiB.",
        f"Sample of {s.forecast_sample:,} retailers: {sample['series']:,} series, "
        f"{sample['seconds']:.1f} s wall, {sample['cpu']:.1f} s CPU ({per * 1000:.2f} ms CPU per "
        f"series), peak {sample['process'].peak_mib:.0f} MiB; the city's {series:,} series "
        f"at that rate: {per * series / 60:.1f} CPU minutes (linear in the series).",
    ]


# -- team merge ----------------------------------------------------------------------------
def fig_merge(ctx: Ctx, res: FigureResult) -> None:
    from concurrent.futures import ThreadPoolExecutor

    s = ctx.scale
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        files = list(
            pool.map(
                lambda t: data.demo(ctx.cache, s.team_retailers, s.team_months, territory=t),
                range(1, s.team_ams + 1),
            )
        )
    plan = ctx.plan("merge")
    work = Path(tempfile.mkdtemp(prefix="merge-", dir=ctx.cache))
    try:
        out, _ = probe("merge", str(work), str(plan.reps), *map(str, files), env=ctx.env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not out["same_rows"]:
        raise RuntimeError("the merge and the floor ended with different rows")
    lines = 0
    for f in files:
        conn = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
        lines += conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
        conn.close()
    res.rows.append(
        Row(
            "merge",
            f"merge {s.team_ams} AM databases ({s.team_ams * s.team_retailers:,} "
            f"retailers, {lines:,} order lines)",
            _secs(out["merge"]),
            RATIO(2),
            _secs(out["floor"]),
            "one INSERT … SELECT per table",
        ),
    )
    res.notes += [
        f"{s.team_ams} AM demo databases ({s.team_retailers} retailers, {s.team_months} months "
        "each, territories of their own) merged by `khtui.data.team.merge_into` (what `khtui "
        "team merge` runs) into a fresh team database, against a fresh database of the same "
        "schema filled by ATTACH and one plain `INSERT … SELECT` per table and file; "
        f"{len(out['merge'])} rounds alternating which goes first; both end with the same rows.",
        f"One file merged again into the team database ({out['team_mib']:.0f} MiB): "
        f"{out['remerge']:.2f} s, {out['remerge_changed']} rows changed.",
    ]


FIGURES: dict[str, tuple[str, Callable[[Ctx, FigureResult], None]]] = {
    "demo": ("Build the demo database", fig_demo),
    "size": ("Database size per million order lines", fig_size),
    "today": ("Today screen, first frame", fig_today),
    "profile": ("Open a retailer's profile", fig_profile),
    "weekly": ("Weekly report figures and brand figures", fig_weekly),
    "monthly": ("Monthly report figures", fig_monthly),
    "recompute": ("Recompute the classifications", fig_recompute),
    "import": ("Import order lines", fig_import),
    "docx": ("Weekly report DOCX", fig_docx),
    "lookup": ("Lookup per keystroke", fig_lookup),
    "forecast": ("Forecast and backtest", fig_forecast),
    "merge": ("Merge AM databases into a team database", fig_merge),
}


def run_figure(name: str, ctx: Ctx) -> FigureResult:
    from bench.core import load

    title, fn = FIGURES[name]
    res = FigureResult(name, title)
    res.load_before = load()
    t0 = time.perf_counter()
    try:
        fn(ctx, res)
    except Exception as exc:  # the report says which figure failed and why; the run goes on
        import traceback

        res.error = "".join(traceback.format_exception(exc)).strip()[-4000:]
        print(res.error, file=sys.stderr)
    res.seconds = time.perf_counter() - t0
    res.load_after = load()
    return res
