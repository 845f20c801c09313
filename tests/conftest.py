"""Shared fixtures: a fresh database per test, a fixed clock, and a small dataset."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess

import pytest

import khtui.data.backup as backup_mod
from khtui.data.base import StoreCore, new_id
from khtui.data.store import Store
from khtui.i18n import Translator
from khtui.rules import default_rules

TODAY = dt.date(2026, 11, 23)  # a Monday


# The program's words in each language (there is no current language to set: an app, a CLI
# run or a document writer is given its translator).
ZH = Translator("zh")
EN = Translator("en")


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Every test runs on TODAY whatever the machine's date (the program's one clock,
    :mod:`khtui.clock`, reads it); a test that needs another day sets KHTUI_TODAY itself."""
    monkeypatch.setenv("KHTUI_TODAY", TODAY.isoformat())


@pytest.fixture(autouse=True)
def _own_folders(monkeypatch, tmp_path_factory):
    """No test reads or writes the machine's own khtui data, configuration or documents:
    the default places (platformdirs) point into a temporary folder of the test's own."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(base / "Documents"))
    for name in ("KHTUI_DB", "KHTUI_EXPORT_DIR", "KHTUI_TABLES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rules():
    return default_rules()


@pytest.fixture
def clock():
    return lambda: dt.datetime(2026, 11, 23, 9, 30, 0)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "khtui.db"


@pytest.fixture
def store(db_path, clock):
    s = Store(db_path, create=True, clock=clock, user="张经理")
    yield s
    s.close()


# -- faults of the disk and the file -------------------------------------------------------------
def damage(path, table: str = "retailers") -> None:
    """Overwrite the root pages of ``table`` and its indexes (a reader may find what it needs
    in a covering index alone): "database disk image is malformed"."""
    conn = sqlite3.connect(path)
    roots = [
        r[0]
        for r in conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 0", (table,)
        )
    ]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * size)
            fh.write(b"\xff" * 64)


def _every_connection(monkeypatch, setting) -> None:
    """Every connection a store opens from here on (each thread's) gets ``setting(conn)``."""
    real = StoreCore._connect

    def connect(self):
        conn = real(self)
        setting(conn)
        return conn

    monkeypatch.setattr(StoreCore, "_connect", connect)


@pytest.fixture
def read_only_db(monkeypatch):
    """Every store opened from here on reads but cannot write, as on a read-only file: SQLite's
    SQLITE_READONLY ("attempt to write a readonly database")."""
    _every_connection(monkeypatch, lambda conn: conn.execute("PRAGMA query_only = ON"))


@pytest.fixture
def full_db(monkeypatch):
    """Every store opened from here on may not grow its file: SQLite's SQLITE_FULL."""

    def pinned(conn):
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    _every_connection(monkeypatch, pinned)


@pytest.fixture
def full_backup_disk(monkeypatch):
    """Backup copies written through a connection that may hold 2 pages: SQLite's own
    "database or disk is full", the error a full disk gives."""
    real = backup_mod._open_copy

    def limited(path):
        conn = real(path)
        conn.execute("PRAGMA max_page_count = 2")
        return conn

    monkeypatch.setattr(backup_mod, "_open_copy", limited)


# -- documents ----------------------------------------------------------------------------------
@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nobody can write to (root included: the immutable flag where chmod is not
    enough for root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.geteuid() == 0 and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(folder)], check=False).returncode == 0
    try:
        (folder / "probe").write_bytes(b"")
    except PermissionError:
        pass
    else:
        pytest.fail("cannot make a read-only folder on this machine")
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def check_fonts_and_layout(d):
    """A4, East Asian fonts on defaults, styles and every run, no theme fonts, zh-CN, page
    numbers, repeated header rows, per-cell widths and right-aligned numbers."""
    from docx.oxml.ns import qn

    sec = d.sections[0]
    size = (round(sec.page_width.mm), round(sec.page_height.mm))
    assert size in ((210, 297), (297, 210))  # A4, portrait or landscape
    defaults = d.styles.element.find(qn("w:docDefaults"))
    rfonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert rfonts.get(qn("w:eastAsia")) == "宋体" and rfonts.get(qn("w:asciiTheme")) is None
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    # Latin text (digits) in English: a Chinese Latin language lets LibreOffice break numbers
    assert lang.get(qn("w:val")) == "en-US"
    for name, east in (
        ("Normal", "宋体"),
        ("Title", "黑体"),
        ("Heading 1", "黑体"),
        ("Heading 2", "黑体"),
    ):
        rf = d.styles[name].element.rPr.rFonts
        assert rf.get(qn("w:eastAsia")) == east, name
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert rf.get(qn(attr)) is None, (name, attr)
    runs = d.element.body.iter(qn("w:r"))
    n = 0
    for r in runs:
        rf = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rf is not None and rf.get(qn("w:eastAsia")) in ("宋体", "黑体")
        n += 1
    assert n > 20
    footer_xml = sec.footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml
    for table in d.tables:
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        for tc in table._tbl.iter(qn("w:tc")):
            w = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            assert w is not None and int(w.get(qn("w:w"))) > 0
    usable = sec.page_width - sec.left_margin - sec.right_margin
    for table in d.tables:
        total = sum(c.w for c in table._tbl.tblGrid.gridCol_lst)
        assert total <= usable  # tables fit the page


# -- the report dataset (report figures, documents, the report screen and CLI) ---------------------
REPORT_NOW = "2026-11-23T09:00:00"
REPORT_RETAILERS = [
    # code, name, route, seq, status, tier, category
    ("R001", "幸福便利店", "A线", 1, "正常", 1, "城镇大型便利店"),
    ("R002", "老街食杂店", "A线", 2, "正常", 3, "城镇小型食杂店"),
    ("R003", "红旗烟酒商行", "A线", 3, "正常", 3, "城镇中型烟酒商店"),
    ("R004", "河口小卖部", "B线", 1, "正常", 8, "乡村小型食杂店"),
    ("R005", "新村超市", "B线", 2, "正常", 5, "乡村中型超市"),
    ("R006", "东门便民店", "B线", 3, "正常", None, None),
    ("R007", "停业小店", "B线", 4, "暂停", 8, "乡村小型食杂店"),
]


# The visit batch of each of six routes (the sixth visited on Monday too).
ROUTE_BATCH = ["周一", "周二", "周三", "周四", "周五", "周一"]


def route_retailers(n: int, **extra) -> list[dict]:
    """``n`` active retailers ``C000``… on six routes (线路1-6, in turn), each route visited on
    its batch's weekday; ``extra`` fields on every one."""
    return [
        {
            "code": f"C{i:03d}",
            "name": f"店{i}",
            "route": f"线路{i % 6 + 1}",
            "route_seq": i // 6,
            "visit_batch": ROUTE_BATCH[i % 6],
            "status": "正常",
            **extra,
        }
        for i in range(n)
    ]


def insert_visit(
    conn,
    am,
    code,
    day,
    status,
    *,
    seq=0,
    reasons=("plan",),
    measures=(),
    adhoc=0,
    skip=None,
    plan_id=None,
    done_at=None,
):
    vid = new_id()
    conn.execute(
        "INSERT INTO visits (id, am_id, plan_id, retailer_code, planned_date, seq, status, "
        "reasons, measures, adhoc, skip_reason, done_at, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            vid,
            am,
            plan_id,
            code,
            day,
            seq,
            status,
            json.dumps(list(reasons)),
            json.dumps(list(measures), ensure_ascii=False),
            adhoc,
            skip,
            done_at,
            REPORT_NOW,
            REPORT_NOW,
        ),
    )
    return vid


def _report_price(
    conn, am, code, brand, day, retail, guide, *, marked=1, stock=None, shelf=None, draft=0
):
    conn.execute(
        "INSERT INTO price_observations (id, am_id, retailer_code, brand_code, observed_on, "
        "retail_price, guide_price, marked_price, stock_tiao, on_shelf, is_draft) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (new_id(), am, code, brand, day, retail, guide, marked, stock, shelf, draft),
    )


def _report_capture(conn, am, code, kind, day, payload, draft=0):
    conn.execute(
        "INSERT INTO captures (id, am_id, retailer_code, kind, payload, is_draft, captured_on, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            new_id(),
            am,
            code,
            kind,
            json.dumps(payload, ensure_ascii=False),
            draft,
            day,
            REPORT_NOW,
            REPORT_NOW,
        ),
    )


def _report_complaint(
    conn, am, code, category, raised, due, status, *, forwarded=None, answered=None, closed=None
):
    route = {
        "delivery": "配送中心",
        "supply": "销售部门",
        "prices": "计划部门",
        "visit_service": "客户经理",
    }[category]
    conn.execute(
        "INSERT INTO complaints (id, am_id, retailer_code, category, department, am_share, "
        "raised_on, due_on, status, forwarded_on, answered_on, closed_on, description, "
        "created_at, updated_at) VALUES (?,?,?,?,?,'secondary',?,?,?,?,?,?,'投诉内容',?,?)",
        (
            new_id(),
            am,
            code,
            category,
            route,
            raised,
            due,
            status,
            forwarded,
            answered,
            closed,
            REPORT_NOW,
            REPORT_NOW,
        ),
    )


def seed_reports(store) -> None:
    """The report dataset: seven retailers on two routes, the visits, prices, captures and
    complaints of 2026-W47 and around it, and the December plan (week under test 2026-W47,
    Monday 2026-11-16 .. Sunday 2026-11-22)."""
    am = store.am_id
    with store.write() as conn:
        for code, name, route, seq, status, tier, cat in REPORT_RETAILERS:
            conn.execute(
                "INSERT INTO retailers (code, name, route, route_seq, status, tier, category_name, "
                "visit_batch, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (code, name, route, seq, status, tier, cat, "周一", REPORT_NOW, REPORT_NOW),
            )
        conn.executemany(
            "INSERT INTO brands (brand_code, name, class, guide_price, is_key, is_new) "
            "VALUES (?,?,?,?,?,?)",
            [
                ("B1", "黄鹤楼(硬金砂)", "一类", 250.0, 1, 0),
                ("B2", "利群(新版)", "三类", 100.0, 0, 1),
                ("B3", "红金龙(软)", "五类", 50.0, 0, 0),
            ],
        )
    store.add_order_lines(
        [
            # week brand window for W47 is 2026-10-24 .. 2026-11-22 (30 days)
            ("R001", "2026-11-03", "B1", "黄鹤楼", 10, 2500, 250),
            ("R001", "2026-11-17", "B1", "黄鹤楼", 5, 1250, 250),
            ("R001", "2026-11-17", "B3", "红金龙", 20, 1000, 50),
            ("R002", "2026-11-18", "B2", "利群", 4, 400, 100),
            ("R003", "2026-10-24", "B1", "黄鹤楼", 6, 1500, 250),  # first day in the window
            ("R004", "2026-10-23", "B1", "黄鹤楼", 2, 500, 250),  # the day before it
            ("R001", "2026-10-05", "B1", "黄鹤楼", 12, 3000, 250),
            ("R002", "2026-10-06", "B3", "红金龙", 40, 2000, 50),
            ("R001", "2025-10-05", "B1", "黄鹤楼", 10, 2500, 250),
            ("R002", "2025-10-06", "B3", "红金龙", 50, 2500, 50),
        ]
    )
    with store.write() as conn:
        # the week's visits
        insert_visit(conn, am, "R001", "2026-11-16", "done", seq=1)
        insert_visit(conn, am, "R002", "2026-11-16", "done", seq=2)
        insert_visit(conn, am, "R003", "2026-11-16", "skipped", seq=3, skip="店主不在")
        insert_visit(conn, am, "R004", "2026-11-17", "done", seq=1, adhoc=1, reasons=("adhoc",))
        insert_visit(conn, am, "R005", "2026-11-17", "planned", seq=2)
        insert_visit(conn, am, "R006", "2026-11-17", "rescheduled", seq=3)
        insert_visit(conn, am, "R002", "2026-11-18", "skipped", seq=1, skip="店主不在")
        insert_visit(conn, am, "R005", "2026-11-18", "checked_in", seq=2)
        # earlier this month (coverage) and a suspended retailer's visit (not counted)
        insert_visit(conn, am, "R003", "2026-11-02", "done")
        insert_visit(conn, am, "R007", "2026-11-05", "done")
        # next week
        insert_visit(conn, am, "R006", "2026-11-24", "planned", reasons=("plan", "complaint"))
        insert_visit(conn, am, "R001", "2026-11-25", "planned", seq=1, reasons=("plan", "care"))
        insert_visit(conn, am, "R002", "2026-11-25", "skipped", seq=2)
        insert_visit(conn, am, "R003", "2026-11-26", "rescheduled")
        # prices and stock in the week
        _report_price(
            conn, am, "R001", "B1", "2026-11-16", 275, 250, stock=12, shelf=1
        )  # +10.0%: no
        _report_price(conn, am, "R002", "B1", "2026-11-16", 276, 250, marked=0, stock=3, shelf=0)
        _report_price(conn, am, "R002", "B3", "2026-11-16", 44, 50, stock=20, shelf=1)  # -12.0%
        _report_price(conn, am, "R003", "B2", "2026-11-18", 100, None, shelf=1)  # guide from brands
        _report_price(conn, am, "R004", "B1", "2026-11-17", 400, 250, draft=1)  # draft: ignored
        _report_price(conn, am, "R001", "B1", "2026-11-23", 400, 250)  # next week: ignored
        # complaints
        _report_complaint(conn, am, "R001", "delivery", "2026-11-17", "2026-11-20", "open")
        _report_complaint(
            conn,
            am,
            "R002",
            "supply",
            "2026-11-10",
            "2026-11-15",
            "answered",
            answered="2026-11-18",
        )
        _report_complaint(
            conn, am, "R003", "prices", "2026-11-16", "2026-11-21", "closed", closed="2026-11-19"
        )
        _report_complaint(
            conn,
            am,
            "R004",
            "visit_service",
            "2026-11-12",
            "2026-11-14",
            "closed",
            forwarded="2026-11-13",
            closed="2026-11-25",
        )
        _report_complaint(conn, am, "R005", "delivery", "2026-11-20", "2026-11-22", "open")
        # retailer dynamics and opinions
        _report_capture(
            conn, am, "R005", "dynamics", "2026-11-19", {"event": "装修", "note": "下周重新开业"}
        )
        _report_capture(conn, am, "R006", "dynamics", "2026-11-20", {"event": "歇业"}, draft=1)
        _report_capture(
            conn,
            am,
            "R001",
            "opinion",
            "2026-10-12",
            {"type": "建议", "text": "希望增加细支烟供应"},
        )
        # December plan
        pid = new_id()
        conn.execute(
            "INSERT INTO visit_plans (id, am_id, month, status, created_at) "
            "VALUES (?, ?, '2026-12', 'submitted', ?)",
            (pid, am, REPORT_NOW),
        )
        insert_visit(
            conn,
            am,
            "R001",
            "2026-12-01",
            "planned",
            seq=1,
            plan_id=pid,
            reasons=("plan", "new_product"),
            measures=("collect_demand", "新品推广"),
        )
        insert_visit(
            conn, am, "R002", "2026-12-01", "planned", seq=2, plan_id=pid, measures=("communicate",)
        )
        insert_visit(
            conn,
            am,
            "R003",
            "2026-12-02",
            "planned",
            seq=1,
            plan_id=pid,
            reasons=("plan", "care"),
            measures=("care",),
        )
        insert_visit(conn, am, "R004", "2026-12-03", "rescheduled", plan_id=pid)
