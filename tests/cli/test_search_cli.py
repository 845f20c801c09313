"""`khtui search QUERY [--json] [--limit N] [--offset N] [--reindex]`."""

import json

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.search import RESULT_COLUMNS
from khtui.data.store import Store


@pytest.fixture
def db(new_db):
    return new_db(
        [
            {
                "code": "370102100001",
                "name": "银行路烟酒店",
                "licence_no": "370102267680",
                "phone": "13972770615",
                "route": "城东一线",
                "route_seq": 3,
            },
            {"code": "370102100002", "name": "重庆路KTV", "phone": "13963112196"},
            {"code": "370102100003", "name": "中国银行旁超市", "phone": "18600000615"},
        ]
    )


def run(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def test_json_has_stable_keys_and_ranked_results(db):
    res = run(db, "search", "yh", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["query"] == "yh" and out["total"] == 2 and out["offset"] == 0
    assert [r["code"] for r in out["results"]] == ["370102100001", "370102100003"]
    assert set(out["results"][0]) == {*RESULT_COLUMNS, "match"}  # the store's result rows
    assert out["results"][0]["match"] == "initials"


def test_text_output_in_chinese_and_english(db):
    res = run(db, "search", "0615")
    assert res.exit_code == 0
    assert "找到 2 户" in res.output
    assert "银行路烟酒店" in res.output and "[电话]" in res.output
    res = run(db, "--lang", "en", "search", "370102267680")
    assert "1 found" in res.output and "[licence no.]" in res.output
    # the status in the UI's words, as every other list says it
    zh, en = run(db, "search", "0615").output, run(db, "--lang", "en", "search", "0615").output
    assert "  正常  " in zh and "  active  " in en and "正常" not in en


def test_paging_says_how_to_see_more(db):
    res = run(db, "search", "3701", "--limit", "2")
    assert "还有 1 户" in res.output and "--offset 2" in res.output
    out = json.loads(run(db, "search", "3701", "--limit", "2", "--offset", "2", "--json").output)
    assert [r["code"] for r in out["results"]] == ["370102100003"]


def test_words_of_a_query_are_one_query(db):
    out = json.loads(run(db, "search", "yin", "hang", "lu", "--json").output)
    assert [r["code"] for r in out["results"]] == ["370102100001"]


def test_nothing_found_is_not_an_error(db):
    res = run(db, "search", "不存在")
    assert res.exit_code == 0
    assert "没有找到" in res.output


def test_user_errors_are_one_line_exit_1(db):
    res = run(db, "search")
    assert res.exit_code == 1
    assert "请输入要查找的内容" in res.output
    res = run(db, "search", "yh", "--limit", "0")
    assert res.exit_code == 1
    assert "--limit" in res.output
    res = CliRunner().invoke(main, ["--db", str(db) + ".missing", "search", "yh"])
    assert res.exit_code == 1


def test_reindex_rebuilds_the_index(db):
    conn = Store(db)
    conn.conn.execute("DELETE FROM search_postings")
    conn.conn.execute("DELETE FROM search_delta")
    conn.close()
    assert json.loads(run(db, "search", "cq", "--json").output)["total"] == 0
    res = run(db, "search", "cq", "--reindex", "--json")
    assert json.loads(res.output)["total"] == 1
    res = run(db, "search", "--reindex")
    assert res.exit_code == 0 and "3" in res.output


def test_a_capped_count_says_or_more_in_both_languages(db, monkeypatch):
    """Three codes start with 3701 and the cap is two: "2+" and no count of the rest."""
    import khtui.data.search as search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    out = json.loads(run(db, "search", "3701", "--limit", "1", "--json").output)
    assert (out["total"], out["total_capped"], len(out["results"])) == (2, True, 1)
    res = run(db, "search", "3701", "--limit", "1")
    assert res.exit_code == 0, res.output
    assert "找到 2+ 户，显示第 1–1 户" in res.output
    assert "还有更多：用 --offset 1 看下一页" in res.output
    res = run(db, "--lang", "en", "search", "3701", "--limit", "1")
    assert "2+ found, showing 1-1" in res.output
    assert "more: use --offset 1 for the next page" in res.output
    # a page longer than the codes that start with it: counted
    out = json.loads(run(db, "search", "3701", "--limit", "4", "--json").output)
    assert (out["total"], out["total_capped"]) == (3, False)
