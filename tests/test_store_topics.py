"""``article_topics`` (crawler/store/sqlite/topics.py, crawler/store/postgres/topics.py): one row
per article and topic, right after every kind of write, on both backends."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from crawler.store import ArticleFilter, open_store

COLUMNS = ("url", "url_key", "source", "title", "body", "fetched_at", "first_seen_at")
COLUMNS += ("content_hash", "relevant", "topics")


def article(n: int, topics) -> dict:
    return {
        "url": f"https://wire.example/a/{n}",
        "url_key": f"wire.example/a/{n}",
        "source": "wire",
        "title": f"Title {n}",
        "body": f"Body {n}.",
        "fetched_at": "2024-01-01T00:00:00+00:00",
        "first_seen_at": "2024-01-01T00:00:00+00:00",
        "content_hash": f"h{n}",
        "relevant": int(bool(topics)),
        "topics": topics if isinstance(topics, str) else json.dumps(topics),
    }


def topic_rows(store) -> set[tuple[int, str]]:
    return {
        (int(a), t) for a, t in store.conn.execute("SELECT article_id, topic FROM article_topics")
    }


@pytest.fixture
def store(store_db):
    opened = open_store(store_db)
    yield opened
    opened.close()


def test_every_write_keeps_article_topics(store):
    with store.write() as tx:
        one = tx.insert_article(article(1, ["blockade", "peacekeepers"]), None)
        two = tx.insert_article(article(2, []), None)
        tx.load_articles(COLUMNS, [tuple(article(3, ["blockade"]).values())])
    three = store.find_article(["wire.example/a/3"]).id
    assert topic_rows(store) == {(one, "blockade"), (one, "peacekeepers"), (three, "blockade")}
    with store.write() as tx:
        tx.update_article(one, {"topics": '["peacekeepers"]', "relevant": 1})
        assert tx.set_relevance(
            two, content_hash="h2", title="Title 2", relevant=True,
            topics='["blockade"]', topic_terms="{}", score=1.0,
        )  # fmt: skip
        assert tx.set_relevance(
            three, content_hash="h3", title="Title 3", relevant=False,
            topics="[]", topic_terms="{}", score=0.0,
        )  # fmt: skip
        # A write that leaves the topics alone leaves their rows alone.
        tx.update_article(one, {"title": "Title 1 (updated)"})
    assert topic_rows(store) == {(one, "peacekeepers"), (two, "blockade")}


@pytest.mark.parametrize(
    "stored, expected",
    [
        ('["a", "a", "b"]', {"a", "b"}),  # a repeated topic counts once
        ('["a", 3, null, ["x"]]', {"a"}),  # only strings are topic names
        ('"a"', set()),  # not a list
        ("{not json", set()),  # unreadable (rescore rewrites it): the write still goes through
        ("", set()),
    ],
)
def test_cells_that_are_not_a_list_of_names(store, stored, expected):
    with store.write() as tx:
        article_id = tx.insert_article(article(1, stored), None)
    assert topic_rows(store) == {(article_id, t) for t in expected}
    with store.write() as tx:
        tx.update_article(article_id, {"topics": '["c"]'})
        tx.update_article(article_id, {"topics": stored})
    assert topic_rows(store) == {(article_id, t) for t in expected}


UNDO_MIGRATION = {
    "sqlite": [
        "DROP TRIGGER article_topics_ai",
        "DROP TRIGGER article_topics_au",
        "DROP TRIGGER article_topics_ad",
        "DROP TABLE article_topics",
        "DELETE FROM _sqlite_migrations WHERE name = 'm071_serve_article_topics'",
    ],
    "postgresql": [
        "DROP TABLE article_topics",
        "DROP FUNCTION newsmon_article_topics() CASCADE",
        "DROP FUNCTION newsmon_topic_list(TEXT)",
        "DELETE FROM schema_migrations WHERE name = 'm008_serve_article_topics'",
    ],
}


def test_the_migration_fills_the_table_from_the_stored_articles(store_db):
    backend = "postgresql" if store_db.startswith("postgres") else "sqlite"
    with open_store(store_db) as store, store.write() as tx:
        for statement in UNDO_MIGRATION[backend]:  # a database from before the table
            tx.conn.execute(statement)
        ids = [tx.insert_article(article(n, topics), None) for n, topics in enumerate(
            (["blockade"], [], ["blockade", "peacekeepers"], "{not json")
        )]  # fmt: skip
    with open_store(store_db) as store:
        assert topic_rows(store) == {
            (ids[0], "blockade"), (ids[2], "blockade"), (ids[2], "peacekeepers")
        }  # fmt: skip
        with store.write() as tx:  # and keeps it from then on
            tx.update_article(ids[1], {"topics": '["peacekeepers"]'})
        assert (ids[1], "peacekeepers") in topic_rows(store)


@contextmanager
def statements(store) -> Iterator[list[str]]:
    """The SQL ``store`` runs inside the block."""
    seen: list[str] = []
    if isinstance(store.conn, sqlite3.Connection):
        store.conn.set_trace_callback(seen.append)
        try:
            yield seen
        finally:
            store.conn.set_trace_callback(None)
        return
    from crawler.store.postgres.connection import QmarkConnection

    plain = QmarkConnection.sql
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QmarkConnection, "sql", staticmethod(lambda s: seen.append(s) or plain(s)))
        yield seen


def topic_answers(store) -> dict:
    """What every topic filter of the readers and the alerts answers."""
    answers: dict = {"known": store.known_values("topics")}
    for topic in ("blockade", "peacekeepers", "sanctions"):
        selected = ArticleFilter(topic=topic)
        answers[topic] = (
            [r["id"] for r in store.export_articles(selected)],
            [(s.story_id, s.first_seen, s.articles) for s in store.stories(selected)],
            [(s.story_id, s.articles) for s in store.stories(selected, limit=1)],
            [h.id for h in store.search_stories("Body", selected)],
            [s.story_id for s in store.alert_stories(topics=[topic])],
            store.has_value("topics", topic),
        )
    return answers


def test_a_store_read_before_the_table_filters_by_the_json_lists_alike(store_db, tmp_path):
    """Reading commands open a store read-only, never migrating it: a copy made before
    m071 / m008 is read through its JSON lists, with the same answers."""
    backend = "postgresql" if store_db.startswith("postgres") else "sqlite"
    with open_store(store_db) as store, store.write() as tx:
        first = tx.insert_article(article(1, ["blockade"]), None)
        tx.insert_article(article(2, ["blockade", "peacekeepers"]), first)
        tx.insert_article(article(3, []), first)
        tx.insert_article(article(4, ["peacekeepers"]), None)
        tx.update_article(tx.insert_article(article(5, ["blockade"]), None), {"topics": "[]"})
    with open_store(store_db, read_only=True) as store, statements(store) as seen:
        through_table = topic_answers(store)
    assert any("FROM article_topics" in s for s in seen)
    assert not any("json_each" in s or "jsonb_array" in s for s in seen)
    assert through_table["blockade"][0] == [first, first + 1]
    with open_store(store_db) as store, store.write() as tx:
        for statement in UNDO_MIGRATION[backend]:
            tx.conn.execute(statement)
    with open_store(store_db, read_only=True) as store, statements(store) as seen:
        assert topic_answers(store) == through_table
    assert not any("FROM article_topics" in s for s in seen)
    # A subset written from it is a new, migrated store: the table is there again.
    subset = tmp_path / "subset.db"
    with open_store(store_db, read_only=True) as store:
        store.export_subset(str(subset), ArticleFilter(topic="peacekeepers"))
    with open_store(subset, read_only=True) as handed:
        assert topic_rows(handed) == {(first + 1, "blockade"), (first + 1, "peacekeepers"),
                                      (first + 3, "peacekeepers")}  # fmt: skip


def test_sqlite_reads_a_topic_by_its_index_or_probes_it_as_each_statement_meets_articles(tmp_path):
    """The plans the two spellings exist for (crawler/store/sql/topics.py): an export reads
    the topic's index range in id order; the walk down the date index and the lookup of a
    story's copies probe the table per article instead of building the topic's list."""
    with open_store(str(tmp_path / "news.db")) as store:
        with store.write() as tx:
            for n in range(1, 6):
                tx.insert_article(article(n, ["blockade"] if n % 2 else ["peacekeepers"]), None)
        selected = ArticleFilter(topic="blockade")
        with statements(store) as seen:
            assert len(list(store.export_articles(selected))) == 3
            assert len(list(store.stories(selected, limit=2))) == 2
        plans = {
            sql: " / ".join(row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in seen
            if "FROM article_topics" in sql
        }
    (export,) = [plan for sql, plan in plans.items() if sql.endswith("ORDER BY a.id")]
    assert "idx_article_topics_topic" in export and "TEMP B-TREE" not in export
    (walk,) = [plan for sql, plan in plans.items() if " DESC LIMIT " in sql]
    assert "idx_articles_when" in walk and "tp USING PRIMARY KEY" in walk
    assert "TEMP B-TREE" not in walk
    copies = [plan for sql, plan in plans.items() if sql.startswith("SELECT min(")]
    assert copies and all("idx_articles_story" in p and "LIST SUBQUERY" not in p for p in copies)
