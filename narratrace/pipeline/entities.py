"""Entities: the mentions of each new article, stored with it; names that recur become entities.

The text stage finds the spans (``text.entities.EntityFinder``: the gazetteer's entities and candidate
names); this service, in the batch's transaction, adds the cited sources the trace stage attributed
(``item.attributions``: the cue and the sentence of each), keys candidate names across scripts
(``trace.entities.name_skeleton``) and stores everything with the article, so a re-ingest replaces and never
duplicates. A candidate's key becomes an entity once it is written in two scripts ("Bashar al-Assad",
«بشار اسد»), or, for a name of several words or a cited one, in ``[entities] discover_min_articles``
articles; its earlier mentions then count for it too. ``rebuild`` fills a store made before this layer.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any

from ..group.features import COMMON_NAMES
from ..model import EncodedArticle
from ..settings import EntitiesSettings
from ..store import SQLStore
from ..text.entities import EntityFinder, Mention
from ..text.entity_keys import form_key
from ..text.gazetteer import Entity, script_of
from ..trace.attributions import Attribution, attributions_from_link
from ..trace.entities import EntityIndex, name_skeleton
from ..trace.entity_finder import entity_finder  # one compiled gazetteer per process for claims, search, entities
from .failures import guarded
from .report import IngestReport, Progress

#: articles read and written per transaction by ``rebuild``
REBUILD_BATCH = 200
#: the shortest cross-script key a candidate name may have (consonants): "SD" (Assad) is too common a skeleton
MIN_SKELETON = 3


class EntityService:
    """Stores each article's entity mentions in the batch's transaction (``record``), after tracing.

    ``finder``: built from ``settings`` on first use when not given (compiling the gazetteer takes about
    a second, which an ingest that stores nothing should not pay)."""

    def __init__(self, store: SQLStore, settings: EntitiesSettings, finder: EntityFinder | None = None) -> None:
        self.store = store
        self.settings = settings
        self._finder = finder
        self._rowids: dict[str, int] = {}
        self._touched: set[int] = set()

    @property
    def finder(self) -> EntityFinder:
        if self._finder is None:
            self._finder = entity_finder(self.settings)
        return self._finder

    # ------------------------------------------------------------------ ingest
    def before_write(self, items: Sequence[EncodedArticle]) -> None:
        """Under the write lock, before the batch's writes: the entities of the stored versions that replaced
        articles drop (their mentions go with the old rows), so their counts are made again."""
        replaced = [it.id for it in items if it.replace]
        if replaced:
            self._touched |= self.store.article_entity_rowids(replaced)

    def record(self, items: Sequence[EncodedArticle], report: IngestReport) -> None:
        """Mentions of each written article; an article whose entities fail keeps the rest (reported)."""
        keys: set[str] = set()
        for it in items:
            guarded(self.store, report, it, "stored without its entities: finding them failed",
                    partial(self._record_one, it, keys))
        self._discover(keys)
        self.store.recount_entities(self._touched)
        self._touched.clear()

    def reset(self) -> None:
        """The batch was rolled back: the entity rows this service inserted are gone with it."""
        self._rowids.clear()
        self._touched.clear()

    def _record_one(self, item: EncodedArticle, keys: set[str]) -> None:
        arowid = self.store.article_rowid(item.id)
        if arowid is None:
            return
        item.mentions = self.finder.find(item.article)
        mentions = self.mentions(item.article, item.attributions, item.mentions)
        rows, seen = [], []
        for m in mentions:
            rowid, key = None, ""
            if m.entity_id is not None:
                rowid = self._rowid(self.finder.by_id[m.entity_id])
            else:
                key = candidate_key(m)
                if not key:
                    continue
                keys.add(key)
                rowid = self._discovered(key)
            rows.append((rowid, m.passage, m.start, m.end, m.surface, m.script, m.role, m.cue, m.context, key))
            if rowid is not None:
                seen.append((rowid, m.surface))
        self._touched |= self.store.write_mentions(arowid, rows)
        for rowid, surface in dict.fromkeys(seen):  # every spelling seen is one the entity is found by
            self.store.add_entity_names(rowid, [_name_row(surface)])

    def mentions(self, article: Any, attributions: Sequence[Attribution],
                 found_in_text: list[Mention] | None = None) -> list[Mention]:
        """The text stage's mentions of an article (``found_in_text`` when already found), with the trace
        stage's attributions as cited sources (one mention per span: an attribution's cue and sentence replace
        a plain mention of the same span)."""
        text_mentions = found_in_text if found_in_text is not None else self.finder.find(article)
        found = {(m.passage, m.start): m for m in text_mentions}
        for att in attributions:
            if att.source_id not in self.finder.by_id or att.mention_span == (0, 0):
                continue
            s, e = att.mention_span
            found[(att.passage, s)] = Mention(att.source_id, att.passage, s, e, att.surface, "cited", att.cue,
                                              att.claim, script_of(att.surface))
        return sorted(found.values(), key=lambda m: (m.passage, m.start))

    def _rowid(self, ent: Entity) -> int:
        rowid = self._rowids.get(ent.id)
        if rowid is None:
            rowid = self.store.upsert_entity(ent.id, ent.kind, ent.name, ent.origin, ent.meta,
                                             [_name_row(f) for f in ent.forms])
            self._rowids[ent.id] = rowid
        return rowid

    # ------------------------------------------------------------------ names found in the corpus
    def _discovered(self, key: str) -> int | None:
        """The rowid of the entity a candidate key became, when it did."""
        eid = discovered_id(key)
        if eid not in self._rowids:
            hit = self.store.entities_by_ids([eid]).get(eid)
            if hit is None:
                return None
            self._rowids[eid] = hit.rowid
        return self._rowids[eid]

    def _discover(self, keys: set[str]) -> None:
        """Candidate keys that now recur become entities, their waiting mentions theirs."""
        need = self.settings.discover_min_articles
        for key, (articles, scripts, strong) in sorted(self.store.candidate_stats(keys).items()):
            if not ((scripts >= 2 and articles >= 2) or (strong and articles >= need)):
                continue
            surfaces = self.store.candidate_surfaces(key)
            latin = [s for s, script, _, _ in surfaces if script == "latin"]
            name = latin[0] if latin else surfaces[0][0]
            cited = any(c for _, _, _, c in surfaces)
            rowid = self.store.upsert_entity(discovered_id(key), "source" if cited else "other", name, "discovered",
                                             {"name_key": key}, [_name_row(s) for s, _, _, _ in surfaces])
            self._rowids[discovered_id(key)] = rowid
            self.store.promote_candidates(key, rowid)
            self._touched.add(rowid)

    # ------------------------------------------------------------------ a store made before
    def rebuild(self, progress: Progress | None = None) -> dict[str, int]:
        """Every stored article's mentions found again (cited sources from its stored ``cites`` links), in
        transactions of ``REBUILD_BATCH`` articles; the entity tables are emptied first."""
        with self.store.transaction():
            self.store.clear_entities()
        self.reset()
        report = IngestReport()
        done, last = 0, 0
        total = self.store.count_articles()
        while page := self.store.article_ids_after(last, REBUILD_BATCH):
            last = page[-1][0]
            arts = self.store.articles([aid for _, aid in page], with_passages=True)
            with self.store.transaction():
                keys: set[str] = set()
                for art in arts:
                    atts = [a for lk in self.store.links(article_id=art.id, kind="cites")
                            for a in attributions_from_link(lk)]
                    item = EncodedArticle(article=art, attributions=atts)
                    guarded(self.store, report, item, "entities not rebuilt",
                            partial(self._record_one, item, keys))
                self._discover(keys)
                self.store.recount_entities(self._touched)
                self._touched.clear()
            done += len(arts)
            if progress:
                progress("articles", done, total)
        entities, mentions, candidates = self.store.count_entity_mentions()
        return {"articles": done, "entities": entities, "mentions": mentions, "candidates": candidates,
                "errors": len(report.errors)}


class Entities(EntityIndex):
    """``Narratrace.entities``: the entity queries of ``trace.entities.EntityIndex`` (find, get, articles,
    cited_by, list) and ``rebuild``, which fills the entity tables of a store made before them."""

    def __init__(self, store: SQLStore, settings: EntitiesSettings) -> None:
        super().__init__(store)
        self.settings = settings

    def rebuild(self, progress: Progress | None = None) -> dict[str, int]:
        """Find every stored article's entities again (``EntityService.rebuild``); returns the counts."""
        return EntityService(self.store, self.settings).rebuild(progress)


def discovered_id(key: str) -> str:
    """The id of the entity a recurring name key becomes: "name:bsr-sd"."""
    return "name:" + key.lower().replace(" ", "-")


def candidate_key(m: Mention) -> str:
    """The cross-script key a candidate name is counted under, or "" for one too short or too common."""
    key = _skeleton(m.surface)
    if len(key.replace(" ", "")) < MIN_SKELETON or (" " not in key and key in COMMON_NAMES):
        return ""
    return key


@lru_cache(maxsize=65536)
def _skeleton(surface: str) -> str:
    """``name_skeleton``, kept per surface: the same names recur from article to article."""
    return name_skeleton(surface)


@lru_cache(maxsize=65536)
def _name_row(form: str) -> tuple[str, str, str, str]:
    """A spelling's row of ``entity_names``, kept per process: a city of the gazetteer has dozens of them,
    and each new store (or service) writes them again when the city is first mentioned."""
    return form_key(form), form, _skeleton(form), script_of(form)
