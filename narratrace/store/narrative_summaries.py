"""The narrative summaries behind the narrative lists (schema 12), kept right in the transactions that change
a narrative's members.

A narrative's articles are those of its stories (``narrative_stories``) and those assigned to it one by one
(``narrative_articles``): an article belongs to narrative N when its story is one of N's or it was assigned
to N. Each narrative with an article keeps a row: how many articles, the earliest and latest publication
dates. Ordering narratives by reading their members cost two seconds a page at a million articles; the
rows make it an index read.

What changes membership calls the hooks here inside its transaction:

- one article (written or replaced: ``write_article``; moved to another story: ``set_story``; assigned a
  narrative: ``set_article_narrative``): ``_narrative_memberships`` before the change and
  ``_narrative_article_changed`` after it, a few single-row statements;
- a story given a narrative (``set_story_narrative``): ``_narrative_story_moving`` / ``_narrative_story_moved``,
  which add the story's size (its summary, store/story_summaries.py) less the articles already counted;
- a story renamed or merged into another (``rename_story``): ``_narratives_before_merge`` before its articles
  move and ``_narratives_after_merge`` after.

Counts move by deltas; dates only grow by deltas, and an article leaving a narrative with its earliest or
latest date makes the row be counted again from the narrative's story summaries and assigned articles.
``_build_narrative_summaries`` makes every row from what is stored (migration 12, for a store made before).
Each hook also hands the affected articles' presence before and after to ``narrative_facets.py`` (schema
13: per narrative its articles per language, outlet, month and story), which steps those rows by the
difference.
"""
from __future__ import annotations

from typing import Any

from .narrative_facets import NarrativeFacets, facet_values

#: the schema version whose migration adds the summaries and fills them from what is stored
NARRATIVE_PAGES_VERSION = 12

#: (the narratives an article belongs to, its publication date or None[, its facet values]): a new article
#: is ``(frozenset(), None)``
Membership = tuple[Any, ...]

#: every narrative's article count and dates: its stories' (from their summaries) plus its articles
#: assigned one by one outside those stories; ``{where_st}``/``{where_ex}`` narrow it to one narrative
_SIZES = """
WITH st AS (
    SELECT ns.narrative_id AS nid, sum(ss.size) AS n, min(ss.first_seen) AS first, max(ss.last_seen) AS last
    FROM narrative_stories ns JOIN story_summaries ss ON ss.story_id = ns.story_id{where_st}
    GROUP BY ns.narrative_id),
ex AS (
    SELECT na.narrative_id AS nid, count(*) AS n, min(CASE WHEN a.published > '' THEN a.published END) AS first,
           max(CASE WHEN a.published > '' THEN a.published END) AS last
    FROM narrative_articles na JOIN articles a ON a.id = na.article_id
    WHERE NOT EXISTS (SELECT 1 FROM narrative_stories ns2
                      WHERE ns2.story_id = a.story_id AND ns2.narrative_id = na.narrative_id){where_ex}
    GROUP BY na.narrative_id)
SELECT n.id, coalesce(st.n, 0), st.first, st.last, coalesce(ex.n, 0), ex.first, ex.last
FROM narratives n LEFT JOIN st ON st.nid = n.id LEFT JOIN ex ON ex.nid = n.id{where_n}
"""


def _min(*dates: str | None) -> str | None:
    return min(filter(None, dates), default=None)


def _max(*dates: str | None) -> str | None:
    return max(filter(None, dates), default=None)


class NarrativeSummaries(NarrativeFacets):
    """The upkeep of narrative_summaries (call the hooks inside ``transaction()``)."""

    # ------------------------------------------------------------ one article
    def _narrative_memberships(self, article_id: str) -> Membership:
        """The narratives ``article_id`` belongs to now, and its date (call before changing it)."""
        row = self._x("SELECT a.published, a.lang, a.outlet, a.story_id, ns.narrative_id, na.narrative_id "
                      "FROM articles a LEFT JOIN narrative_stories ns ON ns.story_id = a.story_id "
                      "LEFT JOIN narrative_articles na ON na.article_id = a.id WHERE a.id = ?",
                      (article_id,)).fetchone()
        if row is None:
            return frozenset(), None, ()
        published, lang, outlet, story_id = row[:4]
        return frozenset(n for n in row[4:] if n), published or None, facet_values(lang, outlet, published, story_id)

    def _narrative_article_changed(self, article_id: str, before: Membership) -> None:
        """``article_id`` changed (written, replaced, moved, assigned) since ``before`` was read: the
        narratives it joined count it, those it left count it no more."""
        after = self._narrative_memberships(article_id)
        (was, old_date), (now, new_date) = before[:2], after[:2]
        gone, came = (was, now) if old_date != new_date else (was - now, now - was)

        def resize() -> None:
            for nid in sorted(came):
                self._narrative_step(nid, 1, new_date, new_date)
            for nid in sorted(gone):
                self._narrative_step(nid, -1, old_date, old_date)

        self._facets_follow({article_id: (was, before[2] if len(before) > 2 else ())},
                            {article_id: (now, after[2])}, resize)

    # ------------------------------------------------------------ whole stories
    def _narrative_story_moving(self, story_id: str, narrative_id: str | None) -> tuple[Any, ...]:
        """Before ``story_id``'s narrative becomes ``narrative_id``: (story, its narrative now, the new one,
        its articles' presences when the narrative changes)."""
        old = self._narrative_of_story(story_id)
        return story_id, old, narrative_id, (self._story_presences([story_id]) if old != narrative_id else {})

    def _narrative_of_story(self, story_id: str) -> str | None:
        row = self._x("SELECT narrative_id FROM narrative_stories WHERE story_id=?", (story_id,)).fetchone()
        return row[0] if row else None

    def _narrative_story_moved(self, moving: tuple[Any, ...]) -> None:
        """After ``set_story_narrative``: the story's articles count in its new narrative, not its old one
        (but for those assigned to either one by one, which were counted there already)."""
        story_id, old, new, presences = moving
        if old == new:
            return
        size, first, last = self._story_span(story_id)
        assigned = self._assigned_in(story_id, [n for n in (old, new) if n])

        def resize() -> None:
            if new:
                self._narrative_step(new, size - assigned.get(new, 0), first, last)
            if old:
                self._narrative_step(old, -(size - assigned.get(old, 0)), first, last)

        self._facets_follow(presences, self._story_presences([story_id]), resize)

    def _narratives_before_merge(self, old: str, new: str) -> dict[str, Any]:
        """Before story ``old`` is renamed ``new`` (merged into it when ``new`` has members): what
        ``_narratives_after_merge`` needs, read while the two stories' articles are still apart."""
        narr = {sid: self._narrative_of_story(sid) for sid in (old, new)}
        wanted = [n for n in set(narr.values()) if n]
        return {"old": old, "new": new, "narr": narr,
                "presences": self._story_presences([old, new]) if old != new else {},
                "span": {sid: self._story_span(sid) for sid in (old, new)},
                "assigned": {sid: self._assigned_in(sid, wanted) for sid in (old, new)}}

    def _narratives_after_merge(self, state: dict[str, Any]) -> None:
        """After ``rename_story``: the merged story has the narrative of ``new`` (or, when it had none, that of
        ``old``); the articles of the story whose narrative changed move."""
        old, new, narr = state["old"], state["new"], state["narr"]
        if old == new:
            return
        target = narr[new] or narr[old]

        def resize() -> None:
            losses = []
            for sid in (old, new):
                if narr[sid] == target:
                    continue
                size, first, last = state["span"][sid]
                assigned = state["assigned"][sid]
                if target:
                    self._narrative_step(target, size - assigned.get(target, 0), first, last)
                if narr[sid]:
                    losses.append((narr[sid], -(size - assigned.get(narr[sid], 0)), first, last))
            for nid, n, first, last in losses:  # after the gains: a recount sees the final state
                self._narrative_step(nid, n, first, last)

        self._facets_follow(state["presences"], self._story_presences([new]), resize)

    def _story_span(self, story_id: str) -> tuple[int, str | None, str | None]:
        """(articles, first, last date) of a story, from its summary."""
        row = self._x("SELECT size, first_seen, last_seen FROM story_summaries WHERE story_id=?",
                      (story_id,)).fetchone()
        return (int(row[0]), row[1] or None, row[2] or None) if row else (0, None, None)

    def _assigned_in(self, story_id: str, narrative_ids: list[str]) -> dict[str, int]:
        """narrative id -> how many articles of the story are assigned to it one by one."""
        if not narrative_ids:
            return {}
        marks = ",".join("?" * len(narrative_ids))
        rows = self._x("SELECT na.narrative_id, count(*) FROM articles a JOIN narrative_articles na "
                       f"ON na.article_id = a.id WHERE a.story_id = ? AND na.narrative_id IN ({marks}) "
                       "GROUP BY na.narrative_id", [story_id, *narrative_ids]).fetchall()
        return {nid: int(n) for nid, n in rows}

    # ------------------------------------------------------------ the rows
    def _narrative_step(self, narrative_id: str, n: int, first: str | None, last: str | None) -> None:
        """``n`` articles more (``n`` > 0), dated ``first``..``last``, or fewer (``n`` < 0); an article leaving
        with the narrative's earliest or latest date (or a row that is missing) has it counted again."""
        if n == 0:
            return
        row = self._x("SELECT size, first_seen, last_seen FROM narrative_summaries WHERE narrative_id=?",
                      (narrative_id,)).fetchone()
        if n > 0:
            if row is None:
                self._put_narrative(narrative_id, n, first, last)
            else:
                self._put_narrative(narrative_id, int(row[0]) + n, _min(row[1], first), _max(row[2], last))
            return
        at_edge = (first is not None and (row is None or row[1] is None or first <= row[1])) or \
                  (last is not None and (row is None or row[2] is None or last >= row[2]))
        if row is None or at_edge or int(row[0]) + n <= 0:
            self._recount_narrative(narrative_id)
        else:
            self._x("UPDATE narrative_summaries SET size=? WHERE narrative_id=?", (int(row[0]) + n, narrative_id))

    def _put_narrative(self, narrative_id: str, size: int, first: str | None, last: str | None) -> None:
        if size <= 0:
            self._x("DELETE FROM narrative_summaries WHERE narrative_id=?", (narrative_id,))
            return
        self._x("INSERT INTO narrative_summaries(narrative_id, size, first_seen, last_seen, first_key, recent) "
                "VALUES(?,?,?,?,?,?) ON CONFLICT(narrative_id) DO UPDATE SET size=excluded.size, "
                "first_seen=excluded.first_seen, last_seen=excluded.last_seen, first_key=excluded.first_key, "
                "recent=excluded.recent", _row(narrative_id, size, first, last))

    def _recount_narrative(self, narrative_id: str) -> None:
        """One narrative's row again from its stories' summaries and its assigned articles."""
        sql = _SIZES.format(where_st=" WHERE ns.narrative_id = ?", where_ex=" AND na.narrative_id = ?",
                            where_n=" WHERE n.id = ?")
        found = self._x(sql, (narrative_id, narrative_id, narrative_id)).fetchone()
        if found is None:
            self._put_narrative(narrative_id, 0, None, None)
            return
        _nid, n_st, f_st, l_st, n_ex, f_ex, l_ex = found
        self._put_narrative(narrative_id, int(n_st) + int(n_ex), _min(f_st, f_ex), _max(l_st, l_ex))

    def _build_narrative_summaries(self) -> None:
        """Every row again from what is stored (migration 12 runs it, after the story summaries)."""
        self._x("DELETE FROM narrative_summaries")
        rows = self._x(_SIZES.format(where_st="", where_ex="", where_n="")).fetchall()
        self._xmany("INSERT INTO narrative_summaries(narrative_id, size, first_seen, last_seen, first_key, recent) "
                    "VALUES(?,?,?,?,?,?)",
                    [_row(nid, int(a) + int(b), _min(f1, f2), _max(l1, l2))
                     for nid, a, f1, l1, b, f2, l2 in rows if int(a) + int(b) > 0])


def _row(narrative_id: str, size: int, first: str | None, last: str | None) -> tuple[Any, ...]:
    """A summary row: ``first_key`` and ``recent`` are what the sorts' indexes order by (undated: '')."""
    return narrative_id, size, first, last, first or "", last or first or ""
