"""Storage pipeline: batched writes, updates keep versions, stories, crawl-run counters."""

from __future__ import annotations

import json

from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.store import open_store
from crawler.store.sqlite.connection import connect
from pipelines.storage import StoragePipeline, store_articles

BODY = "Stepanakert residents queued for bread as the Lachin corridor stayed closed. " * 3


def item(n: int, body: str = BODY, **kw) -> ArticleItem:
    defaults = dict(
        url=f"https://news.example/a/{n}",
        source="news",
        title=f"Title {n}",
        body=body,
        url_key=f"https://news.example/a/{n}",
        content_hash=f"h{n}-{hash(body)}",
        authors=["A. Writer"],
        topics=["karabakh-blockade"],
        relevant=True,
        published_at="2023-01-12T10:05:00+00:00",
        published_raw="12 января 2023, 14:05",
        fetched_at="2023-01-12T11:00:00+00:00",
    )
    defaults.update(kw)
    return ArticleItem(**defaults)


def test_batches_are_written_every_n_items_and_at_close(tmp_path):
    db_path = tmp_path / "n.db"
    crawler = get_crawler(
        settings_dict={
            "NEWSMON_DB": str(db_path),
            "NEWSMON_DB_BATCH_SIZE": 3,
            "NEWSMON_DB_BATCH_SECONDS": 3600,
        }
    )
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    db = connect(db_path)
    for n in range(4):
        pipeline.process_item(item(n))
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3  # one batch of 3 written
    pipeline.close_spider()
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    assert crawler.stats.get_value("source/news/articles_new") == 4
    assert crawler.stats.get_value("source/news/relevant") == 4
    row = db.execute(
        "SELECT authors, topics, published_raw, story_id, id FROM articles WHERE url_key = ?",
        ["https://news.example/a/0"],
    ).fetchone()
    assert json.loads(row[0]) == ["A. Writer"] and json.loads(row[1]) == ["karabakh-blockade"]
    assert row[2] == "12 января 2023, 14:05"
    assert row[3] == row[4]  # a new story is its own
    assert (
        db.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'Stepanakert'"
        ).fetchone()[0]
        == 4
    )


def test_update_keeps_earlier_version_and_story_link(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    first = store_articles(store, [item(1)])
    original_id = first[0][2]
    copy = item(
        2,
        url="https://other.example/b",
        url_key="https://other.example/b",
        source="other",
        story_url="https://news.example/a/1",
    )
    assert store_articles(store, [copy])[0][1] == "new"
    story = db.execute(
        "SELECT story_id FROM articles WHERE url_key = 'https://other.example/b'"
    ).fetchone()[0]
    assert story == original_id

    changed = item(
        1, body=BODY + " Update: the road reopened for the Red Cross.", content_hash="changed"
    )
    result = store_articles(store, [changed])
    assert result[0][1] == "updated" and result[0][2] == original_id
    versions = db.execute(
        "SELECT body, content_hash FROM article_versions WHERE article_id = ?", [original_id]
    ).fetchall()
    assert versions == [(BODY.strip(), first[0][0].content_hash)]
    row = db.execute(
        "SELECT content_hash, modified_at FROM articles WHERE id = ?", [original_id]
    ).fetchone()
    assert row[0] == "changed" and row[1] is not None
    # the full-text index follows the new text, and only the new text
    assert db.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'reopened'"
    ).fetchall() == [(original_id,)]
    assert (
        db.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'Stepanakert'"
        ).fetchone()[0]
        == 2
    )
    assert store_articles(store, [changed])[0][1] == "unchanged"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2


def test_aliases_find_the_same_row(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    store_articles(store, [item(1, url_aliases=["https://news.example/a/1?amp"])])
    again = item(1, url_key="https://news.example/a/1?amp", content_hash="other")
    assert store_articles(store, [again])[0][1] == "updated"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
