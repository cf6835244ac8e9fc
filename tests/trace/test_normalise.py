"""attributions.match_key_with_offsets: match keys with offsets into the original text, whatever the
characters."""
from __future__ import annotations

from narratrace.trace.attributions import match_key_with_offsets


def test_match_key_expansions_drops_and_offsets():
    text = "ﬁle Straße\u200c ١٢\u064b Aa"
    norm, where = match_key_with_offsets(text)
    assert norm == "file strasse 12 aa"
    assert len(where) == len(norm)
    assert [text[i] for i in where[:2]] == ["ﬁ", "ﬁ"]  # both key characters point at the ligature
    assert text[where[norm.index("ss")]] == "ß" and text[where[norm.index("12")]] == "١"
    assert text[where[-1]] == "a" and where == sorted(where)


def test_match_key_same_result_on_repeated_and_plain_text():
    assert match_key_with_offsets("Reuters") == ("reuters", list(range(7)))
    # memoised characters give the same key
    assert match_key_with_offsets("Reuters") == match_key_with_offsets("Reuters")
    assert match_key_with_offsets("") == ("", [])
