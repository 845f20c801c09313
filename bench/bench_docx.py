"""Weekly report DOCX against a bare python-docx script writing the same paragraphs, cells and
chart pictures.

    python bench/bench_docx.py [--rounds 7] [--db PATH] [--week 2026-W44] [--synthetic]

Uses the demo database (``khtui.data.demo.build_demo``, today 2026-11-23) and, by default, the
last week with visits up to 2026-W47 (the demo's last week, its report submitted there); with
``--synthetic``, a synthetic week of the demo's size (320 retailers, a month of visits, prices,
complaints) instead.
Both writers run in the same process, alternating, and the medians are compared; python-docx and
matplotlib are imported before timing starts. khtui's side draws its chart pictures (matplotlib)
and lays the document out; the bare script inserts the same PNG pictures with ``add_picture``
(drawn once, before timing). The target is khtui <= 1.5x bare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TODAY = dt.date(2026, 11, 23)
WEEK = "2026-W47"


def synthetic(store, n: int = 320, seed: int = 7) -> None:
    """A demo-sized week: retailers on 8 routes, visits every working day, prices, stock,
    complaints, dynamics and next week's plan."""
    from khtui.data.base import new_id

    rng = random.Random(seed)
    now = "2026-11-23T09:00:00"
    am = store.am_id
    brands = [
        (f"B{i:02d}", f"品牌{i:02d}(硬)", rng.choice([250.0, 100.0, 50.0])) for i in range(40)
    ]
    with store.write() as c:
        for i in range(n):
            c.execute(
                "INSERT INTO retailers (code, name, route, route_seq, status, tier, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    f"R{i:04d}",
                    f"零售户{i:04d}号店",
                    f"线路{i % 8}",
                    i // 8,
                    "正常",
                    rng.randint(1, 8),
                    now,
                    now,
                ),
            )
        c.executemany(
            "INSERT INTO brands (brand_code, name, class, guide_price, is_key, is_new) "
            "VALUES (?,?,?,?,?,?)",
            [
                (b, name, "一类", g, int(k < 6), int(6 <= k < 9))
                for k, (b, name, g) in enumerate(brands)
            ],
        )
        start = dt.date(2026, 11, 2)
        for d in range(28):
            day = start + dt.timedelta(days=d)
            if day.weekday() >= 5:
                continue
            for j in range(25):
                code = f"R{rng.randrange(n):04d}"
                status = "planned" if day >= TODAY else rng.choice(["done"] * 8 + ["skipped"])
                c.execute(
                    "INSERT INTO visits (id, am_id, retailer_code, planned_date, seq, status, "
                    "reasons, skip_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        new_id(),
                        am,
                        code,
                        day.isoformat(),
                        j,
                        status,
                        json.dumps(rng.choice([["plan"], ["plan", "care"], ["complaint"]])),
                        "店主不在" if status == "skipped" else None,
                        now,
                        now,
                    ),
                )
                if status == "done" and dt.date(2026, 11, 16) <= day <= dt.date(2026, 11, 22):
                    for b, _, g in rng.sample(brands, 3):
                        c.execute(
                            "INSERT INTO price_observations (id, am_id, retailer_code, brand_code, "
                            "observed_on, retail_price, guide_price, marked_price, stock_tiao, "
                            "on_shelf, is_draft) VALUES (?,?,?,?,?,?,?,?,?,?,0)",
                            (
                                new_id(),
                                am,
                                code,
                                b,
                                day.isoformat(),
                                g * rng.uniform(0.85, 1.15),
                                g,
                                int(rng.random() > 0.1),
                                rng.randint(0, 30),
                                int(rng.random() > 0.3),
                            ),
                        )
        for k in range(20):
            raised = dt.date(2026, 11, 10) + dt.timedelta(days=k % 12)
            c.execute(
                "INSERT INTO complaints (id, am_id, retailer_code, category, department, am_share, "
                "raised_on, due_on, status, description, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    new_id(),
                    am,
                    f"R{rng.randrange(n):04d}",
                    "delivery",
                    "配送中心",
                    "secondary",
                    raised.isoformat(),
                    (raised + dt.timedelta(days=3)).isoformat(),
                    "open",
                    "送货晚",
                    now,
                    now,
                ),
            )
        for k in range(12):
            c.execute(
                "INSERT INTO captures (id, am_id, retailer_code, kind, payload, is_draft, "
                "captured_on, created_at, updated_at) VALUES (?,?,?,?,?,0,?,?,?)",
                (
                    new_id(),
                    am,
                    f"R{rng.randrange(n):04d}",
                    "dynamics",
                    json.dumps({"event": "装修", "note": "预计两周后恢复营业"}, ensure_ascii=False),
                    f"2026-11-{16 + k % 7}",
                    now,
                    now,
                ),
            )
    store.save_weekly_draft(
        WEEK,
        {
            "problems": "\n".join(f"问题{i}：部分客户断货，原因是投放量不足。" for i in range(6)),
            "suggestions": "\n".join(f"建议{i}：适当调整投放。" for i in range(4)),
            "improvements": "\n".join(f"措施{i}：提前预约拜访时间。" for i in range(4)),
        },
    )


def last_week_with_visits(store) -> str:
    """The ISO week of the data's last visit, no later than WEEK."""
    last = store.scalar(
        "SELECT max(planned_date) FROM visits WHERE planned_date <= ?", ("2026-11-22",)
    )
    if last is None:
        return WEEK
    year, wk, _ = dt.date.fromisoformat(last).isocalendar()
    return f"{year}-W{wk:02d}"


def bare(doc, pictures: list[bytes]) -> None:
    """What a bare python-docx script does with the same content: paragraphs, cell.text and
    the same chart pictures with ``add_picture``."""
    import docx
    from docx.shared import Cm

    from khtui.domain.report import Chart, Table

    images = iter(pictures)
    d = docx.Document()
    d.add_paragraph(doc.title)
    for line in doc.meta:
        d.add_paragraph(line)
    for block in doc.blocks:
        if isinstance(block, Table):
            table = d.add_table(rows=1, cols=len(block.headers))
            table.style = d.styles["Table Grid"]
            for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = text
            for values in block.rows:
                for cell, text in zip(table.add_row().cells, values, strict=True):
                    cell.text = text
        elif isinstance(block, Chart):
            d.add_picture(io.BytesIO(next(images)), width=Cm(16.6))
            d.add_paragraph(block.caption + " " + " ".join(s.name for s in block.series))
        else:
            d.add_paragraph(block.text)
    d.save(io.BytesIO())


def ours(doc, rules) -> None:
    from khtui.data.documents import render_docx
    from khtui.i18n import Translator

    render_docx(doc, rules, Translator("zh")).save(io.BytesIO())


def chart_pictures(doc, rules) -> list[bytes]:
    """The PNG pictures khtui draws for the document's charts (the bare script's input)."""
    from khtui.data.charts import render_png

    dpi = rules.documents.chart_dpi
    return [render_png(c, 16.6, 6.3, dpi) for c in doc.charts()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--db", help="an existing database (default: the demo database)")
    ap.add_argument("--week", help="ISO week (default: the data's last week with visits)")
    ap.add_argument("--synthetic", action="store_true", help="the synthetic week, not the demo")
    args = ap.parse_args()

    import docx  # noqa: F401  (import cost excluded from both sides)
    import matplotlib.backends.backend_agg  # noqa: F401

    from khtui.data.documents import weekly_document
    from khtui.data.store import Store

    clock = lambda: dt.datetime(2026, 11, 23, 9, 0)  # noqa: E731
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "bench.db"
    if args.db:
        store, source = Store(args.db, clock=clock), args.db
    elif args.synthetic:
        store = Store(path, create=True, clock=clock, user="张经理")
        synthetic(store)
        source = "synthetic week (320 retailers)"
    else:
        from khtui.data.demo import build_demo

        build_demo(path, today=TODAY)
        store = Store(path, clock=clock)
        source = "khtui.data.demo.build_demo (320 retailers, 24 months, today 2026-11-23)"
    week = args.week or last_week_with_visits(store)

    t0 = time.perf_counter()
    store.weekly_figures(week)  # what a draft reads (a submitted version keeps its own)
    figures_s = time.perf_counter() - t0
    report = store.weekly_report(week)
    from khtui.i18n import Translator

    doc = weekly_document(store, week, Translator("zh"), report)
    paras, cells = doc.counts()
    pictures = chart_pictures(doc, store.rules)
    ours(doc, store.rules)  # warm-up: matplotlib's font cache, first figure

    ours_t, bare_t = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        ours(doc, store.rules)
        ours_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare(doc, pictures)
        bare_t.append(time.perf_counter() - t0)
    o, b = statistics.median(ours_t), statistics.median(bare_t)
    print(f"data: {source}")
    print(
        f"weekly report {week} (version {report['version']}, {report['status']}): "
        f"{paras} paragraphs, {cells} table cells, {len(pictures)} chart pictures"
    )
    print(f"figures (SQL) once: {figures_s * 1000:.0f} ms")
    print(f"khtui DOCX  median of {args.rounds}: {o * 1000:.0f} ms")
    print(f"bare script median of {args.rounds}: {b * 1000:.0f} ms")
    print(f"ratio: {o / b:.2f}x (target <= 1.5x)")
    sys.exit(0 if o <= 1.5 * b else 1)


if __name__ == "__main__":
    main()
