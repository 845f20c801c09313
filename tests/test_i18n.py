import string

from khtui.i18n import LANGS, set_lang, t


def test_both_catalogues_hold_every_key():
    assert set(LANGS["zh"]) == set(LANGS["en"])


def test_placeholders_match_between_languages():
    fmt = string.Formatter()
    for key, zh in LANGS["zh"].items():
        names_zh = {f for _, f, _, _ in fmt.parse(zh) if f}
        names_en = {f for _, f, _, _ in fmt.parse(LANGS["en"][key]) if f}
        assert names_zh == names_en, key


def test_switching_language():
    set_lang("en")
    assert t("app.demo") == "DEMO"
    set_lang("zh")
    assert t("app.demo") == "演示数据"


def test_a_word_without_a_key_is_shown_as_it_came():
    from khtui.i18n import status_label, t_or

    assert t_or("app.demo", "x") == "演示数据"
    assert t_or("retailer.status.自定义", "自定义") == "自定义"  # not a key: as given
    assert status_label("自定义") == "自定义" and status_label(None) == ""
    set_lang("en")
    try:
        assert t_or("app.demo", "x") == "DEMO"
    finally:
        set_lang("zh")
