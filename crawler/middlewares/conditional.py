"""Conditional GETs for feeds and sitemaps: ``If-None-Match`` / ``If-Modified-Since``.

Validators (ETag, Last-Modified) are kept in the store (``http_validators``);
an unchanged feed then costs one 304. Requests marked
``meta['newsmon_conditional']`` take part.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions.store import CrawlStore


class ConditionalRequestsMiddleware:
    def __init__(self, crawler, shared: CrawlStore):
        self.stats = crawler.stats
        self.shared = shared
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.updates: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSMON_CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler, CrawlStore.of(crawler))

    def spider_opened(self, spider=None):
        self.validators = self.shared.acquire().http_validators()

    def spider_closed(self, spider=None, reason=None):
        # An interrupted crawl may not have followed every entry of a feed:
        # keep the old validators so the next run fetches the feed in full.
        try:
            if self.updates and reason in (None, "finished"):
                self.shared.store.save_http_validators(self.updates)
        finally:
            self.shared.release()

    def process_request(self, request, spider=None):
        # A first crawl reads the whole document (an interrupted crawl may have
        # seen it before) but still keeps its validators for the next one.
        if not request.meta.get("newsmon_conditional") or request.meta.get("newsmon_first_crawl"):
            return None
        etag, modified = self.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        if etag or modified:
            self.stats.inc_value("conditional/requests")
        return None

    def process_response(self, request, response, spider=None):
        if not request.meta.get("newsmon_conditional"):
            return response
        if response.status == 304:
            self.stats.inc_value("conditional/not_modified")
        elif response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.updates[request.url] = (
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                )
        return response
