"""Deduplication by URL and exact text; story grouping is left to storage.

- ``url_key``: the canonical form of ``rel=canonical`` (or of the final URL
  when the page declares none, or a canonical that cannot be trusted: another
  site, the front page, or a URL already holding a different text); every URL
  the article was seen under becomes an alias.
- Already stored and unchanged: dropped (``dedup/dropped/same_url``); stored
  with other text: passed on as an update (``existing_id`` set,
  ``dedup/changed``).
- Same text under another URL of the same source: dropped (``dedup/dropped/same_text``).
- Copies at other outlets, exact or not, are kept: storage gives them the
  story of the text they copy (:mod:`crawler.stories`), inside its write
  transaction, where every article stored before is visible.

Storage writes in batches, so what passed in this run is remembered here too.
"""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict

from scrapy.exceptions import DropItem

from crawler.extensions.store import CrawlStore
from crawler.fingerprint import containment, print_of, shingles
from crawler.items import ArticleItem
from crawler.stats import inc_source
from crawler.urls import is_front_page, same_site, url_key

logger = logging.getLogger(__name__)

RUN_TEXTS = 2000
"""Latest passed articles whose shingles are kept in memory (about 1 kB each)."""

SAME_ARTICLE_CONTAINMENT = 0.3
"""An edited article keeps at least this share of its shorter version; below
it, a stored text reached only through ``rel=canonical`` is another article
and the canonical is not trusted."""


def trusted_canonical(item: ArticleItem) -> str | None:
    """``item.canonical_url`` when it may name the article: same site, not the front page."""
    canonical = (item.canonical_url or "").strip()
    if not canonical or url_key(canonical) is None:
        return None
    if not same_site(canonical, item.url):
        # A syndicated copy pointing at the original: another outlet's row.
        return None
    if is_front_page(canonical) and not is_front_page(item.url):
        return None
    return canonical


def url_keys(item: ArticleItem, *, use_canonical: bool = True) -> tuple[str, list[str]]:
    """The article's key and the keys of every other URL it was seen under.

    Raises ValueError when not even the fetched URL is an http(s) URL.
    """
    canonical = trusted_canonical(item) if use_canonical else None
    fetched = url_key(item.url)
    key = url_key(canonical) or fetched
    if key is None:
        raise ValueError(f"not an http(s) URL: {item.url!r}")
    aliases: list[str] = []
    for url in (item.url, item.request_url, canonical):
        alias = url_key(url)
        if alias and alias != key and alias not in aliases:
            aliases.append(alias)
    return key, aliases


class DedupPipeline:
    """Drops re-fetches and same-source copies, marks updates; counts ``dedup/*``."""

    def __init__(self, stats, shared: CrawlStore):
        self.stats = stats
        self.shared = shared
        self.store = None
        # Passed in this run but perhaps not yet written by the storage batch:
        # URL key -> content hash, and (source, content hash) -> URL key.
        self._run_keys: dict[str, str] = {}
        self._run_source_hash: dict[tuple[str, str], str] = {}
        # Shingles of the latest articles passed, by key, to judge a doubtful
        # canonical before storage has written them (bounded: storage writes
        # every few seconds).
        self._run_texts: OrderedDict[str, array] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, CrawlStore.of(crawler))

    def open_spider(self, spider=None):
        self.store = self.shared.acquire()

    def close_spider(self, spider=None):
        if self.store is not None:
            self.store = None
            self.shared.release()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            key, aliases = url_keys(item)
        except ValueError as exc:
            self.stats.inc_value("dedup/dropped/bad_url")
            inc_source(self.stats, item.source, "dropped")
            raise DropItem(str(exc)) from None
        made = print_of(item.body, item.body_print)
        item.body_print = made
        item.content_hash = made.content_hash
        if self._canonical_misleads(item, key):
            self.stats.inc_value("dedup/canonical_ignored")
            logger.info(
                "rel=canonical %s names another text; keyed by %s", item.canonical_url, item.url
            )
            key, aliases = url_keys(item, use_canonical=False)
        item.url_key, item.url_aliases = key, aliases
        keys = [key, *aliases]

        if any(self._run_keys.get(k) == item.content_hash for k in keys):
            self._drop(item, "same_url")
        stored = self.store.find_article(keys)
        if stored is not None:
            stored_key = stored.url_key
            if stored.content_hash == item.content_hash:
                self._drop(item, "same_url")
            item.existing_id = stored.id
            item.url_key = stored_key
            if key != stored_key and key not in item.url_aliases:
                item.url_aliases.append(key)
            self.stats.inc_value("dedup/changed")
        elif not any(k in self._run_keys for k in keys):
            same_text = self._run_source_hash.get((item.source, item.content_hash))
            if same_text is None:
                same_text = self.store.same_text_key(item.source, item.content_hash)
            if same_text is not None:
                self._drop(item, "same_text")
        for k in keys:
            self._run_keys[k] = item.content_hash
        self._run_source_hash.setdefault((item.source, item.content_hash), item.url_key)
        self._run_texts[item.url_key] = array("I", made.sketch.shingles)
        self._run_texts.move_to_end(item.url_key)
        if len(self._run_texts) > RUN_TEXTS:
            self._run_texts.popitem(last=False)
        return item

    def _canonical_misleads(self, item: ArticleItem, key: str) -> bool:
        """True when ``key`` came from the canonical and already names a different text.

        Some sites give every page the same canonical (a section, the latest
        story); trusting it would turn each new article into an "update" of
        the first one. An edit keeps most of the text; another article does not.
        """
        own = [k for k in {url_key(item.url), url_key(item.request_url)} if k and k != key]
        if not own or trusted_canonical(item) is None or url_key(item.url) == key:
            return False  # the key is the fetched URL's own: nothing to doubt
        stored = self.store.find_article([key])
        if stored is not None:
            if stored.content_hash == item.content_hash or self.store.find_article(own) is not None:
                return False
            earlier = shingles(self.store.article_body(stored.id) or "")
        elif key in self._run_keys and not any(k in self._run_keys for k in own):
            # Passed earlier in this run from another URL, perhaps not written yet.
            if self._run_keys[key] == item.content_hash:
                return False
            earlier = self._run_texts.get(key)
            if earlier is None:
                return True
        else:
            return False
        own_text = print_of(item.body, item.body_print).sketch.shingles
        return containment(own_text, frozenset(earlier)) < SAME_ARTICLE_CONTAINMENT

    def _drop(self, item: ArticleItem, reason: str) -> None:
        self.stats.inc_value(f"dedup/dropped/{reason}")
        inc_source(self.stats, item.source, "duplicates")
        raise DropItem(f"duplicate ({reason}): {item.url}")
