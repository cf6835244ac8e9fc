"""Fact-checks and how a claim is matched to them (the readers are in ``factcheck_readers``).

Lives in ``trace`` (not ``ingest``) because fact-checks are not articles: they never
enter the text pipeline or story grouping; they are evidence a claim is linked to,
like a cited source.

Matching (``pipeline.factchecks.FactCheckMatcher``) ranks the stored fact-checks for a claim by two
channels, fused per claim (``fuse_channels``): the E5 cosine of the claim and the fact-check's title
and claim (both encoded as passages, ``[factchecks] encode_as``), and BM25 over the same text in the
store's lexical index. Copies of one fact-check (``duplicate_key``) are shown once. Whether a ranked
fact-check is reported, and as suggested or confirmed, is read from ``match_score`` (language-centred
cosine plus shared clues across languages) against ``[factchecks] suggested`` and ``confirmed``;
an analyst's verdict overrides it. Measurements: eval/factcheck_retrieval.py, docs/retrieval.md.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..group.features import name_keys, number_weight, numbers
from ..text.entities import EntityFinder
from ..text.gazetteer import Entity
from ..text.normalise import normalise
from .entity_finder import entity_finder, known_mentions

_URL = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+")
_TWEET_TAIL = re.compile(r"\s*[—–-]\s*[^—–\n]{0,80}\(@\w+\)\s*[A-Z][a-z]+ \d{1,2}, \d{4}\s*$")


@dataclass
class FactCheck:
    """One published fact-check of one claim."""

    factcheck_id: str
    claim: str
    rating: str | None = None
    url: str | None = None
    lang: str | None = None
    date: str | None = None
    publisher: str | None = None
    claimant: str | None = None
    title: str | None = None
    #: "file:line", "file#3" (third record of a JSON file), or "api"
    origin: str = ""
    #: the format it came from: claimreview, factcheck-tools, csv, python
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_claim_text(text: str) -> str:
    """The claim without links, tweet signatures and extra spaces (for display; claims are encoded as
    they are, since cleaning lowered MAP@5 on CLEF 2020)."""
    text = _TWEET_TAIL.sub("", text)
    text = _URL.sub(" ", text)
    return " ".join(text.split())


# ------------------------------------------------------------------ matching
@dataclass
class Match:
    factcheck_id: str
    score: float
    status: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"factcheck_id": self.factcheck_id, "score": self.score, "status": self.status,
                "evidence": self.evidence}


def status_of(score: float, suggested: float, confirmed: float) -> str | None:
    if score >= confirmed:
        return "confirmed"
    if score >= suggested:
        return "suggested"
    return None


#: listed entities that recur in unrelated claims count half, as every country does (``broad``)
BROAD = frozenset({"europe", "middle_east", "isis", "un"})


def broad(entity: Entity) -> bool:
    """A name too common across claims to tell two apart: a country, or one of ``BROAD``."""
    return entity.id in BROAD or ("country" in entity.meta and "geonames" not in entity.meta)


def clues(text: str, finder: EntityFinder | None = None) -> dict[str, float]:
    """Script-independent specifics of a claim with their weights: the entities it names (``e:`` and the
    entity id; ``finder``: the gazetteer of the ``[entities]`` settings, the defaults without), name
    skeletons (``k:``) and numbers (``n:``)."""
    out: dict[str, float] = {}
    for _m, ent in known_mentions(finder or entity_finder(), text):
        out["e:" + ent.id] = 0.5 if broad(ent) else 1.0
    for k in name_keys(text):
        out.setdefault("k:" + k, 1.0)
    for n in numbers(text):
        out["n:" + n] = number_weight(n)
    return out


#: shared clue weight that earns the full bonus: two specific names, or one name and a number
FULL_OVERLAP = 2.0


def clue_overlap(claim: dict[str, float], factcheck: dict[str, float]) -> tuple[float, list[str]]:
    """Shared clue weight over ``FULL_OVERLAP``, capped at 1: "U.S." alone (broad, 0.5) gives 0.25,
    al-Hasakah + Ghuwayran gives 1."""
    shared = sorted(set(claim) & set(factcheck))
    return min(1.0, sum(factcheck[k] for k in shared) / FULL_OVERLAP), shared


def match_score(centred_cosine: float, overlap: float, same_language: bool, clue_weight: float,
                ranked_first: bool = False, first_bonus: float = 0.0) -> float:
    """The score a match's status is read from (``[factchecks] suggested``, ``confirmed``): the pair's
    language-centred cosine (comparable across languages), plus ``clue_weight`` x clue overlap for a pair
    in two languages (or of unknown language), where no word is shared (a same-language pair shares its
    words already: the bonus lowered MAP@5 on CLEF 2020), plus ``first_bonus`` for the fact-check the
    fused ranking puts first for the claim: the cosine alone tells the right fact-check from its near
    misses badly, the ranking well (docs/retrieval.md)."""
    bonus = (0.0 if same_language else clue_weight * overlap) + (first_bonus if ranked_first else 0.0)
    return round(centred_cosine + bonus, 4)


#: quote marks a fact-check collection varies in between copies of one fact-check
_QUOTES = re.compile("[\"'‘’‚‛“”„‟«»‹›`´]")


def duplicate_key(text: str) -> str:
    """Fact-checks with the same key are copies of one (the same title and claim but for quote marks,
    case and spacing): matching shows the first stored for all of them."""
    return " ".join(_QUOTES.sub(" ", normalise(text)).split())


def channel_stats(top_scores: np.ndarray, depth: int) -> tuple[float, float, float]:
    """(mean, spread, confidence) of one channel's ``depth`` best scores for one claim (missing ones
    count as 0: the score of a fact-check that shares nothing with the claim). The confidence is how
    far the best stands above the rest, in spreads: a channel that singles one fact-check out is sure,
    one whose best scores are level is not."""
    scores = np.zeros(depth, np.float64)
    top = np.sort(np.asarray(top_scores, np.float64))[::-1][:depth]
    scores[: len(top)] = top
    mean, spread = float(scores.mean()), float(scores.std())
    if spread < 1e-9:
        return mean, 1.0, 0.0
    return mean, spread, max((float(scores[0]) - mean) / spread, 0.0)


def fuse_channels(channels: dict[str, tuple[dict[int, float], tuple[float, float, float]]],
                  weights: dict[str, float]) -> dict[int, float]:
    """Candidate -> fused score: for each channel, its weight x its confidence x the candidate's score in
    spreads above the channel's mean (each channel's scores on a common scale, each trusted as much as
    it is sure for this claim). ``channels``: name -> ({candidate: score}, ``channel_stats``); a
    candidate missing from a channel has that channel's score 0."""
    cands = {c for scores, _ in channels.values() for c in scores}
    out = dict.fromkeys(cands, 0.0)
    for name, (scores, (mean, spread, confidence)) in channels.items():
        w = weights.get(name, 1.0) * confidence
        if w:
            for c in cands:
                out[c] += w * (scores.get(c, 0.0) - mean) / spread
    return out


def evidence_for(claim: str, fc: FactCheck, parts: dict[str, Any]) -> dict[str, Any]:
    """Why a claim matches a fact-check: both texts, the verdict, the score's parts."""
    return {"claim": claim, "factcheck_claim": fc.claim, "rating": fc.rating, "url": fc.url,
            "publisher": fc.publisher, "factcheck_lang": fc.lang, "origin": fc.origin, **parts}


def claimreviews(matches: Iterable[dict[str, Any]], factchecks: dict[str, dict[str, Any]],
                 articles: dict[str, Any]) -> list[dict[str, Any]]:
    """Confirmed matches as schema.org ClaimReview objects, one per fact-check: the fact-checker's review
    (url, rating, author, date) with the stored articles making the claim as the claim's ``appearance``
    (url or id, title, the claim sentences), so another tool can read what narratrace found.
    ``matches``: ``claim_matches`` rows; ``factchecks``: id -> stored record; ``articles``: id -> Article."""
    by_fc: dict[str, dict[str, list[str]]] = {}
    for m in matches:
        if m["status"] == "confirmed" and m["factcheck_id"] in factchecks:
            by_fc.setdefault(m["factcheck_id"], {}).setdefault(m["article_id"], []).append(m["claim"])
    out = []
    for fid, arts in by_fc.items():
        fc = factchecks[fid]
        appearance = []
        for aid, sentences in arts.items():
            art = articles.get(aid)
            appearance.append({"@type": "CreativeWork", "identifier": aid, "url": getattr(art, "url", None),
                               "headline": getattr(art, "title", None), "inLanguage": getattr(art, "lang", None),
                               "text": list(dict.fromkeys(sentences))})
        review: dict[str, Any] = {"@context": "https://schema.org", "@type": "ClaimReview", "identifier": fid,
                                  "url": fc.get("url"), "claimReviewed": fc["claim"], "name": fc.get("title"),
                                  "datePublished": fc.get("date"), "inLanguage": fc.get("lang"),
                                  "reviewRating": {"@type": "Rating", "alternateName": fc.get("rating")},
                                  "author": {"@type": "Organization", "name": fc.get("publisher")},
                                  "itemReviewed": {"@type": "Claim", "author": fc.get("claimant"),
                                                   "appearance": appearance}}
        out.append(review)
    return out


def iter_valid(items: Iterable[FactCheck | InputError]) -> tuple[list[FactCheck], list[InputError]]:
    good: list[FactCheck] = []
    bad: list[InputError] = []
    for it in items:
        if isinstance(it, InputError):
            bad.append(it)
        else:
            good.append(it)
    return good, bad
