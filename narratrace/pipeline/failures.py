"""A bad record never costs the batch: one article's failure while grouping, writing, tracing or
narrating is undone alone and reported with its file and line; the store's own failures stop the batch.

Each step of one article runs under a savepoint (``store.savepoint()``, SQLite and PostgreSQL alike), so
an exception after a partial write leaves no half article behind, and on PostgreSQL the failed statement
does not abort the whole transaction. What is "the store's own" (disk full, a damaged file, a lost
connection) is the store's call (``store.fatal_error``): no later article would escape it.
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError
from ..ingest.values import split_origin
from ..model import EncodedArticle
from ..store import SQLStore
from .report import IngestReport

REPORT_HINT = "the rest of the batch is stored; please report this as a bug, with the record"


def article_error(item: EncodedArticle, what: str, exc: BaseException) -> InputError:
    """``FILE:LINE: <id>: <what>: <exception>``, as every other per-record message names its record."""
    path, line = split_origin(item.article.origin or item.id)
    detail = " ".join(str(exc).split())[:300]
    return InputError(path, f"{item.id}: {what}: {type(exc).__name__}{': ' + detail if detail else ''}",
                      line=line, hint=REPORT_HINT)


def guarded(store: SQLStore, report: IngestReport, item: EncodedArticle, what: str, step: Callable[[], None]
            ) -> bool:
    """Run one article's ``step`` under a savepoint. True when it worked; False when it failed: its writes
    are undone and ``report.errors`` says what was lost (``what``). The store's own failures are raised."""
    try:
        with store.savepoint():
            step()
    except Exception as exc:
        fatal = store.fatal_error(exc)
        if fatal is exc:
            raise
        if fatal is not None:
            raise fatal from exc
        report.errors.append(article_error(item, what, exc))
        return False
    return True
