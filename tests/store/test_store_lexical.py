"""The lexical index (store/lexical.py, schema 7): written with its articles and fact-checks, undone with
them, rebuilt by the migration for stores made before it, one BM25 ranking on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from narratrace.model import Article, Passage
from narratrace.store import open_store
from narratrace.store.lexical import TermQuery
from narratrace.store.migrations import MIGRATIONS, SCHEMA_VERSION
from narratrace.text.normalise import normalise
from narratrace.text.terms import text_terms

TEXTS = {
    "ar": ["نقلت القوات الأمريكية عددا من قياديي تنظيم داعش من سجن الصناعة في الحسكة.",
           "وقالت مصادر لوكالة سبوتنيك إن الطائرات نقلتهم باتجاه دير الزور."],
    "en": ["US forces moved ISIS leaders out of the Hasakah prison, sources told Sputnik.",
           "Audio Download ."],
    "zh": ["美国军队把伊斯兰国成员从哈塞克监狱转移走了。", "消息人士对卫星通讯社说。"],
    "id": ["Pasukan Amerika mengeluarkan 750 anggota ISIS dari penjara di Hasakah.",
           "Sumber mengatakan kepada Sputnik bahwa helikopter membawa mereka."],
}


def _article(aid: str, lang: str, texts: list[str], boilerplate: int | None = None) -> Article:
    ps = [Passage(index=i, text=t, start=0, end=len(t), kind="boilerplate" if i == boilerplate else "body",
                  lang=lang, key=normalise(t, lang)) for i, t in enumerate(texts)]
    return Article(id=aid, text="\n".join(texts), lang=lang, passages=ps, story_id=f"s-{aid}")


def _write(store, art: Article, replace: bool = False) -> dict[int, int]:
    start = store.next_passage_rowid()
    rowids = {p.index: start + k for k, p in enumerate(art.passages)}
    vecs = {p.index: np.ones(4, np.float32) / 2 for p in art.passages}
    store.write_article(art, rowids, vecs, replace=replace)
    return rowids


def _search(store, query: str, **kw) -> list[str]:
    """Article ids of the best passages for ``query`` (one group per word), best first."""
    hits = store.lexical_search("passages", TermQuery([[t] for t in text_terms(query)]), 10, **kw)
    owners = store.passage_owners([r for r, _ in hits])
    return [owners[r] for r, _ in hits]


@pytest.fixture
def store(new_db):
    st = open_store(new_db("lexical"))
    st.bind_encoder("test-space", 4)
    with st.transaction():
        for lang, texts in TEXTS.items():
            _write(st, _article(lang, lang, texts, boilerplate=1 if lang == "en" else None))
    yield st
    st.close()


def test_lexical_finds_words_across_clitics_scripts_and_cjk(store):
    assert _search(store, "الحسكة") == ["ar"]             # written «في الحسكة»
    assert _search(store, "حسكة") == ["ar"]               # the word without its article
    assert _search(store, "وكالة سبوتنيك")[0] == "ar"     # «لوكالة»: the preposition stripped
    assert _search(store, "哈塞克监狱") == ["zh"]           # bigrams, no spaces in the text
    assert set(_search(store, "Sputnik")) == {"en", "id"}  # Latin script only: «سبوتنيك» is another word
    assert _search(store, "ISIS prison")[0] == "en"


def test_lexical_never_holds_boilerplate_and_filters_by_language_and_article(store):
    assert _search(store, "Audio Download") == []
    assert set(_search(store, "ISIS")) == {"en", "id"}
    assert _search(store, "ISIS", lang="id") == ["id"]
    assert _search(store, "ISIS", article_ids={"en"}) == ["en"]
    assert _search(store, "ISIS", article_ids=set()) == []


def test_lexical_all_words_or_any_word(store):
    both = TermQuery([["isis"], ["helikopter"]], require_all=True)
    any_ = TermQuery([["isis"], ["helikopter"]])
    assert store.lexical_search("passages", both, 10) == []   # in two passages of "id", never one
    assert len(store.lexical_search("passages", any_, 10)) == 3


def test_lexical_rolled_back_with_the_article_and_replaced_with_it(store):
    with pytest.raises(RuntimeError), store.transaction():
        _write(store, _article("late", "en", ["A ferry strike on the islands left 14 boats idle."]))
        raise RuntimeError("the batch fails")
    assert _search(store, "ferry") == []
    with store.transaction():
        _write(store, _article("en", "en", ["A ferry strike on the islands left 14 boats idle."]), replace=True)
    assert _search(store, "ferry") == ["en"]
    assert _search(store, "Hasakah prison") == ["id"]  # the old version's terms went with its passages


def test_lexical_factchecks_indexed_with_title_and_updated_in_place(store):
    rec = {"factcheck_id": "fc1", "claim": "Troops freed prisoners.", "title": "Did US forces free ISIS fighters?"}
    with store.transaction():
        store.upsert_factchecks([rec], np.ones((1, 4), np.float32) / 2)
    q = TermQuery([["isis"], ["fighters"]])
    (hit,) = store.lexical_search("factchecks", q, 5)
    with store.transaction():
        store.upsert_factchecks([{**rec, "title": "Were prisoners freed?"}], np.ones((1, 4), np.float32) / 2)
    assert store.lexical_search("factchecks", q, 5) == []
    assert [r for r, _ in store.lexical_search("factchecks", TermQuery([["freed"]]), 5)] == [hit[0]]


def test_lexical_migration_indexes_a_store_made_before_it(store):
    """A store at schema 6 (here: its index emptied, its version set back) is indexed when opened."""
    before = {q: _search(store, q) for q in ("الحسكة", "Sputnik", "哈塞克监狱")}
    with store.transaction():
        store._x("DELETE FROM passage_terms")
        store._set_meta("schema_version", "6")
    assert _search(store, "Sputnik") == []
    path = store.url if hasattr(store, "url") else store.path
    store.close()
    again = open_store(path)
    try:
        assert again.schema_version == SCHEMA_VERSION  # every migration since 6 ran
        assert {q: _search(again, q) for q in before} == before
    finally:
        again.close()


@pytest.mark.sqlite_only(reason="a file written by the schema-6 migrations")
def test_lexical_migration_of_a_real_schema_6_file(tmp_path):
    db = tmp_path / "v6.db"
    con = sqlite3.connect(db)
    for v in range(1, 7):
        con.executescript(MIGRATIONS[v])
    con.execute("INSERT INTO meta VALUES('schema_version', '6')")
    con.execute("INSERT INTO articles(rowid, id, content_hash, text, added_at) VALUES(1, 'old', 'h', 'x', 'now')")
    for i, (kind, text) in enumerate([("body", "القوات الأمريكية في الحسكة"), ("boilerplate", "Sputnik")]):
        con.execute('INSERT INTO passages(rowid, article_rowid, idx, kind, start, "end", text, key) '
                    "VALUES(?, 1, ?, ?, 0, 1, ?, ?)", (i + 1, i, kind, text, normalise(text)))
    con.commit()
    con.close()
    store = open_store(str(db))
    try:
        assert _search(store, "والحسكة") == ["old"] and _search(store, "Sputnik") == []
    finally:
        store.close()


def test_lexical_bm25_is_the_same_on_sqlite_and_postgresql(tmp_path, pg_db):
    """PostgreSQL computes BM25 itself (ts_rank has no IDF): the two stores rank alike, with equal scores."""
    results = []
    for target in (str(tmp_path / "same.db"), pg_db("same")):
        st = open_store(target)
        try:
            with st.transaction():
                for lang, texts in TEXTS.items():
                    _write(st, _article(lang, lang, texts))
            q = TermQuery([[t] for t in text_terms("ISIS Sputnik Hasakah الحسكة prison 哈塞克")])
            results.append([(st.passage_owners([r])[r], round(s, 4)) for r, s in st.lexical_search("passages", q, 10)])
        finally:
            st.close()
    assert results[0] == results[1] and len(results[0]) >= 4
