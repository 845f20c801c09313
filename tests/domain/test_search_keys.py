"""Search keys: normalising, readings by class, tokens linear in the name, and the matching
reference the index agrees with."""

import itertools
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khtui.domain.search_keys import (
    KEY_CHARS,
    MAX_READINGS,
    index_tokens,
    keys_signature,
    matched,
    name_pinyin,
    normalise,
    pinyin_match,
    retailer_keys,
    signature_of,
)


def test_normalise_full_width_case_spaces_and_dashes():
    assert normalise("ＫＴＶ 长安") == "ktv长安"
    assert normalise("139-7277-0615") == "13972770615"
    assert normalise("  Yh\u3000L ") == "yhl"
    assert normalise(None) == ""
    assert normalise("") == ""


def readings(name):
    return [(s.usual, s.rare) for s in name_pinyin(name)]


def test_the_reading_in_context_is_usual_the_others_rare():
    assert readings("银行")[1] == (("hang",), ("xing", "heng"))  # 行 in 银行 is háng
    assert readings("重庆")[0][0] == ("chong",)  # 重庆 chóngqìng
    assert "zhong" in readings("重庆")[0][1]
    assert readings("长安")[0] == (("chang",), ("zhang",))
    assert readings("朝阳")[0][0] == ("zhao", "chao")  # the phrase gives both
    assert readings("小巷副食")[1] == (("xiang",), ("hang",))  # 小巷 is not 小 hàng
    assert readings("长岭商店")[0] == (("chang",), ("zhang",))  # in names: cháng, no phrase
    assert readings("烟酒行")[2][0] == ("xing", "hang")  # the last character: the kind of shop
    assert readings("行知路")[0] == (("xing",), ("hang", "heng"))


def test_surname_readings_count_at_the_start_of_a_name_only():
    assert readings("曾记副食")[0][0] == ("ceng", "zeng")
    assert readings("单家超市")[0][0] == ("dan", "shan")
    assert readings("老曾烟酒")[1] == (("ceng",), ("zeng",))  # not the first character
    assert readings("解记")[0][0] == ("jie", "xie")


def test_letters_digits_and_signs_read_as_themselves_and_u_umlaut_is_v():
    keys = retailer_keys("重庆路KTV", "", "", "")
    assert keys.initials == "cqlktv"
    assert keys.full_pinyin == "chongqingluktv"
    assert retailer_keys("7-11便利", "", "", "").initials == "711bl"
    assert readings("吕")[0][0] == ("lv",)
    assert name_pinyin("") == () and name_pinyin(None) == ()


def test_pinyin_is_one_syllable_per_character_of_the_normalised_name():
    name = "好又多 食杂店（二店）"
    assert len(name_pinyin(name)) == len(normalise(name))


def test_readings_per_character_are_capped():
    assert all(len(s.readings) <= MAX_READINGS for s in name_pinyin("行朴重长"))


def test_tokens_grow_linearly_and_stop_at_the_indexed_length():
    def count(n):
        return len(index_tokens(retailer_keys("长行" * n, "", "", "")))

    assert count(8) < 2 * count(4) + 10  # linear, not a product of readings
    assert count(KEY_CHARS) == count(10 * KEY_CHARS)  # bounded
    assert len(name_pinyin("长" * 100_000)) == KEY_CHARS


@pytest.mark.skipif(sys.platform == "win32", reason="resource.setrlimit is POSIX")
def test_a_huge_name_stays_within_a_small_memory_limit(tmp_path):
    """One retailer named 长 × 100,000 (the variants of every reading once took 24 GB)."""
    script = textwrap.dedent(
        f"""
        import datetime as dt, resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB, all of it
        from khtui.data.store import Store
        store = Store({str(tmp_path / "k.db")!r}, create=True,
                      clock=lambda: dt.datetime(2026, 11, 23, 9))
        name = "长" * 100_000
        store.upsert_retailers([{{"code": "1", "name": name, "phone": "13900001234"}},
                                {{"code": "2", "name": "长安" * 50_000}}], source="test")
        assert store.count_search("长" * 80) == 1, "long name lookup"
        assert store.count_search("安长" * 40) == 1
        assert store.count_search("长长安") == 0
        assert store.count_search("1234") == 1
        assert store.count_search("zz") == 1 and store.count_search("caca") == 1
        store.rebuild_search_index()
        assert [r["code"] for r in store.search_retailers("长" * 90)] == ["1"]
        assert [r["code"] for r in store.search_retailers("长安" * 45)] == ["2"]
        print("ok")
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]


def test_keys_of_a_retailer():
    k = retailer_keys("长安食杂店", "370102100001", "3701 0226 7680", "139-7277-0615")
    assert k.name == "长安食杂店"
    assert k.licence == "370102267680"
    assert k.phone == "13972770615"
    assert k.initials == "caszd"


@pytest.mark.parametrize(
    ("name", "code", "licence", "phone"),
    [
        ("银行路便民店", "370101100001", "370101123456", "139-7277-0615"),
        ("ＫＴＶ 长安", None, "", None),
        ("长" * (KEY_CHARS + 1), "c1", None, None),
        (None, None, None, None),
    ],
)
def test_the_signature_of_made_keys_is_the_retailers_signature(name, code, licence, phone):
    assert signature_of(retailer_keys(name, code, licence, phone)) == keys_signature(
        name, code, licence, phone
    )
    assert signature_of(retailer_keys(name, code, licence, phone))[1] is (
        name is not None and len(name) > KEY_CHARS
    )


def test_matched_prefers_exact_code_then_starts_then_contains():
    k = retailer_keys("银行路烟酒店", "370102100001", "370102267680", "13972770615")
    assert matched(k, "370102100001") == "code"
    assert matched(k, "370102267680") == "licence"
    assert matched(k, "3701") == "code"
    assert matched(k, "0615") == "phone"
    assert matched(k, "烟酒") == "name"
    assert matched(k, "yhl") == "initials"
    assert matched(k, "yinhang") == "pinyin"
    assert matched(k, "hanglu") == "pinyin"
    assert matched(k, "lyj") == "initials"
    assert matched(k, "zzz") is None


def test_usual_and_rare_matches():
    def where(name, q, rare):
        ini, full = pinyin_match(name_pinyin(name), q, rare)
        return ini | full

    assert where("长安食杂店", "ca", rare=False) == {0}
    assert where("长安食杂店", "zas", rare=False) == set()  # zhǎng is rare in 长安
    assert where("长安食杂店", "zas", rare=True) == {0}
    assert where("长安食杂店", "za", rare=False) == {3}  # 杂 za
    assert where("曾记副食", "zj", rare=False) == {0}  # the surname at the start
    assert where("小巷副食", "hf", rare=False) == set()
    assert where("小巷副食", "hf", rare=True) == {1}
    assert where("重庆路", "zq", rare=False) == set()
    assert where("重庆路", "chongqingl", rare=False) == {0}
    assert where("银行路", "changlu", rare=True) == set()
    assert where("银行路", "hanglu", rare=False) == {1}


# -- the earlier variants: everything they found is still found ----------------------------------
def former_variants(name):
    """The keys the lookup used to build: per character every reading (the reading in
    context first), multiplied out (it kept at most 16 initials and 8 full-pinyin variants;
    every initials variant is checked here, and its first 8 full-pinyin ones)."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.seg.simpleseg import seg

    from khtui.domain.search_keys import _plain

    chunks = []
    for word in seg(normalise(name)):
        phrase = PHRASES_DICT.get(word) if len(word) > 1 else None
        for i, ch in enumerate(word):
            raw = PINYIN_DICT.get(ord(ch))
            options = list(dict.fromkeys(_plain(r) for r in raw.split(","))) if raw else [ch]
            if phrase is not None and i < len(phrase):
                options = list(dict.fromkeys([*(_plain(r) for r in phrase[i]), *options]))
            chunks.append(options)
    initials = {"".join(r[0] for r in combo) for combo in itertools.product(*chunks)}
    fulls = list(itertools.islice(itertools.product(*chunks), 8))
    return initials, fulls


REALISTIC = [
    "工商银行旁便利店",
    "重庆小面烟酒",
    "曾记副食",
    "单家超市",
    "长安食杂店",
    "长江烟酒行",
    "银行路便民店",
    "朝阳烟酒行",
    "小巷副食",
    "乐购超市",
    "解放路食杂店",
    "都市便利",
]


def test_a_realistic_name_finds_what_it_found_before():
    for name in REALISTIC:
        pinyin = name_pinyin(name)
        initials, fulls = former_variants(name)
        for ini in initials:
            for i, j in itertools.combinations(range(len(ini) + 1), 2):
                assert pinyin_match(pinyin, ini[i:j])[0], (name, ini[i:j])
        for syllables in fulls:
            for start in range(len(syllables)):
                rest = "".join(syllables[start:])
                for n in range(1, len(rest) + 1):
                    assert start in pinyin_match(pinyin, rest[:n])[1], (name, rest[:n])


@settings(max_examples=60, deadline=None)
@given(name=st.text(alphabet="银行路长安曾单重庆朝阳乐都解3ab", min_size=1, max_size=10))
def test_tokens_cover_every_match_of_the_reference(name):
    """Every initials or full-pinyin query the reference matches at position p has its
    first piece among the tokens at p (the index can find it)."""
    keys = retailer_keys(name, "", "", "")
    tokens = {(k, p) for k, p, _ in index_tokens(keys)}
    for p, s in enumerate(keys.pinyin):
        for r in s.readings:
            assert ("i" + r[0], p) in tokens and ("f" + r, p) in tokens
            assert all(("y" + r[:n], p) in tokens for n in range(2, len(r) + 1))


def test_the_written_out_syllables_are_pypinyins():
    from pypinyin.pinyin_dict import pinyin_dict

    from khtui.domain.search_keys import _plain, syllables

    derived = {p for raw in pinyin_dict.values() for r in raw.split(",") if len(p := _plain(r)) > 1}
    assert syllables() == derived
