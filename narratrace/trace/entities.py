"""Entity queries over the store: a name in any script or spelling -> the entity, its articles, who cites it.

    nt.entities.find("الحسكة")        # [al-Hasakah]: also "al-Hasakah", «الحسکه», "Hasakah"
    nt.entities.articles("al_hasakah", limit=20, offset=0)   # a page, with total and facets
    nt.entities.cited_by("Sputnik")   # the articles citing it, each with the cue and its sentence

A name is looked up by the text stage's spelling key (case, Arabic/Persian letter variants, marks and the
attached clitics or "al-" folded), then by the cross-script name key (``name_skeleton``: the consonant
skeleton of ``group.features.name_key`` per word, so "Bashar al-Assad" and «بشار الأسد» agree).
"""
from __future__ import annotations

import builtins
from typing import Any

from ..errors import NotFound
from ..group.features import name_key
from ..store import SQLStore
from ..store.entities import EntityPage, StoredEntity
from ..store.timeline import DatedCounts
from ..text.entities import CONNECTORS
from ..text.entity_keys import TOKEN, bare_key, first_word_variants, form_key, word_key
from ..text.gazetteer import KINDS

NOT_FOUND_HINT = "list entities with `narratrace entities`, or write the name as the articles do"


def name_skeleton(name: str) -> str:
    """The cross-script key of a name: the skeleton of each word (``group.features.name_key``), joined by
    spaces, connectors ("al", "bin") left out: "Musab al-Halabi" and «مصعب الحلبي» give "MSB HLB"."""
    parts = []
    for m in TOKEN.finditer(name):
        if word_key(m.group()) in CONNECTORS:
            continue
        key = name_key(m.group())
        if key:
            parts.append(key)
    return " ".join(parts)


def spelling_keys(name: str) -> list[str]:
    """The spelling keys a name is looked up by: as written, without its article or clitics."""
    key = form_key(name)
    words = key.split(" ")
    out = [key, bare_key(key) or ""]
    out += [" ".join([v, *words[1:]]) for v in (first_word_variants(words[0]) if words[0] else [])]
    return [k for k in dict.fromkeys(out) if k]


class EntityIndex:
    """Read-only entity queries (``Narratrace.entities``); every list is one page with its total."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    def find(self, name: str) -> builtins.list[StoredEntity]:
        """Entities ``name`` is a spelling of, most mentioned first (any script; none when unknown)."""
        found = self.store.entities_named(spelling_keys(name))
        if not found:
            skeleton = name_skeleton(name)
            found = self.store.entities_named([skeleton], column="skeleton") if len(skeleton) >= 3 else []
        return found

    def resolve(self, name_or_id: str) -> StoredEntity:
        """The entity of this id, else the most mentioned one of this name (``NotFound`` when none)."""
        hit = self.store.entities_by_ids([name_or_id]).get(name_or_id)
        if hit is not None:
            return hit
        found = self.find(name_or_id)
        if not found:
            raise NotFound(f"no entity is called {name_or_id!r}", hint=NOT_FOUND_HINT)
        return found[0]

    def get(self, name_or_id: str, facets: bool = True) -> dict[str, Any]:
        """An entity with every spelling (listed and seen, with scripts); ``facets``: with the counts of its
        articles and citing articles by language, outlet and month (one index range each, linear in them)."""
        ent = self.resolve(name_or_id)
        out = {**ent.to_dict(), "names": self.store.entity_names(ent.rowid)}
        if facets:
            out["facets"] = self.store.entity_articles(ent.rowid, limit=0).facets
            out["cited_facets"] = self.store.entity_articles(ent.rowid, limit=0, cited=True).facets
        return out

    def articles(self, name_or_id: str, limit: int = 50, offset: int = 0, lang: str | None = None,
                 outlet: str | None = None, month: str | None = None) -> EntityPage:
        """The articles mentioning the entity, newest first (undated last), with their spans."""
        ent = self.resolve(name_or_id)
        return self.store.entity_articles(ent.rowid, limit=limit, offset=offset, lang=lang, outlet=outlet,
                                          month=month)

    def cited_by(self, source: str, limit: int = 50, offset: int = 0, lang: str | None = None,
                 outlet: str | None = None, month: str | None = None) -> EntityPage:
        """The articles citing a source (name or id, any script), each with the cue and the sentence."""
        ent = self.resolve(source)
        return self.store.entity_articles(ent.rowid, limit=limit, offset=offset, cited=True, lang=lang,
                                          outlet=outlet, month=month)

    def list(self, kind: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """Entities mentioned in at least one article, most mentioned first: {total, kinds, items}."""
        if kind and kind not in KINDS:
            raise NotFound(f"no entity kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
        items, total, kinds = self.store.entity_list(kind=kind, limit=limit, offset=offset)
        return {"total": total, "limit": limit, "offset": offset, "kinds": kinds,
                "items": [e.to_dict() for e in items]}

    def timeline(self, name_or_id: str, cited: bool = False) -> DatedCounts:
        """The entity's articles (``cited``: those citing it) per publication date, undated ones counted."""
        return self.store.entity_dates(self.resolve(name_or_id).rowid, cited=cited)

    def of_article(self, article_id: str) -> builtins.list[dict[str, Any]]:
        """The entities an article mentions: {id, name, kind, mentions, cited}."""
        return [{**e.to_dict(), "mentions": n, "cited": c} for e, n, c in self.store.article_entities(article_id)]


__all__ = ["EntityIndex", "name_skeleton", "spelling_keys"]
