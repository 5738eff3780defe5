"""Pages of local WARC files for the ``archive`` spider (``newsmon backfill --warc``).

Every ``response`` record of a configured source's site (or of the one
source given) goes through the news spider's extraction, a batch at a time
so the extraction workers run side by side.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime

import scrapy
from scrapy.http import HtmlResponse

from crawler.archives.cdx import site_of
from crawler.archives.warc import WarcDamaged, WarcPage, read_pages
from crawler.config import Source
from crawler.middlewares.seen import is_stored

logger = logging.getLogger(__name__)

_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def archive_stat(source: str, counter: str) -> str:
    """Stats key of a backfill counter of one source: ``archive/<source>/<counter>``."""
    return f"archive/{source}/{counter}"


def page_response(page: WarcPage, url: str, meta: dict) -> HtmlResponse:
    """A WARC record's page as the response of a request to ``url`` (its encodings already removed)."""
    headers = {k: v for k, v in page.headers.items() if k.lower() not in _DROPPED_HEADERS}
    return HtmlResponse(
        url,
        status=page.status,
        headers=headers,
        body=page.body,
        request=scrapy.Request(url, meta=meta),
    )


class WarcFiles:
    """The ``archive`` spider's reading of ``--warc`` files (a mixin of :class:`ArchiveSpider`)."""

    async def _from_warcs(self):
        # Up to warc_batch pages are extracted at once; each page's items go on as soon
        # as it is done, so one slow page does not hold the others back.
        store = self._the_store()
        running: set[asyncio.Task] = set()
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
            running.add(asyncio.ensure_future(self._warc_items(source, page)))
            while len(running) >= self.warc_batch:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for item in _items_of(done):
                    yield item
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for item in _items_of(done):
                yield item

    async def _warc_items(self, source: Source, page: WarcPage) -> list:
        meta = self._meta(source, "article", newsmon_via="warc")
        items = [item async for item in self.parse_article(page_response(page, page.url, meta))]
        for item in items:
            item.archive = "warc"
            item.captured_at = page.captured_at or None
        return items


def _warc_pages(spider):
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


def _items_of(done: set[asyncio.Task]) -> list:
    return [item for task in done for item in task.result()]


def _source_of(url: str, by_site: dict[str, Source]) -> Source | None:
    host = site_of(url)
    while host:
        if host in by_site:
            return by_site[host]
        host = host.partition(".")[2]
    return None
