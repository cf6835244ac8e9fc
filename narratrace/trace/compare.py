"""Compare two articles: alignment, relation, direction and evidence in one call.

Units: the matchable passages of each article. Articles with fewer than
``MIN_PASSAGES`` matchable passages (texts scraped without line breaks, as in
SemEval) are cut into sentences instead, so alignment has something to work on;
evidence still names the passage and gives the sentence span.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..embed.base import Encoder
from ..group.graded import SentenceVectors, graded_score, head_sentences
from ..group.similarity import Side, language_means, query_language_means, same_story_score
from ..model import Article
from ..store import StoredPassages
from .align import Alignment, AlignParams, Prepared, align
from .attributions import (
    Attribution,
    SourceRegistry,
    cited_sources,
    default_sources,
    find_attributions,
    split_sentences,
)
from .relations import Relation, RelationThresholds, classify, decide_direction, numbers, verbatim_scores

#: below this many matchable passages an article is aligned sentence by sentence
MIN_PASSAGES = 3
#: units per article kept for alignment (encoding is the cost: ~13 paragraphs/s here)
MAX_UNITS = 80
#: characters of passage text shown in evidence
EVIDENCE_CHARS = 160
#: sentences shorter than this are glued to the next one (headers, "RT :")
MIN_UNIT_CHARS = 25


@dataclass
class Unit:
    """What gets one vector: a passage, or a sentence span inside a passage."""

    passage: int
    text: str
    span: tuple[int, int] | None = None


def units_of(article: Article, min_passages: int = MIN_PASSAGES, max_units: int = MAX_UNITS) -> list[Unit]:
    """Matchable passages, or their sentences when there are too few passages."""
    passages = article.matchable_passages()
    if len(passages) >= min_passages:
        return [Unit(p.index, p.text) for p in passages][:max_units]
    units: list[Unit] = []
    for p in passages:
        pending: tuple[int, int] | None = None
        for s, e in (p.sentences or split_sentences(p.text)):
            if pending is not None:
                s = pending[0]
            if e - s < MIN_UNIT_CHARS:
                pending = (s, e)
                continue
            pending = None
            units.append(Unit(p.index, p.text[s:e].strip(), (s, e)))
        if pending is not None:
            if units and units[-1].passage == p.index and units[-1].span:
                s0 = units[-1].span[0]
                units[-1] = Unit(p.index, p.text[s0:pending[1]].strip(), (s0, pending[1]))
            else:
                units.append(Unit(p.index, p.text[pending[0]:pending[1]].strip(), pending))
    return [u for u in units if u.text][:max_units]


def _short(text: str, n: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _evidence(al: Alignment, ua: Sequence[Unit], ub: Sequence[Unit]) -> list[dict[str, Any]]:
    """Aligned pairs as passage indices (plus sentence spans), truncated texts and scores."""
    out = []
    for p in al.pairs:
        out.append({
            "a": sorted({ua[x].passage for x in p.a}), "b": sorted({ub[x].passage for x in p.b}),
            "a_spans": [list(span) for x in p.a if (span := ua[x].span)],
            "b_spans": [list(span) for x in p.b if (span := ub[x].span)],
            "text_a": _short(" ".join(ua[x].text for x in p.a)),
            "text_b": _short(" ".join(ub[x].text for x in p.b)),
            "score": round(p.score, 4), "sim": round(p.sim, 4), "raw_sim": round(p.raw_sim, 4),
        })
    for e in out:
        if not e["a_spans"]:
            del e["a_spans"]
        if not e["b_spans"]:
            del e["b_spans"]
    return out


def same_story_probability(a: Article, b: Article, ua: Sequence[Unit], ub: Sequence[Unit], va: np.ndarray,
                           vb: np.ndarray, means: dict[str, np.ndarray] | None, side_a: Side | None = None,
                           side_b: Side | None = None) -> tuple[float, dict[str, Any]]:
    """The calibrated same-story score of the grouping stage (group.similarity), for the same pair.

    ``side_a``/``side_b``: the grouping stage's ``Side`` of the same passages, when the caller has it
    (a ``Side`` caches its numbers, names and centred vectors, so one article compared with many pays once)."""
    side_a = side_a or Side(a.id, a.lang, a.published, va, [u.text for u in ua])
    side_b = side_b or Side(b.id, b.lang, b.published, vb, [u.text for u in ub])
    return same_story_score(side_a, side_b, means=means)


def compare_vectors(a: Article, b: Article, ua: Sequence[Unit], ub: Sequence[Unit], va: np.ndarray,
                    vb: np.ndarray, sources: SourceRegistry | None = None, params: AlignParams | None = None,
                    thresholds: RelationThresholds | None = None,
                    means: dict[str, np.ndarray] | None = None, sides: tuple[Side, Side] | None = None,
                    attributions: tuple[list[Attribution], list[Attribution]] | None = None,
                    same_story: tuple[float, dict[str, Any]] | None = None,
                    prepared: tuple[Prepared | None, Prepared | None] = (None, None),
                    score_for: Collection[str] | None = None) -> dict[str, Any]:
    """:func:`compare` with units and vectors already computed (stores, batch scripts).

    ``means``: per-language mean vectors of the encoder's vector space (``group.language_means``);
    the ``score`` is then exactly the score story grouping uses. ``sides`` and ``attributions``:
    what the caller already computed for a and b (one new article is compared with many members);
    ``same_story``: the grouping stage's (score, evidence) for this very pair, when it scored it;
    ``prepared``: ``align.prepare`` of va and vb, when the caller keeps them; ``score_for``: the relations
    whose same-story score the caller uses (the trace stage stores only linked relations), the others
    get ``score`` None without computing it (the relation never depends on it); None: every relation.
    """
    al = align(va, vb, params=params, prepared=prepared)
    att_a, att_b = attributions or (find_attributions(a, sources), find_attributions(b, sources))
    src_a, src_b = cited_sources(att_a), cited_sources(att_b)
    shared_sources = [src_a[s] for s in src_a if s in src_b]
    texts_a, texts_b = [u.text for u in ua], [u.text for u in ub]
    shared_numbers = sorted(_text_numbers(tuple(texts_a)) & _text_numbers(tuple(texts_b)))
    anchors = [f"source:{s}" for s in shared_sources] + [f"number:{n}" for n in shared_numbers]
    # reasons name the articles, so they read the same on a link whichever end each is on
    names = (a.id, b.id) if a.id != b.id else (f"{a.id} (a)", f"{b.id} (b)")
    rel: Relation = classify(al, [len(x) for x in texts_a], [len(x) for x in texts_b], anchors,
                             thresholds=thresholds, same_language=same_language(a, b),
                             verbatim=verbatim_scores(al, texts_a, texts_b, thresholds), names=names)
    aligned_a = {ua[x].passage for p in al.pairs for x in p.a}
    aligned_b = {ub[x].passage for p in al.pairs for x in p.b}
    un_a = sorted({u.passage for u in ua} - aligned_a)
    un_b = sorted({u.passage for u in ub} - aligned_b)
    reg_a_cites_b = bool(b.outlet and resolve_outlet(sources, b.outlet) in src_a)
    reg_b_cites_a = bool(a.outlet and resolve_outlet(sources, a.outlet) in src_b)
    direction, dir_reasons = decide_direction(rel, a.published, b.published, len(un_a), len(un_b),
                                              a_cites_b=reg_a_cites_b, b_cites_a=reg_b_cites_a, names=names)
    score: float | None = None
    same_evidence: dict[str, Any] = {}
    if same_story is not None:
        score, same_evidence = same_story
    elif score_for is None or rel.relation in score_for:
        score, same_evidence = same_story_probability(a, b, ua, ub, va, vb, means, *(sides if sides else (None, None)))
    return {
        "relation": rel.relation, "score": None if score is None else round(score, 4),
        "relation_score": round(rel.score, 4), "same_story_features": same_evidence.get("features", {}),
        "coverage_a": round(rel.coverage_a, 4), "coverage_b": round(rel.coverage_b, 4),
        "aligned": _evidence(al, ua, ub), "unaligned_a": un_a, "unaligned_b": un_b,
        "direction": direction, "reasons": rel.reasons + dir_reasons,
        "units": {"a": "passages" if ua and ua[0].span is None else "sentences",
                  "b": "passages" if ub and ub[0].span is None else "sentences", "n_a": len(ua), "n_b": len(ub)},
        "features": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in rel.features.items()},
        "sources_a": [x.to_dict() for x in att_a], "sources_b": [x.to_dict() for x in att_b],
    }


@lru_cache(maxsize=4096)
def _text_numbers(texts: tuple[str, ...]) -> frozenset[str]:
    """The numbers of an article's texts read together; kept, since one new article is compared with each
    member of its story and each member with every new article of its story."""
    return frozenset(numbers(" ".join(texts)))


def same_language(a: Article, b: Article) -> bool | None:
    """True when both languages are known and equal, False when both are known and differ, else None."""
    if not a.lang or not b.lang:
        return None
    return a.lang == b.lang


def compare_stored(a: Article, b: Article, pa: StoredPassages, pb: StoredPassages,
                   means: dict[str, np.ndarray] | None, sources: SourceRegistry | None = None,
                   encoder: Encoder | None = None,
                   sentences: SentenceVectors | None = None) -> dict[str, Any]:
    """:func:`compare_vectors` of two articles' encoded passages as the store keeps them (the passages,
    vectors and clues ingest chose): the one comparison of stored articles, and of texts that
    ``Narratrace.compare_records`` analysed and encoded the way ingest does. Its ``score`` is graded
    (:func:`with_graded_score`); with ``encoder`` or ``sentences`` (:func:`sentence_vectors`, made by a
    caller that encodes outside a lock), by the sentence head (the store keeps passage vectors only)."""
    ua = [Unit(i, t) for i, t in zip(pa.indices, pa.texts)]
    ub = [Unit(i, t) for i, t in zip(pb.indices, pb.texts)]
    return _graded_comparison(a, b, ua, ub, pa.vectors, pb.vectors, means, sources, encoder=encoder,
                              sentences=sentences)


def sentence_vectors(a: Article, b: Article, encoder: Encoder) -> SentenceVectors:
    """The two texts' ``group.graded.head_sentences``, encoded as queries in one call (e5's prefix for
    symmetric similarity), with the query vectors' language means of the encoder's space, and the two
    whole texts' latent terms when the encoder has them (``Encoder.latent_terms``)."""
    sa, sb = head_sentences(a.text, a.lang), head_sentences(b.text, b.lang)
    vecs = encoder.encode_queries(sa + sb)
    terms = encoder.latent_terms([a.text, b.text])
    latent = None if terms is None or encoder.latent_space is None else (terms[0], terms[1], encoder.latent_space)
    return SentenceVectors(vecs[: len(sa)], vecs[len(sa):], query_language_means(encoder.vector_space), latent)


def with_graded_score(result: dict[str, Any], side_a: Side, side_b: Side, means: dict[str, np.ndarray] | None,
                      sentences: SentenceVectors | None = None) -> dict[str, Any]:
    """``result`` (of :func:`compare_vectors`) with ``score`` graded: how much the two are one story, 1 (the
    same story) .. 0 (unrelated), fitted on human ratings (``group.graded``); the grouping stage's
    probability of the same pair, which joins stories, moves to ``story_probability``. ``graded_on`` says
    which head graded it: ``passages and sentences`` when ``sentences`` (``sentence_vectors``) are given."""
    if result["score"] is not None:
        result["story_probability"] = result["score"]
        graded = graded_score(side_a, side_b, result["same_story_features"], means, sentences)
        result["score"] = round(graded, 4)
        result["graded_on"] = ("passages" if sentences is None else "passages and sentences"
                               if sentences.latent is None else "passages, sentences and latent terms")
    return result


def _graded_comparison(a: Article, b: Article, ua: Sequence[Unit], ub: Sequence[Unit], va: np.ndarray,
                       vb: np.ndarray, means: dict[str, np.ndarray] | None, sources: SourceRegistry | None = None,
                       params: AlignParams | None = None, thresholds: RelationThresholds | None = None,
                       encoder: Encoder | None = None,
                       sentences: SentenceVectors | None = None) -> dict[str, Any]:
    sides = (Side(a.id, a.lang, a.published, va, [u.text for u in ua]),
             Side(b.id, b.lang, b.published, vb, [u.text for u in ub]))
    result = compare_vectors(a, b, ua, ub, va, vb, sources, params, thresholds, means=means, sides=sides)
    if sentences is None and encoder is not None and result["score"] is not None:
        sentences = sentence_vectors(a, b, encoder)
    return with_graded_score(result, *sides, means, sentences)


def resolve_outlet(sources: SourceRegistry | None, name: str) -> str | None:
    """Canonical id of an outlet name, if registered."""
    src = (sources or default_sources()).resolve(name)
    return src.id if src else None


def compare(a: Article, b: Article, encoder: Encoder, sources: SourceRegistry | None = None,
            params: AlignParams | None = None, thresholds: RelationThresholds | None = None) -> dict[str, Any]:
    """Relation of two articles with evidence.

    Returns {"relation", "score", "coverage_a", "coverage_b", "aligned", "direction", "reasons", ...};
    ``score`` in [0, 1] is how much the two are one story, graded (group.graded: 1 the same story, 0
    unrelated); ``story_probability`` is the calibrated probability story grouping joins on
    (group.similarity); ``relation_score`` is the relation rule's own strength.
    """
    ua, ub = units_of(a), units_of(b)
    vecs = encoder.encode_passages([u.text for u in ua] + [u.text for u in ub])
    return _graded_comparison(a, b, ua, ub, vecs[: len(ua)], vecs[len(ua):],
                              language_means(encoder.vector_space), sources, params, thresholds, encoder)
