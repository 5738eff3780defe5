"""Store articles in SQLite (sqlite-utils), in short batched write transactions.

The batch is written inside ``BEGIN IMMEDIATE`` so concurrent crawls wait for
each other instead of failing; inside the transaction the row is looked up
again, so two processes racing on one URL still produce one row.

When a batch cannot be written (disk full, read-only file, I/O error) the
transaction is rolled back, so the database keeps every batch committed
before, and the crawl is stopped (finish reason ``database_error``): going on
would fetch pages only to lose them. ``storage/error`` holds the message and
``storage/not_stored`` counts the articles lost; ``newsmon crawl`` reports
both and exits non-zero.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time

import sqlite_utils
from scrapy.exceptions import DropItem

from crawler.db import connect, find_article, write_transaction
from crawler.fingerprint import print_of
from crawler.items import ArticleItem
from crawler.runs import utcnow_iso
from crawler.stats import inc_error, inc_source
from crawler.stories import SketchCache, StoryIndex, TranslationIndex
from crawler.translations import signature

logger = logging.getLogger(__name__)


def _row(item: ArticleItem) -> dict:
    return {
        "url": item.canonical_url or item.url,
        "url_key": item.url_key,
        "source": item.source,
        "title": (item.title or item.feed_title or "").strip(),
        "body": item.body.strip(),
        "published_at": item.published_at,
        "published_raw": item.published_raw,
        "modified_at": item.modified_at,
        "modified_raw": item.modified_raw,
        "date_source": item.date_source,
        "language": item.language,
        "authors": json.dumps(item.authors, ensure_ascii=False),
        "description": item.description or item.feed_summary,
        "section": item.section,
        "tags": json.dumps(item.tags, ensure_ascii=False),
        "image": item.image,
        "fetched_url": item.url,
        "discovered_via": item.discovered_via,
        "fetched_at": item.fetched_at or utcnow_iso(),
        "content_hash": item.content_hash,
        "relevant": int(bool(item.relevant)),
        "topics": json.dumps(item.topics, ensure_ascii=False),
        "topic_terms": json.dumps(item.topic_terms, ensure_ascii=False),
        "relevance_score": item.relevance_score,
    }


def store_articles(
    db: sqlite_utils.Database, items: list[ArticleItem], sketches: SketchCache | None = None
) -> list[tuple[ArticleItem, str, int]]:
    """Insert or update ``items`` in one write transaction.

    Returns ``(item, outcome, article_id)`` per item, outcome being ``new``,
    ``updated`` or ``unchanged``. A new article joins the story of the stored
    text it copies (:mod:`crawler.stories`); its ``story_url`` is then set to
    the ``url_key`` of that story's first article. The match runs inside the
    transaction, so it sees every article committed before, by this batch or
    by another process. A new article that copies no stored text joins the
    story of a stored article in another language it translates, if any
    (:class:`crawler.stories.TranslationIndex`; the link and its evidence go
    to ``story_links``). ``sketches`` keeps stored articles' sketches from one
    batch to the next.
    """
    results = []
    with write_transaction(db):
        stories = StoryIndex(db, sketches)
        translations = TranslationIndex(db)
        for item in items:
            row = _row(item)
            existing = find_article(
                db,
                [item.url_key, *item.url_aliases],
                "a.id, a.content_hash, a.title, a.body, a.published_at, a.modified_at, a.fetched_at",
            )
            if existing is not None:
                article_id, old_hash, old_title, old_body, old_pub, old_mod, old_fetched = existing
                if old_hash == item.content_hash:
                    outcome = "unchanged"
                else:
                    db.execute(
                        "INSERT INTO article_versions (article_id, title, body, content_hash, published_at, "
                        "modified_at, fetched_at, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            article_id,
                            old_title,
                            old_body,
                            old_hash,
                            old_pub,
                            old_mod,
                            old_fetched,
                            utcnow_iso(),
                        ],
                    )
                    update = {k: v for k, v in row.items() if k not in ("url_key", "url")}
                    if update["modified_at"] is None:
                        update["modified_at"] = row["fetched_at"]
                    if update["published_at"] is None:
                        update.pop("published_at")
                        update.pop("published_raw")
                    db["articles"].update(article_id, update)
                    made = print_of(item.body, item.body_print)
                    stories.add(article_id, made, *stories.sketch_of(made, item.source))
                    translations.add(article_id, _signature(item, row, stories), _family(item))
                    outcome = "updated"
            else:
                story_id = _story_of(db, item.story_url) if item.story_url else None
                made = print_of(item.body, item.body_print)
                text_sketch, excluded = stories.sketch_of(made, item.source)
                if story_id is None:
                    story_id = stories.join(stories.find(text_sketch, item.source))
                signed = _signature(item, row, stories)
                translated = None
                if story_id is None:
                    translated = translations.find(
                        signed, _family(item), row["published_at"] or row["fetched_at"]
                    )
                    story_id = translated.story_id if translated else None
                row["first_seen_at"] = row["fetched_at"]
                cursor = db.execute(
                    f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    list(row.values()),
                )
                article_id = int(cursor.lastrowid)
                db.execute(
                    "UPDATE articles SET story_id = ? WHERE id = ?",
                    [story_id or article_id, article_id],
                )
                stories.add(article_id, made, text_sketch, excluded)
                translations.add(article_id, signed, _family(item))
                if translated is not None:
                    translations.link(article_id, translated)
                    item.translation_of = translated.article_id
                if story_id is not None and not item.story_url:
                    head = db.execute(
                        "SELECT url_key FROM articles WHERE id = ?", [story_id]
                    ).fetchone()
                    item.story_url = head[0] if head else None
                outcome = "new"
            for alias in item.url_aliases:
                db.execute(
                    "INSERT OR IGNORE INTO url_aliases (url_key, article_id) VALUES (?, ?)",
                    [alias, article_id],
                )
            results.append((item, outcome, article_id))
    return results


def _signature(item: ArticleItem, row: dict, stories: StoryIndex):
    """What of the stored text (``row``, its furniture left out) survives translation (:mod:`crawler.translations`)."""
    return signature(row["title"], stories.story_text(row["body"], item.source), item.language)


def _family(item: ArticleItem) -> str:
    return item.source_family or item.source


def _story_of(db: sqlite_utils.Database, url_key: str) -> int | None:
    """Story of the stored article known under ``url_key`` (its key or an alias)."""
    found = find_article(db, [url_key], "a.story_id")
    return found[0] if found else None


class StoragePipeline:
    """Buffers items and writes them every ``NEWSMON_DB_BATCH_SIZE`` items or seconds."""

    def __init__(
        self,
        stats,
        db_path: str,
        batch_size: int = 20,
        batch_seconds: float = 5.0,
        crawler=None,
    ):
        self.stats = stats
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.crawler = crawler
        self.buffer: list[ArticleItem] = []
        self.db: sqlite_utils.Database | None = None
        self.failed: str | None = None
        """Why the database cannot be written (set by the first failed batch)."""
        self._last_flush = time.monotonic()
        self.sketches = SketchCache()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.get("NEWSMON_DB"),
            settings.getint("NEWSMON_DB_BATCH_SIZE", 20),
            settings.getfloat("NEWSMON_DB_BATCH_SECONDS", 5.0),
            crawler=crawler,
        )

    def open_spider(self, spider=None):
        self.db = connect(self.db_path)

    def close_spider(self, spider=None):
        try:
            self.flush()
        finally:
            # Candidate sketches taken from memory, and those read from the database.
            self.stats.set_value("stories/sketches_kept", self.sketches.hits)
            self.stats.set_value("stories/sketches_read", self.sketches.misses)
            if self.db is not None:
                self.db.close()
                self.db = None

    def process_item(self, item: ArticleItem) -> ArticleItem:
        if self.failed is not None:
            self._not_stored([item])
            raise DropItem(f"not stored (database error): {item.url}")
        self.buffer.append(item)
        if (
            len(self.buffer) >= self.batch_size
            or time.monotonic() - self._last_flush >= self.batch_seconds
        ):
            self.flush()
        return item

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if not self.buffer or self.db is None:
            return
        batch, self.buffer = self.buffer, []
        if self.failed is not None:
            self._not_stored(batch)
            return
        started = time.perf_counter()
        try:
            results = store_articles(self.db, batch, self.sketches)
        except sqlite3.Error as exc:
            self._fail(batch, exc)
            return
        self.stats.inc_value("storage/batches")
        self.stats.inc_value("storage/seconds", time.perf_counter() - started)
        for item, outcome, _ in results:
            self.stats.inc_value(f"storage/{outcome}")
            if outcome == "new":
                inc_source(self.stats, item.source, "articles_new")
                self.stats.inc_value("stories/joined" if item.story_url else "stories/new")
                if item.translation_of is not None:
                    self.stats.inc_value("stories/translations")
            elif outcome == "updated":
                inc_source(self.stats, item.source, "articles_updated")
            else:
                inc_source(self.stats, item.source, "duplicates")
            if outcome != "unchanged" and item.relevant:
                inc_source(self.stats, item.source, "relevant")

    def _not_stored(self, batch: list[ArticleItem]) -> None:
        self.stats.inc_value("storage/not_stored", len(batch))
        for item in batch:
            inc_error(self.stats, item.source, "storage/not_stored")

    def _fail(self, batch: list[ArticleItem], exc: sqlite3.Error) -> None:
        """Record a write failure once and stop the crawl; the batch was rolled back."""
        self.failed = f"{exc}" or type(exc).__name__
        self.stats.set_value("storage/error", self.failed)
        self._not_stored(batch)
        logger.error(
            "cannot write to the database %s: %s; stopping the crawl", self.db_path, self.failed
        )
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="database_error"))
