"""The ``news`` spider: feeds, sitemaps and WordPress searches of the configured sources.

Thin on purpose: discovery documents are parsed by ``crawler.discovery``,
pages by ``crawler.extraction``; this class only turns entries into requests
and pages into items.

Arguments (``scrapy crawl news -a NAME=VALUE``):
  sources    comma-separated source names (default: every enabled source)
  since      recent window, e.g. ``2d``, or a date (default: NEWSMON_SINCE, and for
             a source crawled for the first time NEWSMON_FIRST_WINDOW; see crawler.firstcrawl)
  discovery  comma-separated kinds among feeds,sitemaps,wordpress (default: all)
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip

from crawler.config import DISCOVERY_KINDS, Source, load_sources, parse_discovery  # noqa: F401  (DISCOVERY_KINDS: the spider's kinds, for importers)
from crawler.dates import parse_date, to_iso
from crawler.discovery.feeds import parse_feed
from crawler.discovery.sitemaps import parse_sitemap
from crawler.discovery.wordpress import parse_posts, search_url
from crawler.durations import parse_since
from crawler.extensions.store import CrawlStore
from crawler.extraction.pool import Extractor, workers_from_setting
from crawler.fingerprint import BodyPrint
from crawler.firstcrawl import (
    STAT_PREFIX,
    first_crawl_windows,
    not_yet_crawled,
    parse_first_window,
    record_first_crawls,
    window_key,
)
from crawler.items import ArticleItem
from crawler.middlewares.privatenet import PrivateNetworkRefused
from crawler.middlewares.seen import is_stored
from crawler.relevance import load_topics
from crawler.runs import utcnow_iso
from crawler.stats import inc_error
from crawler.store import Store, StoreError
from crawler.urls import url_key

logger = logging.getLogger(__name__)


def followable(url: str) -> bool:
    """Whether a discovered link may be fetched: http(s) with a host (never file:, ftp:, javascript:, data:)."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def failure_kind(failure) -> str | None:
    """The name under which a failed request is counted as an error; None when it is not one.

    Requests skipped on purpose (stored already, forbidden by robots.txt) are
    counted by the middleware that skipped them. Scrapy reports a redirect
    loop and an oversized compressed body as plain IgnoreRequest, told apart
    by their message.
    """
    if failure.check(HttpError):
        return f"http/{failure.value.response.status}"
    if failure.check(PrivateNetworkRefused):
        return "privatenet/refused"
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        if "max redirections" in message:
            return "download/redirect_loop"
        if "max size" in message.lower() or "DOWNLOAD_MAXSIZE" in message:
            return "download/too_large"
        return None
    if failure.check(DownloadCancelledError):
        # Scrapy's HTTP handler cancels a download only for DOWNLOAD_MAXSIZE
        # (announced by Content-Length, or reached while reading); timeouts
        # have their own exception.
        return "download/too_large"
    return f"download/{failure.type.__name__}"


_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"}
# Types servers send when they do not know better: the body decides.
_GENERIC_TYPES = {"", "text/plain", "application/octet-stream", "binary/octet-stream"}
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S,
)


def is_html(response) -> bool:
    """Whether a response is an HTML page (a PDF or an image listed in a feed is not).

    Scrapy makes a TextResponse of anything whose first bytes look like text,
    PDFs included, so the Content-Type decides; a missing or generic type is
    accepted when the body starts like an HTML document.
    """
    if not isinstance(response, TextResponse):
        return False
    ctype = (
        response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
    )
    if ctype in _HTML_TYPES:
        return True
    return ctype in _GENERIC_TYPES and bool(_HTML_START.match(response.body[:4096]))


# A complete HTML document ends with </html> (a page cut short by the server does not).
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)


def _split(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v.strip()]


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sources=None, since=None, discovery=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_names = _split(sources)
        self.since_arg = since
        self.discovery = list(parse_discovery(discovery))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        source_set = load_sources(settings.get("NEWSMON_SOURCES_FILE"))
        spider.selected_sources = source_set.select(spider.source_names)
        spider.topics = load_topics(settings.get("NEWSMON_TOPICS_FILE"))
        spider.since = parse_since(
            spider.since_arg if spider.since_arg is not None else settings.get("NEWSMON_SINCE")
        )
        spider.first_window = parse_first_window(settings.get("NEWSMON_FIRST_WINDOW"))
        spider.first_windows = {}  # (source, kind) -> window start; set in start()
        spider._read_kinds = set()  # (source, kind) whose discovery documents were read
        spider._new_kinds = set()  # (source, kind) not crawled before this crawl
        spider.wp_per_page = settings.getint("NEWSMON_WP_PER_PAGE", 50)
        spider.wp_max_pages = settings.getint("NEWSMON_WP_MAX_PAGES", 20)
        spider.sitemap_max_depth = settings.getint("NEWSMON_SITEMAP_MAX_DEPTH", 3)
        spider.max_sitemap_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.feed_max_entries = settings.getint("NEWSMON_FEED_MAX_ENTRIES", 1000)
        spider.extractor = Extractor(workers_from_setting(settings.get("NEWSMON_EXTRACT_WORKERS")))
        spider.started_at = datetime.now(UTC)
        spider._claimed = set()
        spider._shared_store = CrawlStore.of(crawler)
        spider._store = None
        crawler.signals.connect(spider._closed, signal=scrapy.signals.spider_closed)
        return spider

    def _closed(self, spider=None, reason: str = "finished"):
        self.extractor.close()
        # Only a crawl that went to the end has fetched what its first window listed.
        firsts = sorted(self._read_kinds & self._new_kinds)
        if reason == "finished" and firsts:
            try:
                record_first_crawls(self._the_store(), firsts, at=utcnow_iso())
            except StoreError as exc:
                self.crawler.stats.inc_value("first_crawl/not_recorded")
                logger.error("first crawls not recorded (the next crawl repeats them): %s", exc)
        if self._store is not None:
            self._store = None
            self._shared_store.release()

    def _the_store(self) -> Store:
        """The crawl's store, acquired on first use (released when the spider closes)."""
        if self._store is None:
            self._store = self._shared_store.acquire()
        return self._store

    def _stored(self, url: str) -> bool:
        """Whether a WordPress post's link is stored already (its page is never fetched)."""
        return is_stored(self._the_store(), url)

    # --- helpers ------------------------------------------------------------
    def _meta(self, source: Source, kind: str, **extra) -> dict:
        return {"newsmon_source": source.name, "newsmon_kind": kind, **extra}

    def _source(self, response_or_request) -> Source:
        name = response_or_request.meta["newsmon_source"]
        return next(s for s in self.selected_sources if s.name == name)

    def _since(self, source: Source, kind: str) -> datetime | None:
        return self.first_windows.get((source.name, kind), self.since)

    def _set_windows(self) -> None:
        """Widen the window of each source and discovery kind crawled for the first time."""
        names = [s.name for s in self.selected_sources]
        self._new_kinds = not_yet_crawled(self._the_store(), names, self.discovery)
        if self.since_arg is not None:
            return  # an explicit --since holds for every source (and makes its first crawl)
        self.first_windows = first_crawl_windows(
            self.selected_sources,
            self._new_kinds,
            self.since,
            self.first_window,
            now=self.started_at,
        )
        for (name, kind), since in self.first_windows.items():
            self.crawler.stats.set_value(f"{STAT_PREFIX}{name}/{kind}", since.isoformat())
            logger.info("first crawl of %s's %s: window from %s", name, kind, since.isoformat())

    def _listed(self, response, source: Source, entries, hint=None) -> None:
        """Tell the feed's poll (crawler.middlewares.polls) which entries its document listed."""
        poll = response.meta.get("newsmon_poll")
        if poll is None:
            return
        listed = []
        for url, published_raw in entries:
            if (key := url_key(url)) is not None:
                published = parse_date(
                    published_raw,
                    timezone=source.timezone,
                    languages=source.date_languages,
                    now=self.started_at,
                )
                listed.append((key, to_iso(published)))
        poll.listed(listed, hint)

    def _too_old(self, raw: str | None, source: Source, kind: str) -> bool:
        since = self._since(source, kind)
        if since is None or not raw:
            return False
        value = parse_date(
            raw, timezone=source.timezone, languages=source.date_languages, now=self.started_at
        )
        return value is not None and value < since

    def _claim(self, url: str) -> bool:
        """True the first time an article URL (in any variant) comes up in this run.

        Links found twice (feed and sitemap, several WordPress searches,
        tracking-parameter variants) are followed once.
        """
        key = url_key(url)
        if key is None:
            return False
        if key in self._claimed:
            self.crawler.stats.inc_value("discovery/seen_in_run")
            return False
        self._claimed.add(key)
        return True

    def _followable(self, url: str) -> bool:
        if followable(url):
            return True
        self.crawler.stats.inc_value("discovery/unsupported_scheme")
        logger.info("not followed (not http/https): %.200s", url)
        return False

    def _article_request(
        self, url: str, source: Source, via: str, updated_raw: str | None = None, **fallbacks
    ) -> scrapy.Request | None:
        if not self._followable(url) or not self._claim(url):
            return None
        meta = self._meta(source, "article", newsmon_via=via, newsmon_fallbacks=fallbacks)
        if updated_raw:
            updated = parse_date(
                updated_raw,
                timezone=source.timezone,
                languages=source.date_languages,
                now=self.started_at,
            )
            meta["newsmon_updated"] = to_iso(updated)
        # _claim() already keeps a run from fetching a link twice; past the
        # duplicate filter, a redirect loop ends at REDIRECT_MAX_TIMES with an
        # error instead of vanishing silently as a "duplicate".
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, meta=meta, dont_filter=True
        )

    def _error(self, source_name: str | None, what: str, url: str, message: str) -> None:
        inc_error(self.crawler.stats, source_name, what)
        logger.warning("%s: %s: %s", what, url, message)

    # --- start ----------------------------------------------------------------
    async def start(self):
        self._set_windows()
        for source in self.selected_sources:
            if "feeds" in self.discovery:
                for url in source.feeds:
                    yield scrapy.Request(
                        url,
                        callback=self.parse_feed,
                        errback=self.on_error,
                        meta=self._meta(
                            source,
                            "feed",
                            newsmon_conditional=True,
                            newsmon_window=window_key(self._since(source, "feeds")),
                            handle_httpstatus_list=[304],
                        ),
                    )
            if "sitemaps" in self.discovery:
                for url in source.sitemaps:
                    yield self._sitemap_request(url, source, depth=0)
            if "wordpress" in self.discovery and source.wordpress_api:
                for term in self.topics.search_terms:
                    yield self._wordpress_request(source, term, page=1)

    # --- feeds ------------------------------------------------------------------
    def parse_feed(self, response):
        source = self._source(response)
        if response.status == 304:
            self.crawler.stats.inc_value("feeds/not_modified")
            self._read_kinds.add((source.name, "feeds"))  # unchanged since it was read
            return
        parsed = parse_feed(response.body, response.url)
        if parsed.error:
            self._error(source.name, "feed_invalid", response.url, parsed.error)
            return
        self._read_kinds.add((source.name, "feeds"))
        self._listed(
            response,
            source,
            ((e.url, e.published_raw) for e in parsed.entries),
            parsed.update_period,
        )
        stats = self.crawler.stats
        stats.inc_value("feeds/entries", len(parsed.entries))
        if parsed.skipped:
            stats.inc_value("discovery/unsupported_scheme", parsed.skipped)
        if parsed.malformed:
            stats.inc_value("feeds/malformed")
            logger.info(
                "malformed feed, %d entries recovered: %s", len(parsed.entries), response.url
            )
        followed = 0
        for entry in parsed.entries:
            if self._too_old(entry.published_raw or entry.updated_raw, source, "feeds"):
                stats.inc_value("discovery/too_old")
                continue
            if followed >= self.feed_max_entries:
                stats.inc_value("feeds/entries_cut")
                continue
            followed += 1
            request = self._article_request(
                entry.url,
                source,
                "feed",
                updated_raw=entry.updated_raw,
                title=entry.title,
                published_raw=entry.published_raw,
                summary=entry.summary,
                authors=list(entry.authors),
            )
            if request is not None:
                yield request

    # --- sitemaps ------------------------------------------------------------
    def _sitemap_request(self, url: str, source: Source, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.on_error,
            meta=self._meta(
                source,
                "sitemap",
                newsmon_conditional=True,
                newsmon_window=window_key(self._since(source, "sitemaps")),
                newsmon_depth=depth,
                handle_httpstatus_list=[304],
            ),
        )

    def _sitemap_body(self, response) -> bytes | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                return gunzip(body, max_size=self.max_sitemap_size)
            except _DecompressionMaxSizeExceeded as exc:
                # gunzip stops inflating at the limit: a gzip bomb costs DOWNLOAD_MAXSIZE at most.
                self._error(
                    response.meta.get("newsmon_source"),
                    "download/too_large",
                    response.url,
                    str(exc),
                )
                return None
            except Exception as exc:  # OSError, EOFError, zlib.error on a damaged file
                self._error(
                    response.meta.get("newsmon_source"), "sitemap_gzip", response.url, str(exc)
                )
                return None
        return body

    def parse_sitemap(self, response):
        source = self._source(response)
        if response.status == 304:
            self.crawler.stats.inc_value("sitemaps/not_modified")
            self._read_kinds.add((source.name, "sitemaps"))  # unchanged since it was read
            return
        body = self._sitemap_body(response)
        if body is None:
            return
        parsed = parse_sitemap(body)
        if parsed.kind == "invalid":
            self._error(source.name, "sitemap_invalid", response.url, parsed.error or "invalid")
            return
        self._read_kinds.add((source.name, "sitemaps"))
        depth = response.meta.get("newsmon_depth", 0)
        if parsed.kind == "index":
            if depth >= self.sitemap_max_depth:
                self._error(source.name, "sitemap_too_deep", response.url, f"depth {depth}")
                return
            for entry in parsed.entries:
                if self._too_old(entry.lastmod, source, "sitemaps"):
                    self.crawler.stats.inc_value("discovery/too_old")
                    continue
                url = response.urljoin(entry.loc)
                if self._followable(url):
                    yield self._sitemap_request(url, source, depth + 1)
            return
        self._listed(
            response,
            source,
            ((response.urljoin(e.loc), e.news_publication_date) for e in parsed.entries),
        )
        for entry in parsed.entries:
            date = entry.news_publication_date or entry.lastmod
            if self._too_old(date, source, "sitemaps"):
                self.crawler.stats.inc_value("discovery/too_old")
                continue
            request = self._article_request(
                response.urljoin(entry.loc),
                source,
                "sitemap",
                updated_raw=entry.lastmod,
                title=entry.news_title,
                published_raw=entry.news_publication_date,
            )
            if request is not None:
                yield request

    # --- WordPress -----------------------------------------------------------
    def _wordpress_request(self, source: Source, term: str, page: int) -> scrapy.Request:
        url = search_url(
            source.wordpress_api,
            term,
            after=self._since(source, "wordpress"),
            page=page,
            per_page=self.wp_per_page,
        )
        return scrapy.Request(
            url,
            callback=self.parse_wordpress,
            errback=self.on_error,
            meta=self._meta(source, "wordpress", newsmon_term=term, newsmon_page=page),
        )

    async def parse_wordpress(self, response):
        source = self._source(response)
        try:
            posts = parse_posts(response.body)
        except ValueError as exc:
            self._error(source.name, "wordpress_invalid", response.url, str(exc))
            return
        self._read_kinds.add((source.name, "wordpress"))
        self.crawler.stats.inc_value("wordpress/posts", len(posts))
        for post in posts:
            if not self._claim(post.link):
                continue
            if self._stored(post.link):
                self.crawler.stats.inc_value("incremental/skipped")
                continue
            html = f"<html><head><title>{post.title or ''}</title></head><body><article>{post.content_html}</article></body></html>"
            article, made = await self.extractor.extract(html, post.link, source.language)
            item = self._item(
                source, post.link, article, via="wordpress", request_url=post.link, made=made
            )
            item.title = post.title or item.title
            item.canonical_url = post.link
            item.feed_published_raw = post.date_gmt
            item.published_raw = post.date_gmt
            item.modified_raw = post.modified_gmt
            item.feed_summary = post.excerpt
            item.authors = list(post.authors) or item.authors
            yield item
        total_pages = response.headers.get("X-WP-TotalPages")
        page = response.meta["newsmon_page"]
        try:
            total = int(total_pages) if total_pages else 1
        except ValueError:
            total = 1
        if page < min(total, self.wp_max_pages) and len(posts) > 0:
            yield self._wordpress_request(source, response.meta["newsmon_term"], page + 1)

    # --- articles ------------------------------------------------------------
    def _item(
        self,
        source: Source,
        url: str,
        article,
        via: str,
        request_url: str | None,
        made: BodyPrint | None = None,
    ) -> ArticleItem:
        return ArticleItem(
            url=url,
            source=source.name,
            title=article.title,
            body=article.body,
            request_url=request_url,
            canonical_url=article.canonical_url,
            authors=list(article.authors),
            description=article.description,
            section=article.section,
            tags=list(article.tags),
            image=article.image,
            language=article.language or source.language,
            source_language=source.language,
            source_family=source.family or source.name,
            date_languages=source.date_languages,
            timezone=source.timezone,
            published_raw=article.published_raw,
            published_kind=article.published_kind,
            modified_raw=article.modified_raw,
            numeric_day_first=article.numeric_day_first,
            discovered_via=via,
            fetched_at=utcnow_iso(),
            body_print=made,
        )

    async def parse_article(self, response):
        source = self._source(response)
        if not response.body.strip():
            self._error(source.name, "empty_page", response.url, "empty body")
            return
        if not is_html(response):
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            self._error(source.name, "not_html", response.url, f"content type {ctype or 'unknown'}")
            return
        if not _HTML_END.search(response.body, max(0, len(response.body) - 65536)):
            # Stored from what arrived, but an operator should see that an outlet cuts pages short.
            self.crawler.stats.inc_value("pages/unterminated_html")
        try:
            article, made = await self.extractor.extract(
                response.text, response.url, source.language
            )
        except Exception as exc:
            self._error(
                source.name, "extraction_failed", response.url, f"{type(exc).__name__}: {exc}"
            )
            return
        fallbacks = response.meta.get("newsmon_fallbacks") or {}
        request_url = (response.meta.get("redirect_urls") or [response.url])[0]
        item = self._item(
            source,
            response.url,
            article,
            via=response.meta.get("newsmon_via"),
            request_url=request_url,
            made=made,
        )
        item.feed_title = fallbacks.get("title")
        item.feed_published_raw = fallbacks.get("published_raw")
        item.feed_summary = fallbacks.get("summary")
        if not item.authors and fallbacks.get("authors"):
            item.authors = list(fallbacks["authors"])
        yield item

    # --- errors -----------------------------------------------------------------
    def on_error(self, failure):
        kind = failure_kind(failure)
        if kind is None:
            return
        request = failure.request
        self._error(
            request.meta.get("newsmon_source"), kind, request.url, failure.getErrorMessage()
        )
