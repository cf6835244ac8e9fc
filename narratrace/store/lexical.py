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
unless no other term is left. The number of documents and of their terms is kept per kind by triggers
(``lexical_counts``, schema 14), not counted per search (a count of 3M passages took 270 ms). From
``lexical_plan.BOUNDED_FROM`` documents on, a term's documents are counted up to the scoring budget,
beyond it estimated from a sample (or counted up to the common share when the estimate is near it), and
kept until the index grows or shrinks by ``STATS_DRIFT``; a ranking query scores a bounded set of
documents (``lexical_plan.plan``).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import Passage
from ..text.normalise import normalise
from ..text.terms import key_terms, terms_string
from . import lexical_plan
from .lexical_plan import Plan, TermQuery, plan
from .sql import SQLBase, _chunks

#: document kinds -> (the table of their terms, the table they belong to)
KINDS = {"passages": ("passage_terms", "passages"), "factchecks": ("factcheck_terms", "factchecks")}
#: BM25 constants (FTS5's bm25() defaults, used by both backends)
K1, B = 1.2, 0.75
#: query terms in more than this share of the documents are dropped when rarer ones remain
COMMON_SHARE = 0.2
PRUNE_FROM = 1000
#: the schema versions whose migrations build the index, and its counts, from what is already stored
LEXICAL_VERSION = 7
COUNTS_VERSION = 14
#: kept term counts (large indexes) hold while the number of documents stays within this share of theirs
STATS_DRIFT = 0.05
#: in a large index, a term in more documents than a search scores (lexical_plan.SCORED_BUDGET) has its share
#: estimated from SAMPLE_WINDOWS stretches of rowids spread over the index (SAMPLE_DOCS documents in all: a
#: word bursting in recent news is not taken for a common one), and is counted only when the estimate is
#: within SAMPLE_BAND of the common share (a sample of 20,000 is off by about 0.01 there)
SAMPLE_WINDOWS, SAMPLE_DOCS, SAMPLE_BAND = 10, 20_000, 0.25
_FTS = "{terms}_fts"
_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
#: the number of terms of a terms string (``terms_string``: single spaces) in SQL, ``{r}`` the row
_NTERMS = "(CASE WHEN {r}.terms = '' THEN 0 ELSE length({r}.terms) - length(replace({r}.terms, ' ', '')) + 1 END)"


def indexed(passage: Passage) -> bool:
    """Which passages the lexical index holds: title and body text, never boilerplate (the text stage's,
    or a line its site repeats: the passage rule gives those a ``reason``)."""
    return passage.matchable and not passage.reason


def factcheck_text(claim: str, title: str | None) -> str:
    """What is matched of a fact-check: its title (the headline a fact-checker wrote) and its claim."""
    claim = claim.strip()
    title = (title or "").strip()
    return f"{title}\n{claim}" if title and normalise(title) != normalise(claim) else claim


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
        query, n, df = self._pruned(kind, query)
        if not query.groups or limit <= 0 or any(f is not None and not f for f in (article_ids, rowids)):
            return []
        planned = Plan(query) if rowids is not None else plan(query, n, df, lambda q, cap: self._matching(kind, q, cap))
        return self._bm25(kind, planned, limit, _Filters(lang, article_ids, rowids))

    def lexical_totals(self, kind: str) -> tuple[int, int]:
        """(documents, terms) in the index of ``kind``, as the triggers of schema 14 keep them."""
        row = self._x("SELECT documents, terms FROM lexical_counts WHERE kind = ?", (kind,)).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def document_frequencies(self, kind: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(documents indexed, term -> documents holding it) for ``terms`` (absent ones are 0). From
        ``BOUNDED_FROM`` documents on, a term in more documents than a search scores is estimated
        (``SAMPLE_DOCS``), a count stops past the common share (``COMMON_SHARE``: the term is left out, its
        exact count unused), and both are kept while the index changes by less than ``STATS_DRIFT``."""
        terms = list(dict.fromkeys(terms))
        n = self.lexical_totals(kind)[0]
        if n < lexical_plan.BOUNDED_FROM:
            return n, self._small_frequencies(kind, terms, n)
        caches = self.__dict__.setdefault("_lexical_df", {})
        kept = caches.get(kind)
        if kept is None or abs(n - kept[0]) > STATS_DRIFT * max(kept[0], 1):
            kept = caches[kind] = (n, {})
        known: dict[str, int] = kept[1]
        budget = lexical_plan.SCORED_BUDGET
        for t in terms:
            if t not in known:
                one = TermQuery([[t]])
                found = self._matching(kind, one, budget + 1)
                known[t] = found if found <= budget else self._large_frequency(kind, one, n)
        return n, {t: known[t] for t in terms}

    def _large_frequency(self, kind: str, one: TermQuery, n: int) -> int:
        """The documents of a term over the scoring budget: estimated when clearly common or clearly not
        (which is all a plan and the pruning need of it; FTS5 computes its own IDF), else counted up to the
        common share."""
        cap = int(COMMON_SHARE * n) + 1
        windows = self._sample_windows(kind, n)
        docs = sum(d for _, _, d in windows)
        if docs < SAMPLE_DOCS // 2:
            return self._matching(kind, one, cap)
        share = sum(self._matching(kind, one, d + 1, (lo, hi)) for lo, hi, d in windows) / docs
        if abs(share - COMMON_SHARE) <= SAMPLE_BAND * COMMON_SHARE:
            return self._matching(kind, one, cap)
        return cap if share > COMMON_SHARE else max(lexical_plan.SCORED_BUDGET + 1, round(share * n))

    def _sample_windows(self, kind: str, n: int) -> list[tuple[int, int, int]]:
        """(first rowid, last rowid, documents) of ``SAMPLE_WINDOWS`` stretches spread over the index's
        rowids, ``SAMPLE_DOCS`` documents in all (kept like the counts: reading them took 0.5 s cold at 3M)."""
        kept = self.__dict__.setdefault("_lexical_windows", {}).get(kind)
        if kept is not None and abs(n - kept[0]) <= STATS_DRIFT * max(kept[0], 1):
            return kept[1]
        table = KINDS[kind][0]
        lo, hi = self._x(f"SELECT min(rowid), max(rowid) FROM {table}").fetchone()
        windows: list[tuple[int, int, int]] = []
        if lo is not None:
            span = int(hi) - int(lo) + 1
            width = max(1, span * SAMPLE_DOCS // (SAMPLE_WINDOWS * max(n, 1)))
            for i in range(SAMPLE_WINDOWS):
                start = int(lo) + i * span // SAMPLE_WINDOWS
                docs = self._x(f"SELECT count(*) FROM {table} WHERE rowid BETWEEN ? AND ?",
                               (start, start + width - 1)).fetchone()[0]
                windows.append((start, start + width - 1, int(docs)))
        self.__dict__["_lexical_windows"][kind] = (n, windows)
        return windows

    def _small_frequencies(self, kind: str, terms: list[str], n: int) -> dict[str, int]:
        """Exact document frequencies in a small index (FTS5's vocabulary table)."""
        df = dict.fromkeys(terms, 0)
        vocab = _FTS.format(terms=KINDS[kind][0]) + "_vocab"
        for chunk in _chunks(terms, 200):
            q = f"SELECT term, doc FROM {vocab} WHERE term IN ({','.join('?' * len(chunk))})"
            df.update((t, int(d)) for t, d in self._x(q, chunk).fetchall())
        return df

    def _matching(self, kind: str, query: TermQuery, cap: int, within: tuple[int, int] | None = None) -> int:
        """How many documents match ``query`` (``within`` these rowids, first and last), counted up to ``cap``."""
        fts = _FTS.format(terms=KINDS[kind][0])
        where, args = (" AND rowid BETWEEN ? AND ?", list(within)) if within else ("", [])
        q = f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH ?{where} LIMIT ?)"
        return int(self._x(q, [_fts_query(query), *args, int(cap)]).fetchone()[0])

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
    def search_passages(self, rowids: Iterable[int], vectors: bool = False) -> dict[int, dict[str, Any]]:
        """passage rowid -> what a search result shows of it and what its filters check (missing rowids
        left out); with ``vectors``, also its float32 ``vector`` (None when not encoded)."""
        out: dict[int, dict[str, Any]] = {}
        names = ("article_id", "passage", "kind", "lang", "text", "key", "reason", "title", "outlet", "url",
                 "published", "article_lang", "story_id")
        for chunk in _chunks(list(dict.fromkeys(int(i) for i in rowids)), 500):
            q = ("SELECT p.rowid, a.id, p.idx, p.kind, coalesce(p.lang, a.lang), p.text, p.key, p.reason, a.title, "
                 f"a.outlet, a.url, a.published, a.lang, a.story_id{', p.vector' if vectors else ''} FROM passages p "
                 f"JOIN articles a ON a.rowid = p.article_rowid WHERE p.rowid IN ({','.join('?' * len(chunk))})")
            for r in self._x(q, chunk):
                row = out[int(r[0])] = dict(zip(names, r[1:]))
                if vectors:
                    blob = r[len(names) + 1]
                    row["vector"] = None if blob is None else np.frombuffer(blob, self.vector_dtype).astype(np.float32)
        return out

    def _pruned(self, kind: str, query: TermQuery) -> tuple[TermQuery, int, dict[str, int]]:
        """(``query`` without the terms too common to matter, documents indexed, the terms' document
        frequencies): all terms are kept if only common ones are left; for a query that needs every group,
        a group is kept whole (dropping one would widen the match)."""
        terms = query.terms
        if not terms:
            return TermQuery([], query.require_all), 0, {}
        n, df = self.document_frequencies(kind, terms)
        common = {t for t in terms if df[t] > COMMON_SHARE * n} if n >= PRUNE_FROM else set()
        groups = [[t for t in g if t in set(terms)] for g in query.groups]
        groups = [g for g in groups if g]
        if query.require_all or len(common) == len(terms):
            return TermQuery(groups, query.require_all), n, df
        kept = [[t for t in g if t not in common] for g in groups]
        return TermQuery([g for g in kept if g], False), n, df

    def _bm25(self, kind: str, planned: Plan, limit: int, filters: _Filters) -> list[tuple[int, float]]:
        table, _ = KINDS[kind]
        fts = _FTS.format(terms=table)
        join, where, args = filters.sql(kind)
        scored = f"SELECT f.rowid AS rowid, -bm25({fts}) AS s FROM {fts} f {join} WHERE {fts} MATCH ? {where}"
        if planned.newest is None:
            q = f"{scored} ORDER BY s DESC, f.rowid LIMIT ?"
        else:  # only the newest matches are scored (lexical_plan.plan, step 3)
            q = (f"SELECT rowid, s FROM ({scored} ORDER BY f.rowid DESC LIMIT {int(planned.newest)}) "
                 "ORDER BY s DESC, rowid LIMIT ?")
        rows = self._x(q, [_fts_query(planned.query), *args, int(limit)]).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    # -------------------------------------------------------------- migration
    def _after_migration(self, version: int) -> None:
        """Steps of a migration that SQL alone cannot take: schema 7 builds the index of what is stored."""
        if version == LEXICAL_VERSION:
            for table, _ in KINDS.values():
                self._create_lexical_index(table)
            self.rebuild_lexical_index()
        if version == COUNTS_VERSION:
            for kind, (table, _) in KINDS.items():
                self._create_lexical_counts(kind, table)
                self._x("DELETE FROM lexical_counts WHERE kind = ?", (kind,))
                self._x(f"INSERT INTO lexical_counts(kind, documents, terms) SELECT ?, count(*), "
                        f"coalesce(sum({_NTERMS.format(r=table)}), 0) FROM {table}", (kind,))

    def _create_lexical_counts(self, kind: str, table: str) -> None:
        """Triggers keeping ``lexical_counts`` in step with ``table`` (also for rows a foreign key deletes)."""
        update = f"UPDATE lexical_counts SET documents = documents + {{d}}, terms = terms + {{t}} WHERE kind = '{kind}'"
        new, old = _NTERMS.format(r="new"), _NTERMS.format(r="old")
        for name, event, change in (("ai", "INSERT", update.format(d=1, t=new)),
                                    ("ad", "DELETE", update.format(d=-1, t=f"-{old}")),
                                    ("au", "UPDATE OF terms", update.format(d=0, t=f"{new} - {old}"))):
            self._x(f"CREATE TRIGGER IF NOT EXISTS {table}_count_{name} AFTER {event} ON {table} BEGIN {change}; END")

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
        self.__dict__.pop("_lexical_df", None)
        self.__dict__.pop("_lexical_windows", None)
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
