"""Story ids that follow membership: each story's founder, renames, and the aliases of retired ids."""
from __future__ import annotations

import time

from .narrative_summaries import NarrativeSummaries
from .story_pages import StoryPages

#: aliases followed at most this deep (a story renamed again and again)
MAX_ALIAS_HOPS = 16


class StoryIds(StoryPages, NarrativeSummaries):
    """A story's id is made from its founder (its earliest member); when the founder changes the story is
    renamed and the retired id is kept as an alias, so saved links and ids keep working."""

    def story_founder(self, story_id: str) -> str | None:
        """The founder key stored for a story (``group.stories.founder_key``), None when not recorded."""
        row = self._x("SELECT founder FROM stories WHERE id=?", (story_id,)).fetchone()
        return row[0] if row else None

    def member_dates(self, story_id: str) -> list[tuple[str, str | None]]:
        """(id, published) of every member: only for a story whose founder is not recorded yet."""
        return [(r[0], r[1]) for r in self._x("SELECT id, published FROM articles WHERE story_id=?",
                                                (story_id,)).fetchall()]

    def set_story_founder(self, story_id: str, founder: str) -> None:
        self._x("UPDATE stories SET founder=? WHERE id=?", (founder, story_id))

    def rename_story(self, old: str, new: str, founder: str) -> None:
        """Give story ``old`` the id ``new`` (call inside ``transaction()``): members, links and its narrative
        follow; ``old`` becomes an alias of ``new``, and so do the ids that were aliases of ``old``."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._x("INSERT INTO stories(id, created_at, founder) SELECT ?, created_at, ? FROM stories WHERE id=? "
                "ON CONFLICT(id) DO UPDATE SET founder=excluded.founder", (new, founder, old))
        narratives = self._narratives_before_merge(old, new)  # the narrative lists (narrative_summaries.py)
        self._x("UPDATE articles SET story_id=? WHERE story_id=?", (new, old))
        self._story_moved(old, new)  # the story lists' summaries (store/story_pages.py)
        self._x("UPDATE links SET story_id=? WHERE story_id=?", (new, old))
        if self._x("SELECT 1 FROM narrative_stories WHERE story_id=?", (new,)).fetchone():
            self._x("DELETE FROM narrative_stories WHERE story_id=?", (old,))
        else:
            self._x("UPDATE narrative_stories SET story_id=? WHERE story_id=?", (new, old))
        self._x("DELETE FROM stories WHERE id=?", (old,))
        self._x("DELETE FROM story_aliases WHERE old_id=?", (new,))  # the id is a story again
        self._x("UPDATE story_aliases SET new_id=? WHERE new_id=?", (new, old))
        self._x("INSERT INTO story_aliases(old_id, new_id, retired_at) VALUES(?, ?, ?) "
                "ON CONFLICT(old_id) DO UPDATE SET new_id=excluded.new_id, retired_at=excluded.retired_at",
                (old, new, now))
        self._narratives_after_merge(narratives)

    def resolve_story_id(self, story_id: str) -> str:
        """The current id of a story given by a retired id (itself when it is current or unknown)."""
        current = story_id
        for _ in range(MAX_ALIAS_HOPS):
            if self._x("SELECT 1 FROM stories WHERE id=?", (current,)).fetchone():
                return current
            row = self._x("SELECT new_id FROM story_aliases WHERE old_id=?", (current,)).fetchone()
            if row is None:
                return current
            current = row[0]
        return current
