"""The store interface: what newsmon's components need from a database, named after that need.

:class:`Store` (reads, short self-contained writes, the crawl-run history,
locks) and :class:`WriteTransaction` (the writes one batch makes together,
with the reads that must see them) are made of the classes of
:mod:`crawler.store.sql`, which hold each method, its documentation and the
SQL both backends run; a backend derives from them, supplies its dialect's
hooks and implements what is left abstract here (its transactions, locks and
readers' queries), as APScheduler's job stores share one base class.
Callers never see SQL, a connection or a cursor; they see these methods and
the value types of :mod:`crawler.store.values`. Backends raise
:class:`StoreError` (one-line message) for anything the database refuses, so
callers need not know which driver is underneath.

This module never imports Scrapy (the scheduler daemon uses the store).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from crawler.store.common import BackendStore
from crawler.store.sql.alerts import AlertStore
from crawler.store.sql.archives import ArchiveStore
from crawler.store.sql.articles import ArticleReads, ArticleStore, ArticleWrites
from crawler.store.sql.freshness import FreshnessStore
from crawler.store.sql.runs import RunStore
from crawler.store.sql.stories import StoryReads, StoryWrites
from crawler.store.sql.translations import TranslationReads, TranslationWrites
from crawler.store.values import (  # noqa: F401 (re-exported: callers import them from here)
    EXPORT_FIELDS,
    LIST_FIELDS,
    AlertClaim,
    AlertStory,
    ArticleFilter,
    ArticleLag,
    ArticleRef,
    Holder,
    ListedEntry,
    Listing,
    NewArticle,
    PollRow,
    RunRow,
    ScoredArticle,
    SearchQueryError,
    SourceFreshness,
    StoreError,
    Story,
    StoryHit,
    UnsupportedStoreError,
    chunks,
    translate_driver_errors,
    utcnow_iso,
)


class Lock(Protocol):
    """One exclusive lock, held until released or until the holding process dies."""

    @property
    def held(self) -> bool: ...
    def try_acquire(self, *, run_id: int | None = None) -> bool:
        """Take the lock if it is free; whether this object now holds it."""
        ...

    def holder(self) -> Holder | None:
        """Who holds it, as recorded (None when unknown)."""
        ...

    def release(self) -> None: ...


class SourceLocks(Protocol):
    """The locks of the sources one crawl wants (see :meth:`acquire`)."""

    @property
    def held(self) -> list[str]:
        """Sources whose lock this object holds, in the order given."""
        ...

    def acquire(
        self,
        wait: float,
        *,
        run_id: int | None = None,
        on_wait: Callable[[str, Holder | None], None] | None = None,
        clock: Callable[[], float] = ...,
    ) -> dict[str, Holder | None]:
        """Take every free lock, wait up to ``wait`` seconds for the others; return those still busy."""
        ...

    def set_run_id(self, run_id: int) -> None: ...
    def release(self) -> None: ...
    def __enter__(self) -> SourceLocks: ...
    def __exit__(self, *exc_info) -> None: ...


class Reads(ArticleReads, StoryReads, TranslationReads):
    """Reads a crawl makes, in or out of a write transaction (over ``self.conn``)."""

    def __init__(self, conn):
        self.conn = conn


class WriteTransaction(ArticleWrites, StoryWrites, TranslationWrites, Reads):
    """The writes of one batch, committed together (or not at all), with the reads that must see them."""


class Store(
    BackendStore,
    Reads,
    ArticleStore,
    RunStore,
    AlertStore,
    ArchiveStore,
    FreshnessStore,
    ABC,
):
    """One database: articles and their versions, the story index, HTTP validators, runs, locks.

    A backend implements the abstract methods, the hooks of
    :class:`~crawler.store.common.BackendStore` and the class methods
    ``open(url, *, migrate, read_only)``, ``exists(url)`` and ``local_path(url)``
    (:mod:`crawler.store`), and overrides the hooks of the :mod:`crawler.store.sql`
    classes where its dialect differs.
    """

    url: str
    """What the store was opened from (the ``--db`` value)."""

    # --- locks ---
    @abstractmethod
    def source_locks(self, sources: Iterable[str]) -> SourceLocks:
        """Locks that keep two crawls (on any machine using this store) off one source."""
        ...

    @abstractmethod
    def daemon_lock(self) -> Lock:
        """The lock that keeps a second scheduler daemon off this store (hold the store open with it)."""
        ...

    # --- reading: stories, search by story, export ---
    @abstractmethod
    def stories(self, filters: ArticleFilter = ..., *, limit: int | None = None) -> Iterator[Story]:
        """Stories formed by the articles ``filters`` selects, newest first (by first seen),
        each with its copies in order of publication; streamed."""
        ...

    @abstractmethod
    def search_stories(
        self, query: str, filters: ArticleFilter = ..., *, limit: int = 20
    ) -> list[StoryHit]:
        """One hit per story among the articles matching ``query`` (words as people type them,
        FTS5 operators kept), newest first. Raises :class:`SearchQueryError`."""
        ...

    @abstractmethod
    def export_articles(self, filters: ArticleFilter = ...) -> Iterator[dict]:
        """Every article ``filters`` selects with :data:`EXPORT_FIELDS`, in storage order; streamed."""
        ...

    @abstractmethod
    def export_subset(self, path: str, filters: ArticleFilter = ...) -> int:
        """Write the selected articles with their versions, aliases, story index and translation
        index into a new SQLite database at ``path`` (same schema, search working); the number
        of articles."""
        ...

    @abstractmethod
    def known_values(self, field: str) -> list[str]:
        """The ``source`` names or ``topics`` present in the stored articles (for error messages)."""
        ...

    @abstractmethod
    def has_value(self, field: str, value: str) -> bool:
        """Whether an article has ``source`` (or one of its ``topics``) equal to ``value``."""
        ...
