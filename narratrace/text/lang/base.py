"""Defaults every language inherits; a language module overrides only what differs (spaCy style).

``BaseDefaults`` lists every slot a language may fill; ``SLOTS`` names them, so that a test can check
that every language defines each one with the right type. Phrase lists are written in natural
spelling; they are matched against ``normalise``d text, so variants (أ/ا, ي/ی, tanween, ZWNJ) need
not be listed twice.
"""
from __future__ import annotations

import re
from typing import ClassVar

#: Lines that are only a site tag such as "[IT/AR]" or "[MT/AFP]".
TAG = r"\[[A-Z]{1,5}(?:\s*/\s*[A-Z]{1,5})+\]"

#: abbreviations shared by the Latin-script languages (lowercase, without the final dot)
COMMON_ABBREVIATIONS: frozenset[str] = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "no", "nos", "vol", "fig",
    "inc", "ltd", "co", "corp", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "ph",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
})


class BaseDefaults:
    """Every slot a language may fill. Class attributes, so a language costs nothing to instantiate."""

    lang: ClassVar[str] = "xx"
    name: ClassVar[str] = "Multi-language"
    #: "ltr" or "rtl": how the web app sets ``dir`` on this language's text
    direction: ClassVar[str] = "ltr"

    # --- sentences (text/segment.py) ---
    #: characters that may end a sentence
    sentence_end: ClassVar[str] = ".!?…؟۔"
    #: marks that close a sentence after its final punctuation ("…end.»")
    sentence_closers: ClassVar[str] = "”’»)]}›"
    #: marks that may open the next sentence ("… end. «Next")
    sentence_openers: ClassVar[str] = "“‘«([{‹¿¡"
    #: lowercase tokens (without the final dot) after which a dot does not end a sentence; None: the
    #: language has none of its own, so the abbreviations of every language module are used
    abbreviations: ClassVar[frozenset[str] | None] = None

    # --- boilerplate and metadata lines (text/boilerplate.py) ---
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

    # --- outlet named in the first paragraph (text/metadata.py) ---
    #: phrases opening a first paragraph to name the outlet it reports for: «به گزارش» X، (spaces optional)
    attribution_openers: ClassVar[tuple[str, ...]] = ()
    #: words naming an outlet's desk, dropped with the word after them before the outlet's name («گروه» بین‌الملل)
    desk_words: ClassVar[tuple[str, ...]] = ()
    #: words naming the kind of outlet, dropped before its name («خبرگزاری» فارس)
    outlet_kinds: ClassVar[tuple[str, ...]] = ()

    # --- dates (text/metadata.py, group/features.py) ---
    #: Gregorian month names (natural spelling; compared on match keys) -> month number 1..12
    months: ClassVar[dict[str, int]] = {}
    #: Solar Hijri (Jalali) month names -> month number 1..12 of the Solar Hijri year (Farvardin = 1)
    jalali_months: ClassVar[dict[str, int]] = {}
    #: names of the days of the week (natural spelling): capitalised, yet never names of people or places
    weekdays: ClassVar[frozenset[str]] = frozenset()
    #: words that say who reports: a full date in such a sentence is taken as the publication date
    reporting_verbs: ClassVar[frozenset[str]] = frozenset()

    # --- language identification (text/langid.py) ---
    #: words typical of this language and not of its close neighbours (id vs ms, fa vs ar vs ur)
    marker_words: ClassVar[frozenset[str]] = frozenset()
    #: letters found in this language and not in its close neighbours
    marker_letters: ClassVar[str] = ""

    # --- match keys (text/normalise.py) ---
    #: extra character folds for the match key, on top of the shared ones (``normalise.LETTER_FOLDS`` ...)
    folds: ClassVar[dict[str, str]] = {}


#: slot -> the type its value must have (``abbreviations`` may also be None); one entry per slot above
SLOTS: dict[str, type | tuple[type, ...]] = {
    "lang": str, "name": str, "direction": str,
    "sentence_end": str, "sentence_closers": str, "sentence_openers": str,
    "abbreviations": (frozenset, type(None)),
    "boilerplate_prefixes": tuple, "boilerplate_patterns": tuple, "tail_patterns": tuple,
    "meta_prefixes": tuple, "meta_patterns": tuple,
    "attribution_openers": tuple, "desk_words": tuple, "outlet_kinds": tuple,
    "months": dict, "jalali_months": dict, "weekdays": frozenset, "reporting_verbs": frozenset,
    "marker_words": frozenset, "marker_letters": str,
    "folds": dict,
}


def compile_patterns(patterns: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile (reason, regex) pairs once per language."""
    return [(reason, re.compile(rx, re.IGNORECASE)) for reason, rx in patterns]
