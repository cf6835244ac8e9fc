"""Collectors: feeds, news sitemaps, URL lists and Telegram exports -> ``RawArticle`` records.

An ingest-stage package: it fetches and reads, and hands records to the caller, which
stores them with ``Narratrace.add`` (the same path as files) and then commits the poll::

    state = CollectState(state_path("news.db"))
    batch = Collector(state, Fetcher(Politeness(delay=2))).poll(read_outlets("outlets.yaml"))
    report = nt.add(batch.records)
    nt.add_links(batch.links())
    batch.commit()
"""
from __future__ import annotations

from .collector import Batch, Collector
from .fetch import Fetcher, FetchError, Politeness
from .page import Item, article_id, page_record
from .sources import Source, outlets_from_yaml, parse_listing, read_outlets, source_of
from .state import CollectState, state_path
from .telegram import forward_links, read_telegram

__all__ = ["Batch", "CollectState", "Collector", "FetchError", "Fetcher", "Item", "Politeness", "Source",
           "article_id", "forward_links", "outlets_from_yaml", "page_record", "parse_listing", "read_outlets",
           "read_telegram", "source_of", "state_path"]
