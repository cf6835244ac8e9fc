"""attributions.normalise: match keys with offsets into the original text, whatever the characters."""
from __future__ import annotations

from narratrace.trace.attributions import normalise


def test_normalise_expansions_drops_and_offsets():
    text = "ﬁle Straße\u200c ١٢\u064b Aa"
    norm, where = normalise(text)
    assert norm == "file strasse 12 aa"
    assert len(where) == len(norm)
    assert [text[i] for i in where[:2]] == ["ﬁ", "ﬁ"]  # both key characters point at the ligature
    assert text[where[norm.index("ss")]] == "ß" and text[where[norm.index("12")]] == "١"
    assert text[where[-1]] == "a" and where == sorted(where)


def test_normalise_same_result_on_repeated_and_plain_text():
    assert normalise("Reuters") == ("reuters", list(range(7)))
    assert normalise("Reuters") == normalise("Reuters")  # memoised characters give the same key
    assert normalise("") == ("", [])
