"""Search keys: normalising, pinyin with every reading, and the one-row-per-retailer index."""

from hypothesis import given
from hypothesis import strategies as st

from khtui.domain.search_keys import (
    KEY_LEN,
    matched,
    name_pinyin,
    normalise,
    prefix_entries,
    retailer_keys,
    suffix_entries,
)


def test_normalise_full_width_case_spaces_and_dashes():
    assert normalise("ＫＴＶ 长安") == "ktv长安"
    assert normalise("139-7277-0615") == "13972770615"
    assert normalise("  Yh\u3000L ") == "yhl"
    assert normalise(None) == ""
    assert normalise("") == ""


def initials(name):
    return name_pinyin(name)[0]


def full(name):
    return {"".join(v) for v in name_pinyin(name)[1]}


def test_phrase_readings_in_context_come_first():
    assert initials("银行")[0] == "yh"  # 行 in 银行 is háng
    assert initials("重庆")[0] == "cq"  # 重 in 重庆 is chóng
    assert initials("长安")[0] == "ca"  # 长 in 长安 is cháng
    assert "".join(name_pinyin("银行")[1][0]) == "yinhang"
    assert "chongqinglu" in full("重庆路")
    assert {"zy", "cy"} <= set(initials("朝阳"))  # both readings of 朝 are kept


def test_every_reading_of_a_lone_character_is_kept():
    assert "z" in initials("曾")  # the surname is zēng
    assert "c" in initials("曾")
    assert "s" in initials("单")  # the surname is shàn
    assert "d" in initials("单")
    assert "zeng" in full("曾") and "shan" in full("单")
    assert {"zjsz", "cjsz"} <= set(initials("曾家食杂"))


def test_letters_and_digits_stand_for_themselves_and_u_umlaut_is_v():
    assert initials("重庆路KTV")[0] == "cqlktv"
    assert "chongqingluktv" in full("重庆路KTV")
    assert initials("7-11便利")[0] == "711bl"
    assert full("吕") >= {"lv"}
    assert name_pinyin("") == ((), ())
    assert name_pinyin(None) == ((), ())


def test_variants_are_capped():
    ini, py = name_pinyin("行行行行行行行行行行")
    assert 1 < len(ini) <= 16
    assert 1 < len(py) <= 8


def test_keys_of_a_retailer():
    k = retailer_keys("长安食杂店", "370102100001", "3701 0226 7680", "139-7277-0615")
    assert k.name == "长安食杂店"
    assert k.licence == "370102267680"
    assert k.phone == "13972770615"
    assert "caszd" in k.initials


def test_matched_prefers_exact_code_then_starts_then_contains():
    k = retailer_keys("银行路烟酒店", "370102100001", "370102267680", "13972770615")
    assert matched(k, "370102100001") == "code"
    assert matched(k, "370102267680") == "licence"
    assert matched(k, "3701") == "code"
    assert matched(k, "0615") == "phone"
    assert matched(k, "烟酒") == "name"
    assert matched(k, "yhl") == "initials"
    assert matched(k, "yinhang") == "pinyin"
    assert matched(k, "lyj") == "initials"
    assert matched(k, "zzz") is None


def _count_canonical(entries, q):
    """Rows the index query counts: start with q and lcp < len(q)."""
    return sum(1 for piece, lcp in entries if piece.startswith(q) and lcp < len(q))


texts = st.text(alphabet="银行路长安13701曾家ab", min_size=0, max_size=20)


@given(name=texts, code=texts, phone=texts, data=st.data())
def test_one_index_row_per_retailer_for_any_substring(name, code, phone, data):
    """A query found in any key (within KEY_LEN) is counted exactly once; one found nowhere,
    never. This is what makes count_search exact without DISTINCT."""
    keys = retailer_keys(name, code, "", phone)
    entries = suffix_entries(keys)
    plain = [keys.name, keys.code, keys.phone, *keys.initials]
    source = data.draw(st.sampled_from([*plain, "银行路长安"]))
    if source:
        i = data.draw(st.integers(0, len(source) - 1))
        j = data.draw(st.integers(i + 1, min(len(source), i + KEY_LEN)))
        q = source[i:j]
    else:
        q = "x"
    occurs = any(q in text for text in plain)
    assert _count_canonical(entries, q) == (1 if occurs else 0)


@given(name=texts, code=texts, phone=texts, data=st.data())
def test_one_prefix_row_per_retailer(name, code, phone, data):
    keys = retailer_keys(name, code, code, phone)  # code and licence alike: still once
    entries = prefix_entries(keys)
    pieces = [p for p in (keys.name, keys.code, keys.phone, *keys.initials) if p]
    if not pieces:
        assert entries == []
        return
    src = data.draw(st.sampled_from(pieces))
    q = src[: data.draw(st.integers(1, min(len(src), KEY_LEN)))]
    assert _count_canonical(entries, q) == 1


def test_full_pinyin_is_found_from_each_syllable():
    keys = retailer_keys("银行路", "", "", "")
    pieces = [p for p, _ in suffix_entries(keys)]
    assert any(p.startswith("hanglu") for p in pieces)
    assert any(p.startswith("yinhang") for p in pieces)
