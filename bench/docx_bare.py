"""The weekly report's DOCX against a bare python-docx script writing the same content.

khtui's side draws its chart pictures (matplotlib) and lays the document out
(``render_docx``); the bare script adds the same paragraphs, sets ``cell.text`` and inserts the
same PNG pictures with ``add_picture`` (drawn once, before timing). Both run in one process,
alternating, python-docx and matplotlib imported and warmed up before timing.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time


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


def ours(doc, rules, t) -> None:
    from khtui.data.documents import render_docx

    render_docx(doc, rules, t).save(io.BytesIO())


def chart_pictures(doc, rules) -> list[bytes]:
    """The PNG pictures khtui draws for the document's charts (the bare script's input)."""
    from khtui.data.charts import render_png

    dpi = rules.documents.chart_dpi
    return [render_png(c, 16.6, 6.3, dpi) for c in doc.charts()]


def measure(db: str, today: str, week: str, rounds: int) -> dict:
    import docx  # noqa: F401  (import cost excluded from both sides)
    import matplotlib.backends.backend_agg  # noqa: F401

    from khtui.data.documents import weekly_document
    from khtui.data.store import Store
    from khtui.i18n import Translator

    t = Translator("zh")  # the document as the AM's manager reads it

    day = dt.date.fromisoformat(today)
    store = Store(db, clock=lambda: dt.datetime.combine(day, dt.time(9, 0)))
    report = store.weekly_report(week)
    doc = weekly_document(store, week, t, report)
    paras, cells = doc.counts()
    pictures = chart_pictures(doc, store.rules)
    ours(doc, store.rules, t)  # warm-up: matplotlib's font cache, the first figure
    bare(doc, pictures)
    ours_t, bare_t = [], []
    for r in range(rounds):
        pair = [("ours", lambda: ours(doc, store.rules, t)), ("bare", lambda: bare(doc, pictures))]
        for name, fn in pair if r % 2 == 0 else pair[::-1]:
            t0 = time.perf_counter()
            fn()
            (ours_t if name == "ours" else bare_t).append(time.perf_counter() - t0)
    return {
        "ours": ours_t,
        "bare": bare_t,
        "paragraphs": paras,
        "cells": cells,
        "pictures": len(pictures),
        "version": report["version"],
        "status": report["status"],
        "ratio": statistics.median(ours_t) / statistics.median(bare_t),
    }
