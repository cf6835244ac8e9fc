"""What an analyst adds to a project: tags and notes on stories, articles and entities, verdicts on
provenance links, and stories merged or split by hand, which later ingests respect.

    nt.annotations.tag("story", story_id, "disinformation")
    nt.annotations.note("article", article_id, "the photo is from 2019")
    nt.annotations.review_link(source, target, "translates", "rejected", note="same agency wire")
    merged = nt.annotations.merge_stories(a_id, b_id)
    kept, split_off = nt.annotations.split_story(story_id, [article_id])

A hand merge pins the merged story's articles together: grouping never moves one of them out again (a new
version of the article stays in the story). A hand split pins each part and keeps the two apart: grouping
never merges them back, while new articles may still join either. Ids follow the usual rule (a story is
named after its earliest member; retired ids redirect). Every command is one transaction.
"""
from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable
from typing import Any

from ..errors import InputError, NotFound
from ..group.stories import founder_key, story_id_for
from ..model import Link, Story
from ..store import SQLStore

TARGET_KINDS = ("story", "article", "entity")
VERDICTS = ("confirmed", "rejected")
MAX_TAG_CHARS = 100
MAX_NOTE_CHARS = 10_000
MAX_ID_CHARS = 1000


def link_target(target: Any) -> str:
    """A link's target as the links table keeps it (a cited source is its JSON object)."""
    return target if isinstance(target, str) else json.dumps(target, ensure_ascii=False)


def _clean(text: str, what: str, limit: int, one_line: bool) -> str:
    """Stripped text without control characters (line breaks kept in notes); refused when empty or long."""
    keep = set() if one_line else {"\n", "\t"}
    value = "".join(c for c in str(text) if c in keep or unicodedata.category(c) != "Cc").strip()
    if one_line:
        value = " ".join(value.split())
    if not value:
        raise InputError(what, "is empty", hint=f"give a {what} of 1 to {limit} characters")
    if len(value) > limit:
        raise InputError(what, f"is {len(value)} characters long; at most {limit} are kept")
    return value


class Annotations:
    """Tags, notes, link verdicts and hand merges and splits of one store (``Narratrace.annotations``)."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    # ------------------------------------------------------------------ targets
    def target(self, kind: str | None, target_id: str) -> tuple[str, str]:
        """(kind, current id) of an annotation's target. ``kind`` None: a story id, else an article id.
        A story given by a retired id is its current story; an entity id is taken as given."""
        target_id = str(target_id)
        if not target_id or len(target_id) > MAX_ID_CHARS:
            raise InputError("id", f"must be 1 to {MAX_ID_CHARS} characters")
        if kind not in (None, *TARGET_KINDS):
            raise InputError("kind", f"{kind!r} is not one of {', '.join(TARGET_KINDS)}")
        if kind in (None, "story"):
            current = self.store.resolve_story_id(target_id)
            if self.store.story_article_ids(current, 1):
                return "story", current
            if kind == "story":
                raise NotFound(f"no story with id {target_id!r}", hint="list stories with `narratrace stories`")
        if kind in (None, "article"):
            if target_id in self.store.existing([target_id], [])[0]:
                return "article", target_id
            raise NotFound(f"no story or article with id {target_id!r}" if kind is None
                           else f"no article with id {target_id!r}",
                           hint="tag an entity with --on entity; list ids with `narratrace stories --json`")
        return "entity", target_id

    # ------------------------------------------------------------ tags and notes
    def tag(self, kind: str | None, target_id: str, tag: str) -> dict[str, Any]:
        """Tag a story, article or entity (a tag it has already is not doubled); returns the annotation."""
        kind, target_id = self.target(kind, target_id)
        value = _clean(tag, "tag", MAX_TAG_CHARS, one_line=True)
        with self.store.transaction():
            return self.store.add_annotation(kind, target_id, "tag", value)

    def untag(self, kind: str | None, target_id: str, tag: str) -> int:
        """Remove a tag; returns how many were removed (0 when the target did not have it)."""
        kind, target_id = self.target(kind, target_id)
        ids = [target_id, *self.store.retired_ids([target_id])] if kind == "story" else [target_id]
        with self.store.transaction():
            return self.store.remove_tag(kind, ids, " ".join(str(tag).split()))

    def note(self, kind: str | None, target_id: str, text: str) -> dict[str, Any]:
        """Add a note (free text, line breaks kept) to a story, article or entity."""
        kind, target_id = self.target(kind, target_id)
        value = _clean(text, "note", MAX_NOTE_CHARS, one_line=False)
        with self.store.transaction():
            return self.store.add_annotation(kind, target_id, "note", value)

    def delete(self, annotation_id: int) -> dict[str, Any]:
        """Remove one tag or note by its id; returns what was removed."""
        with self.store.transaction():
            return self.store.delete_annotation(int(annotation_id))

    def of(self, kind: str | None, target_id: str) -> list[dict[str, Any]]:
        """The tags and notes of one target, oldest first."""
        kind, target_id = self.target(kind, target_id)
        return self.store.annotations_for(kind, [target_id]).get(target_id, [])

    def all(self, kind: str) -> dict[str, list[dict[str, Any]]]:
        """Every annotated target of a kind -> its tags and notes (what exports add)."""
        if kind not in TARGET_KINDS:
            raise InputError("kind", f"{kind!r} is not one of {', '.join(TARGET_KINDS)}")
        return self.store.annotations_for(kind)

    # -------------------------------------------------------------- link verdicts
    def review_link(self, source: str, target: str, kind: str, verdict: str, note: str | None = None
                    ) -> dict[str, Any]:
        """Confirm or reject a stored provenance link. ``target``: the target article's id, or the cited
        source's registry id (``sputnik``) for a ``cites`` link. Kept when the story is traced again."""
        if verdict not in VERDICTS:
            raise InputError("verdict", f"{verdict!r} is not one of {', '.join(VERDICTS)}")
        link = self._stored_link(source, target, kind)
        text = _clean(note, "note", MAX_NOTE_CHARS, one_line=False) if note and str(note).strip() else None
        with self.store.transaction():
            return self.store.review_link(link.source, link_target(link.target), link.kind, verdict, text)

    def _stored_link(self, source: str, target: str, kind: str) -> Link:
        for lk in self.store.links(article_id=source, kind=kind):
            if lk.target == target or (isinstance(lk.target, dict) and target in (lk.target.get("id"),
                                                                                   link_target(lk.target))):
                return lk
        raise NotFound(f"no {kind} link from {source!r} to {target!r}",
                       hint=f"list the article's links with `narratrace links --article {source}`")

    def link_reviews(self, links: Iterable[Link]) -> list[dict[str, Any] | None]:
        """The verdict on each of these links (None where there is none), in their order."""
        links = list(links)
        found = self.store.link_reviews_for({lk.source for lk in links})
        return [found.get((lk.source, link_target(lk.target), lk.kind)) for lk in links]

    # ------------------------------------------------------ hand merges and splits
    def merge_stories(self, story_id: str, other_id: str, note: str | None = None) -> Story:
        """One story of two, named after the earlier founder (the other id redirects to it). Its articles are
        pinned together: later ingests never split them, and a split kept apart between them is lifted."""
        a, b = self._story(story_id), self._story(other_id)
        if a == b:
            raise InputError(other_id, f"is already in story {a}", hint="give two different stories")
        text = _clean(note, "note", MAX_NOTE_CHARS, one_line=False) if note and str(note).strip() else None
        with self.store.transaction():
            founder = min(self._founder(a), self._founder(b))
            self.store.rename_story(b, a, founder)
            merged = story_id_for(founder.split("\t", 1)[1])
            if merged != a:
                self.store.rename_story(a, merged, founder)
            self.store.pin_articles(self.store.story_article_ids(merged), _new_pin())
            self.store.record_story_edit("merge", merged, [a, b], [], text)
        return self.store.story(merged)

    def split_story(self, story_id: str, article_ids: Iterable[str], note: str | None = None
                    ) -> tuple[Story, Story]:
        """Move ``article_ids`` out of a story into a story of their own; returns (the rest, the split-off
        part), each named after its earliest member. Grouping never merges the two parts again; new
        articles may join either. ``same_story`` links between the parts are removed."""
        sid = self._story(story_id)
        members = self.store.story_article_ids(sid)
        part = list(dict.fromkeys(str(a) for a in article_ids))
        outside = [a for a in part if a not in set(members)]
        if not part or outside:
            raise InputError(sid, f"does not hold {', '.join(map(repr, outside))}" if outside
                             else "no article to split off",
                             hint=f"pick articles of the story (`narratrace show {sid}`)")
        rest = [m for m in members if m not in set(part)]
        if not rest:
            raise InputError(sid, "splitting off every article leaves nothing behind",
                             hint="leave at least one article in the story")
        text = _clean(note, "note", MAX_NOTE_CHARS, one_line=False) if note and str(note).strip() else None
        dates = dict(self.store.member_dates(sid))
        f_part = min(founder_key(a, dates.get(a)) for a in part)
        f_rest = min(founder_key(a, dates.get(a)) for a in rest)
        id_part, id_rest = (story_id_for(f.split("\t", 1)[1]) for f in (f_part, f_rest))
        with self.store.transaction():
            self._drop_links_between(sid, set(part), set(rest))
            if id_part != sid:
                self._move(part, id_part, f_part)
            else:
                self.store.set_story_founder(sid, f_part)
            if id_rest == sid:
                self.store.set_story_founder(sid, f_rest)
            elif id_part == sid:
                self._move(rest, id_rest, f_rest)
            else:  # an old story not named after its founder: the rest takes the founder's id
                self.store.rename_story(sid, id_rest, f_rest)
            pin_part, pin_rest = _new_pin(), _new_pin()
            self.store.pin_articles(part, pin_part)
            self.store.pin_articles(rest, pin_rest)
            self.store.keep_apart(pin_part, pin_rest)
            self.store.record_story_edit("split", id_part, [sid, id_rest], part, text)
        return self.store.story(id_rest), self.store.story(id_part)

    def edits(self, story_id: str | None = None) -> list[dict[str, Any]]:
        """Hand merges and splits, oldest first: all, or those of one story."""
        return self.store.story_edits(None if story_id is None else [self.store.resolve_story_id(story_id)])

    def _story(self, story_id: str) -> str:
        current = self.store.resolve_story_id(str(story_id))
        if not self.store.story_article_ids(current, 1):
            raise NotFound(f"no story with id {story_id!r}", hint="list stories with `narratrace stories`")
        return current

    def _founder(self, story_id: str) -> str:
        return self.store.story_founder(story_id) or min(
            founder_key(aid, pub) for aid, pub in self.store.member_dates(story_id))

    def _move(self, article_ids: list[str], story_id: str, founder: str) -> None:
        """Articles into a story named after ``founder`` (the story lists' summaries follow ``set_story``)."""
        for aid in article_ids:
            self.store.set_story(aid, story_id)
        self.store.set_story_founder(story_id, founder)
        self.store.links_follow(article_ids, story_id)

    def _drop_links_between(self, story_id: str, part: set[str], rest: set[str]) -> None:
        for lk in self.store.links(story_id=story_id):
            if lk.kind == "same_story" and isinstance(lk.target, str) and (
                    (lk.source in part and lk.target in rest) or (lk.source in rest and lk.target in part)):
                self.store.delete_link(lk.source, lk.target, lk.kind)


def _new_pin() -> str:
    return "P" + uuid.uuid4().hex[:16]
