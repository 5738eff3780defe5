"""Normalise publication / modification dates to ISO 8601 UTC, keeping the raw strings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.dates import (
    implausibility,
    is_weak,
    numeric_order,
    parse_date,
    states_time,
    to_iso,
)
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


def choose_published(
    page: datetime | None,
    page_kind: str | None,
    page_raw: str | None,
    feed: datetime | None,
    feed_kind: str,
    zone: str | None = None,
) -> tuple[datetime | None, str | None]:
    """The publication instant and the kind of evidence it comes from.

    The page's own statement (structured data, meta tags, ``<time>``, the dateline,
    the URL) comes first; then the feed / sitemap / API date; the page's weak
    guesses (a year alone, a date in the text, htmldate's fallback) last, never
    over a feed date. A page date without a time of day that the feed's instant
    falls on is that same day: the feed gives it its clock."""
    if page is not None and not is_weak(page_kind):
        if feed is not None and not states_time(page_raw) and _same_day(page, feed, zone):
            return feed, feed_kind
        return page, page_kind or "page"
    if feed is not None:
        return feed, feed_kind
    if page is not None:
        return page, page_kind
    return None, None


def _same_day(page: datetime, feed: datetime, zone: str | None) -> bool:
    """Whether ``feed`` falls on the calendar day ``page`` names, in the source's zone."""
    local = ZoneInfo(zone or "UTC")
    return page.astimezone(local).date() == feed.astimezone(local).date()


class DatesPipeline:
    """Page and feed dates weighed by the strength of their evidence; implausible dates rejected.

    Stats: ``dates/unparsed``, ``dates/rejected/future``, ``dates/rejected/too_old``
    (a date more than ``NEWSMON_MAX_FUTURE_SKEW_HOURS`` ahead of the fetch time, or
    before 1990), ``dates/source/<kind>`` (what the stored date came from: a page
    kind such as ``structured``, ``meta``, ``dateline``, ``text``, or ``feed``,
    ``sitemap``, ``wordpress``), ``dates/overruled`` (a weak page guess set aside
    for the feed date) and ``dates/missing``.
    """

    def __init__(self, stats, max_future: timedelta, now: Callable[[], datetime] | None = None):
        self.stats = stats
        self.max_future = max_future
        self._now = now or (lambda: datetime.now(UTC))

    @classmethod
    def from_crawler(cls, crawler):
        hours = crawler.settings.getfloat("NEWSMON_MAX_FUTURE_SKEW_HOURS", 24)
        return cls(crawler.stats, timedelta(hours=hours))

    def _fetch_time(self, item: ArticleItem) -> datetime:
        """When the page was fetched: relative dates count from then, and "future" means after it."""
        if item.fetched_at:
            try:
                value = datetime.fromisoformat(item.fetched_at)
                return value if value.tzinfo else value.replace(tzinfo=UTC)
            except ValueError:
                logger.warning("bad fetched_at %r on %s", item.fetched_at, item.url)
        return self._now()

    def _parse(self, raw: str | None, item: ArticleItem, now: datetime) -> datetime | None:
        if not raw:
            return None
        value = parse_date(
            raw,
            timezone=item.timezone,
            languages=item.date_languages or None,
            now=now,
            day_first=numeric_order(item.numeric_day_first, item.timezone),
        )
        if value is None:
            self.stats.inc_value("dates/unparsed")
            logger.info("unparsed date %r on %s", raw, item.url)
            return None
        reason = implausibility(value, now=now, max_future=self.max_future)
        if reason:
            self.stats.inc_value(f"dates/rejected/{reason}")
            logger.info("rejected date %r (%s) on %s", raw, reason, item.url)
            return None
        return value

    def process_item(self, item: ArticleItem) -> ArticleItem:
        now = self._fetch_time(item)
        feed_kind = item.discovered_via or "feed"
        # The same string from page and API (WordPress) is the API's, judged once.
        echoed = item.published_raw == item.feed_published_raw
        page = None if echoed else self._parse(item.published_raw, item, now)
        feed = self._parse(item.feed_published_raw, item, now)
        published, item.date_source = choose_published(
            page, item.published_kind, item.published_raw, feed, feed_kind, item.timezone
        )
        if page is not None and feed is not None and is_weak(item.published_kind):
            self.stats.inc_value("dates/overruled")
            logger.debug(
                "page guess %r (%s) set aside for %s date %r on %s",
                item.published_raw,
                item.published_kind,
                feed_kind,
                item.feed_published_raw,
                item.url,
            )
        if item.date_source == feed_kind:
            item.published_raw = item.published_raw or item.feed_published_raw
        item.published_at = to_iso(published)
        item.modified_at = to_iso(self._parse(item.modified_raw, item, now))
        if item.date_source:
            self.stats.inc_value(f"dates/source/{item.date_source}")
        else:
            self.stats.inc_value("dates/missing")
        return item
