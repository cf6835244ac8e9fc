"""What a narrative list item shows without reading the narrative's members (schema 13): per narrative its
articles per language, outlet, month and story (``narrative_facets``), and per language, outlet and month
how many narratives have it (``narrative_facet_counts``, by size class, so that the list's facets honour
its least size without a scan).

A list item used to carry every member id, so a page of the largest narratives read thousands of rows
at a million articles; now it reads a few rows per narrative whatever its size. The rows follow every
change of membership by article: the hooks of ``narrative_summaries.py`` read each affected article's
``Presence`` (its narratives and facet values) before and after the change and pass both to
``_facets_follow``, which steps the rows by the difference. One article written, moved or assigned is one
article; a story given a narrative or merged into another is its articles (the statement that moves them
already touches each of them).

A narrative's size class is ``min(size, SIZE_CLASSES)``: its values count in its class, and move with it
when it grows or shrinks below ``SIZE_CLASSES`` (a few rows, since such a narrative has few articles).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .sql import SQLBase, _chunks
from .story_summaries import month_of

#: the schema version whose migration adds the facet rows (filled from what is stored after it)
NARRATIVE_FACETS_VERSION = 13
#: narratives of this many articles or more share one size class: facets of lists whose least size is
#: above it are counted from the facet rows of every narrative that passes
SIZE_CLASSES = 10
#: the kinds whose narratives are counted per value (the list's facets); "story" rows only count stories
COUNTED = ("lang", "outlet", "month")

#: an article's facet values: (kind, value) pairs
Values = tuple[tuple[str, str], ...]
#: an article's narratives and its facet values
Presence = tuple[frozenset[str], Values]

#: every member with the values it gives its narratives (``{where}``: a condition on the article ``a``)
_MEMBER_ROWS = ("SELECT a.id, a.lang, a.outlet, a.published, a.story_id, ns.narrative_id, na.narrative_id "
                "FROM articles a LEFT JOIN narrative_stories ns ON ns.story_id = a.story_id "
                "LEFT JOIN narrative_articles na ON na.article_id = a.id WHERE {where}")


def facet_values(lang: str | None, outlet: str | None, published: str | None, story_id: str | None) -> Values:
    """The (kind, value) pairs one article counts for in each of its narratives."""
    out = [("lang", lang)] if lang else []
    if outlet:
        out.append(("outlet", outlet))
    out.append(("month", month_of(published or None)))
    return (*out, ("story", story_id)) if story_id else tuple(out)


def size_class(size: int) -> int:
    return max(0, min(int(size), SIZE_CLASSES))


class NarrativeFacets(SQLBase):
    """The upkeep and the reads of narrative_facets and narrative_facet_counts."""

    def _presences(self, where: str, args: Iterable[Any]) -> dict[str, Presence]:
        """article id -> (narratives, facet values) of the articles passing ``where`` (on ``a``)."""
        out: dict[str, Presence] = {}
        for aid, lang, outlet, published, sid, by_story, by_article in self._x(
                _MEMBER_ROWS.format(where=where), list(args)).fetchall():
            out[aid] = (frozenset(n for n in (by_story, by_article) if n),
                        facet_values(lang, outlet, published, sid))
        return out

    def _story_presences(self, story_ids: Collection[str]) -> dict[str, Presence]:
        ids = sorted(set(story_ids))
        return self._presences(f"a.story_id IN ({','.join('?' * len(ids))})", ids) if ids else {}

    def _facets_follow(self, before: Mapping[str, Presence], after: Mapping[str, Presence],
                       resize: Any = None) -> None:
        """The facet rows follow the articles from ``before`` to ``after`` (an article missing from one had
        no narrative then); ``resize()``, when given, changes the summaries' sizes, between the row steps and
        the per-value counts (which need each narrative's size class before and after)."""
        deltas: dict[str, Counter[tuple[str, str]]] = {}
        for aid in set(before) | set(after):
            was, old = before.get(aid, (frozenset(), ()))
            now, new = after.get(aid, (frozenset(), ()))
            if was == now and old == new:
                continue
            for nid in was:
                deltas.setdefault(nid, Counter()).subtract(old)
            for nid in now:
                deltas.setdefault(nid, Counter()).update(new)
        classes = self._size_classes(deltas)
        changed = {nid: self._step_facets(nid, d) for nid, d in sorted(deltas.items())}
        if resize is not None:
            resize()
        for nid, now_class in self._size_classes(deltas).items():
            gained, lost = changed[nid]
            was_class = classes[nid]
            for kind, value in lost:
                self._count_narratives(kind, value, was_class, -1)
            if was_class != now_class:
                for kind, value in self._x("SELECT kind, value FROM narrative_facets WHERE narrative_id = ? "
                                           "AND kind IN ('lang', 'outlet', 'month')", (nid,)).fetchall():
                    if (kind, value) not in gained:
                        self._count_narratives(kind, value, was_class, -1)
                        self._count_narratives(kind, value, now_class, +1)
            for kind, value in gained:
                self._count_narratives(kind, value, now_class, +1)

    def _size_classes(self, narrative_ids: Iterable[str]) -> dict[str, int]:
        ids = sorted(narrative_ids)
        found: dict[str, int] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self._x(f"SELECT narrative_id, size FROM narrative_summaries WHERE narrative_id IN ({marks})", chunk)
            found.update((nid, size_class(n)) for nid, n in rows.fetchall())
        return {nid: found.get(nid, 0) for nid in ids}

    def _step_facets(self, narrative_id: str, deltas: Counter[tuple[str, str]]
                     ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """Add ``deltas`` to the narrative's rows: the counted values it gained and those it lost."""
        gained: set[tuple[str, str]] = set()
        lost: set[tuple[str, str]] = set()
        for (kind, value), step in sorted(deltas.items()):
            if step == 0:
                continue
            now = self._step_row("narrative_facets", {"narrative_id": narrative_id, "kind": kind, "value": value},
                                 "articles", step)
            if kind in COUNTED:
                if now - step <= 0 < now:
                    gained.add((kind, value))
                elif now <= 0 < now - step:
                    lost.add((kind, value))
        return gained, lost

    def _count_narratives(self, kind: str, value: str, klass: int, step: int) -> None:
        if klass > 0:
            self._step_row("narrative_facet_counts", {"kind": kind, "value": value, "size_class": klass},
                           "narratives", step)

    def _step_row(self, table: str, key: Mapping[str, Any], count: str, step: int) -> int:
        """Add ``step`` to the ``count`` column of ``table``'s row with this ``key`` (made when missing, deleted
        when it reaches zero): the count after."""
        cols = ", ".join(key)
        now = int(self._x(f"INSERT INTO {table}({cols}, {count}) VALUES({', '.join('?' * (len(key) + 1))}) "
                          f"ON CONFLICT({cols}) DO UPDATE SET {count} = {table}.{count} + excluded.{count} "
                          f"RETURNING {count}", (*key.values(), step)).fetchone()[0])
        if now <= 0:
            self._x(f"DELETE FROM {table} WHERE {' AND '.join(f'{c} = ?' for c in key)}", tuple(key.values()))
        return now

    def _build_narrative_facets(self) -> None:
        """Every facet row and count again from what is stored (migration 13 runs it, after the summaries)."""
        self._x("DELETE FROM narrative_facets")
        self._x("DELETE FROM narrative_facet_counts")
        members = ("SELECT ns.narrative_id AS nid, a.id AS aid, a.lang AS lang, a.outlet AS outlet, "
                   "CASE WHEN a.published > '' THEN substr(a.published, 1, 7) ELSE 'undated' END AS month, "
                   "a.story_id AS sid FROM narrative_stories ns JOIN articles a ON a.story_id = ns.story_id "
                   "UNION SELECT na.narrative_id, a.id, a.lang, a.outlet, "
                   "CASE WHEN a.published > '' THEN substr(a.published, 1, 7) ELSE 'undated' END, a.story_id "
                   "FROM narrative_articles na JOIN articles a ON a.id = na.article_id")
        self._x(f"INSERT INTO narrative_facets(narrative_id, kind, value, articles) "
                f"SELECT nid, 'lang', lang, count(*) FROM ({members}) m WHERE lang > '' GROUP BY nid, lang "
                f"UNION ALL SELECT nid, 'outlet', outlet, count(*) FROM ({members}) m WHERE outlet > '' "
                f"GROUP BY nid, outlet "
                f"UNION ALL SELECT nid, 'month', month, count(*) FROM ({members}) m GROUP BY nid, month "
                f"UNION ALL SELECT nid, 'story', sid, count(*) FROM ({members}) m WHERE sid > '' GROUP BY nid, sid")
        self._x(f"INSERT INTO narrative_facet_counts(kind, value, size_class, narratives) "
                f"SELECT f.kind, f.value, CASE WHEN s.size >= {SIZE_CLASSES} THEN {SIZE_CLASSES} ELSE s.size END, "
                "count(*) FROM narrative_facets f JOIN narrative_summaries s ON s.narrative_id = f.narrative_id "
                "WHERE f.kind IN ('lang', 'outlet', 'month') GROUP BY f.kind, f.value, "
                f"CASE WHEN s.size >= {SIZE_CLASSES} THEN {SIZE_CLASSES} ELSE s.size END")

    # ------------------------------------------------------------ reads
    def narrative_facets_of(self, narrative_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        """narrative id -> kind -> value -> its articles with it, for lang, outlet and month; and under
        "stories" the narrative's number of stories (``{"n": k}``): a few rows per narrative."""
        out: dict[str, dict[str, dict[str, int]]] = {
            nid: {"lang": {}, "outlet": {}, "month": {}, "stories": {"n": 0}} for nid in narrative_ids}
        for chunk in _chunks(sorted(out), 200):
            marks = ",".join("?" * len(chunk))
            for nid, kind, value, n in self._x(
                    "SELECT narrative_id, kind, value, articles FROM narrative_facets WHERE kind IN "
                    f"('lang', 'outlet', 'month') AND narrative_id IN ({marks})", chunk).fetchall():
                out[nid][kind][value] = int(n)
            for nid, n in self._x(f"SELECT narrative_id, count(*) FROM narrative_facets WHERE kind = 'story' "
                                  f"AND narrative_id IN ({marks}) GROUP BY narrative_id", chunk).fetchall():
                out[nid]["stories"]["n"] = int(n)
        return out
