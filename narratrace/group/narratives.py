"""Narratives: claims that keep coming back across stories, outlets and years.

A story is one event; a narrative is what several events are made to say ("US forces
protect, move or use ISIS fighters": Abu Kamal 2017, al-Tanf 2021, Hasakah 2022).

Method (DP-means, one article at a time, so ids are stable as articles arrive):

1. An article's *claim profile* is the mean of its claim-bearing passages (those holding
   a check-worthy sentence, ``trace.claims``), each passage vector centred by the mean
   vector of its language and re-normalised. Centring removes the "same language" part
   of E5 similarity, so an Indonesian and a Persian article about one claim score as
   high as two Indonesian ones.
2. If the article's story already belongs to a narrative, the article joins it: a story
   (one event) carries one narrative, so every article of story A is listed with it.
3. Otherwise the profile is compared with every narrative centroid (the normalised sum of
   its members' profiles); the article joins the nearest when the cosine reaches
   ``[narratives] join_threshold``, else it founds a new narrative named after it
   (``N`` + sha1 of the founding article id: stable across runs and machines).
4. The centroid is a running sum, so joining is O(narratives) and never re-clusters.

Why article profiles rather than clustering single passages, and why not community
detection on the passage ANN graph: see docs/narratives.md (measured on the seeds plus
SemEval news). A narrative shows its representative passages (nearest the centroid,
one per article, in the language asked for when there is one), key terms (places,
organisations and people found in its claims by most articles), stories, articles,
outlets, languages, first and last seen, and growth (articles per month).
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..model import Article
from ..store import StoredPassages


def narrative_id_for(article_id: str) -> str:
    """A narrative is named after the article that founded it."""
    return "N" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


def centre_by_language(vectors: np.ndarray, langs: Iterable[str | None], means: dict[str, np.ndarray] | None,
                       fallback: str | None = None) -> np.ndarray:
    """Each row minus its language's mean vector, re-normalised (unchanged when no means ship): E5 vectors of
    one language share a direction that would otherwise outweigh topic across languages."""
    if means is None or not len(vectors):
        return vectors
    out = np.array(vectors, dtype=np.float32, copy=True)
    for i, lang in enumerate(langs):
        mu = means.get(lang or fallback or "", means.get(fallback or "", means.get("_all")))
        if mu is not None:
            out[i] = out[i] - mu
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def profile(vectors: np.ndarray) -> np.ndarray | None:
    """The normalised mean of (centred) passage vectors, or None when there are none."""
    if not len(vectors):
        return None
    m = vectors.mean(0)
    n = float(np.linalg.norm(m))
    return m / n if n > 1e-9 else None


@dataclass
class Narrative:
    """A recurring claim: what the ``narratives`` command and API return."""

    id: str
    label: str
    terms: list[str]
    passages: list[dict[str, Any]]
    story_ids: list[str]
    article_ids: list[str]
    outlets: list[str]
    languages: list[str]
    first_seen: str | None
    last_seen: str | None
    growth: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        """The stable ``narratives --json`` record."""
        return {"id": self.id, "label": self.label, "story_ids": self.story_ids, "article_ids": self.article_ids,
                "languages": self.languages, "first_seen": self.first_seen, "last_seen": self.last_seen}


class NarrativeTracker:
    """Assigns narratives to newly stored articles; keep one per project and call ``sync()`` per batch.

    ``store`` is an ``SQLStore`` (SQLite or PostgreSQL); ``means`` the language means of the encoder's vector space.
    Centroids are loaded once and kept in memory: ``sync()`` reloads them only when the store's
    ``narratives`` revision shows that another process wrote some, so a batch costs the same at 10k
    and at 1M articles. Finding the nearest narrative is exact below ``exact_below`` narratives; above
    it candidates come from an HNSW index over centroid snapshots (a snapshot is re-added when its
    narrative has doubled or drifted, so it never goes stale) and are re-scored exactly.
    """

    def __init__(self, store: Any, means: dict[str, np.ndarray] | None, join_threshold: float,
                 exact_below: int = 2048, ann_candidates: int = 16) -> None:
        self.store = store
        self.means = means
        self.join_threshold = join_threshold
        self.exact_below = exact_below
        self.ann_candidates = ann_candidates
        self._rev: int | None = None
        self._dirty = False
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._sums = np.zeros((0, 0), np.float32)
        self._norms = np.zeros(0, np.float32)
        self._weights = np.zeros(0, np.float32)
        self._ann: Any = None
        self._snap = np.zeros((0, 0), np.float32)
        self._snap_weight = np.zeros(0, np.float32)

    # ------------------------------------------------------------ state
    def sync(self) -> None:
        """Reload the centroids when the store's narratives changed since they were loaded."""
        rev = self.store.revision("narratives")
        if rev != self._rev:
            self._load()
            self._rev = rev

    def reset(self) -> None:
        """Forget the centroids (a batch was rolled back: they may hold its articles); reloaded on next use."""
        self._rev = None
        self._dirty = False

    def end_batch(self) -> None:
        """Mark the store's narratives as changed (inside the batch's transaction)."""
        if self._dirty:
            self._rev = self.store.bump_revision("narratives")
            self._dirty = False

    def _load(self) -> None:
        ids, sums, weights = self.store.narrative_centroids()
        self._ids = list(ids)
        self._pos = {nid: k for k, nid in enumerate(self._ids)}
        self._sums = np.array(sums, np.float32).reshape(len(ids), -1) if len(ids) else np.zeros((0, 0), np.float32)
        self._weights = np.array(weights, np.float32)
        self._norms = np.maximum(np.linalg.norm(self._sums, axis=1), 1e-12).astype(np.float32)
        self._ann = None
        if len(ids) > self.exact_below:
            self._build_ann()

    def _build_ann(self) -> None:
        import faiss  # only for stores with many narratives

        n, dim = len(self._ids), self._sums.shape[1]
        hnsw = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 40
        hnsw.hnsw.efSearch = 64
        self._ann = faiss.IndexIDMap(hnsw)  # ids are narrative positions; a narrative may have several snapshots
        self._snap = self._sums[:n] / self._norms[:n, None]
        self._snap_weight = self._weights[:n].copy()
        self._ann.add_with_ids(np.ascontiguousarray(self._snap, np.float32), np.arange(n, dtype=np.int64))

    def _grow(self, nid: str, dim: int) -> int:
        k = len(self._ids)
        if self._sums.shape[0] <= k:  # amortised doubling: founding a narrative does not copy them all
            cap = max(16, 2 * k)
            sums = np.zeros((cap, dim), np.float32)
            if k:
                sums[:k] = self._sums[:k]
            self._sums = sums
            self._norms = np.resize(self._norms, cap)
            self._weights = np.resize(self._weights, cap)
        self._sums[k] = 0.0
        self._norms[k], self._weights[k] = 1e-12, 0.0
        self._ids.append(nid)
        self._pos[nid] = k
        return k

    def _snapshot(self, k: int) -> None:
        """Keep the ANN snapshot of narrative k close to its centroid."""
        if self._ann is None:
            if len(self._ids) > self.exact_below:
                self._build_ann()
            return
        cur = self._sums[k] / self._norms[k]
        if k >= len(self._snap):
            cap = max(len(self._snap) * 2, k + 1)
            snap = np.zeros((cap, cur.shape[0]), np.float32)
            snap[: len(self._snap)] = self._snap
            self._snap = snap
            self._snap_weight = np.resize(self._snap_weight, cap)
            self._snap_weight[k] = 0.0
        if self._snap_weight[k] == 0.0 or self._weights[k] >= 2 * self._snap_weight[k] or \
                float(cur @ self._snap[k]) < 0.97:
            self._snap[k], self._snap_weight[k] = cur, self._weights[k]
            self._ann.add_with_ids(np.ascontiguousarray(cur[None], np.float32), np.array([k], np.int64))

    def _nearest(self, v: np.ndarray) -> tuple[int, float]:
        n = len(self._ids)
        if self._ann is None:
            cos = (self._sums[:n] @ v) / self._norms[:n]
            best = int(cos.argmax())
            return best, float(cos[best])
        _, labels = self._ann.search(np.ascontiguousarray(v[None], np.float32), self.ann_candidates)
        cand = np.unique(labels[labels >= 0])
        cos = (self._sums[cand] @ v) / self._norms[cand]
        best = int(cos.argmax())
        return int(cand[best]), float(cos[best])

    # ---------------------------------------------------------- assign
    def article_profile(self, sp: StoredPassages, claim_passages: Iterable[int]) -> tuple[np.ndarray | None, list[int]]:
        """Centred mean of the article's claim-bearing passages (all encoded passages if none hold a claim).

        ``sp``: the article's encoded passages as the store keeps them (the caller has them: the
        batch that wrote them), so nothing is read back."""
        wanted = set(claim_passages)
        rows = [k for k, i in enumerate(sp.indices) if i in wanted] or list(range(len(sp.indices)))
        if not rows:
            return None, []
        vecs = centre_by_language(sp.vectors[rows], [sp.langs[k] for k in rows], self.means, sp.lang)
        return profile(vecs), [sp.indices[k] for k in rows]

    def assign(self, article: Article, claim_passages: Iterable[int], encoded: StoredPassages
               ) -> tuple[str | None, float | None]:
        """Store the narrative of a just-written article; returns (narrative id, cosine to its centroid)."""
        if self._rev is None:
            self.sync()
        v, used = self.article_profile(encoded, claim_passages)
        story_nid = self.store.story_narrative(article.story_id) if article.story_id else None
        if v is None:
            if story_nid:
                self.store.set_article_narrative(article.id, story_nid, None, [])
            return story_nid, None
        score: float | None = None
        nid = story_nid
        if self._ids:
            if nid is None:
                best, cos = self._nearest(v)
                if cos >= self.join_threshold:
                    nid, score = self._ids[best], round(cos, 4)
            elif nid in self._pos:
                k = self._pos[nid]
                score = round(float(self._sums[k] @ v) / float(self._norms[k]), 4)
        if nid is None or nid not in self._pos:
            nid = nid or narrative_id_for(article.id)
            k = self._grow(nid, len(v))
            founder = article.id
        else:
            k, founder = self._pos[nid], ""
        self._sums[k] += v
        self._weights[k] += 1.0
        self._norms[k] = max(float(np.linalg.norm(self._sums[k])), 1e-12)
        self._snapshot(k)
        self._dirty = True
        self.store.save_narrative(nid, founder or nid, self._sums[k], float(self._weights[k]))
        if article.story_id and story_nid is None:
            self.store.set_story_narrative(article.story_id, nid, score)
        self.store.set_article_narrative(article.id, nid, score, used)
        return nid, score


def _month(date: str | None) -> str | None:
    return date[:7] if date and len(date) >= 7 else (date[:4] if date else None)


def describe(store: Any, means: dict[str, np.ndarray] | None, lang: str | None = None, min_articles: int = 2,
             label_passages: int = 3, label_terms: int = 5, narrative_ids: Collection[str] | None = None,
             label_members: int | None = None) -> list[Narrative]:
    """Every narrative with at least ``min_articles`` articles, largest first, labelled; ``narrative_ids``:
    only these (a page of them: store/narrative_pages.py reads just their members and centroids);
    ``label_members``: the label (representative passages, key terms) is read from at most this many members
    of each narrative, the best scored when they were assigned (``store.narrative_label_members`` says which:
    the list items of trace/narrative_list.py are labelled from the same ones); their ids, languages, outlets
    and dates still count every member."""
    members: dict[str, list[tuple[str, str | None, list[int], float | None]]] = defaultdict(list)
    heads: dict[str, tuple[str | None, str | None, str | None]] = {}  # article id -> (lang, outlet, published)
    rows = (store.narrative_members() if narrative_ids is None
            else store.narrative_members_of(narrative_ids, heads=heads))
    for nid, aid, sid, score, ps in rows:
        members[nid].append((aid, sid, ps, score))
    ids, sums = (store.narrative_centroids()[:2] if narrative_ids is None
                 else store.narrative_centroids_of(narrative_ids))
    centroid = {nid: sums[k] / max(1e-12, float(np.linalg.norm(sums[k]))) for k, nid in enumerate(ids)}
    bounded = [nid for nid, mem in members.items() if label_members is not None and len(mem) > label_members
               and len(mem) >= min_articles]
    best = store.narrative_label_members(bounded, label_members) if bounded else {}
    out = []
    for nid, mem in members.items():
        if len(mem) < min_articles:
            continue
        # every list is sorted, never in storage order: the same members give the same narrative whatever
        # order they arrived in (docs/narratives.md, "Deterministic")
        # (lang, outlet, published) of every member, without their texts
        arts = {m[0]: heads[m[0]] for m in mem} if heads else store.article_heads([m[0] for m in mem])
        article_ids = sorted(arts, key=lambda i: (arts[i][2] is None, arts[i][2] or "", i))
        story_ids = sorted({m[1] for m in mem if m[1]})
        langs = sorted({h[0] for h in arts.values() if h[0]})
        outlets = sorted({h[1] for h in arts.values() if h[1]})
        dates = sorted(h[2] for h in arts.values() if h[2])
        growth = Counter(_month(h[2]) or "undated" for h in arts.values())
        labelled = [(aid, ps) for aid, _score, ps in best[nid]] if nid in best else [(m[0], m[2]) for m in mem]
        label, terms, reps = label_narrative(store, means, centroid.get(nid), labelled, lang, label_passages,
                                             label_terms)
        out.append(Narrative(nid, label, terms, reps, story_ids, article_ids, outlets, langs,
                             dates[0] if dates else None, dates[-1] if dates else None,
                             dict(sorted(growth.items()))))
    out.sort(key=lambda n: (-len(n.article_ids), n.first_seen or "", n.id))
    return out


def label_narrative(store: Any, means: dict[str, np.ndarray] | None, centroid: np.ndarray | None,
                    labelled: list[tuple[str, list[int]]], lang: str | None = None, label_passages: int = 3,
                    label_terms: int = 5) -> tuple[str, list[str], list[dict[str, Any]]]:
    """(label, key terms, representative passages) of a narrative from these members ((article id, its
    claim passages) each) and its normalised centroid: what ``describe`` and the list pages show."""
    # representative passages: nearest the centroid, one per article, asked-for language first
    cands = []
    stored = store.passage_vectors_many([aid for aid, _ps in labelled], clues=False)  # one read for all of them
    for aid, ps in labelled:
        sp = stored[aid]
        rows = [k for k, i in enumerate(sp.indices) if i in set(ps)] or list(range(len(sp.indices)))
        if not rows or centroid is None:
            continue
        vecs = centre_by_language(sp.vectors[rows], [sp.langs[k] for k in rows], means, sp.lang)
        sims = vecs @ centroid
        k = int(sims.argmax())
        cands.append({"article_id": aid, "passage": sp.indices[rows[k]], "lang": sp.langs[rows[k]] or sp.lang,
                      "text": sp.texts[rows[k]], "score": round(float(sims[k]), 4)})
    cands.sort(key=lambda c: (lang is not None and c["lang"] != lang, -c["score"], c["article_id"]))
    reps = cands[:label_passages]
    terms = key_terms(store, [aid for aid, _ps in labelled], label_terms, {aid: set(ps) for aid, ps in labelled if ps})
    head = _first_sentence(reps[0]["text"] if reps else "")
    return (" · ".join(terms) + ": " if terms else "") + head, terms, reps


def _first_sentence(text: str, limit: int = 160) -> str:
    from ..text.segment import split_sentences  # an earlier stage: group never reaches into trace

    spans = split_sentences(text) or [(0, len(text))]
    s0, s1 = spans[0]
    s = " ".join(text[s0:s1].split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def key_terms(store: Any, article_ids: list[str], limit: int = 5,
              passages: dict[str, set[int]] | None = None) -> list[str]:
    """Places, organisations and people named in the claims of the most articles; ties in name order, so
    the label does not depend on hash seeds (the names of one article are a set).

    ``passages``: article id -> the claim passages its narrative profile used; claims elsewhere in the
    article (a line the passage rule left out, such as learned site boilerplate) do not name the narrative.
    """
    per_article: dict[str, set[str]] = defaultdict(set)
    for c in store.claims(article_ids):
        used = passages.get(c["article_id"]) if passages else None
        if used is not None and c["passage"] not in used:
            continue
        f = c["features"]
        per_article[c["article_id"]].update(f.get("organisations", []) + f.get("places", []) + f.get("people", []))
    df = Counter(t for ts in per_article.values() for t in ts)
    need = 2 if len(per_article) > 1 else 1
    ranked = sorted(df.items(), key=lambda x: (-x[1], x[0]))
    return [t for t, n in ranked if n >= need][:limit]
