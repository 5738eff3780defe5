"""The store interface: what newsmon's components need from a database, named after that need.

A backend implements :class:`Store` (reads, short self-contained writes, the
crawl-run history, locks) and :class:`WriteTransaction` (the writes one
batch makes together, with the reads that must see them). Callers never see
SQL, a connection or a cursor; they see these methods and the value types
below. Backends raise :class:`StoreError` (one-line message) for anything the
database refuses, so callers need not know which driver is underneath.

This module never imports Scrapy (the scheduler daemon uses the store).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


def utcnow_iso() -> str:
    """Now, ISO 8601 UTC with seconds precision (how the store writes times)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class StoreError(RuntimeError):
    """The store cannot be opened, read or written; the message is one line."""


class UnsupportedStoreError(StoreError):
    """The ``--db`` value names a scheme no backend is registered for."""


class SearchQueryError(StoreError):
    """A full-text query the backend's syntax does not accept."""


@dataclass(frozen=True)
class ArticleRef:
    """What dedup, incremental crawling and storage need to know of a stored article."""

    id: int
    """Row id."""
    url_key: str
    """The article's own URL key (its aliases are other keys leading to it)."""
    content_hash: str
    """Hash of the stored body (:func:`crawler.fingerprint.content_hash`)."""
    fetched_at: str
    """When it was last fetched, ISO 8601 UTC."""
    story_id: int | None
    """Story it belongs to (the id of the story's first article)."""


@dataclass(frozen=True)
class ScoredArticle:
    """A stored article as ``newsmon rescore`` reads it."""

    id: int
    title: str
    body: str
    content_hash: str
    relevant: bool
    topics: str
    """JSON list, as stored (may be unreadable: rescore counts that)."""
    topic_terms: str
    """JSON object, as stored."""
    relevance_score: float | None
    published_at: str | None
    """ISO 8601 UTC (topics may hold for a period only)."""


@dataclass(frozen=True)
class RunRow:
    """One ``crawl_runs`` row, with one source's own counters when the history was filtered by source."""

    id: int
    started_at: str
    """ISO 8601 UTC."""
    finished_at: str | None
    trigger: str
    """``manual`` or ``schedule``."""
    job_id: str | None
    sources: list[str]
    status: str
    pid: int | None
    message: str | None
    counts: dict[str, int]
    """The run's totals of :data:`crawler.stats.SOURCE_COUNTERS`."""
    source_status: str | None = None
    """With a source filter: that source's status in the run (None: not recorded)."""
    source_counts: dict[str, int] | None = None
    """With a source filter: that source's counters (None: not recorded)."""
    host: str | None = None
    """Host of the process that carries the run."""
    pid_started: float | None = None
    """Start time (epoch seconds) of that process, to tell a reused pid."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock (fields may be unknown)."""

    pid: int | None
    """Process id of the holder."""
    run_id: int | None
    """``crawl_runs.id`` of the holder's run, once it has one."""
    since: str | None
    """When the lock was taken, ISO 8601 UTC."""

    def describe(self) -> str:
        """``pid 123, run 7, since 2024-01-02T03:04:05+00:00`` (unknown parts left out)."""
        parts = []
        if self.pid:
            parts.append(f"pid {self.pid}")
        if self.run_id:
            parts.append(f"run {self.run_id}")
        if self.since:
            parts.append(f"since {self.since}")
        return ", ".join(parts) or "holder unknown"


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


class Reads(Protocol):
    """Reads a crawl makes, in or out of a write transaction."""

    def find_article(self, keys: Sequence[str]) -> ArticleRef | None:
        """The stored article known under one of ``keys`` (its own URL key or an alias)."""
        ...

    def article_body(self, article_id: int) -> str | None: ...

    def article(self, article_id: int) -> dict | None:
        """Every stored field of one article, by column name."""
        ...

    def article_key(self, article_id: int) -> str | None:
        """The URL key of article ``article_id``."""
        ...

    def same_text_key(self, source: str, content_hash: str) -> str | None:
        """URL key of an article of ``source`` whose body hashes to ``content_hash``."""
        ...

    # --- the story index (crawler.stories) ---
    def story_info(self, article_id: int) -> tuple[str, int | None, str] | None:
        """``(source, story_id, content_hash)`` of a stored article."""
        ...

    def band_candidates(self, bands: Sequence[int], per_band: int) -> list[int]:
        """For each band, the ids of the newest ``per_band`` articles holding it (an id once per band)."""
        ...

    def shared_paragraphs(self, keys: Sequence[int]) -> set[int]:
        """Those of paragraph hashes ``keys`` that two stored articles or more hold."""
        ...

    def paragraph_holders(
        self, keys: Sequence[int], sample: int
    ) -> list[tuple[int, int | None, str]]:
        """``(paragraph, story_id, source)`` of the newest ``sample`` articles holding each of ``keys``."""
        ...


class WriteTransaction(Reads, Protocol):
    """The writes of one batch, committed together (or not at all)."""

    def insert_article(self, row: Mapping[str, object], story_id: int | None) -> int:
        """Insert a new article (columns of ``row``) in story ``story_id`` (None: its own); return its id."""
        ...

    def update_article(self, article_id: int, values: Mapping[str, object]) -> None: ...

    def archive_version(self, article_id: int, replaced_at: str) -> None:
        """Keep the article's current text and dates in its version history before it is replaced."""
        ...

    def add_aliases(self, article_id: int, keys: Iterable[str]) -> None:
        """Record other URL keys of the article (a key already recorded keeps its article)."""
        ...

    def merge_story(self, into: int, other: int) -> None:
        """Move every article of story ``other`` into story ``into``."""
        ...

    def index_story_text(
        self, article_id: int, bands: Iterable[int], paragraphs: Iterable[int]
    ) -> None:
        """Add the article's bands and paragraph hashes to the story index (existing rows kept)."""
        ...

    def load_articles(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        bands: Iterable[tuple[int, int]] = (),
        paragraphs: Iterable[tuple[int, int]] = (),
    ) -> None:
        """Bulk-insert articles (``columns`` may include ``id`` and ``story_id``) already indexed:
        their ``(band, article id)`` and ``(paragraph, article id)`` rows come with them."""
        ...

    def set_relevance(
        self,
        article_id: int,
        *,
        content_hash: str,
        title: str,
        relevant: bool,
        topics: str,
        topic_terms: str,
        score: float,
    ) -> bool:
        """Rewrite an article's relevance unless its text changed since it was read; True when written."""
        ...


class Store(Reads, Protocol):
    """One database: articles and their versions, the story index, HTTP validators, runs, locks."""

    url: str
    """What the store was opened from (the ``--db`` value)."""

    def write(self) -> AbstractContextManager[WriteTransaction]:
        """A short write transaction; concurrent writers wait for each other, never duplicate a row."""
        ...

    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc_info) -> None: ...

    # --- articles ---
    def count_articles(self) -> int: ...
    def article_stories(self) -> list[tuple[str, int]]:
        """``(fetched URL, story id)`` of every stored article."""
        ...

    def scoring_batch(self, after_id: int, limit: int) -> list[ScoredArticle]:
        """Up to ``limit`` articles with ids above ``after_id``, by id."""
        ...

    def count_matches(self, query: str) -> int:
        """How many articles a full-text ``query`` matches."""
        ...

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        sources: Sequence[str] = (),
        relevant: bool = False,
    ) -> list[dict]:
        """Articles matching a full-text ``query``, best first: ``id, published_at, source, title,
        url, relevant, snippet`` (matched words in ``[`` ``]``). Raises :class:`SearchQueryError`."""
        ...

    def describe(self) -> dict:
        """Where the store is and what it holds: ``path, size_bytes, articles, relevant_articles,
        articles_last_24h, sources_with_articles, runs``."""
        ...

    def article_times(self, source: str, since: str) -> list[tuple[str | None, str]]:
        """``(published_at, first_seen_at)`` of the articles of ``source`` published, or
        (undated) first seen, at or after ``since`` (ISO 8601 UTC)."""
        ...

    def last_article_time(self, source: str) -> str | None:
        """The latest time an article of ``source`` appeared: published, or first seen when earlier or unknown."""
        ...

    # --- HTTP validators ---
    def http_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """``url -> (etag, last_modified)`` of every feed and sitemap fetched before."""
        ...

    def save_http_validators(
        self, validators: Mapping[str, tuple[str | None, str | None]]
    ) -> None: ...

    # --- crawl runs ---
    def start_run(
        self,
        *,
        trigger: str,
        sources: list[str],
        job_id: str | None = None,
        pid: int | None = None,
        host: str | None = None,
        pid_started: float | None = None,
    ) -> int:
        """Open a ``running`` row held by process ``pid`` on ``host`` (started at ``pid_started``)."""
        ...

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        per_source: Mapping[str, Mapping[str, int]] | None = None,
        message: str | None = None,
        only_if_running: bool = False,
    ) -> bool: ...

    def set_run_sources(self, run_id: int, sources: list[str]) -> None: ...
    def append_run_message(self, run_id: int, note: str) -> None: ...
    def set_run_process(
        self, run_id: int, *, pid: int, host: str | None, pid_started: float | None
    ) -> None:
        """Record the process that now carries a run."""
        ...

    def mark_run(self, run_id: int, *, status: str, message: str) -> None: ...
    def running_runs(self) -> list[tuple[int, int | None, str | None, float | None]]:
        """``(run id, pid, host, pid_started)`` of every run still marked running."""
        ...

    def run_summary(self, run_id: int) -> dict:
        """``status, pages_fetched, articles_new, errors, message`` of one run."""
        ...

    def last_run_by_job(self) -> dict[str, str]:
        """Start (ISO 8601) of each job's latest scheduled run."""
        ...

    def runs(
        self,
        *,
        source: str | None = None,
        job_id: str | None = None,
        limit: int = 20,
        exclude_statuses: Sequence[str] = (),
        status: str | None = None,
    ) -> list[RunRow]:
        """The latest runs, newest first, optionally of one source, one job or one stored status."""
        ...

    def first_crawls(self, sources: Sequence[str]) -> set[tuple[str, str]]:
        """The ``(source, discovery kind)`` pairs of ``sources`` that have had their first crawl."""
        ...

    def record_first_crawls(self, pairs: Iterable[tuple[str, str]], *, at: str) -> None:
        """Record first crawls (a pair recorded before keeps its first time)."""
        ...

    def first_run_time(self, source: str) -> str | None:
        """Start of the first run that named ``source``."""
        ...

    def source_names_in_history(self) -> list[str]: ...

    # --- locks ---
    def source_locks(self, sources: Iterable[str]) -> SourceLocks:
        """Locks that keep two crawls (on any machine using this store) off one source."""
        ...

    def daemon_lock(self) -> Lock:
        """The lock that keeps a second scheduler daemon off this store (hold the store open with it)."""
        ...


def chunks(values: Sequence, size: int) -> Iterator[Sequence]:
    """``values`` in slices of at most ``size`` (backends bound the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def translate_driver_errors(
    errors: type[Exception] | tuple, message: Callable[[Exception], str], skip=()
):
    """A class decorator: the driver's ``errors`` raised by a public method leave as :class:`StoreError`.

    Callers then handle one exception whatever the backend (a read of a
    damaged file, a write refused by a full disk or a server). ``skip`` names
    the methods left alone (context managers, lock factories, class methods).
    """

    def wrap(method):
        @functools.wraps(method)
        def translated(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except errors as exc:
                raise StoreError(message(exc)) from exc

        return translated

    def decorate(cls):
        for name in dir(cls):
            method = getattr(cls, name)
            if not name.startswith("_") and name not in skip and inspect.isfunction(method):
                setattr(cls, name, wrap(method))
        return cls

    return decorate
