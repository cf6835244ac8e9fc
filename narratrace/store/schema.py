"""SQLite schema and migrations. Bump ``SCHEMA_VERSION`` and append a migration; never edit old ones."""
from __future__ import annotations

SCHEMA_VERSION = 1

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS stories (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS articles (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        title TEXT, url TEXT, outlet TEXT, published TEXT, lang TEXT,
        origin TEXT, text TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        provenance TEXT NOT NULL DEFAULT '{}',
        story_id TEXT REFERENCES stories(id),
        added_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
    CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
    CREATE TABLE IF NOT EXISTS passages (
        rowid INTEGER PRIMARY KEY,
        article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        lang TEXT,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL,
        sentences TEXT NOT NULL DEFAULT '[]',
        reason TEXT,
        vector BLOB,
        UNIQUE(article_rowid, idx)
    );
    CREATE INDEX IF NOT EXISTS passages_article ON passages(article_rowid);
    CREATE TABLE IF NOT EXISTS links (
        rowid INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        score REAL NOT NULL,
        direction TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '{}',
        story_id TEXT,
        UNIQUE(source, target, kind)
    );
    CREATE INDEX IF NOT EXISTS links_source ON links(source);
    CREATE INDEX IF NOT EXISTS links_target ON links(target);
    CREATE INDEX IF NOT EXISTS links_story ON links(story_id);
    """,
}
