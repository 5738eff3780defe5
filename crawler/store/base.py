"""The store interface: what newsmon's components need from a database, named after that need.

A backend implements :class:`Store` (reads, short self-contained writes, the
crawl-run history, locks) and :class:`WriteTransaction` (the writes one
batch makes together, with the reads that must see them). Callers never see
SQL, a connection or a cursor; they see these methods and the value types
of :mod:`crawler.store.values`. Backends raise :class:`StoreError` (one-line message) for anything the
database refuses, so callers need not know which driver is underneath.

This module never imports Scrapy (the scheduler daemon uses the store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

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

    def band_candidates(self, bands: Sequence[int], per_band: int) -> list[tuple[int, int]]:
        """``(band, article id)`` of the newest ``per_band`` articles holding each band."""
        ...

    def shared_paragraphs(self, keys: Sequence[int]) -> set[int]:
        """Those of paragraph hashes ``keys`` that two stored articles or more hold."""
        ...

    def paragraph_holders(
        self, keys: Sequence[int], sample: int
    ) -> list[tuple[int, int | None, str]]:
        """``(paragraph, story_id, source)`` of the newest ``sample`` articles holding each of ``keys``."""
        ...

    # --- the translation index (crawler.stories.TranslationIndex) ---
    def translation_key_holders(self, keys: Sequence[str], per_key: int) -> list[tuple[str, int]]:
        """``(key, article id)`` of the newest ``per_key`` articles holding each signature key."""
        ...

    def translation_signatures(
        self, article_ids: Sequence[int], other_than: str | None
    ) -> list[tuple[int, int | None, str | None, str | None, str | None, str]]:
        """``(id, story_id, published or first seen, language, family, encoded signature)`` of
        those of ``article_ids`` whose language is not ``other_than``."""
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

    def index_translation(
        self,
        article_id: int,
        *,
        language: str | None,
        family: str | None,
        signature: str,
        keys: Iterable[str],
    ) -> None:
        """Index an article by its translation signature (replacing an earlier one) and its keys."""
        ...

    def link_story(
        self, article_id: int, *, linked_id: int, story_id: int, kind: str, evidence: str, at: str
    ) -> None:
        """Record why an article joined a story other than by copying (``kind``, evidence as JSON)."""
        ...

    def load_translations(
        self,
        signatures: Iterable[tuple[int, str | None, str | None, str]],
        keys: Iterable[tuple[str, int]],
    ) -> None:
        """Bulk-insert ``(article id, language, family, signature)`` rows and ``(key, article id)`` rows."""
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

    def set_run_node(self, run_id: int, *, node: str, node_job: str) -> None:
        """Record the Scrapyd node (its URL) and job that carry a run, so that a daemon started
        later can follow it."""
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

    # --- alerts (crawler.alerts): their stories, and a ledger of what each channel accepted ---
    # A story is delivered once per alert and channel: the ledger is written only
    # after the channel accepted it; a lease keeps two ``alerts run`` off one channel.
    def alert_start(self, alert: str, now: str) -> str:
        """When ``alert`` was first run (recorded at ``now`` the first time it is asked)."""
        ...

    def alert_stories(
        self,
        *,
        topics: Sequence[str] = (),
        search: str | None = None,
        since: str | None = None,
        pending_for: tuple[str, str] | None = None,
        updates: bool = False,
        limit: int = 50,
    ) -> list[AlertStory]:
        """Relevant stories (with one of ``topics`` if given, an article matching the full-text
        ``search``), first seen from ``since``. With ``pending_for=(alert, channel)``: those the
        channel has not accepted yet (or, with ``updates``, that more outlets carry since), oldest
        first; without: the newest first. Raises :class:`SearchQueryError`."""
        ...

    def claim_alert_channel(
        self, alert: str, channel: str, *, owner: str, now: str, lease_until: str
    ) -> AlertClaim:
        """Take the channel's lease until ``lease_until`` if it is due and no other owner holds it."""
        ...

    def record_alert_delivery(
        self,
        alert: str,
        channel: str,
        stories: Sequence[AlertStory],
        *,
        owner: str,
        now: str,
        lease_until: str,
    ) -> None:
        """The channel accepted ``stories``: remember them, clear its failures, extend the lease."""
        ...

    def record_alert_failure(
        self, alert: str, channel: str, *, owner: str, error: str, retry_at: str
    ) -> None:
        """An attempt failed: count it, set the next attempt time, release the lease."""
        ...

    def release_alert_channel(self, alert: str, channel: str, *, owner: str) -> None: ...
    # --- reading: stories, search by story, export ---
    def stories(self, filters: ArticleFilter = ..., *, limit: int | None = None) -> Iterator[Story]:
        """Stories formed by the articles ``filters`` selects, newest first (by first seen),
        each with its copies in order of publication; streamed."""
        ...

    def search_stories(
        self, query: str, filters: ArticleFilter = ..., *, limit: int = 20
    ) -> list[StoryHit]:
        """One hit per story among the articles matching ``query`` (words as people type them,
        FTS5 operators kept), newest first. Raises :class:`SearchQueryError`."""
        ...

    def export_articles(self, filters: ArticleFilter = ...) -> Iterator[dict]:
        """Every article ``filters`` selects with :data:`EXPORT_FIELDS`, in storage order; streamed."""
        ...

    def export_subset(self, path: str, filters: ArticleFilter = ...) -> int:
        """Write the selected articles with their versions, aliases, story index and translation
        index into a new SQLite database at ``path`` (same schema, search working); the number
        of articles."""
        ...

    def known_values(self, field: str) -> list[str]:
        """The ``source`` names or ``topics`` present in the stored articles (for error messages)."""
        ...

    def has_value(self, field: str, value: str) -> bool:
        """Whether an article has ``source`` (or one of its ``topics``) equal to ``value``."""
        ...

    # --- backfill ---
    def read_windows(self) -> dict[str, str]:
        """``url -> window start`` (ISO 8601 UTC; ``crawler.firstcrawl.ALL_TIME``: no limit) each feed or sitemap was last read in full with."""
        ...

    def save_read_windows(self, windows: Mapping[str, str]) -> None: ...

    def record_captures(
        self,
        archive: str,
        source: str,
        captures: Sequence[tuple[str, str, str, str | None]],
        listing: Listing | None = None,
    ) -> list[tuple[str, str, str, str | None]]:
        """Add listed ``(url_key, url, captured, location)`` to the backfill ledger; return those not fetched yet.

        ``captured`` is ISO 8601 UTC; ``location`` where the archive keeps the
        record (or None); an unfetched capture gives way to an earlier one of
        the same URL. ``listing``: how far the listing got with this page,
        written in the same transaction (a listing resumes after the last
        page whose captures are in the ledger)."""
        ...

    def listing(
        self, archive: str, source: str, since: str, until: str | None, part: str = ""
    ) -> Listing | None:
        """How far the listing of ``source`` in ``archive`` over this window got (None: never started)."""
        ...

    def pending_captures(
        self, archive: str, source: str, since: str, until: str | None
    ) -> list[tuple[str, str, str, str | None]]:
        """``(url_key, url, captured, location)`` of ``source`` listed in the window but not fetched yet."""
        ...

    def mark_captures(self, archive: str, url_keys: Sequence[str], state: str) -> None:
        """``fetched``, ``failed`` or ``skipped``: these captures are not fetched again."""
        ...

    def capture_states(self, archive: str | None = None) -> dict[str, dict[str, int]]:
        """``source -> state -> count`` of the backfill ledger."""
        ...

    # --- freshness: feed polls, the entries they listed, lags (crawler.polling) ---
    def listed_before(self, feed_url: str, keys: Sequence[str]) -> dict[str, str]:
        """``key -> first listed at`` of those of entry ``keys`` an earlier poll of ``feed_url`` listed."""
        ...

    def record_polls(
        self,
        polls: Sequence[PollRow],
        entries: Sequence[ListedEntry],
        *,
        polls_since: str,
        entries_since: str,
    ) -> None:
        """Record polls and the entries they listed (an entry listed before keeps its first time);
        drop the polls of these feeds older than ``polls_since`` (or past the most recent
        ones kept per feed) and their entries last listed before ``entries_since``."""
        ...

    def feed_polls(
        self, since: str, feeds: Sequence[str] | None = None
    ) -> dict[str, list[PollRow]]:
        """``feed url -> its polls answered from since``, oldest first (of ``feeds`` only, if given)."""
        ...

    def new_articles(self, keys: Sequence[str], since: str) -> list[NewArticle]:
        """The articles known under one of ``keys`` (URL key or alias) whose row was made at or after ``since``."""
        ...

    def record_lags(self, lags: Sequence[ArticleLag]) -> None:
        """Record new articles' lags (an article recorded before keeps its row)."""
        ...

    def freshness(self, since: str) -> dict[str, SourceFreshness]:
        """``source -> its median lags`` over the articles stored at or after ``since``."""
        ...
