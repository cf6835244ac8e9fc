"""The lexical index on PostgreSQL: a GIN index on ``to_tsvector('simple', terms)`` finds the documents,
BM25 ranks them with the constants and formula of SQLite's FTS5 (``lexical.bm25_scores``).

PostgreSQL's own ranking (``ts_rank``) has no inverse document frequency, so it would rank another way
than the SQLite store does; computing BM25 here keeps one ranking for both. Document frequencies are
counted through the GIN index, each at most up to the point where the term counts as common
(``lexical.COMMON_SHARE``), and in a large index kept until the number of documents changes by
``lexical.STATS_DRIFT``; documents are read only through the terms that are not common (when any are
left), and at most ``MAX_CANDIDATES`` of them, the newest (a planned search: ``lexical_plan.plan``).
The number of documents and their average length come from ``lexical_counts``, kept by statement
triggers (one update per statement, whatever the rows it wrote or a foreign key deleted).
"""
from __future__ import annotations

from typing import Any

from .lexical import _NTERMS, COMMON_SHARE, KINDS, LexicalIndex, _Filters, bm25_scores
from .lexical_plan import Plan, TermQuery

#: the tsvector both the index and the queries use (the same expression, so the index serves them)
TSV = "to_tsvector('simple'::regconfig, f.terms)"
#: at most this many matching documents (the newest) are scored per query
MAX_CANDIDATES = 20000


class PostgresLexical(LexicalIndex):
    """``LexicalIndex`` for PostgreSQL (mixed in before ``SQLStore`` by ``PostgresStore``)."""

    def _create_lexical_index(self, table: str) -> None:
        self._x(f"CREATE INDEX IF NOT EXISTS {table}_tsv ON {table} USING GIN "
                f"(to_tsvector('simple'::regconfig, terms))")

    def _create_lexical_counts(self, kind: str, table: str) -> None:
        """Statement triggers keeping ``lexical_counts`` in step with ``table`` (transition tables: one
        update per statement; a foreign key's cascade runs statements too). The function keeps the store's
        search path: a session with another one (a copy between schemas) still counts in this schema."""
        self._x(f"""CREATE OR REPLACE FUNCTION {table}_count() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT AS $body$
            BEGIN
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                UPDATE lexical_counts SET documents = documents + (SELECT count(*) FROM new_rows),
                  terms = terms + (SELECT coalesce(sum({_NTERMS.format(r="new_rows")}), 0) FROM new_rows)
                  WHERE kind = '{kind}';
              END IF;
              IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE lexical_counts SET documents = documents - (SELECT count(*) FROM old_rows),
                  terms = terms - (SELECT coalesce(sum({_NTERMS.format(r="old_rows")}), 0) FROM old_rows)
                  WHERE kind = '{kind}';
              END IF;
              RETURN NULL;
            END $body$""")
        for name, event, tables in (("ai", "INSERT", "NEW TABLE AS new_rows"),
                                    ("ad", "DELETE", "OLD TABLE AS old_rows"),
                                    ("au", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            self._x(f"DROP TRIGGER IF EXISTS {table}_count_{name} ON {table}")
            self._x(f"CREATE TRIGGER {table}_count_{name} AFTER {event} ON {table} REFERENCING {tables} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_count()")

    def _small_frequencies(self, kind: str, terms: list[str], n: int) -> dict[str, int]:
        cap = int(COMMON_SHARE * n) + 1  # counting stops here: the term is common, its exact count unused
        return {t: self._matching(kind, TermQuery([[t]]), cap) for t in terms}

    def _large_frequency(self, kind: str, one: TermQuery, n: int) -> int:
        """Counted (up to the common share), not estimated: BM25 is computed here from these counts."""
        return self._matching(kind, one, int(COMMON_SHARE * n) + 1)

    def _matching(self, kind: str, query: TermQuery, cap: int, within: tuple[int, int] | None = None) -> int:
        table = KINDS[kind][0]
        where, args = (" AND f.rowid BETWEEN ? AND ?", list(within)) if within else ("", [])
        q = f"SELECT count(*) FROM (SELECT 1 FROM {table} f WHERE {TSV} @@ ?::tsquery{where} LIMIT ?) x"
        return int(self._x(q, [_tsquery(query), *args, int(cap)]).fetchone()[0])

    def _bm25(self, kind: str, planned: Plan, limit: int, filters: _Filters) -> list[tuple[int, float]]:
        table = KINDS[kind][0]
        query = planned.query
        n, terms = self.lexical_totals(kind)
        _, df = self.document_frequencies(kind, query.terms)
        join, where, args = filters.sql(kind)
        cap = min(MAX_CANDIDATES, planned.newest or MAX_CANDIDATES)
        rows: list[Any] = self._x(f"SELECT f.rowid, f.terms FROM {table} f {join} WHERE {TSV} @@ ?::tsquery {where} "
                                  "ORDER BY f.rowid DESC LIMIT ?", [_tsquery(query), *args, cap]).fetchall()
        scored = bm25_scores(query.terms, ((int(r), t) for r, t in rows), n, terms / max(n, 1), df)
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:limit]


def _tsquery(query: TermQuery) -> str:
    """The tsquery of ``query``: alternatives joined by ``|``, groups by ``&`` when all are needed."""
    if query.require_all:
        return " & ".join("(" + " | ".join(_lexeme(t) for t in g) + ")" for g in query.groups)
    return " | ".join(_lexeme(t) for t in query.terms)


def _lexeme(term: str) -> str:
    """One term as a tsquery lexeme, taken as written (terms hold no quotes or spaces: text.terms)."""
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"
