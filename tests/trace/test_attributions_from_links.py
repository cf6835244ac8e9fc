"""A stored article's citations read back from its ``cites`` links equal those found in its text."""
from __future__ import annotations

from narratrace.trace.attributions import attributions_from_link, default_sources, find_attributions


def test_attributions_read_back_from_cites_links(seeds_project):
    nt, _ = seeds_project
    checked = 0
    for art in nt.articles():
        full = nt.article(art.id)
        found = find_attributions(full, default_sources())
        stored = [a for lk in nt.links(article_id=art.id) if lk.kind == "cites" and lk.source == art.id
                  for a in attributions_from_link(lk)]
        assert sorted(found, key=repr) == sorted(stored, key=repr), art.id
        checked += len(found)
    assert checked >= 5  # Sputnik in four seeds, the Russian MoD in 004, ...
