#!/usr/bin/env python
"""Regenerate docs/screenshot-story.png: the seed story (graph, timeline, aligned paragraphs) in headless Chromium.

    .venv/bin/python scripts/screenshot.py [--db /tmp/web.db] [--out docs/screenshot-story.png]

Builds the database from narratrace/data/samples when it does not exist (about 40 s, the
encoder is slow), serves it on 127.0.0.1 with a free port and photographs the story page.
Needs Debian's chromium and chromium-driver (scripts/system-deps.sh).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = "000_b87142e14614ef64"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/narratrace-screenshot.db",
                    help="database (built from the samples if missing)")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshot-story.png"))
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1500)
    args = ap.parse_args()

    from narratrace import Narratrace
    from narratrace.present.web.app import create_app
    from narratrace.present.web.testing import Chromium, ServerThread, WebDriverError

    nt = Narratrace(db=args.db)
    if not any(SEED in s.article_ids for s in nt.stories()):
        print(f"building {args.db} from the samples ...", file=sys.stderr)
        report = nt.ingest([REPO / "narratrace" / "data" / "samples"])
        if not report.ok:
            print(f"ingest failed: {report.errors}", file=sys.stderr)
            return 1
    story = next(s for s in nt.stories() if SEED in s.article_ids)
    try:
        with ServerThread(create_app(project=nt)) as srv, Chromium(width=args.width, height=args.height) as browser:
            browser.get(f"{srv.url}/stories/{story.id}")
            state = browser.wait_for("return document.getElementById('graph').getAttribute('data-rendered')")
            if state in (None, "error"):
                print(f"the graph did not render ({state})", file=sys.stderr)
                return 1
            browser.execute("return document.fonts.ready.then(() => true)")
            browser.screenshot(args.out)
    except WebDriverError as exc:
        print(f"cannot drive chromium: {exc}", file=sys.stderr)
        return 2
    finally:
        nt.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
