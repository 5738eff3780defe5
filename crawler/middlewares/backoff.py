"""Waiting before a retry when an archive says it is overloaded: ``Retry-After``, else exponential.

Scrapy's ``RetryMiddleware`` retries a 429 or a 5xx at once, which is what
makes an overloaded archive block a client. For requests marked
``meta['newsmon_archive']`` this middleware (before it in the response
chain) waits what a 429 / 503 asks in ``Retry-After`` (capped at
``NEWSMON_ARCHIVE_MAX_WAIT`` seconds), or ``NEWSMON_ARCHIVE_BACKOFF`` x 2^n
after the n-th failure of a 5xx, then retries, at most ``RETRY_TIMES``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import get_retry_request

logger = logging.getLogger(__name__)

RETRIED = (429, 500, 502, 503, 504, 520, 522, 524)


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.base = crawler.settings.getfloat("NEWSMON_ARCHIVE_BACKOFF", 2.0)
        self.max_wait = crawler.settings.getfloat("NEWSMON_ARCHIVE_MAX_WAIT", 300.0)
        self.max_times = crawler.settings.getint("RETRY_TIMES", 2)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response, spider=None):
        if not request.meta.get("newsmon_archive") or response.status not in RETRIED:
            return response
        tries = request.meta.get("retry_times", 0)
        if tries >= self.max_times:
            return response  # RetryMiddleware gives up and counts it
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            wait = self.base * 2**tries
        wait = min(wait, self.max_wait)
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"archive {response.status}",
            max_retry_times=self.max_times,
            stats_base_key="backoff",
        )
        if retry is None:
            return response
        self.crawler.stats.inc_value(f"backoff/status/{response.status}")
        logger.info(
            "%s answered %s: waiting %.1fs before retrying %s",
            request.url.split("/")[2],
            response.status,
            wait,
            request.url,
        )
        await asyncio.sleep(wait)  # the asyncio reactor (Scrapy's default) runs this loop
        return retry
