"""``article_topics`` on PostgreSQL: SQLite's table (:mod:`crawler.store.sqlite.topics`), kept
by a trigger function the same way, so that both schemas hold the same rows.

No ``?`` or ``%`` below: :class:`~crawler.store.postgres.connection.QmarkConnection`
would rewrite them.
"""

from __future__ import annotations

from crawler.store.postgres.connection import QmarkConnection

STATEMENTS = (
    """
    CREATE TABLE article_topics (
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        PRIMARY KEY (article_id, topic)
    )
    """,
    "CREATE INDEX idx_article_topics_topic ON article_topics(topic, article_id)",
    # The strings of a JSON list; nothing for a cell that is not one (rescore
    # counts and rewrites such a row; the write itself is not refused).
    """
    CREATE FUNCTION newsmon_topic_list(topics TEXT) RETURNS SETOF TEXT
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
      RETURN QUERY SELECT DISTINCT e #>> '{}' FROM jsonb_array_elements(topics::jsonb) AS e
        WHERE jsonb_typeof(e) = 'string';
    EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
      RETURN;
    END $$
    """,
    """
    CREATE FUNCTION newsmon_article_topics() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM article_topics WHERE article_id = OLD.id;
      END IF;
      IF NEW.topics <> '[]' THEN
        INSERT INTO article_topics (article_id, topic)
        SELECT NEW.id, t FROM newsmon_topic_list(NEW.topics) AS t;
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER article_topics_ai AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION newsmon_article_topics()
    """,
    """
    CREATE TRIGGER article_topics_au AFTER UPDATE OF topics ON articles
    FOR EACH ROW WHEN (OLD.topics IS DISTINCT FROM NEW.topics)
    EXECUTE FUNCTION newsmon_article_topics()
    """,
)

BACKFILL = (
    "INSERT INTO article_topics (article_id, topic) "
    "SELECT a.id, t FROM articles a, newsmon_topic_list(a.topics) AS t WHERE a.topics <> '[]'"
)


def create(conn: QmarkConnection) -> None:
    """Create the table, its function and triggers, and fill it from the stored articles."""
    for statement in STATEMENTS:
        conn.execute(statement)
    conn.execute(BACKFILL)
