"""Analysts' annotations (schema 9): tags and notes, verdicts on provenance links, and the pins that keep
hand merges and splits of stories in place when later ingests group new articles.

Everything is keyed by ids, without foreign keys: a new version of an article replaces its row and must
keep what an analyst said about it. A story's annotations follow the story when it is renamed (its
retired ids are aliases, ``story_ids.py``). Articles an analyst put together share a *pin*; two pins
kept *apart* are never merged again by automatic grouping (``pipeline/group.py`` asks ``kept_apart``).
Writes are meant to run inside ``transaction()``.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from ..errors import NotFound
from .sql import SQLBase, _chunks

_ANNOTATION_COLS = "rowid, target_kind, target_id, kind, value, created_at"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _marks(items: list[Any]) -> str:
    return ",".join("?" * len(items))


def _annotation(row: tuple[Any, ...], current: str | None = None) -> dict[str, Any]:
    rowid, target_kind, target_id, kind, value, created_at = row
    return {"id": int(rowid), "target_kind": target_kind, "target_id": current or target_id, "kind": kind,
            "value": value, "created_at": created_at}


class AnnotationTables(SQLBase):
    """The ``annotations``, ``link_reviews``, ``story_pins``, ``story_apart`` and ``story_edits`` tables."""

    # ------------------------------------------------------------ tags and notes
    def add_annotation(self, target_kind: str, target_id: str, kind: str, value: str) -> dict[str, Any]:
        """Store a tag or a note on a target; a tag the target already has is returned, not doubled."""
        if kind == "tag":
            row = self._x(f"SELECT {_ANNOTATION_COLS} FROM annotations WHERE target_kind=? AND target_id=? "
                          "AND kind='tag' AND value=?", (target_kind, target_id, value)).fetchone()
            if row is not None:
                return _annotation(row)
        row = self._x(f"INSERT INTO annotations(target_kind, target_id, kind, value, created_at) "
                      f"VALUES(?,?,?,?,?) RETURNING {_ANNOTATION_COLS}",
                      (target_kind, target_id, kind, value, _now())).fetchone()
        return _annotation(row)

    def delete_annotation(self, annotation_id: int) -> dict[str, Any]:
        """Remove one annotation; returns it (``NotFound`` for an unknown id)."""
        row = self._x(f"SELECT {_ANNOTATION_COLS} FROM annotations WHERE rowid=?", (int(annotation_id),)).fetchone()
        if row is None:
            raise NotFound(f"no annotation with id {annotation_id}",
                           hint="list a target's annotations with `narratrace annotations ID`")
        self._x("DELETE FROM annotations WHERE rowid=?", (int(annotation_id),))
        return _annotation(row)

    def remove_tag(self, target_kind: str, target_ids: Iterable[str], tag: str) -> int:
        """Remove a tag from a target (given by all its ids: a story's retired ones too); returns how many."""
        ids = list(target_ids)
        if not ids:
            return 0
        cur = self._x(f"DELETE FROM annotations WHERE target_kind=? AND kind='tag' AND value=? AND target_id IN "
                      f"({_marks(ids)})", [target_kind, tag, *ids])
        return int(cur.rowcount or 0)

    def annotations_for(self, target_kind: str, target_ids: Iterable[str] | None = None
                        ) -> dict[str, list[dict[str, Any]]]:
        """Target id -> its annotations (oldest first), for every target of ``target_kind`` or only those
        given. A story's are keyed by its current id, those made under a retired id included. What the
        exports put beside stories, articles and entities."""
        aliases: dict[str, str] = {}
        if target_kind == "story":
            aliases = dict(self._x("SELECT old_id, new_id FROM story_aliases").fetchall()) if target_ids is None \
                else self.retired_ids(list(target_ids))
        rows: list[tuple[Any, ...]] = []
        if target_ids is None:
            rows = self._x(f"SELECT {_ANNOTATION_COLS} FROM annotations WHERE target_kind=? ORDER BY rowid",
                           (target_kind,)).fetchall()
        else:
            for chunk in _chunks(list(dict.fromkeys([*target_ids, *aliases])), 500):
                rows += self._x(f"SELECT {_ANNOTATION_COLS} FROM annotations WHERE target_kind=? AND target_id "
                                f"IN ({_marks(chunk)})", [target_kind, *chunk]).fetchall()
            rows.sort(key=lambda r: r[0])
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            current = aliases.get(row[2], row[2])
            out.setdefault(current, []).append(_annotation(row, current))
        return out

    def retired_ids(self, story_ids: list[str]) -> dict[str, str]:
        """Retired id -> current id, for the retired ids of these stories (aliases point at the current id)."""
        out: dict[str, str] = {}
        for chunk in _chunks(story_ids, 500):
            out.update(self._x(f"SELECT old_id, new_id FROM story_aliases WHERE new_id IN ({_marks(chunk)})",
                               chunk).fetchall())
        return out

    # -------------------------------------------------------------- link verdicts
    def review_link(self, source: str, target: str, kind: str, verdict: str, note: str | None) -> dict[str, Any]:
        """An analyst's verdict on a provenance link (``target`` as the links table holds it); the last one
        counts. Kept apart from the link, so re-tracing the story does not lose it."""
        now = _now()
        self._x("INSERT INTO link_reviews(source, target, kind, verdict, note, reviewed_at) VALUES(?,?,?,?,?,?) "
                "ON CONFLICT(source, target, kind) DO UPDATE SET verdict=excluded.verdict, note=excluded.note, "
                "reviewed_at=excluded.reviewed_at", (source, target, kind, verdict, note, now))
        return {"source": source, "target": target, "kind": kind, "verdict": verdict, "note": note,
                "reviewed_at": now}

    def link_reviews_for(self, sources: Iterable[str] | None = None) -> dict[tuple[str, str, str], dict[str, Any]]:
        """(source, target, kind) -> verdict, note and time, for links from these articles (all when None)."""
        q = "SELECT source, target, kind, verdict, note, reviewed_at FROM link_reviews"
        if sources is None:
            rows = self._x(q + " ORDER BY rowid").fetchall()
        else:
            rows = []
            for chunk in _chunks(list(dict.fromkeys(sources)), 500):
                rows += self._x(q + f" WHERE source IN ({_marks(chunk)})", chunk).fetchall()
        return {(s, t, k): {"verdict": v, "note": n, "reviewed_at": at} for s, t, k, v, n, at in rows}

    # ------------------------------------------------------ hand merges and splits
    def article_pins(self, article_ids: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(list(article_ids), 500):
            out.update(self._x(f"SELECT article_id, pin FROM story_pins WHERE article_id IN ({_marks(chunk)})",
                               chunk).fetchall())
        return out

    def pin_articles(self, article_ids: Iterable[str], pin: str) -> None:
        """Give these articles one pin (they stay in one story). The pins they held hand on what was kept
        apart from them to the new pin; two of their old pins kept apart from each other are not any more
        (the analyst put them together)."""
        ids = list(dict.fromkeys(article_ids))
        old = set(self.article_pins(ids).values())
        carried: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(old), 250):
            marks = _marks(chunk)
            for a, b in self._x(f"SELECT pin_a, pin_b FROM story_apart WHERE pin_a IN ({marks}) OR pin_b IN ({marks})",
                                chunk + chunk).fetchall():
                other = b if a in old else a
                if other not in old:
                    carried.add((min(pin, other), max(pin, other)))
        now = _now()
        self._xmany("INSERT INTO story_pins(article_id, pin, pinned_at) VALUES(?,?,?) ON CONFLICT(article_id) "
                    "DO UPDATE SET pin=excluded.pin, pinned_at=excluded.pinned_at", [(a, pin, now) for a in ids])
        self._xmany("INSERT INTO story_apart(pin_a, pin_b) VALUES(?,?) ON CONFLICT DO NOTHING", sorted(carried))
        # pins no article holds any more keep nothing apart
        self._x("DELETE FROM story_apart WHERE pin_a NOT IN (SELECT pin FROM story_pins) "
                "OR pin_b NOT IN (SELECT pin FROM story_pins)")

    def keep_apart(self, pin_a: str, pin_b: str) -> None:
        self._x("INSERT INTO story_apart(pin_a, pin_b) VALUES(?,?) ON CONFLICT DO NOTHING",
                (min(pin_a, pin_b), max(pin_a, pin_b)))

    def kept_apart(self, stories_a: Iterable[str], stories_b: Iterable[str]) -> bool:
        """Whether an analyst split articles of stories ``stories_a`` from articles of ``stories_b``: then
        automatic grouping must not merge them. One query through the pins' indexes."""
        a, b = sorted(set(stories_a)), sorted(set(stories_b))
        if not a or not b or self._x("SELECT 1 FROM story_apart LIMIT 1").fetchone() is None:
            return False
        ma, mb = _marks(a), _marks(b)
        row = self._x(
            "SELECT 1 FROM story_apart ap "
            "JOIN story_pins pa ON pa.pin = ap.pin_a JOIN articles aa ON aa.id = pa.article_id "
            "JOIN story_pins pb ON pb.pin = ap.pin_b JOIN articles ab ON ab.id = pb.article_id "
            f"WHERE (aa.story_id IN ({ma}) AND ab.story_id IN ({mb})) "
            f"OR (aa.story_id IN ({mb}) AND ab.story_id IN ({ma})) LIMIT 1", [*a, *b, *b, *a]).fetchone()
        return row is not None

    def pinned_story(self, article_id: str) -> str | None:
        """The story a pinned article is in (None when the analyst never placed it)."""
        row = self._x("SELECT a.story_id FROM story_pins p JOIN articles a ON a.id = p.article_id "
                      "WHERE p.article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def links_follow(self, article_ids: Iterable[str], story_id: str) -> None:
        """After ``set_story`` moved these articles into ``story_id`` by hand: the links they are the source
        of follow them, and an alias of that id is dropped (the id is a story again)."""
        for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
            self._x(f"UPDATE links SET story_id=? WHERE source IN ({_marks(chunk)})", [story_id, *chunk])
        self._x("DELETE FROM story_aliases WHERE old_id=?", (story_id,))

    def record_story_edit(self, action: str, story_id: str, stories: list[str], articles: list[str],
                          note: str | None) -> dict[str, Any]:
        now = _now()
        rowid = self._x("INSERT INTO story_edits(action, story_id, stories, articles, note, edited_at) "
                        "VALUES(?,?,?,?,?,?) RETURNING rowid",
                        (action, story_id, json.dumps(stories), json.dumps(articles, ensure_ascii=False), note,
                         now)).fetchone()[0]
        return {"id": int(rowid), "action": action, "story_id": story_id, "stories": stories,
                "articles": articles, "note": note, "edited_at": now}

    def story_edits(self, story_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Hand merges and splits, oldest first: all, or those that made or touched these stories (their
        retired ids included)."""
        rows = self._x("SELECT rowid, action, story_id, stories, articles, note, edited_at FROM story_edits "
                       "ORDER BY rowid").fetchall()
        out = [{"id": int(r[0]), "action": r[1], "story_id": r[2], "stories": json.loads(r[3]),
                "articles": json.loads(r[4]), "note": r[5], "edited_at": r[6]} for r in rows]
        if story_ids is None:
            return out
        wanted = set(story_ids)
        wanted |= set(self.retired_ids(sorted(wanted)))
        return [e for e in out if e["story_id"] in wanted or wanted & set(e["stories"])]
