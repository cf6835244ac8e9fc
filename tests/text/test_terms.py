"""Index terms (text/terms.py): match keys split into words, Arabic-script clitics as extra forms, CJK bigrams."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _terms_word_by_word(key: str) -> list[str]:
    """key_terms without its fast paths: every word of the general pattern, each looked at alone."""
    from narratrace.text import terms
    out: list[str] = []
    for word in terms._word().findall(key):
        if terms._CJK_RUN.search(word):
            out += terms._cjk_terms(word)
        elif terms._ARABIC_SCRIPT.match(word):
            out += [word, *strip_clitics(word)]
        else:
            out.append(word)
    return out


@given(st.text(alphabet=st.sampled_from("ab Z9_-.,'\n\té ïçşğ中国说والحسكهкий\u0301"), max_size=40))
def test_terms_fast_paths_give_the_terms_of_the_general_pattern(key):
    # the ASCII byte table and the "no CJK, no Arabic script" shortcut are speed only
    assert key_terms(key) == _terms_word_by_word(key)
    if key.isascii():
        assert key_terms(key) == re.findall(r"[A-Za-z0-9]+", key)
