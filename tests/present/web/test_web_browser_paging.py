"""Paging in a real headless Chromium: the pager's links go to the next pages and back, keep the filters
(a language chosen in the form, a facet clicked), and the rows change with the page."""
from __future__ import annotations

import pytest

from narratrace.present.web.app import create_app
from narratrace.present.web.testing import ServerThread

from .test_web_paging import PER_PAGE, paging_project

ROWS = "return [...document.querySelectorAll('table.stories a.story-link')].map(a => a.getAttribute('href'))"
SUMMARY = "return document.querySelector('h1 .page-summary').textContent"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    nt = paging_project(tmp_path_factory.mktemp("browser-paging"))
    with ServerThread(create_app(project=nt)) as srv:
        yield srv
    nt.close()


def test_browser_pager_walks_the_story_pages(browser, server):
    browser.get(server.url + "/")
    first = browser.execute(ROWS)
    assert len(first) == PER_PAGE and browser.execute(SUMMARY).startswith(f"1–{PER_PAGE} of 22")
    browser.click(browser.find("nav.pager a.pager-next"))
    browser.wait_for("return location.search.includes('page=2')")
    second = browser.execute(ROWS)
    assert len(second) == PER_PAGE and not set(first) & set(second)
    assert browser.execute("return document.querySelector('nav.pager .current').textContent") == "2"
    browser.click(browser.find_all("nav.pager a.pager-page")[-1])  # the last page: the rest
    browser.wait_for("return location.search.includes('page=6')")
    assert len(browser.execute(ROWS)) == 22 - 5 * PER_PAGE
    browser.click(browser.find("nav.pager a.pager-prev"))
    browser.wait_for("return location.search.includes('page=5')")
    assert len(browser.execute(ROWS)) == PER_PAGE


def test_browser_pager_keeps_the_filters(browser, server):
    browser.get(server.url + "/")
    browser.execute("const s = document.querySelector('form.filters select[name=lang]'); s.value = 'id';")
    browser.click(browser.find("form.filters button[type=submit]"))
    browser.wait_for("return location.search.includes('lang=id')")
    assert browser.execute(SUMMARY).startswith(f"1–{PER_PAGE} of 7 stories")
    browser.click(browser.find("nav.pager a.pager-next"))
    browser.wait_for("return location.search.includes('page=2')")
    assert "lang=id" in browser.current_url and browser.execute(SUMMARY).startswith(f"{PER_PAGE + 1}–7 of 7")
    langs = browser.execute("return [...document.querySelectorAll('table.stories td .lang')].map(e => e.textContent)")
    assert langs and set(langs) == {"id"}
    # a facet link narrows further, keeps the language and starts again at page 1
    browser.click(browser.find(".facets a.facet[href*='since=2021-0']"))
    browser.wait_for("return location.search.includes('since=')")
    assert "lang=id" in browser.current_url and "page=" not in browser.current_url
