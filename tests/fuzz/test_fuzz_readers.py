"""A short atheris run over the readers (issue 8, part 4): about 20 s of coverage-guided fuzzing.

Skipped when atheris is not installed (it is in the ``test`` extra; wheels exist for CPython on
Linux and macOS). The seed corpus is one small valid file per format, written here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SECONDS = int(os.environ.get("NARRATRACE_FUZZ_SECONDS", "20"))

SEEDS = {  # first byte selects the reader: 0 txt, 1 html, 2 jsonl, 3 json, 4 csv, 5 tsv
    "txt": b"\x00Officials said the bridge would reopen in March.\n\nTraffic eased.",
    "html": b"\x01<html><head><meta charset=windows-1256><title>T</title></head><body><article><p>"
            + "قال الوزير إن المحادثات ستستأنف".encode("cp1256") + b"</p><script>x()</script></article></body></html>",
    "jsonl": b"\x02" + json.dumps({"id": "a", "text": "Storm hits the coast.", "published": 1700000000}).encode()
             + b"\n{bad\n",
    "json": b"\x03" + json.dumps({"articles": [{"title": "t", "content": ["p1", "p2"]}]}).encode(),
    "csv": b'\x04id,title,text\n1,"A ""q""","line one\nline two"\n2,b,"unclosed\n',
    "tsv": b"\x05id\ttext\n1\thello world\n",
}


def test_fuzz_readers_with_atheris(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is not installed (pip install atheris)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in SEEDS.items():
        (corpus / name).write_bytes(data)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, str(HERE / "fuzz_readers.py"), str(corpus), f"-max_total_time={SECONDS}",
           "-rss_limit_mb=2048", "-max_len=4096", "-timeout=10", f"-artifact_prefix={tmp_path}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 120, env=env, cwd=tmp_path)
    log = out.stderr[-4000:]
    crashes = [p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-"))]
    assert out.returncode == 0 and not crashes, f"{crashes}\n{log}"
    assert "Done" in out.stderr or "pulse" in out.stderr or "#" in out.stderr, log
