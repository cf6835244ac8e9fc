"""Fact-checks: reading them as fact-checkers publish them, and matching claims to them.

Lives in ``trace`` (not ``ingest``) because fact-checks are not articles: they never
enter the text pipeline or story grouping; they are evidence a claim is linked to,
like a cited source. Three input formats, each record keeping its ``origin``:

* **ClaimReview** (schema.org JSON-LD as embedded in fact-check pages): a single
  object, a list, or an ``@graph``; nested objects are searched for ``@type``
  ClaimReview.
* **Fact-check search services**: the JSON of the Google Fact Check Tools API
  (``{"claims": [{"text", "claimant", "claimDate", "claimReview": [...]}]}``), one
  record per review.
* **CSV** with columns ``id, claim, rating, url, language, date, publisher`` (a
  ``text`` column is read as ``claim``); the ``id`` column is kept as ``factcheck_id``.

A ``.jsonl`` file may hold any of the JSON shapes, one per line.

Matching is the cosine of language-centred E5 vectors, plus a bonus for places,
organisations, names and numbers shared across languages (``match_vectors``). A claim
and a fact-check claim are the same kind of text (one sentence stating something), so
both are encoded on the same side (``[factchecks] encode_as``: "passage" by default,
measured with ``eval/clef_claims.py``, docs/narratives.md). Scores at or above
``suggested`` are reported; at or above ``confirmed`` they are confirmed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..group.features import name_keys, number_weight, numbers

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


#: places and organisations that recur in unrelated claims count half
BROAD = frozenset({"Syria", "Iraq", "Iran", "Russia", "United States", "Turkey", "Israel", "Europe", "ISIS",
                   "United Nations", "Indonesia", "Ukraine", "Afghanistan", "Lebanon", "Yemen"})


def clues(text: str) -> dict[str, float]:
    """Script-independent specifics of a claim with their weights: gazetteer places and
    organisations (``e:``), name skeletons (``k:``) and numbers (``n:``)."""
    from .claims import default_gazetteer

    out: dict[str, float] = {}
    for _s, _e, name, _kind in default_gazetteer().find(text):
        out["e:" + name] = 0.5 if name in BROAD else 1.0
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


def match_vectors(claim_vecs: np.ndarray, fc_vecs: np.ndarray, suggested: float, confirmed: float,
                  limit: int = 10, claim_texts: list[str] | None = None, fc_texts: list[str] | None = None,
                  clue_weight: float = 0.0, claim_langs: list[str | None] | None = None,
                  fc_langs: list[str | None] | None = None) -> list[list[tuple[int, float, str, dict[str, Any]]]]:
    """For each claim: (fact-check row, score, status, parts) at or above ``suggested``, best first.

    Vectors should be language-centred (``group.narratives.centre_by_language``) so that scores of
    same-language and cross-language pairs are comparable. For a pair in two languages (or of
    unknown language) score = cosine + ``clue_weight`` x clue overlap (places, organisations,
    names, numbers shared across scripts); a same-language pair is scored by its cosine alone,
    since the encoder already sees the shared words (the bonus lowered MAP@5 on CLEF 2020,
    docs/narratives.md).
    """
    if not len(claim_vecs) or not len(fc_vecs):
        return [[] for _ in range(len(claim_vecs))]
    use_clues = clue_weight > 0 and claim_texts is not None and fc_texts is not None
    fc_clues: dict[int, dict[str, float]] = {}
    out = []
    for start in range(0, len(claim_vecs), 512):
        S = claim_vecs[start : start + 512] @ fc_vecs.T
        for r, row in enumerate(S):
            idx = np.flatnonzero(row >= suggested - (clue_weight if use_clues else 0.0))
            hits = []
            cc = clues(claim_texts[start + r]) if use_clues and len(idx) else {}  # type: ignore[index]
            for j in idx:
                cos = float(row[j])
                overlap = 0.0
                shared: list[str] = []
                same_lang = (claim_langs is not None and fc_langs is not None and claim_langs[start + r] is not None
                             and claim_langs[start + r] == fc_langs[int(j)])
                if use_clues and not same_lang:
                    if int(j) not in fc_clues:
                        fc_clues[int(j)] = clues(fc_texts[int(j)])  # type: ignore[index]
                    overlap, shared = clue_overlap(cc, fc_clues[int(j)])
                score = round(cos + clue_weight * overlap, 4)
                status = status_of(score, suggested, confirmed)
                if status:
                    hits.append((int(j), score, status, {"cosine": round(cos, 4), "clue_overlap": round(overlap, 3),
                                                         "shared_clues": shared}))
            hits.sort(key=lambda h: -h[1])
            out.append(hits[:limit])
    return out


def evidence_for(claim: str, fc: FactCheck, parts: dict[str, Any]) -> dict[str, Any]:
    """Why a claim matches a fact-check: both texts, the verdict, the score's parts."""
    return {"claim": claim, "factcheck_claim": fc.claim, "rating": fc.rating, "url": fc.url,
            "publisher": fc.publisher, "factcheck_lang": fc.lang, "origin": fc.origin, **parts}


def iter_valid(items: Iterable[FactCheck | InputError]) -> tuple[list[FactCheck], list[InputError]]:
    good: list[FactCheck] = []
    bad: list[InputError] = []
    for it in items:
        if isinstance(it, InputError):
            bad.append(it)
        else:
            good.append(it)
    return good, bad
