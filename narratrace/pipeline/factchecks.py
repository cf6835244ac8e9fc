"""Fact-check matching: imported fact-checks against the stored claims (and any text a user asks about)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Encoder
from ..group.narratives import centre_by_language
from ..settings import FactchecksSettings
from ..store import SQLStore
from ..text.langid import LanguageIdentifier
from ..trace.factcheck_readers import read_factchecks
from ..trace.factchecks import FactCheck, evidence_for, iter_valid, match_vectors


class FactCheckMatcher:
    """Encodes claims and fact-check claims alike and matches them by language-centred cosine plus
    shared clues (``[factchecks]``). Fact-check vectors are kept in memory and read again only when
    the store's ``factchecks`` revision changed, not once per batch."""

    def __init__(self, store: SQLStore, encoder: Encoder, settings: FactchecksSettings,
                 means: dict[str, np.ndarray] | None, langid: LanguageIdentifier | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        self.means = means
        self._langid = langid
        self._factchecks: tuple[int, list[dict[str, Any]], np.ndarray] | None = None  # (revision, records, vectors)

    def encode_claims(self, texts: list[str]) -> np.ndarray:
        """Claims and fact-check claims are the same kind of text: both get the ``[factchecks] encode_as`` prefix.

        Texts are encoded as they are: removing links and tweet signatures lowered MAP@5 on CLEF 2020."""
        if self.settings.encode_as == "query":
            return self.encoder.encode_queries(texts)
        return self.encoder.encode_passages(texts)

    def detect_lang(self, text: str) -> str | None:
        if self._langid is None:
            self._langid = LanguageIdentifier()
        return self._langid.detect(text)[0]

    def match_new_claims(self, rematch_all: bool = False) -> None:
        """Encode claims not yet encoded and match them (or all claims) to the stored fact-checks."""
        if not self.store.has_factchecks():
            return
        todo = self.store.claims_without_vectors()
        if todo:
            vecs = self.encode_claims([t for _, t in todo])
            with self.store.transaction():
                self.store.set_claim_vectors([r for r, _ in todo], vecs)
        if not todo and not rematch_all:
            return
        rowids, vecs = self.store.claim_vectors(None if rematch_all else [r for r, _ in todo])
        claims = self.store.claims_by_rowid(rowids) if rowids else {}
        keep = [k for k, r in enumerate(rowids) if r in claims]
        rowids = [rowids[k] for k in keep]
        found = self.match([claims[r]["text"] for r in rowids], vecs[keep], [claims[r]["lang"] for r in rowids])
        rows = [(rid, m["factcheck_id"], m["score"], m["status"], m["evidence"])
                for rid, hits in zip(rowids, found) for m in hits]
        with self.store.transaction():
            self.store.replace_matches(rowids, rows)

    def match(self, texts: list[str], vecs: np.ndarray, langs: list[str | None]) -> list[list[dict[str, Any]]]:
        """Stored fact-checks matching each text: ``{factcheck_id, score, status, evidence}``, best first."""
        cfg = self.settings
        recs, fvecs = self._stored_factchecks()
        if not recs:
            return [[] for _ in texts]
        fc_langs = [r["lang"] for r in recs]
        found = match_vectors(centre_by_language(vecs, langs, self.means),
                              centre_by_language(fvecs, fc_langs, self.means), cfg.suggested, cfg.confirmed,
                              cfg.max_matches, texts, [r["claim"] for r in recs], cfg.clue_weight, langs, fc_langs)
        return [[{"factcheck_id": recs[j]["factcheck_id"], "score": score, "status": status,
                  "evidence": evidence_for(text, FactCheck(**recs[j]), parts)} for j, score, status, parts in hits]
                for text, hits in zip(texts, found)]

    def match_texts(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """Matches of texts in any language that are not stored (a user's question, a tweet)."""
        if not texts:
            return []
        if not self.store.has_factchecks():
            return [[] for _ in texts]
        return self.match(texts, self.encode_claims(texts), [self.detect_lang(t) for t in texts])

    def import_file(self, path: str | Path) -> dict[str, Any]:
        """Read ClaimReview JSON-LD, Fact Check Tools JSON or CSV; store, then match every stored claim."""
        good, errors = iter_valid(read_factchecks(path))
        unique = list({fc.factcheck_id: fc for fc in good}.values())
        if unique:
            for fc in unique:
                fc.lang = fc.lang or self.detect_lang(fc.claim)
            vecs = self.encode_claims([fc.claim for fc in unique])
            self.store.bind_encoder(self.encoder.vector_space, self.encoder.dim)
            with self.store.transaction():
                self.store.upsert_factchecks([fc.to_dict() for fc in unique], vecs)
            self.match_new_claims(rematch_all=True)
        return {"imported": len(unique), "errors": errors, "ids": [fc.factcheck_id for fc in unique]}

    def _stored_factchecks(self) -> tuple[list[dict[str, Any]], np.ndarray]:
        rev = self.store.revision("factchecks")
        if self._factchecks is None or self._factchecks[0] != rev:
            recs, vecs = self.store.factchecks(with_vectors=True)
            self._factchecks = (rev, recs, vecs)
        return self._factchecks[1], self._factchecks[2]
