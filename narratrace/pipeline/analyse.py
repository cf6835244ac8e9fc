"""Analyse: a reader's record -> an analysed article (the text stage), failures reported, never fatal."""
from __future__ import annotations

from ..errors import InputError, NarratraceError
from ..model import Article, EncodedArticle, RawArticle
from ..settings import IngestSettings, TextSettings
from ..text import TextPipeline


class AnalyseService:
    """Runs the text stage on one record at a time; a record that cannot be analysed becomes an
    ``InputError`` naming it, so the rest of the batch goes on."""

    def __init__(self, text: TextPipeline) -> None:
        self.text = text

    @classmethod
    def from_settings(cls, text: TextSettings, ingest: IngestSettings) -> AnalyseService:
        return cls(TextPipeline(max_passage_chars=text.max_passage_chars,
                                max_article_chars=ingest.max_article_chars))

    def __call__(self, record: RawArticle | Article) -> EncodedArticle | InputError:
        if isinstance(record, Article):  # analysed already (a notebook, a collector)
            return EncodedArticle(record)
        try:
            return EncodedArticle(self.text.transform(record))
        except NarratraceError as exc:
            return InputError(record.origin or "?", str(exc))
        except Exception as exc:  # a bug in analysis must not lose the rest of the batch
            return InputError(record.origin or "?", f"could not analyse: {exc!r}",
                              hint="please report this as a bug with the file")
