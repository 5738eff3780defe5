"""Dedup and storage pipelines together: URL variants, re-fetches, edits, copies, canonicals."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.store.sqlite.connection import connect
from pipelines.dedup import DedupPipeline, url_keys
from pipelines.storage import StoragePipeline

DATA = Path(__file__).parent / "data" / "dedup"
STORIES = {s["id"]: s for s in tomllib.loads((DATA / "corpus_en.toml").read_text("utf-8"))["story"]}
GAS = STORIES["en-gas-1"]["text"].strip()
GAS_ANALYSIS = STORIES["en-gas-2"]["text"].strip()
METRO = STORIES["en-metro-1"]["text"].strip()
URL = "https://massispost.com/2023/01/gas-cut-again/"


class Run:
    """One crawl's dedup and storage pipelines over a temporary database."""

    def __init__(self, db_path: Path, batch_size: int = 50):
        self.crawler = get_crawler(
            settings_dict={
                "NEWSMON_DB": str(db_path),
                "NEWSMON_DB_BATCH_SIZE": batch_size,
                "NEWSMON_DB_BATCH_SECONDS": 3600,
            }
        )
        self.dedup = DedupPipeline.from_crawler(self.crawler)
        self.storage = StoragePipeline.from_crawler(self.crawler)
        self.dedup.open_spider()
        self.storage.open_spider()

    def send(self, item: ArticleItem) -> bool:
        """True when the item reached storage, False when dedup dropped it."""
        try:
            self.storage.process_item(self.dedup.process_item(item))
        except DropItem:
            return False
        return True

    def close(self) -> dict:
        self.storage.close_spider()
        self.dedup.close_spider()
        return self.crawler.stats.get_stats()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "newsmon.db"


def article(url: str = URL, body: str = GAS, source: str = "massispost", **kw) -> ArticleItem:
    kw.setdefault("title", "Gas supply cut again")
    kw.setdefault("fetched_at", "2023-01-17T12:00:00+00:00")
    return ArticleItem(url=url, source=source, body=body, **kw)


def rows(db_path: Path, sql: str, params=()) -> list[tuple]:
    db = connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def test_url_variants_map_to_one_row(db_path):
    run = Run(db_path)
    assert run.send(article(request_url="https://massispost.com/?p=4711", canonical_url=URL))
    variants = [
        "http://www.massispost.com/2023/01/gas-cut-again",
        "https://massispost.com/2023/01/gas-cut-again/?utm_source=rss&utm_medium=rss",
        "https://massispost.com/2023/01/gas-cut-again/amp/",
        "https://m.massispost.com/2023/01/gas-cut-again/#respond",
        "https://massispost.com/?p=4711",
    ]
    assert not any(run.send(article(url=v)) for v in variants)
    stats = run.close()
    assert rows(db_path, "SELECT count(*) FROM articles") == [(1,)]
    assert stats["dedup/dropped/same_url"] == len(variants)
    assert stats["source/massispost/duplicates"] == len(variants)
    assert rows(db_path, "SELECT url_key FROM url_aliases") == [("https://massispost.com/?p=4711",)]


def test_url_variants_are_recognised_in_a_later_run(db_path):
    first = Run(db_path)
    first.send(article())
    first.close()
    second = Run(db_path)
    assert not second.send(article(url=URL + "?fbclid=abc"))
    assert second.close()["dedup/dropped/same_url"] == 1


def test_changed_text_updates_the_row_and_keeps_the_earlier_version(db_path):
    first = Run(db_path)
    first.send(article(published_raw="2023-01-17", published_at="2023-01-17T07:20:00+00:00"))
    first.close()
    before = rows(db_path, "SELECT id, content_hash, modified_at, story_id FROM articles")[0]

    edited = GAS + "\n\nUpdate: Artsakhgas said supplies were restored at 18:00."
    second = Run(db_path)
    assert second.send(
        article(url=URL + "?utm_source=tg", body=edited, fetched_at="2023-01-17T15:00:00+00:00")
    )
    assert not second.send(article(body=edited))  # the same edit seen again in this run
    stats = second.close()

    after = rows(
        db_path, "SELECT id, content_hash, modified_at, story_id, body, published_at FROM articles"
    )
    assert len(after) == 1
    article_id, new_hash, modified_at, story_id, body, published_at = after[0]
    assert article_id == before[0] and story_id == before[3]
    assert new_hash != before[1] and body.endswith("18:00.")
    assert modified_at == "2023-01-17T15:00:00+00:00" and before[2] is None
    assert published_at == "2023-01-17T07:20:00+00:00"  # kept: the re-fetch had no date
    versions = rows(db_path, "SELECT article_id, body, content_hash FROM article_versions")
    assert versions == [(article_id, GAS, before[1])]
    assert stats["dedup/changed"] == 1 and stats["storage/updated"] == 1
    assert stats["source/massispost/articles_updated"] == 1

    third = Run(db_path)
    assert not third.send(article(body=edited))  # unchanged now
    assert third.close()["dedup/dropped/same_url"] == 1


def test_update_sets_existing_id(db_path):
    run = Run(db_path, batch_size=1)
    run.send(article())
    item = article(body=GAS + "\n\nCorrection: the outage began at 8 a.m.")
    run.dedup.process_item(item)
    assert item.existing_id == rows(db_path, "SELECT id FROM articles")[0][0]
    run.close()


def test_same_text_under_another_url_of_the_same_source_is_dropped(db_path):
    run = Run(db_path)
    assert run.send(article())
    assert not run.send(article(url="https://massispost.com/armenia/gas-cut-again-2/"))
    assert run.close()["dedup/dropped/same_text"] == 1


def test_copies_at_other_outlets_share_the_story_and_independent_reports_do_not(db_path):
    run = Run(db_path, batch_size=2)  # the copy lands in the original's batch or the next
    assert run.send(article())
    assert run.send(
        article(
            url="https://asbarez.com/gas-cut/",
            source="asbarez",
            body="STEPANAKERT — " + GAS + "\n\nSource: MassisPost",
        )
    )
    assert run.send(
        article(
            url="https://www.civilnet.am/en/news/1/",
            source="civilnet",
            body=GAS.rsplit("\n\n", 2)[0],
        )
    )
    assert run.send(
        article(url="https://oc-media.org/karabakh-gas/", source="ocmedia", body=GAS_ANALYSIS)
    )
    stats = run.close()
    found = dict(rows(db_path, "SELECT source, story_id FROM articles"))
    assert found["asbarez"] == found["civilnet"] == found["massispost"]
    assert found["ocmedia"] != found["massispost"]
    assert stats["stories/joined"] == 2 and stats["stories/new"] == 2


def test_exact_copy_in_the_same_batch_joins_the_story(db_path):
    run = Run(db_path, batch_size=50)
    run.send(article())
    run.send(article(url="https://asbarez.com/gas-cut/", source="asbarez"))
    run.close()
    assert len({story for (story,) in rows(db_path, "SELECT story_id FROM articles")}) == 1


def test_canonical_on_another_site_is_not_the_key(db_path):
    run = Run(db_path)
    run.send(article())
    # A syndicating outlet pointing its canonical at the original: its own row.
    copy = article(url="https://asbarez.com/gas-cut/", source="asbarez", canonical_url=URL)
    assert url_keys(copy) == ("https://asbarez.com/gas-cut", [])
    assert run.send(copy)
    run.close()
    assert rows(db_path, "SELECT count(*) FROM articles") == [(2,)]


def test_canonical_naming_the_front_page_is_not_the_key(db_path):
    item = article(canonical_url="https://massispost.com/")
    assert url_keys(item)[0] == "https://massispost.com/2023/01/gas-cut-again"


def test_a_canonical_shared_by_different_texts_is_ignored(db_path):
    # A site whose every page names one section page as its canonical.
    section = "https://news.example/politics/"
    run = Run(db_path, batch_size=1)
    assert run.send(
        article(url="https://news.example/politics/1", source="news", canonical_url=section)
    )
    assert run.send(
        article(
            url="https://news.example/politics/2", source="news", body=METRO, canonical_url=section
        )
    )
    stats = run.close()
    assert stats["dedup/canonical_ignored"] == 1
    assert sorted(rows(db_path, "SELECT url_key FROM articles")) == [
        ("https://news.example/politics",),
        ("https://news.example/politics/2",),
    ]
    # ... also when both pages arrive before the first batch is written.
    other = Run(db_path.with_name("other.db"))
    other.send(article(url="https://news.example/politics/1", source="news", canonical_url=section))
    assert other.send(
        article(
            url="https://news.example/politics/2", source="news", body=METRO, canonical_url=section
        )
    )
    assert other.close()["dedup/canonical_ignored"] == 1


@pytest.mark.parametrize("batch_size", [1, 50], ids=["written", "pending"])
def test_canonical_with_edited_text_is_an_update(db_path, batch_size):
    run = Run(db_path, batch_size=batch_size)
    run.send(article(url=URL + "?utm_source=x", canonical_url=URL))
    edited = GAS + "\n\nUpdate: supplies resumed."
    assert run.send(article(url="https://massispost.com/?p=4711", body=edited, canonical_url=URL))
    stats = run.close()
    assert "dedup/canonical_ignored" not in stats and stats["storage/updated"] == 1
    assert rows(db_path, "SELECT count(*) FROM articles") == [(1,)]
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(1,)]


def test_a_non_http_url_is_dropped_with_a_count(db_path):
    run = Run(db_path)
    assert not run.send(article(url="ftp://news.example/a"))
    assert run.close()["dedup/dropped/bad_url"] == 1
