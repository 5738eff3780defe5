"""The PostgreSQL schema, versioned: each migration runs once, recorded in ``schema_migrations``.

Migrations run in one transaction under an advisory lock, so that two
processes opening a new database at once do not both create it. Never edit
an applied migration: add one (they run in the order of :data:`MIGRATIONS`).
The tables and columns are SQLite's (times are ISO 8601 text, flags 0/1),
so that rows read alike from both backends; the full-text index is a
``tsvector`` column that the store fills (see :mod:`crawler.store.textsearch`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crawler.store.base import utcnow_iso
from crawler.store.postgres.connection import QmarkConnection, advisory_key
from crawler.store.tables import POSTGRES_TYPES, create_table

MIGRATE_LOCK = advisory_key("newsmon:migrate")


def _table(name: str, more: list[str] | None = None) -> str:
    return create_table(name, POSTGRES_TYPES, more=more or ())


_INITIAL = [
    _table("articles", more=["search_vector TSVECTOR"]),
    "CREATE INDEX idx_articles_source_published ON articles(source, published_at)",
    "CREATE INDEX idx_articles_published ON articles(published_at)",
    "CREATE INDEX idx_articles_story ON articles(story_id)",
    "CREATE INDEX idx_articles_source_hash ON articles(source, content_hash)",
    "CREATE INDEX idx_articles_relevant ON articles(relevant, published_at)",
    "CREATE INDEX idx_articles_search ON articles USING GIN (search_vector)",
    _table("url_aliases"),
    "CREATE INDEX idx_url_aliases_article ON url_aliases(article_id)",
    _table("article_versions"),
    "CREATE INDEX idx_article_versions_article ON article_versions(article_id)",
    _table("crawl_runs", more=["host TEXT", "pid_started DOUBLE PRECISION"]),
    "CREATE INDEX idx_crawl_runs_started ON crawl_runs(started_at)",
    _table("crawl_run_sources"),
    "CREATE INDEX idx_crawl_run_sources_source ON crawl_run_sources(source, run_id)",
    _table("http_validators"),
    _table("story_bands"),
    _table("story_paragraphs"),
    _table("first_crawls"),
    # Who holds an advisory lock (the lock itself lives in the server's memory).
    """
    CREATE TABLE lock_holders (
        name TEXT PRIMARY KEY,
        pid INTEGER,
        run_id BIGINT,
        since TEXT NOT NULL,
        backend_pid INTEGER NOT NULL
    )
    """,
]


_TRANSLATIONS_ARCHIVES = [
    _table("translation_keys"),
    _table("translation_signatures"),
    _table("story_links"),
    "CREATE INDEX idx_story_links_story ON story_links(story_id)",
    _table("read_windows"),
    "ALTER TABLE articles ADD COLUMN archive TEXT",
    "ALTER TABLE articles ADD COLUMN captured_at TEXT",
    _table("archive_captures"),
    "CREATE INDEX idx_archive_captures_source ON archive_captures(source, state)",
]


def m001_initial(conn: QmarkConnection) -> None:
    """Every table of the SQLite schema at its fifth migration, plus the lock holders."""
    for statement in _INITIAL:
        conn.execute(statement)


def m002_translations_archives(conn: QmarkConnection) -> None:
    """SQLite's m006 (the translation index), m040 and m041 (backfill): their tables and columns."""
    # Imported here: only this migration needs the signature code (and the
    # store module imports this one).
    from crawler.store.postgres.store import PostgresTransaction
    from crawler.stories import StoryIndex, TranslationIndex
    from crawler.translations import signature

    for statement in _TRANSLATIONS_ARCHIVES:
        conn.execute(statement)
    # Articles stored before the index existed are signed once, here; their
    # family is their source (the sources file is not read by migrations).
    tx = PostgresTransaction(conn)
    index, text = TranslationIndex(tx), StoryIndex(tx)
    rows = conn.execute("SELECT id, source, language, title, body FROM articles ORDER BY id")
    for article_id, source, language, title, body in rows.fetchall():
        index.add(article_id, signature(title, text.story_text(body, source), language), source)


_ALERTS_READING = [
    _table("alerts"),
    _table("alert_channels"),
    _table("alert_deliveries"),
    # The stories of an alert run are the relevant ones first seen since its start.
    "CREATE INDEX idx_articles_relevant_first_seen ON articles(relevant, first_seen_at)",
    # Readers' lists run newest first by this expression (written the same in the queries),
    # ties by id: the story search walks it backwards and stops at its limit.
    "CREATE INDEX idx_articles_when ON articles ((COALESCE(published_at, first_seen_at)), id)",
]


def m003_alerts_reading(conn: QmarkConnection) -> None:
    """SQLite's m030 (the alerts' ledger) and m021 (articles by date, for the reading commands)."""
    for statement in _ALERTS_READING:
        conn.execute(statement)


_REINDEX_BATCH = 1000


def m004_search_index_folds(conn: QmarkConnection) -> None:
    """Index the letters FTS5's tokenizer leaves alone folded (``ı`` as ``i``, ``ə`` as ``e`` …),
    as SQLite's m020 does: ``Lacin`` then finds ``Laçın`` on both backends."""
    from crawler.store.ftsquery import INDEX_FOLDS
    from crawler.store.textsearch import tsvector_text

    # Only the articles holding such a letter get another vector; the rest keep theirs.
    touched = re.compile("[" + re.escape("".join(INDEX_FOLDS)) + "]")
    last = 0
    while rows := conn.execute(
        "SELECT id, title, body FROM articles WHERE id > ? ORDER BY id LIMIT ?",
        [last, _REINDEX_BATCH],
    ).fetchall():
        last = rows[-1][0]
        conn.executemany(
            "UPDATE articles SET search_vector = ?::tsvector WHERE id = ?",
            [
                (tsvector_text(title, body), article_id)
                for article_id, title, body in rows
                if touched.search(title) or touched.search(body)
            ],
        )


# No '%' here: QmarkConnection would double it.
PG_DAY_AGO = (
    "to_char((now() AT TIME ZONE 'UTC') - interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
)


def m005_freshness(conn: QmarkConnection) -> None:
    """SQLite's m050: feed polls, the entries feeds listed, lags, and the ``freshness`` view."""
    from crawler.store.sql.freshness import FRESHNESS_TABLES, freshness_query

    for statement in FRESHNESS_TABLES:
        conn.execute(statement.format(**POSTGRES_TYPES))
    conn.execute(f"CREATE VIEW freshness AS {freshness_query(PG_DAY_AGO)}")


def m006_archives_listings(conn: QmarkConnection) -> None:
    """SQLite's m042: how far each backfill listing got, and where Common Crawl keeps a capture."""
    from crawler.store.sql.archives import LISTINGS_TABLE

    conn.execute("ALTER TABLE archive_captures ADD COLUMN location TEXT")
    conn.execute(LISTINGS_TABLE)


def m007_runs_node(conn: QmarkConnection) -> None:
    """SQLite's m070: the Scrapyd node and job that carry a run."""
    conn.execute("ALTER TABLE crawl_runs ADD COLUMN node TEXT")
    conn.execute("ALTER TABLE crawl_runs ADD COLUMN node_job TEXT")


def m008_serve_article_topics(conn: QmarkConnection) -> None:
    """SQLite's m071: ``article_topics``, one row per article and topic, kept by a trigger."""
    from crawler.store.postgres import topics

    topics.create(conn)


MIGRATIONS: list[Callable[[QmarkConnection], None]] = [
    m001_initial,
    m002_translations_archives,
    m003_alerts_reading,
    m004_search_index_folds,
    m005_freshness,
    m006_archives_listings,
    m007_runs_node,
    m008_serve_article_topics,
]


def pending(conn: QmarkConnection) -> list[str]:
    """Names of the migrations not applied yet (all of them on a new database)."""
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
        return [m.__name__ for m in MIGRATIONS]
    done = {name for (name,) in conn.execute("SELECT name FROM schema_migrations")}
    return [m.__name__ for m in MIGRATIONS if m.__name__ not in done]


def apply_migrations(conn: QmarkConnection) -> None:
    """Create or upgrade the schema (idempotent, safe with concurrent processes)."""
    if not pending(conn):
        return
    with conn.raw.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATE_LOCK])
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        todo = set(pending(conn))  # again, under the lock: another process may have applied them
        for migration in MIGRATIONS:
            if migration.__name__ in todo:
                migration(conn)
                conn.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    [migration.__name__, utcnow_iso()],
                )
