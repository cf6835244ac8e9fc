"""Contract checks for the components of the seams in ``narratrace.hookspecs`` (scikit-learn's estimator
checks): narratrace runs them on every registered encoder, reader, store and exporter (tests/contracts/),
and a plugin author runs them on theirs::

    import pytest
    from narratrace.testing.contracts import check_id, encoder_checks

    @pytest.mark.parametrize("check", encoder_checks(asymmetric=True), ids=check_id)
    def test_my_encoder_keeps_the_contract(check):
        check(MyEncoder())

Each check is a plain function that raises ``AssertionError`` naming the rule of the seam it found broken.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, NotFound
from ..model import Article, Passage, RawArticle

__all__ = ["ReaderSample", "check_id", "encoder_checks", "exporter_checks", "read_with", "reader_checks",
           "sample_graph", "store_checks"]

Check = Callable[..., None]

#: a few texts in three scripts, one of them short; the 1st and 2nd say the same, the 3rd something else
TEXTS = ["US forces moved ISIS prisoners out of the prison in Hasakah on Tuesday.",
         "نیروهای آمریکایی زندانیان داعش را از زندان حسکه منتقل کردند.",
         "Harga emas naik tajam pada perdagangan hari Senin.",
         "Gold."]


def check_id(check: Check) -> str:
    """A readable pytest id for a check."""
    return check.__name__.removeprefix("check_")


# ------------------------------------------------------------------ encoders
def check_encoder_identity(encoder: Any) -> None:
    assert isinstance(encoder.name, str) and encoder.name, "an encoder has a name"
    assert isinstance(encoder.dim, int) and encoder.dim > 0, "an encoder has a positive int dim"
    assert isinstance(encoder.vector_space, str) and encoder.vector_space, "an encoder names its vector space"
    assert isinstance(encoder.config, dict) and json.dumps(encoder.config), "config is a JSON-able dict"


def check_encoder_shape_and_dtype(encoder: Any) -> None:
    for verb in (encoder.encode_passages, encoder.encode_queries):
        v = verb(TEXTS)
        assert isinstance(v, np.ndarray), f"{verb.__name__} returns a numpy array"
        assert v.shape == (len(TEXTS), encoder.dim), f"{verb.__name__}: shape {v.shape}, not (n, dim)"
        assert v.dtype == np.float32, f"{verb.__name__}: dtype {v.dtype}, not float32"
        assert np.isfinite(v).all(), f"{verb.__name__}: a vector holds NaN or inf"


def check_encoder_unit_norm(encoder: Any) -> None:
    for verb in (encoder.encode_passages, encoder.encode_queries):
        norms = np.linalg.norm(verb(TEXTS), axis=1)
        assert np.allclose(norms, 1.0, atol=1e-3), f"{verb.__name__}: L2 norms {norms}, not 1"


def check_encoder_batch_invariance(encoder: Any) -> None:
    """A text gets the same vector alone, in a batch, and in another order (a batch's padding or its
    neighbours must not leak into a vector)."""
    together = encoder.encode_passages(TEXTS)
    alone = np.vstack([encoder.encode_passages([t]) for t in TEXTS])
    backwards = encoder.encode_passages(TEXTS[::-1])[::-1]
    for other, how in ((alone, "one at a time"), (backwards, "in reverse order")):
        moved = float(np.abs(together - other).max())
        assert moved <= 1e-3, f"encoded {how}, a text's vector moved (by up to {moved:.5f} in one component)"


def check_encoder_deterministic(encoder: Any) -> None:
    assert np.allclose(encoder.encode_passages(TEXTS), encoder.encode_passages(TEXTS), atol=1e-5), \
        "the same texts gave other vectors the second time"


def check_encoder_empty_input(encoder: Any) -> None:
    for verb in (encoder.encode_passages, encoder.encode_queries):
        v = verb([])
        assert v.shape == (0, encoder.dim) and v.dtype == np.float32, \
            f"{verb.__name__}([]) gives shape {getattr(v, 'shape', None)}, not (0, dim) float32"


def check_encoder_queries_differ_from_passages(encoder: Any) -> None:
    """E5-style encoders prefix queries and passages differently; a query still finds its own passage."""
    p = encoder.encode_passages([TEXTS[0], TEXTS[2]])
    q = encoder.encode_queries([TEXTS[0], TEXTS[2]])
    assert not np.allclose(p, q, atol=1e-4), "queries are encoded as passages (no query prefix?)"
    assert q[0] @ p[0] > q[0] @ p[1] and q[1] @ p[1] > q[1] @ p[0], "a query is nearer another text's passage"


def encoder_checks(asymmetric: bool = False) -> list[Check]:
    """The checks of the encoder seam; ``asymmetric`` for encoders that encode queries differently (E5)."""
    checks: list[Check] = [check_encoder_identity, check_encoder_shape_and_dtype, check_encoder_unit_norm,
                           check_encoder_batch_invariance, check_encoder_deterministic, check_encoder_empty_input]
    return checks + [check_encoder_queries_differ_from_passages] if asymmetric else checks


# ------------------------------------------------------------------- readers
@dataclass
class ReaderSample:
    """A small file of a reader's type and what it holds: per record, the ``RawArticle`` fields it must have."""

    filename: str
    data: bytes
    records: list[dict[str, Any]]
    #: a malformed file of this type (besides the binary and empty files every reader is given)
    bad: bytes | None = None
    #: whether the file holds several records (origins "path:line") or is one article (origin "path")
    many: bool = field(default=False)


#: a PNG image's first bytes, as a file renamed to the reader's extension would hold them
JUNK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def read_with(reader: Any, path: Path, max_bytes: int = 10_000_000) -> list[Any]:
    """What a reader yields for ``path``, called as ``ingest.read_file`` calls it (the bytes, or the open file
    for a ``streams`` reader) but without its safety net, so a reader that raises fails the check."""
    if getattr(reader, "streams", False):
        with path.open("rb") as stream:
            return list(reader(path, stream, max_bytes))
    return list(reader(path, path.read_bytes()))


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def check_reader_round_trip(reader: Any, sample: ReaderSample, folder: Path) -> None:
    out = read_with(reader, _write(folder, sample.filename, sample.data))
    errors = [o for o in out if isinstance(o, InputError)]
    assert not errors, f"the sample gave errors: {[str(e) for e in errors]}"
    assert all(isinstance(o, RawArticle) for o in out), "a reader yields RawArticle or InputError only"
    assert len(out) == len(sample.records), f"{len(out)} records read, {len(sample.records)} written"
    for n, (got, want) in enumerate(zip(out, sample.records), 1):
        for key, value in want.items():
            assert getattr(got, key) == value, f"record {n}: {key} is {getattr(got, key)!r}, not {value!r}"


def check_reader_origins(reader: Any, sample: ReaderSample, folder: Path) -> None:
    """Origins say where a record came from: the path, and its line (1-based, increasing) in a many-record file."""
    path = _write(folder, sample.filename, sample.data)
    origins = [o.origin for o in read_with(reader, path) if isinstance(o, RawArticle)]
    if not sample.many:
        assert origins == [str(path)] * len(origins), f"origins {origins}, not the path {path}"
        return
    lines = []
    for origin in origins:
        m = re.fullmatch(re.escape(str(path)) + r":(\d+)", origin)
        assert m, f"origin {origin!r} is not {path}:LINE"
        lines.append(int(m.group(1)))
    assert lines == sorted(set(lines)) and lines[0] >= 1, f"record lines {lines} are not 1-based and increasing"


def check_reader_bad_input(reader: Any, sample: ReaderSample, folder: Path) -> None:
    """A binary file, an empty file and a malformed one give InputError values naming the file, never an
    exception and never an article."""
    suffix = Path(sample.filename).suffix
    cases = [("binary", JUNK), ("empty", b"")] + ([("malformed", sample.bad)] if sample.bad is not None else [])
    for what, data in cases:
        path = _write(folder, f"bad-{what}{suffix}", data)
        try:
            out = read_with(reader, path)
        except Exception as exc:  # the rule under test: readers yield errors, they do not raise
            raise AssertionError(f"a {what} file raised {type(exc).__name__}: {exc}") from exc
        assert out and all(isinstance(o, InputError) for o in out), f"a {what} file gave {out!r}, not InputError"
        assert all(str(path) in str(o) for o in out), f"a {what} file's error does not name the file"


def reader_checks() -> list[Check]:
    """The checks of the reader seam; each is called as ``check(reader, sample, folder)``."""
    return [check_reader_round_trip, check_reader_origins, check_reader_bad_input]


# -------------------------------------------------------------------- stores
DIM = 8


def sample_article(article_id: str = "contract-1", text: str = "") -> Article:
    """An analysed article of three passages (two body passages, one boilerplate) in two scripts."""
    paras = [text or "US forces moved ISIS prisoners out of the prison in Hasakah.",
             "به گزارش خبرگزاری، این انتقال شبانه انجام شد.", "Read also: markets"]
    passages, start = [], 0
    for i, para in enumerate(paras):
        passages.append(Passage(i, para, start, start + len(para), kind="boilerplate" if i == 2 else "body",
                                lang="fa" if i == 1 else "en", key=" ".join(para.casefold().split()),
                                sentences=[(0, len(para))], reason="read also" if i == 2 else None))
        start += len(para) + 1
    return Article(article_id, "\n".join(paras), title="Prisoners moved", url="https://example.org/a",
                   outlet="Example News", published="2022-01-27", lang="en", meta={"k": [1, "b"]},
                   origin="sample.jsonl:3", passages=passages, provenance={"published": "metadata"})


def _write_sample(store: Any, art: Article, replace: bool = False) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(7)
    vecs = {}
    for p in art.passages:
        if p.matchable:
            v = rng.standard_normal(DIM).astype(np.float32)
            vecs[p.index] = v / np.linalg.norm(v)
    with store.transaction():
        first = store.next_passage_rowid()
        store.write_article(art, {p.index: first + k for k, p in enumerate(art.passages)}, vecs, replace=replace)
    return vecs


def check_store_round_trip(open_store: Callable[[], Any]) -> None:
    """What is written is read back, field by field and vector by vector, also after re-opening."""
    art = sample_article()
    store = open_store()
    vecs = _write_sample(store, art)
    store.close()
    store = open_store()
    try:
        got = store.get_article(art.id)
        for key in ("id", "text", "title", "url", "outlet", "published", "lang", "meta", "origin",
                    "provenance", "content_hash"):
            assert getattr(got, key) == getattr(art, key), f"{key}: {getattr(got, key)!r}, not {getattr(art, key)!r}"
        assert [(p.index, p.text, p.start, p.end, p.kind, p.lang, p.key, [tuple(s) for s in p.sentences], p.reason)
                for p in got.passages] == \
               [(p.index, p.text, p.start, p.end, p.kind, p.lang, p.key, p.sentences, p.reason)
                for p in art.passages], "passages differ"
        sp = store.passage_vectors(art.id)
        assert list(sp.indices) == sorted(vecs), f"encoded passages {sp.indices}, not {sorted(vecs)}"
        for row, idx in enumerate(sp.indices):
            assert np.allclose(sp.vectors[row], vecs[idx], atol=2e-3), f"passage {idx}: vector changed"
    finally:
        store.close()


def check_store_rewrite_is_idempotent(open_store: Callable[[], Any]) -> None:
    """Writing an article again with ``replace=True`` leaves one copy, of the last version."""
    store = open_store()
    try:
        _write_sample(store, sample_article())
        before = (store.count_articles(), store.count_passages(), store.count_passages(with_vectors=True))
        _write_sample(store, sample_article(), replace=True)
        assert (store.count_articles(), store.count_passages(), store.count_passages(with_vectors=True)) == \
            before, "re-writing an article changed the counts"
        _write_sample(store, sample_article(text="A corrected first paragraph."), replace=True)
        assert store.count_articles() == before[0]
        assert store.get_article("contract-1").passages[0].text == "A corrected first paragraph."
    finally:
        store.close()


def check_store_rollback_leaves_nothing(open_store: Callable[[], Any]) -> None:
    """A transaction that fails half way stores nothing of it."""
    store = open_store()
    try:
        _write_sample(store, sample_article("kept"))
        counts = (store.count_articles(), store.count_passages())
        try:
            with store.transaction():
                store.write_article(sample_article("lost"), {0: 10_001, 1: 10_002, 2: 10_003}, {})
                raise RuntimeError("the batch fails after its first write")
        except RuntimeError:
            pass
        assert (store.count_articles(), store.count_passages()) == counts, "the failed transaction left rows"
        try:
            store.get_article("lost")
        except NotFound:
            pass
        else:
            raise AssertionError("an article of a rolled-back transaction is readable")
        assert store.get_article("kept").id == "kept"
    finally:
        store.close()


def store_checks() -> list[Check]:
    """The checks of the store seam; each is called with a function that opens the same fresh store."""
    return [check_store_round_trip, check_store_rewrite_is_idempotent, check_store_rollback_leaves_nothing]


# ----------------------------------------------------------------- exporters
def sample_graph() -> Any:
    """A story of two articles (one translates the other) citing one source."""
    from ..trace.attributions import Attribution
    from ..trace.graph import build_graph

    a = Article("a1", "text", title="Prisoners moved", outlet="Example News", published="2022-01-27", lang="en")
    b = Article("b2", "متن", title="انتقال زندانیان", outlet="Defa Press", published="2022-01-28", lang="fa")
    relation = {"relation": "translation", "direction": "a->b", "score": 0.91, "coverage_a": 1.0,
                "coverage_b": 0.9, "aligned": [{"a": 0, "b": 0, "score": 0.4}], "reasons": ["5 beads"]}
    cites = Attribution("sputnik", "Sputnik", "Sputnik", "said", "speech", 0, (0, 20), (0, 7),
                        'Sputnik said "x" & <y>')
    return build_graph([a, b], [("a1", "b2", relation)], {"b2": [cites]}, story_id="S1")


def check_exporter_returns_text(exporter: Callable[[Any], str]) -> None:
    """An exporter returns the same non-empty text for the same graph, naming every article in it."""
    graph = sample_graph()
    text = exporter(graph)
    assert isinstance(text, str) and text.strip(), "an exporter returns non-empty text"
    assert exporter(sample_graph()) == text, "the same graph exported twice gave two texts"
    for aid in ("a1", "b2"):
        assert aid in text, f"article {aid} is not in the export"


def exporter_checks() -> list[Check]:
    """The checks of the exporter seam (a format's own syntax is checked by its tests)."""
    return [check_exporter_returns_text]
