"""Fixtures for the ingest tests: real files in tmp_path, the sample corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

import narratrace
from narratrace.errors import InputError
from narratrace.ingest import iter_records
from narratrace.model import RawArticle

SAMPLES = Path(narratrace.__file__).parent / "data" / "samples"


def _read_all(*paths: Path, **kwargs) -> tuple[list[RawArticle], list[InputError]]:
    articles, errors = [], []
    for item in iter_records(paths, **kwargs):
        assert isinstance(item, (RawArticle, InputError)), item
        (articles if isinstance(item, RawArticle) else errors).append(item)
    return articles, errors


@pytest.fixture
def read_all():
    """read_all(*paths, **kw) -> (articles, errors) from iter_records, checking nothing else comes out."""
    return _read_all


@pytest.fixture
def write(tmp_path: Path):
    """write("a.txt", b"...") -> the path of a new file under tmp_path."""

    def _write(name: str, data: bytes | str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return _write


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    """The sample articles (stem -> text) that ship with narratrace."""
    files = sorted(SAMPLES.glob("*.txt"))
    if not files:
        pytest.skip("sample corpus not found")
    return {p.stem: p.read_text("utf-8") for p in files}
