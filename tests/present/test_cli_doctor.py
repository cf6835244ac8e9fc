"""``narratrace doctor``: which fast-e5 path runs and why; a refused path is a non-zero exit."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from narratrace.errors import EncoderError
from narratrace.present.cli.app import app

runner = CliRunner()


@pytest.fixture
def engine(tmp_path_factory, monkeypatch):
    from narratrace.embed import fast_e5

    monkeypatch.setenv("NARRATRACE_CACHE", str(tmp_path_factory.mktemp("cache")))
    try:
        fast_e5.load_library()
    except fast_e5.FastE5Unavailable as exc:
        pytest.skip(f"fast-e5 engine cannot be built here: {exc}")
    return fast_e5


def test_doctor_shows_the_path_that_runs_and_why(engine):
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["paths"][info["path"]]["runs"]
    assert info["path"] == engine.FastE5Encoder(threads=1).kernel
    assert info["library"].endswith(".so") and info["flags"].startswith("-O3")
    assert info["cpuid"] == sorted(engine.cpu_features())
    text = runner.invoke(app, ["doctor"])
    assert text.exit_code == 0
    for line in ("CPU ", "/proc/cpuinfo", "compiler", "library", "cpuid", "int8 paths", "runs "):
        assert line in text.stdout, line
    assert f"runs           {info['path']}: auto (default)" in text.stdout


def test_doctor_refuses_a_path_the_cpu_lacks(engine, monkeypatch):
    monkeypatch.setattr(engine, "cpu_features", lambda: frozenset({"avx2", "fma"}))
    ok = runner.invoke(app, ["doctor", "--path", "avx2"])
    assert ok.exit_code == 0 and "runs           avx2: forced" in ok.stdout
    result = runner.invoke(app, ["doctor", "--path", "avx512vnni"])
    # the report, then the EncoderError the encoder would raise too (main() exits with its code, 6)
    assert "no: missing avx512_vnni avx512bw avx512f" in result.stdout
    assert isinstance(result.exception, EncoderError) and result.exception.exit_code == 6
    assert "needs avx512_vnni avx512bw avx512f, which this CPU lacks" in str(result.exception)
    monkeypatch.setenv("NARRATRACE_FAST_E5_PATH", "sse2")
    assert isinstance(runner.invoke(app, ["doctor"]).exception, EncoderError)
