"""What the list pages' tests (test_story_pages.py, test_narrative_pages.py) share: articles written
straight to a store, the partial-date comparisons their brute force filters with, and reopening a store
(which runs its migrations)."""
from __future__ import annotations

from typing import Any

from narratrace.model import Article, Passage


def article(aid: str, story: str | None, lang: str | None = "en", outlet: str | None = None,
            published: str | None = None, title: str | None = None) -> Article:
    """An article of one passage ("Text of <id>.") in ``story``."""
    text = f"Text of {aid}."
    return Article(id=aid, text=text, title=title, outlet=outlet, published=published, lang=lang, story_id=story,
                   passages=[Passage(0, text, 0, len(text), kind="body", lang=lang, key=text.lower())])


def write(store: Any, arts: list[Article], replace: bool = False) -> None:
    """Store these articles (without vectors) in one transaction, or in the caller's."""
    with store.transaction():
        for a in arts:
            start = store.next_passage_rowid()
            store.write_article(a, {p.index: start + k for k, p in enumerate(a.passages)}, {}, replace=replace)


def reaches_from(value: str | None, bound: str) -> bool:
    """A date on or after a partial ISO date, compared on the shorter one's precision (``since``)."""
    n = min(len(value or ""), len(bound))
    return bool(value) and value[:n] >= bound[:n]  # type: ignore[index]


def reaches_until(value: str | None, bound: str) -> bool:
    """A date on or before a partial ISO date, compared on the shorter one's precision (``until``)."""
    n = min(len(value or ""), len(bound))
    return bool(value) and value[:n] <= bound[:n]  # type: ignore[index]


def reopened(store: Any) -> Any:
    """Another store object over the same database: opening it runs the migrations its version lacks."""
    return type(store)(store.url if hasattr(store, "url") else store.path)
