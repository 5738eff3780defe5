"""The values the store interface passes and the errors it raises (no database here).

:mod:`crawler.store.base` holds the protocols; these are the plain values and
helpers callers and backends share. This module never imports Scrapy.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


def utcnow_iso() -> str:
    """Now, ISO 8601 UTC with seconds precision (how the store writes times)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def redacted(url: str) -> str:
    """A ``--db`` value without its password (it appears in messages and ``status``)."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


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
    node: str | None = None
    """URL of the Scrapyd node the daemon handed the run to (None: a local crawl)."""
    node_job: str | None = None
    """Scrapyd's job id of the run on that node."""


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


@dataclass(frozen=True)
class Listing:
    """How far a backfill has listed one source in one archive over one window."""

    since: str
    """The window's start, ISO 8601 UTC."""
    until: str | None
    """The window's end, ISO 8601 UTC (None: open, up to now)."""
    part: str = ""
    """The index listed: a Common Crawl crawl id; ``""`` for an archive with one index."""
    cursor: str | None = None
    """Where the next page starts: a CDX resume key, or ``page/pages`` of a Common Crawl index."""
    pages: int = 0
    """Pages of the listing done."""
    done: bool = False
    """The listing reached its end (a later run lists the window again from the start)."""


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
            # Names are checked first: getattr of some dunders an ABC lists fails.
            if name.startswith("_") or name in skip:
                continue
            method = getattr(cls, name)
            if inspect.isfunction(method):
                setattr(cls, name, wrap(method))
        return cls

    return decorate


@dataclass(frozen=True)
class PollRow:
    """One recorded request of a feed or news sitemap (``feed_polls``)."""

    feed_url: str
    source: str
    at: str
    """When it was answered, ISO 8601 UTC."""
    status: int | None
    """HTTP status; None for a network error."""
    new_entries: int = 0
    """Entries no earlier poll of this feed listed."""
    entry_times: tuple[str, ...] = ()
    """Publication times (ISO 8601 UTC) of those new entries, where the feed gives them."""
    retry_after_s: float | None = None
    """``Retry-After`` of a 429 / 503, in seconds."""
    hint_s: float | None = None
    """The feed's own update period (``ttl``, ``sy:updatePeriod``, ``Cache-Control: max-age``), seconds."""
    listed: int | None = None
    """How many entries the document listed in all (None: unknown, a 304 or an error)."""


@dataclass(frozen=True)
class ListedEntry:
    """An entry (article link) a poll of a feed listed."""

    feed_url: str
    key: str
    """URL key of the entry's link (:func:`crawler.urls.url_key`)."""
    source: str
    listed_at: str
    """When the poll that listed it was answered, ISO 8601 UTC."""
    published_at: str | None = None
    """Publication time the feed gives, ISO 8601 UTC."""


@dataclass(frozen=True)
class NewArticle:
    """An article first stored at or after some time, found under one of the keys asked for."""

    key: str
    """The key it was asked for and found under."""
    article_id: int
    source: str
    published_at: str | None
    first_seen_at: str
    """When its row was created, ISO 8601 UTC."""


@dataclass(frozen=True)
class ArticleLag:
    """How long a new article took to reach its row (``article_lags``)."""

    article_id: int
    source: str
    stored_at: str
    """When its row was created, ISO 8601 UTC."""
    published_at: str | None = None
    first_listed_at: str | None = None
    """When a poll of a feed first listed it, ISO 8601 UTC."""
    lag_publication_s: float | None = None
    """``stored_at - published_at`` in seconds (None when the publication time is unknown)."""
    lag_feed_s: float | None = None
    """``stored_at - first_listed_at`` in seconds (None when no feed listed it)."""


@dataclass(frozen=True)
class SourceFreshness:
    """A source's lags over a recent period (the ``freshness`` view, or since a given time)."""

    source: str
    articles: int
    """New articles with a lag recorded in the period."""
    median_lag_publication_s: float | None
    median_lag_feed_s: float | None
    last_stored_at: str | None
