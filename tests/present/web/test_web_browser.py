"""End to end in a real headless Chromium (Debian's chromium + chromedriver) against uvicorn on 127.0.0.1.

Skips, saying why, when the browser is not installed (``scripts/system-deps.sh`` installs it; CI runs that).
"""
from __future__ import annotations

import pytest

from narratrace.present.web.app import create_app
from narratrace.present.web.testing import ELEMENT, ServerThread

from .conftest import EVIL_ID

A, B, C = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36"
PWNED = "return [window.__pwned === undefined ? null : String(window.__pwned), document.title]"


@pytest.fixture(scope="module")
def server(evil_project):
    with ServerThread(create_app(project=evil_project)) as srv:
        yield srv


def test_web_browser_story_shows_three_languages_and_graph(browser, server):
    browser.get(server.url + "/?lang=fa")
    link = browser.find("a.story-link")
    browser.click(link)
    assert "/stories/" in browser.current_url
    langs = browser.execute("return [...document.querySelectorAll('.story-langs .lang')].map(e => e.textContent)")
    assert sorted(langs) == ["ar", "fa", "id"]
    rendered = browser.wait_for("return document.getElementById('graph').getAttribute('data-rendered')")
    assert rendered not in (None, "error") and int(rendered) >= 3
    circles = browser.execute("return document.querySelectorAll('#graph .n-article circle').length")
    assert circles == 3
    edges = browser.execute(
        "return [...document.querySelectorAll('#graph path.edge')].map(e => e.getAttribute('class'))")
    assert any("e-translates" in e for e in edges)
    articles = browser.execute("return [...document.querySelectorAll('table.articles tr[data-article]')]"
                               ".map(r => r.getAttribute('data-article'))")
    assert sorted(articles) == [A, B, C]


def test_web_browser_pair_persian_column_is_rtl(browser, server):
    browser.get(server.url + f"/articles/{A}")
    browser.click(browser.find(f'a.pair-link[href="/pair/{A}/{B}"]'))
    assert browser.current_url.endswith(f"/pair/{A}/{B}")
    style = browser.execute(
        "const b = document.querySelector('.pair .row:not(.head) .col-b:not(.empty)');"
        "const a = document.querySelector('.pair .row:not(.head) .col-a:not(.empty)');"
        "return [getComputedStyle(b).direction, getComputedStyle(a).direction, b.lang,"
        " getComputedStyle(b.querySelector('.text')).fontFamily, getComputedStyle(b).textAlign]")
    assert style[0] == "rtl" and style[1] == "ltr" and style[2] == "fa"
    assert "Naskh" in style[3] or "Vazirmatn" in style[3]
    aligned = browser.execute("return document.querySelectorAll('.pair .row.aligned').length")
    assert aligned >= 10
    titles = browser.execute("return [...document.querySelectorAll('.pair .row.aligned')].map(r => r.title)")
    assert all("margin" in t and "cosine" in t for t in titles)
    marked = browser.execute("return [document.querySelectorAll('.pair .passage.kind-boilerplate').length,"
                             " document.querySelectorAll('.pair .passage.unaligned').length]")
    assert marked[0] >= 1 and marked[1] >= 1


def test_web_browser_search(browser, server):
    browser.get(server.url + "/")
    box = browser.find("header form.search input[name=q]")
    if browser.execute("return arguments[0].disabled", {ELEMENT: box}):
        pytest.skip("this narratrace has no Narratrace.search: the search box is disabled")
    browser.type(box, "American troops moved ISIS leaders out of Syria")
    browser.click(browser.find("header form.search button"))
    # the click returns before the results page arrives (the query is encoded first): wait for it
    browser.wait_for("return location.pathname === '/search'")
    assert "/search?q=" in browser.current_url
    hits = browser.wait_for("return document.querySelectorAll('.hit').length")
    assert hits >= 3
    langs = browser.execute("return [...document.querySelectorAll('.hit blockquote')].map(e => e.lang)")
    assert {"fa", "ar"} & set(langs) or {"id"} & set(langs)  # an English query finds other languages
    dirs = browser.execute("return [...document.querySelectorAll('.hit blockquote')]"
                           ".map(e => [e.lang, getComputedStyle(e).direction])")
    assert all(d == "rtl" for lang, d in dirs if lang in ("fa", "ar"))


def test_web_browser_script_in_article_does_not_execute(browser, server):
    for url in (f"/articles/{EVIL_ID}", "/?q=Breaking", "/search?q=bridge+closed+after+engineers+found+cracks"):
        browser.get(server.url + url)
        browser.wait_for("return document.readyState === 'complete'")
        pwned, title = browser.execute(PWNED)
        assert pwned is None, (url, pwned)
        assert title != "pwned" and title.endswith("narratrace"), (url, title)  # the script would set 'pwned'
        state = browser.execute(
            "return [document.querySelectorAll('[onerror],[onload],[onmouseover]').length,"
            " [...document.scripts].map(s => s.getAttribute('src')),"
            " [...document.querySelectorAll('a[href^=\"javascript:\"]')].length,"
            " document.body.textContent]")
        assert state[0] == 0 and state[1] == ["/static/app.js"] and state[2] == 0, (url, state[:3])
    # the hostile markup is shown as text, literally
    browser.get(server.url + f"/articles/{EVIL_ID}")
    assert browser.title.startswith("<script>document.title='pwned'")  # the title, as text
    h1 = browser.execute("return document.querySelector('h1').textContent")
    assert h1.startswith("<script>document.title='pwned'")
    body = browser.execute("return document.querySelector('.passages').textContent")
    assert "<img src=x onerror=\"window.__pwned='img';document.title='pwned'\">" in body
    assert "<svg onload=" in body
    outlet = browser.execute("return document.querySelector('dl.meta').textContent")
    assert "<b onmouseover=" in outlet
    assert browser.execute(PWNED)[0] is None


def test_web_browser_loads_nothing_from_the_network(browser, server):
    browser.get(server.url + "/")
    browser.click(browser.find("a.story-link"))
    browser.wait_for("return document.getElementById('graph').getAttribute('data-rendered')")
    urls = browser.execute("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server.url + "/") for u in urls), urls
