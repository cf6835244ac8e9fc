"""Story lists in SQL: filtered, sorted, counted and faceted a page at a time (schema 10).

Listing stories by reading every member costs a second per 30,000 articles, so each story keeps a
summary row (``story_summaries``: size, languages, outlets, first and last seen, title) and a row per
language, outlet and month it has articles in (``story_facets``, with the number of its articles), and
each such value the number of stories that have it (``story_facet_counts``: the facets of an
unfiltered list without a scan). All three change in the transaction that writes or moves articles
(``write_article``, ``set_story``, ``rename_story`` call the ``_member_*`` and ``_story_moved`` hooks
here), so a list never disagrees with the stories it lists; migration 10 builds them for a store
made before (``_build_story_summaries``).

A page is one ``SELECT ... ORDER BY ... LIMIT ? OFFSET ?`` on an index of the summaries (one per sort),
one ``count(*)`` and, for the facets of a filtered list, one ``GROUP BY`` over the facet rows of the
stories that pass the filters (its cost grows with how many do). Filters: a language, an outlet
(substring, any case), a date range that overlaps [first seen, last seen] (a partial date compares on
its own precision; undated stories are left out), and text: a substring of the story id, its title or an
outlet, or exactly an article id.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .sql import SQLBase, _chunks

#: the schema version whose migration adds the summaries and fills them from what is stored
STORY_PAGES_VERSION = 10
#: ORDER BY of each sort; each is an index of story_summaries (schema 10); the story id breaks ties
SORTS = {
    "size": "s.size DESC, s.n_languages DESC, s.story_id",
    "spread": "s.n_languages DESC, s.n_outlets DESC, s.size DESC, s.story_id",
    "recent": "s.recent DESC, s.size DESC, s.story_id",
}
#: facet kinds as stored -> as shown (``Page.facets``)
FACETS = {"lang": "languages", "outlet": "outlets", "month": "months"}
UNDATED = "undated"
#: outlets a substring filter may name before it is matched by LIKE on every facet row instead
MAX_MATCHED_OUTLETS = 2000
MAX_LIMIT = 1000


def fold(text: str | None) -> str:
    """What filters compare: case folded (``İ``, ``ß`` and Greek sigma too, which SQL's lower() misses)."""
    return (text or "").strip().casefold()


def month_of(published: str | None) -> str:
    """The month facet of a publication date: ``2021-02`` (a year alone stays a year), or "undated"."""
    return published[:7] if published else UNDATED


def _like(needle: str) -> str:
    """A LIKE pattern for a substring (``%``, ``_`` and ``\\`` escaped)."""
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class StoryFilters:
    """What a story list keeps; empty fields keep everything."""

    lang: str | None = None
    outlet: str | None = None
    since: str | None = None
    until: str | None = None
    q: str | None = None

    def active(self) -> bool:
        return any((v or "").strip() for v in asdict(self).values())


@dataclass
class StorySummary:
    """A story as lists show it: no member ids (``Narratrace.story`` has them); languages and outlets
    most articles first."""

    id: str
    title: str | None
    size: int
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Page:
    """One page of a list: ``total`` items pass the filters, ``items`` are those from ``offset`` on (at most
    ``limit``); ``facets``: kind -> [(value, items with it)] over all ``total`` of them."""

    total: int
    items: list[Any]
    limit: int
    offset: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def page(self) -> int:
        """The 1-based number of this page."""
        return self.offset // max(self.limit, 1) + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(self.limit, 1)))

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "limit": self.limit, "offset": self.offset,
                "items": [i.to_dict() if hasattr(i, "to_dict") else i for i in self.items],
                "facets": {k: [{"value": v, "count": n} for v, n in vs] for k, vs in self.facets.items()}}


def count_facets(rows: Iterable[tuple[str | None, str | None, str | None]], size: int = 30
                 ) -> dict[str, list[tuple[str, int]]]:
    """Facets of items given as (language, outlet, published) each, for lists counted in Python (search
    results): the same shape and order as ``StoryPages``' facets."""
    counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
    for lang, outlet, published in rows:
        for kind, value in (("lang", lang), ("outlet", outlet), ("month", month_of(published))):
            if value:
                counts[kind][value] = counts[kind].get(value, 0) + 1
    return _ordered(counts, size)


def _ordered(counts: dict[str, dict[str, int]], size: int) -> dict[str, list[tuple[str, int]]]:
    """Months in time order (undated last), the rest most stories first; at most ``size`` outlets."""
    out: dict[str, list[tuple[str, int]]] = {}
    for kind, shown in FACETS.items():
        got = counts.get(kind, {})
        if kind == "month":
            out[shown] = sorted(got.items(), key=lambda kv: (kv[0] == UNDATED, kv[0]))
        else:
            ranked = sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))
            out[shown] = ranked[:size] if kind == "outlet" else ranked
    return out


class StoryPages(SQLBase):
    """Paged story lists over the story summaries, and the hooks that keep the summaries right."""

    # ------------------------------------------------------------------ reads
    def story_page(self, filters: StoryFilters | None = None, sort: str = "size", limit: int = 20,
                   offset: int = 0, facets: bool = True, facet_size: int = 30) -> Page:
        """Stories passing ``filters``, ordered by ``sort`` (size, spread or recent), ``limit`` of them from
        ``offset``; with the total and, when ``facets``, the languages, outlets and months of them all."""
        if sort not in SORTS:
            from ..errors import InputError

            raise InputError("stories", f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
        limit, offset = max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))
        filters = filters or StoryFilters()
        where = self._story_where(filters)
        if where is None:  # a filter nothing can pass (an outlet no story has)
            return Page(0, [], limit, offset, _ordered({}, facet_size) if facets else {})
        cond, args = where
        total = int(self._x(f"SELECT count(*) FROM story_summaries s{cond}", args).fetchone()[0])
        ids = [r[0] for r in self._x(f"SELECT s.story_id FROM story_summaries s{cond} ORDER BY {SORTS[sort]} "
                                     "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()] if limit else []
        found = {s.id: s for s in self.story_summaries(ids)}
        items = [found[i] for i in ids if i in found]
        shown = self._facets(cond, args, filters.active(), facet_size) if facets and total else (
            _ordered({}, facet_size) if facets else {})
        return Page(total, items, limit, offset, shown)

    def story_summaries(self, story_ids: Iterable[str]) -> list[StorySummary]:
        """The summaries of these stories (unknown ids left out), in no particular order."""
        ids = list(dict.fromkeys(story_ids))
        out: dict[str, StorySummary] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for sid, size, first, last, title in self._x(
                    "SELECT story_id, size, first_seen, last_seen, title FROM story_summaries "
                    f"WHERE story_id IN ({marks})", chunk).fetchall():
                out[sid] = StorySummary(sid, title, int(size), first_seen=first, last_seen=last)
            rows = self._x("SELECT story_id, kind, value, articles FROM story_facets WHERE kind IN ('lang', 'outlet') "
                           f"AND story_id IN ({marks})", chunk).fetchall()
            for sid, kind, value, _n in sorted(rows, key=lambda r: (-r[3], r[2])):
                if sid in out:
                    (out[sid].languages if kind == "lang" else out[sid].outlets).append(value)
        return list(out.values())

    def _story_where(self, f: StoryFilters) -> tuple[str, list[Any]] | None:
        """(`` WHERE ...`` over story_summaries ``s``, its parameters), or None when no story can pass."""
        conds: list[str] = []
        args: list[Any] = []
        if fold(f.lang):
            conds.append("s.story_id IN (SELECT story_id FROM story_facets WHERE kind = 'lang' AND folded = ?)")
            args.append(fold(f.lang))
        if fold(f.outlet):
            sub = self._outlet_stories(fold(f.outlet))
            if sub is None:
                return None
            conds.append(f"s.story_id IN ({sub[0]})")
            args += sub[1]
        if (f.since or "").strip():
            bound = f.since.strip()  # type: ignore[union-attr]
            conds.append("(CASE WHEN length(s.last_seen) >= ? THEN s.last_seen >= CAST(? AS TEXT) "
                         "ELSE s.last_seen >= substr(CAST(? AS TEXT), 1, length(s.last_seen)) END)")
            args += [len(bound), bound, bound]
        if (f.until or "").strip():
            bound = f.until.strip()  # type: ignore[union-attr]
            conds.append("(CASE WHEN length(s.first_seen) >= ? THEN substr(s.first_seen, 1, ?) <= CAST(? AS TEXT) "
                         "ELSE s.first_seen <= substr(CAST(? AS TEXT), 1, length(s.first_seen)) END)")
            args += [len(bound), len(bound), bound, bound]
        if fold(f.q):
            text = ["s.folded LIKE ? ESCAPE '\\'", "s.story_id IN (SELECT story_id FROM articles WHERE id = ?)"]
            text_args: list[Any] = [_like(fold(f.q)), (f.q or "").strip()]
            sub = self._outlet_stories(fold(f.q))
            if sub is not None:
                text.append(f"s.story_id IN ({sub[0]})")
                text_args += sub[1]
            conds.append("(" + " OR ".join(text) + ")")
            args += text_args
        return (" WHERE " + " AND ".join(conds) if conds else ""), args

    def _outlet_stories(self, needle: str) -> tuple[str, list[Any]] | None:
        """A subquery of the stories with an outlet containing ``needle``, or None when no outlet does:
        the outlets are found among the distinct ones first, so the stories come through the facet index."""
        rows = self._x("SELECT DISTINCT folded FROM story_facet_counts WHERE kind = 'outlet' AND folded LIKE ? "
                       "ESCAPE '\\'", (_like(needle),)).fetchall()
        if not rows:
            return None
        if len(rows) > MAX_MATCHED_OUTLETS:
            return ("SELECT story_id FROM story_facets WHERE kind = 'outlet' AND folded LIKE ? ESCAPE '\\'",
                    [_like(needle)])
        return (f"SELECT story_id FROM story_facets WHERE kind = 'outlet' AND folded IN ({','.join('?' * len(rows))})",
                [r[0] for r in rows])

    def _facets(self, cond: str, args: list[Any], filtered: bool, size: int) -> dict[str, list[tuple[str, int]]]:
        counts: dict[str, dict[str, int]] = {k: {} for k in FACETS}
        if filtered:
            rows = self._x("SELECT f.kind, f.value, count(*) FROM story_facets f WHERE f.story_id IN "
                           f"(SELECT s.story_id FROM story_summaries s{cond}) GROUP BY f.kind, f.value", args)
        else:  # every story: the counts kept per value
            rows = self._x("SELECT kind, value, stories FROM story_facet_counts")
        for kind, value, n in rows:
            counts[kind][value] = int(n)
        return _ordered(counts, size)

    # ------------------------------------------------- upkeep (inside transaction())
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

    def _member_removed(self, story_id: str, rowid: int, lang: str | None, outlet: str | None,
                        published: str | None) -> None:
        """An article left ``story_id`` (replaced, deleted or moved; call after its row changed)."""
        published = published or None
        row = self._x("SELECT size, first_seen, last_seen, first_rowid FROM story_summaries WHERE story_id=?",
                      (story_id,)).fetchone()
        for kind, value in _facet_values(lang, outlet, published):
            self._facet_step(story_id, kind, value, -1)
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
        """Every member of ``old`` now belongs to ``new`` (a rename, or a merge when ``new`` had members)."""
        if old == new:
            return
        if self._x("SELECT 1 FROM story_summaries WHERE story_id=?", (new,)).fetchone() is None:
            title = self._x("SELECT title FROM story_summaries WHERE story_id=?", (old,)).fetchone()
            self._x("UPDATE story_summaries SET story_id=?, folded=? WHERE story_id=?",
                    (new, _folded(new, title[0] if title else None), old))
            self._x("UPDATE story_facets SET story_id=? WHERE story_id=?", (new, old))
            return
        for sid in (old, new):
            self._drop_summary(sid)
        self._write_summaries(self._x("SELECT story_id, rowid, title, lang, outlet, published FROM articles "
                                      "WHERE story_id=? ORDER BY rowid", (new,)).fetchall())

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
        if kind in ("lang", "outlet"):
            col = "n_languages" if kind == "lang" else "n_outlets"
            self._x(f"UPDATE story_summaries SET {col} = {col} + ? WHERE story_id=?", (step, story_id))

    def _count_value(self, kind: str, value: str, step: int) -> None:
        n = self._x("INSERT INTO story_facet_counts(kind, value, folded, stories) VALUES(?, ?, ?, ?) "
                    "ON CONFLICT(kind, value) DO UPDATE SET stories = story_facet_counts.stories + ? "
                    "RETURNING stories", (kind, value, fold(value), step, step)).fetchone()[0]
        if n <= 0:
            self._x("DELETE FROM story_facet_counts WHERE kind=? AND value=?", (kind, value))

    def _drop_summary(self, story_id: str) -> None:
        for kind, value in self._x("SELECT kind, value FROM story_facets WHERE story_id=?", (story_id,)).fetchall():
            self._count_value(kind, value, -1)
        self._x("DELETE FROM story_facets WHERE story_id=?", (story_id,))
        self._x("DELETE FROM story_summaries WHERE story_id=?", (story_id,))

    def _write_summaries(self, rows: Iterable[tuple[Any, ...]], counts: bool = True) -> None:
        """Summaries and facets of whole stories from their members' (story_id, rowid, title, lang, outlet,
        published) rows, grouped by story and in rowid order within one; ``counts``: update the per-value
        story counts too (the migration counts them once at the end instead)."""
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
            summaries.append((sid, len(members), len(langs), len(outlets), first, last, last or first or "",
                              members[0][1], title, _folded(sid, title)))
            for kind, bucket in (("lang", langs), ("outlet", outlets), ("month", months)):
                facet_rows += [(sid, kind, v, fold(v), n) for v, n in bucket.items()]
        self._xmany("INSERT INTO story_summaries(story_id, size, n_languages, n_outlets, first_seen, last_seen, "
                    "recent, first_rowid, title, folded) VALUES(?,?,?,?,?,?,?,?,?,?)", summaries)
        self._xmany("INSERT INTO story_facets(story_id, kind, value, folded, articles) VALUES(?,?,?,?,?)", facet_rows)
        if counts:
            for _sid, kind, value, _f, _n in facet_rows:
                self._count_value(kind, value, +1)

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
            self._write_summaries(pending[:cut], counts=False)
            pending = pending[cut:]
        self._write_summaries(pending, counts=False)
        self._x("INSERT INTO story_facet_counts(kind, value, folded, stories) "
                "SELECT kind, value, min(folded), count(*) FROM story_facets GROUP BY kind, value")


def _facet_values(lang: str | None, outlet: str | None, published: str | None) -> list[tuple[str, str]]:
    """The (kind, value) facets one article gives its story: its language and outlet when known, its month."""
    out = [("lang", lang)] if lang else []
    if outlet:
        out.append(("outlet", outlet))
    return [*out, ("month", month_of(published))]


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


__all__ = ["FACETS", "SORTS", "Page", "StoryFilters", "StoryPages", "StorySummary", "count_facets", "fold",
           "month_of"]
