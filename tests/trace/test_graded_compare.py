"""compare's graded same-story score (group.graded) on the seeds, with the real encoder."""
from __future__ import annotations

import numpy as np

from narratrace.group.graded import head_sentences
from narratrace.group.similarity import query_language_means
from narratrace.trace.compare import compare, sentence_vectors


def test_graded_score_orders_translation_same_story_unrelated(seeds, encoder):
    """000 and 001 are translations, 002 an independent report of the same news, 004 another story."""
    r = {p: compare(seeds[p[0]], seeds[p[1]], encoder) for p in (("000", "001"), ("000", "002"), ("000", "004"))}
    translation, same, unrelated = (r[p]["score"] for p in (("000", "001"), ("000", "002"), ("000", "004")))
    assert translation > same > unrelated
    # 004 reports on the same war (US forces, ISIS, Syria), not the same event: rated nearer "unrelated"
    assert translation > 0.7 and unrelated < 0.5
    for res in r.values():  # the grouping stage's probability stays beside it, in [0, 1]
        assert 0.0 <= res["score"] <= 1.0 and 0.0 <= res["story_probability"] <= 1.0


def test_graded_score_is_symmetric(seeds, encoder):
    ab, ba = compare(seeds["000"], seeds["002"], encoder), compare(seeds["002"], seeds["000"], encoder)
    assert abs(ab["score"] - ba["score"]) < 1e-3


def test_compare_encodes_its_sentences_as_queries(seeds, encoder):
    """e5's query prefix is its prefix for symmetric similarity: the sentence head was fitted on query
    vectors centred by the query means (eval/fit_graded_score.py), so compare must encode them so too."""
    a, b = seeds["000"], seeds["001"]
    got = sentence_vectors(a, b, encoder)
    np.testing.assert_allclose(got.a, encoder.encode_queries(head_sentences(a.text, a.lang)), atol=1e-6)
    np.testing.assert_allclose(got.b, encoder.encode_queries(head_sentences(b.text, b.lang)), atol=1e-6)
    assert got.means is query_language_means(encoder.vector_space) and got.means is not None


def test_compare_reads_the_whole_texts_latent_terms(seeds, encoder):
    """The sentence head reads the IDF cosine of the two texts' latent terms (embed.latent); an encoder without
    them grades with the head's fitted mean in their place, and says which inputs it graded on."""
    a, b = seeds["000"], seeds["001"]
    got = sentence_vectors(a, b, encoder)
    assert got.latent is not None and got.latent[2] == encoder.latent_space
    terms = encoder.latent_terms([a.text, b.text])
    np.testing.assert_array_equal(got.latent[0].indices, terms[0].indices)
    with_terms = compare(a, b, encoder)
    assert with_terms["graded_on"] == "passages, sentences and latent terms"
    without = compare(a, b, _WithoutLatentTerms(encoder))
    assert without["graded_on"] == "passages and sentences"
    assert without["relation"] == with_terms["relation"]  # the relation never reads the graded score
    assert without["story_probability"] == with_terms["story_probability"]


class _WithoutLatentTerms:
    """The same encoder, as a backend without a latent-term head."""

    latent_space = None

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def latent_terms(self, texts):
        return None
