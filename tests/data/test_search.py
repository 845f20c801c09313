"""SearchOps: what the lookup finds, in which order, paged and counted, and the index kept
in step with every retailer write."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khtui.data.base import migrate
from khtui.data.store import Store

RETAILERS = [
    # code, name, licence, phone
    ("370102100001", "都市烟酒店", "370102267680", "13972770615"),
    ("370102100002", "重庆路KTV", "370102216120", "13963112196"),
    ("370102100003", "银行路副食部", "370102100001", "13612397025"),  # licence = another's code
    ("370102100004", "曾家食杂店", "370102555001", "13812340615"),
    ("370102100005", "单记便利店", "370102555002", "15800001111"),
    ("370102100006", "长安街超市", "370102555003", "18600002222"),
    ("370102100007", "中国银行旁超市", "370102555004", "18600003333"),
    ("370102100008", "朝阳烟酒行", "370102555005", "18600004444"),
    ("370102100009", "好又多 食杂店", "370102555006", "0531-8888 0615"),
    ("370102100010", "吕氏小卖部", "370102555007", "13000000000"),
]


def load(store, rows=RETAILERS):
    store.upsert_retailers(
        [
            {"code": c, "name": n, "licence_no": lic, "phone": p, "route": "城东一线"}
            for c, n, lic, p in rows
        ],
        source="test",
    )


@pytest.fixture
def s(store):
    load(store)
    return store


def codes(rows):
    return [r["code"][-2:] for r in rows]


def found(store, q):
    return set(codes(store.search_retailers(q, limit=1000)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("银", {"03", "07"}),  # one character
        ("银行", {"03", "07"}),  # two
        ("银行旁超", {"07"}),  # longer substring
        ("yh", {"03", "07"}),  # initials: 行 in 银行 is hang
        ("zgyhpcs", {"07"}),
        ("cq", {"02"}),  # 重庆 chongqing, not zhongqing
        ("chongqing", {"02"}),
        ("zqing", set()),
        # 曾 zeng, 中, 朝 zhao, 杂 za, 氏 zhi; 重 zhong and 长 zhang read alone
        ("z", {"02", "04", "06", "07", "08", "09", "10"}),
        ("zjszd", {"04"}),
        ("s", {"01", "03", "04", "05", "06", "07", "09", "10"}),  # 单 shan, 市, 食, 氏 shi
        ("sjbld", {"05"}),  # 单 as the surname shan
        ("djbld", {"05"}),  # and dan, as typed by many
        ("ca", {"06"}),  # 长安 changan
        ("cy", {"08"}),  # 朝阳 read chaoyang (the phrase reads zhaoyang)
        ("zy", {"08"}),
        ("changan", {"06"}),
        ("lv", {"10"}),  # 吕 lü typed as v
        ("0615", {"01", "04", "09"}),  # last four of a phone
        ("138", {"04"}),
        ("370102100001", {"01", "03"}),  # a code, also another's licence
        ("555", {"04", "05", "06", "07", "08", "09", "10"}),
        ("ktv", {"02"}),
        ("ＫＴＶ", {"02"}),
        ("好又多食杂", {"09"}),
        ("88880615", {"09"}),
        ("不存在", set()),
    ],
)
def test_what_each_query_finds(s, query, expected):
    assert found(s, query) == expected
    assert s.count_search(query) == len(expected)


def test_empty_query_finds_nothing(s):
    assert s.search_retailers("") == []
    assert s.search_retailers("   ") == []
    assert s.count_search("") == 0


def test_exact_code_or_licence_first_then_prefix_then_the_rest(s):
    rows = s.search_retailers("370102100001")
    assert codes(rows) == ["01", "03"]  # code 01 exactly, then 03 by its licence: both exact
    assert [r["match"] for r in rows] == ["code", "licence"]
    rows = s.search_retailers("37010210000")  # starts codes 01..09 (and 03's licence)
    assert codes(rows)[:3] == ["01", "02", "03"]  # within a group: by customer code
    assert sorted(codes(rows)) == [f"{i:02d}" for i in range(1, 10)]
    rows = s.search_retailers("超市")  # starts no key: both are "the rest"
    assert set(codes(rows)) == {"06", "07"}
    rows = s.search_retailers("长")  # 长安街超市 starts with it
    assert codes(rows) == ["06"]
    # 单记便利店 starts with s (shan); the others only contain an s-initial
    assert codes(s.search_retailers("s"))[0] == "05"
    assert s.search_retailers("s")[0]["match"] == "initials"


def test_exact_licence_ranks_above_a_longer_code_prefix(store):
    load(
        store,
        [
            ("4401", "甲店", "9", "1"),
            ("44010", "乙店", "8", "2"),
            ("9999", "丙店", "4401", "3"),
        ],
    )
    rows = store.search_retailers("4401")
    assert [r["code"] for r in rows] == ["4401", "9999", "44010"]
    assert [r["match"] for r in rows] == ["code", "licence", "code"]


def test_result_rows_carry_the_contract_keys(s):
    row = s.search_retailers("都市")[0]
    contract = "code name route route_seq status tier phone licence_no address match"
    assert set(row) == set(contract.split())
    assert row["name"] == "都市烟酒店"
    assert row["match"] == "name"


def test_pages_join_up_without_gaps_or_repeats(store):
    rows = [
        (f"3701{i:06d}", f"{'银行' if i % 3 else '长安'}{i}号店", f"9{i:05d}", f"139{i:08d}")
        for i in range(1, 131)
    ]
    load(store, rows)
    for q in ("3701", "1", "店", "银行", "00001"):
        total = store.count_search(q)
        whole = [r["code"] for r in store.search_retailers(q, limit=total + 10)]
        assert len(whole) == total == len(set(whole))
        paged = []
        for offset in range(0, total + 7, 7):
            paged += [r["code"] for r in store.search_retailers(q, limit=7, offset=offset)]
        assert paged == whole, q
    assert store.search_retailers("店", limit=5, offset=1000) == []


def test_a_query_longer_than_the_indexed_keys_is_verified(store):
    name = "中国银行城东支行旁边的长安街便利店总店"
    load(store, [("1", name, "", ""), ("2", "中国银行城东支行旁边的小店", "", "")])
    assert found(store, "银行城东支行旁边的长安街便利") == {"1"}
    assert store.count_search("银行城东支行旁边的长安街便利") == 1
    assert found(store, "中国银行城东支行旁边的") == {"1", "2"}
    assert codes(store.search_retailers("中国银行城东支行旁边的小店")) == ["2"]


def test_update_retailer_keeps_the_index(s):
    assert found(s, "2222") == {"06"}
    s.update_retailer("370102100006", {"phone": "18699998888"})
    assert found(s, "2222") == set()
    assert found(s, "8888") == {"06", "09"}
    assert s.count_search("8888") == 2


def test_upsert_keeps_the_index(s):
    load(s, [("370102100006", "永安街超市", "370102555003", "18600002222")])
    assert found(s, "长安") == set()
    assert found(s, "yajcs") == {"06"}
    load(s, [("370102100011", "新开张烟酒店", "", "")])
    assert found(s, "xkz") == {"11"}


def test_a_failed_write_leaves_the_index_as_it_was(s):
    with pytest.raises(Exception, match="without a customer code"):
        s.upsert_retailers(
            [{"code": "370102100012", "name": "半途店"}, {"name": "无编码"}], source="test"
        )
    assert found(s, "半途") == set()
    assert s.count_search("btd") == 0


def test_rebuild_gives_the_same_answers(s):
    before = {q: found(s, q) for q in ("yh", "0615", "超市", "3701")}
    for table in ("search_postings", "search_delta", "search_dead", "search_keys"):
        s.conn.execute(f"DELETE FROM {table}")
    assert s.rebuild_search_index() == len(RETAILERS)
    assert s.scalar("SELECT count(*) FROM search_delta") == 0  # all in the bitmaps now
    assert {q: found(s, q) for q in before} == before


def test_retailers_written_around_the_store_are_indexed_on_first_search(db_path, clock):
    s = Store(db_path, create=True, clock=clock)
    s.conn.execute(
        "INSERT INTO retailers (code, name, created_at, updated_at) VALUES ('9', '长安店', 'x', 'x')"
    )
    s.close()
    s = Store(db_path, clock=clock)
    assert found(s, "ca") == {"9"}
    s.close()


def test_a_database_from_before_the_lookup_is_filled_on_first_search(db_path, clock):
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrate(conn, 1)
    conn.execute(
        "INSERT INTO retailers (code, name, phone, created_at, updated_at) "
        "VALUES ('001', '银行路食杂店', '13900001234', 'x', 'x')"
    )
    conn.close()
    s = Store(db_path, clock=clock)
    assert s.meta("search_index_stale") == "1"
    assert found(s, "yhl") == {"01"}
    assert found(s, "1234") == {"01"}
    assert s.meta("search_index_stale") is None
    s.close()


# -- never fewer than a LIKE '%q%' scan --------------------------------------------------------
ALPHABET = "银行路长安街超市店曾单0123456789ab"
names = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
digits = st.text(alphabet="0123456789", min_size=0, max_size=12)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(names, digits, digits), min_size=1, max_size=25),
    queries=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6), min_size=1, max_size=5),
)
def test_never_fewer_than_a_like_scan(tmp_path_factory, clock, rows, queries):
    path = tmp_path_factory.mktemp("like") / "k.db"
    store = Store(path, create=True, clock=clock)
    try:
        load(store, [(f"c{i}", n, lic, ph) for i, (n, lic, ph) in enumerate(rows)])
        for q in queries:
            like = {
                r[0]
                for r in store.query(
                    "SELECT code FROM retailers WHERE name LIKE ?1 OR phone LIKE ?1 "
                    "OR code LIKE ?1 OR licence_no LIKE ?1",
                    (f"%{q}%",),
                )
            }
            total = store.count_search(q)
            ours = [r["code"] for r in store.search_retailers(q, limit=100)]
            assert like <= set(ours), q
            assert len(ours) == len(set(ours)) == total
    finally:
        store.close()


def test_short_query_counts_follow_every_write(s):
    """One- and two-character queries are counted from a kept table: it must stay exact."""

    def check():
        for q in ("0", "06", "1", "银", "银行", "y", "yh", "超", "s", "z", "长", "ca", "8"):
            assert s.count_search(q) == len(s.search_retailers(q, limit=1000)), q

    check()
    s.update_retailer("370102100006", {"phone": "13500000615"})
    load(s, [("370102100003", "长春路超市", "370102100001", "13612397025")])
    load(s, [("370102100020", "银行新店", "", "0615")])
    check()
    s.rebuild_search_index()
    check()
    assert s.count_search("长") == 2 and s.count_search("银行") == 2


# -- ranking: usual readings before rare ones -----------------------------------------------------
RANKED = [
    ("r01", "长安食杂店"),  # 长 cháng in 长安: z only through the rare zhǎng
    ("r02", "长江烟酒行"),  # 长江 cháng
    ("r03", "长城超市"),
    ("r04", "曾记副食"),  # 曾 as a surname: zēng
    ("r05", "中华烟酒"),  # zh
    ("r06", "重庆小面"),  # 重庆 chóng
    ("r07", "中青便利"),  # zq in its usual reading
    ("r08", "小巷副食"),  # 巷 xiàng; hf only through the rare hàng
    ("r09", "恒发超市"),  # hf
    ("r10", "银行路便民店"),
    ("r11", "好又多食杂店"),  # 杂 za: a usual z inside the name
    ("r12", "张记烟酒"),
    ("r13", "长岭烟酒行"),  # 长岭 is no phrase: cháng all the same; 行 at the end: háng
]


@pytest.fixture
def ranked(store):
    store.upsert_retailers(
        [{"code": c, "name": n, "phone": f"1390000{i:04d}"} for i, (c, n) in enumerate(RANKED)],
        source="test",
    )
    return store


def names(store, q):
    return [r["name"] for r in store.search_retailers(q, limit=100)]


@pytest.mark.parametrize(
    ("query", "usual", "rare"),
    [
        # starting with the usual z first (曾记 zēng, 中华, 中青, 张记), then 杂 inside, then 长 zhǎng
        ("z", ["曾记副食", "中华烟酒", "中青便利", "张记烟酒", "长安食杂店", "好又多食杂店"], []),
        ("zj", ["曾记副食", "张记烟酒"], ["长江烟酒行"]),
        ("zq", ["中青便利"], ["重庆小面"]),
        ("cq", ["重庆小面"], []),
        ("hf", ["恒发超市"], ["小巷副食"]),
        ("yh", ["银行路便民店"], []),
        ("yx", [], ["银行路便民店"]),  # 行 xíng is rare in 银行
        ("zhangan", [], ["长安食杂店"]),
        ("cl", ["长岭烟酒行"], []),
        ("yjh", ["长江烟酒行", "长岭烟酒行"], []),  # 烟酒行 háng
        ("yjx", ["长江烟酒行", "长岭烟酒行"], []),  # and xíng, as the character reads alone
        ("changan", ["长安食杂店"], []),
    ],
)
def test_a_rare_reading_never_outranks_a_usual_one(ranked, query, usual, rare):
    got = names(ranked, query)
    assert set(got[: len(usual)]) == set(usual), got
    assert got[len(usual) :][: len(rare)] == rare, got
    assert ranked.count_search(query) == len(got)


def test_z_ranks_usual_starts_then_usual_inside_then_rare(ranked):
    got = names(ranked, "z")
    assert got[:4] == ["曾记副食", "中华烟酒", "中青便利", "张记烟酒"]  # start with z, by code
    assert got[4:6] == ["长安食杂店", "好又多食杂店"]  # 杂 za inside (长安食杂店 too)
    # starting with z only through a rare reading: 长 zhǎng (长江, 长城), 重 zhòng
    assert got[6:] == ["长江烟酒行", "长城超市", "重庆小面", "长岭烟酒行"]
    assert [r["match"] for r in ranked.search_retailers("z", limit=1)] == ["initials"]


def test_codes_phones_and_exact_matches_keep_their_place(ranked):
    assert names(ranked, "r04") == ["曾记副食"]  # an exact code first
    assert [r["match"] for r in ranked.search_retailers("0008")] == ["phone"]
    assert names(ranked, "0007") == ["小巷副食"]


def test_the_demo_names_rank_by_their_usual_reading(tmp_path, clock):
    from khtui.data.demo import build_demo
    from tests.conftest import TODAY

    path = tmp_path / "demo.db"
    build_demo(path, retailers=320, months=1, today=TODAY)
    store = Store(path, clock=clock)
    try:
        z = names(store, "z")
        first_chang = min(i for i, n in enumerate(z) if n.startswith("长"))
        assert [n for n in z[:first_chang] if n.startswith("曾记")]  # 曾记 before any 长…
        zj = names(store, "zj")
        first_chang = min(i for i, n in enumerate(zj) if n.startswith("长"))
        assert zj[:first_chang] and all(n.startswith("曾记") for n in zj[:first_chang])
        hf = names(store, "hf")
        assert hf[-1] == "小巷副食" and all(n.startswith("恒发") for n in hf[:-1])
        # zq: the demo has no shop read z-q in its usual reading, so only the rare ones
        assert set(names(store, "zq")) == set(names(store, "cq"))
        assert all(n.startswith(("重庆", "长青")) for n in names(store, "cq"))
        assert all(n.startswith("银行") for n in names(store, "yh")[:3])
        assert store.search_retailers("370102100001")[0]["code"] == "370102100001"
    finally:
        store.close()


# -- writes between rebuilds ---------------------------------------------------------------------
QUERIES = ("yh", "0615", "超市", "3701", "z", "zj", "ca", "长", "8888", "s", "店", "changan")


def answers(store):
    return {q: [r["code"] for r in store.search_retailers(q, limit=1000)] for q in QUERIES}


def test_writes_since_the_rebuild_answer_as_a_rebuild_would(s):
    s.rebuild_search_index()
    s.update_retailer("370102100006", {"phone": "18699998888"})
    load(s, [("370102100003", "长春路超市", "370102100001", "13612397025")])
    load(s, [("370102100020", "银行新店", "", "0615")])
    s.update_retailer("370102100006", {"phone": "18600000615"})  # written twice
    assert s.scalar("SELECT count(*) FROM search_dead") == 2
    before = answers(s)
    s.rebuild_search_index()
    assert s.scalar("SELECT count(*) FROM search_delta") == 0
    assert answers(s) == before
    assert "370102100006" in before["0615"] and "370102100020" in before["0615"]


def test_a_grown_delta_is_folded_into_a_rebuild(s, monkeypatch):
    import khtui.data.search as search

    s.rebuild_search_index()
    monkeypatch.setattr(search, "DELTA_MAX", 3)
    for i in range(3):
        s.update_retailer(f"37010210000{i + 1}", {"phone": f"1350000{i:04d}"})
    assert s.scalar("SELECT count(*) FROM search_delta") > 0
    s.update_retailer("370102100004", {"phone": "13500000003"})  # the fourth: rebuilt
    assert s.scalar("SELECT count(*) FROM search_delta") == 0
    assert s.scalar("SELECT count(*) FROM search_dead") == 0
    assert found(s, "1350000") == {"01", "02", "03", "04"}


def test_a_write_that_keeps_the_keys_costs_no_index_work(s):
    s.rebuild_search_index()
    s.update_retailer("370102100006", {"route": "城西线"})
    assert s.scalar("SELECT count(*) FROM search_dead") == 0
    assert s.scalar("SELECT count(*) FROM search_delta") == 0


def test_a_prefix_nearly_every_code_shares_is_not_counted_to_the_end(s, monkeypatch):
    """Ten codes start with 3701: with a cap of ten the page comes from them alone and the
    count says "ten or more"; with a cap of eleven everything is counted. The page is the
    same either way, and count_search always counts every match."""
    import khtui.data.search as search

    full = s.lookup_retailers("3701", limit=5, exact_count=True)
    assert (full.total, full.capped, len(full.rows)) == (10, False, 5)
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    capped = s.lookup_retailers("3701", limit=5)
    assert (capped.total, capped.capped) == (10, True)
    assert capped.rows == full.rows
    assert s.count_search("3701") == 10
    # a page that reaches past the codes that start with the query: counted in full
    assert s.lookup_retailers("3701", limit=5, offset=6) == s.lookup_retailers(
        "3701", limit=5, offset=6, exact_count=True
    )
    assert not s.lookup_retailers("3701", limit=5, offset=6).capped
    monkeypatch.setattr(search, "COUNT_CAP", 11)
    assert s.lookup_retailers("3701", limit=5) == full


def test_a_capped_answer_ranks_an_exact_code_first(s, monkeypatch):
    import khtui.data.search as search

    load(s, [("370102", "泉城路商店", "370102999999", "13700001234")])
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    page = s.lookup_retailers("370102", limit=3)
    assert page.capped
    assert page.rows == s.lookup_retailers("370102", limit=3, exact_count=True).rows
    assert [r["code"] for r in page.rows] == ["370102", "370102100001", "370102100002"]
    assert [r["match"] for r in page.rows] == ["code", "code", "code"]


def test_letters_are_always_counted_in_full(s, monkeypatch):
    """Pinyin takes part in a query with letters: no shortcut, whatever the cap."""
    import khtui.data.search as search

    monkeypatch.setattr(search, "COUNT_CAP", 1)
    page = s.lookup_retailers("yh", limit=1)
    assert (page.total, page.capped) == (2, False)


# -- the index's sets kept between keystrokes ------------------------------------------------------
def postings_reads(store, q):
    """How many statements reading the index's sets one lookup of ``q`` runs."""
    seen = []
    store.conn.set_trace_callback(seen.append)
    try:
        store.lookup_retailers(q)
    finally:
        store.conn.set_trace_callback(None)
    return sum("search_postings" in sql for sql in seen)


def test_typing_reads_only_the_keys_it_has_not_read(s):
    assert postings_reads(s, "银") == 1
    assert postings_reads(s, "银行") == 1  # one more key
    assert postings_reads(s, "银行") == 0  # nothing new: the kept sets answer
    assert postings_reads(s, "银") == 0
    s.forget_lookup()
    assert postings_reads(s, "银行") == 1


def test_kept_sets_follow_this_stores_writes(s):
    assert found(s, "8888") == {"09"}
    s.update_retailer("370102100006", {"phone": "18699998888"})
    assert found(s, "8888") == {"06", "09"}
    with pytest.raises(RuntimeError), s.write():  # a write to the index, rolled back
        s.update_retailer("370102100009", {"phone": "13500000001"})
        assert found(s, "8888") == {"06"}  # the transaction's own view
        raise RuntimeError
    # the index written again before the next lookup: what the rolled-back write showed is
    # not taken for it
    s.update_retailer("370102100001", {"phone": "13577770002"})
    assert found(s, "8888") == {"06", "09"}
    assert found(s, "7777") == {"01"}


def test_kept_sets_follow_another_connections_writes(s, db_path, clock):
    assert found(s, "永安") == set()
    other = Store(db_path, clock=clock)
    try:
        load(other, [("370102100006", "永安街超市", "370102555003", "18600002222")])
    finally:
        other.close()
    assert found(s, "永安") == {"06"}
    assert found(s, "长安") == set()


def test_kept_sets_follow_another_threads_writes(s):
    import threading

    assert found(s, "0615") == {"01", "04", "09"}
    errors = []

    def write() -> None:  # on the thread's own connection
        try:
            s.update_retailer("370102100010", {"phone": "13500000615"})
        except Exception as exc:
            errors.append(exc)

    t = threading.Thread(target=write)
    t.start()
    t.join()
    assert errors == []
    assert found(s, "0615") == {"01", "04", "09", "10"}


def test_a_keystroke_on_a_new_thread_reads_only_the_new_keys(s):
    """The app looks up each keystroke on a worker thread of its own (its own connection)."""
    import threading

    reads = []

    def keystroke(q: str) -> None:
        reads.append(postings_reads(s, q))

    for q in ("银", "银行", "银行"):
        t = threading.Thread(target=keystroke, args=(q,))
        t.start()
        t.join()
    assert reads == [1, 1, 0]


def test_a_reader_still_busy_is_left_to_its_keystroke(s):
    assert postings_reads(s, "银") == 1
    with s._reading_index() as busy:  # an earlier keystroke's lookup, not yet done
        assert postings_reads(s, "银") == 1  # a reader of its own
        assert found(s, "银行") == {"03", "07"}
    assert busy.postings.rows  # what it read is its own


def test_kept_sets_are_bounded(s, monkeypatch):
    import khtui.data.search as search

    monkeypatch.setattr(search, "KEPT_SETS", 1)
    assert postings_reads(s, "银行") == 1
    assert postings_reads(s, "银行") == 1  # more decoded sets than kept: read afresh
