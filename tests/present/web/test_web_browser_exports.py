"""Export buttons in a real headless Chromium: the story page's GEXF button downloads a file that networkx reads
(dynamic, the story's articles), and the stories list's buttons keep its filters. Downloads go to a folder set
through the DevTools protocol (chromedriver's ``goog/cdp/execute``); the links are clicked, not fetched.

Skips, saying why, when the browser is not installed (``scripts/system-deps.sh`` installs it)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import networkx as nx
import pytest

from narratrace.present.web.app import create_app
from narratrace.present.web.testing import Chromium, ServerThread

A, B, C = "000_b87142e14614ef64", "001_1466ee4cbd6c5b37", "002_52248782f917fa36"


@pytest.fixture(scope="module")
def server(seeds):
    with ServerThread(create_app(project=seeds)) as srv:
        yield srv


def click_download(browser: Chromium, css: str, folder: Path, timeout: float = 20.0) -> Path:
    """Click the link ``css`` with downloads going to ``folder``; the downloaded file once complete."""
    folder.mkdir(parents=True, exist_ok=True)
    browser._call("POST", browser._s("/goog/cdp/execute"),
                  {"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": str(folder)}})
    browser.click(browser.find(css))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing downloaded into {folder} after clicking {css}")


def test_web_browser_story_gexf_button_downloads_a_graph_networkx_reads(browser, server, seeds, tmp_path):
    story = seeds.article(A).story_id
    browser.get(server.url + "/")
    browser.click(browser.find(f'a.story-link[href="/stories/{story}"]'))
    assert browser.current_url.endswith(f"/stories/{story}")
    href = browser.execute("return document.querySelector('a.export-gexf').getAttribute('href')")
    assert href == f"/api/stories/{story}/export?format=gexf"
    path = click_download(browser, "a.export-gexf", tmp_path / "story")
    assert path.name == f"narratrace-graph-{story}.gexf"
    g = nx.read_gexf(path)
    assert g.graph["mode"] == "dynamic"
    articles = {n for n, d in g.nodes(data=True) if d["kind"] == "article"}
    assert articles == {f"article:{x}" for x in (A, B, C)}
    assert {d["lang"] for n, d in g.nodes(data=True) if n in articles} == {"id", "fa", "ar"}
    assert any(d["kind"] == "translates" for _, _, d in g.edges(data=True))
    assert g.nodes[f"article:{B}"]["label"] and g.nodes["source:sputnik"]["label"] == "Sputnik"


def test_web_browser_stories_list_export_keeps_its_filters(browser, server, tmp_path):
    browser.get(server.url + "/?lang=fa")
    href = browser.execute("return document.querySelector('a.export-json').getAttribute('href')")
    assert "lang=fa" in href and href.startswith("/api/export?")
    data = json.loads(click_download(browser, "a.export-json", tmp_path / "list").read_text("utf-8"))
    articles = [n for n in data["nodes"] if n["kind"] == "article"]
    assert [n["id"] for n in articles] == [f"article:{B}"] and data["graph"]["filters"] == {"langs": ["fa"]}
