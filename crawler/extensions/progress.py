"""Progress on stderr while a crawl runs (enabled by ``newsmon crawl``).

On a terminal: a live table with a row per source, redrawn twice a second.
Elsewhere (cron, CI, the daemon's children, a pipe): one plain line every
``NEWSMON_PROGRESS_INTERVAL`` seconds, so a log shows the crawl is alive
long before its summary.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.durations import format_elapsed
from crawler.stats import describe_errors, error_kinds

LIVE_REFRESH_S = 0.5
# Per-source columns of the live view: (stats key with {} for the source, header).
COLUMNS = (
    ("source/{}/pages_fetched", "pages"),
    ("source/{}/articles_new", "new"),
    ("source/{}/articles_updated", "upd"),
    ("source/{}/duplicates", "dup"),
    ("source/{}/errors", "errors"),
)


class Progress:
    def __init__(self, crawler, console: Console | None = None):
        self.stats = crawler.stats
        self.console = console or Console(stderr=True)
        self.live = self.console.is_terminal
        interval = crawler.settings.getfloat("NEWSMON_PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured("NEWSMON_PROGRESS_INTERVAL <= 0: no progress lines")
        self.interval = LIVE_REFRESH_S if self.live else interval
        self.sources: list[str] = []
        # A spider may name other columns (the backfill: listed, fetched, skipped …).
        self.columns: tuple[tuple[str, str], ...] = COLUMNS
        self.extra: tuple[tuple[str, str], ...] = ()
        self.started = time.monotonic()
        self.view: Live | None = None
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _count(self, name: str) -> int:
        return int(self.stats.get_value(name, 0))

    def _queued(self) -> int:
        return self._count("scheduler/enqueued") - self._count("scheduler/dequeued")

    def line(self) -> str:
        """One plain line: time so far, the crawl's counters, how many sources answered yet."""
        count = self._count
        answered = sum(1 for name in self.sources if count(f"source/{name}/pages_fetched"))
        return (
            f"progress {format_elapsed(time.monotonic() - self.started)}: "
            f"{count('newsmon/pages_fetched')} pages, {count('newsmon/articles_new')} new, "
            f"{count('newsmon/articles_updated')} updated, {count('newsmon/duplicates')} duplicates, "
            f"{count('newsmon/errors')} errors, {self._queued()} queued; "
            f"{answered}/{len(self.sources)} sources answered"
            + "".join(
                f", {sum(count(key.format(name)) for name in self.sources)} {header}"
                for key, header in self.extra
            )
        )

    def table(self) -> Table:
        """The live view: a row per source with its counters and main error kinds."""
        table = Table(
            title=f"crawling for {format_elapsed(time.monotonic() - self.started)}, "
            f"{self._queued()} request(s) queued",
            title_justify="left",
        )
        table.add_column("source", no_wrap=True)
        for _, header in self.columns:
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column("main errors", overflow="ellipsis", no_wrap=True)
        snapshot = self.stats.get_stats()
        for name in self.sources:
            table.add_row(
                name,
                *(str(self._count(key.format(name))) for key, _ in self.columns),
                describe_errors(error_kinds(snapshot, name), top=2),
            )
        return table

    def follow(self, spider) -> None:
        """Show ``spider``'s sources, and its own columns if it names some (``progress_columns``)."""
        self.sources = [s.name for s in getattr(spider, "selected_sources", [])]
        self.extra = tuple(getattr(spider, "progress_columns", ()))
        # Its own columns replace the pages fetched, which count listing requests too.
        self.columns = self.extra + COLUMNS[1:] if self.extra else COLUMNS

    def spider_opened(self, spider):
        self.follow(spider)
        self.started = time.monotonic()
        if self.live:
            # transient: the summary table replaces the live one at the end
            self.view = Live(self.table(), console=self.console, auto_refresh=False, transient=True)
            self.view.start()
        self.loop = task.LoopingCall(self._tick)
        self.loop.start(self.interval, now=False)

    def _tick(self):
        if self.view is not None:
            self.view.update(self.table(), refresh=True)
        else:
            self.console.file.write(self.line() + "\n")
            self.console.file.flush()

    def spider_closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.view is not None:
            self.view.stop()
            self.view = None
