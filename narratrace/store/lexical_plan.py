"""What a lexical search scores: the query (``TermQuery``) and, in an index of millions, a bound (``plan``).

BM25 over a disjunction scores every document holding any of the query's terms: at 3M passages a query
whose two informative words are each in 3-8% of them scores 350,000 documents (about a second in FTS5,
which scores each and sorts them all). From ``BOUNDED_FROM`` indexed documents on, a ranking query (the
hybrid channel; keyword and phrase search need every word and are scored whole) whose terms' documents
add up to more than ``SCORED_BUDGET`` is narrowed, rarest words first:

1. the rarest groups (a query word with its other forms and spellings) are kept while their documents add
   up to at most the budget, the others are left out: what the index does to terms in a fifth of the
   documents (``lexical.COMMON_SHARE``), extended to the terms that would cost the most and weigh the
   least (a word in 3% of 3M passages has an IDF of 3.5, a name in 300 of them 9.2);
2. when even the rarest group holds more than the budget, the rarest groups must occur together: the two
   rarest, then three, ..., until the documents holding all of them (counted, up to the budget) fit;
3. when none fits (requiring one more group leaves no document, or all of them together still hold
   more), the newest ``SCORED_BUDGET`` documents holding the last set are scored (news: recent first).

Each term occurs once in a planned query, so a document found scores its BM25 over the plan's terms. Smaller
indexes (the evaluation corpora, the seeds) are ranked exactly as before. On 100,000 passages of SemEval text
(``bench/search_scale.py``) the bounded channel's 200 best held 81% of the exact ones, and hybrid search's
20 best articles 99.8% of its exact ones; at 3M passages the channel took 23 ms CPU instead of 477 ms.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: indexes of this many documents or more are planned (``plan``); term counts are kept between searches
BOUNDED_FROM = 100_000
#: at most about this many documents are scored per planned search (FTS5: ~3 µs each)
SCORED_BUDGET = 10_000
_TERM = re.compile(r"[^\s\"']+")


@dataclass
class TermQuery:
    """A lexical query: groups of alternative terms (one group per query word: the word and its forms
    without clitics, or a name and its spellings in other scripts). ``require_all``: every group must
    match (keyword and phrase search); else any term may (the ranking channel of hybrid search)."""

    groups: list[list[str]]
    require_all: bool = False

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for g in self.groups for t in g if _TERM.fullmatch(t)))


@dataclass(frozen=True)
class Plan:
    """The query a search scores and, when set, how many of its documents (the newest) it scores."""

    query: TermQuery
    newest: int | None = None


def plan(query: TermQuery, documents: int, df: Mapping[str, int],
         count: Callable[[TermQuery, int], int]) -> Plan:
    """The bounded form of ``query`` in an index of ``documents`` whose terms are in ``df`` documents;
    ``count(q, cap)`` is how many documents match ``q``, counted up to ``cap``."""
    if query.require_all or documents < BOUNDED_FROM:
        return Plan(query)
    sizes = [sum(df.get(t, 0) for t in g) for g in query.groups]
    if sum(sizes) <= SCORED_BUDGET:
        return Plan(query)
    rarest = [query.groups[i] for i in sorted(range(len(sizes)), key=lambda i: (sizes[i], i))]
    kept: list[list[str]] = []
    total = 0
    for group, size in zip(rarest, sorted(sizes)):
        if total + size > SCORED_BUDGET:
            break
        kept.append(group)
        total += size
    if kept:
        return Plan(TermQuery(kept))
    together = TermQuery(rarest[:1])
    for r in range(2, len(rarest) + 1):
        wider = TermQuery(rarest[:r], require_all=True)
        found = count(wider, SCORED_BUDGET + 1)
        if found == 0:
            break
        together = wider
        if found <= SCORED_BUDGET:
            return Plan(together)
    return Plan(together, SCORED_BUDGET)


__all__ = ["BOUNDED_FROM", "SCORED_BUDGET", "Plan", "TermQuery", "plan"]
