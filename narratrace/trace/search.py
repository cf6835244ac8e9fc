"""Passage search: words and meaning fused, results grouped per article (``Narratrace.search``).

Two channels rank the stored passages:

* **lexical**: BM25 over the index terms (store/lexical.py) of the query's words and of the names it
  contains spelled in other scripts (``hybrid.query_groups``);
* **dense**: the E5 query vector against the passage vectors (the ANN index), as two rankings of the
  same candidates. Each language's vectors share a direction (``group.narratives.centre_by_language``)
  that makes a same-language near-miss outscore another language's match: one ranking is by the
  language-centred cosine, where every language competes on topic alone, the other by the plain
  cosine, which keeps what centring costs some languages (on the seeds plus 150 SemEval articles the
  Persian seed falls from 12th to below 20th when centred, the Arabic one rises from 8th to 1st).

The three rankings are fused by reciprocal rank (``hybrid.fuse``), each weighing the same (the choice
that put the seeds first for the queries of tests/test_search.py and kept 5 other queries' articles in
their top 5; weighting words half or twice, or dropping either dense ranking, lost one or the other).

Passages are grouped per article: an article scores as its best three passages with weights 1, 1/2
and 1/4 (``ARTICLE_WEIGHTS``: an article that matches in several passages is more likely about the
query than one line that does; with the best passage alone the Persian seed fell to 5th, behind a
German near-miss, for the English query) and brings its ``PASSAGES_PER_ARTICLE`` best, each with the
spans where the query's terms occur. Scores are relative: 1 is an article first in every ranking
with three passages. Boilerplate is never returned: the lexical index holds no boilerplate passage,
the ANN index no unencoded one, and a short line its site is now known to repeat (learned after the
article was stored) is dropped at query time.

Modes: ``hybrid`` (both channels), ``semantic`` (dense only), ``keyword`` (every query word, or one
of its spellings, must occur in the passage; BM25 order) and ``phrase`` (the words side by side, in
order).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..group.narratives import centre_by_language
from ..model import Article
from ..settings import EntitiesSettings
from ..store import SQLStore
from ..store.lexical import TermQuery
from ..store.story_pages import Page, count_facets
from ..text.boilerplate import MAX_BOILERPLATE_CHARS, line_hash, site_of
from ..text.langid import LanguageIdentifier
from .attributions import SourceRegistry, default_sources
from .entity_finder import entity_finder
from .hybrid import RRF_K, fuse, has_phrase, highlights, phrase_key, query_groups

MODES = ("hybrid", "semantic", "keyword", "phrase")
#: candidates each channel contributes before fusion (more with a language or source filter: the
#: dense channel filters after its index search)
CANDIDATES = 200
FILTERED_CANDIDATES = 2000
#: passages shown per article, and the weights of its best ones in the article's score
PASSAGES_PER_ARTICLE = 3
ARTICLE_WEIGHTS = (1.0, 0.5, 0.25)
#: the weight of each ranking in the fusion
WEIGHTS = {"centred": 1.0, "cosine": 1.0, "lexical": 1.0}


@dataclass
class _Candidate:
    rowid: int
    dense: float | None = None   # raw cosine
    centred: float | None = None
    bm25: float | None = None


class PassageSearch:
    """Hybrid search over one store; ``encode_query`` makes the query vector when the caller has none."""

    def __init__(self, store: SQLStore, encode_query: Callable[[str], np.ndarray],
                 means: dict[str, np.ndarray] | None, sources: SourceRegistry | None = None,
                 langid: LanguageIdentifier | None = None, entities: EntitiesSettings | None = None) -> None:
        self.store = store
        self.encode_query = encode_query
        self.means = means
        self.sources = sources or default_sources()
        self.entities = entities  # ``[entities]``: the names a query word is spelled in other scripts by
        self._langid = langid

    def search(self, query: str, lang: str | None = None, limit: int = 20, mode: str = "hybrid",
               source: str | None = None, query_vector: Any = None) -> list[dict[str, Any]]:
        """The ``limit`` best articles for ``query``, best first, each with its best passages.

        ``lang``: only passages in that language; ``source``: only articles citing that source (a
        registry name or alias, any script: "Sputnik", «سبوتنيك»)."""
        return self.search_page(query, lang, limit, 0, mode, source, query_vector).items

    def search_page(self, query: str, lang: str | None = None, limit: int = 20, offset: int = 0,
                    mode: str = "hybrid", source: str | None = None, query_vector: Any = None) -> Page:
        """``search`` a page at a time: the ranked articles from ``offset`` on, how many the ranking holds
        (``total``: the channels' candidates bound it) and the facets (language, outlet, month) of them all."""
        empty = Page(0, [], limit, offset, count_facets([]))
        if mode not in MODES:
            raise InputError("search", f"unknown search mode {mode!r}", hint=f"use one of {', '.join(MODES)}")
        if not query.strip() or limit <= 0:
            return empty
        article_ids = self._citing(source) if source else None
        if article_ids is not None and not article_ids:
            return empty
        filtered = lang is not None or article_ids is not None
        k = FILTERED_CANDIDATES if filtered else CANDIDATES
        cands: dict[int, _Candidate] = {}
        rankings: dict[str, list[int]] = {}
        names = mode != "phrase"
        groups = query_groups(query, names=names, finder=entity_finder(self.entities) if names else None)
        terms = [t for g in groups for t in g]
        if mode != "semantic":
            hits = self.store.lexical_search("passages", TermQuery(groups, require_all=mode != "hybrid"), k,
                                             lang=lang, article_ids=article_ids)
            for rowid, score in hits:
                cands.setdefault(rowid, _Candidate(rowid)).bm25 = score
            rankings["lexical"] = [r for r, _ in hits]
        dense = mode in ("hybrid", "semantic") and bool(self.store.get_meta("dim")) and self.store.has_vectors()
        queries, neighbours = self._neighbours(query, query_vector, k) if dense else (None, [])
        # one read of what is shown of the candidates and, for the index's neighbours, their vectors
        info = self.store.search_passages([*cands, *neighbours], vectors=bool(neighbours))
        if mode in ("hybrid", "semantic"):
            rankings["centred"] = self._dense(queries, neighbours, info, k, cands) if queries is not None else []
            rankings["cosine"] = sorted(rankings["centred"], key=lambda r: (-(cands[r].dense or 0.0), r))
        info = {r: p for r, p in info.items() if r in cands}
        keep = self._keep(info, lang, article_ids, phrase_key(query) if mode == "phrase" else None)
        rankings = {name: [r for r in ranked if r in keep] for name, ranked in rankings.items()}
        fused = fuse(rankings, WEIGHTS)
        best = sum(WEIGHTS[name] for name in rankings) / (RRF_K + 1)
        return self._grouped(fused, best, cands, info, terms, limit, offset)

    # ------------------------------------------------------------------ channels
    def _neighbours(self, query: str, query_vector: Any, k: int) -> tuple[tuple[np.ndarray, np.ndarray], list[int]]:
        """((query vector, language-centred query vector), rowids): the index's neighbours of both (the
        second finds other languages' passages the first ranks too low)."""
        vec = np.asarray(self.encode_query(query) if query_vector is None else query_vector, np.float32)
        vec = vec.reshape(1, -1)
        centred_q = centre_by_language(vec, [self._detect(query)], self.means)
        index = self.store.index()
        found: dict[int, None] = {}
        for v in (vec, centred_q):
            _scores, ids = index.search(v, k)
            found.update((int(i), None) for i in ids[0] if i >= 0)
        return (vec, centred_q), list(found)

    def _dense(self, queries: tuple[np.ndarray, np.ndarray], neighbours: list[int], info: dict[int, dict[str, Any]],
               k: int, cands: dict[int, _Candidate]) -> list[int]:
        """The neighbours ranked by language-centred cosine (their vectors read with ``info``)."""
        vec, centred_q = queries
        rowids = [r for r in neighbours if r in info and info[r]["vector"] is not None]
        if not rowids:
            return []
        mat = np.stack([info[r]["vector"] for r in rowids])
        raw = mat @ vec[0]
        centred = centre_by_language(mat, [info[r]["lang"] for r in rowids], self.means) @ centred_q[0]
        for r, a, b in zip(rowids, raw, centred):
            c = cands.setdefault(r, _Candidate(r))
            c.dense, c.centred = float(a), float(b)
        order = np.argsort(-centred, kind="stable")
        return [rowids[i] for i in order[:k]]

    def _detect(self, text: str) -> str | None:
        if self._langid is None:
            self._langid = LanguageIdentifier()
        code, confidence = self._langid.detect(text)
        return code if confidence >= 0.5 else None

    def _citing(self, source: str) -> set[str]:
        src = self.sources.resolve(source) or self.sources.sources.get(source.strip().lower())
        if src is None:
            raise InputError("search", f"{source!r} is not a source of the registry",
                             hint="name a source of text/data/sources.toml (any of its spellings), e.g. Sputnik")
        return set(self.store.citing_articles(src.id))

    # ------------------------------------------------------------------ results
    def _keep(self, info: dict[int, dict[str, Any]], lang: str | None, article_ids: set[str] | None,
              phrase: str | None) -> set[int]:
        """Rowids that may be shown: text passages (never boilerplate) passing the filters."""
        learned = self._learned_site_lines(info)
        out = set()
        for rowid, p in info.items():
            if p["kind"] not in ("title", "body") or p["reason"] or rowid in learned:
                continue
            if lang is not None and lang not in (p["lang"], p["article_lang"]):
                continue
            if article_ids is not None and p["article_id"] not in article_ids:
                continue
            if phrase is not None and not has_phrase(p["key"], phrase):
                continue
            out.add(rowid)
        return out

    def _learned_site_lines(self, info: dict[int, dict[str, Any]]) -> set[int]:
        """Rowids of short lines their site has been found to repeat since they were stored."""
        pairs: dict[int, tuple[str, str]] = {}
        for rowid, p in info.items():
            if len(p["text"]) <= MAX_BOILERPLATE_CHARS and p["key"].strip():
                site = site_of(Article(id=p["article_id"], text="", outlet=p["outlet"], url=p["url"]))
                if site:
                    pairs[rowid] = (site, line_hash(p["key"]))
        if not pairs:
            return set()
        learned = self.store.learned_site_lines(pairs.values())
        return {r for r, pair in pairs.items() if pair in learned}

    def _grouped(self, fused: dict[int, float], best: float, cands: dict[int, _Candidate],
                 info: dict[int, dict[str, Any]], terms: list[str], limit: int, offset: int = 0) -> Page:
        by_article: dict[str, list[int]] = {}
        for rowid in sorted(fused, key=lambda r: (-fused[r], r)):
            by_article.setdefault(info[rowid]["article_id"], []).append(rowid)
        weight = sum(ARTICLE_WEIGHTS)
        score = {aid: sum(w * fused[r] for w, r in zip(ARTICLE_WEIGHTS, rowids)) / weight / best
                 for aid, rowids in by_article.items()}
        ranked = sorted(score, key=lambda a: (-score[a], a))
        heads = [info[by_article[aid][0]] for aid in ranked]
        facets = count_facets((h["article_lang"], h["outlet"], h["published"]) for h in heads)
        out = []
        for aid in ranked[offset: offset + limit]:
            rowids = by_article[aid]
            passages = []
            for rowid in rowids[:PASSAGES_PER_ARTICLE]:
                p, c = info[rowid], cands[rowid]
                passages.append({"passage": p["passage"], "kind": p["kind"], "lang": p["lang"], "text": p["text"],
                                 "score": round(fused[rowid] / best, 4),
                                 "highlights": [list(s) for s in highlights(p["text"], terms, p["lang"])],
                                 "cosine": None if c.dense is None else round(c.dense, 4),
                                 "bm25": None if c.bm25 is None else round(c.bm25, 3)})
            head, first = info[rowids[0]], passages[0]
            out.append({"article_id": aid, "title": head["title"], "outlet": head["outlet"],
                        "published": head["published"], "article_lang": head["article_lang"],
                        "story_id": head["story_id"], "score": round(score[aid], 4), "passage": first["passage"],
                        "lang": first["lang"], "text": first["text"], "highlights": first["highlights"],
                        "matched_passages": len(rowids), "passages": passages})
        return Page(len(ranked), out, limit, offset, facets)


__all__ = ["MODES", "PassageSearch"]
