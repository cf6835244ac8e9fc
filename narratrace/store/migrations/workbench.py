"""Migrations 8-17: the analyst's workbench (entities and their counts, annotations and pins, kept story and
narrative summaries and facets, lexical counts, the filter indexes of story lists) and the add's kept counts.
In SQLite's dialect; see the package docstring for the rules."""
from __future__ import annotations

WORKBENCH: dict[int, str] = {
    # issue 17: the entity layer (store/entities.py, text/entities.py): canonical entities and the spellings they
    # are found by (key: the text stage's form key; skeleton: the cross-script name key), their mentions in
    # articles with spans (a candidate name waits with entity_rowid NULL until its name_key recurs), and per
    # entity and article one row with the article's language, outlet and date, which the entity and source
    # pages are paged, filtered and counted on. Filled as articles are stored; `narratrace entities rebuild`
    # fills a store made before
    8: """
    CREATE TABLE IF NOT EXISTS entities (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        origin TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        articles INTEGER NOT NULL DEFAULT 0,
        cited INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS entities_articles ON entities(articles DESC, rowid);
    CREATE INDEX IF NOT EXISTS entities_kind ON entities(kind, articles DESC, rowid);
    CREATE TABLE IF NOT EXISTS entity_names (
        entity_rowid INTEGER NOT NULL REFERENCES entities(rowid) ON DELETE CASCADE,
        key TEXT NOT NULL,
        form TEXT NOT NULL,
        skeleton TEXT NOT NULL DEFAULT '',
        script TEXT NOT NULL DEFAULT '',
        PRIMARY KEY(entity_rowid, key)
    );
    CREATE INDEX IF NOT EXISTS entity_names_key ON entity_names(key);
    CREATE INDEX IF NOT EXISTS entity_names_skeleton ON entity_names(skeleton);
    CREATE TABLE IF NOT EXISTS entity_mentions (
        rowid INTEGER PRIMARY KEY,
        article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
        entity_rowid INTEGER REFERENCES entities(rowid) ON DELETE CASCADE,
        passage INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        surface TEXT NOT NULL,
        script TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT 'mention',
        cue TEXT,
        context TEXT,
        name_key TEXT NOT NULL DEFAULT '',
        UNIQUE(article_rowid, passage, start)
    );
    CREATE INDEX IF NOT EXISTS entity_mentions_entity ON entity_mentions(entity_rowid, article_rowid);
    CREATE INDEX IF NOT EXISTS entity_mentions_candidates ON entity_mentions(name_key) WHERE entity_rowid IS NULL;
    CREATE TABLE IF NOT EXISTS entity_articles (
        entity_rowid INTEGER NOT NULL REFERENCES entities(rowid) ON DELETE CASCADE,
        article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
        mentions INTEGER NOT NULL,
        cited INTEGER NOT NULL DEFAULT 0,
        lang TEXT NOT NULL DEFAULT '',
        outlet TEXT NOT NULL DEFAULT '',
        published TEXT NOT NULL DEFAULT '',
        PRIMARY KEY(entity_rowid, article_rowid)
    );
    CREATE INDEX IF NOT EXISTS entity_articles_time ON entity_articles(entity_rowid, published DESC, article_rowid);
    CREATE INDEX IF NOT EXISTS entity_articles_cited
        ON entity_articles(entity_rowid, cited, published DESC, article_rowid);
    CREATE INDEX IF NOT EXISTS entity_articles_article ON entity_articles(article_rowid);
    CREATE INDEX IF NOT EXISTS entity_articles_facets ON entity_articles(entity_rowid, lang, outlet, published, cited);
    """,
    # issue 17: analysts' annotations (store/annotations.py): tags and notes on stories, articles and entities,
    # verdicts on provenance links, and hand merges and splits of stories (articles put together share a pin;
    # pins kept apart are never merged by grouping). Keyed by ids without foreign keys, so a new version of an
    # article keeps them; a story's follow its renames through story_aliases
    9: """
    CREATE TABLE IF NOT EXISTS annotations (
        rowid INTEGER PRIMARY KEY,
        target_kind TEXT NOT NULL,
        target_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS annotations_target ON annotations(target_kind, target_id);
    CREATE INDEX IF NOT EXISTS annotations_value ON annotations(kind, value);
    CREATE TABLE IF NOT EXISTS link_reviews (
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        verdict TEXT NOT NULL,
        note TEXT,
        reviewed_at TEXT NOT NULL,
        PRIMARY KEY(source, target, kind)
    );
    CREATE TABLE IF NOT EXISTS story_pins (
        article_id TEXT PRIMARY KEY,
        pin TEXT NOT NULL,
        pinned_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS story_pins_pin ON story_pins(pin);
    CREATE TABLE IF NOT EXISTS story_apart (
        pin_a TEXT NOT NULL,
        pin_b TEXT NOT NULL,
        PRIMARY KEY(pin_a, pin_b)
    );
    CREATE TABLE IF NOT EXISTS story_edits (
        rowid INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        story_id TEXT NOT NULL,
        stories TEXT NOT NULL DEFAULT '[]',
        articles TEXT NOT NULL DEFAULT '[]',
        note TEXT,
        edited_at TEXT NOT NULL
    );
    """,
    # issue 17: story lists paged in SQL (store/story_pages.py): a summary row per story (one index per sort),
    # a row per language, outlet and month a story has articles in (with how many), and per value the number
    # of stories that have it; kept in the transactions that write and move articles, filled for a store made
    # before by StoryPages._build_story_summaries (after this migration). A summary's facet_keys lists the
    # story's facet values in one string, so a filtered list's facets read one row per story, not a dozen.
    # articles(story_id, published) finds a story's first and last dates again when an article leaves it
    10: """
    CREATE TABLE IF NOT EXISTS story_summaries (
        story_id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        n_languages INTEGER NOT NULL DEFAULT 0,
        n_outlets INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT,
        last_seen TEXT,
        recent TEXT NOT NULL DEFAULT '',
        first_rowid INTEGER,
        title TEXT,
        folded TEXT NOT NULL DEFAULT '',
        facet_keys TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS story_summaries_size ON story_summaries(size DESC, n_languages DESC, story_id);
    CREATE INDEX IF NOT EXISTS story_summaries_spread
        ON story_summaries(n_languages DESC, n_outlets DESC, size DESC, story_id);
    CREATE INDEX IF NOT EXISTS story_summaries_recent ON story_summaries(recent DESC, size DESC, story_id);
    CREATE TABLE IF NOT EXISTS story_facets (
        story_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        folded TEXT NOT NULL,
        articles INTEGER NOT NULL,
        PRIMARY KEY(story_id, kind, value)
    );
    CREATE INDEX IF NOT EXISTS story_facets_value ON story_facets(kind, folded, story_id);
    CREATE TABLE IF NOT EXISTS story_facet_counts (
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        folded TEXT NOT NULL,
        stories INTEGER NOT NULL,
        PRIMARY KEY(kind, value)
    );
    CREATE INDEX IF NOT EXISTS articles_story_published ON articles(story_id, published);
    """,
    # issue 17: pages at a million articles: per entity and cited 0/1 its articles in total and per language,
    # outlet, month, day, and its spellings' mentions (store/entity_counts.py); per outlet its totals and articles
    # per language and day (store/outlets.py); kept as articles are written, filled after this migration
    11: """
    CREATE TABLE IF NOT EXISTS entity_facets (
        entity_rowid INTEGER NOT NULL REFERENCES entities(rowid) ON DELETE CASCADE, cited INTEGER NOT NULL,
        kind TEXT NOT NULL, value TEXT NOT NULL, articles INTEGER NOT NULL,
        PRIMARY KEY(entity_rowid, cited, kind, value));
    CREATE TABLE IF NOT EXISTS entity_spellings (
        entity_rowid INTEGER NOT NULL REFERENCES entities(rowid) ON DELETE CASCADE, surface TEXT NOT NULL,
        mentions INTEGER NOT NULL, PRIMARY KEY(entity_rowid, surface));
    DROP INDEX IF EXISTS entity_articles_facets; DROP INDEX IF EXISTS entity_articles_cited;
    CREATE INDEX IF NOT EXISTS entity_articles_citing
        ON entity_articles(entity_rowid, published DESC, article_rowid, cited) WHERE cited > 0;
    CREATE INDEX IF NOT EXISTS entity_articles_lang
        ON entity_articles(entity_rowid, lang, published DESC, article_rowid, cited);
    CREATE INDEX IF NOT EXISTS entity_articles_outlet
        ON entity_articles(entity_rowid, outlet, published DESC, article_rowid, cited);
    CREATE INDEX IF NOT EXISTS entity_articles_month
        ON entity_articles(entity_rowid, substr(published, 1, 7), published DESC, article_rowid, cited);
    CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet, rowid, id, story_id, published);
    CREATE TABLE IF NOT EXISTS outlet_summaries (outlet TEXT PRIMARY KEY, articles INTEGER NOT NULL,
        languages INTEGER NOT NULL DEFAULT 0, first_published TEXT, last_published TEXT);
    CREATE INDEX IF NOT EXISTS outlet_summaries_articles ON outlet_summaries(articles DESC, outlet);
    CREATE TABLE IF NOT EXISTS outlet_facets (outlet TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
        articles INTEGER NOT NULL, PRIMARY KEY(outlet, kind, value));
    """,
    # issue 17: narrative lists paged in SQL (store/narrative_pages.py): per narrative with articles its count
    # and first and last dates (first_key, recent: what the sorts order by, '' when undated), one index per
    # sort; kept in the transactions that change a narrative's members (store/narrative_summaries.py), filled
    # for a store made before by _build_narrative_summaries (after this migration)
    12: """
    CREATE TABLE IF NOT EXISTS narrative_summaries (
        narrative_id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        first_seen TEXT,
        last_seen TEXT,
        first_key TEXT NOT NULL DEFAULT '',
        recent TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS narrative_summaries_size ON narrative_summaries(size DESC, first_key, narrative_id);
    CREATE INDEX IF NOT EXISTS narrative_summaries_recent
        ON narrative_summaries(recent DESC, size DESC, narrative_id);
    """,
    # issue 17: narrative list items as summaries (store/narrative_facets.py): per narrative its articles per
    # language, outlet, month and story; per value the narratives that have it by size class (1..10, 10 = ten
    # or more) for the list's facet counts; the best-scored assigned members for labels without reading the
    # rest; kept in the transactions that change a narrative's members, filled by _build_narrative_facets
    13: """
    CREATE TABLE IF NOT EXISTS narrative_facets (
        narrative_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, articles INTEGER NOT NULL,
        PRIMARY KEY(narrative_id, kind, value));
    CREATE TABLE IF NOT EXISTS narrative_facet_counts (
        kind TEXT NOT NULL, value TEXT NOT NULL, size_class INTEGER NOT NULL, narratives INTEGER NOT NULL,
        PRIMARY KEY(kind, value, size_class));
    CREATE INDEX IF NOT EXISTS narrative_articles_best ON narrative_articles(narrative_id, score DESC, article_id);
    CREATE INDEX IF NOT EXISTS narrative_stories_members ON narrative_stories(narrative_id, story_id);
    """,
    # issue 17: the lexical index's documents and terms per kind (passages, factchecks), kept by triggers on
    # passage_terms and factcheck_terms (made, and filled from what is indexed, by LexicalIndex._after_migration)
    # so that a search reads two numbers instead of counting millions of rows (store/lexical.py)
    14: """
    CREATE TABLE IF NOT EXISTS lexical_counts (
        kind TEXT PRIMARY KEY,
        documents INTEGER NOT NULL,
        terms INTEGER NOT NULL
    );
    """,
    # issue 17: filtered story lists (story_plan.py): narrow filter indexes; entity_stories (story_summaries.py)
    15: """CREATE INDEX IF NOT EXISTS story_facets_story ON story_facets(story_id, kind, folded);
    CREATE INDEX IF NOT EXISTS story_summaries_filters ON story_summaries(story_id, first_seen, last_seen, size,
        n_languages, n_outlets, recent, folded);
    CREATE TABLE IF NOT EXISTS entity_stories (entity_rowid INTEGER NOT NULL REFERENCES entities(rowid) ON DELETE
        CASCADE, story_id TEXT NOT NULL, articles INTEGER NOT NULL, PRIMARY KEY(entity_rowid, story_id));
    CREATE INDEX IF NOT EXISTS entity_stories_story ON entity_stories(story_id);""",
    # issue 14: the add at a million articles. Entity discovery's counts per candidate name key and per key and
    # script, kept as mentions are written (store/candidate_counts.py) and filled here from what is stored; the
    # story index made covering for grouping's member reads (id in stored order, without the article rows)
    16: """
    CREATE TABLE IF NOT EXISTS candidate_names (
        name_key TEXT PRIMARY KEY, articles INTEGER NOT NULL, strong INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS candidate_scripts (
        name_key TEXT NOT NULL, script TEXT NOT NULL, articles INTEGER NOT NULL, PRIMARY KEY(name_key, script));
    DELETE FROM candidate_names;
    DELETE FROM candidate_scripts;
    INSERT INTO candidate_names(name_key, articles, strong) SELECT name_key, count(DISTINCT article_rowid),
        sum(CASE WHEN role='cited' OR surface LIKE '% %' THEN 1 ELSE 0 END) FROM entity_mentions
        WHERE entity_rowid IS NULL GROUP BY name_key;
    INSERT INTO candidate_scripts(name_key, script, articles) SELECT name_key, script, count(DISTINCT article_rowid)
        FROM entity_mentions WHERE entity_rowid IS NULL GROUP BY name_key, script;
    CREATE INDEX IF NOT EXISTS articles_story_members ON articles(story_id, rowid, id);
    DROP INDEX IF EXISTS articles_story;""",
    # narrative lists filtered by language and outlet (store/narrative_pages.py): the narratives with a facet
    # value, looked up by value (the primary key leads with the narrative)
    17: """CREATE INDEX IF NOT EXISTS narrative_facets_value ON narrative_facets(kind, value, narrative_id);""",
}
