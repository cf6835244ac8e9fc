"""Web app fixtures: the five seeds (shared with the other tests), a copy of them plus a hostile article, and
the web app (``served``) over either or over a test module's own ``project``."""
from __future__ import annotations

import pytest

EVIL_ID = "evil_xss_article"
EVIL_TITLE = "<script>document.title='pwned';window.__pwned='title'</script> Breaking"
EVIL_TEXT = (
    "<script>window.__pwned='body';document.title='pwned'</script> Officials said the bridge over the river "
    "was closed on Monday after engineers found cracks in two of its pillars.\n\n"
    "<img src=x onerror=\"window.__pwned='img';document.title='pwned'\"> Traffic was diverted to the old "
    "road and repairs are expected to take three weeks, the ministry said.\n\n"
    "<svg onload=\"window.__pwned='svg'\"></svg><a href=\"javascript:window.__pwned='link'\">read more</a> "
    "A spokesman added that the closure would cost local traders about 40,000 dollars a day."
)
EVIL_OUTLET = "<b onmouseover=\"window.__pwned='outlet'\">Evil Outlet</b>"


@pytest.fixture(scope="session")
def seeds(seeds_project):
    """The ``Narratrace`` holding the five seed articles."""
    return seeds_project[0]


@pytest.fixture(scope="session")
def evil_project(seeds_project, real_encoder, tmp_path_factory, test_databases):
    """A copy of the seed database plus one article whose title, text and outlet carry markup and script."""
    from narratrace import Narratrace
    from narratrace.model import RawArticle

    nt_seeds = seeds_project[0]
    db = test_databases.copy(nt_seeds.db_path, tmp_path_factory.mktemp("web-evil"), "evil")
    nt = Narratrace(db=db, encoder=real_encoder)
    report = nt.add([RawArticle(text=EVIL_TEXT, id=EVIL_ID, title=EVIL_TITLE, outlet=EVIL_OUTLET, lang="en",
                                published="2024-05-06", origin="evil.jsonl:1")])
    assert report.ok and report.ingested == [EVIL_ID], report.summary()
    yield nt
    nt.close()


def served(project):
    """A TestClient of the web app over ``project``, as a local browser reaches it (started and stopped
    with the ``with`` block)."""
    from starlette.testclient import TestClient

    from narratrace.present.web.app import create_app

    return TestClient(create_app(project=project), base_url="http://127.0.0.1")


@pytest.fixture(scope="session")
def client(seeds):
    with served(seeds) as c:
        yield c


@pytest.fixture(scope="session")
def evil_client(evil_project):
    with served(evil_project) as c:
        yield c


@pytest.fixture(scope="module")
def web(project):
    """The web app over the requesting module's own ``project`` fixture."""
    with served(project) as c:
        yield c


def start_chromium(width: int = 1300, height: int = 1000):
    """Debian's headless Chromium through chromedriver, or a skip that says how to install it."""
    from narratrace.present.web.testing import Chromium, WebDriverError, find_browser

    chromium, driver = find_browser()
    if not chromium or not driver:
        pytest.skip("browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, "
                    "/usr/bin/chromedriver): run `bash scripts/system-deps.sh` as root")
    try:
        return Chromium(chromium, driver, width=width, height=height)
    except WebDriverError as exc:
        pytest.skip(f"chromium did not start: {exc}")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (the browser tests' modules)."""
    b = start_chromium()
    yield b
    b.quit()

