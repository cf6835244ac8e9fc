"""Charts and the propagation graph in a real headless Chromium: a volume chart on the story page, and a
50-article story whose graph keeps every label apart, draws one edge element per linked pair, and zooms and pans.

Skips, saying why, when the browser is not installed (``scripts/system-deps.sh``), like test_web_browser.py.
"""
from __future__ import annotations

import json
import urllib.request

import pytest

from narratrace.present.web.app import create_app
from narratrace.present.web.testing import ServerThread

from .test_web_browser import A

BOXES = """
const svg = document.getElementById('graph');
const box = (el) => {
  const b = el.getBBox(), m = el.getCTM();
  const pts = [[b.x, b.y], [b.x + b.width, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  return {x0: pts[0].x, y0: pts[0].y, x1: pts[1].x, y1: pts[1].y, text: el.textContent};
};
return [...svg.querySelectorAll('.node text.label, text.col-head')].map(box);
"""


@pytest.fixture(scope="module")
def seeds_server(evil_project):
    with ServerThread(create_app(project=evil_project)) as srv:
        yield srv


@pytest.fixture(scope="module")
def busy(tmp_path_factory, test_databases):
    """A project holding one story of 50 tiny articles with many links (hashing encoder: no model needed)."""
    from narratrace import Narratrace
    from narratrace.embed.hashing import HashingEncoder
    from narratrace.present.web.synthetic import build_synthetic_story

    nt = Narratrace(db=test_databases.new(tmp_path_factory.mktemp("busy"), "busy"), encoder=HashingEncoder())
    story_id = build_synthetic_story(nt, n=50)
    with ServerThread(create_app(project=nt)) as srv:
        yield srv, story_id
    nt.close()


def _graph_json(server_url: str, story_id: str) -> dict:
    with urllib.request.urlopen(f"{server_url}/api/stories/{story_id}/graph", timeout=20) as r:
        return json.loads(r.read())


def _open_graph(browser, url: str) -> int:  # noqa: F811
    browser.get(url)
    rendered = browser.wait_for("return document.getElementById('graph').getAttribute('data-rendered')")
    assert rendered not in (None, "error"), rendered
    return int(rendered)


def test_web_browser_story_page_draws_a_volume_chart(browser, seeds_server):  # noqa: F811
    story = json.loads(urllib.request.urlopen(f"{seeds_server.url}/api/articles/{A}", timeout=20).read())["story_id"]
    browser.get(f"{seeds_server.url}/stories/{story}")
    chart = browser.execute(
        "const s = document.querySelector('figure.chart svg.chart-svg');"
        "if (!s) return null;"
        "const bars = [...s.querySelectorAll('rect.bar')];"
        "return {width: s.getBoundingClientRect().width, label: s.getAttribute('aria-label'),"
        " bars: bars.map(b => [b.getAttribute('data-label'), +b.getAttribute('data-count'), b.getBBox().height,"
        "   b.querySelector('title').textContent]),"
        " ticks: [...s.querySelectorAll('.labels text')].map(t => t.textContent),"
        " styled: document.querySelectorAll('[style]').length}")
    assert chart is not None and chart["width"] > 200
    assert [b[:2] for b in chart["bars"]] == [["undated", 3]]  # the seed story's three articles carry no date
    assert chart["bars"][0][2] > 50 and "undated: 3 articles" in chart["bars"][0][3]
    assert "undated" in chart["ticks"] and "3 undated" in chart["label"]
    assert chart["styled"] == 0  # nothing needs an inline style (the CSP forbids them)


def test_web_browser_graph_of_50_articles_stays_readable(browser, busy):  # noqa: F811
    srv, story_id = busy
    data = _graph_json(srv.url, story_id)
    articles = [n for n in data["nodes"] if n["kind"] == "article"]
    sources = [n for n in data["nodes"] if n["kind"] == "source"]
    assert len(articles) == 50
    pairs: dict[frozenset, set] = {}
    for e in data["links"]:
        if e["kind"] != "published_by":
            pairs.setdefault(frozenset((e["source"], e["target"])), set()).add(e["kind"])
    assert any(len(k) == 2 for k in pairs.values())  # some pairs are linked twice (translation + same story)

    assert _open_graph(browser, f"{srv.url}/stories/{story_id}") == len(articles) + len(sources)
    boxes = browser.execute(BOXES)
    assert len(boxes) >= len(articles) + len(sources)

    def meet(a, b):  # the boxes intersect (touching edges allowed)
        return (a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5
                and a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5)

    overlaps = [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if meet(a, b)]
    assert not overlaps, overlaps[:5]

    edges = browser.execute(
        "return [...document.querySelectorAll('#graph g.link')].map(g => [g.getAttribute('data-source'),"
        " g.getAttribute('data-target'), g.querySelectorAll('path.edge').length, g.getAttribute('data-kinds')])")
    drawn = [frozenset(("article:" + s if not s.startswith("source:") else s,
                        "article:" + t if not t.startswith("source:") else t)) for s, t, _, _ in edges]
    assert len(drawn) == len(set(drawn)) == len(pairs)  # one edge element per pair
    assert set(drawn) == set(pairs)
    for (_, _, paths, kinds), key in zip(edges, drawn):
        assert paths == len(kinds.split()) and set(kinds.split()) == pairs[key]

    labels = browser.execute(
        "return [...document.querySelectorAll('#graph .n-article')].map(g => [g.getAttribute('data-id'),"
        " g.querySelector('text.label').textContent, g.querySelector('title').textContent])")
    by_id = {n["id"][len("article:"):]: n for n in articles}
    for aid, label, title in labels:
        node = by_id[aid]
        assert label != aid and not label.startswith("syn-")  # named by outlet or title, never the bare id
        name = node["outlet"] or node["label"]
        assert label.rstrip("\u2026") and name.startswith(label.split(" \u00b7 ", 1)[1].rstrip("\u2026"))
        assert node["label"] in title and (node["outlet"] or "unknown outlet") in title  # full text on hover
    assert browser.execute("return window.__pwned === undefined && !document.querySelector('[onmouseover]')")


def test_web_browser_graph_zooms_and_pans(browser, busy):  # noqa: F811
    srv, story_id = busy
    _open_graph(browser, f"{srv.url}/stories/{story_id}")
    vb = "return document.getElementById('graph').getAttribute('viewBox').split(' ').map(Number)"
    home = browser.execute(vb)
    browser.click(browser.find("button.graph-zoom[data-zoom='in']"))
    zoomed = browser.execute(vb)
    assert zoomed[2] < home[2] and zoomed[3] < home[3]
    browser.execute("const s = document.getElementById('graph'), r = s.getBoundingClientRect();"
                    "s.dispatchEvent(new WheelEvent('wheel', {deltaY: -120, clientX: r.left + 50,"
                    " clientY: r.top + 50, bubbles: true, cancelable: true}));")
    wheeled = browser.execute(vb)
    assert wheeled[2] < zoomed[2]
    browser.execute("const s = document.getElementById('graph'), r = s.getBoundingClientRect();"
                    "const at = (type, dx) => new PointerEvent(type, {clientX: r.left + 200 + dx, clientY: r.top + 80,"
                    " button: 0, bubbles: true});"
                    "s.dispatchEvent(at('pointerdown', 0)); window.dispatchEvent(at('pointermove', 60));"
                    " window.dispatchEvent(at('pointerup', 60));")
    panned = browser.execute(vb)
    assert panned[0] < wheeled[0] and panned[2] == wheeled[2]
    browser.execute("document.getElementById('graph').dispatchEvent(new KeyboardEvent('keydown', {key: '0'}))")
    assert browser.execute(vb) == home
    browser.execute("document.getElementById('graph').dispatchEvent(new KeyboardEvent('keydown', {key: '-'}))")
    assert browser.execute(vb)[2] > home[2]
    browser.click(browser.find("button.graph-zoom[data-zoom='reset']"))
    assert browser.execute(vb) == home
