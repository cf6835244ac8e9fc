"""Coverage-guided fuzzing of the readers with atheris (libFuzzer): no input may raise.

    python tests/fuzz/fuzz_readers.py [CORPUS_DIR] -max_total_time=20

The first byte picks the reader (txt, html, jsonl, json, csv, tsv); the rest is the file. Each reader
must yield only ``RawArticle`` or ``InputError`` values, with non-empty text free of NUL bytes; any
exception is a crash that libFuzzer reports with the input that caused it. tests/fuzz/test_fuzz_readers.py
runs this for about 20 seconds in CI.
"""
from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["narratrace.ingest"]):
    from narratrace.errors import InputError
    from narratrace.ingest import EXTENSIONS
    from narratrace.model import RawArticle
    from narratrace.registry import readers

SUFFIXES = [".txt", ".html", ".jsonl", ".json", ".csv", ".tsv"]
READERS = [(Path(f"fuzz{s}"), readers.get(EXTENSIONS[s])) for s in SUFFIXES]


def test_one_input(data: bytes) -> None:
    if not data:
        return
    path, reader = READERS[data[0] % len(READERS)]
    for item in reader(path, data[1:]):
        if isinstance(item, RawArticle):
            if not (isinstance(item.text, str) and item.text.strip()) or "\x00" in item.text:
                raise AssertionError(f"bad text from {path.suffix}: {item.text[:80]!r}")
        elif not isinstance(item, InputError):
            raise AssertionError(f"{path.suffix} reader yielded {type(item).__name__}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
