"""Who an article says its claims come from: sources, cues and claim spans, across scripts.

Why a registry and cue lists rather than a model: no NER model for Arabic,
Persian or Indonesian installs without a download (STACK-NOTES), and the
sources that matter for provenance are few and recurrent (agencies, ministries,
named officials). Both lists are data files (``text/data/sources.toml``, shared with the
entity layer, and ``cues.toml``)
that users extend. Matching runs on a normalised copy of the text with an
offset map back to the original, so spans always point into ``Passage.text``.

A sentence is an attribution when it names a registered source and holds a
cue. Bylines ("RT :", "Damaskus, Purna Warta –") and the article's own outlet
are not citations and are skipped.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..model import Article
from ..text.gazetteer import registry_sources
from ..text.lang import language_cache, phrases
from ..text.normalise import DIGIT_FOLDS, DROPPED, LETTER_FOLDS
from ..text.segment import split_sentences as segment_sentences
from ..text.terms import CLITICS_PATTERN, strip_clitics

#: the text stage's letter and digit folds (one folding for all stages), plus curly quotes as straight
_FOLD = str.maketrans({**LETTER_FOLDS, **DIGIT_FOLDS, "’": "'", "‘": "'", "`": "'"})
_DROP = DROPPED
_ARABIC = re.compile(r"[\u0600-\u06ff]")


class _CharKeys(dict):
    """character (code point) -> its match key ("" when dropped), computed on first sight; for str.translate."""

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()  # characters whose key is not exactly one character

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        key = "" if ch in _DROP or unicodedata.category(ch) == "Mn" else \
            unicodedata.normalize("NFKC", ch).casefold().translate(_FOLD)
        if len(key) != 1:
            self.irregular.add(ch)
        if len(self) < 65536:
            self[code] = key
        return key


_CHAR_KEYS = _CharKeys()


def match_key_with_offsets(text: str) -> tuple[str, list[int]]:
    """The match key of ``text`` (NFKC, casefolded, Arabic-script letters and digits folded, marks and
    joiners dropped) plus, for each of its characters, the offset of the original character: matches
    found in the key are reported as spans of the original text. Not ``text.normalise.normalise``,
    which makes the text stage's passage keys and keeps no offsets."""
    key = text.translate(_CHAR_KEYS)
    if _CHAR_KEYS.irregular.isdisjoint(text):  # the common case: one key character per character
        return key, list(range(len(text)))
    irregular, prev = _CHAR_KEYS.irregular, 0
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in irregular:
            where.extend(range(prev, i))
            where.extend([i] * len(_CHAR_KEYS[ord(ch)]))
            prev = i + 1
    where.extend(range(prev, len(text)))
    return key, where


def _key(text: str) -> str:
    return " ".join(match_key_with_offsets(text)[0].split())


def _pattern(forms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many surface forms; longest first, flexible spaces, Arabic prefixes.

    The forms without a clitic prefix are one trie (``_trie``), the Arabic-script ones, each after its
    optional clitics, are tried in turn behind a guard on the letters they can start with: a regex
    alternation tries its branches one by one at every word, and a passage has hundreds of words for
    hundreds of cues. Both find what the plain alternation of the forms, longest first, finds."""
    keys = sorted({_key(f) for f in forms if f.strip()}, key=lambda k: (-len(k), k))
    plain = [k for k in keys if not _ARABIC.match(k)]
    arabic = [k for k in keys if _ARABIC.match(k)]
    parts = []
    if plain:
        trie: dict[str, Any] = {}
        for k in plain:
            node = trie
            for token in _tokens(k):
                node = node.setdefault(token, {})
            node[""] = {}
        parts.append(_trie(trie))
    if arabic:
        starts = set(_CLITIC_LETTERS) | {k[0] for k in arabic}
        alternation = "|".join(CLITICS_PATTERN + _body(k) for k in arabic)
        parts.append(f"(?=[{re.escape(''.join(sorted(starts)))}])(?:{alternation})")
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


#: the letters an Arabic-script clitic prefix can start with
_CLITIC_LETTERS = "".join(sorted({ch for ch in CLITICS_PATTERN if _ARABIC.match(ch)}))


def _body(key: str) -> str:
    return r"\s+".join(re.escape(w) for w in key.split())


def _tokens(key: str) -> list[str]:
    """A form's regex, one token each: a character, or the flexible space between two words."""
    out: list[str] = []
    for n, word in enumerate(key.split()):
        out += ([r"\s+"] if n else []) + [re.escape(ch) for ch in word]
    return out


def _trie(node: dict[str, Any]) -> str:
    """The alternation of a trie's forms: a branch per next token (characters and the space between words
    exclude each other, so their order does not matter) and a form ending here last, as the shortest."""
    branches = [token + _trie(child) for token, child in node.items() if token]
    if "" in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


@dataclass
class Source:
    """A canonical source from the registry."""

    id: str
    name: str
    kind: str = "other"
    aliases: list[str] = field(default_factory=list)


@dataclass
class SourceRegistry:
    """Sources and cues, compiled for matching (not ``narratrace.registry.Registry``, the plugin registry)."""

    sources: dict[str, Source]
    cues: dict[str, dict[str, list[str]]]
    _alias: dict[str, str] = field(default_factory=dict, repr=False)
    _source_re: re.Pattern[str] | None = field(default=None, repr=False)
    _cue_re: re.Pattern[str] | None = field(default=None, repr=False)
    _cue_kind: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for src in self.sources.values():
            for alias in [src.name, *src.aliases]:
                self._alias.setdefault(_key(alias), src.id)
        self._source_re = _pattern(self._alias)
        forms = []
        for lang_cues in self.cues.values():
            for kind, words in lang_cues.items():
                for w in words:
                    self._cue_kind.setdefault(_key(w), kind)
                    forms.append(w)
        self._cue_re = _pattern(forms)

    def resolve(self, surface: str) -> Source | None:
        """The canonical source for a surface form (any script), or None."""
        key = _key(surface)
        sid = self._alias.get(key)
        if sid is None and _ARABIC.match(key):
            sid = next((self._alias[bare] for bare in strip_clitics(key) if bare in self._alias), None)
        return self.sources.get(sid) if sid else None

    def mentions(self, text: str) -> list[tuple[int, int, Source]]:
        """(start, end, source) of every registered source named in ``text`` (original offsets)."""
        return [(s, e, src) for s, e, surf in self._find(self._source_re, text)
                if (src := self.resolve(surf)) is not None]

    def cues_in(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, kind) of every cue in ``text``."""
        out = []
        for s, e, surf in self._find(self._cue_re, text):
            key = _key(surf)
            kind = self._cue_kind.get(key)
            if kind is None:  # matched with an attached prefix
                kind = next((k for c, k in self._cue_kind.items() if key.endswith(c)), "speech")
            out.append((s, e, kind))
        return out

    @staticmethod
    def _find(rx: re.Pattern[str] | None, text: str) -> list[tuple[int, int, str]]:
        if rx is None:
            return []
        return list(_find_in(rx, text))


@lru_cache(maxsize=512)
def _find_in(rx: re.Pattern[str], text: str) -> tuple[tuple[int, int, str], ...]:
    """Matches of ``rx`` in the match key of ``text``, in original offsets. Cached: ingest scans each
    passage for sources and cues more than once (citations, then claims)."""
    norm, where = match_key_with_offsets(text)
    res = []
    for m in rx.finditer(norm):
        s, e = where[m.start()], where[m.end() - 1] + 1
        res.append((s, e, text[s:e]))
    return tuple(res)


def find_phrase(phrase: str, text: str) -> list[tuple[int, int, str]]:
    """(start, end, surface) of every place ``phrase`` is written in ``text``, matched as sources and
    cues are: on match keys (any script variant, any case), whole words, flexible spaces, an attached
    Arabic-script prefix allowed; offsets into ``text``. The watch's literal term match uses it."""
    rx = _phrase_pattern(phrase)
    return [] if rx is None else list(_find_in(rx, text))


@lru_cache(maxsize=1024)
def _phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    return _pattern([phrase])


def _read_toml(path: str | Path | None, name: str) -> dict[str, Any]:
    if path is None:
        return tomllib.loads(resources.files("narratrace.trace").joinpath(name).read_text("utf-8"))
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_registry(extra: str | Path | None = None, extra_cues: str | Path | None = None) -> SourceRegistry:
    """The built-in registry, extended by a user's sources file and cue file (same layout)."""
    data = registry_sources(extra)  # text/data/sources.toml: the entity layer reads the same file
    cues = _read_toml(None, "cues.toml").get("cues", {})
    if extra_cues:
        for lang, lists in _read_toml(extra_cues, "").get("cues", {}).items():
            for kind, words in lists.items():
                cues.setdefault(lang, {}).setdefault(kind, []).extend(words)
    sources = {sid: Source(sid, e.get("name", sid), e.get("kind", "other"), list(e.get("aliases", [])))
               for sid, e in data.items()}
    return SourceRegistry(sources, cues)


@lru_cache(maxsize=1)
def default_sources() -> SourceRegistry:
    """The built-in source registry, compiled once."""
    return load_registry()


@dataclass
class Attribution:
    """A claim attributed to a source inside one passage; spans are offsets into ``Passage.text``."""

    source_id: str
    source_name: str
    surface: str
    cue: str
    cue_kind: str
    passage: int
    claim_span: tuple[int, int]
    mention_span: tuple[int, int]
    claim: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": {"id": self.source_id, "name": self.source_name}, "surface": self.surface,
                "cue": self.cue, "cue_kind": self.cue_kind, "passage": self.passage,
                "claim_span": list(self.claim_span), "mention_span": list(self.mention_span),
                "claim": self.claim}


def attributions_from_link(link: Any) -> list[Attribution]:
    """The attributions a stored ``cites`` link carries (its evidence and the merged ``more``), so a stored
    article's citations are read back instead of found again. Links written before ``cue_kind`` and
    ``mention_span`` were stored give "" and (0, 0) for them."""
    target = link.target if isinstance(link.target, dict) else {"id": str(link.target), "name": str(link.target)}
    out = []
    for ev in [link.evidence] + list(link.evidence.get("more", [])):
        out.append(Attribution(target.get("id", ""), target.get("name", ""), ev.get("surface", ""),
                               ev.get("cue", ""), ev.get("cue_kind", ""), int(ev.get("passage", 0)),
                               tuple(ev.get("claim_span", (0, 0))), tuple(ev.get("mention_span", (0, 0))),
                               ev.get("claim", "")))
    return out


def split_sentences(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans when the text stage gave none: the text stage's own splitter (it also splits
    "Suriah.Dalam"), never an empty list."""
    return segment_sentences(text, lang) or [(0, len(text))]


@language_cache
def _source_label() -> re.Pattern[str]:
    """A "Source:" label ending a text: the "source line" labels of the language modules' ``meta_prefixes``."""
    labels = {p.rstrip(" :：").casefold() for p in phrases("meta_prefixes", "source line")}
    alternation = "|".join(re.escape(w) for w in sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})\s*[:：]?\s*[“\"«]?\s*$")


def _is_byline(text: str, start: int, end: int) -> bool:
    """A name at the head of a passage followed by a dash or colon: the outlet's own byline (unless a
    "Source:" label comes before it)."""
    return start <= 40 and bool(re.match(r"\s*[–—\-:|]", text[end:end + 3])) and not _source_label().search(
        text[:start].casefold())


#: how far (characters) a source may sit from its cue, by cue kind; see cues.toml
CUE_REACH = {"via_after": 40, "speech_before": 80, "speech_after": 25, "report": 80}


def _cue_fits(cue: tuple[int, int, str], ms: int, me: int) -> bool:
    """Position rules: "according to X"/"told X" put X after the cue; a speaker comes before
    the verb ("X said") or just after it ("kata X"); a reporting cue may sit either side."""
    cs, ce, kind = cue
    after = ms - ce   # >= 0 when the source follows the cue
    before = cs - me  # >= 0 when the source precedes the cue
    if kind in ("via", "told"):
        return 0 <= after <= CUE_REACH["via_after"]
    if kind == "speech":
        return 0 <= before <= CUE_REACH["speech_before"] or 0 <= after <= CUE_REACH["speech_after"]
    return 0 <= before <= CUE_REACH["report"] or 0 <= after <= CUE_REACH["report"]


def find_attributions(article: Article, registry: SourceRegistry | None = None,
                      own_outlet: str | None = None) -> list[Attribution]:
    """Attributions in the non-boilerplate passages of ``article``, in reading order."""
    reg = registry or default_sources()
    own = reg.resolve(own_outlet or article.outlet or "") if (own_outlet or article.outlet) else None
    out: list[Attribution] = []
    for p in article.passages:
        if p.kind == "boilerplate":
            continue
        spans = p.sentences or split_sentences(p.text)
        mentions = reg.mentions(p.text)
        if not mentions:
            continue
        cues = reg.cues_in(p.text)
        for s0, s1 in spans:
            here = [m for m in mentions if s0 <= m[0] < s1]
            sent_cues = [c for c in cues if s0 <= c[0] < s1]
            seen: set[str] = set()
            for ms, me, src in here:
                if (own and src.id == own.id) or _is_byline(p.text, ms, me) or src.id in seen:
                    continue
                fits = [c for c in sent_cues if _cue_fits(c, ms, me)]
                if not fits:
                    continue
                cs, ce, kind = min(fits, key=lambda c: min(abs(c[0] - me), abs(ms - c[1])))
                seen.add(src.id)
                out.append(Attribution(src.id, src.name, p.text[ms:me], p.text[cs:ce], kind, p.index,
                                       (s0, s1), (ms, me), p.text[s0:s1]))
    return out


def cited_sources(attributions: Iterable[Attribution]) -> dict[str, str]:
    """{source id: name} of the attributions, first-seen order."""
    return {a.source_id: a.source_name for a in attributions}
