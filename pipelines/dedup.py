"""Deduplication: same URL (in its variants), same text, copies of one story.

- ``url_key``: the canonical form of ``rel=canonical`` (or the final URL);
  every URL the article was seen under becomes an alias.
- Already stored and unchanged: dropped (``dedup/dropped/same_url``); stored
  with other text: passed on as an update (``existing_id`` set).
- Same text under another URL of the same source: dropped (``dedup/dropped/same_text``).
- Same text at another outlet: kept, with ``story_url`` pointing at the first copy.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.db import connect
from crawler.fingerprint import content_hash
from crawler.items import ArticleItem
from crawler.stats import inc_source
from crawler.urls import canonicalize_url

logger = logging.getLogger(__name__)


def url_keys(item: ArticleItem) -> tuple[str, list[str]]:
    """The article's key and the keys of every URL it was seen under."""
    primary = item.canonical_url or item.url
    try:
        key = canonicalize_url(primary)
    except ValueError:
        key = canonicalize_url(item.url)
    aliases = []
    for url in (item.url, item.request_url, item.canonical_url):
        if url:
            try:
                alias = canonicalize_url(url)
            except ValueError:
                continue
            if alias != key and alias not in aliases:
                aliases.append(alias)
    return key, aliases


class DedupPipeline:
    def __init__(self, stats, db_path: str):
        self.stats = stats
        self.db_path = db_path
        self.db = None
        # Seen in this run but perhaps not yet written by the storage batch.
        self._run_keys: dict[str, str] = {}
        self._run_source_hash: dict[tuple[str, str], str] = {}
        self._run_hash: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.get("NEWSMON_DB"))

    def open_spider(self, spider=None):
        self.db = connect(self.db_path)

    def close_spider(self, spider=None):
        if self.db is not None:
            self.db.close()
            self.db = None

    def _stored(self, keys: list[str]) -> tuple[int, str, str] | None:
        placeholders = ",".join("?" for _ in keys)
        row = self.db.execute(
            f"SELECT a.id, a.content_hash, a.url_key FROM articles a WHERE a.url_key IN ({placeholders}) "
            f"UNION ALL SELECT a.id, a.content_hash, a.url_key FROM url_aliases u JOIN articles a ON a.id = u.article_id "
            f"WHERE u.url_key IN ({placeholders}) LIMIT 1",
            keys + keys,
        ).fetchone()
        return row

    def process_item(self, item: ArticleItem) -> ArticleItem:
        key, aliases = url_keys(item)
        item.url_key = key
        item.url_aliases = aliases
        item.content_hash = content_hash(item.title, item.body)
        keys = [key, *aliases]

        for k in keys:
            if k in self._run_keys:
                self._drop(item, "same_url", "duplicates")
        stored = self._stored(keys)
        if stored is not None:
            article_id, stored_hash, stored_key = stored
            if stored_hash == item.content_hash:
                self._drop(item, "same_url", "duplicates")
            item.existing_id = article_id
            item.url_key = stored_key
        else:
            same_text = self._run_source_hash.get((item.source, item.content_hash))
            if same_text is None:
                row = self.db.execute(
                    "SELECT url_key FROM articles WHERE source = ? AND content_hash = ? LIMIT 1",
                    [item.source, item.content_hash],
                ).fetchone()
                same_text = row[0] if row else None
            if same_text is not None:
                self._drop(item, "same_text", "duplicates")
            story = self._run_hash.get(item.content_hash)
            if story is None:
                row = self.db.execute(
                    "SELECT s.url_key FROM articles a JOIN articles s ON s.id = a.story_id "
                    "WHERE a.content_hash = ? LIMIT 1",
                    [item.content_hash],
                ).fetchone()
                story = row[0] if row else None
            item.story_url = story
            if story is not None:
                self.stats.inc_value("dedup/story/joined")
        for k in keys:
            self._run_keys[k] = item.url_key
        self._run_source_hash[(item.source, item.content_hash)] = item.url_key
        self._run_hash.setdefault(item.content_hash, item.story_url or item.url_key)
        return item

    def _drop(self, item: ArticleItem, reason: str, counter: str) -> None:
        self.stats.inc_value(f"dedup/dropped/{reason}")
        inc_source(self.stats, item.source, counter)
        raise DropItem(f"duplicate ({reason}): {item.url}")
