"""Store articles through the crawl's store, in short batched write transactions.

The batch is written in one store transaction (``BEGIN IMMEDIATE`` on SQLite)
so concurrent crawls wait for each other instead of failing; inside the
transaction the row is looked up again, so two processes racing on one URL
still produce one row.

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
import time

from scrapy.exceptions import DropItem

from crawler.extensions.store import CrawlStore
from crawler.fingerprint import print_of
from crawler.items import ArticleItem
from crawler.runs import utcnow_iso
from crawler.stats import inc_error, inc_source
from crawler.store import Store, StoreError, WriteTransaction
from crawler.stories import SketchCache, StoryIndex, TranslationIndex
from crawler.translations import signature

logger = logging.getLogger(__name__)


def _row(item: ArticleItem) -> dict:
    row = {
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
    if item.archive:  # only archived copies name the columns (a live row keeps them NULL)
        row |= {"archive": item.archive, "captured_at": item.captured_at}
    return row


def store_articles(
    store: Store, items: list[ArticleItem], sketches: SketchCache | None = None
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
    with store.write() as tx:
        stories = StoryIndex(tx, sketches)
        translations = TranslationIndex(tx)
        for item in items:
            row = _row(item)
            existing = tx.find_article([item.url_key, *item.url_aliases])
            if existing is not None:
                article_id = existing.id
                if existing.content_hash == item.content_hash:
                    outcome = "unchanged"
                else:
                    tx.archive_version(article_id, utcnow_iso())
                    update = {k: v for k, v in row.items() if k not in ("url_key", "url")}
                    if update["modified_at"] is None:
                        update["modified_at"] = row["fetched_at"]
                    if update["published_at"] is None:
                        update.pop("published_at")
                        update.pop("published_raw")
                    tx.update_article(article_id, update)
                    made = print_of(item.body, item.body_print)
                    stories.add(article_id, made, *stories.sketch_of(made, item.source))
                    translations.add(article_id, _signature(item, row, stories), _family(item))
                    outcome = "updated"
            else:
                story_id = _story_of(tx, item.story_url) if item.story_url else None
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
                article_id = tx.insert_article(row, story_id)
                stories.add(article_id, made, text_sketch, excluded)
                translations.add(article_id, signed, _family(item))
                if translated is not None:
                    translations.link(article_id, translated)
                    item.translation_of = translated.article_id
                if story_id is not None and not item.story_url:
                    item.story_url = tx.article_key(story_id)
                outcome = "new"
            if item.url_aliases:
                tx.add_aliases(article_id, item.url_aliases)
            results.append((item, outcome, article_id))
    return results


def _signature(item: ArticleItem, row: dict, stories: StoryIndex):
    """What of the stored text (``row``, its furniture left out) survives translation (:mod:`crawler.translations`)."""
    return signature(row["title"], stories.story_text(row["body"], item.source), item.language)


def _family(item: ArticleItem) -> str:
    return item.source_family or item.source


def _story_of(tx: WriteTransaction, url_key: str) -> int | None:
    """Story of the stored article known under ``url_key`` (its key or an alias)."""
    found = tx.find_article([url_key])
    return found.story_id if found else None


class StoragePipeline:
    """Buffers items and writes them every ``NEWSMON_DB_BATCH_SIZE`` items or seconds."""

    def __init__(
        self,
        stats,
        shared: CrawlStore,
        batch_size: int = 20,
        batch_seconds: float = 5.0,
        crawler=None,
    ):
        self.stats = stats
        self.shared = shared
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.crawler = crawler
        self.buffer: list[ArticleItem] = []
        self.store: Store | None = None
        self.failed: str | None = None
        """Why the database cannot be written (set by the first failed batch)."""
        self._last_flush = time.monotonic()
        self.sketches = SketchCache()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            crawler.stats,
            CrawlStore.of(crawler),
            settings.getint("NEWSMON_DB_BATCH_SIZE", 20),
            settings.getfloat("NEWSMON_DB_BATCH_SECONDS", 5.0),
            crawler=crawler,
        )

    def open_spider(self, spider=None):
        self.store = self.shared.acquire()

    def close_spider(self, spider=None):
        try:
            self.flush()
        finally:
            # Candidate sketches taken from memory, and those read from the database.
            self.stats.set_value("stories/sketches_kept", self.sketches.hits)
            self.stats.set_value("stories/sketches_read", self.sketches.misses)
            if self.store is not None:
                self.store = None
                self.shared.release()

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
        if not self.buffer or self.store is None:
            return
        batch, self.buffer = self.buffer, []
        if self.failed is not None:
            self._not_stored(batch)
            return
        started = time.perf_counter()
        try:
            results = store_articles(self.store, batch, self.sketches)
        except StoreError as exc:
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

    def _fail(self, batch: list[ArticleItem], exc: StoreError) -> None:
        """Record a write failure once and stop the crawl; the batch was rolled back."""
        self.failed = f"{exc}" or type(exc).__name__
        self.stats.set_value("storage/error", self.failed)
        self._not_stored(batch)
        logger.error(
            "cannot write to the database %s: %s; stopping the crawl", self.shared.url, self.failed
        )
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="database_error"))
