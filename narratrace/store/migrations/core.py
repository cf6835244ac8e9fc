"""Migrations 1-7: the pipeline's tables (articles, passages, links, stories, narratives, claims, story
aliases, site lines, the lexical index). In SQLite's dialect; see the package docstring for the rules."""
from __future__ import annotations

CORE: dict[int, str] = {
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
    # narratives, claims, fact-checks and their matches (group/narratives.py, trace/claims.py, trace/factchecks.py)
    2: """
    CREATE TABLE IF NOT EXISTS narratives (
        id TEXT PRIMARY KEY,
        founded_by TEXT NOT NULL,
        centroid BLOB NOT NULL,
        weight REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS narrative_stories (
        story_id TEXT PRIMARY KEY,
        narrative_id TEXT NOT NULL REFERENCES narratives(id),
        score REAL,
        added_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS narrative_stories_n ON narrative_stories(narrative_id);
    CREATE TABLE IF NOT EXISTS narrative_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        narrative_id TEXT NOT NULL REFERENCES narratives(id),
        score REAL,
        passages TEXT NOT NULL DEFAULT '[]',
        added_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS narrative_articles_n ON narrative_articles(narrative_id);
    CREATE TABLE IF NOT EXISTS claims (
        rowid INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        passage INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        lang TEXT,
        score REAL NOT NULL,
        features TEXT NOT NULL DEFAULT '{}',
        vector BLOB,
        UNIQUE(article_id, passage, start)
    );
    CREATE INDEX IF NOT EXISTS claims_article ON claims(article_id);
    CREATE TABLE IF NOT EXISTS factchecks (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        claim TEXT NOT NULL,
        rating TEXT, url TEXT, lang TEXT, date TEXT, publisher TEXT, claimant TEXT, title TEXT,
        origin TEXT NOT NULL DEFAULT '',
        format TEXT NOT NULL DEFAULT '',
        vector BLOB,
        added_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS claim_matches (
        claim_rowid INTEGER NOT NULL REFERENCES claims(rowid) ON DELETE CASCADE,
        factcheck_id TEXT NOT NULL REFERENCES factchecks(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        status TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY(claim_rowid, factcheck_id)
    );
    CREATE INDEX IF NOT EXISTS claim_matches_fc ON claim_matches(factcheck_id);
    """,
    # issue 7: the add path must not scan tables that grow with the store
    3: """
    CREATE INDEX IF NOT EXISTS claims_unencoded ON claims(article_id) WHERE vector IS NULL;
    """,
    # issue 7: a passage's grouping clues (numbers, name keys, latest month mentioned) computed once at write,
    # not again each time the passage is a candidate (JSON; NULL for passages stored before: computed then)
    4: """
    ALTER TABLE passages ADD COLUMN clues TEXT;
    """,
    # issue 14: story ids are derived from a story's earliest member, so merges, splits and an earlier
    # article arriving late change them; a retired id points to the story that holds its articles now
    5: """
    CREATE TABLE IF NOT EXISTS story_aliases (
        old_id TEXT PRIMARY KEY,
        new_id TEXT NOT NULL,
        retired_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS story_aliases_new ON story_aliases(new_id);
    ALTER TABLE stories ADD COLUMN founder TEXT;
    """,
    # issue 14: short lines a site repeats across articles of different stories, learned as its boilerplate
    # and left out of encoding (store/site_lines.py); JSON lists of the content hashes and stories counted
    6: """
    CREATE TABLE IF NOT EXISTS site_lines (
        line_hash TEXT NOT NULL,
        site TEXT NOT NULL,
        articles TEXT NOT NULL DEFAULT '[]',
        stories TEXT NOT NULL DEFAULT '[]',
        learned INTEGER NOT NULL DEFAULT 0,
        example TEXT NOT NULL,
        PRIMARY KEY(line_hash, site)
    );
    """,
    # issue 15: the lexical index (store/lexical.py): the index terms of passages and fact-checks, which the
    # backend indexes for BM25 (SQLite: FTS5 tables, PostgreSQL: GIN; made, and filled from what is stored,
    # by LexicalIndex._after_migration); and the analyst's verdict on a fact-check match, kept per article
    # and fact-check so that it outlives re-matching and a new version of the article
    7: """
    CREATE TABLE IF NOT EXISTS passage_terms (
        rowid INTEGER PRIMARY KEY REFERENCES passages(rowid) ON DELETE CASCADE,
        terms TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS factcheck_terms (
        rowid INTEGER PRIMARY KEY REFERENCES factchecks(rowid) ON DELETE CASCADE,
        terms TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS match_reviews (
        article_id TEXT NOT NULL,
        factcheck_id TEXT NOT NULL,
        verdict TEXT NOT NULL,
        note TEXT,
        reviewed_at TEXT NOT NULL,
        PRIMARY KEY(article_id, factcheck_id)
    );
    """,
}
