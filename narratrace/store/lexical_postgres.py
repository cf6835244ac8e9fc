"""The lexical index on PostgreSQL: a GIN index on ``to_tsvector('simple', terms)`` finds the documents,
BM25 ranks them with the constants and formula of SQLite's FTS5 (``lexical.bm25_scores``).

PostgreSQL's own ranking (``ts_rank``) has no inverse document frequency, so it would rank another way
than the SQLite store does; computing BM25 here keeps one ranking for both. Document frequencies are
counted through the GIN index, each at most up to the point where the term counts as common
(``lexical.COMMON_SHARE``), and kept until the number of documents changes by ``STATS_DRIFT``;
documents are read only through the terms that are not common (when any are left).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .lexical import COMMON_SHARE, KINDS, LexicalIndex, TermQuery, _Filters, bm25_scores

#: the tsvector both the index and the queries use (the same expression, so the index serves them)
TSV = "to_tsvector('simple'::regconfig, f.terms)"
#: cached statistics (documents, average length, document frequencies) are kept while the number of
#: documents stays within this share of what it was
STATS_DRIFT = 0.05
#: at most this many matching documents are scored per query
MAX_CANDIDATES = 20000


class PostgresLexical(LexicalIndex):
    """``LexicalIndex`` for PostgreSQL (mixed in before ``SQLStore`` by ``PostgresStore``)."""

    _lexical_stats: dict[str, tuple[int, float, dict[str, int]]]

    def _create_lexical_index(self, table: str) -> None:
        self._x(f"CREATE INDEX IF NOT EXISTS {table}_tsv ON {table} USING GIN "
                f"(to_tsvector('simple'::regconfig, terms))")

    def _stats(self, table: str) -> tuple[int, float, dict[str, int]]:
        """(documents, their average number of terms, cached term -> documents holding it) of ``table``."""
        cache = self.__dict__.setdefault("_lexical_stats", {})
        n = int(self._x(f"SELECT count(*) FROM {table}").fetchone()[0])
        got = cache.get(table)
        if got is None or abs(n - got[0]) > STATS_DRIFT * max(got[0], 1):
            avg = self._x(f"SELECT avg(length(terms) - length(replace(terms, ' ', '')) + 1) FROM {table}").fetchone()[0]
            got = (n, float(avg or 0.0), {})
            cache[table] = got
        return got

    def document_frequencies(self, kind: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        table = KINDS[kind][0]
        n, _avg, known = self._stats(table)
        cap = int(COMMON_SHARE * n) + 1  # counting stops here: the term is common, its exact count unused
        out: dict[str, int] = {}
        for t in dict.fromkeys(terms):
            if t not in known:
                q = (f"SELECT count(*) FROM (SELECT 1 FROM {table} f WHERE {TSV} @@ ?::tsquery LIMIT ?) x")
                known[t] = int(self._x(q, (_lexeme(t), cap)).fetchone()[0])
            out[t] = known[t]
        return n, out

    def _bm25(self, kind: str, query: TermQuery, limit: int, filters: _Filters) -> list[tuple[int, float]]:
        table = KINDS[kind][0]
        n, avg_len, _ = self._stats(table)
        _, df = self.document_frequencies(kind, query.terms)
        if query.require_all:
            tsq = " & ".join("(" + " | ".join(_lexeme(t) for t in g) + ")" for g in query.groups)
        else:
            tsq = " | ".join(_lexeme(t) for t in query.terms)
        join, where, args = filters.sql(kind)
        rows: list[Any] = self._x(f"SELECT f.rowid, f.terms FROM {table} f {join} WHERE {TSV} @@ ?::tsquery {where} "
                                  "LIMIT ?", [tsq, *args, MAX_CANDIDATES]).fetchall()
        scored = bm25_scores(query.terms, ((int(r), t) for r, t in rows), n, avg_len, df)
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:limit]

    def rebuild_lexical_index(self) -> None:
        self.__dict__.pop("_lexical_stats", None)
        super().rebuild_lexical_index()


def _lexeme(term: str) -> str:
    """One term as a tsquery lexeme, taken as written (terms hold no quotes or spaces: text.terms)."""
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"
