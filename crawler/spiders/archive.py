"""The ``archive`` spider: a backfill from web archives through their CDX indexes.

For each source it lists what the archive captured of the source's site in
the window (the Wayback Machine's CDX API page by page with resume keys;
each Common Crawl crawl's index page by page), keeps the captures that look
like articles (:func:`crawler.archives.cdx.select_captures`), and fetches
each one's original bytes (a Wayback ``id_`` URL; a Common Crawl WARC
record by byte range). Pages go through the news spider's extraction and
the same pipelines as a live crawl; the item carries the article's
original URL, the archive and the capture time.

The ledger records what was listed and fetched (``archive_captures``) and
how far each listing got (``archive_listings``): a backfill that is
interrupted resumes its listings after the last page recorded and never
fetches a capture twice. With several listings per source (``all``, or
Common Crawl's crawls) a source's listings all end before its captures are
fetched, so each URL is fetched once, its earliest capture.

Arguments (``scrapy crawl archive -a NAME=VALUE``):
  sources   comma-separated source names (default: every enabled source, archive_only ones too)
  since     start of the window (a date or ``400d``); required
  until     end of the window (a date; default: now)
  archive   ``wayback``, ``commoncrawl`` or ``all``
  limit     fetch at most this many captures in this run
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

import scrapy

from crawler.archives import commoncrawl
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
from crawler.archives.warc import WarcDamaged, read_record
from crawler.config import Source, load_sources
from crawler.middlewares.seen import is_stored
from crawler.spiders.news import NewsSpider
from crawler.spiders.warcfiles import WarcFiles, archive_stat, page_response
from crawler.store.values import Listing

logger = logging.getLogger(__name__)

ARCHIVES = ("wayback", "commoncrawl")
"""The archives a backfill can list and fetch from (``all``: both)."""

__all__ = ["ARCHIVES", "ArchiveSpider", "archive_stat"]


class ArchiveSpider(WarcFiles, NewsSpider):
    name = "archive"
    # The progress view's own columns (before the pipelines' new, upd, dup, errors).
    progress_columns = (
        ("archive/{}/listed", "listed"),
        ("archive/{}/skipped", "skipped"),
        ("archive/{}/fetched", "fetched"),
    )
    # Archives ask for modest rates: one request at a time per host, a delay between.
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
        if not set(self.archives) <= set(ARCHIVES):
            raise ValueError(f"unknown archive {archive!r} (one of {', '.join(ARCHIVES)}, all)")
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
        spider.cc_index = settings.get("NEWSMON_COMMONCRAWL_INDEX")
        spider.cc_data = settings.get("NEWSMON_COMMONCRAWL_DATA")
        spider.page_size = settings.getint("NEWSMON_ARCHIVE_PAGE_SIZE", 1000)
        spider.patterns = {
            s.name: re.compile(s.article_pattern) if s.article_pattern else None
            for s in spider.selected_sources
        }
        spider.requested = 0
        spider.warc_batch = max(1, settings.getint("CONCURRENT_REQUESTS", 16))
        spider.unmarked = {}  # archive -> keys of captures whose items may not be committed yet
        # With several listings per source (several archives, Common Crawl's crawls), a
        # source's captures are fetched once all its listings ended: each URL's earliest.
        spider.merging = "commoncrawl" in spider.archives
        spider.open_listings = {}  # source -> listings not ended yet (merging only)
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

    def _resumed(self, archive: str, source: Source, part: str = "") -> Listing:
        """Where this run starts a listing: after the last page an interrupted run recorded."""
        since, until = self._window()
        state = self._the_store().listing(archive, source.name, since, until, part)
        if state is None or state.done or not state.cursor:
            return Listing(since, until, part)  # never listed, or listed to its end: from the start
        self.crawler.stats.inc_value(archive_stat(source.name, "listing_resumed"))
        return state

    # --- start --------------------------------------------------------------
    async def start(self):
        if self.warc_files:
            async for item in self._from_warcs():
                yield item
            return
        store = self._the_store()
        for source in self.selected_sources:
            if self.merging:
                self.open_listings[source.name] = len(self.archives)
            else:
                # Listed by an interrupted backfill, not fetched yet: fetched first.
                archive = self.archives[0]
                for row in store.pending_captures(archive, source.name, *self._window()):
                    if (
                        request := self._capture_request(source, archive, _capture(row))
                    ) is not None:
                        yield request
            if "wayback" in self.archives:
                yield self._wayback_listing(source, self._resumed("wayback", source))
        if "commoncrawl" in self.archives:
            yield scrapy.Request(
                self.cc_index,
                callback=self.parse_collinfo,
                errback=self.on_collinfo_error,
                dont_filter=True,
                meta={"newsmon_archive": "commoncrawl", "newsmon_kind": "archive_listing"},
            )

    # --- listing: the Wayback Machine -----------------------------------------
    def _wayback_listing(self, source: Source, listing: Listing):
        url = query_url(
            self.cdx,
            site_of(source.url),
            self.since,
            self.until,
            page_size=self.page_size,
            resume_key=listing.cursor,
        )
        return self._listing_request(url, source, "wayback", listing, self.parse_listing)

    def _listing_request(self, url: str, source: Source, archive: str, listing: Listing, callback):
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_listing_error,
            dont_filter=True,
            meta=self._meta(
                source, "archive_listing", newsmon_archive=archive, newsmon_listing=listing
            ),
        )

    def parse_listing(self, response):
        source, listing = self._source(response), response.meta["newsmon_listing"]
        try:
            rows, resume_key = parse_listing(response.body)
            captures, left_out = select_captures(rows, self.patterns[source.name])
        except CdxError as exc:
            yield from self._garbage(source, response, exc)
            return
        more = bool(resume_key) and not self._spent()
        now = Listing(
            listing.since, listing.until, "", resume_key, listing.pages + 1, not resume_key
        )
        yield from self._listed(source, "wayback", rows, captures, left_out, now)
        if more:
            yield self._wayback_listing(source, now)
        else:
            yield from self._listing_ended(source)

    # --- listing: Common Crawl ------------------------------------------------
    def parse_collinfo(self, response):
        try:
            crawls = commoncrawl.parse_collinfo(response.body, response.url)
        except CdxError as exc:
            yield from self._garbage(None, response, exc)
            return
        # Only crawls that can hold captures of the window, listed oldest first.
        crawls = sorted(
            (c for c in crawls if c.overlaps(self.since, self.until)),
            key=lambda c: (c.start is None, c.start, c.id),
        )
        self.crawler.stats.set_value("archive/commoncrawl/crawls", len(crawls))
        for source in self.selected_sources:
            if crawls:
                self.open_listings[source.name] += len(crawls) - 1
            else:
                yield from self._listing_ended(source)
            for crawl in crawls:
                listing = self._resumed("commoncrawl", source, crawl.id)
                yield self._crawl_listing(source, crawl.api, listing)

    def _crawl_listing(self, source: Source, api: str, listing: Listing):
        page = None if listing.cursor is None else int(listing.cursor.partition("/")[0])
        url = commoncrawl.index_query_url(
            api, site_of(source.url), self.since, self.until, page=page
        )
        request = self._listing_request(url, source, "commoncrawl", listing, self.parse_crawl_index)
        request.meta["newsmon_index"] = api
        # The index answers a listing with nothing in it with a 404.
        request.meta["handle_httpstatus_list"] = [404]
        return request

    def parse_crawl_index(self, response):
        source, listing = self._source(response), response.meta["newsmon_listing"]
        api = response.meta["newsmon_index"]
        try:
            if listing.cursor is None:  # the number of pages
                pages = commoncrawl.parse_num_pages(response.body, response.status)
                first = Listing(
                    listing.since, listing.until, listing.part, f"0/{pages}", 0, not pages
                )
                if pages:
                    yield self._crawl_listing(source, api, first)
                else:
                    yield from self._listed(source, "commoncrawl", [], [], 0, first)
                    yield from self._listing_ended(source)
                return
            rows = commoncrawl.parse_index_page(response.body, response.status)
            captures, left_out = select_captures(rows, self.patterns[source.name])
        except CdxError as exc:
            yield from self._garbage(source, response, exc)
            return
        page, _, pages = listing.cursor.partition("/")
        following = int(page) + 1
        last = following >= int(pages)
        cursor = None if last else f"{following}/{pages}"
        now = Listing(listing.since, listing.until, listing.part, cursor, following, last)
        yield from self._listed(source, "commoncrawl", rows, captures, left_out, now)
        if not last and not self._spent():
            yield self._crawl_listing(source, api, now)
        else:
            yield from self._listing_ended(source)

    # --- listing: shared ------------------------------------------------------
    def _listed(
        self, source: Source, archive: str, rows, captures, left_out: int, listing: Listing
    ):
        """Record a listing page's captures (and how far the listing got); the requests of those to fetch."""
        captures = [c for c in captures if self._in_window(_when(c))]
        self.crawler.stats.inc_value(archive_stat(source.name, "listed"), len(rows))
        self.crawler.stats.inc_value(archive_stat(source.name, "not_articles"), left_out)
        pending = self._the_store().record_captures(
            archive,
            source.name,
            [(c.key, c.url, c.captured_at, c.location) for c in captures],
            listing,
        )
        if self.merging:
            return
        for row in pending:
            if (request := self._capture_request(source, archive, _capture(row))) is not None:
                yield request

    def _listing_ended(self, source: Source):
        """Once a source's last listing ended (merging): its captures to fetch, each URL's earliest."""
        if not self.merging:
            return
        self.open_listings[source.name] -= 1
        if self.open_listings[source.name] > 0:
            return
        store, best = self._the_store(), {}
        for archive in self.archives:
            for row in store.pending_captures(archive, source.name, *self._window()):
                key, captured = row[0], row[2]
                if key not in best or captured < best[key][1][2]:
                    if key in best:
                        store.mark_captures(best[key][0], [key], "skipped")
                    best[key] = (archive, row)
                else:
                    store.mark_captures(archive, [key], "skipped")
        for archive, row in sorted(best.values(), key=lambda pick: pick[1][2]):
            if (request := self._capture_request(source, archive, _capture(row))) is not None:
                yield request

    def _garbage(self, source: Source | None, response, exc: CdxError):
        self.crawler.stats.inc_value("archive/garbage")
        if not self.crawler.stats.get_value("archive/garbage_first"):
            self.crawler.stats.set_value("archive/garbage_first", str(exc))
        self._error(source.name if source else None, "archive_garbage", response.url, str(exc))
        # The listing stops here; the next run asks for this page again.
        for ended in [source] if source else self.selected_sources:
            yield from self._listing_ended(ended)

    def on_listing_error(self, failure):
        self.on_error(failure)
        yield from self._listing_ended(self._source(failure.request))

    def on_collinfo_error(self, failure):
        self.on_error(failure)
        for source in self.selected_sources:
            yield from self._listing_ended(source)

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
        meta = self._meta(
            source,
            "article",
            newsmon_archive=archive,
            newsmon_capture=capture,
            newsmon_via=archive,
        )
        if archive == "commoncrawl":
            url, byte_range = commoncrawl.record_request(self.cc_data, capture.location or "")
            headers = {"Range": byte_range}
        else:
            url, headers = wayback_fetch_url(self.root, capture), {}
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_capture,
            errback=self.on_capture_error,
            dont_filter=True,
            meta=meta,
        )

    async def parse_capture(self, response):
        source = self._source(response)
        archive, capture = response.meta["newsmon_archive"], response.meta["newsmon_capture"]
        self.crawler.stats.inc_value(archive_stat(source.name, "fetched"))
        if archive == "commoncrawl":
            try:
                page = read_record(
                    commoncrawl.record_bytes(response.body, response.status, capture.location)
                )
            except WarcDamaged as exc:
                self.crawler.stats.inc_value("archive/bad_records")
                self.crawler.stats.inc_value(archive_stat(source.name, "failed"))
                self._the_store().mark_captures(archive, [capture.key], "failed")
                self._error(source.name, "archive_bad_record", response.url, str(exc))
                return
            response = page_response(page, capture.url, response.meta)
        else:
            # The page is the original's: read as if fetched from its own URL.
            response = response.replace(url=capture.url)
        made = False
        async for item in self.parse_article(response):
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


def _capture(row: tuple[str, str, str, str | None]) -> Capture:
    """A capture of the ledger (``url_key, url, captured, location``)."""
    key, url, captured, where = row
    return Capture(url=url, timestamp=_timestamp(captured), key=key, location=where)


def _when(capture: Capture) -> datetime:
    return datetime.fromisoformat(capture.captured_at)


def _timestamp(captured: str) -> str:
    return datetime.fromisoformat(captured).strftime("%Y%m%d%H%M%S")
