"""Drop items that cannot be stored: no URL, no title, no body."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.stats import inc_source

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 80


class ValidationPipeline:
    """Drops items missing a required field; counts ``validation/dropped/<reason>``."""

    def __init__(self, stats, min_body_chars: int = MIN_BODY_CHARS):
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("NEWSMON_MIN_BODY_CHARS", MIN_BODY_CHARS))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        reason = problem(item, self.min_body_chars)
        if reason:
            self.stats.inc_value(f"validation/dropped/{reason}")
            inc_source(self.stats, item.source, "dropped")
            raise DropItem(f"{reason}: {item.url}")
        if not item.title and item.feed_title:
            item.title = item.feed_title
        return item


def problem(item: ArticleItem, min_body_chars: int = MIN_BODY_CHARS) -> str | None:
    """The reason ``item`` cannot be stored, or None."""
    if not item.url:
        return "no_url"
    if not (item.title or item.feed_title or "").strip():
        return "no_title"
    body = (item.body or "").strip()
    if not body:
        return "no_body"
    if len(body) < min_body_chars:
        return "short_body"
    return None
