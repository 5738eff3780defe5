"""Feed polls: each request of a feed or news sitemap is recorded, and ``Retry-After`` is obeyed.

Every answer (or network error) of a feed request, retries included, becomes
a :class:`crawler.polling.PollDraft`, handed to the spider in
``meta['newsmon_poll']`` so that ``parse_feed`` / ``parse_sitemap`` can add
the entries the document listed; the drafts are written when the spider
closes (:func:`crawler.polling.record_polls`), with the lags of the articles
the crawl stored. A feed whose last answer was a 429 / 503 with
``Retry-After`` is not requested before that time, by this crawl or any
later one (``freshness/retry_after_skipped``): Scrapy's own retry of that
answer is turned off.

With ``NEWSMON_POLL_DUE_ONLY`` (set by the daemon's adaptive jobs) only the
feeds that are due, or will be within ``NEWSMON_POLL_AHEAD``, are requested
(``freshness/not_due``): a source is crawled because one of its feeds is
due, and its other feeds keep their own rates.

Placed after RetryMiddleware (550) and ConditionalRequestsMiddleware (560),
so that it sees each attempt's answer before they do.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.durations import parse_duration
from crawler.extensions.store import CrawlStore
from crawler.freshness import RETRY_AFTER_CAP, Bounds
from crawler.polling import (
    POLLED_KINDS,
    RETRY_AFTER_UNTIL,
    PollDraft,
    cache_max_age,
    iso,
    parse_retry_after,
    record_polls,
    retry_blocks,
    source_plans,
)
from crawler.store import StoreError

logger = logging.getLogger(__name__)


def polled(request) -> bool:
    """Whether a request is a poll: a configured feed or sitemap (not a sitemap an index lists)."""
    kind = request.meta.get("newsmon_kind")
    return kind == "feed" or (kind == "sitemap" and not request.meta.get("newsmon_depth"))


def feed_url(request) -> str:
    """The URL the source lists (before any redirect)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


class FeedPollsMiddleware:
    def __init__(
        self, crawler, shared: CrawlStore, due_only: Bounds | None = None, ahead=timedelta(0)
    ):
        self.stats = crawler.stats
        self.shared = shared
        self.due_only = due_only
        """The default bounds when only due feeds are requested (None: every feed is)."""
        self.ahead = ahead
        self.drafts: list[PollDraft] = []
        self.blocks: dict[str, datetime] = {}
        self.not_due: dict[str, datetime] = {}
        self.started_at: datetime | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSMON_RECORD_POLLS", True):
            raise NotConfigured
        due_only = None
        if settings.getbool("NEWSMON_POLL_DUE_ONLY", False):
            due_only = Bounds(
                min_interval=parse_duration(settings.get("NEWSMON_POLL_MIN_INTERVAL", "2m")),
                max_interval=parse_duration(settings.get("NEWSMON_POLL_MAX_INTERVAL", "6h")),
                default=parse_duration(settings.get("NEWSMON_POLL_DEFAULT_INTERVAL", "15m")),
            )
        ahead = parse_duration(settings.get("NEWSMON_POLL_AHEAD", "0"), allow_zero=True)
        return cls(crawler, CrawlStore.of(crawler), due_only, ahead)

    def spider_opened(self, spider=None):
        self.started_at = now = datetime.now(UTC).replace(microsecond=0)
        store = self.shared.acquire()
        try:
            self._plan(store, spider, now)
        except StoreError as exc:
            # The crawl still reads every feed; what it polls is recorded at the end.
            self.stats.inc_value("freshness/not_planned")
            logger.error("feed polls not read (Retry-After and due times not applied): %s", exc)

    def _plan(self, store, spider, now: datetime) -> None:
        history = store.feed_polls(iso(now - RETRY_AFTER_CAP))
        self.blocks = retry_blocks(history, now)
        if self.due_only is not None:
            plans = source_plans(
                store,
                getattr(spider, "selected_sources", ()),
                getattr(spider, "discovery", POLLED_KINDS),
                self.due_only,
                now,
            )
            self.not_due = {
                feed.feed_url: feed.due_at
                for plan, _ in plans.values()
                for feed in plan.feeds
                if feed.due_at > now + self.ahead
            }

    def spider_closed(self, spider=None, reason=None):
        # Polls of an interrupted crawl happened all the same: they are recorded too.
        try:
            lags = record_polls(self.shared.store, self.drafts, started_at=self.started_at)
            self.stats.inc_value("freshness/polls", len(self.drafts))
            if lags:
                self.stats.inc_value("freshness/lags", lags)
        except StoreError as exc:
            self.stats.inc_value("freshness/not_recorded", len(self.drafts))
            logger.error("feed polls not recorded (their feeds keep their old rate): %s", exc)
        finally:
            self.shared.release()

    def process_request(self, request, spider=None):
        if not polled(request):
            return None
        url = feed_url(request)
        until = self.blocks.get(url)
        if until is not None and until > datetime.now(UTC):
            self.stats.inc_value("freshness/retry_after_skipped")
            self.stats.set_value(RETRY_AFTER_UNTIL + url, until.isoformat())
            logger.info("not requested: %s asked to wait until %s (Retry-After)", url, iso(until))
            raise IgnoreRequest(f"retry-after until {iso(until)}")
        if url in self.not_due:
            self.stats.inc_value("freshness/not_due")
            logger.debug("not requested: %s is due at %s", url, iso(self.not_due[url]))
            raise IgnoreRequest(f"not due before {iso(self.not_due[url])}")
        return None

    def process_response(self, request, response, spider=None):
        if not polled(request):
            return response
        now = datetime.now(UTC)
        draft = self._draft(request, now, response.status)
        if response.status in (429, 503):
            header = response.headers.get("Retry-After")
            wait = parse_retry_after(header.decode("latin-1") if header else None, now)
            if wait is not None:
                draft.retry_after = wait
                self.blocks[draft.feed_url] = now + min(wait, RETRY_AFTER_CAP)
                # Asking again at once, as a retry would, is what the site asked us not to do.
                request.meta["dont_retry"] = True
        else:
            header = response.headers.get("Cache-Control")
            draft.hint = cache_max_age(header.decode("latin-1") if header else None)
        return response

    def process_exception(self, request, exception, spider=None):
        # A request refused before it left (robots.txt, private network, a
        # Retry-After above) asked nothing of the site.
        if polled(request) and not isinstance(exception, IgnoreRequest):
            self._draft(request, datetime.now(UTC), None)
        return None

    def _draft(self, request, now: datetime, status: int | None) -> PollDraft:
        draft = PollDraft(feed_url(request), request.meta.get("newsmon_source", ""), now, status)
        request.meta["newsmon_poll"] = draft
        self.drafts.append(draft)
        return draft
