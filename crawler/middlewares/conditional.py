"""Conditional GETs for feeds and sitemaps: ``If-None-Match`` / ``If-Modified-Since``.

Validators (ETag, Last-Modified) are kept in the store (``http_validators``);
an unchanged feed then costs one 304. Requests marked
``meta['newsmon_conditional']`` take part; ``meta['newsmon_window']`` is the
start of the window the crawl reads the document for
(:func:`crawler.firstcrawl.window_key`). The window each document was last
read in full with is kept too (``read_windows``): a crawl reaching further
back (a first crawl, ``--since`` a year ago) reads it in full again, since a
304 would hide the older entries it wants.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions.store import CrawlStore
from crawler.firstcrawl import reaches_further_back


class ConditionalRequestsMiddleware:
    def __init__(self, crawler, shared: CrawlStore):
        self.stats = crawler.stats
        self.shared = shared
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.updates: dict[str, tuple[str | None, str | None]] = {}
        self.windows: dict[str, str] = {}
        self.window_updates: dict[str, str] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSMON_CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler, CrawlStore.of(crawler))

    def spider_opened(self, spider=None):
        store = self.shared.acquire()
        self.validators = store.http_validators()
        self.windows = store.read_windows()

    def spider_closed(self, spider=None, reason=None):
        # An interrupted crawl may not have followed every entry of a feed:
        # keep the old validators so the next run fetches the feed in full.
        try:
            if reason in (None, "finished"):
                if self.updates:
                    self.shared.store.save_http_validators(self.updates)
                if self.window_updates:
                    self.shared.store.save_read_windows(self.window_updates)
        finally:
            self.shared.release()

    def process_request(self, request, spider=None):
        # A wider window (a first crawl, a backfill) reads the whole document
        # but still keeps its validators for the next crawl.
        if not request.meta.get("newsmon_conditional") or self._wider(request):
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
            window = request.meta.get("newsmon_window")
            if window is not None:
                self.window_updates[request.url] = window
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.updates[request.url] = (
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                )
        return response

    def _wider(self, request) -> bool:
        window = request.meta.get("newsmon_window")
        if window is None or not reaches_further_back(window, self.windows.get(request.url)):
            return False
        if request.url in self.validators:
            self.stats.inc_value("conditional/wider_window")
        return True
