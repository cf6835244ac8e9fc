"""Outlet profiles, read in SQL: how much an outlet publishes and when, in which languages, whom it cites,
whom it copies or translates and who copies or translates it, and its stories.

Every answer is a handful of ``GROUP BY`` rows (the outlet's articles are never loaded), so a profile costs
the same on a store of five articles and of a million. ``Narratrace.outlets`` returns one of these:

    nt.outlets.listing(limit=20)              # {"total": ..., "outlets": [{"name", "articles", ...}]}
    nt.outlets.profile("RT")                  # volume, languages, cites, derives_from, derived_by, stories
"""
from __future__ import annotations

import json
from typing import Any

from ..errors import NotFound
from .sql import SQLBase
from .timeline import DatedCounts, Timeline

#: link kinds that say the link's source derives from its target (trace.graph.DERIVATION)
DERIVATION = ("copy", "partial_copy", "translates", "partial_translation", "rewrites")
_KINDS = ",".join(f"'{k}'" for k in DERIVATION)


class OutletProfiles:
    """Outlet-level queries over one store (SQLite or PostgreSQL)."""

    def __init__(self, store: SQLBase) -> None:
        self.store = store
        self.timeline = Timeline(store)

    def _rows(self, q: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return list(self.store._x(q, args).fetchall())

    def listing(self, limit: int = 100, offset: int = 0, q: str | None = None) -> dict[str, Any]:
        """Outlets with most articles first: name, articles, languages, first and last publication date.

        ``q``: only outlets whose name holds it (case ignored for ASCII letters)."""
        where, args = "a.outlet IS NOT NULL AND a.outlet <> ''", []
        q = (q or "").replace("\x00", "")
        if q.strip():
            where, args = where + " AND lower(a.outlet) LIKE ? ESCAPE '\\'", ["%" + _like(q.strip().lower()) + "%"]
        total = self._rows(f"SELECT count(DISTINCT a.outlet) FROM articles a WHERE {where}", args)[0][0]
        rows = self._rows(
            "SELECT a.outlet, count(*), count(DISTINCT a.lang), min(a.published), max(a.published) FROM articles a "
            f"WHERE {where} GROUP BY a.outlet ORDER BY count(*) DESC, a.outlet LIMIT ? OFFSET ?",
            [*args, int(limit), int(offset)])
        return {"total": int(total), "limit": int(limit), "offset": int(offset),
                "outlets": [{"name": r[0], "articles": int(r[1]), "languages": int(r[2]), "first_published": r[3],
                             "last_published": r[4]} for r in rows]}

    def volume(self, name: str) -> DatedCounts:
        """The outlet's articles per publication date (undated ones counted apart)."""
        return self.timeline.counts(outlet=name)

    def profile(self, name: str, stories: int = 50, examples: int = 3) -> dict[str, Any]:
        """Everything the outlet page shows, as plain values (JSON as it is).

        ``NotFound`` when no stored article names this outlet (names are matched exactly)."""
        head = ([] if "\x00" in name else  # no stored text holds NUL (PostgreSQL refuses it in a query)
                self._rows("SELECT count(*), min(published), max(published) FROM articles WHERE outlet = ?", [name]))
        if not head or not head[0][0]:
            raise NotFound(f"no stored article is from the outlet {name!r}",
                           hint="outlet names are matched exactly; list them with /api/outlets or "
                                "nt.outlets.listing()")
        n, first, last = head[0]
        langs = self._rows("SELECT lang, count(*) FROM articles WHERE outlet = ? GROUP BY lang "
                           "ORDER BY count(*) DESC, lang", [name])
        return {"name": name, "articles": int(n), "first_published": first, "last_published": last,
                "languages": [{"lang": lang, "articles": int(c)} for lang, c in langs],
                "volume": self.volume(name).to_dict(), "cites": self.cites(name),
                "derives_from": self.derivations(name, "from", examples),
                "derived_by": self.derivations(name, "by", examples),
                "shares_text": self.derivations(name, "undetermined", examples),
                **self.stories(name, stories)}

    def cites(self, name: str, limit: int = 50) -> list[dict[str, Any]]:
        """The sources the outlet's articles cite (``cites`` links), most cited first."""
        rows = self._rows(
            "SELECT l.target, count(*), count(DISTINCT l.source) FROM links l JOIN articles a ON a.id = l.source "
            "WHERE a.outlet = ? AND l.kind = 'cites' GROUP BY l.target ORDER BY count(*) DESC, l.target LIMIT ?",
            [name, int(limit)])
        merged: dict[str, dict[str, Any]] = {}
        for target, links, articles in rows:
            source = _source(target)
            entry = merged.setdefault(source["id"], {"source_id": source["id"], "name": source["name"],
                                                     "links": 0, "articles": 0})
            entry["links"] += int(links)
            entry["articles"] += int(articles)
        return sorted(merged.values(), key=lambda e: (-e["articles"], -e["links"], str(e["name"]).casefold()))

    def derivations(self, name: str, side: str, examples: int = 3, limit: int = 50) -> list[dict[str, Any]]:
        """Copy, translation and rewrite links between this outlet and others, per other outlet and kind.

        ``side``: "from" (this outlet's articles derive from the other's: it copies or translates them),
        "by" (the other's derive from this one's), "undetermined" (text shared, direction unknown; either end).
        Each entry: outlet (None when the other article names none), kind, links, and the best ``examples``."""
        if side == "from":  # this outlet's article is the link's source, the other's its target
            other, cond, args = "t.outlet", "l.direction = 'source->target' AND s.outlet = ?", [name]
        elif side == "by":
            other, cond, args = "s.outlet", "l.direction = 'source->target' AND t.outlet = ?", [name]
        elif side == "undetermined":
            other = "CASE WHEN s.outlet = ? THEN t.outlet ELSE s.outlet END"
            cond, args = "l.direction <> 'source->target' AND (s.outlet = ? OR t.outlet = ?)", [name, name, name]
        else:
            raise ValueError(f"side is 'from', 'by' or 'undetermined', not {side!r}")
        rows = self._rows(
            "SELECT other, kind, n, source, target, score, stitle, ttitle FROM ("
            "SELECT y.*, count(*) OVER (PARTITION BY other, kind) AS n, "
            "row_number() OVER (PARTITION BY other, kind ORDER BY score DESC, lrowid) AS r FROM ("
            f"SELECT {other} AS other, l.kind AS kind, l.source AS source, l.target AS target, l.score AS score, "
            "l.rowid AS lrowid, s.title AS stitle, t.title AS ttitle "
            "FROM links l JOIN articles s ON s.id = l.source JOIN articles t ON t.id = l.target "
            f"WHERE l.kind IN ({_KINDS}) AND {cond}) y) x "
            "WHERE r <= ? ORDER BY n DESC, (other IS NULL), other, kind, r", [*args, int(examples)])
        out: list[dict[str, Any]] = []
        for other_name, kind, n, source, target, score, stitle, ttitle in rows:
            if not out or (out[-1]["outlet"], out[-1]["kind"]) != (other_name, kind):
                if len(out) == limit:
                    break
                out.append({"outlet": other_name, "kind": kind, "links": int(n), "examples": []})
            out[-1]["examples"].append({"source": source, "target": target, "score": float(score),
                                        "source_title": stitle, "target_title": ttitle})
        return out

    def stories(self, name: str, limit: int = 50) -> dict[str, Any]:
        """The stories the outlet took part in, most of its articles first: {"stories_total", "stories"}."""
        total = self._rows("SELECT count(DISTINCT story_id) FROM articles WHERE outlet = ? AND story_id IS NOT NULL",
                           [name])[0][0]
        rows = self._rows(
            "SELECT a.story_id, count(*), min(a.published), max(a.published), "
            "(SELECT f.title FROM articles f WHERE f.story_id = a.story_id ORDER BY f.rowid LIMIT 1), "
            "(SELECT count(*) FROM articles m WHERE m.story_id = a.story_id) "
            "FROM articles a WHERE a.outlet = ? AND a.story_id IS NOT NULL GROUP BY a.story_id "
            "ORDER BY count(*) DESC, min(a.published) DESC, a.story_id LIMIT ?", [name, int(limit)])
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
