"""Index terms (text/terms.py): match keys split into words, Arabic-script clitics as extra forms, CJK bigrams."""
from __future__ import annotations

import re

import pytest

from narratrace.text.terms import CLITICS_PATTERN, key_terms, strip_clitics, text_terms


@pytest.mark.parametrize(("word", "forms"), [
    ("والحسکه", ["الحسکه", "حسکه"]),
    ("بالحسکه", ["الحسکه", "حسکه"]),
    ("للحسکه", ["حسکه"]),              # ل + ال written لل
    ("وللحسکه", ["للحسکه", "حسکه"]),
    ("الحسکه", ["حسکه"]),
    ("کالعاده", ["العاده", "عاده"]),   # ک only before the article
    ("کشور", []),                      # a Persian word, not ک + شور
    ("والی", ["الی"]),                 # never fewer than three letters
    ("حسکه", []),
])
def test_terms_clitic_forms(word, forms):
    assert strip_clitics(word) == forms


@pytest.mark.parametrize("word", ["والحسکه", "بالحسکه", "للحسکه", "وللحسکه", "فالحسکه", "الحسکه", "کالحسکه",
                                  "وبحسکه", "لحسکه", "حسکه"])
def test_terms_clitics_pattern_agrees_with_strip_clitics(word):
    """The regex the trace stage's name matchers put before a listed name accepts exactly what
    ``strip_clitics`` strips, so a name found in running text also resolves."""
    assert re.fullmatch(CLITICS_PATTERN + "حسکه", word)
    assert word == "حسکه" or strip_clitics(word)[-1] == "حسکه"


def test_terms_clitics_pattern_rejects_other_letters():
    assert not re.fullmatch(CLITICS_PATTERN + "حسکه", "مالحسکه")
    assert not re.fullmatch(CLITICS_PATTERN + "حسکه", "ووحسکه")


def test_terms_arabic_spellings_meet_in_one_term():
    # folded by the match key (ة/ه, ك/ک, ي/ی), then stripped of clitics
    a, b = text_terms("وبالحسكة"), text_terms("الحسکه")
    assert "حسکه" in a and "حسکه" in b


def test_terms_cjk_bigrams_and_latin_inside():
    assert text_terms("哈塞克监狱") == ["哈塞", "塞克", "克监", "监狱"]
    assert text_terms("中国COVID疫情") == ["中国", "covid", "疫情"]
    assert text_terms("说") == ["说"]


def test_terms_words_keep_their_combining_marks_and_lose_punctuation():
    assert text_terms("हिन्दी भाषा") == ["हिन्दी", "भाषा"]
    assert text_terms("Sputnik's 1,200 «troops»—ISIS_fighters") == ["sputnik", "s", "1", "200", "troops", "isis",
                                                                      "fighters"]
    assert key_terms("") == []
    assert all(" " not in t and t for t in text_terms("۷۵۰ عضو «داعش» از زندان الصناعه"))
    assert "750" in text_terms("۷۵۰ عضو")
