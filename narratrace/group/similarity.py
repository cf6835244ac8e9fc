"""Same-story evidence for a pair of articles, and a calibrated score in [0, 1].

Why not one vector per article and a threshold: measured on real news, two
unrelated articles in one language often score higher than an article and its
own translation. So the score combines
  * ``doc``: cosine of the article means after removing each language's mean
    vector (language centring, means shipped in ``data/lang_means.npz``),
  * ``aligned``: the share of the shorter article's passages that are mutual
    nearest neighbours of a passage of the other with a clear margin,
  * ``top``: the mean centred similarity of those mutual pairs,
  * ``numbers`` and ``names``: overlap of script-independent clues,
  * ``days``: distance in publication time when both dates are known,
  * ``same_lang``: so the model can demand more of same-language pairs,
  * ``lexical``: TF-IDF cosine of the two articles' index terms (``lexical``: the
    words rare across the store tell two events of one kind apart), and
    ``lexical_same_lang``, the same for a pair in one language,
  * ``years_apart``: when the pair's dates do not give ``days``, how far apart the
    latest years the two texts mention are (0, 1 or 2+ years: 0, 0.5, 1),
  * ``no_names``: 1 when either article has no name key (Chinese has none): such a pair cannot
    share names, and without this the model read the missing ``names`` evidence as evidence against
    (ntrex-dev: Chinese translations stayed apart from their own originals),
  * ``unit_conflict``: of the words both texts put after a number ("6.1 magnitude", "12 people"), the
    share whose numbers differ (``features.unit_conflict``): two events of one kind give them other values.
The weights are fitted by ``eval/calibrate_stories.py`` on SemEval-2022 Task 8
pairs and shipped in ``data/story_model.json``; a feature the model has no weight
for counts nothing.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..paths import DATA_DIR
from .features import (
    LEAD_PASSAGES,
    YEARS_APART_CAP,
    NameRarity,
    days_between,
    latest_mentioned_month,
    latest_year,
    lead_names_conflict,
    name_keys,
    number_units,
    number_weight,
    numbers,
    shared_evidence,
    unit_values,
    values_conflict,
    years_conflict,
)
from .graded import centred_rows, graded_score
from .lexical import TermRarity, background_rarity, term_overlap

FEATURES = ("doc", "aligned", "top", "numbers", "names", "days", "dated", "same_lang", "doc_same_lang",
            "lexical", "lexical_same_lang", "years_apart", "no_names",
            "unit_conflict")


#: vector space -> file of per-language mean vectors (made by eval/calibrate_stories.py)
LANGUAGE_MEANS = {"multilingual-e5-small": "lang_means.e5-small.npz"}
#: the same for vectors encoded as queries (``encode_queries``: compare's sentence vectors; made by
#: eval/calibrate_stories.py --query-means): e5 gives queries another prefix, so another mean per language
QUERY_LANGUAGE_MEANS = {"multilingual-e5-small": "lang_means.e5-small.query.npz"}


@lru_cache(maxsize=4)
def language_means(vector_space: str) -> dict[str, np.ndarray] | None:
    """Per-language mean vectors for an encoder's vector space, or None (no centring) if none ship."""
    return _means_file(LANGUAGE_MEANS.get(vector_space))


@lru_cache(maxsize=4)
def query_language_means(vector_space: str) -> dict[str, np.ndarray] | None:
    """``language_means`` of query vectors (``encode_queries``), or None if none ship for the space."""
    return _means_file(QUERY_LANGUAGE_MEANS.get(vector_space))


def _means_file(name: str | None) -> dict[str, np.ndarray] | None:
    if name is None:
        return None
    with (DATA_DIR / name).open("rb") as fh:
        data = np.load(fh)
        return {k: data[k].astype(np.float32) for k in data.files}


@lru_cache(maxsize=1)
def name_rarity() -> NameRarity:
    """Background document frequencies of name keys (made by eval/calibrate_stories.py)."""
    return NameRarity.load(DATA_DIR / "name_df.json")


@lru_cache(maxsize=1)
def story_model() -> dict[str, Any]:
    return json.loads((DATA_DIR / "story_model.json").read_text("utf-8"))


def load_story_model(path: str) -> dict[str, Any]:
    """A story model file (``[stories] model``): bias and weights over ``FEATURES``, as eval/fit_story_model.py
    writes them."""
    try:
        model = json.loads(Path(path).expanduser().read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"[stories] model: cannot read {path}: {exc}",
                          hint="point it at a JSON file written by eval/fit_story_model.py, or leave it "
                               "empty for the shipped model") from exc
    if not isinstance(model, dict) or not isinstance(model.get("weights"), dict) or "bias" not in model:
        raise ConfigError(f"[stories] model: {path} has no bias and weights",
                          hint="a story model is {\"bias\": ..., \"weights\": {feature: weight}}")
    blend = model.get("graded_blend")
    if blend is not None and not (isinstance(blend, dict) and {"weight", "window"} <= set(blend)):
        raise ConfigError(f"[stories] model: {path} has a graded_blend without weight and window",
                          hint='a blend is {"weight": 0.4, "window": [0.15, 0.85]}, or leave it out')
    unknown = set(model["weights"]) - set(FEATURES)
    if unknown:
        raise ConfigError(f"[stories] model: {path} weighs unknown features {sorted(unknown)}",
                          hint=f"features are {', '.join(FEATURES)}")
    return model


@dataclass
class Side:
    """What the scorer needs of one article: vectors of its matchable passages and their texts."""

    id: str
    lang: str | None
    published: str | None
    vectors: np.ndarray
    texts: Sequence[str]
    _centred: np.ndarray | None = field(default=None, repr=False)
    _numbers: set[str] | None = field(default=None, repr=False)
    _names: set[str] | None = field(default=None, repr=False)
    _not_before: str | None = field(default=None, repr=False)
    _mean: np.ndarray | None = field(default=None, repr=False)
    _year: int | None = field(default=None, repr=False)
    _year_known: bool = field(default=False, repr=False)
    _lexical: tuple[int, int, dict[str, float]] | None = field(default=None, repr=False)
    _units: set[tuple[str, str]] | None = field(default=None, repr=False)
    _unit_values: dict[str, set[str]] | None = field(default=None, repr=False)

    def centred(self, means: dict[str, np.ndarray] | None) -> np.ndarray:
        if self._centred is None:
            v = self.vectors
            if means is not None and len(v) and means.get(self.lang or "", means.get("_all")) is not None:
                v = centred_rows(v, self.lang, means)
            self._centred = v
        return self._centred

    def centred_mean(self, means: dict[str, np.ndarray] | None) -> np.ndarray:
        """The unit mean of the centred passage vectors (the document vector of the ``doc`` feature)."""
        if self._mean is None:
            m = self.centred(means).mean(0)
            self._mean = m / max(1e-12, float(np.linalg.norm(m)))
        return self._mean

    @property
    def numbers(self) -> set[str]:
        if self._numbers is None:
            self._numbers = set().union(*(_passage_numbers(t) for t in self.texts)) if self.texts else set()
        return self._numbers

    @property
    def not_before(self) -> str | None:
        """Publication date, or the latest month the text mentions (a lower bound) when undated."""
        if self._not_before is None:
            self._not_before = self.published or max(
                filter(None, (_passage_month(t) for t in self.texts)), default="")
        return self._not_before or None

    @property
    def year(self) -> int | None:
        """The publication year, or the latest year the text mentions when undated."""
        if not self._year_known:
            if self.published and self.published[:4].isdigit():
                self._year = int(self.published[:4])
            else:
                self._year = max(filter(None, (_passage_year(t) for t in self.texts)), default=None)
            self._year_known = True
        return self._year

    def lexical(self, rarity: TermRarity) -> dict[str, float]:
        """The TF-IDF vector of the article's index terms under ``rarity`` (kept until it changes)."""
        if self._lexical is None or self._lexical[:2] != (id(rarity), rarity.version):
            self._lexical = (id(rarity), rarity.version, rarity.article_vector(self.id, self.texts))
        return self._lexical[2]

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = set().union(*(_passage_names(t) for t in self.texts)) if self.texts else set()
        return self._names

    @property
    def lead_names(self) -> frozenset[str]:
        """Name keys of the article's lead (its first ``LEAD_PASSAGES`` passages): who it is about."""
        return frozenset().union(*(_passage_names(t) for t in self.texts[:LEAD_PASSAGES]))

    @property
    def units(self) -> set[tuple[str, str]]:
        """(word, number) of each number followed by a word (``features.number_units``), from the texts."""
        if self._units is None:
            self._units = set().union(*(_passage_units(t) for t in self.texts)) if self.texts else set()
        return self._units

    @property
    def unit_values(self) -> dict[str, set[str]]:
        """``features.unit_values`` of ``units``: one side of ``unit_conflict``, made once per article."""
        if self._unit_values is None:
            self._unit_values = unit_values(self.units)
        return self._unit_values


def prepare_sides(sides: Iterable[Side], means: dict[str, np.ndarray] | None) -> None:
    """Centre the passage vectors of many sides, and their document vectors, in one pass: what
    ``Side.centred`` and ``Side.centred_mean`` compute one side at a time (the same values up to the last
    bit of a norm). Why: grouping scores a new article against ~70 stored ones per add, and the small numpy
    calls of each side were a fifth of scoring them (bench/scale.py)."""
    todo = list({id(s): s for s in sides if s._mean is None and len(s.vectors)}.values())
    if not todo:
        return
    centre: list[Side] = []
    mus: list[np.ndarray] = []
    for side in todo:
        mu = None if means is None else means.get(side.lang or "", means.get("_all"))
        if side._centred is None and mu is None:  # no mean to centre by: the raw vectors, as Side.centred
            side._centred = side.vectors
        elif side._centred is None and mu is not None:
            centre.append(side)
            mus.append(mu)
    if centre:  # centred_rows of every side's rows at once
        n = np.array([len(s.vectors) for s in centre])
        C = np.concatenate([s.vectors for s in centre]) - np.repeat(np.stack(mus), n, axis=0)
        C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
        for side, a, k in zip(centre, np.cumsum(n) - n, n):
            side._centred = C[a:a + k]
    counts = np.array([len(s.vectors) for s in todo])
    V = np.concatenate([s.centred(means) for s in todo])
    M = np.add.reduceat(V, np.cumsum(counts) - counts, axis=0) / counts[:, None].astype(V.dtype)
    M /= np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-12)
    for side, m in zip(todo, M):
        side._mean = m


def stories_conflict(a: Sequence[Side], b: Sequence[Side]) -> bool:
    """Two groups of articles whose leads name different people or places (``features.lead_names_conflict``),
    or of years two or more apart (``features.years_conflict``): re-examination does not merge them,
    whatever their mean pair score."""
    return (lead_names_conflict([(s.lang, s.lead_names) for s in a], [(s.lang, s.lead_names) for s in b])
            or years_conflict([s.year for s in a], [s.year for s in b]))


def passage_clues(text: str) -> dict[str, Any]:
    """A passage's grouping clues, as stored beside it (numbers, name keys, latest month and year mentioned,
    number units): a stored candidate is scored from them without scanning its texts again."""
    return {"n": sorted(_passage_numbers(text)), "k": sorted(_passage_names(text)), "m": _passage_month(text),
            "y": _passage_year(text), "u": [list(u) for u in sorted(_passage_units(text))]}


def side_with_clues(article_id: str, lang: str | None, published: str | None, vectors: np.ndarray,
                    texts: Sequence[str], clues: Sequence[dict[str, Any] | None]) -> Side:
    """A ``Side`` whose clues come from the store (``passage_clues`` at write time) instead of the texts."""
    side = Side(article_id, lang, published, vectors, texts)
    if texts and len(clues) == len(texts) and all(c is not None for c in clues):
        side._numbers = set().union(*(c["n"] for c in clues))  # type: ignore[index]
        side._names = set().union(*(c["k"] for c in clues))  # type: ignore[index]
        side._not_before = published or max(filter(None, (c["m"] for c in clues)), default="")  # type: ignore[index]
        if not published and all("y" in c for c in clues):  # type: ignore[operator]
            side._year = max(filter(None, (c["y"] for c in clues)), default=None)  # type: ignore[index]
            side._year_known = True
        if all("u" in c for c in clues):  # type: ignore[operator]  # clues written before units: from the texts
            side._units = {(w, n) for c in clues for w, n in c["u"]}  # type: ignore[index]
    return side


# The same stored passages are scored again and again (each new article of a story meets its members):
# their clues are pure functions of the text, so they are computed once per process, not once per pair.
@lru_cache(maxsize=65536)
def _passage_numbers(text: str) -> frozenset[str]:
    return frozenset(numbers(text))


@lru_cache(maxsize=65536)
def _passage_names(text: str) -> frozenset[str]:
    return frozenset(name_keys(text))


@lru_cache(maxsize=65536)
def _passage_month(text: str) -> str | None:
    return latest_mentioned_month(text)


@lru_cache(maxsize=65536)
def _passage_year(text: str) -> int | None:
    return latest_year(text)


@lru_cache(maxsize=65536)
def _passage_units(text: str) -> frozenset[tuple[str, str]]:
    return frozenset(number_units(text))


def pair_features(a: Side, b: Side, means: dict[str, np.ndarray] | None = None,
                  margin: float = 0.02, rarity: TermRarity | None = None) -> tuple[dict[str, float], dict[str, Any]]:
    """Feature values and the evidence behind them (which passages matched, shared clues and terms).

    ``means``: per-language mean vectors to centre with (``language_means(encoder.vector_space)``);
    ``rarity``: the term document frequencies of ``lexical`` (the store's, when grouping; the shipped
    background, ``lexical.background_rarity``, when None).
    """
    A, B = a.centred(means), b.centred(means)
    feats = dict.fromkeys(FEATURES, 0.0)
    evidence: dict[str, Any] = {}
    if len(A) and len(B):
        feats["doc"] = float(a.centred_mean(means) @ b.centred_mean(means))
        S = A @ B.T
        best_b, best_a = S.argmax(1), S.argmax(0)
        # mutual nearest neighbours, each with its margin over the runner-up of its row and its column
        mutual = np.flatnonzero(best_a[best_b] == np.arange(len(best_b)))
        row2 = np.partition(S, -2, axis=1)[:, -2] if S.shape[1] > 1 else np.full(S.shape[0], -1.0, S.dtype)
        col2 = np.partition(S, -2, axis=0)[-2] if S.shape[0] > 1 else np.full(S.shape[1], -1.0, S.dtype)
        pairs = []
        for i in mutual.tolist():
            j = int(best_b[i])
            m = float(S[i, j] - max(row2[i], col2[j]))
            if m >= margin or min(S.shape) == 1:
                pairs.append((i, j, float(S[i, j]), m))
        feats["aligned"] = len(pairs) / min(S.shape)
        sims = sorted((p[2] for p in pairs), reverse=True)[:3] or [float(S.max())]
        feats["top"] = sum(sims) / len(sims)  # np.mean's value: a Python float, without its overhead
        evidence["passage_pairs"] = [{"a": i, "b": j, "sim": round(s, 3), "margin": round(m, 3)}
                                     for i, j, s, m in pairs]
    feats["numbers"] = shared_evidence(a.numbers, b.numbers, number_weight)
    feats["names"] = shared_evidence(a.names, b.names, name_rarity(), scale=2.0)
    feats["no_names"] = float(not a.names or not b.names)
    feats["unit_conflict"] = values_conflict(a.unit_values, b.unit_values)
    days = days_between(a.published, b.published)
    if days is None and (a.published or b.published):
        # one side undated: the month its text mentions last bounds its date from below
        dated, undated = (a, b) if a.published else (b, a)
        bound = undated.not_before
        if bound and dated.published and dated.published[:7] < bound:
            days = days_between(dated.published, bound)
    if days is not None:
        feats["dated"] = 1.0
        feats["days"] = min(days, 365.0) / 365.0
    elif a.year and b.year:
        feats["years_apart"] = min(abs(a.year - b.year), YEARS_APART_CAP) / YEARS_APART_CAP
        evidence["latest_years"] = [a.year, b.year]
    feats["same_lang"] = float(bool(a.lang) and a.lang == b.lang)
    feats["doc_same_lang"] = feats["doc"] * feats["same_lang"]
    rarity = rarity or background_rarity()
    feats["lexical"], evidence["shared_terms"] = term_overlap(a.lexical(rarity), b.lexical(rarity))
    feats["lexical_same_lang"] = feats["lexical"] * feats["same_lang"]
    evidence["shared_numbers"] = sorted(a.numbers & b.numbers)
    evidence["shared_names"] = sorted(a.names & b.names)
    if days is not None:
        evidence["days_apart"] = days
    return feats, evidence


def score_features(feats: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """Logistic model over the features: the probability that the pair is one story."""
    model = model or story_model()
    z = model["bias"] + sum(model["weights"].get(k, 0.0) * feats.get(k, 0.0) for k in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


def same_story_score(a: Side, b: Side, model: dict[str, Any] | None = None,
                     means: dict[str, np.ndarray] | None = None,
                     rarity: TermRarity | None = None) -> tuple[float, dict[str, Any]]:
    """Score in [0, 1] plus evidence (features, aligned passages, shared clues and terms)."""
    feats, evidence = pair_features(a, b, means, rarity=rarity)
    evidence["features"] = {k: round(v, 4) for k, v in feats.items()}
    model = model or story_model()
    probability = score_features(feats, model)
    # a model may move a cross-language pair's probability towards compare's graded score (group/graded.py)
    # where the decision is close: across languages the probability ranks pairs worse (docs/evaluation.md)
    blend = model.get("graded_blend")
    if blend and (not feats["same_lang"] or blend.get("pairs") == "every pair") \
            and blend["window"][0] < probability < blend["window"][1]:
        graded = graded_score(a, b, feats, means)
        evidence["graded"] = round(graded, 4)
        probability += float(blend["weight"]) * (graded - probability)
    return probability, evidence
