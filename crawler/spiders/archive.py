"""The ``archive`` spider: a backfill from web archives through their CDX indexes.

For each source it lists what the archive captured of the source's site in
the window (the CDX API, page by page with resume keys), keeps the captures
that look like articles (:func:`crawler.archives.cdx.select_captures`), and
fetches each one's original bytes. Pages go through the news spider's
extraction and the same pipelines as a live crawl; the item carries the
article's original URL, the archive and the capture time.

The ledger (``archive_captures``) records what was listed and fetched: a
backfill that is interrupted lists again and fetches only what it had not,
never a capture twice.

Arguments (``scrapy crawl archive -a NAME=VALUE``):
  sources   comma-separated source names (default: every enabled source, archive_only ones too)
  since     start of the window (a date or ``400d``); required
  until     end of the window (a date; default: now)
  archive   ``wayback`` (the only one so far)
  limit     fetch at most this many captures in this run
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from datetime import datetime

import scrapy
from scrapy.http import HtmlResponse

from crawler.archives.cdx import (
    Capture,
    CdxError,
    parse_listing,
    query_url,
    select_captures,
    site_of,
    wayback_fetch_url,
    window_end,
)
from crawler.archives.warc import WarcDamaged, read_pages
from crawler.config import Source, load_sources
from crawler.middlewares.seen import is_stored
from crawler.spiders.news import NewsSpider

logger = logging.getLogger(__name__)

ARCHIVES = ("wayback",)
"""The archives a backfill can list and fetch from."""


def archive_stat(source: str, counter: str) -> str:
    """Stats key of a backfill counter of one source: ``archive/<source>/<counter>``."""
    return f"archive/{source}/{counter}"


class ArchiveSpider(NewsSpider):
    name = "archive"
    # archive.org asks for modest rates: one request at a time per host, a delay between.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 1.0}

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Before RetryMiddleware (550) in the response chain: wait, then retry.
        middlewares = {
            **settings.getdict("DOWNLOADER_MIDDLEWARES"),
            "crawler.middlewares.backoff.BackoffMiddleware": 555,
        }
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def __init__(
        self,
        sources=None,
        since=None,
        until=None,
        archive="wayback",
        limit=None,
        warc=None,
        source=None,
        **kw,
    ):
        super().__init__(sources=sources, since=since, **kw)
        self.warc_files = [warc] if isinstance(warc, str) else list(warc or [])
        self.warc_source = source
        self.until_arg = until
        self.archives = list(ARCHIVES) if archive in (None, "all") else [archive]
        self.limit = int(limit) if limit not in (None, "") else None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        names = [spider.warc_source] if spider.warc_source else spider.source_names
        spider.selected_sources = load_sources(settings.get("NEWSMON_SOURCES_FILE")).select(
            names, archives=True
        )
        if spider.warc_files and spider.since_arg is None:
            spider.since = None  # a file is read whole unless a window is given
        if spider.since is None and not spider.warc_files:
            raise ValueError("a backfill needs a window start (since)")
        spider.until = window_end(spider.until_arg) if spider.until_arg else None
        spider.cdx = settings.get("NEWSMON_WAYBACK_CDX")
        spider.root = settings.get("NEWSMON_WAYBACK_ROOT")
        spider.page_size = settings.getint("NEWSMON_ARCHIVE_PAGE_SIZE", 1000)
        spider.patterns = {
            s.name: re.compile(s.article_pattern) if s.article_pattern else None
            for s in spider.selected_sources
        }
        spider.requested = 0
        spider.warc_batch = max(1, settings.getint("CONCURRENT_REQUESTS", 16))
        spider.unmarked = {}  # archive -> keys of captures whose items may not be committed yet
        crawler.signals.connect(spider._mark_fetched, signal=scrapy.signals.spider_closed)
        return spider

    def _mark_fetched(self, spider=None, reason: str = "finished"):
        # Items are committed in batches: a capture counts as fetched once the
        # crawl closed with its batch written. After a kill, the captures whose
        # article was stored are skipped by the next run, the others fetched again.
        if self.crawler.stats.get_value("storage/error"):
            return
        for archive, keys in self.unmarked.items():
            self._the_store().mark_captures(archive, keys, "fetched")
        self.unmarked = {}

    # --- the window ---------------------------------------------------------
    def _window(self) -> tuple[str, str | None]:
        return self.since.isoformat(), self.until.isoformat() if self.until else None

    def _in_window(self, when: datetime) -> bool:
        return (self.since is None or when >= self.since) and (
            self.until is None or when <= self.until
        )

    # --- start --------------------------------------------------------------
    async def start(self):
        if self.warc_files:
            async for item in self._from_warcs():
                yield item
            return
        store = self._the_store()
        for source in self.selected_sources:
            for archive in self.archives:
                # Listed by an interrupted backfill, not fetched yet: fetched first.
                for key, url, captured in store.pending_captures(
                    archive, source.name, *self._window()
                ):
                    capture = Capture(url=url, timestamp=_timestamp(captured), key=key)
                    if (request := self._capture_request(source, archive, capture)) is not None:
                        yield request
                yield self._listing_request(source, archive)

    def _listing_request(self, source: Source, archive: str, resume_key: str | None = None):
        url = query_url(
            self.cdx,
            site_of(source.url),
            self.since,
            self.until,
            page_size=self.page_size,
            resume_key=resume_key,
        )
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            dont_filter=True,
            meta=self._meta(source, "archive_listing", newsmon_archive=archive),
        )

    def parse_listing(self, response):
        source = self._source(response)
        archive = response.meta["newsmon_archive"]
        try:
            rows, resume_key = parse_listing(response.body)
            captures, left_out = select_captures(rows, self.patterns[source.name])
        except CdxError as exc:
            self.crawler.stats.inc_value("archive/garbage")
            self._error(source.name, "archive_garbage", response.url, str(exc))
            return
        captures = [c for c in captures if self._in_window(_when(c))]
        self.crawler.stats.inc_value(archive_stat(source.name, "listed"), len(rows))
        self.crawler.stats.inc_value(archive_stat(source.name, "not_articles"), left_out)
        pending = self._the_store().record_captures(
            archive, source.name, [(c.key, c.url, c.captured_at) for c in captures]
        )
        for key, url, captured in pending:
            capture = Capture(url=url, timestamp=_timestamp(captured), key=key)
            if (request := self._capture_request(source, archive, capture)) is not None:
                yield request
        if resume_key and not self._spent():
            yield self._listing_request(source, archive, resume_key)

    async def _from_warcs(self):
        # Pages are extracted a batch at a time so the extraction workers run side by side.
        store = self._the_store()
        batch = []
        for source, page in _warc_pages(self):
            stat = functools.partial(archive_stat, source.name)
            self.crawler.stats.inc_value(stat("listed"))
            when = datetime.fromisoformat(page.captured_at) if page.captured_at else None
            if page.status != 200 or (when is not None and not self._in_window(when)):
                self.crawler.stats.inc_value(stat("not_articles"))
                continue
            pattern = self.patterns.get(source.name)
            if (pattern is not None and not pattern.search(page.url)) or not self._claim(page.url):
                self.crawler.stats.inc_value(stat("not_articles"))
                continue
            if is_stored(store, page.url):
                self.crawler.stats.inc_value(stat("skipped"))
                continue
            if self._spent():
                break
            self.requested += 1
            self.crawler.stats.inc_value(stat("fetched"))
            batch.append(self._warc_items(source, page))
            if len(batch) >= self.warc_batch:
                for item in await _gathered(batch):
                    yield item
                batch = []
        for item in await _gathered(batch):
            yield item

    async def _warc_items(self, source: Source, page) -> list:
        headers = {k: v for k, v in page.headers.items() if k.lower() not in _DROPPED_HEADERS}
        meta = self._meta(source, "article", newsmon_via="warc")
        response = HtmlResponse(
            page.url,
            status=page.status,
            headers=headers,
            body=page.body,
            request=scrapy.Request(page.url, meta=meta),
        )
        items = [item async for item in self.parse_article(response)]
        for item in items:
            item.archive = "warc"
            item.captured_at = page.captured_at or None
        return items

    # --- captures -------------------------------------------------------------
    def _spent(self) -> bool:
        return self.limit is not None and self.requested >= self.limit

    def _capture_request(self, source: Source, archive: str, capture: Capture):
        if self._spent() or not self._claim(capture.url):
            return None
        if is_stored(self._the_store(), capture.url):
            # The live copy (or an earlier backfill's) is the row; the archive adds nothing.
            self._the_store().mark_captures(archive, [capture.key], "skipped")
            self.crawler.stats.inc_value(archive_stat(source.name, "skipped"))
            return None
        self.requested += 1
        return scrapy.Request(
            wayback_fetch_url(self.root, capture),
            callback=self.parse_capture,
            errback=self.on_capture_error,
            dont_filter=True,
            meta=self._meta(
                source,
                "article",
                newsmon_archive=archive,
                newsmon_capture=capture,
                newsmon_via=archive,
            ),
        )

    async def parse_capture(self, response):
        source = self._source(response)
        archive, capture = response.meta["newsmon_archive"], response.meta["newsmon_capture"]
        self.crawler.stats.inc_value(archive_stat(source.name, "fetched"))
        made = False
        # The page is the original's: read as if fetched from its own URL.
        async for item in self.parse_article(response.replace(url=capture.url)):
            item.request_url = capture.url
            item.archive = archive
            item.captured_at = capture.captured_at
            made = True
            yield item
        if made:
            self.unmarked.setdefault(archive, []).append(capture.key)
        else:  # not a page newsmon can read: nothing to store, never worth a second fetch
            self._the_store().mark_captures(archive, [capture.key], "fetched")

    def on_capture_error(self, failure):
        request = failure.request
        capture = request.meta["newsmon_capture"]
        self._the_store().mark_captures(request.meta["newsmon_archive"], [capture.key], "failed")
        self.crawler.stats.inc_value(archive_stat(request.meta["newsmon_source"], "failed"))
        self.on_error(failure)


def _when(capture: Capture) -> datetime:
    return datetime.fromisoformat(capture.captured_at)


def _timestamp(captured: str) -> str:
    return datetime.fromisoformat(captured).strftime("%Y%m%d%H%M%S")


# --- local WARC files --------------------------------------------------------------
_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def _warc_pages(spider: ArchiveSpider):
    """``(source, page)`` of every page of the spider's WARC files it should read, then the damage."""
    by_site = {site_of(s.url): s for s in spider.selected_sources}
    only = spider.selected_sources[0] if spider.warc_source else None
    stats = spider.crawler.stats
    for path in spider.warc_files:
        counts: dict[str, int] = {}
        try:
            for page in read_pages(path, counts):
                source = only or _source_of(page.url, by_site)
                if source is None:
                    stats.inc_value("warc/other_sites")
                    continue
                yield source, page
        except WarcDamaged as exc:
            stats.inc_value("warc/damaged")
            stats.set_value(
                "warc/damage", "; ".join(filter(None, [stats.get_value("warc/damage"), str(exc)]))
            )
            logger.error("%s", exc)
        stats.inc_value("warc/records", counts.get("records", 0))
        stats.inc_value("warc/not_responses", counts.get("other", 0))


async def _gathered(batch: list) -> list:
    return [item for items in await asyncio.gather(*batch) for item in items]


def _source_of(url: str, by_site: dict[str, Source]) -> Source | None:
    host = site_of(url)
    while host:
        if host in by_site:
            return by_site[host]
        host = host.partition(".")[2]
    return None
