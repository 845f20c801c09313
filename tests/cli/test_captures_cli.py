"""`khtui captures`, `khtui complaints`, `khtui complaint ...`, `khtui brands --figures`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.store import Store
from tests.capture_helpers import add_visit, seed
from tests.conftest import TODAY


@pytest.fixture
def db(tmp_path, clock):
    path = tmp_path / "k.db"
    s = Store(path, create=True, clock=clock)
    seed(s)
    vid = add_visit(s, "R1", TODAY)
    cid = s.ensure_capture("prices", visit_id=vid)
    s.set_grid_value(cid, "K1", "retail_price", "280")
    s.set_grid_value(cid, "K1", "stock_tiao", "6")
    s.set_grid_value(cid, "K1", "on_shelf", "是")
    s.set_capture_field(s.ensure_capture("worklog", visit_id=vid), "text", "送宣传品")
    s.finish_capture(visit_id=vid)
    draft = s.ensure_capture("dynamics", retailer_code="R2", on=TODAY)
    s.set_capture_field(draft, "event", "装修")
    s.close()
    return path


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def run_json(db, *args):
    """The JSON a command on ``db`` prints with ``--json`` (it must succeed)."""
    r = run("--db", str(db), *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_captures_json(db):
    data = run_json(db, "captures", "--retailer", "R1")
    assert {c["kind"] for c in data} == {"prices", "worklog"}
    prices = next(c for c in data if c["kind"] == "prices")
    assert prices["observations"][0]["brand_code"] == "K1"
    assert prices["observations"][0]["retail_price"] == 280.0
    assert prices["is_draft"] is False
    assert next(c for c in data if c["kind"] == "worklog")["payload"] == {"text": "送宣传品"}


def test_captures_text_filters_and_drafts(db):
    r = run("--db", str(db), "captures", "--kind", "worklog")
    assert r.exit_code == 0 and "送宣传品" in r.output and "价格" not in r.output
    assert "装修" not in run("--db", str(db), "captures").output
    assert "装修" in run("--db", str(db), "captures", "--drafts").output
    out = run("--db", str(db), "captures", "--to", "2026-11-22").output
    assert out.strip() == "没有符合条件的采集记录"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", ["重点甲 280 6条", "工作内容：送宣传品", "动态：装修"]),
        ("en", ["重点甲 280 6 cartons", "What was done: 送宣传品", "renovating"]),
    ],
)
def test_captures_read_as_the_profile_says_them(db, lang, said):
    """Each capture's line names its fields and says yes/no, the company's words and brands
    as the profile does (it printed the stored values: None, True, a brand's code)."""
    out = run("--db", str(db), "--lang", lang, "captures", "--drafts").output
    for part in said:
        assert part in out, out
    assert "None" not in out and "True" not in out and "K1" not in out


def test_captures_bad_input_is_one_line(db):
    r = run("--db", str(db), "captures", "--kind", "gossip")
    assert r.exit_code == 1 and "activity" in r.output and "Traceback" not in r.output
    r = run("--db", str(db), "captures", "--from", "2026-02-30")
    assert r.exit_code == 2 and "日期无效" in r.output  # not a date: a usage error
    r = run("--db", str(db), "captures", "--retailer", "R999")
    assert r.exit_code == 1 and "R999" in r.output


def test_captures_gaps(db):
    r = run("--db", str(db), "captures", "--gaps", TODAY.isoformat(), "--json")
    data = json.loads(r.output)
    assert data["finished_without_capture"] == []
    assert [(d["retailer_code"], d["kinds"]) for d in data["drafts"]] == [("R2", ["dynamics"])]


def test_complaint_raise_advance_and_list(db):
    c = run_json(db, "complaint", "raise", "R1", "delivery", "送货晚", "--on", "2026-11-20")
    assert (c["department"], c["due_on"], c["status"]) == ("配送中心", "2026-11-25", "open")
    listed = json.loads(run("--db", str(db), "complaints", "--open", "--json").output)
    assert [x["id"] for x in listed] == [c["id"]]
    over = run("--db", str(db), "complaints", "--overdue", "--on", "2026-11-25", "--json")
    assert json.loads(over.output) == []
    over = run("--db", str(db), "complaints", "--overdue", "--on", "2026-11-26", "--json")
    assert [x["overdue"] for x in json.loads(over.output)] == [True]
    text = run("--db", str(db), "complaints", "--on", "2026-11-26").output
    assert "超期" in text and "配送中心" in text
    r = run("--db", str(db), "complaint", "advance", c["id"][:8], "answered", "--answer", "已协调")
    assert r.exit_code == 1 and "已转办" in r.output  # must be forwarded first
    r = run("--db", str(db), "complaint", "advance", c["id"][:8], "forwarded", "--on", "2026-11-21")
    assert r.exit_code == 0, r.output
    r = run("--db", str(db), "complaint", "advance", c["id"][:8], "answered", "--on", "2026-11-22")
    assert r.exit_code == 1 and "答复" in r.output
    r = run(
        "--db",
        str(db),
        "complaint",
        "advance",
        c["id"],
        "answered",
        "--on",
        "2026-11-22",
        "--answer",
        "已协调",
    )
    assert r.exit_code == 0
    assert json.loads(run("--db", str(db), "complaints", "--open", "--json").output) == []
    answered = json.loads(
        run("--db", str(db), "complaints", "--status", "answered", "--json").output
    )
    assert answered[0]["answer"] == "已协调" and answered[0]["answered_on"] == "2026-11-22"


def test_complaint_bad_input(db):
    r = run("--db", str(db), "complaint", "raise", "R1", "weather", "热")
    assert r.exit_code == 1 and "supply" in r.output
    r = run("--db", str(db), "complaint", "advance", "zzzz", "closed")
    assert r.exit_code == 1 and "zzzz" in r.output
    r = run("--db", str(db), "complaints", "--category", "weather")
    assert r.exit_code == 1


def test_brands_figures_json(db):
    s = Store(db)
    s.add_order_lines(
        [
            ("R1", "2026-11-02", "K1", "重点甲", 5, 1100.0, 220.0),
            ("R1", "2026-11-16", "K1", "重点甲", 5, 1100.0, 220.0),
            ("R2", "2026-11-09", "K1", "重点甲", 2, 440.0, 220.0),
        ]
    )
    s.close()
    data = run_json(db, "brands", "--figures", "--from", "2026-11-01", "--to", "2026-11-30")
    assert (data["start"], data["end"], data["cycle_days"]) == ("2026-11-01", "2026-11-30", 30)
    k1 = next(b for b in data["brands"] if b["brand_code"] == "K1")
    # 4 active retailers (R5 is closed): R1 and R2 ordered -> 50 %; R1 again -> 50 %;
    # one shelf checked (R1, K1 on the shelf) -> 100 %
    assert (k1["ordered"], k1["active"], k1["distribution_rate"]) == (2, 4, 50.0)
    assert (k1["reordered"], k1["sell_through_rate"]) == (1, 50.0)
    assert (k1["on_shelf"], k1["shelf_checked"], k1["on_shelf_rate"]) == (1, 1, 100.0)
    text = run(
        "--db",
        str(db),
        "--lang",
        "en",
        "brands",
        "--figures",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
    )
    assert "50.0% (2/4)" in text.output
    r = run("--db", str(db), "brands")
    assert r.exit_code == 1 and "--figures" in r.output
    r = run("--db", str(db), "brands", "--figures", "--from", "2026-12-01", "--to", "2026-11-01")
    assert r.exit_code == 1


def test_store_brand_figures_is_what_the_report_reads(db):
    s = Store(db)
    rows = s.brand_figures(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    s.close()
    assert [r["brand_code"] for r in rows] == ["K1", "N1"]
    assert set(rows[0]) >= {"distribution_rate", "sell_through_rate", "on_shelf_rate"}
