"""The source locks of a crawl started as ``scrapy crawl news`` (on a Scrapyd node, say).

``newsmon crawl`` takes its sources' locks itself, before the crawl starts,
and switches this extension off (``NEWSMON_TAKE_SOURCE_LOCKS = False``). A
crawl Scrapyd starts has no such command around it: here the spider's
sources are locked when it opens, waiting up to ``NEWSMON_LOCK_WAIT``
seconds for a source another crawl holds (on PostgreSQL the locks hold
across machines), and a source still busy then is dropped from the crawl and
named in its run. With every source busy the crawl fetches nothing and its
run is closed as ``skipped``. A run opened by the daemon (``NEWSMON_RUN_ID``)
is taken over by this process (its pid and host), narrowed to the sources
it holds. The locks are released when the spider closes, or by the server
when the process dies.
"""

from __future__ import annotations

import logging
import os

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.threads import deferToThread

from crawler.extensions.store import CrawlStore
from crawler.runs import set_run_process
from crawler.store import Holder, SourceLocks, StoreError

logger = logging.getLogger(__name__)

BUSY_STAT = "newsmon/busy_sources"
"""Stat: the sources skipped because other crawls held them, ``"name (holder); ..."``."""


def busy_note(busy: dict[str, Holder | None]) -> str:
    """``"a (pid 12 on host, run 3); b (holder unknown)"``: the busy sources and who holds them."""
    return "; ".join(
        f"{name} ({holder.describe() if holder else 'holder unknown'})"
        for name, holder in busy.items()
    )


class SourceLocksExtension:
    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSMON_TAKE_SOURCE_LOCKS", True):
            raise NotConfigured
        self.crawler = crawler
        self.wait = settings.getfloat("NEWSMON_LOCK_WAIT", 30.0)
        self.run_given = bool(settings.getint("NEWSMON_RUN_ID", 0))
        self.shared = CrawlStore.of(crawler)
        self.locks: SourceLocks | None = None
        # Connected after SourceStats (its priority is lower), so the run is open by now.
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.release, signal=signals.spider_closed)
        crawler.signals.connect(self.release, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        if not hasattr(spider, "selected_sources"):
            return None  # not a spider of sources
        names = [s.name for s in spider.selected_sources]
        store = self.shared.acquire()
        self.locks = store.source_locks(names)
        # Waiting for a busy source blocks: in a thread, so the reactor runs on.
        return deferToThread(self._acquire).addCallback(self._opened, spider, store)

    def _acquire(self) -> dict[str, Holder | None]:
        def announce(name: str, holder: Holder | None) -> None:
            logger.info(
                "source %r is being crawled by another process (%s); waiting up to %gs",
                name,
                holder.describe() if holder else "holder unknown",
                self.wait,
            )

        return self.locks.acquire(self.wait, on_wait=announce)

    def _opened(self, busy: dict[str, Holder | None], spider, store) -> None:
        held = set(self.locks.held)
        spider.selected_sources = [s for s in spider.selected_sources if s.name in held]
        if busy:
            note = busy_note(busy)
            self.crawler.stats.set_value(BUSY_STAT, note)
            logger.warning("skipped busy source(s): %s", note)
        run_id = self.crawler.stats.get_value("newsmon/run_id")
        if run_id is None:
            return
        self.locks.set_run_id(run_id)
        try:
            if self.run_given:
                set_run_process(store, run_id, os.getpid())
            if busy:
                store.set_run_sources(run_id, sorted(held) or list(busy))
        except StoreError as exc:
            logger.error("run %s not updated with this crawl's sources: %s", run_id, exc)
            self.crawler.stats.inc_value("newsmon/errors/store/run_not_updated")

    def release(self, spider=None, reason=None):
        if self.locks is None:
            return
        locks, self.locks = self.locks, None
        locks.release()
        self.shared.release()
