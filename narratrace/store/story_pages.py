"""Story lists in SQL: filtered, sorted, counted and faceted a page at a time (schema 10).

Listing stories by reading every member costs a second per 30,000 articles, so each story keeps a
summary row (``story_summaries``: size, languages, outlets, first and last seen, title) and a row per
language, outlet and month it has articles in (``story_facets``, with the number of its articles), and
each such value the number of stories that have it (``story_facet_counts``: the facets of an
unfiltered list without a scan). ``story_summaries.py`` keeps all three in the transactions that write or
move articles, so a list never disagrees with the stories it lists.

An unfiltered page is one ``SELECT ... ORDER BY ... LIMIT ? OFFSET ?`` on an index of the summaries (one
per sort) and its facets the kept per-value counts. A filtered one follows a ``StoryPlan``
(``story_plan.py``, schema 15): when many stories pass and the page is near the top, the page is read in
the sort's order, each story met tested; otherwise, and for the facets of its first ``FACET_STORIES``
(counted here from their ``facet_keys``: all of a story's values in one string), its stories are gathered
through the smallest subquery of its filters (or one scan of the narrow filter index) and sorted once,
which gives the total too when fewer pass; the total is otherwise a kept count (one language or outlet
value) or one ``count(*)``.
Filters: a language, an outlet (substring, any case), a date range that overlaps [first seen, last seen]
(a partial date compares on its own precision; undated stories are left out), text (a substring of the
story id, its title or an outlet, or exactly an article id) and an entity (an article mentions it).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .sql import _chunks
from .story_plan import SORTED_AFTER, SORTS, StoryPlan, StoryPlanner
from .story_summaries import KEY_SEP, LETTER_KIND, STORY_PAGES_VERSION, UNDATED, StorySummaries, fold, month_of

#: facet kinds as stored -> as shown (``Page.facets``)
FACETS = {"lang": "languages", "outlet": "outlets", "month": "months"}
#: facets of a filtered list are counted over at most this many of its stories (the first in the list's
#: order; ``Page.facets_of`` says how many, and the page says so), as the narrative list does: each is a
#: summary row read by id (its facet_keys, about 3 µs) after its place in the order was found, so 2,000
#: cost about 10 ms where 10,000 cost 50-100 ms at 1M. An unfiltered list, or a filter every story passes,
#: is counted exactly whatever its size (the per-value counts are kept)
FACET_STORIES = 2_000
#: a filter that (by the kept counts) more than one story in this many passes reads its page from the sort's
#: index, testing each story met (``StoryPlan.test``); fewer are gathered and sorted (``StoryPlan.gather``)
UNSELECTIVE = 20
MAX_LIMIT = 1000


@dataclass
class StoryFilters:
    """What a story list keeps; empty fields keep everything."""

    lang: str | None = None
    outlet: str | None = None
    since: str | None = None
    until: str | None = None
    q: str | None = None
    entity: str | None = None  # an entity id (store/entities.py): stories with an article mentioning it

    def active(self) -> bool:
        return any((v or "").strip() for v in asdict(self).values())


@dataclass
class StorySummary:
    """A story as lists show it: no member ids (``Narratrace.story`` has them); languages and outlets
    most articles first."""

    id: str
    title: str | None
    size: int
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Page:
    """One page of a list: ``total`` items pass the filters, ``items`` are those from ``offset`` on (at most
    ``limit``); ``facets``: kind -> [(value, items with it)] over the first ``facets_of`` of them (all
    ``total`` unless the list is longer than the store counts facets over, ``FACET_STORIES``)."""

    total: int
    items: list[Any]
    limit: int
    offset: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    facets_of: int | None = None

    def __post_init__(self) -> None:
        if self.facets_of is None:
            self.facets_of = self.total

    @property
    def page(self) -> int:
        """The 1-based number of this page."""
        return self.offset // max(self.limit, 1) + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(self.limit, 1)))

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "limit": self.limit, "offset": self.offset,
                "items": [i.to_dict() if hasattr(i, "to_dict") else i for i in self.items],
                "facets": {k: [{"value": v, "count": n} for v, n in vs] for k, vs in self.facets.items()},
                "facets_of": self.facets_of}


def count_facets(rows: Iterable[tuple[str | None, str | None, str | None]], size: int = 30
                 ) -> dict[str, list[tuple[str, int]]]:
    """Facets of items given as (language, outlet, published) each, for lists counted in Python (search
    results): the same shape and order as ``StoryPages``' facets."""
    counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
    for lang, outlet, published in rows:
        for kind, value in (("lang", lang), ("outlet", outlet), ("month", month_of(published))):
            if value:
                counts[kind][value] = counts[kind].get(value, 0) + 1
    return _ordered(counts, size)


def _reversed(order: str) -> str:
    """An ORDER BY the other way round (the story id ends every order, so it is a total order)."""
    terms = [t.strip() for t in order.split(",")]
    return ", ".join(t[: -len(" DESC")] if t.endswith(" DESC") else t + " DESC" for t in terms)


def _ordered(counts: dict[str, dict[str, int]], size: int) -> dict[str, list[tuple[str, int]]]:
    """Months in time order (undated last), the rest most stories first; at most ``size`` outlets."""
    out: dict[str, list[tuple[str, int]]] = {}
    for kind, shown in FACETS.items():
        got = counts.get(kind, {})
        if kind == "month":
            out[shown] = sorted(got.items(), key=lambda kv: (kv[0] == UNDATED, kv[0]))
        else:
            ranked = sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))
            out[shown] = ranked[:size] if kind == "outlet" else ranked
    return out


class StoryPages(StorySummaries, StoryPlanner):
    """Paged story lists over the story summaries (kept by ``StorySummaries``)."""

    # ------------------------------------------------------------------ reads
    def story_page(self, filters: StoryFilters | None = None, sort: str = "size", limit: int = 20,
                   offset: int = 0, facets: bool = True, facet_size: int = 30) -> Page:
        """Stories passing ``filters``, ordered by ``sort`` (size, spread or recent), ``limit`` of them from
        ``offset``; with the total and, when ``facets``, the languages, outlets and months of them all."""
        if sort not in SORTS:
            from ..errors import InputError

            raise InputError("stories", f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
        limit, offset = max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))
        filters = filters or StoryFilters()
        every = int(self._x("SELECT count(*) FROM story_summaries").fetchone()[0])
        if not filters.active():
            ids = self._sorted_ids("", [], SORTS[sort], limit, offset)
            return self._page(every, ids, limit, offset, self._kept_facets(facet_size) if facets else {})
        plan = self._story_plan(filters, every)
        if plan is None:  # a filter nothing can pass (a language or outlet no story has)
            return Page(0, [], limit, offset, _ordered({}, facet_size) if facets else {})
        if plan.exact == every:  # a language every story has: the unfiltered list
            ids = self._sorted_ids("", [], SORTS[sort], limit, offset)
            return self._page(every, ids, limit, offset, self._kept_facets(facet_size) if facets else {})
        # read in the sort's order when many pass and the page is near the top (reaching it tests about
        # (offset + limit) * every / estimate stories, gathering reads estimate), unless the sort follows the
        # dates (recent): a date filter's stories are bunched in it, not spread
        driven = (plan.estimate * UNSELECTIVE > every and (offset + limit) * every <= plan.estimate ** 2
                  and not (plan.dated and sort == "recent"))
        if not driven and offset + limit > FACET_STORIES:  # deep: counted, then read from its nearer end
            total = plan.exact if plan.exact is not None else self._count(plan, every)
            ids = self._deep_ids(plan, sort, total, limit, offset)
            if not facets or total == every:
                return self._page(total, ids, limit, offset, self._kept_facets(facet_size) if facets else {})
            first = self._sorted_ids(plan.gather.sql, plan.gather.args, SORTED_AFTER[sort], FACET_STORIES, 0)
            return self._page(total, ids, limit, offset, self._counted_facets(first, facet_size), len(first))
        ids = self._sorted_ids(plan.test.sql, plan.test.args, SORTS[sort], limit, offset) if driven else []
        need = max(0 if driven else offset + limit, FACET_STORIES if facets else 0)
        # the list's first stories looked up through its smallest subquery, or, when that yields more rows
        # than reading the sort's index up to them would test, read in order too
        tested = driven and plan.lookups is not None and plan.lookups * plan.estimate > (need + 1) * every
        where, order = (plan.test, SORTS[sort]) if tested else (plan.gather, SORTED_AFTER[sort])
        found = self._sorted_ids(where.sql, where.args, order, need + 1, 0) if need else []
        if not driven:
            ids = found[offset: offset + limit]
        if need and len(found) <= need:
            total = len(found)
        else:
            total = plan.exact if plan.exact is not None else self._count(plan, every)
        if not facets:
            return self._page(total, ids, limit, offset, {})
        if total == every:
            return self._page(total, ids, limit, offset, self._kept_facets(facet_size))
        facet_ids = found[:FACET_STORIES]
        return self._page(total, ids, limit, offset, self._counted_facets(facet_ids, facet_size), len(facet_ids))

    def _deep_ids(self, plan: StoryPlan, sort: str, total: int, limit: int, offset: int) -> list[str]:
        """A page past the list's first ``FACET_STORIES``, gathered and cut in SQL; past the middle read in
        the reverse order from the end, so the last page sorts as few as the first."""
        if offset >= total:
            return []
        if offset * 2 <= total:
            return self._sorted_ids(plan.gather.sql, plan.gather.args, SORTED_AFTER[sort], limit, offset)
        n = min(limit, total - offset)
        back = self._sorted_ids(plan.gather.sql, plan.gather.args, _reversed(SORTED_AFTER[sort]), n, total - offset - n)
        return back[::-1]

    def _sorted_ids(self, where: str, args: list[Any], order: str, limit: int, offset: int) -> list[str]:
        if not limit:
            return []
        return [r[0] for r in self._x(f"SELECT s.story_id FROM story_summaries s{where} ORDER BY {order} "
                                      "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()]

    def _count(self, plan: StoryPlan, every: int) -> int:
        """The stories passing: looked up through the smallest subquery, or every story tested when it
        yields more rows than there are stories."""
        where = plan.test if plan.lookups is not None and plan.lookups > every else plan.gather
        return int(self._x(f"SELECT count(*) FROM story_summaries s{where.sql}", where.args).fetchone()[0])

    def _page(self, total: int, ids: list[str], limit: int, offset: int, shown: dict[str, list[tuple[str, int]]],
              of: int | None = None) -> Page:
        found = {s.id: s for s in self.story_summaries(ids)}
        return Page(total, [found[i] for i in ids if i in found], limit, offset, shown, total if of is None else of)

    def story_summaries(self, story_ids: Iterable[str]) -> list[StorySummary]:
        """The summaries of these stories (unknown ids left out), in no particular order."""
        ids = list(dict.fromkeys(story_ids))
        out: dict[str, StorySummary] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for sid, size, first, last, title in self._x(
                    "SELECT story_id, size, first_seen, last_seen, title FROM story_summaries "
                    f"WHERE story_id IN ({marks})", chunk).fetchall():
                out[sid] = StorySummary(sid, title, int(size), first_seen=first, last_seen=last)
            rows = self._x("SELECT story_id, kind, value, articles FROM story_facets WHERE kind IN ('lang', 'outlet') "
                           f"AND story_id IN ({marks})", chunk).fetchall()
            for sid, kind, value, _n in sorted(rows, key=lambda r: (-r[3], r[2])):
                if sid in out:
                    (out[sid].languages if kind == "lang" else out[sid].outlets).append(value)
        return list(out.values())

    def _kept_facets(self, size: int) -> dict[str, list[tuple[str, int]]]:
        """Every story's facets, from the kept per-value counts."""
        counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
        for kind, value, n in self._x("SELECT kind, value, stories FROM story_facet_counts"):
            counts[kind][value] = int(n)
        return _ordered(counts, size)

    def _counted_facets(self, story_ids: list[str], size: int) -> dict[str, list[tuple[str, int]]]:
        """The facets of these stories, from their summaries' facet_keys."""
        found: Counter[str] = Counter()
        for chunk in _chunks(story_ids, 500):
            for (keys,) in self._x(f"SELECT facet_keys FROM story_summaries WHERE story_id IN "
                                   f"({','.join('?' * len(chunk))})", chunk).fetchall():
                if keys:
                    found.update(keys.split(KEY_SEP))
        counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
        for key, n in found.items():
            counts[LETTER_KIND[key[0]]][key[1:]] = n
        return _ordered(counts, size)


__all__ = ["FACETS", "SORTS", "STORY_PAGES_VERSION", "Page", "StoryFilters", "StoryPages", "StorySummary",
           "count_facets", "fold", "month_of"]
