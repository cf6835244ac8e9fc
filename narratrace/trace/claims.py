"""Check-worthy claim sentences: attribution, numbers, places and organisations.

A sentence is check-worthy when it asserts something a fact-checker could verify:
it is attributed to a source ("sources told Sputnik that ..."), carries a reporting
cue, gives numbers (750 fighters), or names places and organisations. Each clue adds
to a score in [0, 1]; sentences at or above ``min_score`` (``[narratives]
claim_min_score``) are claims. No model is needed, so the same rules run for Arabic,
Persian, Indonesian and English.

Places and organisations come from a light gazetteer: the source registry
(``text/data/sources.toml``, reused from ``trace.attributions``) and the lists below,
matched on the same normalised text as attributions, so «الحسكة», «حسکه» and
"al-Hasakah" all resolve to one place. Other capitalised or Arabic-script names are
kept as script-independent skeleton keys (``group.features.name_keys``).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from ..group.features import name_keys, numbers
from ..model import Article
from ..text.terms import CLITICS_PATTERN, strip_clitics
from .attributions import (
    SourceRegistry,
    default_sources,
    find_attributions,
    match_key_with_offsets,
    split_sentences,
)

#: canonical place -> surface forms in the project's languages (matched case- and script-folded)
PLACES: dict[str, list[str]] = {
    "Syria": ["Syria", "Suriah", "Syrie", "سوريا", "سورية", "سوریه"],
    "Iraq": ["Iraq", "Irak", "العراق", "عراق"],
    "al-Hasakah": ["Hasakah", "al-Hasakah", "Al-Hasakah", "Hasaka", "Hasakeh", "الحسكة", "حسكة", "حسکه", "الحسکه"],
    "Ghuwayran": ["Ghuwayran", "Ghwayran", "Gweiran", "غويران", "غویران"],
    "al-Sinaa prison": ["al-Sinaah", "Al-Sinaah", "al-Sinaa", "Sinaa", "سجن الصناعة", "زندان الصناعه"],
    "Deir ez-Zor": ["Deir ez-Zor", "Deir ez-Zour", "Deir al-Zour", "Deir Ezzor", "دير الزور", "دیر الزور", "دیرالزور"],
    "Abu Kamal": ["Abu Kamal", "Abu-Kamal", "Al-Bukamal", "Albukamal", "Bukamal", "البوكمال", "البوکمال",
                  "ابوکمال", "أبو كمال"],
    "al-Tanf": ["al-Tanf", "Al-Tanf", "Tanf", "التنف", "تنف"],
    "Jebel Bishri": ["Jebel Bishri", "Jabal al-Bishri", "جبل البشري"],
    "Euphrates": ["Euphrates", "Efrat", "الفرات", "فرات"],
    "Damascus": ["Damascus", "Damaskus", "دمشق"],
    "Aleppo": ["Aleppo", "Halab", "حلب"],
    "Raqqa": ["Raqqa", "Raqqah", "الرقة", "رقه"],
    "Idlib": ["Idlib", "إدلب", "ادلب"],
    "Baghdad": ["Baghdad", "بغداد"],
    "Iran": ["Iran", "إيران", "ایران"],
    "Tehran": ["Tehran", "Teheran", "طهران", "تهران"],
    "Russia": ["Russia", "Rusia", "روسيا", "روسیه"],
    "Moscow": ["Moscow", "Moskow", "Moskwa", "موسكو", "مسکو"],
    "United States": ["United States", "USA", "U.S.", "America", "Amerika", "Amerika Serikat", "الولايات المتحدة",
                      "أمريكا", "امریکا", "آمریکا", "ایالات متحده"],
    "Washington": ["Washington", "واشنطن", "واشنگتن"],
    "Turkey": ["Turkey", "Turki", "Türkiye", "تركيا", "ترکیه"],
    "Israel": ["Israel", "إسرائيل", "اسرائيل", "اسرائیل"],
    "Lebanon": ["Lebanon", "Libanon", "لبنان"],
    "Yemen": ["Yemen", "Yaman", "اليمن", "یمن"],
    "Gaza": ["Gaza", "غزة", "غزه"],
    "Afghanistan": ["Afghanistan", "أفغانستان", "افغانستان"],
    "Ukraine": ["Ukraine", "Ukraina", "أوكرانيا", "اوکراین"],
    "Belgium": ["Belgium", "Belgia", "بلجيكا", "بلژیک"],
    "Netherlands": ["Netherlands", "Belanda", "هولندا", "هلند"],
    "Europe": ["Europe", "Eropa", "أوروبا", "اروپا"],
    "Indonesia": ["Indonesia", "إندونيسيا", "اندونزی"],
    "Jakarta": ["Jakarta", "جاكرتا", "جاکارتا"],
    "Guantanamo": ["Guantanamo", "غوانتانامو", "گوانتانامو"],
}

#: canonical organisation -> surface forms (registry sources are added to these)
ORGANISATIONS: dict[str, list[str]] = {
    "ISIS": ["ISIS", "ISIL", "Daesh", "Daish", "NIIS", "Islamic State", "داعش", "الدولة الإسلامية"],
    "SDF": ["SDF", "Syrian Democratic Forces", "Pasukan Demokratik Suriah", "قسد", "قوات سوريا الديمقراطية",
            "نیروهای دموکراتیک سوریه"],
    "US-led coalition": ["US-led coalition", "international coalition", "koalisi pimpinan Amerika",
                         "التحالف الدولي", "ائتلاف آمریکایی"],
    "Pentagon": ["Pentagon", "البنتاغون", "پنتاگون"],
    "CIA": ["CIA", "سي آي إيه", "سیا"],
    "NATO": ["NATO", "الناتو", "ناتو"],
    "United Nations": ["United Nations", "PBB", "الأمم المتحدة", "سازمان ملل"],
    "World Health Organization": ["World Health Organization", "منظمة الصحة العالمية", "سازمان بهداشت جهانی"],
}

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


@dataclass
class Gazetteer:
    """Places and organisations matched in normalised text (any script)."""

    kinds: dict[str, str]  # canonical name -> "place" | "organisation" | "person"
    _alias: dict[str, str]
    _rx: re.Pattern[str] | None

    def resolve(self, surface: str) -> str | None:
        key = _norm_key(surface)
        if key in self._alias:
            return self._alias[key]
        for bare in strip_clitics(key):  # «والحسكة» -> «حسكة» when only the bare form is listed
            if bare in self._alias:
                return self._alias[bare]
        return None

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, canonical, kind) in original offsets, longest forms first."""
        if self._rx is None:
            return []
        norm, where = match_key_with_offsets(text)
        out = []
        for m in self._rx.finditer(norm):
            name = self.resolve(m.group())
            if name:
                out.append((where[m.start()], where[m.end() - 1] + 1, name, self.kinds[name]))
        return out


def _norm_key(text: str) -> str:
    return " ".join(match_key_with_offsets(text)[0].split())


def build_gazetteer(registry: SourceRegistry | None = None) -> Gazetteer:
    """The lists above plus every registry source (persons as people, the rest as organisations)."""
    reg = registry or default_sources()
    kinds: dict[str, str] = {}
    alias: dict[str, str] = {}

    def add(name: str, kind: str, forms: list[str]) -> None:
        kinds.setdefault(name, kind)
        for f in [name, *forms]:
            k = _norm_key(f)
            if len(k) >= 2:
                alias.setdefault(k, name)

    for name, forms in PLACES.items():
        add(name, "place", forms)
    for name, forms in ORGANISATIONS.items():
        add(name, "organisation", forms)
    for src in reg.sources.values():
        add(src.name, "person" if src.kind == "person" else "organisation", list(src.aliases))
    parts = []
    for form in sorted(alias, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in form.split())
        pre = CLITICS_PATTERN if re.match(r"[\u0600-\u06ff]", form) else ""
        parts.append(pre + body)
    rx = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None
    return Gazetteer(kinds, alias, rx)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return build_gazetteer()


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
                   gazetteer: Gazetteer | None = None, matchable_only: bool = True) -> list[Claim]:
    """Check-worthy sentences of ``article`` (title and body passages), in reading order."""
    reg = registry or default_sources()
    gaz = gazetteer or default_gazetteer()
    atts: dict[tuple[int, int, int], Any] = {}
    for found in find_attributions(article, reg):
        atts.setdefault((found.passage, *found.claim_span), found)
    own = reg.resolve(article.outlet) if article.outlet else None
    out: list[Claim] = []
    for p in article.passages:
        if (matchable_only and not p.matchable) or p.kind == "boilerplate":
            continue
        spans = p.sentences or split_sentences(p.text)
        cues = reg.cues_in(p.text)
        ents = [e for e in gaz.find(p.text) if own is None or e[2] != own.name]  # the outlet's own byline
        for s0, s1 in spans:
            text = p.text[s0:s1].strip()
            if not text:
                continue
            att = atts.get((p.index, s0, s1))
            here = [e for e in ents if s0 <= e[0] < s1]
            nums = numbers(text)
            places = list(dict.fromkeys(e[2] for e in here if e[3] == "place"))
            orgs = list(dict.fromkeys(e[2] for e in here if e[3] == "organisation"))
            people = list(dict.fromkeys(e[2] for e in here if e[3] == "person"))
            keys = sorted(name_keys(text))
            score, reasons = score_sentence(text, attributed=att is not None,
                                            cue=any(s0 <= c[0] < s1 for c in cues), nums=nums,
                                            entities=len(places) + len(orgs) + len(people), names=len(keys))
            if score < min_score:
                continue
            attribution = None
            if att is not None:
                attribution = {"source": {"id": att.source_id, "name": att.source_name}, "cue": att.cue,
                               "surface": att.surface}
            out.append(Claim(article.id, p.index, (s0, s1), text, p.lang or article.lang, score, attribution,
                             sorted(nums), places, orgs, people, keys, reasons))
    return out
