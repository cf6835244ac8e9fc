"""Site boilerplate learned from the store: short lines one site repeats across many articles (schema 6).

A row per (line, site) counts the distinct texts (content hashes) and the distinct stories (the caller's
story keys: text.boilerplate.headline_key) the line was seen in, up to the thresholds the caller gives;
once both are reached the line is *learned* and the row stops changing. Counting texts, not articles,
means a syndicated copy (the same text again) adds nothing; counting stories means one story's many
versions do not make its headline boilerplate. Rows hold at most ``need_articles`` hashes and
``need_stories`` story keys, so the table grows with the distinct short lines of each site, and a
lookup is one primary-key probe per line.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from .sql import SQLBase, _chunks

#: characters of a learned line kept as its example (for messages and the web app)
EXAMPLE_CHARS = 160


class SiteLineTables(SQLBase):
    """The ``site_lines`` table: counted and learned boilerplate lines per site."""

    def learned_site_lines(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
        """(site, line hash) -> (texts, stories) it was learned from, for the learned ones among ``pairs``."""
        wanted = set(pairs)
        out: dict[tuple[str, str], tuple[int, int]] = {}
        for chunk in _chunks(sorted({h for _, h in wanted}), 500):
            q = ("SELECT site, line_hash, articles, stories FROM site_lines WHERE learned = 1 AND line_hash IN "
                 f"({','.join('?' * len(chunk))})")
            for site, h, arts, stories in self._x(q, chunk).fetchall():
                if (site, h) in wanted:
                    out[(site, h)] = (len(json.loads(arts)), len(json.loads(stories)))
        return out

    def count_site_lines(self, site: str, content_hash: str, story_key: str | None, lines: Mapping[str, str],
                         need_articles: int, need_stories: int) -> list[str]:
        """Count one written article's short lines (line hash -> its text) at ``site``; returns the hashes
        learned by this article. Call inside ``transaction()``."""
        hashes = sorted(lines)
        rows: dict[str, tuple[list[str], list[str], int]] = {}
        for chunk in _chunks(hashes, 500):
            q = (f"SELECT line_hash, articles, stories, learned FROM site_lines WHERE site = ? AND line_hash IN "
                 f"({','.join('?' * len(chunk))})")
            for h, arts, stories, learned in self._x(q, [site, *chunk]).fetchall():
                rows[h] = (json.loads(arts), json.loads(stories), int(learned))
        learned_now: list[str] = []
        upserts = []
        for h in hashes:
            arts, stories, learned = rows.get(h, ([], [], 0))
            if learned:
                continue
            changed = False
            if content_hash[:16] not in arts and len(arts) < need_articles:
                arts.append(content_hash[:16])
                changed = True
            if story_key and story_key not in stories and len(stories) < need_stories:
                stories.append(story_key)
                changed = True
            if not changed and h in rows:
                continue
            now_learned = int(len(arts) >= need_articles and len(stories) >= need_stories)
            if now_learned:
                learned_now.append(h)
            upserts.append((h, site, json.dumps(arts), json.dumps(stories), now_learned,
                            lines[h][:EXAMPLE_CHARS]))
        self._xmany(
            "INSERT INTO site_lines(line_hash, site, articles, stories, learned, example) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(line_hash, site) DO UPDATE SET articles=excluded.articles, stories=excluded.stories, "
            "learned=excluded.learned", upserts)
        return learned_now

    def site_boilerplate(self, site: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Learned lines (of one site, or all), for inspection: site, example, texts and stories counted."""
        q = "SELECT site, example, articles, stories FROM site_lines WHERE learned = 1"
        args: list[object] = []
        if site is not None:
            q, args = q + " AND site = ?", [site]
        rows = self._x(q + " ORDER BY site, example LIMIT ?", [*args, int(limit)]).fetchall()
        return [{"site": s, "example": e, "articles": len(json.loads(a)), "stories": len(json.loads(st))}
                for s, e, a, st in rows]
