#!/usr/bin/env python
"""Regenerate the screenshots in docs/ (docs/screenshot-*.png) in headless Chromium, one per page.

    .venv/bin/python scripts/screenshot.py [--db /tmp/web.db] [--out docs] [--only story,outlet]

Pages: the seed story (graph, timeline, volume chart, aligned paragraphs), the outlet list, the narratives
with their charts, the largest narrative's own page, the graph of a 50-article synthetic story and an
outlet's profile in it, the al-Hasakah entity page, the entity list, Sputnik's source page and the stories
list with its paging controls (a page the app does not answer with 200 is skipped, saying so).

Builds the seed database from narratrace/data/samples when it does not exist (the encoder takes a few
seconds to a minute), and the synthetic story with the hashing encoder in a temporary database; serves each
on 127.0.0.1 with a free port. Needs Debian's chromium and chromium-driver (scripts/system-deps.sh).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SEED = "000_b87142e14614ef64"
GRAPH_DRAWN = ("const g = document.getElementById('graph');"
               "return g ? g.getAttribute('data-rendered') : 'no graph'")


@dataclass
class Shot:
    """One screenshot: ``path`` on the ``app`` ("seeds", "busy" or "paged"; skipped when it does not answer
    200: a page not built yet); ``graph``: wait for the propagation graph; ``scroll_to``: a CSS selector."""

    name: str
    path: str
    app: str = "seeds"
    height: int = 1100
    graph: bool = False
    scroll_to: str | None = None


SHOTS = [
    Shot("story", "/stories/{story}", height=1500, graph=True),
    Shot("outlet", "/outlets/RT%20Arabic", app="busy", height=1250),
    Shot("outlets", "/outlets", height=520),
    Shot("narratives", "/narratives", height=1000),
    Shot("narrative", "/narratives/{narrative}", height=1100),
    Shot("graph", "/stories/{busy}", app="busy", height=900, graph=True, scroll_to=".graph-section"),
    Shot("entity", "/entities/al-Hasakah"),
    Shot("entities", "/entities", height=900),
    Shot("source", "/sources/sputnik"),
    Shot("stories", "/", app="paged", height=900),
]


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _paged(nt: Any) -> Any:
    """The seeds' web app with two stories a page, so the stories list shows its paging controls."""
    from narratrace.present.web.app import create_app, fastapi_app
    from narratrace.present.web.service import WebService

    web = nt.settings.web
    if "page_size" not in {f.name for f in dataclasses.fields(web)}:
        return None
    app = create_app(project=nt)
    fastapi_app(app).state.service = WebService(nt, settings=dataclasses.replace(web, page_size=2))
    return app


def take(browser: Any, shot: Shot, servers: dict[str, Any], values: dict[str, str], out_dir: Path) -> bool:
    """Photograph one page; False when it should have rendered and did not (a skipped page is no failure)."""
    if shot.app not in servers:
        print(f"skipped {shot.name}: the web app has no {shot.app} variant", file=sys.stderr)
        return True
    base = servers[shot.app].url
    url = base + shot.path.format(**values)
    if not _ok(url):
        print(f"skipped {shot.name}: {url} does not answer 200", file=sys.stderr)
        return True
    browser.set_window_size(browser_width(browser), shot.height)
    browser.get(url)
    if shot.graph:
        state = browser.wait_for(GRAPH_DRAWN)
        if state in (None, "error", "no graph"):
            print(f"{shot.name}: the graph did not render ({state})", file=sys.stderr)
            return False
    if shot.scroll_to:
        browser.execute(f"document.querySelector({shot.scroll_to!r}).scrollIntoView()")
    browser.execute("return document.fonts.ready.then(() => true)")
    out = out_dir / f"screenshot-{shot.name}.png"
    browser.screenshot(out)
    print(out)
    return True


def browser_width(browser: Any) -> int:
    return int(browser.execute("return window.outerWidth"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/narratrace-screenshot.db",
                    help="database of the seed pages (built from the samples if missing)")
    ap.add_argument("--out", default=str(REPO / "docs"), help="folder the PNGs go to")
    ap.add_argument("--only", default="", help="comma-separated shot names (default: all): "
                    + ", ".join(s.name for s in SHOTS))
    ap.add_argument("--width", type=int, default=1400)
    args = ap.parse_args()
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}

    from narratrace import Narratrace
    from narratrace.embed.hashing import HashingEncoder
    from narratrace.present.web.app import create_app
    from narratrace.present.web.synthetic import build_synthetic_story
    from narratrace.present.web.testing import Chromium, ServerThread, WebDriverError

    nt = Narratrace(db=args.db)
    if not any(SEED in s.article_ids for s in nt.stories()):
        print(f"building {args.db} from the samples ...", file=sys.stderr)
        report = nt.ingest([REPO / "narratrace" / "data" / "samples"])
        if not report.ok:
            print(f"ingest failed: {report.errors}", file=sys.stderr)
            return 1
    story = next(s for s in nt.stories() if SEED in s.article_ids)
    tmp = tempfile.TemporaryDirectory(prefix="narratrace-shots-")
    busy_nt = Narratrace(db=Path(tmp.name) / "busy.db", encoder=HashingEncoder())
    busy = build_synthetic_story(busy_nt, n=50)
    apps = {"seeds": create_app(project=nt), "busy": create_app(project=busy_nt), "paged": _paged(nt)}
    listed = nt.pages.narratives(limit=1).items
    values = {"story": story.id, "busy": busy, "narrative": listed[0].id if listed else "none"}
    failed = 0
    try:
        with contextlib.ExitStack() as stack:
            servers = {k: stack.enter_context(ServerThread(a)) for k, a in apps.items() if a is not None}
            browser = stack.enter_context(Chromium(width=args.width, height=1100))
            for shot in SHOTS:
                if not wanted or shot.name in wanted:
                    failed += not take(browser, shot, servers, values, Path(args.out))
    except WebDriverError as exc:
        print(f"cannot drive chromium: {exc}", file=sys.stderr)
        return 2
    finally:
        nt.close()
        busy_nt.close()
        tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
