"""Narratives, claims, fact-checks and their matches: the tables of schema 2 onwards (the analyst's
verdicts on matches: schema 7)."""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import NotFound
from .lexical import LexicalIndex, factcheck_text
from .narrative_summaries import NarrativeSummaries
from .sql import _chunks

#: what an analyst may say of a match
VERDICTS = ("confirmed", "rejected")


class ClaimTables(LexicalIndex, NarrativeSummaries):
    """Narrative centroids and membership, claims with their vectors, fact-checks, matches, revisions."""

    def _vec(self, blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype=self.vector_dtype).astype(np.float32)

    def narrative_centroids(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(ids, summed member vectors (n, dim) float32, member weights) of every narrative."""
        rows = self._x("SELECT id, centroid, weight FROM narratives ORDER BY rowid").fetchall()
        dim = int(self.get_meta("dim") or 0)
        if not rows:
            return [], np.zeros((0, dim), np.float32), np.zeros(0, np.float32)
        return ([r[0] for r in rows], np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]),
                np.array([r[2] for r in rows], np.float32))

    def save_narrative(self, narrative_id: str, founded_by: str, centroid_sum: np.ndarray, weight: float) -> None:
        """Insert or update a narrative's running centroid (a float32 sum of member vectors)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x(
            "INSERT INTO narratives(id, founded_by, centroid, weight, created_at, updated_at) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET centroid=excluded.centroid, weight=excluded.weight, "
            "updated_at=excluded.updated_at",
            (narrative_id, founded_by, np.asarray(centroid_sum, np.float32).tobytes(), float(weight), now, now))

    def story_narrative(self, story_id: str) -> str | None:
        row = self._x("SELECT narrative_id FROM narrative_stories WHERE story_id=?", (story_id,)).fetchone()
        return row[0] if row else None

    def set_story_narrative(self, story_id: str, narrative_id: str, score: float | None) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        moving = self._narrative_story_moving(story_id, narrative_id)  # the narrative lists (narrative_summaries.py)
        self._x("INSERT INTO narrative_stories(story_id, narrative_id, score, added_at) VALUES(?,?,?,?) "
                        "ON CONFLICT(story_id) DO UPDATE SET narrative_id=excluded.narrative_id",
                        (story_id, narrative_id, score, now))
        self._narrative_story_moved(moving)

    def set_article_narrative(self, article_id: str, narrative_id: str, score: float | None,
                              passages: list[int]) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        before = self._narrative_memberships(article_id)  # the narrative lists (narrative_summaries.py)
        self._x(
            "INSERT INTO narrative_articles(article_id, narrative_id, score, passages, added_at) VALUES(?,?,?,?,?) "
            "ON CONFLICT(article_id) DO UPDATE SET narrative_id=excluded.narrative_id, score=excluded.score, "
            "passages=excluded.passages", (article_id, narrative_id, score, json.dumps(passages), now))
        self._narrative_article_changed(article_id, before)

    def narrative_members(self) -> list[tuple[str, str, str | None, float | None, list[int]]]:
        """(narrative id, article id, story id, score, claim passage indices), narratives in creation order.

        An article belongs to the narrative it was assigned, and to the narrative of its story."""
        rows = self._x(
            "SELECT n.id, a.id, a.story_id, na.score, coalesce(na.passages, '[]') FROM narratives n "
            "JOIN narrative_stories ns ON ns.narrative_id = n.id "
            "JOIN articles a ON a.story_id = ns.story_id "
            "LEFT JOIN narrative_articles na ON na.article_id = a.id AND na.narrative_id = n.id "  # its score here
            "UNION SELECT n.id, a.id, a.story_id, na.score, na.passages FROM narratives n "
            "JOIN narrative_articles na ON na.narrative_id = n.id JOIN articles a ON a.id = na.article_id "
            "ORDER BY 1").fetchall()
        order = {r[0]: i for i, r in enumerate(self._x("SELECT id FROM narratives ORDER BY rowid"))}
        arts = {r[0]: i for i, r in enumerate(self._x("SELECT id FROM articles ORDER BY rowid"))}
        seen: set[tuple[str, str]] = set()
        out = []
        for nid, aid, sid, score, ps in sorted(rows, key=lambda r: (order.get(r[0], 0), arts.get(r[1], 0))):
            if (nid, aid) not in seen:
                seen.add((nid, aid))
                out.append((nid, aid, sid, score, json.loads(ps or "[]")))
        return out

    def write_claims(self, article_id: str, claims: list[dict[str, Any]]) -> None:
        """Replace the claims of one article (dicts with passage, start, end, text, lang, score, features)."""
        self._x("DELETE FROM claims WHERE article_id=?", (article_id,))
        self._xmany(
            'INSERT INTO claims(article_id, passage, start, "end", text, lang, score, features) '
            "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(article_id, c["passage"], c["start"], c["end"], c["text"], c.get("lang"), float(c["score"]),
              json.dumps(c.get("features", {}), ensure_ascii=False)) for c in claims])

    def claims(self, article_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        q = ('SELECT c.rowid, c.article_id, c.passage, c.start, c."end", c.text, c.lang, c.score, c.features '
             "FROM claims c JOIN articles a ON a.id = c.article_id")
        rows: list[tuple[Any, ...]] = []
        if article_ids is None:
            rows = self._x(q + " ORDER BY a.rowid, c.passage, c.start").fetchall()
        else:
            for chunk in _chunks(list(article_ids), 500):
                rows += self._x(q + f" WHERE c.article_id IN ({','.join('?' * len(chunk))}) "
                                        "ORDER BY a.rowid, c.passage, c.start", chunk).fetchall()
        return [{"rowid": r[0], "article_id": r[1], "passage": r[2], "start": r[3], "end": r[4], "text": r[5],
                 "lang": r[6], "score": r[7], "features": json.loads(r[8])} for r in rows]

    def claims_without_vectors(self) -> list[tuple[int, str]]:
        """Claims not yet encoded (read through a partial index: the cost follows the new claims only)."""
        return self._x("SELECT rowid, text FROM claims WHERE vector IS NULL ORDER BY rowid").fetchall()

    def claims_by_rowid(self, rowids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """claim rowid -> {text, lang, article_id}: what matching needs, without reading every stored claim."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([int(r) for r in rowids], 500):
            q = f"SELECT rowid, text, lang, article_id FROM claims WHERE rowid IN ({','.join('?' * len(chunk))})"
            out.update({r[0]: {"rowid": r[0], "text": r[1], "lang": r[2], "article_id": r[3]}
                        for r in self._x(q, chunk)})
        return out

    def set_claim_vectors(self, rowids: list[int], vectors: np.ndarray) -> None:
        self._xmany("UPDATE claims SET vector=? WHERE rowid=?",
                            [(np.asarray(v, self.vector_dtype).tobytes(), int(r)) for r, v in zip(rowids, vectors)])

    def claim_vectors(self, rowids: Iterable[int] | None = None) -> tuple[list[int], np.ndarray]:
        q = "SELECT rowid, vector FROM claims WHERE vector IS NOT NULL"
        rows: list[tuple[Any, ...]] = []
        if rowids is None:
            rows = self._x(q + " ORDER BY rowid").fetchall()
        else:
            for chunk in _chunks([int(r) for r in rowids], 500):
                rows += self._x(q + f" AND rowid IN ({','.join('?' * len(chunk))}) ORDER BY rowid",
                                        chunk).fetchall()
        dim = int(self.get_meta("dim") or 0)
        vecs = np.stack([self._vec(r[1]) for r in rows]) if rows else np.zeros((0, dim), np.float32)
        return [r[0] for r in rows], vecs

    def upsert_factchecks(self, records: list[dict[str, Any]], vectors: np.ndarray) -> None:
        """Insert or update fact-checks by id (dicts with the ``FactCheck`` fields)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._xmany(
            "INSERT INTO factchecks(id, claim, rating, url, lang, date, publisher, claimant, title, origin, format, "
            "vector, added_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET claim=excluded.claim, "
            "rating=excluded.rating, url=excluded.url, lang=excluded.lang, date=excluded.date, "
            "publisher=excluded.publisher, claimant=excluded.claimant, title=excluded.title, "
            "origin=excluded.origin, format=excluded.format, vector=excluded.vector",
            [(r["factcheck_id"], r["claim"], r.get("rating"), r.get("url"), r.get("lang"), r.get("date"),
              r.get("publisher"), r.get("claimant"), r.get("title"), r.get("origin", ""), r.get("format", ""),
              np.asarray(v, self.vector_dtype).tobytes(), now) for r, v in zip(records, vectors)])
        self.write_factcheck_terms([r["factcheck_id"] for r in records],
                                   [factcheck_text(r["claim"], r.get("title")) for r in records])
        self.bump_revision("factchecks")

    def factchecks(self, with_vectors: bool = False) -> tuple[list[dict[str, Any]], np.ndarray]:
        rows = self._x("SELECT id, claim, rating, url, lang, date, publisher, claimant, title, origin, "
                               "format, vector FROM factchecks ORDER BY rowid").fetchall()
        keys = ("factcheck_id", "claim", "rating", "url", "lang", "date", "publisher", "claimant", "title",
                "origin", "format")
        recs = [dict(zip(keys, r[:-1])) for r in rows]
        dim = int(self.get_meta("dim") or 0)
        vecs = (np.stack([self._vec(r[-1]) for r in rows]) if rows and with_vectors
                else np.zeros((0, dim), np.float32))
        return recs, vecs

    def factcheck_rowids(self) -> dict[str, int]:
        """fact-check id -> rowid (the lexical index's key)."""
        return {i: int(r) for i, r in self._x("SELECT id, rowid FROM factchecks").fetchall()}

    def count_factchecks(self) -> int:
        return int(self._x("SELECT count(*) FROM factchecks").fetchone()[0])

    def has_factchecks(self) -> bool:
        """Whether any fact-check is stored: stops at the first (``count_factchecks`` counts them all)."""
        return self._x("SELECT 1 FROM factchecks LIMIT 1").fetchone() is not None

    def revision(self, name: str) -> int:
        """A counter bumped by every write of ``name`` (narratives, factchecks), by any process.

        Caches of those tables (the narrative centroids, the fact-check vectors) compare it with the
        revision they loaded: equal means nothing changed, so they skip a reload that grows with the store."""
        return int(self.get_meta(f"rev_{name}") or 0)

    def bump_revision(self, name: str) -> int:
        """Call inside ``transaction()`` after writing ``name``; returns the new revision."""
        rev = self.revision(name) + 1
        self._set_meta(f"rev_{name}", str(rev))
        return rev

    def replace_matches(self, claim_rowids: list[int], rows: list[tuple[int, str, float, str, dict[str, Any]]]) -> None:
        """Replace the matches of these claims with (claim rowid, factcheck id, score, status, evidence) rows."""
        for chunk in _chunks([int(r) for r in claim_rowids], 500):
            self._x(f"DELETE FROM claim_matches WHERE claim_rowid IN ({','.join('?' * len(chunk))})", chunk)
        self._xmany("INSERT INTO claim_matches(claim_rowid, factcheck_id, score, status, evidence) "
                    "VALUES(?,?,?,?,?) ON CONFLICT(claim_rowid, factcheck_id) DO UPDATE SET score=excluded.score, "
                    "status=excluded.status, evidence=excluded.evidence",
                    [(c, f, float(s), st, json.dumps(ev, ensure_ascii=False)) for c, f, s, st, ev in rows])

    def claim_matches(self) -> list[dict[str, Any]]:
        rows = self._x(
            "SELECT c.article_id, c.passage, c.text, m.factcheck_id, m.score, m.status, m.evidence, r.verdict, r.note, "
            "r.reviewed_at FROM claim_matches m JOIN claims c ON c.rowid = m.claim_rowid "
            "JOIN articles a ON a.id = c.article_id LEFT JOIN match_reviews r ON r.article_id = c.article_id AND "
            "r.factcheck_id = m.factcheck_id ORDER BY a.rowid, c.passage, c.start, m.score DESC").fetchall()
        out = []
        for r in rows:
            evidence = json.loads(r[6])
            if r[7] is not None:  # the analyst's verdict as it is now, also before matching ran again
                evidence["review"] = {"verdict": r[7], "note": r[8], "reviewed_at": r[9]}
            out.append({"article_id": r[0], "passage": r[1], "claim": r[2], "factcheck_id": r[3], "score": r[4],
                        "status": r[5], "evidence": evidence})
        return out

    # ------------------------------------------------------ analysts' verdicts
    def review_match(self, article_id: str, factcheck_id: str, verdict: str, note: str | None = None) -> int:
        """Record an analyst's verdict ("confirmed" or "rejected") on the matches of an article's claims to
        a fact-check, and set it on them now; re-matching keeps it (``match_reviews``). Returns how many
        claim matches it covers. Call inside ``transaction()``."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        rowids = [r[0] for r in self._x(
            "SELECT m.claim_rowid FROM claim_matches m JOIN claims c ON c.rowid = m.claim_rowid "
            "WHERE c.article_id = ? AND m.factcheck_id = ?", (article_id, factcheck_id)).fetchall()]
        if not rowids:
            raise NotFound(f"no claim of article {article_id!r} is matched to fact-check {factcheck_id!r}",
                           hint="list the matches with `narratrace matches`")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x("INSERT INTO match_reviews(article_id, factcheck_id, verdict, note, reviewed_at) VALUES(?,?,?,?,?) "
                "ON CONFLICT(article_id, factcheck_id) DO UPDATE SET verdict=excluded.verdict, note=excluded.note, "
                "reviewed_at=excluded.reviewed_at", (article_id, factcheck_id, verdict, note, now))
        self._xmany("UPDATE claim_matches SET status=? WHERE claim_rowid=? AND factcheck_id=?",
                    [(verdict, r, factcheck_id) for r in rowids])
        return len(rowids)

    def match_reviews(self, article_ids: Iterable[str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
        """(article id, fact-check id) -> {verdict, note, reviewed_at} of the reviewed matches (of these articles)."""
        q = "SELECT article_id, factcheck_id, verdict, note, reviewed_at FROM match_reviews"
        rows: list[tuple[Any, ...]] = []
        if article_ids is None:
            rows = self._x(q).fetchall()
        else:
            for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
                rows += self._x(q + f" WHERE article_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return {(a, f): {"verdict": v, "note": n, "reviewed_at": t} for a, f, v, n, t in rows}
