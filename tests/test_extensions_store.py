"""One store per crawl: components share it through the crawler; the last to let go closes it."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.extensions.store import CrawlStore
from crawler.middlewares.conditional import ConditionalRequestsMiddleware
from crawler.middlewares.seen import SeenArticlesMiddleware
from crawler.store import StoreError, open_store
from pipelines.dedup import DedupPipeline
from pipelines.storage import StoragePipeline


@pytest.fixture
def crawler(tmp_path):
    return get_crawler(settings_dict={"NEWSMON_DB": str(tmp_path / "news.db")})


def test_components_share_one_store_opened_once_and_closed_by_the_last(crawler):
    storage, dedup = StoragePipeline.from_crawler(crawler), DedupPipeline.from_crawler(crawler)
    seen = SeenArticlesMiddleware.from_crawler(crawler)
    conditional = ConditionalRequestsMiddleware.from_crawler(crawler)
    shared = CrawlStore.of(crawler)
    assert shared.store is None  # building a component opens nothing
    storage.open_spider()
    dedup.open_spider()
    seen.spider_opened()
    conditional.spider_opened()
    store = shared.store
    assert store is not None and storage.store is dedup.store is seen.store is store
    storage.close_spider()
    dedup.close_spider()
    seen.spider_closed()
    assert shared.store is store and store.count_articles() == 0  # still open for the last user
    conditional.spider_closed(reason="finished")
    assert shared.store is None
    with pytest.raises(StoreError):
        store.count_articles()  # closed


def test_a_store_provided_by_the_command_is_left_open(crawler, tmp_path):
    with open_store(tmp_path / "news.db") as store:
        CrawlStore.provide(crawler, store)
        storage = StoragePipeline.from_crawler(crawler)
        storage.open_spider()
        assert storage.store is store
        storage.close_spider()
        assert store.count_articles() == 0  # the command closes it, not the crawl
