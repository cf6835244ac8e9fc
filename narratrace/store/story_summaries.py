"""The story summaries behind the story lists (schema 10), kept right in the transactions that change
story membership.

``write_article`` (an article stored, or replaced), ``set_story`` (one article moved) and ``rename_story``
(a story renamed, or merged into another) call the hooks here inside their transaction: an article added
to a story counts in its summary (size, first and last seen, the title of its first stored member) and in
its facet rows (language, outlet, month: how many of its articles have each), and a value a story gains or
loses changes the per-value story count. Most changes are a few single-row statements; an article that
leaves a story re-reads the story's first or last date through ``articles(story_id, published)`` only when
it held one, and a merge adds the two stories' rows up. ``_build_story_summaries`` makes
all of them from the stored articles (migration 10, for a store made before).

``entity_stories`` (schema 15: per entity and story, the story's articles mentioning it; the stories list's
entity filter) is kept by the same hooks for articles that move, and for mentions by passing through the
entity tables' own upkeep (``_count_entity_rows``, which sees every entity_articles row written or about to
leave, ``_build_entity_counts`` and ``clear_entities``); ``_build_entity_stories`` fills it after migration 15.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .sql import SQLBase

#: the schema version whose migration adds the summaries and fills them from what is stored
STORY_PAGES_VERSION = 10
#: the schema version whose migration adds entity_stories (filled by ``_build_entity_stories``)
ENTITY_STORIES_VERSION = 15
UNDATED = "undated"
#: facet_keys: the story's facet values, each its kind's letter then the value, joined by this character
#: (a value holding it, or the kind separator, has them replaced by U+FFFD in facet_keys only)
KEY_SEP = "\x1f"
KIND_LETTER = {"lang": "l", "outlet": "o", "month": "m"}
LETTER_KIND = {v: k for k, v in KIND_LETTER.items()}


def fold(text: str | None) -> str:
    """What filters compare: case folded (``İ``, ``ß`` and Greek sigma too, which SQL's lower() misses)."""
    return (text or "").strip().casefold()


def month_of(published: str | None) -> str:
    """The month facet of a publication date: ``2021-02`` (a year alone stays a year), or "undated"."""
    return published[:7] if published else UNDATED


class StorySummaries(SQLBase):
    """The upkeep of story_summaries, story_facets and story_facet_counts (call inside ``transaction()``)."""

    def _member_added(self, story_id: str, rowid: int, title: str | None, lang: str | None, outlet: str | None,
                      published: str | None) -> None:
        """An article (``rowid``) now belongs to ``story_id``: count it in the story's summary and facets."""
        published = published or None
        row = self._x("SELECT size, first_seen, last_seen, first_rowid, title FROM story_summaries WHERE story_id=?",
                      (story_id,)).fetchone()
        if row is None:
            self._x("INSERT INTO story_summaries(story_id, size, n_languages, n_outlets, first_seen, last_seen, "
                    "recent, first_rowid, title, folded) VALUES(?, 1, 0, 0, ?, ?, ?, ?, ?, ?)",
                    (story_id, published, published, published or "", rowid, title, _folded(story_id, title)))
        else:
            size, first, last, first_rowid, old_title = row
            first = min(filter(None, [first, published]), default=None)
            last = max(filter(None, [last, published]), default=None)
            if first_rowid is None or rowid < first_rowid:
                first_rowid, old_title = rowid, title
            self._x("UPDATE story_summaries SET size=?, first_seen=?, last_seen=?, recent=?, first_rowid=?, title=?, "
                    "folded=? WHERE story_id=?", (size + 1, first, last, last or first or "", first_rowid, old_title,
                                                 _folded(story_id, old_title), story_id))
        for kind, value in _facet_values(lang, outlet, published):
            self._facet_step(story_id, kind, value, +1)
        self._entity_stories_step("article_rowid = ?", [rowid], +1, story_id)

    def _member_removed(self, story_id: str, rowid: int, lang: str | None, outlet: str | None,
                        published: str | None) -> None:
        """An article left ``story_id`` (replaced, deleted or moved; call after its row changed)."""
        published = published or None
        row = self._x("SELECT size, first_seen, last_seen, first_rowid FROM story_summaries WHERE story_id=?",
                      (story_id,)).fetchone()
        for kind, value in _facet_values(lang, outlet, published):
            self._facet_step(story_id, kind, value, -1)
        self._entity_stories_step("article_rowid = ?", [rowid], -1, story_id)
        if row is None:
            return
        size, first, last, first_rowid = row
        if size <= 1:
            self._x("DELETE FROM story_summaries WHERE story_id=?", (story_id,))
            return
        if published is not None and published in (first, last):
            first, last = self._member_date(story_id, "ASC"), self._member_date(story_id, "DESC")
        title_sql, title_args = "", []
        if rowid == first_rowid:
            head = self._x("SELECT rowid, title FROM articles WHERE story_id=? ORDER BY rowid LIMIT 1",
                           (story_id,)).fetchone()
            title_sql, title_args = ", first_rowid=?, title=?, folded=?", [head[0], head[1], _folded(story_id, head[1])]
        self._x(f"UPDATE story_summaries SET size=?, first_seen=?, last_seen=?, recent=?{title_sql} WHERE story_id=?",
                [size - 1, first, last, last or first or "", *title_args, story_id])

    def _member_date(self, story_id: str, order: str) -> str | None:
        row = self._x("SELECT published FROM articles WHERE story_id=? AND published > '' "
                      f"ORDER BY published {order} LIMIT 1", (story_id,)).fetchone()
        return row[0] if row else None

    def _story_moved(self, old: str, new: str) -> None:
        """Every member of ``old`` now belongs to ``new``: a rename, or a merge when ``new`` had members,
        which adds the two stories' counts up without reading their members (grouping merges stories
        often: re-reading both cost 4 ms a merge at 100k articles)."""
        head = "SELECT size, first_seen, last_seen, first_rowid, title FROM story_summaries WHERE story_id=?"
        moved, kept = (self._x(head, (sid,)).fetchone() for sid in (old, new))
        if old == new or moved is None:
            return
        self._x("INSERT INTO entity_stories(entity_rowid, story_id, articles) SELECT entity_rowid, ?, articles "
                "FROM entity_stories WHERE story_id = ? ON CONFLICT(entity_rowid, story_id) DO UPDATE SET "
                "articles = entity_stories.articles + excluded.articles", (new, old))
        self._x("DELETE FROM entity_stories WHERE story_id = ?", (old,))
        if kept is None:
            self._x("UPDATE story_summaries SET story_id=?, folded=? WHERE story_id=?",
                    (new, _folded(new, moved[4]), old))
            self._x("UPDATE story_facets SET story_id=? WHERE story_id=?", (new, old))
            return
        for kind, value in self._x("SELECT o.kind, o.value FROM story_facets o JOIN story_facets n ON n.story_id = ? "
                                   "AND n.kind = o.kind AND n.value = o.value WHERE o.story_id = ?",
                                   (new, old)).fetchall():
            self._count_value(kind, value, -1)  # two stories had the value, one has it now
        self._x("INSERT INTO story_facets(story_id, kind, value, folded, articles) SELECT ?, kind, value, folded, "
                "articles FROM story_facets WHERE story_id = ? ON CONFLICT(story_id, kind, value) DO UPDATE SET "
                "articles = story_facets.articles + excluded.articles", (new, old))
        self._x("DELETE FROM story_facets WHERE story_id=?", (old,))
        self._x("DELETE FROM story_summaries WHERE story_id=?", (old,))
        first = min(filter(None, [moved[1], kept[1]]), default=None)
        last = max(filter(None, [moved[2], kept[2]]), default=None)
        first_rowid, title = min((moved[3], moved[4]), (kept[3], kept[4]), key=lambda r: r[0])
        rows = self._x("SELECT kind, value FROM story_facets WHERE story_id=?", (new,)).fetchall()
        self._x("UPDATE story_summaries SET size=?, n_languages=?, n_outlets=?, first_seen=?, last_seen=?, recent=?, "
                "first_rowid=?, title=?, folded=?, facet_keys=? WHERE story_id=?",
                (moved[0] + kept[0], sum(k == "lang" for k, _ in rows), sum(k == "outlet" for k, _ in rows), first,
                 last, last or first or "", first_rowid, title, _folded(new, title), facet_keys(rows), new))

    def _facet_step(self, story_id: str, kind: str, value: str, step: int) -> None:
        """One article more (+1) or less (-1) with this facet value in the story; a value the story gains
        or loses changes the per-value story count and the story's number of languages or outlets."""
        if step > 0:
            n = self._x("INSERT INTO story_facets(story_id, kind, value, folded, articles) VALUES(?, ?, ?, ?, 1) "
                        "ON CONFLICT(story_id, kind, value) DO UPDATE SET articles = story_facets.articles + 1 "
                        "RETURNING articles", (story_id, kind, value, fold(value))).fetchone()[0]
            if n != 1:
                return
        else:
            row = self._x("UPDATE story_facets SET articles = articles - 1 WHERE story_id=? AND kind=? AND value=? "
                          "RETURNING articles", (story_id, kind, value)).fetchone()
            if row is None or row[0] > 0:
                return
            self._x("DELETE FROM story_facets WHERE story_id=? AND kind=? AND value=?", (story_id, kind, value))
        self._count_value(kind, value, step)
        keys = facet_keys(self._x("SELECT kind, value FROM story_facets WHERE story_id=?", (story_id,)).fetchall())
        if kind in ("lang", "outlet"):
            col = "n_languages" if kind == "lang" else "n_outlets"
            self._x(f"UPDATE story_summaries SET {col} = {col} + ?, facet_keys = ? WHERE story_id=?",
                    (step, keys, story_id))
        else:
            self._x("UPDATE story_summaries SET facet_keys = ? WHERE story_id=?", (keys, story_id))

    def _count_value(self, kind: str, value: str, step: int) -> None:
        n = self._x("INSERT INTO story_facet_counts(kind, value, folded, stories) VALUES(?, ?, ?, ?) "
                    "ON CONFLICT(kind, value) DO UPDATE SET stories = story_facet_counts.stories + ? "
                    "RETURNING stories", (kind, value, fold(value), step, step)).fetchone()[0]
        if n <= 0:
            self._x("DELETE FROM story_facet_counts WHERE kind=? AND value=?", (kind, value))

    def _write_summaries(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Summaries and facet rows of whole stories from their members' (story_id, rowid, title, lang,
        outlet, published) rows, grouped by story and in rowid order within one (the per-value story counts
        are made once, after every story: ``_build_story_summaries``)."""
        summaries, facet_rows = [], []
        for sid, members in _grouped(rows):
            dates = sorted(p for *_, p in members if p)
            langs, outlets, months = {}, {}, {}  # type: dict[str, int], dict[str, int], dict[str, int]
            for _sid, _rowid, _title, lang, outlet, published in members:
                for kind, value in _facet_values(lang, outlet, published or None):
                    bucket = langs if kind == "lang" else outlets if kind == "outlet" else months
                    bucket[value] = bucket.get(value, 0) + 1
            first, last = (dates[0], dates[-1]) if dates else (None, None)
            title = members[0][2]
            keys = facet_keys([("lang", v) for v in langs] + [("outlet", v) for v in outlets]
                              + [("month", v) for v in months])
            summaries.append((sid, len(members), len(langs), len(outlets), first, last, last or first or "",
                              members[0][1], title, _folded(sid, title), keys))
            for kind, bucket in (("lang", langs), ("outlet", outlets), ("month", months)):
                facet_rows += [(sid, kind, v, fold(v), n) for v, n in bucket.items()]
        self._xmany("INSERT INTO story_summaries(story_id, size, n_languages, n_outlets, first_seen, last_seen, "
                    "recent, first_rowid, title, folded, facet_keys) VALUES(?,?,?,?,?,?,?,?,?,?,?)", summaries)
        self._xmany("INSERT INTO story_facets(story_id, kind, value, folded, articles) VALUES(?,?,?,?,?)", facet_rows)

    def _entity_stories_step(self, where: str, args: list[Any], step: int, story_id: str | None = None) -> None:
        """The entity_articles rows ``where`` selects count ``step`` (+1 written, -1 about to leave) in their
        article's story (``story_id`` when given: an article joining or leaving it) in entity_stories."""
        where = where.replace("article_rowid", "ea.article_rowid")
        if story_id is not None:
            rows = [(e, story_id, n) for e, n in self._x(
                f"SELECT ea.entity_rowid, count(*) FROM entity_articles ea WHERE {where} GROUP BY ea.entity_rowid",
                args).fetchall()]
        else:
            rows = self._x("SELECT ea.entity_rowid, a.story_id, count(*) FROM entity_articles ea JOIN articles a ON "
                           f"a.rowid = ea.article_rowid WHERE {where} AND a.story_id IS NOT NULL "
                           "GROUP BY ea.entity_rowid, a.story_id", args).fetchall()
        if not rows:
            return
        self._xmany("INSERT INTO entity_stories(entity_rowid, story_id, articles) VALUES(?, ?, ?) ON CONFLICT"
                    "(entity_rowid, story_id) DO UPDATE SET articles = entity_stories.articles + excluded.articles",
                    [(e, sid, step * int(n)) for e, sid, n in rows])
        self._xmany("DELETE FROM entity_stories WHERE entity_rowid = ? AND story_id = ? AND articles <= 0",
                    [(e, sid) for e, sid, _n in rows])

    # the entity tables' changes (entity_counts.py, entities.py) pass through these on their way
    def _count_entity_rows(self, where: str, args: list[Any], sign: int, deltas: Any) -> set[int]:
        self._entity_stories_step(where, list(args), sign)
        return super()._count_entity_rows(where, args, sign, deltas)  # type: ignore[misc]

    def _build_entity_counts(self, rowids: Iterable[int] | None = None) -> None:
        rowids = None if rowids is None else list(rowids)
        super()._build_entity_counts(rowids)  # type: ignore[misc]
        self._build_entity_stories(rowids)

    def clear_entities(self) -> None:
        super().clear_entities()  # type: ignore[misc]
        self._x("DELETE FROM entity_stories")

    def _build_entity_stories(self, entity_rowids: Iterable[int] | None = None) -> None:
        """entity_stories again from entity_articles (of these entities, or all): migration 15, bulk loaders."""
        cond, args = "", []  # type: str, list[Any]
        if entity_rowids is not None:
            args = sorted({int(r) for r in entity_rowids})
            if not args:
                return
            cond = f" AND ea.entity_rowid IN ({','.join('?' * len(args))})"
        self._x(f"DELETE FROM entity_stories WHERE 1 = 1{cond.replace('ea.', '')}", args)
        self._x("INSERT INTO entity_stories(entity_rowid, story_id, articles) SELECT ea.entity_rowid, a.story_id, "
                "count(*) FROM entity_articles ea JOIN articles a ON a.rowid = ea.article_rowid WHERE a.story_id "
                f"IS NOT NULL{cond} GROUP BY ea.entity_rowid, a.story_id", args)

    def _build_story_summaries(self) -> None:
        """Every summary, facet and count again from the stored articles (migration 10 runs it)."""
        for table in ("story_summaries", "story_facets", "story_facet_counts"):
            self._x(f"DELETE FROM {table}")
        pending: list[tuple[Any, ...]] = []
        for batch in self._scan("SELECT story_id, rowid, title, lang, outlet, published FROM articles "
                                "WHERE story_id IS NOT NULL ORDER BY story_id, rowid"):
            pending += batch
            cut = len(pending)
            while cut > 0 and pending[cut - 1][0] == pending[-1][0]:
                cut -= 1  # the last story may go on in the next batch
            self._write_summaries(pending[:cut])
            pending = pending[cut:]
        self._write_summaries(pending)
        self._x("INSERT INTO story_facet_counts(kind, value, folded, stories) "
                "SELECT kind, value, min(folded), count(*) FROM story_facets GROUP BY kind, value")


def _facet_values(lang: str | None, outlet: str | None, published: str | None) -> list[tuple[str, str]]:
    """The (kind, value) facets one article gives its story: its language and outlet when known, its month."""
    out = [("lang", lang)] if lang else []
    if outlet:
        out.append(("outlet", outlet))
    return [*out, ("month", month_of(published))]


def facet_keys(rows: Iterable[tuple[str, str]]) -> str:
    """A story's (kind, value) facets as its summary's facet_keys (in a stable order)."""
    safe = str.maketrans({KEY_SEP: "\ufffd"})
    return KEY_SEP.join(sorted(KIND_LETTER[k] + v.translate(safe) for k, v in rows))


def _folded(story_id: str, title: str | None) -> str:
    """What the text filter searches in a summary: the story id and the title."""
    return fold(f"{story_id}\n{title or ''}")


def _grouped(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[str, list[tuple[Any, ...]]]]:
    """Consecutive rows of one story (``rows`` ordered by story) as (story id, its rows)."""
    sid: str | None = None
    members: list[tuple[Any, ...]] = []
    for row in rows:
        if row[0] != sid and members:
            yield sid, members  # type: ignore[misc]
            members = []
        sid = row[0]
        members.append(row)
    if members:
        yield sid, members  # type: ignore[misc]
