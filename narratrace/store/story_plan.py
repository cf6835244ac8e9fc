"""How a filtered story list is read (schema 15): which stories to look up, which to test, and what the kept
counts already say.

A filtered list needs its total, one page in the sort's order and the facets of its first stories. Each
filter is written two ways: ``gather`` finds its stories through an index (a language's or outlet's facet
rows, an entity's articles) and reads each one's filter and sort columns from one entry of
``story_summaries_filters``; ``test`` only tests a story met while a sort's index is read in order (a
covering probe of ``story_facets_story`` for a language or outlet). The plan also estimates how many
stories pass, from the per-value story counts, and knows the exact total when one kept count is it (a
single language or outlet value and nothing else): ``StoryPages.story_page`` reads a page from the sort's
index only when many stories pass and the sort does not follow a date bound, and gathers otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .story_summaries import UNDATED, fold

#: outlets a substring filter may name before it is matched by LIKE on every facet row instead
MAX_MATCHED_OUTLETS = 2000
#: ORDER BY of each sort; each is an index of story_summaries (schema 10); the story id breaks ties
SORTS = {
    "size": "s.size DESC, s.n_languages DESC, s.story_id",
    "spread": "s.n_languages DESC, s.n_outlets DESC, s.size DESC, s.story_id",
    "recent": "s.recent DESC, s.size DESC, s.story_id",
}
#: the same orders written so that no index serves them: a gathered list is sorted after its stories are
#: found (SQLite would otherwise read the whole sort index, looking every story up in the table)
SORTED_AFTER = {
    "size": "s.size + 0 DESC, s.n_languages + 0 DESC, s.story_id || ''",
    "spread": "s.n_languages + 0 DESC, s.n_outlets + 0 DESC, s.size + 0 DESC, s.story_id || ''",
    "recent": "s.recent || '' DESC, s.size + 0 DESC, s.story_id || ''",
}


def like(needle: str) -> str:
    """A LIKE pattern for a substring (``%``, ``_`` and ``\\`` escaped)."""
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Where:
    """`` WHERE ...`` over story_summaries ``s`` and its parameters ("" when nothing is filtered)."""

    conds: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, cond: str, args: list[Any]) -> None:
        self.conds.append(cond)
        self.args += args

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.conds) if self.conds else ""


@dataclass
class StoryPlan:
    """A filter written to gather its stories and to test them (see the module), with what passes."""

    gather: Where
    test: Where
    estimate: int  # stories expected to pass (at most this many where a facet or entity bounds it)
    exact: int | None  # the total when a kept count is it
    dated: bool  # a date bound is given
    lookups: int | None  # rows the gather's subquery yields (None: it scans every story)


def date_conds(since: str | None, until: str | None) -> list[tuple[str, list[Any]]]:
    """The overlap of [first seen, last seen] with since..until, a partial date comparing on its own
    precision (undated stories fail either bound)."""
    out: list[tuple[str, list[Any]]] = []
    if (since or "").strip():
        bound = since.strip()  # type: ignore[union-attr]
        out.append(("(CASE WHEN length(s.last_seen) >= ? THEN s.last_seen >= CAST(? AS TEXT) "
                    "ELSE s.last_seen >= substr(CAST(? AS TEXT), 1, length(s.last_seen)) END)",
                    [len(bound), bound, bound]))
    if (until or "").strip():
        bound = until.strip()  # type: ignore[union-attr]
        out.append(("(CASE WHEN length(s.first_seen) >= ? THEN substr(s.first_seen, 1, ?) <= CAST(? AS TEXT) "
                    "ELSE s.first_seen <= substr(CAST(? AS TEXT), 1, length(s.first_seen)) END)",
                    [len(bound), len(bound), bound, bound]))
    return out


def month_passes(month: str, since: str | None, until: str | None) -> bool:
    """Whether a month facet value lies in since..until (each compared on the shorter precision)."""
    if month == UNDATED:
        return False
    for bound, sign in (((since or "").strip(), 1), ((until or "").strip(), -1)):
        n = min(len(month), len(bound))
        if bound and sign * ((month[:n] > bound[:n]) - (month[:n] < bound[:n])) < 0:
            return False
    return True


class StoryPlanner:
    """Writes ``StoryFilters`` as a ``StoryPlan`` (mixed into ``StoryPages``; needs ``_x``)."""

    _x: Any

    def _story_plan(self, f: Any, every: int) -> StoryPlan | None:
        """The plan of filters ``f`` over ``every`` stories, or None when no story can pass (a language or
        outlet no story has)."""
        gather, test = Where(), Where()
        # per language, outlet or entity filter: (rows its subquery yields, its stories' share, exact count or
        # -1, IN subquery, its parameters, its test, the test's parameters)
        sets: list[tuple[int, float, int, str, list[Any], str, list[Any]]] = []
        for kind, needle, substring in (("lang", fold(f.lang), False), ("outlet", fold(f.outlet), True)):
            if not needle:
                continue
            found = self._facet_values(kind, needle, substring)
            if not found:
                return None
            missing = 1.0
            for _v, n, _k in found:  # the stories of any matched value, each value's taken as independent
                missing *= 1 - min(n, every) / max(every, 1)
            # one kept value is the exact count; values folding alike ("BBC", "bbc") may share stories
            one = found[0][1] if len(found) == 1 and found[0][2] == 1 else -1
            sub, args = self._facet_match(kind, needle, [v for v, *_ in found], substring)
            # a test of several matched outlets reads the story's outlet rows once (LIKE) instead of seeking each
            probe, probe_args = ("folded LIKE ? ESCAPE '\\'", [like(needle)]) if len(found) > 1 and substring \
                else (sub, args)
            sets.append((sum(n for _, n, _k in found), 1 - missing, one,
                         f"s.story_id IN (SELECT story_id FROM story_facets WHERE kind = ? AND {sub})", [kind, *args],
                         "EXISTS (SELECT 1 FROM story_facets f WHERE f.story_id = s.story_id AND f.kind = ? "
                         f"AND f.{probe})", [kind, *probe_args]))
        if (f.entity or "").strip():
            entity = self._x("SELECT rowid FROM entities WHERE id = ?", (f.entity.strip(),)).fetchone()
            if entity is None:
                return None
            # its stories are kept (entity_stories, schema 15): counted, looked up, probed
            n = int(self._x("SELECT count(*) FROM entity_stories WHERE entity_rowid = ?", (entity[0],)).fetchone()[0])
            sets.append((n, n / max(every, 1), n,
                         "s.story_id IN (SELECT story_id FROM entity_stories WHERE entity_rowid = ?)", [entity[0]],
                         "EXISTS (SELECT 1 FROM entity_stories es WHERE es.entity_rowid = ? AND "
                         "es.story_id = s.story_id)", [entity[0]]))
        sets = [x for x in sets if x[2] != every]  # a value every story has filters nothing
        sets.sort(key=lambda x: x[0])
        share = 1.0
        for k, (_rows, part, _one, in_sub, in_args, probe, probe_args) in enumerate(sets):
            share *= part
            if k == 0:  # the fewest rows are looked up, the rest tested
                gather.add(in_sub, in_args)
            else:
                gather.add(probe, probe_args)
            test.add(probe, probe_args)
        dated = bool((f.since or "").strip() or (f.until or "").strip())
        if dated:
            months = self._x("SELECT value, stories FROM story_facet_counts WHERE kind = 'month'").fetchall()
            share *= min(1.0, sum(n for m, n in months if month_passes(m, f.since, f.until)) / max(every, 1))
            for cond, args in date_conds(f.since, f.until):
                gather.add(cond, args)
                test.add(cond, args)
        if fold(f.q):
            text = ["s.folded LIKE ? ESCAPE '\\'", "s.story_id IN (SELECT story_id FROM articles WHERE id = ?)"]
            args = [like(fold(f.q)), (f.q or "").strip()]
            outlets = self._facet_values("outlet", fold(f.q), True)
            if outlets:
                sub, sub_args = self._facet_match("outlet", fold(f.q), [v for v, *_ in outlets], True)
                text.append(f"s.story_id IN (SELECT story_id FROM story_facets WHERE kind = 'outlet' AND {sub})")
                args += sub_args
            cond = "(" + " OR ".join(text) + ")"
            gather.add(cond, args)
            test.add(cond, args)
            share = 0.0  # a substring of titles: unknown until read, gathered in one scan
        if not sets and not dated and not fold(f.q):
            total: int | None = every  # only values every story has
        else:
            total = sets[0][2] if len(sets) == 1 and sets[0][2] >= 0 and not dated and not fold(f.q) else None
        return StoryPlan(gather, test, int(every * share), total, dated, sets[0][0] if sets else None)

    def _facet_values(self, kind: str, needle: str, substring: bool) -> list[tuple[str, int, int]]:
        """(folded value, stories with it, values folding to it) of the kept values a filter matches: equal
        to ``needle`` (languages) or containing it (outlets)."""
        match = "folded LIKE ? ESCAPE '\\'" if substring else "folded = ?"
        rows = self._x(f"SELECT folded, sum(stories), count(*) FROM story_facet_counts WHERE kind = ? AND {match} "
                       "GROUP BY folded", (kind, like(needle) if substring else needle)).fetchall()
        return [(v, int(n), int(k)) for v, n, k in rows]

    @staticmethod
    def _facet_match(kind: str, needle: str, values: list[str], substring: bool) -> tuple[str, list[Any]]:
        """``folded IN (...)`` of the matched values (the facet index finds them), or LIKE past
        ``MAX_MATCHED_OUTLETS`` of them."""
        if substring and len(values) > MAX_MATCHED_OUTLETS:
            return "folded LIKE ? ESCAPE '\\'", [like(needle)]
        return f"folded IN ({','.join('?' * len(values))})", list(values)
