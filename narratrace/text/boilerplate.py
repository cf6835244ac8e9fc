"""Tell site-injected lines (related links, end markers, share bars) and metadata lines from the article.

Rules come from the language modules (``boilerplate_prefixes``, ``boilerplate_patterns``,
``tail_patterns``, ``meta_prefixes``, ``meta_patterns``); a line is checked against the rules of its
own language, the article's language and the shared defaults. Phrases are compared on match keys,
so spelling variants need not be listed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..model import BOILERPLATE, META
from .lang import get_lang
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

    boilerplate_prefixes: tuple[tuple[str, str], ...]   # (normalised phrase, reason)
    boilerplate_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    tail_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    meta_prefixes: tuple[tuple[str, str], ...]
    meta_patterns: tuple[tuple[str, re.Pattern[str]], ...]


def _phrases(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, str]]:
    return [(normalise(p).replace(" :", ":"), reason) for reason, phrases in groups for p in phrases]


def _unique(items: list) -> tuple:
    return tuple(dict.fromkeys(items))


@lru_cache(maxsize=256)
def rules_for(langs: tuple[str | None, ...]) -> Rules:
    """Rules of the given languages plus the shared defaults, compiled once per combination."""
    classes = [get_lang(None)] + [get_lang(code) for code in langs if code]
    return Rules(
        boilerplate_prefixes=_unique([x for c in classes for x in _phrases(c.boilerplate_prefixes)]),
        boilerplate_patterns=_unique([x for c in classes for x in compile_patterns(c.boilerplate_patterns)]),
        tail_patterns=_unique([x for c in classes for x in compile_patterns(c.tail_patterns)]),
        meta_prefixes=_unique([x for c in classes for x in _phrases(c.meta_prefixes)]),
        meta_patterns=_unique([x for c in classes for x in compile_patterns(c.meta_patterns)]),
    )


def _starts_with(key: str, phrase: str) -> bool:
    if not key.startswith(phrase):
        return False
    rest = key[len(phrase):len(phrase) + 1]
    return not rest or not rest.isalnum() or not phrase[-1].isalnum()


def classify(text: str, key: str, rules: Rules, at_head: bool = True) -> tuple[str, str] | None:
    """(kind, reason) when the line is boilerplate or metadata, else None (an article paragraph).

    ``at_head``: the line is among the first few of the article, where datelines live.
    """
    short = key.replace(" :", ":")
    if len(text) <= MAX_BOILERPLATE_CHARS:
        for phrase, reason in rules.boilerplate_prefixes:
            if _starts_with(short, phrase):
                return BOILERPLATE, reason
        for reason, rx in rules.boilerplate_patterns:
            if rx.search(text):
                return BOILERPLATE, reason
    if len(text) <= MAX_META_CHARS:
        for phrase, reason in rules.meta_prefixes:
            if _starts_with(short, phrase):
                return META, reason
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


__all__ = ["Rules", "classify", "rules_for", "split_tail"]
