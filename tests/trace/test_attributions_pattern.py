"""trace.attributions._pattern: the trie of the sources and cues finds what the plain alternation of their
forms, longest first, finds (the regex both ingest and search scan every passage with)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.text.terms import CLITICS_PATTERN
from narratrace.trace import attributions as att

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"


def plain_pattern(forms: list[str]) -> re.Pattern[str] | None:
    """The alternation before the trie: every form in turn, longest first."""
    keys = sorted({att._key(f) for f in forms if f.strip()}, key=lambda k: (-len(k), k))
    parts = [(CLITICS_PATTERN if att._ARABIC.match(k) else "") + r"\s+".join(re.escape(w) for w in k.split())
             for k in keys]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None


def _registry_forms() -> dict[str, list[str]]:
    reg = att.default_sources()
    return {"sources": list(reg._alias), "cues": [w for lc in reg.cues.values() for ws in lc.values() for w in ws]}


FORMS = _registry_forms()


def _spans(rx: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    return [] if rx is None else [m.span() for m in rx.finditer(att.match_key_with_offsets(text)[0])]


@pytest.mark.parametrize("which", sorted(FORMS))
def test_trie_finds_what_the_alternation_finds_in_the_samples(which):
    trie, plain = att._pattern(FORMS[which]), plain_pattern(FORMS[which])
    texts = [f.read_text("utf-8") for f in sorted(SAMPLES.glob("*.txt"))]
    found = [_spans(trie, t) for t in texts]
    assert found == [_spans(plain, t) for t in texts]
    assert sum(map(len, found)) >= 5  # the samples cite Sputnik, SANA, "according to", «قال»...


# forms that share beginnings (one a prefix of another), several words, Arabic-script clitics
SHARED = ["dilansir", "dilansir dari", "dikutip dari", "said", "sa", "according to", "according", "as reported by",
          "as reported", "به خبرگزاری", "خبرگزاری", "قال", "وقال", "اعلام کرد", "اعلام کردند", "tass", "ria novosti"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SHARED), min_size=1, max_size=8, unique=True),
       st.lists(st.sampled_from([*SHARED, "x", "ال", "و", "بال", "-", ".", " ", "  ", "\n", "Dilansir  Dari"]),
                max_size=14))
def test_trie_finds_what_the_alternation_finds_for_overlapping_forms(forms, pieces):
    text = " ".join(pieces)
    assert _spans(att._pattern(forms), text) == _spans(plain_pattern(forms), text)


def test_registry_finds_cues_and_sources_through_the_trie():
    reg = att.default_sources()
    text = "Dilansir dari Sputnik, pejabat itu mengatakan bahwa 750 pejuang tiba."
    assert [k for _, _, k in reg.cues_in(text)] == ["via", "speech"]
    assert [src.id for _, _, src in reg.mentions(text)] == ["sputnik"]
