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
    assert overlap == 1.0 and {"e:al_hasakah", "e:isis", "k:GRN"} <= set(shared)  # the entity ids of the gazetteer
    assert clue_overlap(clues("Prices rose in Jakarta"), en)[0] == 0.0


def test_match_score_clue_bonus_only_across_languages():
    from narratrace.trace.factchecks import match_score

    claim = clues("Pasukan AS membebaskan tahanan ISIS dari penjara Ghuwayran di Hasakah")
    overlap, _ = clue_overlap(claim, clues("US forces freed ISIS prisoners from the Hasakah (Ghuwayran) prison"))
    assert overlap == 1.0
    assert match_score(0.55, overlap, same_language=False, clue_weight=0.25) == 0.8
    assert match_score(0.55, overlap, same_language=True, clue_weight=0.25) == 0.55


def test_fused_channels_trust_the_one_that_singles_a_candidate_out():
    import numpy as np

    from narratrace.trace.factchecks import channel_stats, fuse_channels

    flat = {j: 0.80 + 0.001 * (j % 3) for j in range(100)}        # the dense channel cannot tell
    sharp = {7: 9.0, 3: 2.0}                                       # BM25: one fact-check shares the words
    fused = fuse_channels({"dense": (flat, channel_stats(np.array(list(flat.values())), 100)),
                           "lexical": (sharp, channel_stats(np.array(list(sharp.values())), 100))},
                          {"dense": 1.5, "lexical": 1.0})
    assert max(fused, key=fused.get) == 7
    assert channel_stats(np.array([]), 100) == (0.0, 1.0, 0.0)   # nothing matched: no say in the ranking


def test_duplicate_key_ignores_quote_marks_case_and_spacing():
    from narratrace.trace.factchecks import duplicate_key

    assert duplicate_key('Did Trump "crash" a wedding?') == duplicate_key("did Trump  \u2018crash\u2019 a Wedding?")
    assert duplicate_key("Did Trump crash a wedding?") != duplicate_key("Did Trump crash a party?")


def test_html_page_with_embedded_claimreview(tmp_path):
    page = ("<!doctype html><html><head><title>Fact check: freed prisoners? | Example</title>"
            '<meta property="og:title" content="Did US forces free ISIS prisoners in Hasakah?">'
            '<script type="application/ld+json">' + json.dumps({"@context": "https://schema.org",
                                                                 "@graph": [{"@type": "WebPage"}, REVIEW]})
            + "</script></head><body><p>...</p></body></html>")
    [fc] = _read(tmp_path, "page.html", page)
    assert fc.claim == REVIEW["claimReviewed"] and fc.rating == "False"
    assert fc.title == "Did US forces free ISIS prisoners in Hasakah?"  # the review has none: the page's
    assert fc.origin.startswith(str(tmp_path / "page.html") + "#script[0]")
    # no suffix that tells: a page is still read as one
    assert [f.claim for f in _read(tmp_path, "saved", page)] == [REVIEW["claimReviewed"]]
    [err] = _read(tmp_path, "empty.html", "<html><body>No review here</body></html>")
    assert isinstance(err, InputError) and "no ClaimReview" in str(err)


def test_titles_from_every_format(tmp_path):
    titled = dict(REVIEW, headline="Were ISIS prisoners freed?")
    assert _read(tmp_path, "r.json", titled)[0].title == "Were ISIS prisoners freed?"
    assert _read(tmp_path, "n.json", dict(titled, name="Review name"))[0].title == "Review name"
    csv_text = "id,claim,title,language\nfc-1,Troops freed prisoners,Did troops free them?,en\n"
    assert _read(tmp_path, "t.csv", csv_text)[0].title == "Did troops free them?"
    tools = {"claims": [{"text": "Vaccines contain microchips",
                         "claimReview": [{"url": "https://x", "title": "No, vaccines do not", "languageCode": "en"}]}]}
    assert _read(tmp_path, "api.json", tools)[0].title == "No, vaccines do not"
