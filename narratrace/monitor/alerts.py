"""Alerts on newly arrived articles: watched terms, sources, stories and narratives; new and breaking stories.

Every alert has a key (watch, kind, article or story); ``CollectState.fire_to`` remembers keys and
queues each alert for every output in one transaction, so an alert fires once, also across
restarts. Terms match cross-lingually: the term's vector against the stored passage vectors of the
new article, both centred on their language's mean vector (as story grouping does; raw E5 cosines
of related and unrelated texts overlap), plus a literal match on normalised text.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ..errors import ConfigError, NotFound
from ..group import language_means
from ..group.narratives import centre_by_language
from ..ingest.collect import CollectState
from ..model import Article
from ..trace.attributions import SourceRegistry, default_sources, find_phrase
from .config import Breaking, Watchlist

__all__ = ["AlertEngine", "resolve_sources"]


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def resolve_sources(names: list[str], registry: SourceRegistry) -> dict[str, str]:
    """Watched source name (any alias, any script, or a registry id) -> canonical id."""
    out = {}
    for name in names:
        src = registry.sources.get(name) or registry.resolve(name)
        if src is None:
            raise ConfigError(f"unknown source {name!r} in a watchlist",
                              hint="use a name or id from narratrace/text/data/sources.toml, or extend the registry")
        out[name] = src.id
    return out


def _brief(art: Article) -> dict[str, Any]:
    return {"id": art.id, "title": art.title, "url": art.url, "outlet": art.outlet, "lang": art.lang,
            "published": art.published}


class AlertEngine:
    """Judges each arrived article once and fires the alerts it deserves."""

    def __init__(self, nt: Any, state: CollectState, watchlists: list[Watchlist], breaking: Breaking | None = None,
                 new_story_articles: int = 0, sinks: list[str] | None = None,
                 registry: SourceRegistry | None = None) -> None:
        self.nt, self.state = nt, state
        self.watchlists = watchlists
        self.breaking = breaking or Breaking(enabled=False)
        self.new_story_articles = new_story_articles
        self.sinks = sinks or []
        self.registry = registry or default_sources()
        self._sources = {w.name: resolve_sources(w.sources, self.registry) for w in watchlists}
        self._queries: dict[tuple[str, str], np.ndarray] = {}
        self._means: Any = False  # loaded on first use

    # ------------------------------------------------------------------ main
    def evaluate(self, now: float | None = None) -> list[dict[str, Any]]:
        """Alerts for every arrived article not judged yet, then for stories that grew; returns the fired ones."""
        now = time.time() if now is None else now
        pending = self.state.pending()
        if not pending:
            return []
        fired: list[dict[str, Any]] = []
        arts = {a.id: a for a in self.nt.articles(pending)}
        members = self._narrative_members() if any(w.narratives for w in self.watchlists) else {}
        for aid in pending:
            art = arts.get(aid)
            if art is None:
                continue
            full = self.nt.article(aid)
            for w in self.watchlists:
                for alert in self._watch(w, full, members):
                    self._fire(alert, fired, now)
        stories = {a.story_id for a in arts.values() if a.story_id}
        for sid in sorted(stories):
            for alert in self._stories(sid, now):
                self._fire(alert, fired, now)
        self.state.judged(pending)
        return fired

    def _fire(self, alert: dict[str, Any], fired: list[dict[str, Any]], now: float) -> None:
        alert = {"type": alert.pop("type"), "key": alert.pop("key"), "at": _iso(now), **alert}
        if self.state.fire_to(alert["key"], alert, self.sinks):
            fired.append(alert)

    # --------------------------------------------------------------- watches
    def _watch(self, w: Watchlist, art: Article, members: dict[str, set[str]]) -> list[dict[str, Any]]:
        out = []
        base = {"watch": w.name, "article": _brief(art), "story_id": art.story_id}
        for name, sid in self._sources[w.name].items():
            hit = self._source_hit(art, sid, w.mode)
            if hit:
                out.append({"type": "source", "key": f"{w.name}:source:{sid}:{art.id}", **base,
                            "score": 1.0, "match": {"source": name, "source_id": sid, **hit}})
        for term in w.terms:
            hit = self._term_hit(w, term, art)
            if hit:
                out.append({"type": "term", "key": f"{w.name}:term:{term}:{art.id}", **base,
                            "score": hit.pop("score"), "match": {"term": term, **hit}})
        if art.story_id and art.story_id in w.stories:
            out.append({"type": "story", "key": f"{w.name}:story:{art.story_id}:{art.id}", **base, "score": 1.0,
                        "match": {"story_id": art.story_id}})
        for nid in w.narratives:
            if art.id in members.get(nid, ()):
                out.append({"type": "narrative", "key": f"{w.name}:narrative:{nid}:{art.id}", **base, "score": 1.0,
                            "match": {"narrative_id": nid}})
        return out

    def _source_hit(self, art: Article, sid: str, mode: str) -> dict[str, Any] | None:
        cited = [lk for lk in self.nt.links(article_id=art.id)
                 if lk.kind == "cites" and lk.source == art.id and isinstance(lk.target, dict)
                 and lk.target.get("id") == sid]
        if cited:
            ev = cited[0].evidence
            return {"cited": True, "surface": ev.get("surface"), "passage": ev.get("passage"), "cue": ev.get("cue")}
        if mode == "cites":
            return None
        for p in art.passages:
            if not p.matchable:
                continue
            for s, e, src in self.registry.mentions(p.text):
                if src.id == sid:
                    return {"cited": False, "surface": p.text[s:e], "passage": p.index}
        if art.outlet and (outlet := self.registry.resolve(art.outlet)) is not None and outlet.id == sid:
            return {"cited": False, "surface": art.outlet, "field": "outlet"}
        return None

    def _term_hit(self, w: Watchlist, term: str, art: Article) -> dict[str, Any] | None:
        if w.literal:
            for p in art.passages:
                if p.matchable and (found := find_phrase(term, p.text)):
                    _s, _e, surface = found[0]
                    return {"score": 1.0, "how": "literal", "surface": surface, "passage": p.index}
        stored = self.nt.store.passage_vectors(art.id)
        if not len(stored.vectors):
            return None
        q = self._query(term, w)
        vecs = centre_by_language(np.asarray(stored.vectors, dtype=np.float32),
                                  [stored.lang] * len(stored.vectors), self._language_means())
        vecs = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)
        sims = vecs @ q
        best = int(np.argmax(sims))
        if float(sims[best]) < w.threshold:
            return None
        return {"score": round(float(sims[best]), 4), "how": "semantic", "passage": int(stored.indices[best]),
                "text": stored.texts[best][:300]}

    def _language_means(self) -> Any:
        if self._means is False:
            space = self.nt.store.get_meta("encoder") or self.nt.encoder.vector_space
            self._means = language_means(space)
        return self._means

    def _query(self, term: str, w: Watchlist) -> np.ndarray:
        key = (term, w.encode_as)
        if key not in self._queries:
            from ..text.langid import LanguageIdentifier

            enc = self.nt.encoder
            v = (enc.encode_queries if w.encode_as == "query" else enc.encode_passages)([term])
            lang = w.lang or LanguageIdentifier().detect(term)[0] or "en"
            v = centre_by_language(np.asarray(v, dtype=np.float32), [lang], self._language_means())[0]
            self._queries[key] = v / (np.linalg.norm(v) + 1e-12)
        return self._queries[key]

    def _narrative_members(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for nid, aid, *_ in self.nt.store.narrative_members():
            out.setdefault(nid, set()).add(aid)
        return out

    # --------------------------------------------------------------- stories
    def _stories(self, sid: str, now: float) -> list[dict[str, Any]]:
        try:
            story = self.nt.story(sid)
        except NotFound:
            return []
        out = []
        info = {"story_id": sid, "story_title": story.title, "articles": len(story.article_ids),
                "languages": story.languages, "outlets": story.outlets}
        if self.new_story_articles and len(story.article_ids) >= self.new_story_articles:
            out.append({"type": "new_story", "key": f"new_story:{sid}", **info})
        b = self.breaking
        if b.enabled:
            times = event_times(self.state.arrival_times(story.article_ids),
                                {a.id: a.published for a in self.nt.articles(story.article_ids)})
            recent = [a for a, t in times.items() if now - b.window < t <= now]
            before = [a for a, t in times.items() if now - 2 * b.window < t <= now - b.window]
            if len(recent) >= b.min_articles and len(recent) >= b.growth * len(before):
                out.append({"type": "breaking", "key": f"breaking:{sid}:{int(now // b.window)}", **info,
                            "in_window": len(recent), "previous_window": len(before), "window_seconds": b.window,
                            "article_ids": sorted(recent)})
        return out


def latest_instant(published: str | None) -> float | None:
    """The last moment (epoch seconds, UTC when no offset is given) that a publication date of any
    precision allows: ``2019-10`` ends with October 2019, ``2019-10-14`` at its midnight, a full
    timestamp is itself; None for no date or one that cannot be read."""
    if not published:
        return None
    text = published.strip()
    try:
        if len(text) == 4:
            end = datetime(int(text) + 1, 1, 1, tzinfo=UTC)
        elif len(text) == 7:
            y, m = int(text[:4]), int(text[5:7])
            if not 1 <= m <= 12:
                return None
            end = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC)
        elif len(text) == 10:
            end = datetime.fromisoformat(text).replace(tzinfo=UTC) + timedelta(days=1)
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        return None
    return end.timestamp() - 1e-3


def event_times(arrivals: dict[str, float], published: dict[str, str | None]) -> dict[str, float]:
    """When each article happened for "breaking": its publication time, never later than its arrival.

    A first poll over old articles fetches them all at once; counting arrivals would make every old story
    "breaking". An article dated to the day (or month) counts at its arrival if that falls inside the date,
    else at the date's end; an undated one at its arrival."""
    out = {}
    for aid, arrived in arrivals.items():
        bound = latest_instant(published.get(aid))
        out[aid] = arrived if bound is None else min(arrived, bound)
    return out
