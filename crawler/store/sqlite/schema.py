"""The SQLite schema, versioned with sqlite-utils ``Migrations``.

Never edit an applied migration: add a new one (functions run in name order,
each once per database, recorded in ``_sqlite_migrations``).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.store.sql.archives import LISTINGS_TABLE
from crawler.store.sqlite.connection import write_transaction
from crawler.store.tables import SQLITE_TYPES, create_table

migrations = Migrations("newsmon")


def _table(name: str) -> str:
    # Indented as the statements were when written here: SQLite keeps the text.
    return create_table(name, SQLITE_TYPES, indent="    ")


def apply_migrations(db: sqlite_utils.Database) -> None:
    """Create or upgrade the schema (idempotent, safe with concurrent processes)."""
    if not migrations.pending(db):
        return
    with write_transaction(db):
        migrations.apply(db)


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(_table("articles"))
    db.execute("CREATE INDEX idx_articles_source_published ON articles(source, published_at)")
    db.execute("CREATE INDEX idx_articles_published ON articles(published_at)")
    db.execute("CREATE INDEX idx_articles_story ON articles(story_id)")
    db.execute("CREATE INDEX idx_articles_source_hash ON articles(source, content_hash)")
    db.execute("CREATE INDEX idx_articles_relevant ON articles(relevant, published_at)")
    db["articles"].enable_fts(
        ["title", "body"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )
    db.execute(_table("url_aliases"))
    db.execute("CREATE INDEX idx_url_aliases_article ON url_aliases(article_id)")
    db.execute(_table("article_versions"))
    db.execute("CREATE INDEX idx_article_versions_article ON article_versions(article_id)")
    db.execute(_table("crawl_runs"))
    db.execute("CREATE INDEX idx_crawl_runs_started ON crawl_runs(started_at)")
    db.execute(_table("crawl_run_sources"))
    db.execute("CREATE INDEX idx_crawl_run_sources_source ON crawl_run_sources(source, run_id)")
    db.execute(_table("http_validators"))


@migrations()
def m002_fts_update_trigger_on_text_only(db: sqlite_utils.Database) -> None:
    # The trigger sqlite-utils creates re-indexes a row on any UPDATE; story
    # links, relevance rescoring and counters do not touch the indexed text.
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        """
        CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
          INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END
        """
    )


@migrations()
def m003_story_index(db: sqlite_utils.Database) -> None:
    """The near-duplicate index of crawler.stories: LSH bands and paragraphs of each article."""
    # Imported here: only this migration needs the story index code.
    from crawler.fingerprint import body_print
    from crawler.store.sqlite.store import SqliteTransaction
    from crawler.stories import StoryIndex

    db.execute(_table("story_bands"))
    db.execute(_table("story_paragraphs"))
    # Articles stored before the index existed are indexed once, here, oldest first.
    index = StoryIndex(SqliteTransaction(db.conn))
    for article_id, source, body in db.conn.execute(
        "SELECT id, source, body FROM articles ORDER BY id"
    ):
        made = body_print(body)
        index.add(article_id, made, *index.sketch_of(made, source))


@migrations()
def m004_runs_pid_host(db: sqlite_utils.Database) -> None:
    """Who runs a crawl: its host and its process's start time beside the pid, to tell when it is gone."""
    # A pid alone is not enough: on another host it means nothing here, and
    # after a crash the same number may be given to an unrelated process.
    db.execute("ALTER TABLE crawl_runs ADD COLUMN host TEXT")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN pid_started REAL")


@migrations()
def m005_sched_first_crawls(db: sqlite_utils.Database) -> None:
    """When each source's discovery kind (feeds, sitemaps, wordpress) had its first crawl (crawler.firstcrawl)."""
    db.execute(_table("first_crawls"))
    # A source with a stored article or a run that fetched a page of it has
    # had its first crawl already, of every kind.
    db.execute(
        """
        INSERT INTO first_crawls (source, kind, crawled_at)
        SELECT s.source, k.kind, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
        FROM (SELECT source FROM articles UNION SELECT source FROM crawl_run_sources WHERE pages_fetched > 0) s,
             (SELECT 'feeds' AS kind UNION ALL SELECT 'sitemaps' UNION ALL SELECT 'wordpress') k
        """
    )


@migrations()
def m006_translations_index(db: sqlite_utils.Database) -> None:
    """The translation index of crawler.stories: signature keys, signatures, and story links."""
    # Imported here: only this migration needs the signature code.
    from crawler.store.sqlite.store import SqliteTransaction
    from crawler.stories import StoryIndex, TranslationIndex
    from crawler.translations import signature

    db.execute(_table("translation_keys"))
    db.execute(_table("translation_signatures"))
    db.execute(_table("story_links"))
    db.execute("CREATE INDEX idx_story_links_story ON story_links(story_id)")
    # Articles stored before the index existed are signed once, here; their
    # family is their source (the sources file is not read by migrations).
    tx = SqliteTransaction(db.conn)
    index, text = TranslationIndex(tx), StoryIndex(tx)
    for article_id, source, language, title, body in db.conn.execute(
        "SELECT id, source, language, title, body FROM articles ORDER BY id"
    ):
        index.add(article_id, signature(title, text.story_text(body, source), language), source)


@migrations()
def m010_serve_indexes(db: sqlite_utils.Database) -> None:
    """Indexes behind ``newsmon serve``'s canned queries (crawler/serve/metadata.yml).

    An article's time there is ``coalesce(published_at, first_seen_at)``: the
    expression is indexed as written in the queries (SQLite matches it
    exactly). Covering columns let the coverage and relevant-stories queries
    count and filter by topic without reading the rows.
    """
    seen = "coalesce(published_at, first_seen_at)"
    db.execute(
        f"CREATE INDEX idx_articles_seen ON articles({seen}, source, language, relevant, topics)"
    )
    db.execute(
        f"CREATE INDEX idx_articles_relevant_seen ON articles(relevant, {seen}, story_id, topics)"
    )
    # One row per story: its first stored article (id = story_id).
    db.execute(f"CREATE INDEX idx_articles_story_heads ON articles({seen}) WHERE id = story_id")


@migrations()
def m011_serve_facet_indexes(db: sqlite_utils.Database) -> None:
    """The articles page's language facet counts an index, not the table."""
    db.execute("CREATE INDEX idx_articles_language ON articles(language)")


@migrations()
def m020_readcmds_fts_folded(db: sqlite_utils.Database) -> None:
    """Index folded text, so that a search for Lacin finds Laçın as topics.toml does."""
    from crawler.store.sqlite import ftsfold

    ftsfold.create_triggers(db.conn)
    ftsfold.rebuild(db.conn)


@migrations()
def m021_readcmds_article_when(db: sqlite_utils.Database) -> None:
    """Articles by date (publication, else first stored): readers' lists run newest first."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_when ON articles(coalesce(published_at, first_seen_at))"
    )


@migrations()
def m030_alerts_ledger(db: sqlite_utils.Database) -> None:
    """The alerts' ledger: when each alert started, each channel's retry state and lease, and the
    stories each channel accepted (crawler.store.sql.alerts)."""
    db.execute(_table("alerts"))
    db.execute(_table("alert_channels"))
    db.execute(_table("alert_deliveries"))
    # The stories of an alert run are the relevant ones first seen since its start.
    db.execute("CREATE INDEX idx_articles_relevant_first_seen ON articles(relevant, first_seen_at)")


@migrations()
def m040_archives_read_windows(db: sqlite_utils.Database) -> None:
    """The window start each feed or sitemap was last read in full with (crawler.firstcrawl.reaches_further_back)."""
    # Beside http_validators rather than in it: a document without validators
    # still has a window, and the validators' writes stay as they are.
    db.execute(_table("read_windows"))


@migrations()
def m041_archives_captures(db: sqlite_utils.Database) -> None:
    """Backfill from web archives: where an article's text came from, and the ledger of captures."""
    # archive: NULL for a page read live; captured_at: when the archive took
    # the copy (fetched_at stays when newsmon read it).
    db.execute("ALTER TABLE articles ADD COLUMN archive TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN captured_at TEXT")
    # One row per (archive, URL): what a listing found and whether its bytes
    # were fetched, so an interrupted backfill resumes and never fetches twice.
    db.execute(_table("archive_captures"))
    db.execute("CREATE INDEX idx_archive_captures_source ON archive_captures(source, state)")


@migrations()
def m042_archives_listings(db: sqlite_utils.Database) -> None:
    """Backfill: how far each listing got (resumed after a kill), and where Common Crawl keeps a capture."""
    # location: "filename offset length" of the capture's WARC record, for
    # archives whose index says it (Common Crawl); NULL for the Wayback Machine.
    db.execute("ALTER TABLE archive_captures ADD COLUMN location TEXT")
    db.execute(LISTINGS_TABLE)


@migrations()
def m050_freshness_polls(db: sqlite_utils.Database) -> None:
    """Adaptive polling and lags: each feed's polls, the entries feeds listed, each new article's lag."""
    from crawler.store.sql.freshness import FRESHNESS_TABLES, SQLITE_DAY_AGO, freshness_query

    for statement in FRESHNESS_TABLES:
        db.execute(statement.format(**SQLITE_TYPES))
    # Medians per source over the last day, for datasette and sqlite-utils users.
    db.execute(f"CREATE VIEW freshness AS {freshness_query(SQLITE_DAY_AGO)}")


FTS_WITH_PREFIXES = (
    'CREATE VIRTUAL TABLE "articles_fts" USING FTS5 ("title", "body", '
    "tokenize='unicode61 remove_diacritics 2', content=\"articles\", prefix='2 3')"
)


@migrations()
def m060_fts_prefix_index(db: sqlite_utils.Database) -> None:
    """Two- and three-letter prefix indexes on ``articles_fts``: ``ang*`` then reads one list
    instead of merging every indexed word that starts so (seconds at 500k articles without)."""
    from crawler.store.sqlite import ftsfold

    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if "prefix=" in sql:
        return
    folded = ftsfold.is_folded(db.conn)
    # The triggers name the table and outlive it: they index into the new one.
    db.execute("DROP TABLE articles_fts")
    db.execute(FTS_WITH_PREFIXES)
    if folded:
        ftsfold.rebuild(db.conn)
    else:
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migrations()
def m070_runs_node(db: sqlite_utils.Database) -> None:
    """The Scrapyd node and job that carry a run: a daemon restarted while the run goes on
    there follows it again instead of taking it for abandoned."""
    db.execute("ALTER TABLE crawl_runs ADD COLUMN node TEXT")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN node_job TEXT")


@migrations()
def m071_serve_article_topics(db: sqlite_utils.Database) -> None:
    """``article_topics``, one row per article and topic, kept by triggers and filled from the
    stored articles: ``newsmon serve`` counts and filters topics through it at 1M articles."""
    from crawler.store.sqlite import topics

    topics.create(db.conn)


@migrations()
def m072_serve_source_facet_index(db: sqlite_utils.Database) -> None:
    """The articles page's source facet counts an index of the source alone: a third of the
    (source, content_hash) index it read (as m011 did for the language facet)."""
    db.execute("CREATE INDEX idx_articles_source ON articles(source)")
