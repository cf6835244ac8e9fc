"""The lexical index: BM25 over the index terms of passages and fact-checks (schema 7).

Terms come from the text stage (``text.terms``: match keys split into words, Arabic-script clitics
stripped as extra forms, CJK bigrams) and are written in the transaction that writes their passage or
fact-check, so the index never lags the store. Two plain tables hold them, ``passage_terms`` and
``factcheck_terms`` (rowid = the passage's or fact-check's rowid, deleted with it by a foreign key);
the backend indexes them:

* **SQLite**: an FTS5 table over each (external content, kept in step by triggers), ranked by FTS5's
  ``bm25()``;
* **PostgreSQL** (``PostgresLexical``): a GIN index on ``to_tsvector('simple', terms)`` finds the
  rows, and BM25 with the same formula and constants is computed here from the stored terms.

In an index of ``PRUNE_FROM`` documents or more, query terms shared by more than ``COMMON_SHARE`` of
them are left out (they weigh almost nothing and would make every search read most of the index)
unless no other term is left.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import Passage
from ..text.normalise import normalise
from ..text.terms import key_terms, terms_string
from .sql import SQLBase, _chunks

#: document kinds -> (the table of their terms, the table they belong to)
KINDS = {"passages": ("passage_terms", "passages"), "factchecks": ("factcheck_terms", "factchecks")}
#: BM25 constants (FTS5's bm25() defaults, used by both backends)
K1, B = 1.2, 0.75
#: query terms in more than this share of the documents are dropped when rarer ones remain
COMMON_SHARE = 0.2
PRUNE_FROM = 1000
#: the schema version whose migration builds the index from what is already stored
LEXICAL_VERSION = 7
_FTS = "{terms}_fts"
_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
_TERM = re.compile(r"[^\s\"']+")


def indexed(passage: Passage) -> bool:
    """Which passages the lexical index holds: title and body text, never boilerplate (the text stage's,
    or a line its site repeats: the passage rule gives those a ``reason``)."""
    return passage.matchable and not passage.reason


def factcheck_text(claim: str, title: str | None) -> str:
    """What is matched of a fact-check: its title (the headline a fact-checker wrote) and its claim."""
    claim = claim.strip()
    title = (title or "").strip()
    return f"{title}\n{claim}" if title and normalise(title) != normalise(claim) else claim


@dataclass
class TermQuery:
    """A lexical query: groups of alternative terms (one group per query word: the word and its forms
    without clitics, or a name and its spellings in other scripts). ``require_all``: every group must
    match (keyword and phrase search); else any term may (the ranking channel of hybrid search)."""

    groups: list[list[str]]
    require_all: bool = False

    @property
    def terms(self) -> list[str]:
        return list(dict.fromkeys(t for g in self.groups for t in g if _TERM.fullmatch(t)))


class LexicalIndex(SQLBase):
    """Writes and searches the lexical index; SQLite (FTS5) here, PostgreSQL in ``PostgresLexical``."""

    # ----------------------------------------------------------------- writes
    def write_passage_terms(self, rows: Iterable[tuple[int, Passage]]) -> None:
        """Index (passage rowid, passage) pairs of one written article. Call inside ``transaction()``."""
        self._xmany("INSERT INTO passage_terms(rowid, terms) VALUES(?, ?)",
                    [(int(r), terms_string(key_terms(p.key))) for r, p in rows if indexed(p)])

    def write_factcheck_terms(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Index stored fact-checks (by id) with their match texts (``factcheck_text``), replacing what
        was indexed of them before. Call inside ``transaction()``, after writing them."""
        rowid_of: dict[str, int] = {}
        for chunk in _chunks(list(ids), 500):
            q = f"SELECT id, rowid FROM factchecks WHERE id IN ({','.join('?' * len(chunk))})"
            rowid_of.update((i, int(r)) for i, r in self._x(q, chunk).fetchall())
        rows = [(rowid_of[i], terms_string(key_terms(normalise(t)))) for i, t in zip(ids, texts) if i in rowid_of]
        for chunk in _chunks([r for r, _ in rows], 500):
            self._x(f"DELETE FROM factcheck_terms WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)
        self._xmany("INSERT INTO factcheck_terms(rowid, terms) VALUES(?, ?)", rows)

    # ------------------------------------------------------------------ reads
    def lexical_search(self, kind: str, query: TermQuery, limit: int, lang: str | None = None,
                       article_ids: Collection[str] | None = None,
                       rowids: Collection[int] | None = None) -> list[tuple[int, float]]:
        """(rowid, BM25 score) of the best ``limit`` documents of ``kind`` ("passages", "factchecks"),
        best first. ``rowids``: only these documents (their scores as in the whole index). For passages:
        ``lang`` keeps those in that language (the passage's or its article's), ``article_ids`` those of
        these articles."""
        query = self._pruned(kind, query)
        if not query.groups or limit <= 0 or any(f is not None and not f for f in (article_ids, rowids)):
            return []
        return self._bm25(kind, query, limit, _Filters(lang, article_ids, rowids))

    def document_frequencies(self, kind: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(documents indexed, term -> documents holding it) for ``terms`` (absent ones are 0)."""
        terms = list(dict.fromkeys(terms))
        table = KINDS[kind][0]
        n = int(self._x(f"SELECT count(*) FROM {table}").fetchone()[0])
        df = dict.fromkeys(terms, 0)
        vocab = _FTS.format(terms=table) + "_vocab"
        for chunk in _chunks(terms, 200):
            q = f"SELECT term, doc FROM {vocab} WHERE term IN ({','.join('?' * len(chunk))})"
            df.update((t, int(d)) for t, d in self._x(q, chunk).fetchall())
        return n, df

    def recent_document_frequencies(self, passages: int) -> tuple[int, dict[str, int]]:
        """(articles, term -> articles holding it) over the articles owning the ``passages`` most recently
        indexed passages: a bounded sample of the store's vocabulary, for grouping's term rarity
        (``group.lexical.TermRarity``). A document is an article, not a passage."""
        q = ("SELECT p.article_rowid, t.terms FROM passage_terms t JOIN passages p ON p.rowid = t.rowid "
             "ORDER BY t.rowid DESC LIMIT ?")
        by_article: dict[int, set[str]] = {}
        for article, terms in self._x(q, [int(passages)]).fetchall():
            by_article.setdefault(int(article), set()).update(terms.split())
        df: Counter[str] = Counter()
        for found in by_article.values():
            df.update(found)
        return len(by_article), dict(df)

    def citing_articles(self, source_id: str) -> list[str]:
        """Ids of the articles with a ``cites`` link to the registry source ``source_id`` (search's
        filter by cited source)."""
        rows = self._x("SELECT source, target FROM links WHERE kind = 'cites'").fetchall()
        want = f'"id": "{source_id}"'
        return list(dict.fromkeys(s for s, t in rows if want in t))

    # ------------------------------------------------------- reads for search
    def search_passages(self, rowids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """passage rowid -> what a search result shows of it and what its filters check (missing rowids
        left out)."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([int(i) for i in rowids], 500):
            q = ("SELECT p.rowid, a.id, p.idx, p.kind, coalesce(p.lang, a.lang), p.text, p.key, p.reason, a.title, "
                 "a.outlet, a.url, a.published, a.lang, a.story_id FROM passages p "
                 f"JOIN articles a ON a.rowid = p.article_rowid WHERE p.rowid IN ({','.join('?' * len(chunk))})")
            for r in self._x(q, chunk):
                out[int(r[0])] = dict(zip(("article_id", "passage", "kind", "lang", "text", "key", "reason", "title",
                                           "outlet", "url", "published", "article_lang", "story_id"), r[1:]))
        return out

    def passage_vectors_by_rowid(self, rowids: Iterable[int]) -> tuple[dict[int, np.ndarray], dict[int, str | None]]:
        """(rowid -> float32 vector, rowid -> language) of the encoded ones among these passages."""
        vecs: dict[int, np.ndarray] = {}
        langs: dict[int, str | None] = {}
        for chunk in _chunks([int(i) for i in rowids], 500):
            q = ("SELECT p.rowid, p.vector, coalesce(p.lang, a.lang) FROM passages p JOIN articles a ON "
                 f"a.rowid = p.article_rowid WHERE p.vector IS NOT NULL AND p.rowid IN ({','.join('?' * len(chunk))})")
            for r, blob, lang in self._x(q, chunk):
                vecs[int(r)] = np.frombuffer(blob, dtype=self.vector_dtype).astype(np.float32)
                langs[int(r)] = lang
        return vecs, langs

    def _pruned(self, kind: str, query: TermQuery) -> TermQuery:
        """``query`` without the terms too common to matter (all of them kept if only those are left;
        for a query that needs every group, a group is kept whole: dropping one would widen the match)."""
        terms = query.terms
        if not terms:
            return TermQuery([], query.require_all)
        n, df = self.document_frequencies(kind, terms)
        common = {t for t in terms if df[t] > COMMON_SHARE * n} if n >= PRUNE_FROM else set()
        groups = [[t for t in g if t in set(terms)] for g in query.groups]
        groups = [g for g in groups if g]
        if query.require_all or len(common) == len(terms):
            return TermQuery(groups, query.require_all)
        kept = [[t for t in g if t not in common] for g in groups]
        return TermQuery([g for g in kept if g], False)

    def _bm25(self, kind: str, query: TermQuery, limit: int, filters: _Filters) -> list[tuple[int, float]]:
        table, _ = KINDS[kind]
        fts = _FTS.format(terms=table)
        join, where, args = filters.sql(kind)
        q = (f"SELECT f.rowid, -bm25({fts}) AS s FROM {fts} f {join} WHERE {fts} MATCH ? {where} "
             "ORDER BY s DESC, f.rowid LIMIT ?")
        rows = self._x(q, [_fts_query(query), *args, int(limit)]).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    # -------------------------------------------------------------- migration
    def _after_migration(self, version: int) -> None:
        """Steps of a migration that SQL alone cannot take: schema 7 builds the index of what is stored."""
        if version == LEXICAL_VERSION:
            for table, _ in KINDS.values():
                self._create_lexical_index(table)
            self.rebuild_lexical_index()

    def _create_lexical_index(self, table: str) -> None:
        fts = _FTS.format(terms=table)
        self._x(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(terms, content='{table}', "
                f"content_rowid='rowid', tokenize=\"{_TOKENIZE}\")")
        self._x(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts}_vocab USING fts5vocab({fts}, 'row')")
        self._x(f"CREATE TRIGGER IF NOT EXISTS {table}_ai AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {fts}(rowid, terms) VALUES (new.rowid, new.terms); END")
        self._x(f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, terms) VALUES ('delete', old.rowid, old.terms); END")
        self._x(f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, terms) VALUES ('delete', old.rowid, old.terms); "
                f"INSERT INTO {fts}(rowid, terms) VALUES (new.rowid, new.terms); END")

    def rebuild_lexical_index(self) -> None:
        """Index every stored passage and fact-check again (the migration that added the index runs it;
        call inside ``transaction()``)."""
        self._x("DELETE FROM passage_terms")
        self._x("DELETE FROM factcheck_terms")
        for batch in self._scan("SELECT rowid, kind, key, reason FROM passages ORDER BY rowid"):
            rows = [(int(r), Passage(index=0, text="", start=0, end=0, kind=k, key=key, reason=why))
                    for r, k, key, why in batch]
            self.write_passage_terms(rows)
        fcs = self._x("SELECT id, claim, title FROM factchecks ORDER BY rowid").fetchall()
        self.write_factcheck_terms([r[0] for r in fcs], [factcheck_text(r[1], r[2]) for r in fcs])


def _fts_query(query: TermQuery) -> str:
    """FTS5 query text: each term quoted; alternatives joined by OR, groups by AND when all are needed."""
    def group(g: list[str]) -> str:
        alts = " OR ".join(f'"{t}"' for t in g)
        return f"({alts})" if len(g) > 1 else alts

    if query.require_all:
        return " AND ".join(group(g) for g in query.groups)
    return " OR ".join(f'"{t}"' for t in query.terms)


@dataclass
class _Filters:
    """What a lexical search keeps: documents by rowid; passages by language and article."""

    lang: str | None = None
    article_ids: Collection[str] | None = None
    rowids: Collection[int] | None = None

    def sql(self, kind: str) -> tuple[str, str, list[Any]]:
        """(JOIN, AND ... conditions, their parameters) over the terms table ``f``."""
        join, where, args = "", "", list[Any]()
        if self.rowids is not None:
            ids = sorted(int(r) for r in self.rowids)
            where += f" AND f.rowid IN ({','.join('?' * len(ids))})"
            args += ids
        if kind != "passages" or (self.lang is None and self.article_ids is None):
            return join, where, args
        join = "JOIN passages p ON p.rowid = f.rowid JOIN articles a ON a.rowid = p.article_rowid"
        if self.lang is not None:
            where += " AND (p.lang = ? OR a.lang = ?)"
            args += [self.lang, self.lang]
        if self.article_ids is not None:
            aids = sorted(self.article_ids)
            where += f" AND a.id IN ({','.join('?' * len(aids))})"
            args += aids
        return join, where, args


def bm25_scores(query_terms: Sequence[str], docs: Iterable[tuple[int, str]], n_docs: int, avg_len: float,
                df: dict[str, int]) -> list[tuple[int, float]]:
    """BM25 of (rowid, terms string) documents, as FTS5's bm25() computes it (IDF floored at 1e-6)."""
    idf = {t: max(math.log((n_docs - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)), 1e-6) for t in query_terms}
    out = []
    for rowid, text in docs:
        words = text.split()
        tf = Counter(w for w in words if w in idf)
        norm = K1 * (1 - B + B * len(words) / max(avg_len, 1e-9))
        out.append((rowid, sum(idf[t] * f * (K1 + 1) / (f + norm) for t, f in tf.items())))
    return out


__all__ = ["KINDS", "LexicalIndex", "TermQuery", "bm25_scores", "factcheck_text", "indexed"]
