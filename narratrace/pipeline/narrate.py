"""Narrate: check-worthy claims of each new article and the narrative it carries."""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ..group.candidates import stored_passages
from ..group.narratives import NarrativeTracker
from ..model import EncodedArticle
from ..settings import EntitiesSettings, NarrativesSettings
from ..store import SQLStore
from ..trace.claims import extract_claims
from ..trace.entity_finder import entity_finder
from .failures import guarded
from .report import IngestReport

#: claim fields stored in their own columns; the rest goes to ``features``
CLAIM_COLUMNS = ("article_id", "passage", "span", "text", "lang", "score")


class NarrateService:
    """Inside the batch transaction: claims are stored, and each article joins or founds a narrative from
    the vectors of its claim-bearing passages (the batch's own: nothing is encoded or read back). Claims name
    the entities of ``entities`` (``[entities]``: the gazetteer the stored mentions come from; the defaults
    without), compiled on first use."""

    def __init__(self, store: SQLStore, tracker: NarrativeTracker, settings: NarrativesSettings,
                 entities: EntitiesSettings | None = None) -> None:
        self.store = store
        self.tracker = tracker
        self.claim_min_score = settings.claim_min_score
        self.entities = entities

    def narrate(self, items: Sequence[EncodedArticle], report: IngestReport) -> None:
        """An article whose claims or narrative fail keeps the rest (undone alone, reported in ``report``)."""
        self.tracker.sync()  # another process may have written narratives since the last batch
        failed = False
        for it in items:
            if not guarded(self.store, report, it, "stored without its claims and narrative: narrating it failed",
                           partial(self._narrate_one, it)):
                # the centroids in memory may hold part of the undone article: read them again (this
                # transaction's earlier articles included), and tell other processes they changed
                self.tracker.reset()
                failed = True
        self.tracker.end_batch()
        if failed:
            self.store.bump_revision("narratives")

    def _narrate_one(self, item: EncodedArticle) -> None:
        art = item.article
        # the trace service found the attributions with the registry claims default to (default_sources)
        claims = extract_claims(art, min_score=self.claim_min_score, finder=entity_finder(self.entities),
                                mentions=item.mentions, attributions=item.attributions)
        self.store.write_claims(art.id, [
            {"passage": c.passage, "start": c.span[0], "end": c.span[1], "text": c.text, "lang": c.lang,
             "score": c.score, "features": {k: v for k, v in c.to_dict().items() if k not in CLAIM_COLUMNS}}
            for c in claims])
        self.tracker.assign(art, [c.passage for c in claims], stored_passages(item))

    def reset(self) -> None:
        self.tracker.reset()
