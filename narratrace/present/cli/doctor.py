"""``narratrace doctor``: what the encoder engine does on this machine, and why.

Shows the CPU and its features (as /proc/cpuinfo lists them and as the engine's own cpuid check
sees them), the compiler, flags and cached library of the fast-e5 engine, which int8 paths this
CPU runs and the one that is chosen (see docs/encoders.md).
"""
from __future__ import annotations

from typing import Any

import typer

from .common import JsonOption, print_json

PathOption = typer.Option(None, "--path", help="Check this int8 path instead of the default choice: auto, "
                          "avx512vnni, avxvnni or avx2 (default: $NARRATRACE_FAST_E5_PATH, else auto).")


def doctor_cli(path: str | None = PathOption, as_json: bool = JsonOption) -> None:
    """Show which fast-e5 path runs on this CPU and why (CPU flags, compiler, cache file)."""
    from ...embed.fast_e5 import engine_info
    from ...errors import EncoderError

    info = engine_info(path)
    if as_json:
        print_json(info)
    else:
        typer.echo(report(info))
    if "error" not in info and info["path"] is None:  # the encoder would refuse to start too
        raise EncoderError(info["reason"], hint=info["hint"])


def report(info: dict[str, Any]) -> str:
    """The human-readable form of ``engine_info()``."""
    na = "(none)"
    lines = [
        f"CPU            {info['cpu']} ({info['machine']})",
        f"/proc/cpuinfo  {' '.join(info['cpuinfo_flags']) or na}",
        f"compiler       {info['compiler'] or na}: {info['compiler_version'] or na}",
    ]
    if "error" in info:
        return "\n".join([*lines, f"fast-e5        {info['error']}"])
    lines += [
        f"flags          {info['flags']}",
        f"library        {info['library']}",
        f"cpuid          {' '.join(info['cpuid']) or na}  (what the engine checks before running a path)",
    ]
    for i, (name, p) in enumerate(info["paths"].items()):
        state = "runs" if p["runs"] else "no: missing " + " ".join(p["missing"])
        lines.append(f"{'int8 paths' if i == 0 else '':<15}{name:<12}{state:<42}{p['what']}")
    req = info["request"]
    lines.append(f"requested      {req['path']} ({req['source']}; force one with $NARRATRACE_FAST_E5_PATH "
                 "or FastE5Encoder(kernel=...))")
    lines.append(f"runs           {info['path'] or 'nothing'}: {info['reason']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_cli)
