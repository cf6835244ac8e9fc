"""Hybrid retrieval: what passage search and fact-check matching share.

* ``query_groups``: the lexical side of a query, one group of alternative terms per query word (the
  word and its forms without Arabic-script clitics, ``text.terms``), and for each entity it names (the
  text stage's gazetteer, ``trace.entity_finder``: names.toml, the source registry, countries, cities)
  its one-word spellings in the other scripts and languages: "Sputnik" also looks for «سبوتنيك» and
  «اسپوتنیک», «داعش» for "ISIS" and "Daesh". Words find words in their own language; names cross scripts.
* ``fuse``: weighted reciprocal rank fusion of ranked lists (Cormack et al., 2009): a document earns
  ``weight / (k + rank)`` from each list it is in. Ranks, not scores, are added, so a BM25 score and
  a cosine need no common scale.
* ``highlights``: where the query's terms occur in a passage, in its original offsets.
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

from ..text.entities import EntityFinder
from ..text.entity_keys import form_key
from ..text.normalise import normalise
from ..text.terms import _CJK_RUN, _word, key_terms
from .entity_finder import entity_finder, query_mentions, spelled_elsewhere

K = TypeVar("K", bound=Hashable)

#: the usual constant of reciprocal rank fusion: ranks beyond a few dozen weigh alike
RRF_K = 60.0


def fuse(rankings: Mapping[str, Sequence[K]], weights: Mapping[str, float], k: float = RRF_K) -> dict[K, float]:
    """Weighted reciprocal rank fusion: document -> sum over lists of ``weight / (k + rank)`` (rank from 1)."""
    out: dict[K, float] = {}
    for name, ranked in rankings.items():
        w = weights.get(name, 1.0)
        for rank, doc in enumerate(ranked, 1):
            out[doc] = out.get(doc, 0.0) + w / (k + rank)
    return out


@lru_cache(maxsize=8192)
def _name_terms(finder: EntityFinder, entity_id: str) -> tuple[str, ...]:
    """The terms of an entity's one-word spellings that the finder takes for it (a spelling of several words
    cannot stand for one query word; one another entity holds, or a common word, is not this entity's), of
    the curated Latin ones and those in other scripts (``spelled_elsewhere``: geonames' 58 transliterations
    of London include Indonesian words)."""
    terms: list[str] = []
    for form in finder.by_id[entity_id].forms:
        words = _word().findall(normalise(form))
        if len(words) != 1 or _CJK_RUN.search(words[0]) or len(form_key(form).split(" ")) != 1:
            continue
        if not spelled_elsewhere(finder, form):
            continue
        if any(e.id == entity_id for e in finder.resolve(form)):
            terms.append(words[0])
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=1)
def _surface_word() -> re.Pattern[str]:
    """A word as written: letters, digits and marks, with the joiners Persian writes inside words (ZWNJ)."""
    return re.compile(f"(?:{_word().pattern}|[\u200c\u200d])+")


def _words(text: str, lang: str | None) -> Iterator[tuple[int, int, list[str]]]:
    """(start, end, terms) of each written word of ``text``: its match key's terms, as the index holds them."""
    for m in _surface_word().finditer(text):
        terms = key_terms(normalise(m.group(0), lang))
        if terms:
            yield m.start(), m.end(), terms


def query_groups(text: str, lang: str | None = None, names: bool = True,
                 finder: EntityFinder | None = None) -> list[list[str]]:
    """One group of alternative terms per word of ``text`` (a CJK run gives one group per bigram); with
    ``names``, a word that is a known name also takes that name's one-word spellings in other scripts.
    ``finder``: the gazetteer of the project's ``[entities]`` settings (the defaults without)."""
    spelled: dict[int, list[str]] = {}  # start of a one-word name in text -> its spellings' terms
    if names:
        finder = finder or entity_finder()
        for m, ent in query_mentions(finder, text):
            spelled.setdefault(m.start, []).extend(_name_terms(finder, ent.id))
    groups: list[list[str]] = []
    for start, _end, terms in _words(text, lang):
        if _CJK_RUN.search(terms[0]):
            groups += [[t] for t in terms]
            continue
        groups.append(list(dict.fromkeys(terms + spelled.get(start, []))))
    return groups


def highlights(text: str, terms: Iterable[str], lang: str | None = None) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of each word whose terms include one of ``terms`` (for CJK: each bigram)."""
    wanted = set(terms)
    if not wanted:
        return []
    spans: list[tuple[int, int]] = []
    for start, end, found in _words(text, lang):
        if _CJK_RUN.search(text[start:end]):
            spans += [(start + i, start + i + 2) for i in range(end - start - 1) if text[start + i : start + i + 2]
                      in wanted or normalise(text[start + i : start + i + 2]) in wanted]
        elif wanted.intersection(found):
            spans.append((start, end))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def phrase_key(text: str) -> str:
    """A phrase as it must appear in a passage's match key: its words, single-spaced."""
    return " ".join(_word().findall(normalise(text)))


def has_phrase(passage_key: str, phrase: str) -> bool:
    """Whether the words of ``phrase`` (``phrase_key``) occur in this order, side by side, in the key."""
    return bool(phrase) and f" {phrase} " in " " + " ".join(_word().findall(passage_key)) + " "


__all__ = ["RRF_K", "fuse", "has_phrase", "highlights", "phrase_key", "query_groups"]
