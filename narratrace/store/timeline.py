"""Articles per publication date, counted in SQL for a story, an outlet, a narrative or a set of ids.

Charts of volume over time (``present.web.charts``) need counts per day, never the articles
themselves: one ``GROUP BY substr(published, 1, 10)`` reads through the scope's index and returns one
row per date, whatever the number of articles. Partial dates (``2021-02``, ``2021``) are kept at
the precision they were stored with; articles without a readable date are counted as undated, not
dropped, so a chart's bars always add up to the scope's articles.

    from narratrace.store.timeline import Timeline
    Timeline(nt.store).counts(story_id="S39624778a7")   # DatedCounts(dates={...}, undated=3)
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .sql import SQLBase, _chunks

#: what a stored ``published`` may start with: a day, a month or a year (ISO 8601)
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
_DAY = "substr(a.published, 1, 10)"


@dataclass
class DatedCounts:
    """How many articles were published on each date; ``undated`` ones had no readable date.

    ``dates`` maps an ISO date to its count: ``2021-02-03`` for a day, ``2021-02`` or ``2021`` for articles
    whose date is only known to the month or year."""

    dates: dict[str, int] = field(default_factory=dict)
    undated: int = 0

    @property
    def total(self) -> int:
        return sum(self.dates.values()) + self.undated

    def add(self, date: str | None, n: int) -> None:
        """Count ``n`` articles published on ``date`` (as stored: a timestamp is cut to its day)."""
        day = (date or "").strip()[:10]
        if _DATE.fullmatch(day) and (len(day) < 10 or _real_day(day)):
            self.dates[day] = self.dates.get(day, 0) + int(n)
        else:
            self.undated += int(n)

    def to_dict(self) -> dict[str, Any]:
        return {"dates": dict(sorted(self.dates.items())), "undated": self.undated, "total": self.total}


def _real_day(day: str) -> bool:
    """``2021-02-30`` has the shape of a date but is none."""
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return False
    return True


class Timeline:
    """Dated article counts of one store (SQLite or PostgreSQL: the SQL is the same)."""

    def __init__(self, store: SQLBase) -> None:
        self.store = store

    def counts(self, *, story_id: str | None = None, outlet: str | None = None, narrative_id: str | None = None,
               article_ids: Iterable[str] | None = None) -> DatedCounts:
        """Articles per publication date in one scope (at most one of the keywords; none: the whole store).

        ``story_id`` may be a retired id (the story it became is counted); a narrative holds the articles
        assigned to it and those of its stories, as ``narrative_members`` says."""
        given = [k for k, v in (("story_id", story_id), ("outlet", outlet), ("narrative_id", narrative_id),
                                ("article_ids", article_ids)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"count one scope at a time, not {' and '.join(given)}")
        out = DatedCounts()
        if article_ids is not None:
            for chunk in _chunks(list(dict.fromkeys(article_ids)), 500):
                self._count(out, f"a.id IN ({','.join('?' * len(chunk))})", chunk)
        elif story_id is not None:
            resolve = getattr(self.store, "resolve_story_id", None)
            self._count(out, "a.story_id = ?", [resolve(story_id) if resolve else story_id])
        elif outlet is not None:
            self._count(out, "a.outlet = ?", [outlet])
        elif narrative_id is not None:
            self._count(out, "a.id IN (SELECT article_id FROM narrative_articles WHERE narrative_id = ?) OR "
                             "a.story_id IN (SELECT story_id FROM narrative_stories WHERE narrative_id = ?)",
                        [narrative_id, narrative_id])
        else:
            self._count(out, "1 = 1", [])
        return out

    def _count(self, out: DatedCounts, where: str, args: list[Any]) -> None:
        q = f"SELECT {_DAY}, count(*) FROM articles a WHERE {where} GROUP BY {_DAY}"
        for day, n in self.store._x(q, args).fetchall():
            out.add(day, n)
