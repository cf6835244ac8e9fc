"""Entity and source pages in a real headless Chromium (the fixtures of test_web_browser.py)."""
from __future__ import annotations

from urllib.parse import quote

from .test_web_browser import server  # noqa: F401  (the seeds' server fixture)

A, B, C, D = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36", "003_a1910eebe7f376b6"
ROWS = "return [...document.querySelectorAll('table.entity-articles tr[data-article]')].map(r => r.dataset.article)"


def test_web_browser_sputnik_source_page_lists_citing_articles_with_cue_sentences(browser, server):  # noqa: F811
    browser.get(server.url + "/sources/Sputnik")
    assert sorted(browser.execute(ROWS)) == [A, B, C, D]
    cues = browser.execute(
        "return [...document.querySelectorAll('tr[data-article]')].map(r => [r.dataset.article,"
        " [...r.querySelectorAll('blockquote.cue-sentence')]"
        ".map(b => [b.textContent, getComputedStyle(b).direction])])")
    by_article = dict(cues)
    assert all(by_article[a] for a in (A, B, C, D))  # each with its cue sentence
    assert "Sputnik" in by_article[A][0][0] and "اسپوتنیک" in by_article[B][0][0]
    assert all(d == "rtl" for a in (B, C) for _, d in by_article[a])
    assert browser.execute("return document.querySelector('figure.chart svg') !== null")


def test_web_browser_al_hasakah_page_whatever_the_script_of_the_query(browser, server):  # noqa: F811
    for name in ("al-Hasakah", "الحسكة", "الحسکه"):
        browser.get(server.url + "/entities/" + quote(name, safe=""))
        assert sorted(browser.execute(ROWS)) == [A, B, C], name
        assert browser.execute("return document.querySelector('h1').textContent") == "al-Hasakah"
    browser.get(server.url + "/entities")  # the find box: a Persian spelling, then the entity's link
    browser.type(browser.find("form.entity-find input[name=q]"), "الحسکه")
    browser.click(browser.find("form.entity-find button"))
    browser.wait_for("return location.search.includes('q=')")
    browser.click(browser.find("a.entity-link"))
    browser.wait_for("return location.pathname.startsWith('/entities/al_hasakah')")
    assert sorted(browser.execute(ROWS)) == [A, B, C]


def test_web_browser_entity_page_pages(browser, server):  # noqa: F811
    browser.get(server.url + "/entities/isis?per_page=2")
    first = browser.execute(ROWS)
    browser.click(browser.find("nav.pager a.pager-next"))
    browser.wait_for("return location.search.includes('page=2')")
    second = browser.execute(ROWS)
    assert len(first) == len(second) == 2 and not set(first) & set(second)
