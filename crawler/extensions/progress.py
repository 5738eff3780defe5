"""Progress on stderr while a crawl runs (enabled by ``newsmon crawl``).

On a terminal: a live status line. Elsewhere (cron, CI, the daemon's
children): one plain line every ``NEWSMON_PROGRESS_INTERVAL`` seconds.
"""

from __future__ import annotations

from rich.console import Console
from scrapy import signals
from twisted.internet import task


class Progress:
    def __init__(self, crawler, interval: float = 0.5):
        self.stats = crawler.stats
        self.console = Console(stderr=True)
        self.live = self.console.is_terminal
        self.interval = (
            interval if self.live else crawler.settings.getfloat("NEWSMON_PROGRESS_INTERVAL", 30.0)
        )
        self.status = None
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _text(self) -> str:
        get = self.stats.get_value
        return (
            f"crawling: {get('newsmon/pages_fetched', 0)} pages, "
            f"{get('newsmon/articles_new', 0)} new, {get('newsmon/articles_updated', 0)} updated, "
            f"{get('newsmon/duplicates', 0)} duplicates, {get('newsmon/errors', 0)} errors, "
            f"{get('scheduler/enqueued', 0) - get('scheduler/dequeued', 0)} queued"
        )

    def spider_opened(self, spider):
        if self.live:
            self.status = self.console.status(self._text())
            self.status.start()
        self.loop = task.LoopingCall(self._tick)
        self.loop.start(self.interval, now=False)

    def _tick(self):
        if self.status is not None:
            self.status.update(self._text())
        elif not self.live:
            print(self._text(), file=self.console.file, flush=True)

    def spider_closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.status is not None:
            self.status.stop()
            self.status = None
