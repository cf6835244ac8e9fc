"""Outlet profiles, read in SQL: how much an outlet publishes and when, in which languages, whom it cites,
whom it copies or translates and who copies or translates it, and its stories.

Every answer is a handful of rows: the list, an outlet's totals, languages and volume per day are counts kept
in the transaction that writes an article (``OutletSummaries``, schema 11); whom it cites, copies and
translates and its stories are counted over its latest ``PROFILE_ARTICLES`` articles, found through the index
``articles_outlet`` alone, and their links by id (the articles are never loaded). ``Narratrace.outlets``
returns one of these:

    nt.outlets.listing(limit=20)              # {"total": ..., "outlets": [{"name", "articles", ...}]}
    nt.outlets.profile("RT")                  # volume, languages, cites, derives_from, derived_by, stories
"""
from __future__ import annotations

import json
from typing import Any

from ..errors import NotFound
from .sql import SQLBase, _chunks
from .timeline import DatedCounts

#: link kinds that say the link's source derives from its target (trace.graph.DERIVATION)
DERIVATION = ("copy", "partial_copy", "translates", "partial_translation", "rewrites")
_KINDS = ",".join(f"'{k}'" for k in DERIVATION)
#: whom an outlet cites, copies and translates, and its stories, are counted over its latest stored
#: PROFILE_ARTICLES articles (``profile()["counted_articles"]``): their links are read by id (about 10 µs
#: an article on SQLite), so a page stays under 300 ms at any size; its totals, languages and volume are
#: kept counts, exact at any size
PROFILE_ARTICLES = 5_000
#: those articles, through articles_outlet(outlet, rowid, id, story_id, published) alone (schema 11)
_MINE = ("WITH mine AS (SELECT a.rowid AS arowid, a.id AS id, a.story_id AS story_id, a.published AS published "
         "FROM articles a WHERE a.outlet = ? ORDER BY a.rowid DESC LIMIT ?) ")


class OutletSummaries(SQLBase):
    """The upkeep of outlet_summaries (articles, languages, first and last date of each outlet) and
    outlet_facets (its articles per language and per day), called by ``write_article`` in its transaction.
    Only articles that name an outlet count; an undated one counts in no date."""

    def _outlet_article_added(self, lang: str | None, outlet: str | None, published: str | None) -> None:
        if not outlet:
            return
        published = published or None
        self._x("INSERT INTO outlet_summaries(outlet, articles, languages, first_published, last_published) "
                "VALUES(?, 1, 0, ?, ?) ON CONFLICT(outlet) DO UPDATE SET articles = outlet_summaries.articles + 1, "
                "first_published = CASE WHEN outlet_summaries.first_published IS NULL OR "
                "excluded.first_published < outlet_summaries.first_published THEN excluded.first_published "
                "ELSE outlet_summaries.first_published END, "
                "last_published = CASE WHEN outlet_summaries.last_published IS NULL OR "
                "excluded.last_published > outlet_summaries.last_published THEN excluded.last_published "
                "ELSE outlet_summaries.last_published END", (outlet, published, published))
        self._outlet_step(outlet, lang, published, +1)

    def _outlet_article_removed(self, lang: str | None, outlet: str | None, published: str | None) -> None:
        """An article of ``outlet`` was deleted (call after its row is gone)."""
        if not outlet:
            return
        published = published or None
        row = self._x("SELECT articles, first_published, last_published FROM outlet_summaries WHERE outlet=?",
                      (outlet,)).fetchone()
        if row is None:
            return
        if int(row[0]) <= 1:
            self._x("DELETE FROM outlet_summaries WHERE outlet=?", (outlet,))
            self._x("DELETE FROM outlet_facets WHERE outlet=?", (outlet,))
            return
        self._x("UPDATE outlet_summaries SET articles = articles - 1 WHERE outlet=?", (outlet,))
        self._outlet_step(outlet, lang, published, -1)
        if published is not None and published in (row[1], row[2]):  # its first or last date: read it again
            dates = [self._x("SELECT published FROM articles WHERE outlet=? AND published > '' "
                             f"ORDER BY published {order} LIMIT 1", (outlet,)).fetchone() for order in ("ASC", "DESC")]
            self._x("UPDATE outlet_summaries SET first_published=?, last_published=? WHERE outlet=?",
                    (*[d[0] if d else None for d in dates], outlet))

    def _outlet_step(self, outlet: str, lang: str | None, published: str | None, step: int) -> None:
        """One article more or less per language and day; a language gained or lost changes ``languages``."""
        for kind, value in (("lang", lang or ""), ("day", (published or "")[:10])):
            row = self._x("INSERT INTO outlet_facets(outlet, kind, value, articles) VALUES(?, ?, ?, ?) "
                          "ON CONFLICT(outlet, kind, value) DO UPDATE SET articles = outlet_facets.articles + "
                          "excluded.articles RETURNING articles", (outlet, kind, value, step)).fetchone()
            n = int(row[0])
            if n <= 0:
                self._x("DELETE FROM outlet_facets WHERE outlet=? AND kind=? AND value=?", (outlet, kind, value))
            if kind == "lang" and value and (n == 1 and step > 0 or n <= 0 and step < 0):
                self._x("UPDATE outlet_summaries SET languages = languages + ? WHERE outlet=?", (step, outlet))

    def _build_outlet_summaries(self) -> None:
        """Every outlet's summary and counts from the stored articles (migration 11 runs it)."""
        self._x("DELETE FROM outlet_summaries")
        self._x("DELETE FROM outlet_facets")
        named = "FROM articles WHERE outlet IS NOT NULL AND outlet <> ''"
        for kind, expr in (("lang", "coalesce(lang, '')"), ("day", "substr(coalesce(published, ''), 1, 10)")):
            self._x(f"INSERT INTO outlet_facets(outlet, kind, value, articles) SELECT outlet, '{kind}', {expr}, "
                    f"count(*) {named} GROUP BY outlet, {expr}")
        self._x("INSERT INTO outlet_summaries(outlet, articles, languages, first_published, last_published) "
                "SELECT outlet, count(*), count(DISTINCT CASE WHEN lang <> '' THEN lang END), "
                "min(CASE WHEN published <> '' THEN published END), max(CASE WHEN published <> '' THEN published END) "
                f"{named} GROUP BY outlet")


class OutletProfiles:
    """Outlet-level queries over one store (SQLite or PostgreSQL)."""

    def __init__(self, store: SQLBase) -> None:
        self.store = store

    def _rows(self, q: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return list(self.store._x(q, args).fetchall())

    def listing(self, limit: int = 100, offset: int = 0, q: str | None = None) -> dict[str, Any]:
        """Outlets with most articles first: name, articles, languages, first and last publication date
        (the kept summaries: one row per outlet, read in the order of their index).

        ``q``: only outlets whose name holds it (case ignored for ASCII letters)."""
        where, args = "1 = 1", []
        q = (q or "").replace("\x00", "")
        if q.strip():
            where, args = "lower(o.outlet) LIKE ? ESCAPE '\\'", ["%" + _like(q.strip().lower()) + "%"]
        total = self._rows(f"SELECT count(*) FROM outlet_summaries o WHERE {where}", args)[0][0]
        rows = self._rows(
            "SELECT o.outlet, o.articles, o.languages, o.first_published, o.last_published FROM outlet_summaries o "
            f"WHERE {where} ORDER BY o.articles DESC, o.outlet LIMIT ? OFFSET ?", [*args, int(limit), int(offset)])
        return {"total": int(total), "limit": int(limit), "offset": int(offset),
                "outlets": [{"name": r[0], "articles": int(r[1]), "languages": int(r[2]), "first_published": r[3],
                             "last_published": r[4]} for r in rows]}

    def volume(self, name: str) -> DatedCounts:
        """The outlet's articles per publication date (undated ones counted apart), from the kept counts."""
        out = DatedCounts()
        for day, n in self._rows("SELECT value, articles FROM outlet_facets WHERE outlet = ? AND kind = 'day'", [name]):
            out.add(day, n)
        return out

    def profile(self, name: str, stories: int = 50, examples: int = 3) -> dict[str, Any]:
        """Everything the outlet page shows, as plain values (JSON as it is).

        ``NotFound`` when no stored article names this outlet (names are matched exactly)."""
        head = ([] if "\x00" in name else  # no stored text holds NUL (PostgreSQL refuses it in a query)
                self._rows("SELECT articles, first_published, last_published FROM outlet_summaries WHERE outlet = ?",
                           [name]))
        if not head:
            raise NotFound(f"no stored article is from the outlet {name!r}",
                           hint="outlet names are matched exactly; list them with /api/outlets or "
                                "nt.outlets.listing()")
        n, first, last = head[0]
        langs = self._rows("SELECT value, articles FROM outlet_facets WHERE outlet = ? AND kind = 'lang'", [name])
        links = self.links_of(name)
        return {"name": name, "articles": int(n), "counted_articles": min(int(n), PROFILE_ARTICLES),
                "first_published": first, "last_published": last,
                "languages": [{"lang": lang or None, "articles": int(c)}
                              for lang, c in sorted(langs, key=lambda r: (-int(r[1]), r[0]))],
                "volume": self.volume(name).to_dict(), "cites": self.cites(name, links=links),
                "derives_from": self.derivations(name, "from", examples, links=links),
                "derived_by": self.derivations(name, "by", examples, links=links),
                "shares_text": self.derivations(name, "undetermined", examples, links=links),
                **self.stories(name, stories)}

    def cites(self, name: str, limit: int = 50, links: list[tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:
        """The sources the outlet's latest ``PROFILE_ARTICLES`` articles cite (``cites`` links), most cited first.

        ``links``: the outlet's links as ``links_of`` gives them (read when not given)."""
        links = self.links_of(name) if links is None else links
        per: dict[str, tuple[list[int], set[str]]] = {}
        for _rowid, source, target, kind, _score, _direction, from_mine, _to_mine in links:
            if kind == "cites" and from_mine:
                n, citing = per.setdefault(target, ([0], set()))
                n[0] += 1
                citing.add(source)
        top = sorted(((t, n[0], citing) for t, (n, citing) in per.items()), key=lambda r: (-r[1], r[0]))[:limit]
        merged: dict[str, dict[str, Any]] = {}
        for target, n_links, sources in top:
            source = _source(target)
            entry = merged.setdefault(source["id"], {"source_id": source["id"], "name": source["name"],
                                                     "links": 0, "articles": 0})
            entry["links"] += n_links
            entry["articles"] += len(sources)
        return sorted(merged.values(), key=lambda e: (-e["articles"], -e["links"], str(e["name"]).casefold()))

    def derivations(self, name: str, side: str, examples: int = 3, limit: int = 50,
                    links: list[tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:
        """Copy, translation and rewrite links between this outlet's latest ``PROFILE_ARTICLES`` articles and
        others, per other outlet and kind.

        ``side``: "from" (this outlet's articles derive from the other's: it copies or translates them),
        "by" (the other's derive from this one's), "undetermined" (text shared, direction unknown; either end).
        Each entry: outlet (None when the other article names none), kind, links, and the best ``examples``."""
        if side not in ("from", "by", "undetermined"):
            raise ValueError(f"side is 'from', 'by' or 'undetermined', not {side!r}")
        links = self.links_of(name) if links is None else links
        chosen = [lk for lk in links if lk[3] in DERIVATION and (
            (side == "from" and lk[6] and lk[5] == "source->target")
            or (side == "by" and lk[7] and lk[5] == "source->target")
            or (side == "undetermined" and lk[5] != "source->target"))]
        ends = self._articles_by_id({i for lk in chosen for i in lk[1:3]})
        groups: dict[tuple[Any, str], list[tuple[Any, ...]]] = {}
        for lk in chosen:
            s, t = ends.get(lk[1]), ends.get(lk[2])
            if s is None or t is None:  # a link to an article no longer stored
                continue
            other = t[0] if side == "from" or (side == "undetermined" and s[0] == name) else s[0]
            groups.setdefault((other, lk[3]), []).append(lk)
        ranked = sorted(groups.items(), key=lambda g: (-len(g[1]), g[0][0] is None, g[0][0] or "", g[0][1]))
        out: list[dict[str, Any]] = []
        for (other_name, kind), rows in ranked[:limit]:
            best = sorted(rows, key=lambda lk: (-float(lk[4]), lk[0]))[:examples]
            out.append({"outlet": other_name, "kind": kind, "links": len(rows), "examples": [
                {"source": lk[1], "target": lk[2], "score": float(lk[4]), "source_title": ends[lk[1]][1],
                 "target_title": ends[lk[2]][1]} for lk in best]})
        return out

    def links_of(self, name: str) -> list[tuple[Any, ...]]:
        """(rowid, source, target, kind, score, direction, source is one, target is one) of every link with
        an end among the outlet's latest ``PROFILE_ARTICLES`` articles, each once. Read by id through the
        links' source and target indexes, 500 ids a query, so the cost is that of those articles' links on
        either backend (a join may be planned as a scan of every link)."""
        ids = [r[0] for r in self._rows("SELECT id FROM articles WHERE outlet = ? ORDER BY rowid DESC LIMIT ?",
                                        [name, PROFILE_ARTICLES])]
        mine = set(ids)
        found: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for col in ("source", "target"):
                for r in self._rows(f"SELECT rowid, source, target, kind, score, direction FROM links WHERE {col} IN "
                                    f"({marks})", chunk):
                    found.setdefault(int(r[0]), (*r, r[1] in mine, r[2] in mine))
        return list(found.values())

    def _articles_by_id(self, ids: set[str]) -> dict[str, tuple[Any, Any]]:
        """id -> (outlet, title) of the stored articles among ``ids``."""
        out: dict[str, tuple[Any, Any]] = {}
        for chunk in _chunks(sorted(ids), 500):
            rows = self._rows(f"SELECT id, outlet, title FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                              chunk)
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out

    def stories(self, name: str, limit: int = 50) -> dict[str, Any]:
        """The stories the outlet's latest ``PROFILE_ARTICLES`` articles took part in, most of its articles
        first: {"stories_total", "stories"}."""
        total = self._rows(f"{_MINE}SELECT count(DISTINCT story_id) FROM mine", [name, PROFILE_ARTICLES])[0][0]
        rows = self._rows(  # the page's stories first, then the title and size of those only
            f"{_MINE}SELECT x.story_id, x.n, x.first, x.last, "
            "(SELECT f.title FROM articles f WHERE f.story_id = x.story_id ORDER BY f.rowid LIMIT 1), "
            "(SELECT count(*) FROM articles c WHERE c.story_id = x.story_id) FROM ("
            "SELECT story_id, count(*) AS n, min(published) AS first, max(published) AS last FROM mine "
            "WHERE story_id IS NOT NULL GROUP BY story_id ORDER BY count(*) DESC, min(published) DESC, story_id "
            "LIMIT ?) x ORDER BY x.n DESC, x.first DESC, x.story_id", [name, PROFILE_ARTICLES, int(limit)])
        return {"stories_total": int(total),
                "stories": [{"story_id": r[0], "articles": int(r[1]), "first_published": r[2], "last_published": r[3],
                             "title": r[4], "story_articles": int(r[5])} for r in rows]}


def _source(target: str) -> dict[str, Any]:
    """A stored ``cites`` target ({"id", "name"} as JSON) as a dict; a bare string is its own id and name."""
    try:
        value = json.loads(target)
    except ValueError:
        value = None
    if isinstance(value, dict) and "id" in value:
        return {"id": str(value["id"]), "name": str(value.get("name") or value["id"])}
    return {"id": str(target), "name": str(target)}


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
