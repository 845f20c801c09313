"""Reports (会报告): the figures of a week / month / monthly plan, and weekly report versions.

Figures are read straight from the tables (``data/schema.py``), so they are the database's own
numbers. A weekly report is kept in ``weekly_reports`` as numbered versions: the AM's draft is
saved as typed; submitting freezes that version (its figures and text never change again); an
edit after that makes a new draft version. Refreshing the figures never touches the AM's text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

from khtui.data.base import StoreError, new_id

ACTIVE = "正常"


def _d(x: dt.date) -> str:
    return x.isoformat()


class ReportOps:
    """Mixin of :class:`khtui.data.store.Store`."""

    # -- shared pieces ------------------------------------------------------------------------
    def _rpt_active_count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM retailers WHERE status = ?", (ACTIVE,)))

    def _rpt_coverage(self, month: str, as_of: dt.date) -> dict[str, Any]:
        """Active retailers visited (a done visit) in ``month`` up to ``as_of``."""
        from khtui.domain.calendar import WorkCalendar
        from khtui.domain.months import month_range

        start, end = month_range(month)
        as_of = min(as_of, end)
        visited_sql = (
            "SELECT DISTINCT v.retailer_code FROM visits v WHERE v.status = 'done' "
            "AND coalesce(substr(v.done_at, 1, 10), v.planned_date) BETWEEN ? AND ?"
        )
        params = (_d(start), _d(as_of))
        active = self._rpt_active_count()
        visited = int(
            self.scalar(
                f"SELECT count(*) FROM retailers WHERE status = ? AND code IN ({visited_sql})",
                (ACTIVE, *params),
            )
        )
        unvisited = [
            dict(r)
            for r in self.query(
                f"SELECT code, name, route FROM retailers WHERE status = ? AND code NOT IN "
                f"({visited_sql}) ORDER BY route, route_seq, code",
                (ACTIVE, *params),
            )
        ]
        cal = WorkCalendar(self.rules)
        days_left = (
            len(cal.workdays_between(as_of + dt.timedelta(days=1), end)) if as_of < end else 0
        )
        return {
            "month": month,
            "as_of": _d(as_of),
            "active": active,
            "visited": visited,
            "unvisited": unvisited,
            "working_days_left": days_left,
        }

    def _rpt_complaints_status(self, start: dt.date, end: dt.date) -> dict[str, Any]:
        """Complaints opened / answered / closed in [start, end]; overdue and open as of ``end``.

        Status is taken *as of* ``end`` from the dates of each step, so an old week reads the
        same after later progress. Overdue on day D: still open or forwarded and due before D.
        """
        routes = self.rules.complaint_routes
        a, b = _d(start), _d(end)
        rows = self.query(
            "SELECT c.*, r.name FROM complaints c LEFT JOIN retailers r ON r.code = c.retailer_code "
            "WHERE c.raised_on <= ? ORDER BY c.raised_on, c.id",
            (b,),
        )
        opened = answered = closed = overdue = open_total = 0
        items = []
        for r in rows:
            done_by_end = (r["answered_on"] and r["answered_on"] <= b) or (
                r["closed_on"] and r["closed_on"] <= b
            )
            if r["closed_on"] and r["closed_on"] <= b:
                status = "closed"
            elif r["answered_on"] and r["answered_on"] <= b:
                status = "answered"
            elif r["forwarded_on"] and r["forwarded_on"] <= b:
                status = "forwarded"
            else:
                status = "open"
            is_open = not done_by_end
            is_overdue = is_open and r["due_on"] < b
            new = a <= r["raised_on"] <= b
            opened += new
            answered += bool(r["answered_on"] and a <= r["answered_on"] <= b)
            closed += bool(r["closed_on"] and a <= r["closed_on"] <= b)
            overdue += is_overdue
            open_total += is_open
            if new or is_overdue:
                route = routes.get(r["category"])
                items.append(
                    {
                        "id": r["id"],
                        "raised_on": r["raised_on"],
                        "code": r["retailer_code"],
                        "name": r["name"] or r["retailer_code"],
                        "category": r["category"],
                        "category_name": route.name if route else r["category"],
                        "department": r["department"],
                        "status": status,
                        "due_on": r["due_on"],
                        "overdue": bool(is_overdue),
                    }
                )
        return {
            "opened": opened,
            "answered": answered,
            "closed": closed,
            "overdue": overdue,
            "open_total": open_total,
            "items": items,
        }

    # -- the weekly figures -------------------------------------------------------------------
    def weekly_figures(self, week: str) -> dict[str, Any]:
        """Every figure of the weekly report for ISO week ``week`` ('2026-W47')."""
        from khtui.domain.report import add_weeks, normalise_week, week_range

        week = normalise_week(week)
        start, end = week_range(week)
        a, b = _d(start), _d(end)
        figures = {
            "week": week,
            "start": a,
            "end": b,
            "visits": self._rpt_week_visits(a, b),
            "coverage": self._rpt_coverage(end.isoformat()[:7], end),
            "prices": self._rpt_week_prices(a, b),
            "stock": self._rpt_week_stock(a, b),
            "brands": self._rpt_week_brands(start, end),
            "complaints": self._rpt_complaints_status(start, end),
            "dynamics": self._rpt_dynamics(a, b),
            "next_week": self._rpt_next_week(add_weeks(week, 1)),
        }
        if start.month != end.month:
            # the week saw a month end: that month's coverage is final, and it is the figure
            # the manager asks for (月内走访面); the new month's so far follows it
            figures["coverage_closed"] = self._rpt_coverage(a[:7], end)
        return figures

    def _rpt_week_visits(self, a: str, b: str) -> dict[str, Any]:
        """Visits planned in the week [a, b] and what became of them.

        "Planned in the week" is fixed once the week is over, whatever happens afterwards:
        a visit rescheduled away from the week (改期, or carried over as 补访 when a later day's
        list is read) was still planned in it and counts there as ``rescheduled``; the visit it
        became is planned on its new day and counts in that day's week. A visit moved to another
        day of the same week counts once, as its replacement. So
        total = done + skipped + checked_in + planned + rescheduled, and a past week's figures
        do not change when today's list carries its missed visits over.
        """
        rows = [
            r
            for r in self.query(
                "SELECT v.planned_date, v.status, v.adhoc, v.skip_reason, v.rescheduled_to, "
                "r.route FROM visits v LEFT JOIN retailers r ON r.code = v.retailer_code "
                "WHERE v.planned_date BETWEEN ? AND ? ORDER BY v.planned_date, v.seq",
                (a, b),
            )
            if not (r["status"] == "rescheduled" and a <= (r["rescheduled_to"] or "") <= b)
        ]
        status = Counter(r["status"] for r in rows)
        skips = Counter(
            (r["skip_reason"] or "").strip() or "-" for r in rows if r["status"] == "skipped"
        )
        days: dict[str, dict[str, Any]] = {}
        for r in rows:
            d = days.setdefault(
                r["planned_date"],
                {
                    "day": r["planned_date"],
                    "routes": [],
                    "total": 0,
                    "done": 0,
                    "skipped": 0,
                    "rescheduled": 0,
                },
            )
            d["total"] += 1
            d["done"] += r["status"] == "done"
            d["skipped"] += r["status"] == "skipped"
            d["rescheduled"] += r["status"] == "rescheduled"
            if r["route"] and r["route"] not in d["routes"]:
                d["routes"].append(r["route"])
        by_day = [{**d, "routes": "、".join(d["routes"])} for d in days.values()]
        return {
            "total": len(rows),
            "done": status["done"],
            "skipped": status["skipped"],
            "checked_in": status["checked_in"],
            "planned": status["planned"],
            "rescheduled": status["rescheduled"],
            "adhoc": sum(1 for r in rows if r["adhoc"] and r["status"] != "rescheduled"),
            "skip_reasons": [
                {"reason": k, "count": n}
                for k, n in sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "by_day": by_day,
        }

    def _rpt_week_prices(self, a: str, b: str) -> dict[str, Any]:
        from khtui.domain.report import is_price_deviation, price_deviation_pct

        threshold = self.rules.capture.price_deviation_pct
        rows = self.query(
            "SELECT p.observed_on, p.retailer_code, r.name, p.brand_code, "
            "coalesce(br.name, p.brand_code) AS brand, p.retail_price, "
            "coalesce(p.guide_price, br.guide_price) AS guide, p.marked_price "
            "FROM price_observations p LEFT JOIN retailers r ON r.code = p.retailer_code "
            "LEFT JOIN brands br ON br.brand_code = p.brand_code "
            "WHERE p.is_draft = 0 AND p.observed_on BETWEEN ? AND ? "
            "ORDER BY p.observed_on, p.retailer_code, p.brand_code",
            (a, b),
        )
        priced = [r for r in rows if r["retail_price"] is not None]
        deviations = [
            {
                "observed_on": r["observed_on"],
                "code": r["retailer_code"],
                "name": r["name"] or r["retailer_code"],
                "brand_code": r["brand_code"],
                "brand": r["brand"],
                "guide": r["guide"],
                "actual": r["retail_price"],
                "dev_pct": round(price_deviation_pct(r["retail_price"], r["guide"]), 1),
            }
            for r in priced
            if is_price_deviation(r["retail_price"], r["guide"], threshold)
        ]
        deviations.sort(key=lambda d: (-abs(d["dev_pct"]), d["observed_on"], d["code"]))
        return {
            "observations": len(priced),
            "retailers": len({r["retailer_code"] for r in priced}),
            "brands": len({r["brand_code"] for r in priced}),
            "unmarked": len({r["retailer_code"] for r in rows if r["marked_price"] == 0}),
            "threshold_pct": threshold,
            "deviations": deviations,
        }

    def _rpt_week_stock(self, a: str, b: str) -> list[dict[str, Any]]:
        from khtui.domain.report import rate

        rows = self.query(
            "SELECT p.brand_code, coalesce(br.name, p.brand_code) AS brand, "
            "count(DISTINCT CASE WHEN p.stock_tiao IS NOT NULL THEN p.retailer_code END) AS retailers, "
            "sum(p.stock_tiao) AS stock_tiao, "
            "sum(CASE WHEN p.on_shelf = 1 THEN 1 ELSE 0 END) AS on_shelf, "
            "sum(CASE WHEN p.on_shelf IS NOT NULL THEN 1 ELSE 0 END) AS shelf_seen "
            "FROM price_observations p LEFT JOIN brands br ON br.brand_code = p.brand_code "
            "WHERE p.is_draft = 0 AND p.observed_on BETWEEN ? AND ? "
            "AND (p.stock_tiao IS NOT NULL OR p.on_shelf IS NOT NULL) "
            "GROUP BY p.brand_code ORDER BY sum(p.stock_tiao) DESC, p.brand_code",
            (a, b),
        )
        return [
            {
                "brand_code": r["brand_code"],
                "brand": r["brand"],
                "retailers": r["retailers"],
                "stock_tiao": r["stock_tiao"] or 0,
                "stock_avg": (r["stock_tiao"] or 0) / r["retailers"] if r["retailers"] else None,
                "on_shelf_rate": rate(r["on_shelf"], r["shelf_seen"]),
            }
            for r in rows
        ]

    def _rpt_week_brands(self, start: dt.date, end: dt.date) -> dict[str, Any]:
        """Cultivation figures of key and new brands, with the week's quantity beside them.

        The figures are ``store.brand_figures`` (``khtui/domain/brand_figures.py`` has the one
        definition) over the same window the brand view uses for a day: the brand cycle (rules
        ``brands.cycle_days``) ending on the week's Sunday, ``brand_period(end)``. A week alone
        is shorter than most retailers' order cycle and would understate distribution.
        Sell-through looks up to one cycle past the window's end, so a draft's figure can still
        rise after the week; the submitted version keeps the one it was submitted with.
        """
        w_start, w_end = self.brand_period(end)
        week_qty = {
            r[0]: r[1]
            for r in self.query(
                "SELECT brand_code, sum(qty_tiao) FROM order_lines WHERE order_date BETWEEN ? AND ? "
                "GROUP BY brand_code",
                (_d(start), _d(end)),
            )
        }
        rows = [
            {
                **f,
                "brand": f["name"],
                "qty_week": week_qty.get(f["brand_code"], 0),
                "distributed": f["ordered"],
            }
            for f in self.brand_figures(w_start, w_end)
        ]
        return {
            "window_start": _d(w_start),
            "window_end": _d(w_end),
            "cycle_days": self.rules.brands.cycle_days,
            "active": self._rpt_active_count(),
            "rows": rows,
        }

    def _rpt_dynamics(self, a: str, b: str) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT c.captured_on, c.retailer_code, r.name, c.payload FROM captures c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code "
            "WHERE c.kind = 'dynamics' AND c.is_draft = 0 AND c.captured_on BETWEEN ? AND ? "
            "ORDER BY c.captured_on, c.retailer_code",
            (a, b),
        )
        out = []
        for r in rows:
            payload = _payload(r["payload"])
            out.append(
                {
                    "captured_on": r["captured_on"],
                    "code": r["retailer_code"],
                    "name": r["name"] or r["retailer_code"] or "-",
                    "event": str(payload.get("event") or "-"),
                    "note": str(payload.get("note") or ""),
                }
            )
        return out

    def _rpt_next_week(self, week: str) -> dict[str, Any]:
        from khtui.domain.report import week_range

        start, end = week_range(week)
        rows = self.query(
            "SELECT v.planned_date, v.reasons, r.route FROM visits v "
            "LEFT JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.planned_date BETWEEN ? AND ? AND v.status NOT IN ('rescheduled', 'skipped') "
            "ORDER BY v.planned_date, v.seq",
            (_d(start), _d(end)),
        )
        days: dict[str, dict[str, Any]] = {}
        for r in rows:
            d = days.setdefault(
                r["planned_date"],
                {"day": r["planned_date"], "routes": [], "visits": 0, "reasons": Counter()},
            )
            d["visits"] += 1
            for reason in _json_list(r["reasons"]):
                d["reasons"][reason] += 1
            if r["route"] and r["route"] not in d["routes"]:
                d["routes"].append(r["route"])
        return {
            "week": week,
            "total": len(rows),
            "days": [
                {**d, "routes": "、".join(d["routes"]), "reasons": dict(d["reasons"])}
                for d in days.values()
            ],
        }

    # -- weekly report versions ---------------------------------------------------------------
    def weekly_versions(self, week: str) -> list[dict[str, Any]]:
        from khtui.domain.report import normalise_week

        week = normalise_week(week)
        return [
            _report_row(r)
            for r in self.query(
                "SELECT * FROM weekly_reports WHERE week = ? ORDER BY version", (week,)
            )
        ]

    def weekly_report(self, week: str) -> dict[str, Any]:
        """The latest version of a week's report, with figures.

        A draft (or a week with no report yet, ``version`` 0) gets fresh figures; a submitted
        version keeps the figures frozen when it was submitted.
        """
        from khtui.domain.report import NARRATIVE_KEYS, normalise_week

        week = normalise_week(week)
        versions = self.weekly_versions(week)
        if versions:
            latest = versions[-1]
        else:
            latest = {
                "id": None,
                "week": week,
                "version": 0,
                "status": "draft",
                "narrative": {k: "" for k in NARRATIVE_KEYS},
                "figures": {},
                "created_at": None,
                "updated_at": None,
                "submitted_at": None,
            }
        if latest["status"] != "submitted":
            latest["figures"] = self.weekly_figures(week)
        latest["versions"] = len(versions)
        return latest

    def save_weekly_draft(self, week: str, narrative: dict[str, str]) -> dict[str, Any]:
        """Save the AM's narrative as typed (keys of ``NARRATIVE_KEYS``; others are refused).

        Writes into the current draft; when there is none (new week, or the latest version is
        submitted) it starts the next version, carrying the submitted text forward.
        """
        from khtui.domain.report import NARRATIVE_KEYS, normalise_week

        week = normalise_week(week)
        unknown = set(narrative) - set(NARRATIVE_KEYS)
        if unknown:
            raise StoreError(
                f"unknown report section(s): {', '.join(sorted(unknown))}; "
                f"use {', '.join(NARRATIVE_KEYS)}"
            )
        now = self.now_text()
        with self.write() as conn:
            latest = conn.execute(
                "SELECT * FROM weekly_reports WHERE week = ? ORDER BY version DESC LIMIT 1",
                (week,),
            ).fetchone()
            if latest is not None and latest["status"] == "draft":
                text = {**json.loads(latest["narrative"]), **narrative}
                conn.execute(
                    "UPDATE weekly_reports SET narrative = ?, updated_at = ? WHERE id = ?",
                    (json.dumps(text, ensure_ascii=False), now, latest["id"]),
                )
                rid = latest["id"]
            else:
                base = json.loads(latest["narrative"]) if latest is not None else {}
                text = {**{k: "" for k in NARRATIVE_KEYS}, **base, **narrative}
                rid = new_id()
                version = (latest["version"] if latest is not None else 0) + 1
                conn.execute(
                    "INSERT INTO weekly_reports (id, am_id, week, version, status, narrative, "
                    "figures, created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, '{}', ?, ?)",
                    (
                        rid,
                        self.am_id,
                        week,
                        version,
                        json.dumps(text, ensure_ascii=False),
                        now,
                        now,
                    ),
                )
        return _report_row(self.query_one("SELECT * FROM weekly_reports WHERE id = ?", (rid,)))

    def refresh_weekly_figures(self, week: str) -> dict[str, Any]:
        """Store fresh figures on the current draft (the narrative is left as it is)."""
        from khtui.domain.report import normalise_week

        week = normalise_week(week)
        figures = self.weekly_figures(week)
        with self.write() as conn:
            conn.execute(
                "UPDATE weekly_reports SET figures = ?, updated_at = ? WHERE week = ? AND "
                "status = 'draft'",
                (json.dumps(figures, ensure_ascii=False), self.now_text(), week),
            )
        return figures

    def submit_weekly(self, week: str) -> dict[str, Any]:
        """Freeze the current draft with the figures of this moment; returns that version."""
        from khtui.domain.report import normalise_week

        week = normalise_week(week)
        latest = self.query_one(
            "SELECT * FROM weekly_reports WHERE week = ? ORDER BY version DESC LIMIT 1", (week,)
        )
        if latest is None:
            self.save_weekly_draft(week, {})
        elif latest["status"] == "submitted":
            raise StoreError(
                f"{week} version {latest['version']} is already submitted; edit the text to "
                f"start version {latest['version'] + 1}"
            )
        figures = self.weekly_figures(week)
        now = self.now_text()
        with self.write() as conn:
            row = conn.execute(
                "SELECT id FROM weekly_reports WHERE week = ? AND status = 'draft' "
                "ORDER BY version DESC LIMIT 1",
                (week,),
            ).fetchone()
            conn.execute(
                "UPDATE weekly_reports SET status = 'submitted', figures = ?, submitted_at = ?, "
                "updated_at = ? WHERE id = ?",
                (json.dumps(figures, ensure_ascii=False), now, now, row["id"]),
            )
        return _report_row(
            self.query_one("SELECT * FROM weekly_reports WHERE id = ?", (row["id"],))
        )

    # -- the monthly market analysis ----------------------------------------------------------
    def monthly_figures(self, month: str) -> dict[str, Any]:
        """Every figure of the monthly market analysis for ``month`` ('2026-10')."""
        from khtui.domain.months import add_months, month_range
        from khtui.domain.report import is_price_deviation

        start, end = month_range(month)
        ly = add_months(month, -12)
        months = [add_months(month, -i) for i in range(11, -1, -1)]
        wanted = months + [add_months(m, -12) for m in months]
        marks = ",".join("?" * len(wanted))
        by_month = {
            r["month"]: r
            for r in self.query(
                f"SELECT month, sum(qty_tiao) AS qty, round(sum(amount), 2) AS amount, "
                f"count(*) AS retailers FROM monthly_sales WHERE month IN ({marks}) GROUP BY month",
                wanted,
            )
        }

        def m_get(m: str, key: str) -> Any:
            r = by_month.get(m)
            return r[key] if r is not None else 0

        sales_months = [
            {
                "month": m,
                "qty": m_get(m, "qty"),
                "amount": m_get(m, "amount"),
                "retailers": m_get(m, "retailers"),
                "qty_ly": m_get(add_months(m, -12), "qty"),
                "amount_ly": m_get(add_months(m, -12), "amount"),
            }
            for m in months
        ]

        tiers: dict[Any, dict[str, Any]] = defaultdict(
            lambda: {"retailers": 0, "qty": 0, "amount": 0, "qty_ly": 0}
        )
        for r in self.query(
            "SELECT r.tier, s.month, count(*) AS n, sum(s.qty_tiao) AS qty, "
            "round(sum(s.amount), 2) AS amount FROM monthly_sales s "
            "LEFT JOIN retailers r ON r.code = s.retailer_code WHERE s.month IN (?, ?) "
            "GROUP BY r.tier, s.month",
            (month, ly),
        ):
            t = tiers[r["tier"]]
            if r["month"] == month:
                t["retailers"], t["qty"], t["amount"] = r["n"], r["qty"], r["amount"]
            else:
                t["qty_ly"] = r["qty"]
        tier_rows = [
            {"tier": k, **v}
            for k, v in sorted(tiers.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ]

        categories = [
            dict(r)
            for r in self.query(
                "SELECT r.category_name AS category, count(*) AS retailers, sum(s.qty_tiao) AS qty, "
                "round(sum(s.amount), 2) AS amount FROM monthly_sales s "
                "LEFT JOIN retailers r ON r.code = s.retailer_code WHERE s.month = ? "
                "GROUP BY r.category_name ORDER BY qty DESC, category",
                (month,),
            )
        ]

        classes: dict[Any, dict[str, Any]] = defaultdict(
            lambda: {"qty": 0, "amount": 0, "qty_ly": 0}
        )
        for r in self.query(
            "SELECT b.class, s.month, sum(s.qty_tiao) AS qty, round(sum(s.amount), 2) AS amount "
            "FROM monthly_brand_sales s LEFT JOIN brands b ON b.brand_code = s.brand_code "
            "WHERE s.month IN (?, ?) GROUP BY b.class, s.month",
            (month, ly),
        ):
            c = classes[r["class"]]
            if r["month"] == month:
                c["qty"], c["amount"] = r["qty"], r["amount"]
            else:
                c["qty_ly"] = r["qty"]
        class_rows = sorted(
            ({"class": k, **v} for k, v in classes.items()),
            key=lambda r: (-(r["qty"] or 0), str(r["class"])),
        )

        top_n = self.rules.reports.top_brands
        top = [
            {**dict(r), "is_key": bool(r["is_key"]), "is_new": bool(r["is_new"])}
            for r in self.query(
                "SELECT s.brand_code, coalesce(b.name, s.brand_code) AS brand, b.class, "
                "coalesce(b.is_key, 0) AS is_key, coalesce(b.is_new, 0) AS is_new, "
                "sum(s.qty_tiao) AS qty, round(sum(s.amount), 2) AS amount, "
                "count(*) AS retailers FROM monthly_brand_sales s "
                "LEFT JOIN brands b ON b.brand_code = s.brand_code WHERE s.month = ? "
                "GROUP BY s.brand_code ORDER BY qty DESC, s.brand_code LIMIT ?",
                (month, top_n),
            )
        ]

        opinions = []
        for r in self.query(
            "SELECT c.captured_on, c.retailer_code, r.name, c.payload FROM captures c "
            "LEFT JOIN retailers r ON r.code = c.retailer_code WHERE c.kind = 'opinion' "
            "AND c.is_draft = 0 AND c.captured_on BETWEEN ? AND ? ORDER BY c.captured_on",
            (_d(start), _d(end)),
        ):
            p = _payload(r["payload"])
            opinions.append(
                {
                    "captured_on": r["captured_on"],
                    "code": r["retailer_code"],
                    "name": r["name"] or r["retailer_code"] or "-",
                    "type": str(p.get("type") or "-"),
                    "text": str(p.get("text") or ""),
                }
            )

        threshold = self.rules.capture.price_deviation_pct
        deviations = sum(
            1
            for r in self.query(
                "SELECT p.retail_price, coalesce(p.guide_price, b.guide_price) AS guide "
                "FROM price_observations p LEFT JOIN brands b ON b.brand_code = p.brand_code "
                "WHERE p.is_draft = 0 AND p.observed_on BETWEEN ? AND ?",
                (_d(start), _d(end)),
            )
            if is_price_deviation(r["retail_price"], r["guide"], threshold)
        )

        return {
            "month": month,
            "start": _d(start),
            "end": _d(end),
            "tiao_per_jian": self.rules.tiao_per_jian,
            "sales": {"months": sales_months},
            "tiers": tier_rows,
            "categories": categories,
            "classes": class_rows,
            "top_brands": top,
            "opinions": opinions,
            "coverage": {
                k: v for k, v in self._rpt_coverage(month, end).items() if k != "unvisited"
            },
            "complaints": {
                k: v for k, v in self._rpt_complaints_status(start, end).items() if k != "items"
            },
            "price_deviations": deviations,
            "price_threshold_pct": threshold,
            "weekly_narrative": self._rpt_month_narrative(start, end),
        }

    def _rpt_month_narrative(self, start: dt.date, end: dt.date) -> dict[str, list[str]]:
        """The AM's own lines from the weekly reports of the month's weeks (latest versions).

        A week belongs to the month its Thursday falls in (as ISO weeks do to years).
        """
        from khtui.domain.report import NARRATIVE_KEYS, week_range

        out: dict[str, list[str]] = {k: [] for k in NARRATIVE_KEYS}
        rows = self.query(
            "SELECT w.week, w.narrative FROM weekly_reports w WHERE w.version = "
            "(SELECT max(version) FROM weekly_reports x WHERE x.week = w.week) ORDER BY w.week"
        )
        for r in rows:
            monday, _ = week_range(r["week"])
            if not (start <= monday + dt.timedelta(days=3) <= end):
                continue
            text = json.loads(r["narrative"] or "{}")
            for k in NARRATIVE_KEYS:
                out[k].extend(ln.strip() for ln in (text.get(k) or "").splitlines() if ln.strip())
        return out

    # -- the monthly visit plan ---------------------------------------------------------------
    def plan_document_figures(self, month: str) -> dict[str, Any]:
        """The month's visits per day and route (rescheduled-away visits left out)."""
        from khtui.domain.months import month_range

        start, end = month_range(month)
        plan = self.query_one("SELECT * FROM visit_plans WHERE month = ?", (month,))
        rows = self.query(
            "SELECT v.planned_date, v.seq, v.retailer_code, v.reasons, v.measures, r.name, "
            "r.route, r.route_seq, r.tier, r.status AS retailer_status FROM visits v "
            "LEFT JOIN retailers r ON r.code = v.retailer_code "
            "WHERE v.planned_date BETWEEN ? AND ? AND v.status != 'rescheduled' "
            "ORDER BY v.planned_date, v.seq, r.route, r.route_seq",
            (_d(start), _d(end)),
        )
        days: dict[str, dict[str, Any]] = {}
        routes: dict[Any, dict[str, Any]] = {}
        reasons: Counter = Counter()
        for r in rows:
            d = days.setdefault(
                r["planned_date"], {"day": r["planned_date"], "routes": [], "visits": []}
            )
            reasons_list = _json_list(r["reasons"])
            reasons.update(reasons_list)
            d["visits"].append(
                {
                    "code": r["retailer_code"],
                    "name": r["name"] or r["retailer_code"],
                    "route": r["route"],
                    "tier": r["tier"],
                    "reasons": reasons_list,
                    "measures": [str(m) for m in _json_list(r["measures"])],
                }
            )
            if r["route"] and r["route"] not in d["routes"]:
                d["routes"].append(r["route"])
            rt = routes.setdefault(
                r["route"], {"route": r["route"], "days": [], "codes": set(), "visits": 0}
            )
            rt["visits"] += 1
            rt["codes"].add(r["retailer_code"])
            wd = r["planned_date"]
            if wd not in rt["days"]:
                rt["days"].append(wd)
        planned = {r["retailer_code"] for r in rows}
        active_codes = {
            r[0] for r in self.query("SELECT code FROM retailers WHERE status = ?", (ACTIVE,))
        }
        return {
            "month": month,
            "status": plan["status"] if plan is not None else "none",
            "visits": len(rows),
            "retailers": len(planned),
            "active": len(active_codes),
            "covered_active": len(active_codes & planned),
            "missing": sorted(active_codes - planned),
            "days": [{**d, "routes": "、".join(d["routes"])} for d in days.values()],
            "routes": [
                {
                    "route": rt["route"],
                    "days": "、".join(x[5:] for x in rt["days"]),
                    "retailers": len(rt["codes"]),
                    "visits": rt["visits"],
                }
                for rt in sorted(routes.values(), key=lambda x: str(x["route"] or ""))
            ],
            "reasons": dict(reasons),
        }


def _payload(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def _report_row(row) -> dict[str, Any]:
    from khtui.domain.report import NARRATIVE_KEYS

    out = dict(row)
    out["narrative"] = {
        **{k: "" for k in NARRATIVE_KEYS},
        **json.loads(out.get("narrative") or "{}"),
    }
    out["figures"] = json.loads(out.get("figures") or "{}")
    return out
