"""Cited sources on the seeds, resolved to one canonical id across scripts."""
from __future__ import annotations

from narratrace.model import Article, Passage
from narratrace.trace.attributions import cited_sources, find_attributions, load_registry, match_key_with_offsets


def _ids(article):
    return set(cited_sources(find_attributions(article)))


def test_attributions_sputnik_across_scripts(seeds):
    for k in ("000", "001", "002", "003"):
        assert "sputnik" in _ids(seeds[k]), k
    assert "presstv" in _ids(seeds["003"])


def test_attributions_ministry_and_person(seeds):
    assert "ru_mod" in _ids(seeds["004"])
    for k in ("000", "001"):
        atts = [a for a in find_attributions(seeds[k]) if a.source_id == "musab_al_halabi"]
        assert len(atts) >= 2, k
        assert {a.source_name for a in atts} == {"Musab al-Halabi"}


def test_attributions_spans_point_into_text(seeds):
    for art in seeds.values():
        by_index = {p.index: p for p in art.passages}
        for a in find_attributions(art):
            text = by_index[a.passage].text
            assert text[a.mention_span[0]:a.mention_span[1]] == a.surface
            assert text[a.claim_span[0]:a.claim_span[1]] == a.claim
            assert a.surface in a.claim and a.cue in a.claim


def test_attributions_first_sentence_cues(seeds):
    by = {a.source_id: a for a in find_attributions(seeds["001"])}
    assert by["sputnik"].cue in ("به خبرگزاری", "گفتند")
    assert by["sputnik"].surface == "اسپوتنیک"
    halabi = [a.cue for a in find_attributions(seeds["001"]) if a.source_id == "musab_al_halabi"]
    assert "تصریح کرد" in halabi and "افزود" in halabi


def test_attributions_resolve_aliases():
    reg = load_registry()
    for surface, sid in [("Sputnik", "sputnik"), ("سبوتنيك", "sputnik"), ("اسپوتنیک", "sputnik"),
                         ("Press TV", "presstv"), ("پرس تی وی", "presstv"), ("RT", "rt"),
                         ("روسيا اليوم", "rt"), ("Kementerian Pertahanan Rusia", "ru_mod"),
                         ("وزارة الدفاع الروسية", "ru_mod"), ("وزارت دفاع روسیه", "ru_mod"),
                         ("Russian Ministry of Defence", "ru_mod"), ("مصعب الحلبی", "musab_al_halabi"),
                         ("مصعب الحلبي", "musab_al_halabi"), ("Musab al-Halabi", "musab_al_halabi"),
                         ("لسبوتنيك", "sputnik")]:
        src = reg.resolve(surface)
        assert src is not None and src.id == sid, surface


def _one(text: str) -> Article:
    return Article(id="x", text=text, passages=[Passage(0, text, 0, len(text))])


def test_attributions_cue_examples():
    cases = [("Sources told Sputnik that the convoy left.", "sputnik"),
             ("قالت المصادر لـ سبوتنيك إن القافلة غادرت.", "sputnik"),
             ("منابع به خبرگزاری اسپوتنیک گفتند که کاروان رفت.", "sputnik"),
             ("According to Press TV, the convoy left.", "presstv"),
             ("به گفته وزارت دفاع روسیه، کاروان رفت.", "ru_mod"),
             ("Menurut Kementerian Pertahanan Rusia, konvoi pergi.", "ru_mod"),
             ("وقالت وزارة الدفاع الروسية إن القافلة غادرت.", "ru_mod")]
    for text, sid in cases:
        assert sid in cited_sources(find_attributions(_one(text))), text


def test_attributions_no_cue_no_citation():
    assert find_attributions(_one("RT : a convoy left the prison.")) == []
    assert find_attributions(_one("The Sputnik satellite was launched in 1957.")) == []


def test_attributions_user_registry(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[sources.sputnik]\naliases = ["Sputnik Afrique"]\n'
                     '[sources.xinhua]\nname = "Xinhua"\naliases = ["新华社", "Xinhua"]\n', "utf-8")
    reg = load_registry(extra)
    assert reg.resolve("Sputnik Afrique").id == "sputnik" and reg.resolve("Sputnik").id == "sputnik"
    atts = find_attributions(_one("Xinhua reported that the convoy left."), reg)
    assert [a.source_id for a in atts] == ["xinhua"]


def test_attributions_normalise_offsets():
    text = "وكالة “سبوتنيك”"
    norm, where = match_key_with_offsets(text)
    assert len(norm) == len(where) and "سبوتنیک" in norm
