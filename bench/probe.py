"""Measurements that run in a fresh process of their own: ``python -m bench.probe NAME ARGS…``
prints one line of JSON with what it measured (the parent adds the wall time and the peak
memory of the process). Imports happen before the clock starts, as in a running program."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import sqlite3
import sys
import time
from pathlib import Path


def _store(db: str, today: str):
    from khtui.data.store import Store

    day = dt.date.fromisoformat(today)
    return Store(db, clock=lambda: dt.datetime.combine(day, dt.time(9, 0)))


def weekly(db: str, today: str, week: str) -> dict:
    """``weekly_figures`` of a week, as the report screen reads them for a draft."""
    import khtui.domain.report
    import khtui.domain.weekly  # noqa: F401

    store = _store(db, today)
    t0 = time.perf_counter()
    figures = store.weekly_figures(week)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "visits": figures.visits.total}


def monthly(db: str, today: str, month: str) -> dict:
    """``monthly_figures`` of a month, as the monthly report screen reads them for a draft."""
    import khtui.domain.monthly
    import khtui.domain.months  # noqa: F401

    store = _store(db, today)
    t0 = time.perf_counter()
    figures = store.monthly_figures(month)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "retailers": figures.sales[-1].retailers}


def brands(db: str, today: str, start: str, end: str) -> dict:
    """``brand_figures`` over a period (the brand screen, the monthly report)."""
    import khtui.domain.brand_figures  # noqa: F401

    store = _store(db, today)
    t0 = time.perf_counter()
    rows = store.brand_figures(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "brands": len(rows), "ordered": sum(r["ordered"] for r in rows)}


def recompute(db: str, today: str) -> dict:
    """Tier, category, level and value of every retailer, derived and stored."""
    import khtui.domain.derive  # noqa: F401

    store = _store(db, today)
    t0, c0 = time.perf_counter(), time.process_time()
    n = store.recompute(dt.date.fromisoformat(today))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    return {"seconds": seconds, "cpu": cpu, "retailers": n}


def groupby(db: str, first_month: str) -> dict:
    """The floor of ``recompute``: one GROUP BY retailer × month over the order lines from a
    month on, every group read."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    t0, c0 = time.perf_counter(), time.process_time()
    groups = 0
    for _ in conn.execute(
        "SELECT retailer_code, substr(order_date, 1, 7) AS month, sum(qty_tiao), sum(amount), "
        "count(*) FROM order_lines WHERE order_date >= ? GROUP BY retailer_code, month",
        (first_month + "-01",),
    ):
        groups += 1
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "groups": groups}


def profile(db: str, today: str, *codes: str) -> dict:
    """Open each retailer's profile in the running app (as Enter on the lookup's row does):
    seconds from the push of the screen to the painted profile (its data shown)."""
    from khtui.app import create_app, settle
    from khtui.screens.retailer import ProfileScreen

    day = dt.date.fromisoformat(today)
    store = _store(db, today)
    app = create_app(store, today=lambda: day, housekeeping=False)
    times: list[float] = []

    class Timed(ProfileScreen):
        # the screen's stylesheet, found beside its own module (a relative path is read from
        # the folder of the class that names it)
        CSS_PATH = str(Path(inspect.getfile(ProfileScreen)).with_name(ProfileScreen.CSS_PATH))

        def __init__(self, code: str, painted: asyncio.Event) -> None:
            super().__init__(code)
            self.painted = painted

        def on_profile_screen_loaded(self, message) -> None:
            # runs before ProfileScreen's own handler (Textual calls both, the subclass's
            # first): the callback comes after the refresh that shows the data
            self.app.call_after_refresh(self.painted.set)

    async def go() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            try:
                for code in codes:
                    await settle(app, pilot)
                    painted = asyncio.Event()
                    t0 = time.perf_counter()
                    await app.push_screen(Timed(code, painted))
                    await painted.wait()
                    times.append(time.perf_counter() - t0)
                    await settle(app, pilot)
                    await app.pop_screen()
            finally:
                app.exit()

    asyncio.run(go())
    return {"times": times}


def docx(db: str, today: str, week: str, rounds: str) -> dict:
    """The weekly report's DOCX (charts drawn, layout) against a bare python-docx script
    writing the same paragraphs, cells and pictures, alternating in this process."""
    from bench import docx_bare

    return docx_bare.measure(db, today, week, int(rounds))


def forecast(db: str, today: str) -> dict:
    """The forecast and its backtest for every series of the database, as the program runs
    it (``Store.compute_forecasts``)."""
    import statsforecast.models  # noqa: F401

    store = _store(db, today)
    s = store.compute_forecasts(dt.date.fromisoformat(today))
    store.close()
    return {"seconds": s.seconds, "cpu": s.cpu_seconds, "series": s.series}


def lookup(db: str, rounds: str, *queries: str) -> dict:
    from bench import lookup as lk

    return lk.measure(db, int(rounds), list(queries))


def merge(folder: str, rounds: str, *files: str) -> dict:
    from bench import merge as mg

    return mg.measure(folder, int(rounds), *files)


def lookup_prepare(db: str, retailers: str) -> dict:
    from bench import lookup as lk

    t0 = time.perf_counter()
    row, index = lk.prepare(Path(db), int(retailers))
    return {"seconds": time.perf_counter() - t0, "row": row, "index": index}


PROBES = {
    "merge": merge,
    "lookup_prepare": lookup_prepare,
    "weekly": weekly,
    "monthly": monthly,
    "brands": brands,
    "recompute": recompute,
    "groupby": groupby,
    "profile": profile,
    "docx": docx,
    "forecast": forecast,
    "lookup": lookup,
}


if __name__ == "__main__":
    result = PROBES[sys.argv[1]](*sys.argv[2:])
    sys.stdout.write(json.dumps(result) + "\n")
