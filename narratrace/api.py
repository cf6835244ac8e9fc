"""The Python API that the CLI, the web app and notebooks share.

    from narratrace import Narratrace
    nt = Narratrace("news.db")
    report = nt.ingest(["articles/"])
    for story in nt.stories():
        print(story.id, story.languages, story.article_ids)

One ``Narratrace`` object owns one store, one encoder (loaded on first use), the settings and
the ingest services (``pipeline.IngestPipeline``, built on first use); no global state. The
rules of ingest live in those services, not here: this class opens things and answers queries.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .embed import Encoder, encoder_from_settings
from .group import language_means
from .group.graded import SentenceVectors
from .model import Article, EncodedArticle, Link, RawArticle, Story
from .pipeline import IngestPipeline, IngestReport, Progress
from .pipeline.annotate import Annotations
from .settings import Settings
from .store import SQLStore, open_store
from .store.outlets import OutletProfiles
from .trace.exports import CorpusExports

__all__ = ["IngestReport", "Narratrace", "Progress"]


class Narratrace(CorpusExports):
    """A narratrace project: a store plus the pipeline that fills it."""

    def __init__(self, db: str | Path | None = None, settings: Settings | None = None,
                 encoder: Encoder | None = None) -> None:
        self.settings = settings or Settings.load()
        self.db_path = self.settings.db_path(str(db) if db else None)
        self.store: SQLStore = open_store(self.db_path, self.settings.store)
        self._encoder = encoder
        self._pipeline: IngestPipeline | None = None
        self._search: Any = None  # trace.pages.Pages (with the search), built on first use

    @property
    def encoder(self) -> Encoder:
        """The configured encoder, loaded on first use (loading it takes about a second)."""
        if self._encoder is None:
            self._encoder = encoder_from_settings(self.settings.encoder)
        return self._encoder

    @property
    def pipeline(self) -> IngestPipeline:
        """The ingest services, built on first use with this project's store, encoder and settings."""
        if self._pipeline is None:
            self._pipeline = IngestPipeline.build(self.store, self.encoder, self.settings)
        return self._pipeline

    @property
    def annotations(self) -> Annotations:
        """Tags, notes, link verdicts, stories merged and split by hand (``pipeline.annotate.Annotations``)."""
        return Annotations(self.store)

    def _means(self) -> dict[str, Any] | None:
        """Language means of the store's vector space (of the encoder's, for a store still empty)."""
        return language_means(self.store.get_meta("encoder") or self.encoder.vector_space)

    # ----------------------------------------------------------------- ingest
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        """Read files and folders, analyse, encode, group and store; bad input is reported, not fatal."""
        from .ingest import iter_records, list_files

        files, skipped = list_files([Path(p) for p in paths])
        report = IngestReport(files=len(files), skipped_files=[str(s) for s in skipped])
        done = [0]

        def on_file(_path: Path) -> None:
            done[0] += 1
            if progress:
                progress("files", done[0], len(files))

        records = iter_records(files, max_file_bytes=self.settings.ingest.max_file_bytes, on_file=on_file)
        self.pipeline.ingest(records, report)
        self.pipeline.finish(report)
        return report

    def add(self, records: Iterable[RawArticle | Article]) -> IngestReport:
        """Ingest records made in Python (a notebook, a collector). The ANN index file is saved on
        ``close`` or every ``[store] index_save_seconds``, not on each call."""
        report = IngestReport()
        self.pipeline.ingest(records, report)
        return report

    def add_encoded(self, items: Iterable[EncodedArticle | Any]) -> IngestReport:
        """Store articles analysed and encoded elsewhere (``narratrace batch``'s executors), in order."""
        report = IngestReport()
        self.pipeline.ingest_encoded(items, report)
        self.pipeline.finish(report)
        return report

    def add_links(self, links: Iterable[Link]) -> int:
        """Store provenance links that came with the input (Telegram forwards), each in its source's story.

        Links whose source is not a stored article are skipped; returns how many were stored."""
        links = list(links)
        if not links:
            return 0
        by_id, _ = self.store.existing({lk.source for lk in links}, [])
        keep = [lk for lk in links if lk.source in by_id]
        with self.store.transaction():
            for lk in keep:
                self.store.write_links([lk], story_id=self.store.get_article(lk.source, with_passages=False).story_id)
        return len(keep)

    # ---------------------------------------------------------------- queries
    def stories(self) -> list[Story]:
        """All stories, largest first, then by first article."""
        return sorted(self.store.stories(), key=lambda s: -len(s.article_ids))

    def story(self, story_id: str) -> Story:
        return self.store.story(story_id)

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def articles(self, ids: Iterable[str] | None = None, with_passages: bool = False) -> list[Article]:
        return self.store.articles(ids, with_passages=with_passages)

    def links(self, story_id: str | None = None, article_id: str | None = None) -> list[Link]:
        return self.store.links(story_id=story_id, article_id=article_id)

    def graph(self, story_id: str) -> Any:
        """The propagation graph of a story (``trace.graph.StoryGraph``) from the stored links."""
        from .trace.graph import graph_from_links

        story = self.story(story_id)  # a retired id gives the story it became
        return graph_from_links(self.articles(story.article_ids), self.links(story_id=story.id), story.id)

    @property
    def outlets(self) -> OutletProfiles:
        """Outlet profiles read in SQL (``store.outlets.OutletProfiles``: ``listing``, ``profile``, ``volume``)."""
        return OutletProfiles(self.store)

    def compare(self, a_id: str, b_id: str, sentences: SentenceVectors | None = None) -> dict[str, Any]:
        """Alignment and relation of two stored articles, from their stored passage vectors; the graded
        ``score`` also reads the two texts' first sentences, encoded here unless ``sentences`` gives their
        vectors (``trace.compare.sentence_vectors``: the web app encodes them outside its store lock)."""
        from .trace.compare import compare_stored

        a, b = self.article(a_id), self.article(b_id)
        return compare_stored(a, b, self.store.passage_vectors(a_id), self.store.passage_vectors(b_id),
                              means=self._means(), encoder=self.encoder, sentences=sentences)

    def compare_records(self, a: RawArticle, b: RawArticle) -> dict[str, Any]:
        """Two texts that are not stored, analysed and encoded exactly as ingest would store them
        (same passages, encoder and settings), so a pair gets one verdict as files or as stored articles."""
        from .group.candidates import stored_passages
        from .trace.compare import compare_stored

        x, y = self.pipeline.as_if_stored([a, b])
        return compare_stored(x.article, y.article, stored_passages(x), stored_passages(y),
                              means=language_means(self.encoder.vector_space), encoder=self.encoder)

    def search(self, query: str, lang: str | None = None, limit: int = 20, query_vector: Any = None,
               mode: str = "hybrid", source: str | None = None) -> list[dict[str, Any]]:
        """The articles best matching a query in any language, best first, each with its best passages and
        the spans where the query's words occur (``trace.search``: BM25 and E5 fused; ``mode`` hybrid,
        semantic, keyword or phrase; ``lang`` only passages in it; ``source`` only articles citing it).
        ``query_vector``: ``encoder.encode_queries([query])`` made by the caller (the web app encodes
        outside its store lock, a few at a time, so long queries do not hold up other requests)."""
        return self.pages.search(query, lang, limit, 0, mode, source, query_vector).items

    @property
    def pages(self) -> Any:
        """Stories, narratives and search hits a page at a time, with totals and facets (``trace.pages.Pages``)."""
        from .trace.pages import Pages
        self._search = self._search or Pages(self.store, lambda: self.encoder, self._means, self.settings)
        return self._search

    @property
    def entities(self) -> Any:
        """Entities in any script (``pipeline.entities.Entities``): find, get, articles, list, cited_by, rebuild."""
        from .pipeline.entities import Entities
        return Entities(self.store, self.settings.entities)

    # ------------------------------------------------ narratives, claims, fact-checks
    def narratives(self, lang: str | None = None, min_articles: int | None = None) -> list[Any]:
        """Narratives (``group.narratives.Narrative``), largest first; labels in ``lang`` when it has passages."""
        from .group.narratives import describe

        if not self.store.get_meta("dim"):
            return []
        n = self.settings.narratives.min_articles if min_articles is None else min_articles
        return describe(self.store, self._means(), lang=lang, min_articles=n)

    def claims(self, article_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Stored check-worthy claims: article, passage, span, text, score, attribution, numbers, places…"""
        out = []
        for c in self.store.claims(article_ids):
            f = c.pop("features")
            c.pop("rowid")
            out.append({**c, **f})
        return out

    def import_factchecks(self, path: str | Path) -> dict[str, Any]:
        """Read ClaimReview JSON-LD, Fact Check Tools JSON or CSV; store, then match every stored claim."""
        return self.pipeline.factchecks.import_file(path)

    def match_factchecks(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """For each text (any language): matching stored fact-checks ``{factcheck_id, score, status,
        evidence}``, best first; status is "confirmed" or "suggested" (``[factchecks]`` thresholds)."""
        return self.pipeline.factchecks.match_texts(list(texts))

    def matches(self) -> list[dict[str, Any]]:
        """Fact-checks matched to the claims of the stored articles, best first within each claim."""
        return self.store.claim_matches()

    def confirmed_claimreviews(self) -> list[dict[str, Any]]:
        """Confirmed matches as schema.org ClaimReview objects (``trace.factchecks.claimreviews``)."""
        from .trace.factchecks import claimreviews

        found = [m for m in self.matches() if m["status"] == "confirmed"]
        fcs = {r["factcheck_id"]: r for r in self.store.factchecks()[0]}
        return claimreviews(found, fcs, {a.id: a for a in self.articles({m["article_id"] for m in found})})

    def review_match(self, article_id: str, factcheck_id: str, verdict: str, note: str | None = None) -> int:
        """An analyst's verdict, "confirmed" or "rejected", on the matches of an article's claims to a
        fact-check: stored, shown as their status, kept when matching runs again. Returns how many
        claim matches it covers (``NotFound`` when there are none)."""
        with self.store.transaction():
            return self.store.review_match(article_id, factcheck_id, verdict, note)

    # ------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Save the ANN index if batches were added since its last save, then close the store.

        Without ``close`` nothing is lost: the next open adds the passages stored after the last save."""
        if self._pipeline is not None:
            # the index is a cache: if it cannot be written, the next open catches it up from the database
            with contextlib.suppress(OSError):
                self._pipeline.write.save_index(if_changed=True)
        self.store.close()

    def __enter__(self) -> Narratrace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
