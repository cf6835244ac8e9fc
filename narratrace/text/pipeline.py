"""Turns a ``RawArticle`` into an ``Article`` with typed, language-tagged, segmented passages.

Steps: paragraphs -> language per paragraph -> boilerplate/meta lines -> article language ->
long paragraphs split at sentence boundaries -> sentences -> match keys -> metadata from the text
-> id. Everything heavy (cld2, compiled rules, alias table) is built once per ``TextPipeline``.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..model import BODY, BOILERPLATE, TITLE, Article, Passage, RawArticle
from .boilerplate import classify, rules_for, split_tail
from .langid import LanguageIdentifier
from .metadata import OutletAliases, find_date, find_outlet, title_from
from .normalise import normalise
from .segment import pack, split_paragraphs, split_sentences

#: below this detector confidence a passage takes the article's language
MIN_CONFIDENCE = 0.5
#: passages shorter than this take the article's language when the detector disagrees with it
SHORT_CHARS = 80
#: how many leading paragraphs may hold a dateline or an outlet line
HEAD_LINES = 3


class TextPipeline:
    """Parameters in the constructor; ``transform`` does the work.

    ``max_passage_chars`` and ``max_article_chars`` left as None take ``[text] max_passage_chars`` and
    ``[ingest] max_article_chars`` from ``defaults.toml``, their one source (ingest and ``compare``
    must cut passages alike, or the same two texts get different verdicts)."""

    def __init__(self, max_passage_chars: int | None = None, max_article_chars: int | None = None,
                 outlet_aliases: str | Path | list[str | Path] | None = None,
                 min_confidence: float = MIN_CONFIDENCE) -> None:
        if max_passage_chars is None or max_article_chars is None:
            from ..settings import Settings

            defaults = Settings()
            max_passage_chars = max_passage_chars or defaults.text.max_passage_chars
            max_article_chars = max_article_chars or defaults.ingest.max_article_chars
        self.max_passage_chars = max_passage_chars
        self.max_article_chars = max_article_chars
        self.min_confidence = min_confidence
        self.langid = LanguageIdentifier()
        self.aliases = OutletAliases(outlet_aliases)

    def transform(self, raw: RawArticle) -> Article:
        text = raw.text[: self.max_article_chars]
        meta = dict(raw.meta)
        if len(raw.text) > len(text):
            meta["text_truncated_from"] = len(raw.text)

        # paragraphs, each with a language guess
        paras: list[tuple[int, int, str | None, float]] = []
        for a, b in split_paragraphs(text):
            lang, conf = self.langid.detect(text[a:b])
            paras.append((a, b, lang, conf))
        guess = raw.lang or _dominant((b - a, lang) for a, b, lang, conf in paras if conf >= self.min_confidence)

        # boilerplate and metadata lines; markers glued to a paragraph's end become their own passage
        typed: list[tuple[int, int, str | None, float, str, str | None]] = []
        keys: dict[int, str] = {}  # match key by paragraph start, reused when the paragraph stays whole
        for i, (a, b, lang, conf) in enumerate(paras):
            rules = rules_for((guess, lang))
            ptext = text[a:b]
            key = normalise(ptext, lang)
            keys[a] = key
            found = classify(ptext, key, rules, at_head=i < HEAD_LINES)
            if found:
                typed.append((a, b, lang, conf, found[0], found[1]))
                continue
            tail = split_tail(ptext, rules)
            if tail:
                cut = a + tail[0]
                body_end = a + len(ptext[: tail[0]].rstrip())
                typed.append((a, body_end, lang, conf, BODY, None))
                typed.append((cut, b, lang, 0.0, BOILERPLATE, tail[1]))
            else:
                typed.append((a, b, lang, conf, BODY, None))

        if raw.lang:
            art_lang: str | None = raw.lang
        else:
            art_lang = _dominant((b - a, lang) for a, b, lang, conf, kind, _ in typed
                                 if kind == BODY and conf >= self.min_confidence) or guess
            if art_lang is None:
                art_lang = self.langid.detect(text)[0]

        passages: list[Passage] = []
        for a, b, lang, conf, kind, reason in typed:
            detected = lang
            if lang != art_lang and (conf < self.min_confidence or lang is None or b - a < SHORT_CHARS):
                lang = art_lang
            ptext = text[a:b]
            sentences = split_sentences(ptext, lang)
            pieces = [(a, b, sentences)]
            if kind == BODY and b - a > self.max_passage_chars:
                pieces = []
                for ca, cb in pack(ptext, sentences, self.max_passage_chars):
                    sub = ptext[ca:cb]
                    pieces.append((a + ca, a + cb, split_sentences(sub, lang)))
            for pa, pb, sents in pieces:
                ptext = text[pa:pb]
                kept = keys.get(pa) if (pb == b and lang == detected) else None
                passages.append(Passage(index=len(passages), text=ptext, start=pa, end=pb, kind=kind,
                                        lang=lang, key=kept if kept is not None else normalise(ptext, lang),
                                        sentences=sents, reason=reason))

        article = Article(id=raw.id or "", text=text, title=raw.title, url=raw.url, outlet=raw.outlet,
                          published=raw.published, lang=art_lang, meta=meta, origin=raw.origin,
                          passages=passages)
        self._metadata(raw, article)
        if not article.id:
            article.id = article.content_hash[:16]
        return article

    def _metadata(self, raw: RawArticle, article: Article) -> None:
        """Fill outlet, date and title from the text where the record had none."""
        passages = article.passages
        head = [(p.kind, p.text) for p in passages[:HEAD_LINES]]
        body = [p for p in passages if p.kind == BODY]
        outlet, where, dateline_end = find_outlet(head, self.aliases)
        if raw.outlet is None:
            if outlet:
                article.outlet = outlet
                article.provenance["outlet"] = "text"
        else:
            article.provenance["outlet"] = "record"
        if raw.published is None:
            published = find_date(head, [(p.text, p.lang or "xx", p.sentences) for p in body])
            if published:
                article.published = published
                article.provenance["published"] = "text"
        else:
            article.provenance["published"] = "record"
        if raw.title is None:
            if body:
                first = body[0]
                a, b = first.sentences[0] if first.sentences else (0, len(first.text))
                if outlet and passages[where] is first and a <= dateline_end < b:
                    a = dateline_end  # "Damaskus, Purna Warta – Sumber..." -> "Sumber..."
                article.title = title_from(first.text[a:b])
                article.provenance["title"] = "first sentence"
        else:
            article.provenance["title"] = "record"
            if body and body[0].index == next(i for i, p in enumerate(passages) if p.kind == BODY) \
                    and body[0].key == normalise(raw.title, article.lang):
                body[0].kind = TITLE
        if raw.lang is None and article.lang:
            article.provenance["lang"] = "detected"
        elif raw.lang:
            article.provenance["lang"] = "record"


def _dominant(weighted) -> str | None:
    """The language with the most characters."""
    totals: dict[str, int] = defaultdict(int)
    for weight, lang in weighted:
        if lang:
            totals[lang] += weight
    return max(totals, key=totals.get) if totals else None  # type: ignore[arg-type]


def analyse(raw: RawArticle) -> Article:
    """Convenience for notebooks: analyse one record with default settings."""
    return _default().transform(raw)


_DEFAULT: TextPipeline | None = None


def _default() -> TextPipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = TextPipeline()
    return _DEFAULT
