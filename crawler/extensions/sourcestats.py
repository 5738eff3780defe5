"""Per-source counters and the ``crawl_runs`` record of a crawl.

Counts pages fetched and errors per source (the pipelines count the rest),
opens a ``crawl_runs`` row when the crawl starts (unless the caller passed
``NEWSMON_RUN_ID``) and closes it with the per-source counters at the end.
"""

from __future__ import annotations

import logging

from scrapy import signals

from crawler.extensions.sourcelocks import BUSY_STAT
from crawler.extensions.store import CrawlStore
from crawler.runs import start_run
from crawler.stats import describe_errors, error_kinds, inc_error, inc_source, per_source

logger = logging.getLogger(__name__)


class SourceStats:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.shared = CrawlStore.of(crawler)
        self.run_id = settings.getint("NEWSMON_RUN_ID", 0) or None
        self.trigger = settings.get("NEWSMON_TRIGGER", "manual")
        self.record_runs = settings.getbool("NEWSMON_RECORD_RUNS", True)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # Connected after spider_closed, so called after it: the run is closed first.
        crawler.signals.connect(self.release_store, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _sources(self, spider) -> list[str]:
        return [s.name for s in getattr(spider, "selected_sources", [])]

    def spider_opened(self, spider):
        store = self.shared.acquire()
        if self.record_runs and self.run_id is None:
            self.run_id = start_run(store, trigger=self.trigger, sources=self._sources(spider))
        self.stats.set_value("newsmon/run_id", self.run_id)

    def spider_closed(self, spider, reason):
        if not self.record_runs or self.run_id is None:
            return
        stats = self.stats.get_stats()
        counts = per_source(stats, self._sources(spider))
        status = "ok" if reason == "finished" else reason
        # A crawl stopped early may simply not have got to any page yet.
        if reason == "finished" and counts and not any(c["pages_fetched"] for c in counts.values()):
            status = "unreachable"
        # Sources other crawls held (SourceLocksExtension): with none left, nothing was crawled.
        busy = stats.get(BUSY_STAT)
        if busy and not counts:
            status = "skipped"
        errors = error_kinds(stats, None)
        message = "; ".join(
            part
            for part in (
                "" if reason == "finished" else f"stopped: {reason}",
                f"errors: {describe_errors(errors)}" if errors else "",
                f"skipped busy source(s): {busy}" if busy else "",
            )
            if part
        )
        self.shared.store.finish_run(
            self.run_id, status=status, per_source=counts, message=message or None
        )

    def release_store(self, spider=None):
        self.shared.release()

    def response_received(self, response, request, spider):
        source = request.meta.get("newsmon_source")
        if source and request.meta.get("newsmon_kind"):
            inc_source(self.stats, source, "pages_fetched")

    def spider_error(self, failure, response, spider):
        inc_error(
            self.stats, response.meta.get("newsmon_source"), f"spider/{failure.type.__name__}"
        )

    def item_error(self, item, response, spider, failure):
        inc_error(self.stats, getattr(item, "source", None), f"pipeline/{failure.type.__name__}")
        logger.error(
            "item failed in a pipeline: %s: %s",
            getattr(item, "url", "?"),
            failure.getErrorMessage(),
        )
