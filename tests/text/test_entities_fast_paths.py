"""text.entities' fast paths find what the plain search finds: the word-count bound of ``_match_at``, the
backwards ``_sentence_start``, and a finder read back from its ``state`` (the user cache's copy)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narratrace.model import RawArticle
from narratrace.text import TextPipeline
from narratrace.text import entities as entities_module
from narratrace.text.entities import MAX_WORDS, EntityFinder, load_entities
from narratrace.text.entity_keys import first_word_variants
from narratrace.trace.attributions import default_sources

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"
_GAP = re.compile(r"[\s.·]{1,3}")


class ExhaustiveFinder(EntityFinder):
    """The matcher before the bound: every word count from ``MAX_WORDS`` down, at every word."""

    def _start_words(self, key):  # type: ignore[no-untyped-def]
        return MAX_WORDS

    def _match_at(self, text, toks, keys, i, lower):  # type: ignore[no-untyped-def]
        for n in range(min(MAX_WORDS, len(toks) - i), 0, -1):
            if n > 1 and not all(_GAP.fullmatch(text[toks[j][1] : toks[j + 1][0]]) for j in range(i, i + n - 1)):
                continue
            rest = keys[i + 1 : i + n]
            for key in [" ".join(keys[i : i + n])] + [" ".join([v, *rest]) for v in first_word_variants(keys[i])]:
                idx = self._exact.get(key)
                if idx is None:
                    idx = self._bare.get(key)
                if idx is not None and self._fits(key, text[toks[i][0] : toks[i + n - 1][1]], self.entities[idx],
                                                  n, lower):
                    return n, self.entities[idx]
        return None


@pytest.fixture(scope="module")
def finders() -> tuple[EntityFinder, EntityFinder]:
    ents = load_entities(None, 100_000)
    cues = default_sources().cues_in
    return EntityFinder(ents, cues=cues), ExhaustiveFinder(ents, cues=cues)


@pytest.fixture(scope="module")
def samples() -> list:
    pipe = TextPipeline()
    return [pipe.transform(RawArticle(text=f.read_text("utf-8"), id=f.stem)) for f in sorted(SAMPLES.glob("*.txt"))]


def _dicts(mentions: list) -> list[dict]:
    return [m.to_dict() for m in mentions]


def test_fast_matcher_finds_what_every_word_count_finds_in_the_samples(finders, samples):
    fast, slow = finders
    found = [_dicts(fast.find(a)) for a in samples]
    assert found == [_dicts(slow.find(a)) for a in samples]
    assert sum(1 for ms in found for m in ms if m["entity"]) > 20  # the samples name places, sources, people


# multi-word spellings, an "al-" article, Arabic clitics, dotted and hyphenated names, spacing and case
PIECES = ["Deir ez-Zor", "Deir  ez-Zor", "al-Hasakah", "Al Hasakah", "والحسكة", "Ras al-Ain", "New York",
          "New  York City", "Kuala Lumpur", "U.S.", "Suriah-Irak", "anti-ISIS", "RIA Novosti", "ria novosti",
          "according to", "Sputnik", "the", "said", "«قسد»", "Bashar al Assad", "Ebrahim Raeisi", "Monday", ",",
          ".", "\n", "Abu Kamal", "الحسکه", "Tell Abyad", "Washington D.C.", "São Paulo", "北京", "莫斯科"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12), st.lists(st.sampled_from([" ", "  ", ". ", "-"]),
                                                                          min_size=12, max_size=12))
def test_fast_matcher_finds_what_every_word_count_finds_in_made_up_texts(finders, words, gaps):
    fast, slow = finders
    text = "".join(w + g for w, g in zip(words, gaps))
    assert _dicts(fast.find_in(text)) == _dicts(slow.find_in(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \t\n.!?«a", max_size=12), st.integers(min_value=0, max_value=12))
def test_sentence_start_reads_as_the_stripped_text_before(text, start):
    start = min(start, len(text))
    before = text[:start].rstrip()
    assert entities_module._sentence_start(text, start) == (not before or before[-1] in entities_module._SENTENCE_END)


def test_finder_read_back_from_its_state_is_the_same_finder(finders, samples):
    fast, _ = finders
    state = json.loads(json.dumps(fast.state(), ensure_ascii=False))  # as the cache file holds it
    again = EntityFinder.from_state(state, cues=fast.cues)
    assert [e.to_dict() for e in again.entities] == [e.to_dict() for e in fast.entities]
    assert (again._exact, again._bare, again._han, again._capitals, again._acronym, again._longest, again.max_han) == \
        (fast._exact, fast._bare, fast._han, fast._capitals, fast._acronym, fast._longest, fast.max_han)
    assert [_dicts(again.find(a)) for a in samples] == [_dicts(fast.find(a)) for a in samples]
    assert [e.id for e in again.resolve("al-Hasakah")] == [e.id for e in fast.resolve("al-Hasakah")]
