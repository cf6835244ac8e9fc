"""Story lists in SQL: filtered, sorted, counted and faceted a page at a time (schema 10).

Listing stories by reading every member costs a second per 30,000 articles, so each story keeps a
summary row (``story_summaries``: size, languages, outlets, first and last seen, title) and a row per
language, outlet and month it has articles in (``story_facets``, with the number of its articles), and
each such value the number of stories that have it (``story_facet_counts``: the facets of an
unfiltered list without a scan). ``story_summaries.py`` keeps all three in the transactions that write or
move articles, so a list never disagrees with the stories it lists.

A page is one ``SELECT ... ORDER BY ... LIMIT ? OFFSET ?`` on an index of the summaries (one per sort),
one ``count(*)`` and, for the facets of a filtered list, one read of its stories' ``facet_keys`` (all of
a story's values in one string: one row a story, not a dozen), counted here, over its first
``FACET_STORIES``; a list every story is on is counted from the kept per-value counts.
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
from .story_summaries import KEY_SEP, LETTER_KIND, STORY_PAGES_VERSION, UNDATED, StorySummaries, fold, month_of

#: ORDER BY of each sort; each is an index of story_summaries (schema 10); the story id breaks ties
SORTS = {
    "size": "s.size DESC, s.n_languages DESC, s.story_id",
    "spread": "s.n_languages DESC, s.n_outlets DESC, s.size DESC, s.story_id",
    "recent": "s.recent DESC, s.size DESC, s.story_id",
}
#: facet kinds as stored -> as shown (``Page.facets``)
FACETS = {"lang": "languages", "outlet": "outlets", "month": "months"}
#: outlets a substring filter may name before it is matched by LIKE on every facet row instead
MAX_MATCHED_OUTLETS = 2000
#: facets of a filtered list are counted over at most this many of its stories (the first in the list's
#: order; ``Page.facets_of`` says how many): one summary row each (its facet_keys), about 5 µs a story, so
#: 10,000 stay near 50 ms. An unfiltered list, or a filter every story passes, is counted exactly whatever
#: its size (the per-value counts are kept)
FACET_STORIES = 10_000
#: a filter that more than one story in this many passes reads its page from the sort's index (``drive``)
UNSELECTIVE = 20
MAX_LIMIT = 1000


def _like(needle: str) -> str:
    """A LIKE pattern for a substring (``%``, ``_`` and ``\\`` escaped)."""
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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


class StoryPages(StorySummaries):
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
        where = self._story_where(filters)
        if where is None:  # a filter nothing can pass (an outlet no story has)
            return Page(0, [], limit, offset, _ordered({}, facet_size) if facets else {})
        cond, args = where
        total = int(self._x(f"SELECT count(*) FROM story_summaries s{cond}", args).fetchone()[0])
        every = int(self._x("SELECT count(*) FROM story_summaries").fetchone()[0])
        if total * UNSELECTIVE > every:  # most stories pass: read the sort's index in order, test each
            cond, args = self._story_where(filters, drive=False) or where
        ids = [r[0] for r in self._x(f"SELECT s.story_id FROM story_summaries s{cond} ORDER BY {SORTS[sort]} "
                                     "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()] if limit else []
        found = {s.id: s for s in self.story_summaries(ids)}
        items = [found[i] for i in ids if i in found]
        if not facets:
            return Page(total, items, limit, offset)
        if not total:
            return Page(total, items, limit, offset, _ordered({}, facet_size))
        shown, of = self._facets(cond, args, SORTS[sort], total, every, filters.active(), facet_size)
        return Page(total, items, limit, offset, shown, of)

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

    def _story_where(self, f: StoryFilters, drive: bool = True) -> tuple[str, list[Any]] | None:
        """(`` WHERE ...`` over story_summaries ``s``, its parameters), or None when no story can pass.

        ``drive=False``: the stories a filter's subquery finds are only tested, never looked up one by one
        (the story id is wrapped in an expression no index has): for a filter most stories pass, a page is
        then read in order from the sort's index until it is full, instead of sorting every story."""
        sid = "s.story_id" if drive else "(s.story_id || '')"
        conds: list[str] = []
        args: list[Any] = []
        if fold(f.lang):
            conds.append(f"{sid} IN (SELECT story_id FROM story_facets WHERE kind = 'lang' AND folded = ?)")
            args.append(fold(f.lang))
        if fold(f.outlet):
            sub = self._outlet_stories(fold(f.outlet))
            if sub is None:
                return None
            conds.append(f"{sid} IN ({sub[0]})")
            args += sub[1]
        if (f.since or "").strip():
            bound = f.since.strip()  # type: ignore[union-attr]
            conds.append("(CASE WHEN length(s.last_seen) >= ? THEN s.last_seen >= CAST(? AS TEXT) "
                         "ELSE s.last_seen >= substr(CAST(? AS TEXT), 1, length(s.last_seen)) END)")
            args += [len(bound), bound, bound]
        if (f.until or "").strip():
            bound = f.until.strip()  # type: ignore[union-attr]
            conds.append("(CASE WHEN length(s.first_seen) >= ? THEN substr(s.first_seen, 1, ?) <= CAST(? AS TEXT) "
                         "ELSE s.first_seen <= substr(CAST(? AS TEXT), 1, length(s.first_seen)) END)")
            args += [len(bound), len(bound), bound, bound]
        if (f.entity or "").strip():
            conds.append(f"{sid} IN (SELECT a.story_id FROM entity_articles ea JOIN entities e ON "
                         "e.rowid = ea.entity_rowid JOIN articles a ON a.rowid = ea.article_rowid WHERE e.id = ?)")
            args.append(f.entity.strip())  # type: ignore[union-attr]
        if fold(f.q):
            text = ["s.folded LIKE ? ESCAPE '\\'", f"{sid} IN (SELECT story_id FROM articles WHERE id = ?)"]
            text_args: list[Any] = [_like(fold(f.q)), (f.q or "").strip()]
            sub = self._outlet_stories(fold(f.q))
            if sub is not None:
                text.append(f"{sid} IN ({sub[0]})")
                text_args += sub[1]
            conds.append("(" + " OR ".join(text) + ")")
            args += text_args
        return (" WHERE " + " AND ".join(conds) if conds else ""), args

    def _outlet_stories(self, needle: str) -> tuple[str, list[Any]] | None:
        """A subquery of the stories with an outlet containing ``needle``, or None when no outlet does:
        the outlets are found among the distinct ones first, so the stories come through the facet index."""
        rows = self._x("SELECT DISTINCT folded FROM story_facet_counts WHERE kind = 'outlet' AND folded LIKE ? "
                       "ESCAPE '\\'", (_like(needle),)).fetchall()
        if not rows:
            return None
        if len(rows) > MAX_MATCHED_OUTLETS:
            return ("SELECT story_id FROM story_facets WHERE kind = 'outlet' AND folded LIKE ? ESCAPE '\\'",
                    [_like(needle)])
        return (f"SELECT story_id FROM story_facets WHERE kind = 'outlet' AND folded IN ({','.join('?' * len(rows))})",
                [r[0] for r in rows])

    def _facets(self, cond: str, args: list[Any], order: str, total: int, every: int, filtered: bool, size: int
                ) -> tuple[dict[str, list[tuple[str, int]]], int]:
        """(facets, how many stories they count): every story's from the kept counts, a filtered list's
        from the facet_keys of its stories (of its first ``FACET_STORIES`` in the list's order)."""
        counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
        everything = not filtered or total == every
        of = total if everything else min(total, FACET_STORIES)
        if everything:
            for kind, value, n in self._x("SELECT kind, value, stories FROM story_facet_counts"):
                counts[kind][value] = int(n)
            return _ordered(counts, size), of
        q = f"SELECT s.facet_keys FROM story_summaries s{cond}"
        rows = self._x(q, args) if of == total else self._x(q + f" ORDER BY {order} LIMIT ?", [*args, of])
        found: Counter[str] = Counter()
        for (keys,) in rows:
            if keys:
                found.update(keys.split(KEY_SEP))
        for key, n in found.items():
            counts[LETTER_KIND[key[0]]][key[1:]] = n
        return _ordered(counts, size), of


__all__ = ["FACETS", "SORTS", "STORY_PAGES_VERSION", "Page", "StoryFilters", "StoryPages", "StorySummary",
           "count_facets", "fold", "month_of"]
