"""Normalise publication / modification dates to ISO 8601 UTC, keeping the raw strings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawler.dates import implausibility, parse_date, to_iso
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


class DatesPipeline:
    """Page date first, feed / sitemap / API date as fallback; implausible dates rejected and counted.

    Stats: ``dates/unparsed``, ``dates/rejected/future``, ``dates/rejected/too_old``
    (a date more than ``NEWSMON_MAX_FUTURE_SKEW_HOURS`` ahead of the fetch time, or
    before 1990), ``dates/source/page``, ``dates/source/feed`` and ``dates/missing``.
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
            raw, timezone=item.timezone, languages=item.date_languages or None, now=now
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
        published = self._parse(item.published_raw, item, now)
        item.date_source = "page" if published else None
        # The same string from page and API (WordPress) is judged once.
        if (
            published is None
            and item.feed_published_raw
            and item.feed_published_raw != item.published_raw
        ):
            published = self._parse(item.feed_published_raw, item, now)
            if published is not None:
                item.date_source = "feed"
                item.published_raw = item.published_raw or item.feed_published_raw
        item.published_at = to_iso(published)
        item.modified_at = to_iso(self._parse(item.modified_raw, item, now))
        if item.date_source:
            self.stats.inc_value(f"dates/source/{item.date_source}")
        else:
            self.stats.inc_value("dates/missing")
        return item
