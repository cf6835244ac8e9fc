"""Site boilerplate: learned from what is written, left out of what is encoded.

``record`` counts a written article's short lines at its site (in the batch's transaction, so a rolled
back batch counts nothing); ``learned`` tells the passage rule (``EncodeService``) which lines of new
articles a site has repeated across enough texts and stories to be its template. Learning runs forward:
an article encoded before its site's line was learned keeps that line's vector.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..model import EncodedArticle
from ..settings import TextSettings
from ..store import SQLStore
from ..text.boilerplate import headline_key, site_lines, site_of


class SiteBoilerplate:
    """Counts lines per site (``[text] site_boilerplate_articles`` texts under ``site_boilerplate_stories``
    headlines, text.boilerplate.headline_key) and answers which lines of a batch are learned: one indexed
    lookup per line."""

    def __init__(self, store: SQLStore, settings: TextSettings) -> None:
        self.store = store
        self.need_articles = settings.site_boilerplate_articles
        self.need_stories = settings.site_boilerplate_stories

    @property
    def enabled(self) -> bool:
        return self.need_articles > 0 and self.need_stories > 0

    def learned(self, items: Sequence[EncodedArticle]) -> dict[int, dict[int, str]]:
        """Position in ``items`` -> {passage index: why it is left out} for the learned lines of each article."""
        if not self.enabled:
            return {}
        wanted: dict[int, tuple[str, list[tuple[int, str]]]] = {}
        for k, it in enumerate(items):
            site = site_of(it.article)
            if site:
                wanted[k] = (site, [(p.index, h) for p, h in site_lines(it.article)])
        found = self.store.learned_site_lines((site, h) for site, lines in wanted.values() for _, h in lines)
        out: dict[int, dict[int, str]] = {}
        for k, (site, lines) in wanted.items():
            for index, h in lines:
                if (site, h) in found:
                    texts, stories = found[(site, h)]
                    out.setdefault(k, {})[index] = (f"site boilerplate: repeated by {site} in {texts} texts "
                                                    f"of {stories} stories")
        return out

    def record(self, item: EncodedArticle) -> None:
        """Count the written article's short lines at its site (inside the batch's transaction)."""
        art = item.article
        site = site_of(art)
        if not self.enabled or not site:
            return
        lines = {h: p.text for p, h in site_lines(art)}
        if lines:
            self.store.count_site_lines(site, art.content_hash, headline_key(art), lines, self.need_articles,
                                        self.need_stories)
