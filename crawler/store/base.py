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
        """Write the selected articles with their versions, aliases and story index into a new
        SQLite database at ``path`` (same schema, search working); the number of articles."""
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
        self, archive: str, source: str, captures: Sequence[tuple[str, str, str]]
    ) -> list[tuple[str, str, str]]:
        """Add listed ``(url_key, url, captured)`` to the backfill ledger; return those not fetched yet.

        ``captured`` is ISO 8601 UTC; an unfetched capture gives way to an earlier one of the same URL."""
        ...

    def pending_captures(
        self, archive: str, source: str, since: str, until: str | None
    ) -> list[tuple[str, str, str]]:
        """``(url_key, url, captured)`` of ``source`` listed in the window but not fetched yet."""
        ...

    def mark_captures(self, archive: str, url_keys: Sequence[str], state: str) -> None:
        """``fetched``, ``failed`` or ``skipped``: these captures are not fetched again."""
        ...

    def capture_states(self, archive: str | None = None) -> dict[str, dict[str, int]]:
        """``source -> state -> count`` of the backfill ledger."""
        ...


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a reading command takes (every field optional)."""

    topic: str | None = None
    """Only articles carrying this topic (a name from topics.toml)."""
    relevant: bool = False
    """Only articles that matched a topic."""
    sources: tuple[str, ...] = ()
    """Only articles of these sources."""
    since: str | None = None
    """Only articles published (first seen, when the date is unknown) at or after, ISO 8601 UTC."""
    until: str | None = None
    """Only articles published before, ISO 8601 UTC."""


@dataclass(frozen=True)
class Story:
    """One story: the copies of one text across outlets, as the story index grouped them."""

    story_id: int
    title: str
    """The title of its first copy."""
    first_seen: str | None
    """When its first copy was published (first stored, when no copy has a date), ISO 8601 UTC."""
    outlets: list[str]
    """Sources that carried it, in order of publication."""
    languages: list[str]
    articles: list[dict]
    """Its copies, in order of publication: ``url, source, published_at``."""
    topics: list[str]


@dataclass(frozen=True)
class StoryHit:
    """A story among search results: its newest matching copy, and where else it ran."""

    story_id: int
    id: int
    published_at: str | None
    source: str
    title: str
    url: str
    relevant: bool
    topics: list[str]
    snippet: str
    """Matched words in ``[`` ``]``."""
    matching_copies: int
    """Copies of the story the query matches (whatever the filters)."""
    also_in: list[dict]
    """The story's other copies (matching or not), in order of publication: ``source, url, published_at``."""


EXPORT_FIELDS = (
    "id", "story_id", "url", "source", "title", "published_at", "modified_at", "language",
    "authors", "description", "section", "tags", "image", "first_seen_at", "fetched_at",
    "relevant", "topics", "relevance_score", "body",
)  # fmt: skip
"""Fields of ``newsmon export`` (documented in docs/reading.md); JSON lists decoded."""
LIST_FIELDS = ("authors", "tags", "topics")


def chunks(values: Sequence, size: int) -> Iterator[Sequence]:
    """``values`` in slices of at most ``size`` (backends bound the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- alerts (crawler.alerts) ---------------------------------------------------------


@dataclass(frozen=True)
class AlertStory:
    """One story as an alert sends it (every outlet's copy folded into one)."""

    story_id: int
    title: str
    """Title of the story's first published copy."""
    url: str
    """URL of that copy."""
    outlets: list[str]
    """Sources that carried it, in order of publication."""
    languages: list[str]
    """Languages of its copies, in the same order."""
    first_seen: str
    """When newsmon first stored a copy, ISO 8601 UTC."""
    topics: list[str]
    """Topics any copy matched, sorted."""


@dataclass(frozen=True)
class AlertClaim:
    """The state of one alert's channel, as :meth:`Store.claim_alert_channel` found it."""

    claimed: bool
    """True: the caller now holds the channel's lease and may send."""
    failures: int
    """Failed attempts since the last success."""
    next_attempt_at: str | None
    """ISO 8601 UTC: no attempt before then (None: due now)."""
    busy_until: str | None = None
    """When another process's lease ends (set when it holds the channel)."""


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
