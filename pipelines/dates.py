"""Normalise publication / modification dates to ISO 8601 UTC, keeping the raw strings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from crawler.dates import parse_date, to_iso
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


class DatesPipeline:
    """Page date first, feed date as fallback; implausible dates are rejected and counted."""

    def __init__(self, stats, max_future: timedelta, now=None):
        self.stats = stats
        self.max_future = max_future
        self._now = now or (lambda: datetime.now(UTC))

    @classmethod
    def from_crawler(cls, crawler):
        hours = crawler.settings.getfloat("NEWSMON_MAX_FUTURE_SKEW_HOURS", 24)
        return cls(crawler.stats, timedelta(hours=hours))

    def _parse(self, raw: str | None, item: ArticleItem, now: datetime) -> datetime | None:
        if not raw:
            return None
        value = parse_date(raw, timezone=item.timezone, languages=item.date_languages or None, now=now)
        if value is None:
            self.stats.inc_value("dates/unparsed")
            logger.debug("unparsed date %r on %s", raw, item.url)
            return None
        if value > now + self.max_future:
            self.stats.inc_value("dates/rejected/future")
            return None
        if value < EARLIEST:
            self.stats.inc_value("dates/rejected/too_old")
            return None
        return value

    def process_item(self, item: ArticleItem) -> ArticleItem:
        now = self._now()
        if item.fetched_at:
            now = datetime.fromisoformat(item.fetched_at)
        published = self._parse(item.published_raw, item, now)
        item.date_source = "page" if published else None
        if published is None and item.feed_published_raw:
            published = self._parse(item.feed_published_raw, item, now)
            if published is not None:
                item.date_source = "feed"
                item.published_raw = item.published_raw or item.feed_published_raw
        item.published_at = to_iso(published)
        item.modified_at = to_iso(self._parse(item.modified_raw, item, now))
        if published is None:
            self.stats.inc_value("dates/missing")
        return item
