"""What only the PostgreSQL backend does: its migrations table, ids after a bulk load, messages."""

from __future__ import annotations

import psycopg
import pytest

from crawler.store import StoreError, open_store, store_exists
from crawler.store.postgres.connection import redacted
from crawler.store.postgres.schema import MIGRATIONS
from tests.conftest import one_line_error, run_newsmon
from tests.serve_helpers import BLOCKADE, build_fixture_db, get_json, serving
from tests.test_store_contract import row


def test_migrations_are_recorded_once(postgres_url):
    for _ in range(2):
        open_store(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM schema_migrations")]
    assert names == [m.__name__ for m in MIGRATIONS]


def test_an_empty_database_is_no_store_until_migrated(postgres_url):
    assert not store_exists(postgres_url)
    with pytest.raises(StoreError, match="no newsmon tables"):
        open_store(postgres_url, read_only=True)
    open_store(postgres_url).close()
    assert store_exists(postgres_url)


def test_read_only_refuses_writes(postgres_url):
    open_store(postgres_url).close()
    with open_store(postgres_url, read_only=True) as store:
        with pytest.raises(StoreError, match="read-only"), store.write() as tx:
            tx.insert_article(row(1), None)


def test_articles_stored_before_the_translation_index_are_signed_by_its_migration(postgres_url):
    from crawler.store.postgres import connection, schema
    from crawler.store.postgres.store import PostgresTransaction

    conn = connection.connect(postgres_url)
    try:
        with conn.raw.transaction():  # a database of the first release: m001 only
            conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            schema.m001_initial(conn)
            conn.execute("INSERT INTO schema_migrations VALUES ('m001_initial', 'then')")
            PostgresTransaction(conn).insert_article(
                row(1, title="Lachin corridor closed", body="Traffic stopped.", language="en"), None
            )
    finally:
        conn.close()
    with open_store(postgres_url) as store:
        (signed,) = store.translation_signatures([1], other_than=None)
        assert signed[0] == 1 and signed[4] == "wire"  # the family is the source
        assert store.read_windows() == {}


def test_articles_indexed_before_the_folds_are_reindexed_by_their_migration(postgres_url):
    from crawler.store.postgres import connection, schema
    from crawler.store.postgres.store import PostgresTransaction

    conn = connection.connect(postgres_url)
    try:
        with conn.raw.transaction():  # a database before m004: the vector without the folds
            conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            for migration in schema.MIGRATIONS[:3]:
                migration(conn)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, 'then')", [migration.__name__]
                )
            tx = PostgresTransaction(conn)
            tx.insert_article(row(1, title="Laçın yolu", body="Vəziyyət sabitdir."), None)
            tx.insert_article(row(2, title="Lachin road", body="Calm."), None)
            conn.execute(
                "UPDATE articles SET search_vector = to_tsvector('simple', title || ' ' || body)"
            )
    finally:
        conn.close()
    with open_store(postgres_url) as store:
        assert [hit["id"] for hit in store.search("Lacin OR veziyyet")] == [1]
        assert [hit["id"] for hit in store.search("lachin")] == [2]  # left as it was


def test_ids_after_a_bulk_load_with_ids_are_fresh(postgres_url):
    columns = list(row(1)) + ["id", "story_id"]
    with open_store(postgres_url) as store:
        with store.write() as tx:
            tx.load_articles(columns, [[*row(n).values(), n, n] for n in (5, 9)])
        with store.write() as tx:
            new = tx.insert_article(row(10), None)
        assert new > 9 and store.find_article(["wire.example/a/10"]).story_id == new


def test_a_password_never_shows(postgres_server):
    assert redacted("postgresql://me:s3cr%40t@db.example:5432/news") == (
        "postgresql://me:***@db.example:5432/news"
    )
    result = run_newsmon("status", "--db", "postgresql://me:s3cret@127.0.0.1:1/news")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "s3cret" not in result.stderr
    assert "Connection refused" in result.stderr or "connection" in result.stderr


def test_serve_on_postgresql_says_in_one_line_how_to_serve_a_copy():
    url = "postgresql://me:s3cret@127.0.0.1:1/news"
    line = one_line_error(run_newsmon("serve", "--db", url))
    assert "s3cret" not in line and "newsmon serve reads a SQLite file" in line
    assert "newsmon export --format sqlite --db postgresql://me:***@127.0.0.1:1/news" in line
    assert line.endswith("then newsmon serve --db newsmon.db")


@pytest.mark.slow
def test_a_postgresql_collection_exported_to_sqlite_is_served(postgres_url, tmp_path):
    build_fixture_db(postgres_url)
    out = tmp_path / "copy.db"
    exported = run_newsmon("export", "--format", "sqlite", "--db", postgres_url, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == f"6 article(s) written to {out}\n"
    with serving(out) as base:
        stories = get_json(f"{base}/newsmon/relevant_stories.json?_shape=array&topic={BLOCKADE}")
        assert [s["story_id"] for s in stories] == [6, 1]
        found = get_json(f"{base}/newsmon/articles.json?_search=Hakari&_shape=array")
        assert [a["id"] for a in found] == [6]
        (version,) = get_json(f"{base}/newsmon/article_versions.json?article_id=1&_shape=array")
        assert version["title"] == "Lachin corridor blocked again"


def test_readers_rows_come_from_a_server_side_cursor(postgres_url):
    with open_store(postgres_url) as store:
        with store.write() as tx:
            for n in range(3):
                tx.insert_article(row(n), None)

        def open_cursors() -> int:
            return store.conn.execute("SELECT count(*) FROM pg_cursors").fetchone()[0]

        for rows in (store.export_articles(), store.stories()):
            next(rows)  # the client holds a batch; the rest waits in the server
            assert open_cursors() == 1
            rows.close()
            assert open_cursors() == 0
        assert [a["id"] for a in store.export_articles()] == [1, 2, 3]


def test_the_freshness_view_gives_the_medians_of_the_last_day(postgres_url):
    from datetime import UTC, datetime, timedelta

    from crawler.polling import iso
    from crawler.store.values import ArticleLag

    now = datetime.now(UTC)
    with open_store(postgres_url) as store:
        with store.write() as tx:
            ids = [tx.insert_article(row(n), None) for n in range(3)]
        store.record_lags(
            [
                ArticleLag(ids[0], "wire", iso(now), lag_feed_s=60.0),
                ArticleLag(ids[1], "wire", iso(now), lag_feed_s=180.0, lag_publication_s=5.0),
                ArticleLag(ids[2], "wire", iso(now - timedelta(days=2)), lag_feed_s=9999.0),
            ]
        )
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT * FROM freshness").fetchall()
    assert [tuple(r[:4]) for r in rows] == [("wire", 2, 5.0, 120.0)]
