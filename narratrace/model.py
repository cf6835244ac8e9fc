"""The one data model that flows through every stage.

``RawArticle`` leaves ``ingest``; ``text`` turns it into an ``Article`` with
``Passage`` objects; ``embed`` adds vectors (an ``EncodedArticle``, the hand-off
object of the ingest services); ``store`` keeps them; ``group`` assigns ``Story``
ids; ``trace`` draws ``Link`` objects, each with its ``evidence``. Stages exchange
these objects and nothing else.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: Passage kinds. Only ``title`` and ``body`` take part in matching.
TITLE, BODY, BOILERPLATE, META = "title", "body", "boilerplate", "meta"
MATCHABLE_KINDS = frozenset({TITLE, BODY})


@dataclass
class RawArticle:
    """One record as a reader found it: text plus whatever metadata the source had."""

    text: str
    id: str | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: where it came from, for messages: "path" or "path:line"
    origin: str = ""


@dataclass
class Passage:
    """A paragraph of an article. ``text`` is the original; ``key`` is for matching only."""

    index: int
    text: str
    start: int
    end: int
    kind: str = BODY
    lang: str | None = None
    key: str = ""
    #: sentence spans as (start, end) offsets into ``text``
    sentences: list[tuple[int, int]] = field(default_factory=list)
    #: why a passage is boilerplate ("Baca Juga"), for the evidence trail
    reason: str | None = None

    @property
    def matchable(self) -> bool:
        return self.kind in MATCHABLE_KINDS

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences] or [self.text]


@dataclass
class Article:
    """A news article after text analysis."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    #: ISO 8601, possibly partial: "2021-02", "2017-11-14", "2022-01-25T10:00:00+03:00"
    published: str | None = None
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    passages: list[Passage] = field(default_factory=list)
    #: where each metadata field came from: {"outlet": "dateline", "published": "text"}
    provenance: dict[str, str] = field(default_factory=dict)
    story_id: str | None = None

    @property
    def content_hash(self) -> str:
        """Hash of the normalised matchable text: the same article re-scraped hashes the same."""
        keys = " ".join(p.key or p.text for p in self.passages if p.matchable) or self.text
        return hashlib.sha256(" ".join(keys.split()).encode("utf-8")).hexdigest()

    def matchable_passages(self) -> list[Passage]:
        return [p for p in self.passages if p.matchable]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["content_hash"] = self.content_hash
        return d


@dataclass
class Story:
    """Articles about the same event, across languages and outlets."""

    id: str
    article_ids: list[str]
    title: str | None = None
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Link:
    """A relation between two things, always with the evidence that supports it.

    ``kind``: same_story, translates, partial_translation, rewrites, cites, ...
    ``direction``: "source->target", "target->source" or "undetermined".
    """

    source: str
    target: Any
    kind: str
    score: float
    direction: str = "undetermined"
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EncodedArticle:
    """The hand-off object of the ingest services (pipeline/): one article as it moves through them.

    Each service fills its own fields and later ones read them instead of the store, so nothing
    made in a batch is read back: analyse sets ``article``; encode sets ``passages`` (the passage
    rule's choice) and ``vectors``; classify sets ``replace`` and ``copy_of``; group sets ``clues``,
    ``story_id`` (on the article), ``join`` and ``scored``; write sets ``rowids`` and ``stored_vectors`` (the vectors as
    the store keeps them, float16, which is what tracing compares); trace sets ``attributions``; entities
    sets ``mentions``.
    """

    article: Article
    #: the encoded passages, in order
    passages: list[Passage] = field(default_factory=list)
    #: float32, one L2-normalised row per encoded passage; None until encoded
    vectors: np.ndarray | None = None
    #: the id is stored with another text from the same file: this is a new version of it
    replace: bool = False
    #: another id holds the same text (stored, or earlier in this run): this article is stored too and
    #: tracing links it to that one as a ``copy`` (syndication, a re-post)
    copy_of: str | None = None
    #: grouping clues of each encoded passage (numbers, name keys, latest month)
    clues: list[dict[str, Any]] = field(default_factory=list)
    #: the same_story link that joined the article to its story, when it joined one
    join: Link | None = None
    #: candidate id -> (same-story score, evidence), as grouping scored them
    scored: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    #: every passage index -> its rowid in the store (the ANN id)
    rowids: dict[int, int] = field(default_factory=dict)
    stored_vectors: np.ndarray | None = None
    attributions: list[Any] = field(default_factory=list)
    #: the text stage's entity mentions (``text.entities.Mention``), found once by the entity service and read
    #: by the claims of narrate (finding them is the costliest text work after encoding); None until found
    mentions: list[Any] | None = None

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.passages]

    @property
    def indices(self) -> list[int]:
        return [p.index for p in self.passages]
