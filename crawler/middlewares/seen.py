"""Skip article pages whose URL is already stored (incremental crawling)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.db import connect
from crawler.urls import canonicalize_url

logger = logging.getLogger(__name__)


def is_stored(db, url: str) -> bool:
    """True when ``url`` (in any variant) is an article's URL or alias."""
    try:
        key = canonicalize_url(url)
    except ValueError:
        return False
    return (
        db.execute(
            "SELECT 1 FROM articles WHERE url_key = ? UNION ALL SELECT 1 FROM url_aliases WHERE url_key = ? LIMIT 1",
            [key, key],
        ).fetchone()
        is not None
    )


class SeenArticlesMiddleware:
    """Ignores requests marked ``newsmon_kind='article'`` for stored URLs; counts ``incremental/skipped``.

    A request with ``meta['newsmon_refetch']`` is let through (to pick up edits).
    """

    def __init__(self, crawler, db_path: str):
        self.stats = crawler.stats
        self.db_path = db_path
        self.db = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSMON_INCREMENTAL", True):
            raise NotConfigured
        return cls(crawler, crawler.settings.get("NEWSMON_DB"))

    def spider_opened(self, spider=None):
        self.db = connect(self.db_path)

    def spider_closed(self, spider=None):
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_request(self, request, spider=None):
        if request.meta.get("newsmon_kind") != "article" or request.meta.get("newsmon_refetch"):
            return None
        if self.db is not None and is_stored(self.db, request.url):
            self.stats.inc_value("incremental/skipped")
            raise IgnoreRequest(f"already stored: {request.url}")
        return None
