"""Defaults every language inherits; a language module overrides only what differs (spaCy style).

Phrase lists are written in natural spelling; they are matched against ``normalise``d text,
so variants (أ/ا, ي/ی, tanween, ZWNJ) need not be listed twice.
"""
from __future__ import annotations

import re
from typing import ClassVar

#: Lines that are only a site tag such as "[IT/AR]" or "[MT/AFP]".
TAG = r"\[[A-Z]{1,5}(?:\s*/\s*[A-Z]{1,5})+\]"


class BaseDefaults:
    """Every slot a language may fill. Class attributes, so a language costs nothing to instantiate."""

    lang: ClassVar[str] = "xx"
    name: ClassVar[str] = "Multi-language"
    direction: ClassVar[str] = "ltr"

    #: characters that may end a sentence
    sentence_end: ClassVar[str] = ".!?…؟۔"
    #: lowercase tokens (without the final dot) after which a dot does not end a sentence
    abbreviations: ClassVar[frozenset[str]] = frozenset({
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "no", "nos", "vol", "fig",
        "inc", "ltd", "co", "corp", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "ph",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    })

    #: (reason, phrases): a line starting with one of these is boilerplate
    boilerplate_prefixes: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (
        ("share/subscribe", ("Share this", "Share on", "Follow us", "Subscribe to", "Click here")),
    )
    #: (reason, regex on the raw line): whole-line boilerplate
    boilerplate_patterns: ClassVar[tuple[tuple[str, str], ...]] = (
        ("site tag", rf"^{TAG}$"),
        ("share/subscribe", r"^(?:(?:Share|Tweet|Facebook|Twitter|WhatsApp|Telegram|LinkedIn|Email|Pinterest|"
                            r"Print|Copy link|X)\s*[|•·,/]?\s*){1,8}$"),
        ("link only", r"^(?:https?://|www\.)\S+$"),
        ("copyright", r"^(?:©|\(c\)|Copyright\b)"),
    )
    #: (reason, regex) for markers glued to the end of a paragraph: split off as boilerplate
    tail_patterns: ClassVar[tuple[tuple[str, str], ...]] = (
        ("site tag", rf"{TAG}\s*$"),
    )
    #: (reason, phrases): a short line starting with these is metadata
    meta_prefixes: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (
        ("source line", ("Source:",)),
    )
    #: (reason, regex on the raw line): metadata-only lines
    meta_patterns: ClassVar[tuple[tuple[str, str], ...]] = (
        ("date marker", r"^\s*date\s*[:=]?\s*\d{4}(?:-\d{2}){0,2}\b"),
        # an outlet dateline alone on its line: "RT :", "AFP:"
        ("dateline", r"^\s*[^\W\d][\w.&'’ -]{0,30}?\s*[:：]\s*$"),
    )

    #: month names (normalised spelling is derived) -> month number
    months: ClassVar[dict[str, int]] = {}
    #: words that say who reports: a full date in such a sentence is taken as the publication date
    reporting_verbs: ClassVar[frozenset[str]] = frozenset()
    #: words typical of this language and not of its close neighbours (id vs ms, fa vs ar vs ur)
    marker_words: ClassVar[frozenset[str]] = frozenset()
    #: letters found in this language and not in its close neighbours
    marker_letters: ClassVar[str] = ""
    #: extra character folds for the match key, on top of the shared ones
    folds: ClassVar[dict[str, str]] = {}


def compile_patterns(patterns: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile (reason, regex) pairs once per language."""
    return [(reason, re.compile(rx, re.IGNORECASE)) for reason, rx in patterns]
