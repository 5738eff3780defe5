"""``article_topics``: one row per (article, topic) of ``articles.topics``, kept by triggers.

The topics of an article are a JSON list in ``articles.topics`` (what the
relevance pipeline and ``newsmon rescore`` write). Counting them over a set
of articles unnests every list of the set, row by row: ≈ 0.7 s per million
articles. Only relevant articles have topics (8% of a collection), so the
same counts read through this table touch those rows only, and a topic's
articles are an index range (``newsmon serve``'s topics facet and filter).

Triggers keep the table right on every write, whichever code path writes
(crawl, rescore, bulk load, export into a subset, sqlite-utils): a row whose
``topics`` is not a JSON list of strings gets no topic rows (rescore counts
and rewrites such a row; the write itself is not refused).
"""

from __future__ import annotations

import sqlite3

TABLE = "article_topics"

# json_each(NULL) is empty: a cell that is not a JSON list yields no rows
# (json_type would raise on malformed JSON, hence the nested CASE).
_ELEMENTS = (
    "json_each(CASE WHEN json_valid({col}) THEN "
    "CASE WHEN json_type({col}) = 'array' THEN {col} END END) AS jt"
)
_ROWS_OF = (
    "INSERT OR IGNORE INTO article_topics (article_id, topic) "
    "SELECT {id}, jt.value FROM " + _ELEMENTS + " WHERE jt.type = 'text'"
)

STATEMENTS = (
    """
    CREATE TABLE article_topics (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        topic TEXT NOT NULL,
        PRIMARY KEY (article_id, topic)
    ) WITHOUT ROWID
    """,
    # A topic's articles, and the counts per topic, read this index alone.
    "CREATE INDEX idx_article_topics_topic ON article_topics(topic, article_id)",
    f"""
    CREATE TRIGGER article_topics_ai AFTER INSERT ON articles
    WHEN new.topics <> '[]' BEGIN
      {_ROWS_OF.format(id="new.id", col="new.topics")};
    END
    """,
    f"""
    CREATE TRIGGER article_topics_au AFTER UPDATE OF topics ON articles
    WHEN old.topics IS NOT new.topics BEGIN
      DELETE FROM article_topics WHERE article_id = old.id;
      {_ROWS_OF.format(id="new.id", col="new.topics")};
    END
    """,
    """
    CREATE TRIGGER article_topics_ad AFTER DELETE ON articles BEGIN
      DELETE FROM article_topics WHERE article_id = old.id;
    END
    """,
)

BACKFILL = (
    "INSERT OR IGNORE INTO article_topics (article_id, topic) "
    "SELECT a.id, jt.value FROM articles a, " + _ELEMENTS.format(col="a.topics") + " "
    "WHERE a.topics <> '[]' AND jt.type = 'text'"
)


def create(conn: sqlite3.Connection) -> None:
    """Create the table and its triggers, and fill it from the stored articles."""
    for statement in STATEMENTS:
        conn.execute(statement)
    conn.execute(BACKFILL)
