from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.text import normalise

ARABIC_BLOCK = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)


def test_normalise_arabic_persian_variants_match():
    assert normalise("اقرأ أيضاً") == normalise("اقرا ايضا")
    assert normalise("كتاب") == normalise("کتاب")
    assert normalise("يمين") == normalise("یمین")
    assert normalise("مدرسة") == normalise("مدرسه")
    assert normalise("إسلام آباد") == normalise("اسلام اباد")


def test_normalise_drops_diacritics_tatweel_zero_width_and_marks():
    assert normalise("عَلَّمَ") == normalise("علم")
    assert normalise("جـــميل") == normalise("جميل")
    assert normalise("بین‌الملل") == normalise("بینالملل")          # ZWNJ lost in scraping
    assert normalise("\u200fسلام\u200e") == "سلام"
    assert normalise("a\u200bb") == "ab"


def test_normalise_digits_to_ascii():
    assert normalise("۷۵۰ تروریست") == "750 تروریست"
    assert normalise("٧٥٠") == "750"
    assert normalise("۳٫۵") == "3.5"


def test_normalise_casefold_nfkc_whitespace():
    assert normalise("  Baca   JUGA\t:\n x ") == "baca juga : x"
    assert normalise("ﻻ") == "لا"                  # presentation form
    assert normalise("Straße") == "strasse"
    assert normalise("ｆｕｌｌ") == "full"


def test_normalise_keeps_display_text_separate(seeds):
    p = seeds["001"].passages[0]
    assert p.text.startswith("به گزارش")
    assert p.key != p.text


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_normalise_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.one_of(ARABIC_BLOCK, st.sampled_from(list(" \u200c\u200f\u0654ABCabc۱٢")))))
def test_normalise_idempotent_arabic_script(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from(["ar", "fa", "id", "en", "xx", None]))
def test_normalise_idempotent_with_lang(text, lang):
    once = normalise(text, lang)
    assert normalise(once, lang) == once


def test_normalise_fold_tables_are_the_ones_other_stages_use():
    from narratrace.text.normalise import DIGIT_FOLDS, DROPPED, LETTER_FOLDS, fold_digits, fold_letters

    assert fold_letters("الحسكة حسکہ") == "الحسکه حسکه"   # Arabic kaf/teh marbuta, Urdu heh goal
    assert fold_letters("۷۵۰ ABC") == "۷۵۰ ABC"          # letters only
    assert fold_digits("۷۵۰ و ٧٥٠ و ۳٫۵") == "750 و 750 و 3.5"
    for ch, folded in {**LETTER_FOLDS, **DIGIT_FOLDS}.items():
        assert normalise(ch) == normalise(folded)
    assert all(normalise("a" + ch + "b") == "ab" for ch in DROPPED)
