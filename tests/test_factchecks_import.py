"""Fact-check import: ClaimReview JSON-LD (single, list, @graph), Fact Check Tools JSON, CSV, JSON Lines."""
from __future__ import annotations

import json

from narratrace.errors import InputError
from narratrace.trace.factcheck_readers import read_factchecks
from narratrace.trace.factchecks import clean_claim_text, clue_overlap, clues

REVIEW = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://fc.example/hasakah",
          "claimReviewed": "US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison",
          "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "False"},
          "author": {"@type": "Organization", "name": "Example Check"}, "datePublished": "2022-02-01",
          "inLanguage": "en", "itemReviewed": {"@type": "Claim", "author": {"@type": "Organization",
                                                                             "name": "Sputnik"}}}


def _read(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return list(read_factchecks(p))


def test_claimreview_single_object(tmp_path):
    [fc] = _read(tmp_path, "one.json", REVIEW)
    assert fc.claim.startswith("US forces freed") and fc.rating == "False" and fc.lang == "en"
    assert fc.publisher == "Example Check" and fc.claimant == "Sputnik" and fc.date == "2022-02-01"
    assert fc.format == "claimreview" and fc.origin.startswith(str(tmp_path / "one.json"))
    # the derived id is stable
    assert _read(tmp_path, "again.json", REVIEW)[0].factcheck_id == fc.factcheck_id


def test_claimreview_list_and_graph_and_nested(tmp_path):
    other = dict(REVIEW, claimReviewed="Another claim", url="https://fc.example/2", **{"@id": "my-id"})
    assert [f.claim for f in _read(tmp_path, "l.json", [REVIEW, other])] == [REVIEW["claimReviewed"], "Another claim"]
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "x",
                                                           "mainEntity": other}, REVIEW]}
    got = _read(tmp_path, "g.jsonld", graph)
    assert {f.factcheck_id for f in got} >= {"my-id"} and len(got) == 2


def test_factcheck_tools_json(tmp_path):
    doc = {"claims": [{"text": "Vaccines contain microchips", "claimant": "social media", "claimDate": "2021-01-02",
                       "claimReview": [{"publisher": {"name": "AFP Fact Check", "site": "factcheck.afp.com"},
                                        "url": "https://factcheck.afp.com/x", "title": "No, vaccines...",
                                        "reviewDate": "2021-01-05", "textualRating": "False",
                                        "languageCode": "en"},
                                       {"publisher": {"site": "cekfakta.example"}, "url": "https://cek/y",
                                        "textualRating": "Salah", "languageCode": "id"}]}],
           "nextPageToken": "abc"}
    got = _read(tmp_path, "api.json", doc)
    assert [(f.publisher, f.lang, f.rating) for f in got] == [("AFP Fact Check", "en", "False"),
                                                              ("cekfakta.example", "id", "Salah")]
    assert all(f.format == "factcheck-tools" and f.claimant == "social media" for f in got)


def test_csv_keeps_its_id_column_and_reports_bad_rows(tmp_path):
    text = ("id,claim,rating,url,language,date,publisher\n"
            "fc-1,US forces freed ISIS prisoners,False,https://a,en,2022-02-01,Check A\n"
            "fc-2,,False,https://b,en,2022-02-01,Check A\n"
            "fc-3,\"Pasukan AS membebaskan tahanan ISIS, kata sumber\",Salah,https://c,id-ID,2022,Cek\n")
    got = _read(tmp_path, "f.csv", text)
    good = [g for g in got if not isinstance(g, InputError)]
    bad = [g for g in got if isinstance(g, InputError)]
    assert [g.factcheck_id for g in good] == ["fc-1", "fc-3"] and good[1].lang == "id"
    assert len(bad) == 1 and ":3" in str(bad[0])
    assert good[0].origin.endswith("f.csv:2")


def test_csv_without_claim_column_is_an_error(tmp_path):
    [err] = _read(tmp_path, "x.csv", "a,b\n1,2\n")
    assert isinstance(err, InputError)


def test_jsonl_mixed_and_broken_lines(tmp_path):
    lines = [json.dumps(REVIEW), "{broken", json.dumps({"id": "r1", "claim": "A claim from a row", "rating": "x"})]
    got = _read(tmp_path, "f.jsonl", "\n".join(lines))
    assert isinstance(got[1], InputError) and ":2" in str(got[1])
    assert got[2].factcheck_id == "r1"


def test_clean_claim_text_drops_links_and_tweet_signature():
    t = ("Fires in Australia pic.twitter.com/0eJtwJyS1J — Center for Bio Div (@CenterForBioDiv) January 14, 2020")
    assert clean_claim_text(t) == "Fires in Australia"


def test_clues_are_script_independent():
    en = clues("US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison")
    ar = clues("نقلت القوات الأمريكية 750 من أفراد داعش من سجن غويران في الحسكة")
    overlap, shared = clue_overlap(ar, en)
    assert overlap == 1.0 and {"e:al-Hasakah", "e:Ghuwayran", "e:ISIS"} <= set(shared)
    assert clue_overlap(clues("Prices rose in Jakarta"), en)[0] == 0.0


def test_match_vectors_clue_bonus_only_across_languages():
    import numpy as np

    from narratrace.trace.factchecks import match_vectors

    v = np.array([[1.0, 0.0]], np.float32)
    f = np.array([[0.55, (1 - 0.55 ** 2) ** 0.5]], np.float32)  # cosine 0.55: below "suggested" alone
    claim = ["Pasukan AS membebaskan tahanan ISIS dari penjara Ghuwayran di Hasakah"]
    fcs = ["US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison"]
    across = match_vectors(v, f, 0.6, 0.7, 5, claim, fcs, 0.25, ["id"], ["en"])
    same = match_vectors(v, f, 0.6, 0.7, 5, claim, fcs, 0.25, ["en"], ["en"])
    assert across[0] and across[0][0][2] == "confirmed" and across[0][0][3]["clue_overlap"] == 1.0
    assert same == [[]]
