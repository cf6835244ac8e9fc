"""Fact-check matching: imported fact-checks against the stored claims (and any text a user asks about).

A claim's candidates come from two channels over the stored fact-checks, each scored on all of them:
the E5 cosine of the claim and the fact-check's match text (title and claim, ``store.lexical.
factcheck_text``), and BM25 of the claim's words (and the names in it, spelled in other scripts) in the
store's lexical index. ``trace.factchecks.fuse_channels`` puts both on one scale per claim and trusts
each as much as it singles a fact-check out; copies of one fact-check are shown once. The ranked
fact-checks are reported when their ``match_score`` reaches ``[factchecks] suggested``, and an
analyst's verdict (``review``) overrides the status and survives re-matching.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Encoder
from ..group.narratives import centre_by_language
from ..settings import EntitiesSettings, FactchecksSettings
from ..store import SQLStore
from ..store.lexical import TermQuery, factcheck_text
from ..text.langid import LanguageIdentifier
from ..trace.entity_finder import entity_finder
from ..trace.factcheck_readers import read_factchecks
from ..trace.factchecks import (
    FactCheck,
    channel_stats,
    clue_overlap,
    clues,
    duplicate_key,
    evidence_for,
    fuse_channels,
    iter_valid,
    match_score,
    status_of,
)
from ..trace.hybrid import query_groups

#: candidates each channel gives, and the depth its mean, spread and confidence are taken over
DEPTH = 100


class _Stored:
    """The stored fact-checks as matching reads them, kept until the store's ``factchecks`` revision moves."""

    def __init__(self, store: SQLStore, means: dict[str, np.ndarray] | None) -> None:
        self.revision = store.revision("factchecks")
        self.records, self.vectors = store.factchecks(with_vectors=True)
        self.langs = [r["lang"] for r in self.records]
        self.centred = centre_by_language(self.vectors, self.langs, means)
        self.index = {r["factcheck_id"]: j for j, r in enumerate(self.records)}
        rowids = store.factcheck_rowids()
        self.by_rowid = {rowids[r["factcheck_id"]]: j for j, r in enumerate(self.records)
                         if r["factcheck_id"] in rowids}
        self.rowid = {j: r for r, j in self.by_rowid.items()}
        first: dict[str, int] = {}
        #: position -> the first stored copy of the same fact-check (itself when it has none)
        self.canonical = [first.setdefault(duplicate_key(factcheck_text(r["claim"], r["title"])), j)
                          for j, r in enumerate(self.records)]
        #: position of a first stored copy -> the ids of the later copies
        self.copies: dict[int, list[str]] = {}
        for j, c in enumerate(self.canonical):
            if c != j:
                self.copies.setdefault(c, []).append(self.records[j]["factcheck_id"])
        self._clues: dict[int, dict[str, float]] = {}

    def clues(self, j: int, entities: EntitiesSettings | None = None) -> dict[str, float]:
        if j not in self._clues:
            self._clues[j] = clues(factcheck_text(self.records[j]["claim"], self.records[j]["title"]),
                                   entity_finder(entities))
        return self._clues[j]


class FactCheckMatcher:
    """Ranks stored fact-checks for claims on words and meaning (``rank``) and reports the ones that match
    (``match``). Fact-check vectors are kept in memory and read again only when the store's
    ``factchecks`` revision changed, not once per batch."""

    def __init__(self, store: SQLStore, encoder: Encoder, settings: FactchecksSettings,
                 means: dict[str, np.ndarray] | None, langid: LanguageIdentifier | None = None,
                 entities: EntitiesSettings | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        self.entities = entities  # ``[entities]``: the names a claim and a fact-check are compared on
        self.means = means
        self._langid = langid
        self._stored: _Stored | None = None

    def encode_claims(self, texts: list[str]) -> np.ndarray:
        """Claims and fact-checks are the same kind of text: both get the ``[factchecks] encode_as`` prefix
        (passage/passage beat query/passage on both dev sets, docs/retrieval.md). Texts are encoded as
        they are: removing links and tweet signatures lowered MAP@5 on CLEF 2020."""
        if self.settings.encode_as == "query":
            return self.encoder.encode_queries(texts)
        return self.encoder.encode_passages(texts)

    def detect_lang(self, text: str) -> str | None:
        if self._langid is None:
            self._langid = LanguageIdentifier()
        return self._langid.detect(text)[0]

    # ------------------------------------------------------------------ matching
    def match_new_claims(self, rematch_all: bool = False) -> None:
        """Encode claims not yet encoded and match them (or all claims) to the stored fact-checks."""
        if not self.store.has_factchecks():
            return
        todo = self.store.claims_without_vectors()
        if todo:
            vecs = self.encode_claims([t for _, t in todo])
            with self.store.transaction():
                self.store.set_claim_vectors([r for r, _ in todo], vecs)
        if not todo and not rematch_all:
            return
        rowids, vecs = self.store.claim_vectors(None if rematch_all else [r for r, _ in todo])
        claims = self.store.claims_by_rowid(rowids) if rowids else {}
        keep = [k for k, r in enumerate(rowids) if r in claims]
        rowids = [rowids[k] for k in keep]
        found = self.match([claims[r]["text"] for r in rowids], vecs[keep], [claims[r]["lang"] for r in rowids],
                           [claims[r]["article_id"] for r in rowids])
        rows = [(rid, m["factcheck_id"], m["score"], m["status"], m["evidence"])
                for rid, hits in zip(rowids, found) for m in hits]
        with self.store.transaction():
            self.store.replace_matches(rowids, rows)

    def rank(self, texts: list[str], vecs: np.ndarray, limit: int) -> list[list[tuple[int, float, dict[str, Any]]]]:
        """For each text: (stored fact-check position, fused score, the channels' scores and ranks) of its
        ``limit`` best, best first; copies of one fact-check give the first stored once."""
        st = self._fresh()
        if not st.records:
            return [[] for _ in texts]
        n = len(st.records)
        depth = min(DEPTH, n)
        out = []
        cosines = np.asarray(vecs, np.float32) @ st.vectors.T if len(vecs) else np.zeros((0, n), np.float32)
        for text, cos in zip(texts, cosines):
            top = np.argpartition(-cos, depth - 1)[:depth]
            dense = {int(j): float(cos[j]) for j in top}
            query = TermQuery(query_groups(text, finder=entity_finder(self.entities)))
            lexical = {st.by_rowid[r]: s for r, s in self.store.lexical_search("factchecks", query, depth)
                       if r in st.by_rowid}
            missing = [st.rowid[j] for j in dense if j not in lexical and j in st.rowid]
            if lexical and missing:  # the lexical scores of the dense candidates, as in the whole index
                lexical.update((st.by_rowid[r], s) for r, s in self.store.lexical_search(
                    "factchecks", query, len(missing), rowids=missing))
            fused = fuse_channels({"dense": ({**dense, **{j: float(cos[j]) for j in lexical}},
                                             channel_stats(np.array(list(dense.values())), depth)),
                                   "lexical": (lexical, channel_stats(np.array(list(lexical.values())), depth))},
                                  {"dense": self.settings.dense_weight, "lexical": 1.0})
            best: dict[int, tuple[float, int]] = {}
            for j, score in fused.items():
                c = st.canonical[j]
                if c not in best or score > best[c][0]:
                    best[c] = (score, j)
            ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
            d_rank = {j: k for k, j in enumerate(sorted(dense, key=lambda j: -dense[j]), 1)}
            l_rank = {j: k for k, j in enumerate(sorted(lexical, key=lambda j: -lexical[j]), 1)}
            out.append([(c, round(score, 4), {"fused": round(score, 4), "cosine": round(float(cos[j]), 4),
                                              "bm25": round(lexical.get(j, 0.0), 3), "dense_rank": d_rank.get(j),
                                              "lexical_rank": l_rank.get(j)})
                        for c, (score, j) in ranked])
        return out

    def match(self, texts: list[str], vecs: np.ndarray, langs: list[str | None],
              article_ids: list[str] | None = None) -> list[list[dict[str, Any]]]:
        """Stored fact-checks matching each text: ``{factcheck_id, score, status, evidence}`` in ranked order.

        ``score`` is the ``match_score``; status "confirmed" or "suggested" by the ``[factchecks]``
        thresholds, or the analyst's verdict on (article, fact-check) when ``article_ids`` are given:
        "rejected" matches are kept (and shown as such), "confirmed" ones are kept whatever their rank."""
        cfg = self.settings
        st = self._fresh()
        if not st.records:
            return [[] for _ in texts]
        reviews = self.store.match_reviews(set(article_ids)) if article_ids else {}
        centred = centre_by_language(np.asarray(vecs, np.float32), langs, self.means)
        ranked = self.rank(texts, vecs, cfg.max_matches)
        out = []
        for i, (text, hits) in enumerate(zip(texts, ranked)):
            aid = article_ids[i] if article_ids else None
            verdicts = {f: r for (a, f), r in reviews.items() if a == aid}
            wanted = [(j, parts) for j, _s, parts in hits]
            first = wanted[0][0] if wanted else None
            seen = {j for j, _ in wanted}
            wanted += [(st.index[f], {}) for f, r in verdicts.items()
                       if r["verdict"] == "confirmed" and f in st.index and st.index[f] not in seen]
            found = []
            claim_clues: dict[str, float] | None = None
            for j, parts in wanted:
                same = langs[i] is not None and langs[i] == st.langs[j]
                overlap, shared = 0.0, list[str]()
                if not same and cfg.clue_weight > 0:
                    claim_clues = clues(text, entity_finder(self.entities)) if claim_clues is None else claim_clues
                    overlap, shared = clue_overlap(claim_clues, st.clues(j, self.entities))
                score = match_score(float(centred[i] @ st.centred[j]), overlap, same, cfg.clue_weight,
                                    ranked_first=j == first, first_bonus=cfg.first_bonus)
                fid = st.records[j]["factcheck_id"]
                review = verdicts.get(fid)
                status = review["verdict"] if review else status_of(score, cfg.suggested, cfg.confirmed)
                if status is None:
                    continue
                ev = {**parts, "cosine": round(float(vecs[i] @ st.vectors[j]), 4), "clue_overlap": round(overlap, 3),
                      "shared_clues": shared, "copies": st.copies.get(j, [])}
                if review:
                    ev["review"] = review
                found.append({"factcheck_id": fid, "score": score, "status": status,
                              "evidence": evidence_for(text, FactCheck(**st.records[j]), ev)})
            out.append(found)
        return out

    def match_texts(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """Matches of texts in any language that are not stored (a user's question, a tweet)."""
        if not texts:
            return []
        if not self.store.has_factchecks():
            return [[] for _ in texts]
        return self.match(texts, self.encode_claims(texts), [self.detect_lang(t) for t in texts])

    # ------------------------------------------------------------------ import
    def import_file(self, path: str | Path) -> dict[str, Any]:
        """Read ClaimReview JSON-LD, an HTML page embedding it, Fact Check Tools JSON or CSV; store, then
        match every stored claim."""
        good, errors = iter_valid(read_factchecks(path))
        unique = list({fc.factcheck_id: fc for fc in good}.values())
        if unique:
            for fc in unique:
                fc.lang = fc.lang or self.detect_lang(fc.claim)
            vecs = self.encode_claims([factcheck_text(fc.claim, fc.title) for fc in unique])
            self.store.bind_encoder(self.encoder.vector_space, self.encoder.dim)
            with self.store.transaction():
                self.store.upsert_factchecks([fc.to_dict() for fc in unique], vecs)
            self.match_new_claims(rematch_all=True)
        return {"imported": len(unique), "errors": errors, "ids": [fc.factcheck_id for fc in unique]}

    def _fresh(self) -> _Stored:
        if self._stored is None or self._stored.revision != self.store.revision("factchecks"):
            self._stored = _Stored(self.store, self.means)
        return self._stored
