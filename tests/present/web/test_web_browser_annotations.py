"""Annotations in a real headless Chromium against uvicorn on 127.0.0.1 (the helpers of test_web_browser.py):
a tag added in the page is shown after a reload; a story merged in the page stays merged after a new ingest.

Skips, saying why, when the browser is not installed (``scripts/system-deps.sh`` installs it; CI runs that).
"""
from __future__ import annotations

import httpx
import pytest

from narratrace import Narratrace
from narratrace.model import RawArticle
from narratrace.present.web.app import create_app
from narratrace.present.web.testing import Chromium, ServerThread

from ...conftest import SEED_IDS
from .conftest import start_chromium

TOKEN = "browser-write-token-0123456789"
A0, A1, A2, B, C = SEED_IDS


@pytest.fixture(scope="module")
def project(seeds_project, real_encoder, tmp_path_factory, test_databases):
    db = test_databases.copy(seeds_project[0].db_path, tmp_path_factory.mktemp("web-annotate"), "annotate")
    nt = Narratrace(db=db, encoder=real_encoder)
    yield nt
    nt.close()


@pytest.fixture(scope="module")
def server(project):
    with ServerThread(create_app(project=project, write_token=TOKEN)) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server):
    b = start_chromium()
    b.get(server.url + "/?token=" + TOKEN)  # the address `narratrace serve` prints: the cookie is set
    b.wait_for("return location.search === '' && document.readyState === 'complete'")
    yield b
    b.quit()


def _submit(browser: Chromium, form: str) -> None:
    """Click the form's button and wait for the page the write API redirects to."""
    browser.execute("window.__before = true")
    browser.click(browser.find(f"{form} button[type=submit]"))
    browser.wait_for("return window.__before === undefined && document.readyState === 'complete'")


def test_web_browser_tag_added_in_the_page_is_shown_after_a_reload(browser, server, project):
    story = project.article(A0).story_id
    browser.get(f"{server.url}/stories/{story}")
    assert not browser.find_all(".write-token-needed")  # this browser holds the write token
    browser.type(browser.find("form.add-tag input[name=tag]"), "prison transfer")
    _submit(browser, "form.add-tag")
    assert browser.current_url.endswith(f"/stories/{story}")
    browser.get(f"{server.url}/stories/{story}")  # a reload reads it back from the database
    tags = browser.execute("return [...document.querySelectorAll('.user-tags .user-tag')].map(e => e.textContent)")
    assert tags == ["prison transfer"]
    assert [a["value"] for a in project.annotations.of("story", story)] == ["prison transfer"]
    browser.get(f"{server.url}/articles/{A1}")
    browser.type(browser.find("form.add-note textarea[name=note]"), "the Persian original of 000")
    _submit(browser, "form.add-note")
    browser.get(f"{server.url}/articles/{A1}")
    notes = browser.execute("return [...document.querySelectorAll('.user-notes p')].map(e => e.textContent)")
    assert notes == ["the Persian original of 000"]


def test_web_browser_story_merged_in_the_page_stays_merged_after_a_new_ingest(browser, server, project):
    b, c = project.article(B).story_id, project.article(C).story_id
    assert b != c
    browser.get(f"{server.url}/stories/{b}")
    browser.type(browser.find("form.merge-story input[name=other_id]"), c)
    _submit(browser, "form.merge-story")
    merged = browser.current_url.rsplit("/", 1)[1]
    shown = browser.execute("return [...document.querySelectorAll('table.articles tr[data-article]')]"
                            ".map(r => r.getAttribute('data-article'))")
    assert sorted(shown) == [B, C]
    # more articles arrive: a new version of both merged articles (grouped again, neither founds its own
    # story) and an unrelated one through the write API
    for aid in (B, C):
        art = project.article(aid)
        assert project.add([RawArticle(id=aid, text=art.text + "\n\nPembaruan: artikel ini diperbarui.",
                                       origin=art.origin)]).updated == [aid]
    r = httpx.post(server.url + "/api/ingest?name=later", json={"articles": [{
        "id": "bridge-1", "lang": "en", "text": "Engineers closed the old bridge over the river on Monday after "
                                                "finding cracks in two of its pillars."}]},
                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
    assert r.status_code == 200 and r.json()["ingested"] == ["bridge-1"], r.text
    browser.get(f"{server.url}/stories/{merged}")
    shown = browser.execute("return [...document.querySelectorAll('table.articles tr[data-article]')]"
                            ".map(r => r.getAttribute('data-article'))")
    assert sorted(shown) == [B, C]
    edits = browser.execute("return [...document.querySelectorAll('.story-edits li')].map(e => e.textContent)")
    assert len(edits) == 1 and "merge" in edits[0]


def test_web_browser_match_confirmed_with_its_button_survives_a_rematch(browser, server, project, real_encoder):
    import json

    from narratrace.settings import Settings

    from .test_web_write import HASAKAH

    r = httpx.post(server.url + "/api/factchecks/import?name=hasakah", content=json.dumps(HASAKAH),
                   headers={"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}, timeout=120)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    fc = r.json()["ids"][0]
    browser.get(server.url + "/claims")
    form = f'form.match-review:has(input[name=article_id][value="{A2}"]):has(input[name=factcheck_id][value="{fc}"])'
    browser.click(browser.find(f"{form} button.confirm"))
    browser.wait_for(f"return !!document.querySelector('{form} button.confirm[aria-pressed=true]')")
    strict = Settings.load(factchecks={"suggested": 0.99, "confirmed": 0.995})
    with Narratrace(db=project.db_path, settings=strict, encoder=real_encoder) as again:
        again.pipeline.factchecks.match_new_claims(rematch_all=True)  # nothing reaches these thresholds
    browser.get(server.url + "/claims")
    statuses = browser.execute(f"return [...document.querySelectorAll('{form}')].map(f => f.parentElement.className)")
    assert statuses and all("status-confirmed" in s for s in statuses)
