"""The one store of a crawl, shared by its components through the crawler (as its stats are).

Every component that reads or writes the database asks ``CrawlStore.of(crawler)``
for the crawl's handle when it is built (no I/O), calls :meth:`CrawlStore.acquire`
where it opens (``open_spider`` / ``spider_opened``) and :meth:`CrawlStore.release`
where it closes. The store is opened by the first acquire and closed by the last
release, whatever order Scrapy opens and closes the components in. A command
that has already opened the store for its own work hands it to the crawl with
:meth:`CrawlStore.provide`; the command then closes it.
"""

from __future__ import annotations

from crawler.store import Store, open_store


class CrawlStore:
    """The crawl's store: opened on first use, closed when its last user lets go."""

    def __init__(self, url: str, store: Store | None = None):
        self.url = url
        self.store = store
        self._owned = store is None
        self._users = 0

    @classmethod
    def of(cls, crawler) -> CrawlStore:
        """The handle of ``crawler``'s store (made on first call, from ``NEWSMON_DB``)."""
        shared = getattr(crawler, "newsmon_store", None)
        if shared is None:
            shared = cls(str(crawler.settings.get("NEWSMON_DB")))
            crawler.newsmon_store = shared
        return shared

    @classmethod
    def provide(cls, crawler, store: Store) -> CrawlStore:
        """Make ``store`` (opened and closed by the caller) the store of ``crawler``."""
        crawler.newsmon_store = cls(store.url, store)
        return crawler.newsmon_store

    def acquire(self) -> Store:
        if self.store is None:
            self.store = open_store(self.url)
        self._users += 1
        return self.store

    def release(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users == 0 and self._owned and self.store is not None:
            store, self.store = self.store, None
            store.close()
