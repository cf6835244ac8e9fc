"""Classify: new, new version, unchanged, copy or id clash. Run once per batch, under the write lock."""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..model import Article, EncodedArticle
from ..store import SQLStore
from .report import IngestReport


def origin_file(origin: str) -> str:
    """The file part of an origin ("dump.jsonl:12" -> "dump.jsonl")."""
    head, sep, tail = origin.rpartition(":")
    return head if sep and tail.isdigit() else origin


def id_clash(art: Article, stored_origin: str) -> InputError:
    """The same id from another file: a name clash, not a new version of the article."""
    return InputError(art.origin, f"id {art.id!r} is already used by {stored_origin or 'another record'}",
                      hint="give the record an explicit id, or rename the file; nothing was overwritten")


class ClassifyService:
    """Decides what each article of a batch is against the store and the rest of the run.

    Called inside the write transaction, so what other writers stored since the batch was read is
    seen; it is the only place these rules live. The same id with the same text is unchanged (ingest
    is idempotent); the same text under another id is a **copy** (syndication, a re-post): stored as
    its own article, with its own outlet, url and date, and linked by tracing to the first article
    that had the text (``EncodedArticle.copy_of``, ``IngestReport.copies``).
    """

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    def already_stored(self, items: Sequence[EncodedArticle]) -> set[int]:
        """Positions stored already with the same id and text (unchanged): nothing to encode for them.

        A hint read before the lock, to spare the encoder; ``classify`` still decides. A copy (the text
        under another id) is encoded: it is stored with its own passages and vectors."""
        by_id, _ = self.store.existing([it.article.id for it in items], [])
        return {k for k, it in enumerate(items)
                if it.article.id in by_id and by_id[it.article.id][0] == it.article.content_hash}

    def classify(self, items: Sequence[EncodedArticle], report: IngestReport) -> list[EncodedArticle]:
        """The items to write (``replace`` set on new versions, ``copy_of`` on copies); the rest is
        recorded in ``report``.

        Ids met earlier in this run, in any batch, keep their first text whatever the batch size, so a
        second run does not flip an article to the later text."""
        arts = [it.article for it in items]
        by_id, by_hash = self.store.existing([a.id for a in arts], [a.content_hash for a in arts])
        seen_ids = report.seen_ids
        seen_hashes: dict[str, str] = {}
        keep: list[EncodedArticle] = []
        for it in items:
            art, h = it.article, it.article.content_hash
            if art.id in seen_ids:
                if seen_ids[art.id] == h:
                    report.unchanged.append(art.id)
                else:
                    report.errors.append(InputError(art.origin, f"id {art.id!r} appears twice in this input with "
                                                    "different text; the first was kept"))
                continue
            if art.id in by_id:
                stored_hash, stored_origin = by_id[art.id]
                if stored_hash == h:
                    report.unchanged.append(art.id)
                    seen_ids[art.id] = h
                    continue
                if origin_file(stored_origin) != origin_file(art.origin):
                    report.errors.append(id_clash(art, stored_origin))
                    continue
                it.replace = True
            first = by_hash.get(h) or seen_hashes.get(h)  # the stored one is the earlier
            if first is not None and first != art.id:
                it.copy_of = report.copies[art.id] = first
            seen_ids[art.id] = h
            seen_hashes.setdefault(h, art.id)
            keep.append(it)
        return keep
