"""The counts behind entity discovery (schema 16), kept in the transactions that write mentions.

A candidate name (a mention with ``entity_rowid`` NULL) becomes an entity once its name key recurs
(``pipeline/entities.py``): it needs, per key, the articles with a candidate mention of it, the scripts it is
written in and its strong mentions (cited, or of several words). Counted on each add over every stored
candidate mention of the article's names, that read grew with the store; kept here, it is a row per key and
per script. Per key (``candidate_names``): the articles holding a candidate mention of it and its strong
mentions; per key and script (``candidate_scripts``): the articles holding one in that script. Every change of
candidate mentions goes through a method here (an article's mentions replaced or removed, a key promoted, all
cleared), so the counts always equal a ``GROUP BY`` of ``entity_mentions`` (tests/store/test_candidate_counts.py).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .sql import SQLBase, _chunks

#: the schema version whose migration adds the counts (and fills them from what is stored)
CANDIDATE_COUNTS_VERSION = 16
#: a strong candidate mention: cited, or a name of several words (a single word recurs by chance)
STRONG = "CASE WHEN role='cited' OR surface LIKE '% %' THEN 1 ELSE 0 END"
#: the statements that make the counts again from every stored candidate mention (migration 16 runs them)
BUILD_CANDIDATE_COUNTS = (
    "INSERT INTO candidate_names(name_key, articles, strong) SELECT name_key, count(DISTINCT article_rowid), "
    f"sum({STRONG}) FROM entity_mentions WHERE entity_rowid IS NULL GROUP BY name_key",
    "INSERT INTO candidate_scripts(name_key, script, articles) SELECT name_key, script, "
    "count(DISTINCT article_rowid) FROM entity_mentions WHERE entity_rowid IS NULL GROUP BY name_key, script")


class CandidateDeltas:
    """Changes to the kept candidate counts, summed over the articles of one write, applied at once."""

    def __init__(self) -> None:
        self.articles: Counter[str] = Counter()
        self.strong: Counter[str] = Counter()
        self.scripts: Counter[tuple[str, str]] = Counter()


class CandidateCounts(SQLBase):
    """Upkeep and reads of candidate_names and candidate_scripts (writes: call inside ``transaction()``)."""

    def _count_candidates(self, article_rowid: int, sign: int, deltas: CandidateDeltas) -> None:
        """The candidate mentions of one article into ``deltas`` (``sign`` +1 as written, -1 before removal)."""
        rows = self._x(f"SELECT name_key, script, sum({STRONG}) FROM entity_mentions WHERE article_rowid = ? AND "
                       "entity_rowid IS NULL GROUP BY name_key, script", (int(article_rowid),)).fetchall()
        for key in {r[0] for r in rows}:
            deltas.articles[key] += sign
        for key, script, strong in rows:
            deltas.strong[key] += sign * int(strong or 0)
            deltas.scripts[(key, script)] += sign

    def _apply_candidate_counts(self, deltas: CandidateDeltas) -> None:
        """Add the changes (a row whose articles reach 0 is removed; an unchanged row is not written)."""
        names = [(k, deltas.articles[k], deltas.strong[k]) for k in sorted(set(deltas.articles) | set(deltas.strong))
                 if deltas.articles[k] or deltas.strong[k]]
        self._xmany("INSERT INTO candidate_names(name_key, articles, strong) VALUES(?,?,?) ON CONFLICT(name_key) "
                    "DO UPDATE SET articles = candidate_names.articles + excluded.articles, "
                    "strong = candidate_names.strong + excluded.strong", names)
        self._xmany("DELETE FROM candidate_names WHERE name_key = ? AND articles <= 0",
                    [(k,) for k, n, _ in names if n < 0])
        scripts = [(k, s, n) for (k, s), n in sorted(deltas.scripts.items()) if n]
        self._xmany("INSERT INTO candidate_scripts(name_key, script, articles) VALUES(?,?,?) "
                    "ON CONFLICT(name_key, script) DO UPDATE SET articles = candidate_scripts.articles + "
                    "excluded.articles", scripts)
        self._xmany("DELETE FROM candidate_scripts WHERE name_key = ? AND script = ? AND articles <= 0",
                    [(k, s) for k, s, n in scripts if n < 0])

    def _candidates_promoted(self, name_key: str) -> None:
        """Every candidate mention of ``name_key`` became an entity's: the key has no candidates left."""
        self._x("DELETE FROM candidate_names WHERE name_key = ?", (name_key,))
        self._x("DELETE FROM candidate_scripts WHERE name_key = ?", (name_key,))

    def _clear_candidate_counts(self) -> None:
        self._x("DELETE FROM candidate_names")
        self._x("DELETE FROM candidate_scripts")

    def rebuild_candidate_counts(self) -> None:
        """For a bulk loader that wrote candidate mentions itself: the counts made again from every one."""
        with self.transaction():
            self._clear_candidate_counts()
            for stmt in BUILD_CANDIDATE_COUNTS:
                self._x(stmt)

    def candidate_stats(self, name_keys: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """name key -> (articles, scripts, multi-word or cited candidates) of candidate names not yet promoted
        (keys without a candidate mention are left out): kept rows, whatever the number of mentions."""
        out: dict[str, tuple[int, int, int]] = {}
        for chunk in _chunks(sorted(set(name_keys)), 500):
            marks = ",".join("?" * len(chunk))
            scripts: Counter[str] = Counter(r[0] for r in self._x(
                f"SELECT name_key FROM candidate_scripts WHERE name_key IN ({marks}) AND articles > 0", chunk))
            rows: list[Any] = self._x(f"SELECT name_key, articles, strong FROM candidate_names WHERE name_key IN "
                                      f"({marks}) AND articles > 0", chunk).fetchall()
            out.update({k: (int(n), scripts[k], int(s)) for k, n, s in rows})
        return out
