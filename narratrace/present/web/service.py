"""What the web app needs from a project, built only from ``Narratrace`` methods.

One ``Narratrace`` (one SQLite connection, one encoder) serves every request;
requests run in a thread pool, so each call goes through a lock.
Search, narratives and claims are used when the API has them (``hasattr``);
nothing is made up when it does not.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from typing import Any

from ...errors import NarratraceError
from ...model import Article, Link, Story
from ...pipeline.report import IngestReport
from ...pipeline.uploads import ingest_upload
from ...settings import Settings, WebSettings
from ...store.story_pages import Page
from ...text.lang import direction as direction  # "rtl"/"ltr" of a language, from its language module
from ...trace.compare import sentence_vectors
from .encode_queue import EncodeQueue, QueueTimeout

SORTS = ("size", "spread", "recent")


def _plain(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return obj


class SearchBusy(NarratraceError):
    """Every encoding slot stayed taken for ``[web] search_wait_seconds``: try again shortly."""

    code = "E503"
    status = 503


class WebService:
    """Thread-safe access to one project, shaped for the routes.

    Store calls go through one lock (one connection). Encoding a search query or an upload's batch does not:
    it is the expensive part (a 2,000-character query costs far more than a page), so it runs outside the lock
    in at most ``[web] search_slots`` threads at once, the others waiting shortest first (``EncodeQueue``), and
    pages, API calls and short searches of other users are not held up behind long ones or behind uploads."""

    def __init__(self, nt: Any, settings: WebSettings | None = None) -> None:
        self.nt = nt
        self.lock = threading.RLock()
        web = settings or getattr(getattr(nt, "settings", None), "web", None) or Settings().web
        self.max_query_chars = web.max_query_chars
        self.search_wait_seconds = web.search_wait_seconds
        self.page_size = web.page_size
        self.narratives_page_size = web.narratives_page_size
        self._encodings = EncodeQueue(web.search_slots)
        self._encoder_lock = threading.Lock()

    # ------------------------------------------------------------ features
    @property
    def has_search(self) -> bool:
        return callable(getattr(self.nt, "search", None))

    @property
    def has_narratives(self) -> bool:
        return callable(getattr(self.nt, "narratives", None))

    @property
    def has_claims(self) -> bool:
        return callable(getattr(self.nt, "claims", None))

    def features(self) -> dict[str, bool]:
        return {"search": self.has_search, "narratives": self.has_narratives, "claims": self.has_claims,
                "factcheck_matches": callable(getattr(self.nt, "matches", None))}

    # ------------------------------------------------------------- stories
    def stories(self, lang: str | None = None, outlet: str | None = None, since: str | None = None,
                until: str | None = None, q: str | None = None, sort: str = "size", limit: int | None = None,
                offset: int = 0, entity: str | None = None) -> Page:
        """A page of stories filtered, sorted and counted in SQL (``Narratrace.pages.stories``), with the
        total and the facets (languages, outlets, months) of every story that passes the filters.

        A date filter keeps stories whose [first_seen, last_seen] overlaps the range; undated
        stories are left out when a date bound is given. ``spread`` counts languages, then outlets.
        ``entity``: an entity id or name (any script): stories with an article mentioning it.
        """
        with self.lock:
            return self.nt.pages.stories(lang=lang, outlet=outlet, since=since, until=until, q=q, sort=sort,
                                         limit=self.page_size if limit is None else limit, offset=offset,
                                         entity=entity)

    def facets(self) -> dict[str, list[str]]:
        """Languages and outlets present (outlets with the most stories first), for the filter menus: the
        counts kept per value, no scan."""
        with self.lock:
            found = self.nt.pages.stories(limit=0).facets
        return {"languages": sorted(v for v, _ in found["languages"]), "outlets": [v for v, _ in found["outlets"]]}

    def story(self, story_id: str) -> Story:
        with self.lock:
            return self.nt.story(story_id)

    def story_page(self, story_id: str) -> dict[str, Any]:
        with self.lock:
            story = self.nt.story(story_id)
            arts = {a.id: a for a in self.nt.articles(story.article_ids, with_passages=True)}  # the count column
            links = self.nt.links(story_id=story_id)
            graph = self.nt.graph(story_id).to_json()
        order = [t["id"] for t in graph["graph"]["timeline"]]
        articles = [arts[i] for i in order if i in arts] + [a for i, a in arts.items() if i not in order]
        best = strongest_pair(links)
        preview = self.pair(*best) if best else None
        return {"story": story, "articles": articles, "links": links, "timeline": graph["graph"]["timeline"],
                "graph": graph, "preview": preview}

    def graph(self, story_id: str) -> dict[str, Any]:
        with self.lock:
            return self.nt.graph(story_id).to_json()

    def links(self, story_id: str | None = None, article_id: str | None = None) -> list[Link]:
        with self.lock:
            return self.nt.links(story_id=story_id, article_id=article_id)

    # ------------------------------------------------------------ articles
    def article(self, article_id: str) -> Article:
        with self.lock:
            return self.nt.article(article_id)

    def article_page(self, article_id: str) -> dict[str, Any]:
        with self.lock:
            art = self.nt.article(article_id)
            links = self.nt.links(article_id=article_id)
            story = self.nt.story(art.story_id) if art.story_id else None
            claims = self.nt.claims([article_id]) if self.has_claims else None
        return {"article": art, "links": links, "story": story, "claims": claims,
                "others": [i for i in (story.article_ids if story else []) if i != article_id]}

    def compare(self, a_id: str, b_id: str) -> dict[str, Any]:
        return self._compare(a_id, b_id)[2]

    def _compare(self, a_id: str, b_id: str) -> tuple[Article, Article, dict[str, Any]]:
        """Both articles and their comparison; the sentences its graded score reads are encoded outside the
        store lock, in an encoding slot (``trace.compare.sentence_vectors``), so a comparison does not hold
        up other requests."""
        with self.lock:
            a, b = self.nt.article(a_id), self.nt.article(b_id)
        if not self._can_encode:
            with self.lock:
                return a, b, self.nt.compare(a_id, b_id)
        with self._encodings.slot(cost=len(a.text) + len(b.text), timeout=None):
            sentences = sentence_vectors(a, b, self._load_encoder())
        with self.lock:
            return a, b, self.nt.compare(a_id, b_id, sentences=sentences)

    def pair(self, a_id: str, b_id: str) -> dict[str, Any]:
        """Both articles, the comparison and rows of passages lined up for a side-by-side view."""
        a, b, res = self._compare(a_id, b_id)
        return {"a": a, "b": b, "compare": res, "rows": align_rows(a, b, res.get("aligned", []))}

    # ------------------------------------------------- search, narratives, claims
    def search(self, query: str, lang: str | None = None, limit: int = 20) -> list[dict[str, Any]] | None:
        """Search hits, or None when this narratrace has no ``Narratrace.search``."""
        page = self.search_page(query, lang=lang, limit=limit)
        return None if page is None else page.items

    def search_page(self, query: str, lang: str | None = None, limit: int | None = None, offset: int = 0
                    ) -> Page | None:
        """A page of search hits with the ranking's total and facets (``Narratrace.pages.search``), or
        None when this narratrace has no ``Narratrace.search``.

        ``SearchBusy`` when no encoding slot frees up in time; the caller checks ``max_query_chars``."""
        if not self.has_search:
            return None
        limit = self.page_size if limit is None else limit
        vector = self._encode(query) if query.strip() else None
        with self.lock:
            pages = getattr(self.nt, "pages", None)
            if pages is None:  # a narratrace with search but no paged lists
                hits = [dict(h) for h in self.nt.search(query, lang=lang or None, limit=offset + limit)]
                return Page(len(hits), hits[offset:], limit, offset)
            page = pages.search(query, lang=lang or None, limit=limit, offset=offset, query_vector=vector)
        page.items = [dict(h) for h in page.items]
        return page

    def ingest_upload(self, data: bytes, name: str) -> IngestReport:
        """Ingest one upload (``pipeline.uploads.ingest_upload``) holding the project's lock only to read and
        write the store: its records are analysed and each batch encoded outside it, in an encoding slot
        shared with searches, so pages, API calls and other writes are answered meanwhile. Each batch is
        still written in one transaction and classified against what other requests stored since."""
        self._load_encoder()
        with self.lock:
            pipeline, max_file_bytes = self.nt.pipeline, self.nt.settings.ingest.max_file_bytes
        return ingest_upload(pipeline, data, name, max_file_bytes, locked=lambda: self.lock,
                             encoding=lambda cost: self._encodings.slot(cost=cost, timeout=None))

    @property
    def _can_encode(self) -> bool:
        """False for a project without an ``encoder`` (it searches and compares without encoding here)."""
        return hasattr(type(self.nt), "encoder")

    def _load_encoder(self) -> Any:
        with self._encoder_lock:  # loaded once, on first use (about a second), by one thread
            return self.nt.encoder

    def _encode(self, query: str) -> Any:
        """The query's vector, made in one of the encoding slots; None when the project cannot encode apart
        from searching (a project without an ``encoder``)."""
        if not self._can_encode:
            return None
        try:
            with self._encodings.slot(cost=len(query), timeout=self.search_wait_seconds):
                return self._load_encoder().encode_queries([query])
        except QueueTimeout:
            raise SearchBusy(f"the server is busy with other searches (waited {self.search_wait_seconds:g} s)",
                             hint="try again in a moment") from None

    def narratives(self, lang: str | None = None, limit: int | None = None, offset: int = 0, sort: str = "size",
                   since: str | None = None, until: str | None = None, outlet: str | None = None,
                   label_lang: str | None = None) -> Page | None:
        """A page of narratives, largest first or ``sort="recent"`` (only the page's are read and labelled),
        or None when this narratrace has none."""
        if not self.has_narratives:
            return None
        with self.lock:
            page = self.nt.pages.narratives(lang=lang or None, offset=offset, sort=sort, since=since or None,
                                            until=until or None, outlet=outlet or None, label_lang=label_lang or None,
                                            limit=self.narratives_page_size if limit is None else limit)
        page.items = [_plain(n) for n in page.items]
        return page

    def narrative(self, narrative_id: str, lang: str | None = None) -> dict[str, Any] | None:
        """One narrative with every member id (``Narratrace.pages.narrative``; ``NotFound`` when it has no
        article), or None when this narratrace has no narratives."""
        if not self.has_narratives:
            return None
        with self.lock:
            return dict(_plain(self.nt.pages.narrative(narrative_id, lang=lang or None)))

    def claims(self, article_ids: Iterable[str] | None = None) -> list[dict[str, Any]] | None:
        if not self.has_claims:
            return None
        with self.lock:
            return [dict(c) for c in self.nt.claims(article_ids)]

    def matches(self) -> list[dict[str, Any]]:
        if not callable(getattr(self.nt, "matches", None)):
            return []
        with self.lock:
            return [dict(m) for m in self.nt.matches()]

    def claims_with_matches(self) -> list[dict[str, Any]] | None:
        """Claims, each with the fact-checks matched to it (``matches``: best first)."""
        claims = self.claims()
        if claims is None:
            return None
        by_claim: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
        for m in self.matches():
            by_claim.setdefault((m["article_id"], m["passage"], m["claim"]), []).append(m)
        for c in claims:
            c["matches"] = by_claim.get((c["article_id"], c["passage"], c["text"]), [])
        return claims


PAIR_PREFERENCE = {"translates": 0, "partial_translation": 1, "rewrites": 2, "same_story": 3}


def strongest_pair(links: list[Link]) -> tuple[str, str] | None:
    """The article pair to preview on a story page: translations first, then by score."""
    pairs = [lk for lk in links if lk.kind in PAIR_PREFERENCE and isinstance(lk.target, str)]
    if not pairs:
        return None
    best = min(pairs, key=lambda lk: (PAIR_PREFERENCE[lk.kind], -lk.score, lk.source, lk.target))
    return best.source, best.target


def align_rows(a: Article, b: Article, aligned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the side-by-side view, in reading order of both articles.

    Each row: ``a`` and ``b`` (lists of passages, either may be empty), ``bead`` (the aligned
    pair with its scores, or None). Passages outside every bead get a row of their own,
    placed before the first bead that comes after them.
    """
    in_a = {i for bead in aligned for i in bead.get("a", [])}
    in_b = {i for bead in aligned for i in bead.get("b", [])}
    pa = {p.index: p for p in a.passages}
    pb = {p.index: p for p in b.passages}
    loose_a = sorted(i for i in pa if i not in in_a)
    loose_b = sorted(i for i in pb if i not in in_b)
    rows: list[dict[str, Any]] = []

    def flush(loose: list[int], side: str, before: float) -> None:
        while loose and loose[0] < before:
            p = (pa if side == "a" else pb)[loose.pop(0)]
            rows.append({"a": [p] if side == "a" else [], "b": [p] if side == "b" else [], "bead": None})

    beads = sorted(aligned, key=lambda x: (min(x.get("a") or [10**9]), min(x.get("b") or [10**9])))
    for bead in beads:
        flush(loose_a, "a", min(bead.get("a") or [10**9]))
        flush(loose_b, "b", min(bead.get("b") or [10**9]))
        rows.append({"a": [pa[i] for i in bead.get("a", []) if i in pa],
                     "b": [pb[i] for i in bead.get("b", []) if i in pb], "bead": bead})
    flush(loose_a, "a", float("inf"))
    flush(loose_b, "b", float("inf"))
    return rows
