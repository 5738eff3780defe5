"""Skip article pages whose URL is already stored (incremental crawling)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.extensions.store import CrawlStore
from crawler.urls import url_key

logger = logging.getLogger(__name__)


def stored_fetched_at(store, url: str) -> str | None:
    """When the article at ``url`` (in any variant) was last fetched, or None if it is not stored."""
    key = url_key(url)
    if key is None:
        return None
    found = store.find_article([key])
    return found.fetched_at if found else None


def is_stored(store, url: str) -> bool:
    """True when ``url`` (in any variant) is an article's URL or alias."""
    return stored_fetched_at(store, url) is not None


class SeenArticlesMiddleware:
    """Ignores requests marked ``newsmon_kind='article'`` for stored URLs; counts ``incremental/skipped``.

    A stored article is fetched again when its feed entry or sitemap entry
    says it was updated after we fetched it (``meta['newsmon_updated']``, ISO
    8601 UTC), so edits reach the database; ``meta['newsmon_refetch']``
    forces a fetch.
    """

    def __init__(self, crawler, shared: CrawlStore):
        self.stats = crawler.stats
        self.shared = shared
        self.store = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSMON_INCREMENTAL", True):
            raise NotConfigured
        return cls(crawler, CrawlStore.of(crawler))

    def spider_opened(self, spider=None):
        self.store = self.shared.acquire()

    def spider_closed(self, spider=None):
        if self.store is not None:
            self.store = None
            self.shared.release()

    def process_request(self, request, spider=None):
        if request.meta.get("newsmon_kind") != "article" or request.meta.get("newsmon_refetch"):
            return None
        if self.store is None:
            return None
        fetched_at = stored_fetched_at(self.store, request.url)
        if fetched_at is None:
            return None
        updated = request.meta.get("newsmon_updated")
        if updated and updated > fetched_at:
            self.stats.inc_value("incremental/refetched_updated")
            return None
        self.stats.inc_value("incremental/skipped")
        raise IgnoreRequest(f"already stored: {request.url}")
