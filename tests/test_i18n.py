import string

import pytest

from khtui.i18n import LANGS, Translator
from khtui.rules import default_rules


def test_both_catalogues_hold_every_key():
    assert set(LANGS["zh"]) == set(LANGS["en"])


def test_placeholders_match_between_languages():
    fmt = string.Formatter()
    for key, zh in LANGS["zh"].items():
        names_zh = {f for _, f, _, _ in fmt.parse(zh) if f}
        names_en = {f for _, f, _, _ in fmt.parse(LANGS["en"][key]) if f}
        assert names_zh == names_en, key


def test_a_translator_speaks_its_own_language_whatever_others_do():
    zh, en = Translator("zh"), Translator("en")
    assert en("app.demo") == "DEMO"
    assert zh("app.demo") == "演示数据"
    assert en("app.demo") == "DEMO"  # making or using another changed nothing


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="zh or en"):
        Translator("fr")


def test_a_hint_names_the_command_the_user_typed():
    t = Translator("en", command="khtui --demo")
    assert "khtui --demo search" in t("error.unknown_code", code="C1")


def test_label_falls_back_to_the_stored_word_only_when_no_catalogue_names_it():
    en = Translator("en")
    assert en.label("retailer.status.暂停", "暂停") == "suspended"
    assert en.label("retailer.status.停业整顿", "停业整顿") == "停业整顿"
    assert en.status("停业整顿") == "停业整顿"


def test_company_words_come_from_the_rules_then_the_catalogue_else_as_stored():
    rules = default_rules()
    en, zh = Translator("en"), Translator("zh")
    assert en.word("便利店", rules) == "convenience store"  # the rules' own English name
    assert en.word("城镇中型便利店", rules) == "urban medium convenience store"  # a category
    assert en.word("配送中心", rules) == "distribution centre"  # a department
    assert en.word("现金") == "cash" and en.word("每周一次") == "once a week"  # the catalogue
    assert en.word("工商银行旁便利店", rules) == "工商银行旁便利店"  # the user's own text
    assert zh.word("便利店", rules) == "便利店" and zh.word("现金") == "现金"


def test_the_english_catalogue_holds_no_chinese_except_what_the_user_types_or_searches():
    import re

    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    # palette keywords are matched, never shown: a Chinese user finds 今日拜访 in English too
    shown = {k: v for k, v in LANGS["en"].items() if not k.endswith(".keywords")}
    assert [k for k, v in shown.items() if cjk.search(v)] == []


def test_english_counts_take_the_singular_for_one():
    en, zh = Translator("en"), Translator("zh")
    assert en("today.days_left", n=1) == " · 1 working day left"
    assert en("today.days_left", n=2) == " · 2 working days left"
    assert en("today.days_left", n=0) == " · 0 working days left"
    assert zh("today.days_left", n=1) == " · 剩 1 个工作日"
    assert en("cli.recomputed", n=1, as_of="2026-11-23").startswith(
        "recomputed tier, category, level and value of 1 retailer "
    )


def test_english_counts_of_one_in_the_profile_the_warnings_and_the_tier():
    """One complaint, one carton, one day, one case: the singular, and days' as day's."""
    import datetime as dt

    from khtui.domain.tiers import tier_of
    from khtui.domain.warnings import Warning
    from khtui.i18n.forecast import warning_text

    en, zh = Translator("en"), Translator("zh")
    assert en("profile.head.overdue", n=1) == " 1 overdue complaint "
    assert en("profile.head.overdue", n=2) == " 2 overdue complaints "
    assert en("today.detail.overdue", n=1) == "1 overdue complaint: follow it up first"
    assert en("warn.count", n=1, date="11-23") == "1 warning on 11-23"
    assert en("warn.panel.more", n=1) == "1 more retailer (w shows every warning)"
    one = {"brand": "B1", "counted_on": "11-20", "stock": 1.0, "ordered": 0.0, "rate": 1.0}
    shortage = Warning(
        "shortage", "R1", "B1", {**one, "cover": 1.0, "runs_out": "11-21", "next_order": "11-24"}
    )
    said = warning_text(en, Warning(shortage.kind, "R1", "B1", {**shortage.params, "safety": 1}))
    assert "1 carton counted" in said and "lasts 1 day," in said and "plus 1 day's safety" in said
    said = warning_text(en, Warning(shortage.kind, "R1", "B1", {**shortage.params, "safety": 3}))
    assert "plus 3 days' safety" in said
    over = warning_text(en, Warning("overstock", "R1", "B1", {**one, "cover": 1.0, "limit": 45}))
    assert "1 carton counted" in over and "lasts 1 day," in over
    swing = {"month": "2026-11", "pct": 50.0, "limit": 40.0, "complete": True}
    swing_text = warning_text(
        en, Warning("swing_low", "R1", None, {**swing, "actual": 1.0, "expected": 2.0})
    )
    assert "1 carton against 2 cartons" in swing_text
    # the tier's band: its unit agrees with the number before it
    rules = default_rules()
    low = tier_of({}, dt.date(2026, 11, 5), rules).why.explain
    assert "(≤ 1 case, upper bound inclusive)" in en.say(low)
    assert "（≤ 1 件，上限含）" in zh.say(low)
    top = tier_of({m: 3000 for m in ("2026-08", "2026-09", "2026-10")}, dt.date(2026, 11, 5), rules)
    assert "(> 20 cases, upper bound inclusive)" in en.say(top.why.explain)
    # the warnings screen: its heads are Title-case like every table's, its footer a sentence
    assert [en(f"warn.col.{c}") for c in ("kind", "retailer", "why")] == ["Kind", "Retailer", "Why"]
    assert en("warn.footer").startswith("Enter opens the profile")
