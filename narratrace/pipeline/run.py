"""The ingest pipeline: the stage services chained in the documented order.

Per batch of ``[ingest] batch_size`` records::

    analyse -> encode -> | write transaction: classify -> (group -> write) per article -> trace -> narrate
                           -> entities |
    -> fact-check matching of the new claims

One ``EncodedArticle`` per article passes through; no service reads back what an earlier one of
the same batch produced. ``narratrace batch`` runs analyse + encode on Spark executors and hands
the encoded articles to ``ingest_encoded`` here, so grouping and tracing are the same code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ..embed import Encoder
from ..errors import EncoderError, IndexNotSaved, InputError, InputWarning, StoreFull
from ..group import StoryGrouper, language_means
from ..group.candidates import BatchCandidates
from ..group.narratives import NarrativeTracker
from ..ingest.values import checked, record_warnings
from ..model import Article, EncodedArticle, RawArticle
from ..settings import Settings
from ..store import SQLStore
from ..trace.attributions import default_sources
from .analyse import AnalyseService
from .boilerplate import SiteBoilerplate
from .classify import ClassifyService
from .encode import EncodeService
from .entities import EntityService
from .factchecks import FactCheckMatcher
from .failures import guarded
from .group import GroupService
from .narrate import NarrateService
from .report import IngestReport
from .trace import TraceService
from .write import WriteService

#: what a caller sharing the store holds around store access (``locked()``) and around the encoder call of a
#: batch (``encoding(cost)``, the cost its characters), so that encoding runs with the store free
StoreLock = Callable[[], AbstractContextManager[Any]]
EncodingSlot = Callable[[int], AbstractContextManager[Any]]


class IngestPipeline:
    """The services of one project, built once with their collaborators and kept across batches
    (narrative centroids, story members and fact-check vectors are cached in them)."""

    def __init__(self, *, batch_size: int, analyse: AnalyseService, encode: EncodeService, classify: ClassifyService,
                 group: GroupService, write: WriteService, trace: TraceService, narrate: NarrateService,
                 factchecks: FactCheckMatcher, entities: EntityService) -> None:
        self.batch_size = batch_size
        self.analyse, self.encode, self.classify = analyse, encode, classify
        self.group, self.write, self.trace, self.narrate = group, write, trace, narrate
        self.factchecks, self.entities = factchecks, entities

    @classmethod
    def build(cls, store: SQLStore, encoder: Encoder, settings: Settings) -> IngestPipeline:
        """The default services for ``settings``; centring uses the language means of the encoder's space."""
        means = language_means(encoder.vector_space)
        grouper = StoryGrouper.from_settings(settings.stories, means)
        tracker = NarrativeTracker(store, means, join_threshold=settings.narratives.join_threshold)
        sites = SiteBoilerplate(store, settings.text)  # learned by write, consulted by the passage rule
        return cls(batch_size=settings.ingest.batch_size,
                   analyse=AnalyseService.from_settings(settings.text, settings.ingest),
                   encode=EncodeService(encoder, settings.text, sites), classify=ClassifyService(store),
                   group=GroupService(grouper, store), write=WriteService(store, settings.store, sites),
                   trace=TraceService(store, default_sources(), settings.stories, means,
                                      reuse_scores=grouper.model is None),
                   narrate=NarrateService(store, tracker, settings.narratives, settings.entities),
                   factchecks=FactCheckMatcher(store, encoder, settings.factchecks, means, entities=settings.entities),
                   entities=EntityService(store, settings.entities))

    @property
    def store(self) -> SQLStore:
        return self.write.store

    # ------------------------------------------------------------------ entry points
    def ingest(self, records: Iterable[RawArticle | Article | InputError], report: IngestReport,
               locked: StoreLock = nullcontext, encoding: EncodingSlot = nullcontext) -> None:
        """Analyse, encode and store records in batches; bad ones are reported in ``report``, and values
        repaired or dropped at the input boundary (an impossible date, a lone surrogate) as its warnings.

        ``locked`` and ``encoding``: see ``ingest_encoded``."""
        self.ingest_encoded((self._analyse(r, report) if not isinstance(r, InputError) else r for r in records),
                            report, encoded=False, locked=locked, encoding=encoding)

    def as_if_stored(self, records: list[RawArticle]) -> list[EncodedArticle]:
        """Records analysed and encoded as ingest would store them, vectors as the store keeps them, without
        storing anything (``Narratrace.compare_records``: one verdict for files and stored articles).
        Raises the ``InputError`` of a record that cannot be read."""
        items = []
        for rec in records:
            item = self.analyse(rec)
            if not isinstance(item, EncodedArticle):
                raise item
            items.append(item)
        self.encode.encode(items)
        for it in items:
            it.stored_vectors = self.write.as_stored(it.vectors)  # type: ignore[arg-type]
        return items

    def _analyse(self, record: RawArticle | Article, report: IngestReport) -> EncodedArticle | InputError:
        if isinstance(record, RawArticle):
            record = checked(record)  # records made in Python (a notebook, a collector) meet the readers' checks
            report.warnings.extend(record_warnings(record))
        return self.analyse(record)

    def ingest_encoded(self, items: Iterable[EncodedArticle | InputError], report: IngestReport,
                       encoded: bool = True, locked: StoreLock = nullcontext, encoding: EncodingSlot = nullcontext
                       ) -> None:
        """Store articles encoded elsewhere (Spark executors) in batches, in the order given.

        ``encoded``: the items carry their vectors (they are checked against the passage rule).
        A server whose threads share the store passes ``locked`` (held for each batch's reads before encoding
        and for its write transaction) and ``encoding`` (held around the encoder call): analysis and encoding
        run with the store free, and each batch is still written in one transaction, classified against what
        other writers stored meanwhile (an article they stored is unchanged here, not written twice)."""
        encoder = self.encode.encoder
        try:
            for batch in _batches(items, self.batch_size, report):
                with locked():
                    if encoded:
                        self._check_encoded(batch)
                        self.encode.leave_out_site_boilerplate(batch)  # executors cannot see the store
                    skip = self.classify.already_stored(batch)
                    if len(skip) < len(batch):  # else nothing to encode; classify still reports each one
                        # a store keeps one encoder for life: refused here, before anything is encoded
                        self.store.bind_encoder(encoder.vector_space, encoder.dim)
                    todo = self.encode.choose([it for k, it in enumerate(batch) if k not in skip])
                if todo:
                    with encoding(sum(len(p.text) for it in todo for p in it.passages)):
                        self.encode.fill(todo)
                with locked():
                    self._store_batch(batch, report)
        except StoreFull as exc:  # the run stops; the report says what the batches before it committed
            report.stopped = exc
            report.errors.append(InputError(self.store.path, f"stopped: {exc.message}", hint=exc.hint))

    def finish(self, report: IngestReport | None = None) -> None:
        """End of a run: the ANN index on disk, so the next run starts without catching up. When it cannot
        be written (disk full) nothing is lost: that is a warning in ``report`` (raised without one)."""
        try:
            self.write.save_index(if_changed=True)
        except IndexNotSaved as exc:
            if report is None:
                raise
            report.warnings.append(InputWarning(self.store.path, exc.message, hint=exc.hint))

    # ------------------------------------------------------------------ one batch
    def _store_batch(self, batch: list[EncodedArticle], report: IngestReport) -> None:
        counted = len(report.ingested), len(report.updated), set(report.copies)
        try:
            with self.store.transaction():
                todo = self.classify.classify(batch, report)  # under the write lock: other writers are seen
                if not todo:
                    return
                self.entities.before_write(todo)
                self.encode.encode(todo)  # texts the pre-check found stored, that another writer removed since
                self.store.sync_index()
                candidates = BatchCandidates(self.store)
                self.write.begin_batch()
                # one article's failure (a bug on odd input) is undone alone and reported: never the batch
                stored = [it for it in todo if self._store_one(it, candidates, report)]
                self.group.merge_near_misses(stored, candidates)
                self.group.settle_ids(stored)
                self.trace.trace(stored, candidates, report)
                self.entities.record(stored, report)  # sets each item's mentions, which narrate's claims read
                self.narrate.narrate(stored, report)
        except BaseException:
            self.write.batch_failed()
            self.narrate.reset()  # the centroids may hold the rolled-back articles
            self.entities.reset()
            self.trace.reset()
            # nothing of the batch is stored: the report must not count it (a run stopped by a full disk
            # reports what was committed)
            del report.ingested[counted[0]:], report.updated[counted[1]:]
            for key in set(report.copies) - counted[2]:
                del report.copies[key]
            raise
        try:
            self.write.batch_committed()
        except IndexNotSaved as exc:  # committed; only the cache file is behind
            report.warnings.append(InputWarning(self.store.path, exc.message, hint=exc.hint))
        self.factchecks.match_new_claims()

    def _store_one(self, item: EncodedArticle, candidates: BatchCandidates, report: IngestReport) -> bool:
        """Group and write one article under a savepoint; False (reported, nothing of it written) if it failed."""
        def step() -> None:
            side = self.group.side(item)
            self.group.assign(item, side, candidates)
            self.write.write(item)
            candidates.add(side, item)

        if not guarded(self.store, report, item, "not stored: grouping or writing it failed", step):
            return False
        (report.updated if item.replace else report.ingested).append(item.id)
        return True

    def _check_encoded(self, batch: list[EncodedArticle]) -> None:
        """Vectors made elsewhere must be of the chosen passages, one row each, in this encoder's size."""
        dim = self.encode.encoder.dim
        for it in batch:
            want = [p.index for p in self.encode.passages_to_encode(it.article)]
            if it.vectors is None or it.indices != want or it.vectors.shape != (len(want), dim):
                raise EncoderError(f"{it.article.origin or it.id}: the encoded passages do not follow the passage "
                                   "rule of these settings", hint="run every executor with the same [text] and "
                                   "[encoder] settings and narratrace version as the driver")


def _batches(items: Iterable[EncodedArticle | InputError], size: int, report: IngestReport
             ) -> Iterator[list[EncodedArticle]]:
    batch: list[EncodedArticle] = []
    for it in items:
        if isinstance(it, InputError):
            report.errors.append(it)
            continue
        batch.append(it)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
