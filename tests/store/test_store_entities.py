"""store.entities (through Narratrace.entities): mentions stored with the article, pages with totals and facets,
re-ingest without duplicates, names discovered across scripts, rebuild; SQLite and PostgreSQL alike."""
from __future__ import annotations

from pathlib import Path

import pytest

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.model import RawArticle

SAMPLES = Path(__file__).resolve().parents[2] / "narratrace" / "data" / "samples"
A, B, C, D = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36", "003_a1910eebe7f376b6"


def _seeds() -> list[RawArticle]:
    return [RawArticle(id=f.stem, text=f.read_text("utf-8"), origin=f"{f.name}:1")
            for f in sorted(SAMPLES.glob("0*.txt"))]


@pytest.fixture
def project(new_db):
    with Narratrace(db=new_db("entities"), encoder=HashingEncoder()) as nt:
        assert nt.add(_seeds()).ok
        yield nt


def _page_ids(page) -> list[str]:
    return [it["article_id"] for it in page.items]


def test_store_entities_one_place_in_three_scripts_paged_with_facets(project):
    E = project.entities
    assert {e.id for name in ("الحسكة", "الحسکه", "al-Hasakah") for e in E.find(name)} == {"al_hasakah"}
    first, rest = E.articles("الحسكة", limit=2, offset=0), E.articles("al-Hasakah", limit=2, offset=2)
    assert first.total == rest.total == 3
    assert sorted(_page_ids(first) + _page_ids(rest)) == [A, B, C]
    assert first.facets["lang"] == {"ar": 1, "fa": 1, "id": 1}
    assert sum(first.facets["outlet"].values()) == 3
    only_fa = E.articles("al_hasakah", lang="fa")
    assert (only_fa.total, _page_ids(only_fa)) == (1, [B])
    spans = {s["surface"] for it in first.items + rest.items for s in it["spans"]}
    assert {"الحسكة", "الحسکه"} & spans and any("Hasakah" in s for s in spans)


def test_store_entities_sources_cited_by_with_cue_sentences(project):
    page = project.entities.cited_by("سبوتنيك")
    assert sorted(_page_ids(page)) == [A, B, C, D]
    for it in page.items:
        assert it["spans"] and all(s["role"] == "cited" and s["cue"] and s["context"] for s in it["spans"])
    sputnik = project.entities.get("Sputnik")
    assert (sputnik["articles"], sputnik["cited"]) == (4, 4)
    assert {"سبوتنيك", "اسپوتنیک"} <= {n["form"] for n in sputnik["names"] if n["seen"]}


def test_store_entities_reingest_replaces_and_never_duplicates(project):
    before = project.store.count_entity_mentions()
    assert project.add(_seeds()).unchanged  # the same texts: nothing written twice
    assert project.store.count_entity_mentions() == before
    text = (SAMPLES / f"{A}.txt").read_text("utf-8")
    changed = "\n".join(line for line in text.splitlines() if "Hasakah" not in line)
    report = project.add([RawArticle(id=A, text=changed, origin=f"{A}.txt:1")])  # a new version: same file
    assert report.updated == [A]
    assert project.entities.get("al_hasakah")["articles"] == 2  # the old version's mentions went with it
    assert sorted(_page_ids(project.entities.articles("al_hasakah"))) == [B, C]


def test_store_entities_rebuild_finds_what_ingest_stored(project):
    listed = project.entities.list(limit=1000)
    counts = project.store.count_entity_mentions()
    done = project.entities.rebuild()
    assert done["articles"] == 5 and done["errors"] == 0
    assert project.store.count_entity_mentions() == counts
    again = project.entities.list(limit=1000)
    assert [(e["id"], e["articles"], e["cited"]) for e in again["items"]] == \
        [(e["id"], e["articles"], e["cited"]) for e in listed["items"]]


def test_store_entities_a_name_written_in_two_scripts_becomes_an_entity(new_db):
    latin = RawArticle(id="t-id", lang="id", origin="t.jsonl:1",
                       text="Gubernur baru, Farhad Tabrizi, tiba di kota itu pada hari Senin bersama rombongannya.")
    persian = RawArticle(id="t-fa", lang="fa", origin="t.jsonl:2",
                         text="استاندار جدید «فرهاد تبریزی» روز دوشنبه همراه هیئتی وارد شهر شد.")
    with Narratrace(db=new_db("discover"), encoder=HashingEncoder()) as nt:
        nt.add([latin])
        assert not nt.entities.find("Farhad Tabrizi")  # one article, one script: still a candidate
        nt.add([persian])
        found = nt.entities.find("فرهاد تبریزی")
        assert [e.id for e in found] == ["name:frhd-tbrz"]
        assert found[0].name == "Farhad Tabrizi" and found[0].origin == "discovered"
        assert sorted(_page_ids(nt.entities.articles("Farhad Tabrizi"))) == ["t-fa", "t-id"]


def test_store_entities_pages_are_the_same_on_sqlite_and_postgresql(tmp_path, pg_db):
    pages = []
    for target in (str(tmp_path / "same.db"), pg_db("same")):
        with Narratrace(db=target, encoder=HashingEncoder()) as nt:
            nt.add(_seeds())
            E = nt.entities
            pages.append((E.list(limit=100), E.articles("ISIS", limit=3).to_dict(), E.cited_by("Sputnik").to_dict(),
                          E.timeline("isis").to_dict()))
    assert pages[0] == pages[1]
