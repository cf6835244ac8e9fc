"""Paragraphs and sentences as character spans; no character is lost, only whitespace is trimmed.

Sentences are split on . ! ? … ؟ ۔ when what follows looks like a new sentence: a capital,
a caseless (e.g. Arabic) letter, a digit or an opening quote, with or without a space, so scraped
text that ran sentences together ("Suriah.Dalam", 'lanjutnya."Dalam') is split too. A dot does not
split after a language's abbreviations (Jl., No., dll.), after a single letter (U.S., د.), or between
digits (3.5, ۳.۵). Straight double quotes are told apart by parity: an odd one closes, an even one opens.

The punctuation, closing and opening marks and abbreviations are slots of the language modules
(``sentence_end``, ``sentence_closers``, ``sentence_openers``, ``abbreviations``).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from .lang import available_languages, get_lang, language_cache

Span = tuple[int, int]

_LINE = re.compile(r"[^\n\r\u2028\u2029\x0b\x0c\x85]+")
_TOKEN_BEFORE = re.compile(r"(?:[^\W\d_]+\.)*[^\W\d_]+$")
_QUOTE = re.compile('"')


@dataclass(frozen=True)
class SentenceRules:
    """A language's sentence slots, compiled once."""

    terminator: re.Pattern[str]   # a run of sentence-final marks, or a line break
    closers: frozenset[str]
    openers: frozenset[str]
    abbreviations: frozenset[str]


@language_cache
def abbreviations_for(lang: str | None) -> frozenset[str]:
    """A language's abbreviations; for a language with none of its own (or none known), every language's."""
    own = get_lang(lang).abbreviations if lang else None
    if own is not None:
        return own
    return frozenset().union(*(get_lang(code).abbreviations or () for code in available_languages()))


@language_cache
def sentence_rules(lang: str | None) -> SentenceRules:
    """The sentence rules of ``lang`` (the shared defaults when it is None or unknown)."""
    cls = get_lang(lang)
    return SentenceRules(terminator=re.compile("[" + re.escape(cls.sentence_end) + r"]+|\n"),
                         closers=frozenset(cls.sentence_closers), openers=frozenset(cls.sentence_openers),
                         abbreviations=abbreviations_for(lang))


def strip_span(text: str, a: int, b: int) -> Span | None:
    """Shrink [a, b) to exclude surrounding whitespace; None if nothing is left."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def split_paragraphs(text: str) -> list[Span]:
    """One paragraph per non-blank line (scraped news keeps one paragraph per line)."""
    out = []
    for m in _LINE.finditer(text):
        span = strip_span(text, m.start(), m.end())
        if span:
            out.append(span)
    return out


def split_sentences(text: str, lang: str | None = None) -> list[Span]:
    """Sentence spans as (start, end) offsets into ``text``."""
    n = len(text)
    rules = sentence_rules(lang)
    abbreviations, closers, openers = rules.abbreviations, rules.closers, rules.openers
    quotes = [m.start() for m in _QUOTE.finditer(text)] if '"' in text else []
    cuts = [0]
    for m in rules.terminator.finditer(text):
        s, e = m.span()
        if text[s] == "\n":
            cuts.append(e)
            continue
        punct = m.group()
        if punct == ".":
            if s > 0 and e < n and text[s - 1].isdigit() and text[e].isdigit():
                continue  # 3.5, ۳.۵, 1.000
            tok = _TOKEN_BEFORE.search(text, max(0, s - 24), s)
            if tok:
                word = tok.group()
                if len(word.rsplit(".", 1)[-1]) == 1 or word.lower() in abbreviations:
                    continue  # U.S., د., initials, Jl., dll.
        k = e
        while k < n and (text[k] in closers or (text[k] == '"' and bisect_left(quotes, k) % 2 == 1)):
            k += 1
        p = k
        while p < n and text[p].isspace() and text[p] != "\n":
            p += 1
        if p >= n:
            break
        c = text[p]
        if c == "\n":
            continue
        if c.islower():
            continue
        if c.isupper() or c.isdigit() or c in openers or c == '"' or (c.isalpha() and p > k) \
                or (c.isalpha() and not c.isupper() and not c.islower()):
            if p == k and c.isdigit() and punct == ".":
                continue  # "v2.0"-like tokens without a space
            cuts.append(k)
    cuts.append(n)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        span = strip_span(text, a, b)
        if span:
            out.append(span)
    return out


def pack(text: str, sentences: list[Span], max_chars: int) -> list[Span]:
    """Group consecutive sentences into chunks of at most ``max_chars`` (longer sentences cut at a space)."""
    if not sentences:
        return []
    if sentences[-1][1] - sentences[0][0] <= max_chars:
        return [(sentences[0][0], sentences[-1][1])]
    pieces: list[Span] = []
    for a, b in sentences:
        while b - a > max_chars:
            cut = text.rfind(" ", a + 1, a + max_chars + 1)
            cut = cut if cut > a else a + max_chars
            span = strip_span(text, a, cut)
            if span:
                pieces.append(span)
            a = cut
        span = strip_span(text, a, b)
        if span:
            pieces.append(span)
    chunks: list[Span] = []
    for a, b in pieces:
        if chunks and b - chunks[-1][0] <= max_chars:
            chunks[-1] = (chunks[-1][0], b)
        else:
            chunks.append((a, b))
    return chunks


__all__ = ["SentenceRules", "abbreviations_for", "pack", "sentence_rules", "split_paragraphs", "split_sentences",
           "strip_span"]
