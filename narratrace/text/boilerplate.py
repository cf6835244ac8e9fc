"""Tell site-injected lines (related links, end markers, share bars) and metadata lines from the article.

Rules come from the language modules (``boilerplate_prefixes``, ``boilerplate_patterns``,
``tail_patterns``, ``meta_prefixes``, ``meta_patterns``); a line is checked against the rules of its
own language, the article's language and the shared defaults. Phrases are compared on match keys,
so spelling variants need not be listed.

What no rule lists (a site's "REKLAMA", "TAKE A FREE TRIAL Registered users can read up to 3 reports",
«اضغط هنا») is learned from the store instead: ``site_of`` names the site an article belongs to,
``site_lines`` gives the short lines that may be its template, keyed by ``line_hash`` of their match key
(store/site_lines.py counts them; pipeline/boilerplate.py leaves learned ones out of encoding).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..model import BOILERPLATE, META, Article, Passage
from .lang import get_lang, language_cache
from .lang.base import compile_patterns
from .normalise import normalise

#: only short lines can be a related link or a share bar; a long one is an article paragraph
MAX_BOILERPLATE_CHARS = 300
MAX_META_CHARS = 160
#: meta reasons that only hold near the top of an article ("X :" further down introduces a quote)
HEAD_ONLY = frozenset({"dateline", "date marker"})


@dataclass(frozen=True)
class Rules:
    """Compiled rules for a set of languages."""

    boilerplate_prefixes: dict[str, str]   # normalised phrase -> reason
    boilerplate_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    tail_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    meta_prefixes: dict[str, str]
    boilerplate_start: re.Pattern[str]     # one alternation of the phrases, longest first
    meta_start: re.Pattern[str]
    meta_patterns: tuple[tuple[str, re.Pattern[str]], ...]


def _phrases(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, str]]:
    return [(normalise(p).replace(" :", ":"), reason) for reason, phrases in groups for p in phrases]


def _alternation(phrases: dict[str, str]) -> re.Pattern[str]:
    """Match any phrase at the start, ending at a word boundary unless the phrase ends in punctuation."""
    parts = [re.escape(p) + (r"(?!\w)" if p[-1].isalnum() else "")
             for p in sorted(phrases, key=len, reverse=True)]
    return re.compile("^(?:" + "|".join(parts) + ")") if parts else re.compile(r"(?!)")


def _unique(items: list) -> tuple:
    return tuple(dict.fromkeys(items))


@language_cache
def rules_for(langs: tuple[str | None, ...]) -> Rules:
    """Rules of the given languages plus the shared defaults, compiled once per combination."""
    classes = [get_lang(None)] + [get_lang(code) for code in langs if code]
    bp = dict(x for c in classes for x in _phrases(c.boilerplate_prefixes))
    mp = dict(x for c in classes for x in _phrases(c.meta_prefixes))
    return Rules(
        boilerplate_prefixes=bp, meta_prefixes=mp,
        boilerplate_start=_alternation(bp), meta_start=_alternation(mp),
        boilerplate_patterns=_unique([x for c in classes for x in compile_patterns(c.boilerplate_patterns)]),
        tail_patterns=_unique([x for c in classes for x in compile_patterns(c.tail_patterns)]),
        meta_patterns=_unique([x for c in classes for x in compile_patterns(c.meta_patterns)]),
    )


def classify(text: str, key: str, rules: Rules, at_head: bool = True) -> tuple[str, str] | None:
    """(kind, reason) when the line is boilerplate or metadata, else None (an article paragraph).

    ``at_head``: the line is among the first few of the article, where datelines live.
    """
    short = key.replace(" :", ":")
    if len(text) <= MAX_BOILERPLATE_CHARS:
        m = rules.boilerplate_start.match(short)
        if m:
            return BOILERPLATE, rules.boilerplate_prefixes[m.group()]
        for reason, rx in rules.boilerplate_patterns:
            if rx.search(text):
                return BOILERPLATE, reason
    if len(text) <= MAX_META_CHARS:
        m = rules.meta_start.match(short)
        if m:
            return META, rules.meta_prefixes[m.group()]
    for reason, rx in rules.meta_patterns:
        if (at_head or reason not in HEAD_ONLY) and rx.search(text) \
                and (reason == "date marker" or len(text) <= MAX_META_CHARS):
            return META, reason
    return None


def split_tail(text: str, rules: Rules) -> tuple[int, str] | None:
    """(offset, reason) of a marker glued to the end of a paragraph ("...kemajuannya.[IT/AR]")."""
    for reason, rx in rules.tail_patterns:
        m = rx.search(text)
        if m and m.start() > 0:
            return m.start(), reason
    return None


def site_of(article: Article) -> str | None:
    """The site whose template a line may belong to: the outlet as named (case and spacing folded),
    else the url's host without ``www.``; None when the article names neither (nothing is learned)."""
    if article.outlet and article.outlet.strip():
        return " ".join(article.outlet.casefold().split())
    if article.url:
        host = (urlsplit(article.url).hostname or "").casefold()
        return host.removeprefix("www.") or None
    return None


def line_hash(key: str) -> str:
    """A line's identity across articles: 16 hex digits of the sha1 of its match key."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def headline_key(article: Article) -> str:
    """Which story an article tells, as site-boilerplate learning tells stories apart: its headline (the
    title, or the first sentence the text stage took as one), hashed on its match key. Not the story
    grouping: lines shared across a site's articles can join them into one story before they are learned.
    A syndicated copy and a story's versions keep their headline; a template line sits under many."""
    return line_hash(normalise(article.title or "") or article.content_hash)


def site_lines(article: Article) -> list[tuple[Passage, str]]:
    """(passage, line hash) of the matchable lines short enough to be a site's template (as rules judge
    boilerplate: at most ``MAX_BOILERPLATE_CHARS``); a long paragraph is article text."""
    return [(p, line_hash(p.key)) for p in article.matchable_passages()
            if p.key.strip() and len(p.text) <= MAX_BOILERPLATE_CHARS]


__all__ = ["Rules", "classify", "headline_key", "line_hash", "rules_for", "site_lines", "site_of", "split_tail"]
