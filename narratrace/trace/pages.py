"""Paged lists for notebooks and the web app: stories, narratives and search results, each a ``Page``
(``total``, ``items``, ``facets``), filtered, sorted and cut in SQL where the store can do it.

    page = nt.pages.stories(lang="ar", since="2021-02", sort="recent", limit=20, offset=20)
    page.total, [s.id for s in page.items], page.facets["outlets"][:5]
    nt.pages.narratives(limit=10).items        # labelled narratives (trace.narrative_list.NarrativeSummary)
    nt.pages.narrative("N1a2b3c4d5e").article_ids  # one narrative with every member (group.narratives.Narrative)
    nt.pages.search("prison break", limit=10, offset=10).total

Stories: ``store.story_pages`` (one query per page, one count, one facet query over the stories that
pass). Narratives: counted, filtered by size and dates and ordered in SQL over kept summaries
(``store.narrative_pages``), only the page's narratives labelled, each item a summary read in a bounded
number of rows (``trace.narrative_list``), with the list's facets. Search: the hybrid
ranking (``trace.search``) is made once per query and cut to the page; its total is how many articles it
ranks (its candidates bound it), its facets those of all of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..embed import Encoder
from ..errors import NotFound
from ..group.narratives import Narrative, describe
from ..model import Story
from ..settings import Settings
from ..store import SQLStore
from ..store.story_pages import Page, StoryFilters
from .entities import EntityIndex
from .narrative_list import summarise
from .search import PassageSearch

__all__ = ["Page", "Pages", "StoryFilters"]


class Pages:
    """Paged queries over one project: ``Narratrace.pages``."""

    def __init__(self, store: SQLStore, encoder: Callable[[], Encoder], means: Callable[[], Any],
                 settings: Settings) -> None:
        self.store = store
        self._encoder = encoder  # the project's, loaded on first use (a second)
        self._means = means
        self.min_articles = settings.narratives.min_articles
        self.label_members = settings.narratives.label_members
        self.entities = settings.entities  # the names a query crosses scripts with
        self._passage_search: PassageSearch | None = None

    @property
    def passage_search(self) -> PassageSearch:
        """The hybrid search over this store (``trace.search``), made on first use."""
        if self._passage_search is None:
            self._passage_search = PassageSearch(self.store, lambda q: self._encoder().encode_queries([q]),
                                                 self._means(), entities=self.entities)
        return self._passage_search

    def stories(self, lang: str | None = None, outlet: str | None = None, since: str | None = None,
                until: str | None = None, q: str | None = None, sort: str = "size", limit: int = 20,
                offset: int = 0, facets: bool = True, entity: str | None = None) -> Page:
        """Stories (``StorySummary``) with an article in ``lang``, an outlet containing ``outlet``, dates
        overlapping ``since``..``until`` (partial ISO dates), ``q`` in the id, title or an outlet (or
        exactly an article id), an article mentioning ``entity`` (an id, or a name in any script: none
        pass when no entity has it); sorted by size, spread (languages, then outlets) or recent."""
        if entity and entity.strip():
            entity = self.entity_id(entity.strip())
        return self.store.story_page(StoryFilters(lang, outlet, since, until, q, entity), sort=sort, limit=limit,
                                     offset=offset, facets=facets)

    def story_records(self, page: Page) -> list[Story]:
        """The stories of a page of summaries with their members (ids, languages and outlets in storage
        order, as ``Narratrace.story`` gives them), read through the story index for just these."""
        return [self.store.story(s.id) for s in page.items]

    def each_story(self, sort: str = "size", batch: int = 500, **filters: Any) -> Iterator[Story]:
        """Every story passing ``filters`` (``stories``' keywords) with its members, in ``sort`` order, read
        ``batch`` stories at a time: listing a million articles holds one batch in memory."""
        offset = 0
        while True:
            page = self.stories(sort=sort, limit=batch, offset=offset, facets=False, **filters)
            yield from self.story_records(page)
            offset += batch
            if not page.items or offset >= page.total:
                return

    def entity_id(self, name_or_id: str) -> str:
        """The id of the entity this id or name (any script or spelling) is, itself when none is."""
        try:
            return str(EntityIndex(self.store).resolve(name_or_id).id)
        except NotFound:
            return name_or_id

    def narratives(self, lang: str | None = None, limit: int = 20, offset: int = 0,
                   min_articles: int | None = None, sort: str = "size", since: str | None = None,
                   until: str | None = None, facets: bool = True, outlet: str | None = None,
                   label_lang: str | None = None) -> Page:
        """Narratives (``NarrativeSummary``: no member ids, ``narrative`` has them) with at least
        ``min_articles`` articles, dates overlapping ``since``..``until`` (partial ISO dates), an article in
        ``lang`` and one from an outlet whose name contains ``outlet`` (case folded), most articles first
        (``sort="recent"``: latest article first), labelled in ``label_lang`` (default: ``lang``) where they
        have passages in it from at most ``[narratives] label_members`` of their best-scored members; counted,
        ordered and cut in SQL (store/narrative_pages.py); ``facets``: narratives per language, outlet, month."""
        if not self.store.get_meta("dim"):
            return Page(0, [], limit, offset)
        least = self.min_articles if min_articles is None else min_articles
        total, ids = self.store.narrative_page(least, limit, offset, sort=sort, since=since, until=until, lang=lang,
                                               outlet=outlet)
        items = summarise(self.store, self._means(), ids, self.label_members, lang=label_lang or lang) if ids else []
        found, of = (self.store.narrative_list_facets(least, sort=sort, since=since, until=until, total=total,
                                                      lang=lang, outlet=outlet) if facets else ({}, total))
        return Page(total, items, limit, offset, facets=found, facets_of=of)

    def narrative_records(self, narrative_ids: list[str], lang: str | None = None) -> list[Narrative]:
        """The narratives of these ids (a page's) with every member, in the order given, labelled in ``lang``
        as ``narrative`` labels them; read for just these (``narratrace narratives --json``)."""
        found = {n.id: n for n in describe(self.store, self._means(), lang=lang, min_articles=1,
                                           narrative_ids=narrative_ids, label_members=self.label_members)
                 } if narrative_ids and self.store.get_meta("dim") else {}
        return [found[i] for i in narrative_ids if i in found]

    def each_narrative(self, sort: str = "size", batch: int = 100, min_articles: int | None = None,
                       since: str | None = None, until: str | None = None, lang: str | None = None,
                       outlet: str | None = None, label_lang: str | None = None) -> Iterator[Narrative]:
        """Every narrative passing ``narratives``' filters with every member, in ``sort`` order, read ``batch``
        at a time: listing a large store holds one batch in memory."""
        if not self.store.get_meta("dim"):
            return
        least = self.min_articles if min_articles is None else min_articles
        offset = 0
        while True:
            total, ids = self.store.narrative_page(least, batch, offset, sort=sort, since=since, until=until,
                                                   lang=lang, outlet=outlet)
            yield from self.narrative_records(ids, lang=label_lang or lang)
            offset += batch
            if not ids or offset >= total:
                return

    def narrative(self, narrative_id: str, lang: str | None = None) -> Narrative:
        """One narrative with every member (its ids, stories, languages, outlets, growth), labelled from at
        most ``[narratives] label_members`` of its best-scored members; ``NotFound`` when it has no article."""
        found = describe(self.store, self._means(), lang=lang, min_articles=1, narrative_ids=[narrative_id],
                         label_members=self.label_members) if self.store.get_meta("dim") else []
        if not found:
            raise NotFound(f"no narrative {narrative_id!r} with articles",
                           hint="list narratives with `narratrace narratives` or /api/narratives")
        return found[0]

    def search(self, query: str, lang: str | None = None, limit: int = 20, offset: int = 0, mode: str = "hybrid",
               source: str | None = None, query_vector: Any = None) -> Page:
        """Search hits (``Narratrace.search``'s dicts) from ``offset`` on, with the ranking's total and
        facets; ``query_vector``: the query already encoded (the web app encodes outside its lock)."""
        return self.passage_search.search_page(query, lang=lang, limit=limit, offset=offset, mode=mode,
                                               source=source, query_vector=query_vector)
