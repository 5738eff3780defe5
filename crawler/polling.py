"""Adaptive polling around the rule of :mod:`crawler.freshness`: what the crawl records, when a feed is due.

No Scrapy and no clock of its own (``now`` is passed in), so the crawl's
middleware (:mod:`crawler.middlewares.polls`), the scheduler daemon and
``newsmon status`` share it, and the tests drive it with a fake clock.

- The crawl turns each feed or news-sitemap request into a :class:`PollDraft`
  and :func:`record_polls` writes them: a poll's new entries are those no
  earlier poll of the feed listed (``feed_entries``), and each article first
  stored by this crawl gets its lag (publication and first listing to row).
- :func:`plan_sources` reads the recorded polls back as
  :class:`crawler.freshness.Poll` histories and tells, per source, when its
  next poll is due and why.
- :func:`retry_blocks`: the feeds whose site asked (429 / 503 with
  ``Retry-After``) not to be asked again yet; no crawl requests them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from crawler.config import Source
from crawler.freshness import RETRY_AFTER_CAP, Bounds, Decision, Poll, next_poll
from crawler.store.base import Store
from crawler.store.values import ArticleLag, ListedEntry, PollRow

HISTORY = timedelta(days=7)
"""Polls kept (and read) per feed."""
ENTRIES_KEPT = timedelta(days=30)
"""An entry no poll listed for this long is forgotten (it would count as new if it came back)."""
RETRY_AFTER_UNTIL = "freshness/retry_after_until/"
"""Prefix of the crawl stats naming each feed skipped for its ``Retry-After`` (value: until when)."""


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- what an answer says about the next poll ---------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as a wait: seconds (``120``) or an HTTP date; None when absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - now)


def cache_max_age(value: str | None) -> timedelta | None:
    """``max-age`` of a ``Cache-Control`` header (None when absent, zero or unreadable)."""
    for part in (value or "").split(","):
        name, _, seconds = part.strip().partition("=")
        if name.strip().lower() == "max-age" and seconds.strip().strip('"').isdigit():
            age = int(seconds.strip().strip('"'))
            return timedelta(seconds=age) if age > 0 else None
    return None


@dataclass
class PollDraft:
    """One feed request of a crawl, filled in as its answer arrives and its entries are read."""

    feed_url: str
    source: str
    at: datetime
    status: int | None
    retry_after: timedelta | None = None
    hint: timedelta | None = None
    entries: list[tuple[str, str | None]] = field(default_factory=list)
    """``(URL key, publication time ISO 8601 UTC or None)`` of each entry listed."""
    read: bool = False
    """Whether the document was read (a 304, an error or an unparsable answer lists nothing known)."""

    def listed(self, entries: Iterable[tuple[str, str | None]], hint: timedelta | None) -> None:
        """The entries the feed's document listed, and the update period it states."""
        self.entries.extend(entries)
        self.read = True
        if hint is not None:
            # The feed's own statement beats a generic Cache-Control.
            self.hint = hint


def record_polls(store: Store, drafts: Sequence[PollDraft], *, started_at: datetime) -> int:
    """Write a crawl's polls and the lags of the articles it stored; returns the lags recorded.

    An article counts as new when its row was made at or after ``started_at``;
    its first listing is the earliest poll (of this crawl or an earlier one)
    that listed it. What a feed's first poll lists is its backlog, not news:
    those articles get no lag.
    """
    if not drafts:
        return 0
    feeds = sorted({d.feed_url for d in drafts})
    polled_before = set(store.feed_polls(iso(started_at - HISTORY), feeds))
    polls: list[PollRow] = []
    entries: list[ListedEntry] = []
    first_listed: dict[str, str] = {}
    for draft in drafts:
        at = iso(draft.at)
        published = dict(draft.entries)
        before = store.listed_before(draft.feed_url, list(published))
        new = [key for key in published if key not in before]
        polls.append(
            PollRow(
                feed_url=draft.feed_url,
                source=draft.source,
                at=at,
                status=draft.status,
                new_entries=len(new),
                entry_times=tuple(sorted(t for k in new if (t := published[k]))),
                retry_after_s=_seconds(draft.retry_after),
                hint_s=_seconds(draft.hint),
                listed=len(published) if draft.read else None,
            )
        )
        entries += [
            ListedEntry(draft.feed_url, k, draft.source, at, t) for k, t in published.items()
        ]
        for key in published:
            if draft.feed_url not in polled_before and key not in before:
                continue
            earliest = min(before.get(key, at), at)
            first_listed[key] = min(first_listed.get(key, earliest), earliest)
    now = max(d.at for d in drafts)
    store.record_polls(
        polls,
        entries,
        polls_since=iso(now - HISTORY),
        entries_since=iso(now - ENTRIES_KEPT),
    )
    entry_published = {key: t for draft in drafts for key, t in draft.entries if t is not None}
    lags: dict[int, ArticleLag] = {}
    for found in store.new_articles(list(first_listed), iso(started_at)):
        listed = first_listed[found.key]
        previous = lags.get(found.article_id)
        if previous is not None and previous.first_listed_at <= listed:
            continue
        published = found.published_at or entry_published.get(found.key)
        lags[found.article_id] = ArticleLag(
            article_id=found.article_id,
            source=found.source,
            stored_at=found.first_seen_at,
            published_at=published,
            first_listed_at=listed,
            lag_publication_s=_between(published, found.first_seen_at),
            lag_feed_s=_between(listed, found.first_seen_at),
        )
    if lags:
        store.record_lags(list(lags.values()))
    return len(lags)


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _between(start: str | None, end: str) -> float | None:
    if not start:
        return None
    return (parse_iso(end) - parse_iso(start)).total_seconds()


# --- reading the history back ----------------------------------------------------------


def to_poll(row: PollRow) -> Poll:
    """A stored poll as the rule's :class:`~crawler.freshness.Poll`."""
    return Poll(
        at=parse_iso(row.at),
        status=row.status,
        new_entries=row.new_entries,
        entry_times=tuple(parse_iso(t) for t in row.entry_times),
        retry_after=timedelta(seconds=row.retry_after_s) if row.retry_after_s is not None else None,
        hint=timedelta(seconds=row.hint_s) if row.hint_s is not None else None,
        listed=row.listed,
    )


def retry_until(row: PollRow) -> datetime | None:
    """Until when a poll's answer (429 / 503 with ``Retry-After``) forbids asking again (capped)."""
    if row.status not in (429, 503) or row.retry_after_s is None:
        return None
    wait = min(timedelta(seconds=row.retry_after_s), RETRY_AFTER_CAP)
    return parse_iso(row.at) + wait


def retry_blocks(history: Mapping[str, Sequence[PollRow]], now: datetime) -> dict[str, datetime]:
    """``feed url -> until when`` of the feeds whose last answer asked not to be asked before then."""
    blocks = {}
    for url, rows in history.items():
        if rows and (until := retry_until(rows[-1])) is not None and until > now:
            blocks[url] = until
    return blocks


@dataclass(frozen=True)
class FeedPlan:
    """When one feed is due, and why."""

    feed_url: str
    last_poll: datetime | None
    decision: Decision
    due_at: datetime
    """``last_poll + decision.interval``; a feed never polled is due at once (``datetime.min``)."""


@dataclass(frozen=True)
class SourcePlan:
    """When a source is next due: at its earliest feed."""

    source: str
    feeds: tuple[FeedPlan, ...]

    @property
    def next(self) -> FeedPlan:
        return min(self.feeds, key=lambda f: f.due_at)

    @property
    def due_at(self) -> datetime:
        return self.next.due_at

    def due(self, now: datetime) -> bool:
        return self.due_at <= now


NEVER_POLLED = datetime.min.replace(tzinfo=UTC)


def plan_feed(feed_url: str, rows: Sequence[PollRow], bounds: Bounds) -> FeedPlan:
    history = [to_poll(row) for row in rows]
    decision = next_poll(history, bounds)
    if not history:
        return FeedPlan(feed_url, None, decision, NEVER_POLLED)
    last = history[-1].at
    due = last + decision.interval
    # Retry-After is the site's own word: the cap or min_interval never make it shorter.
    if (until := retry_until(rows[-1])) is not None:
        due = max(due, until)
    return FeedPlan(feed_url, last, decision, due)


def plan_sources(
    sources: Iterable[tuple[str, Sequence[str], Bounds]],
    history: Mapping[str, Sequence[PollRow]],
) -> dict[str, SourcePlan]:
    """``source -> its plan`` for each ``(name, feed URLs, bounds)`` with at least one feed."""
    return {
        name: SourcePlan(name, tuple(plan_feed(url, history.get(url, ()), bounds) for url in feeds))
        for name, feeds, bounds in sources
        if feeds
    }


def source_bounds(
    defaults: Bounds, min_interval: timedelta | None, max_interval: timedelta | None
) -> Bounds:
    """A source's bounds: its own ``min_interval`` / ``max_interval`` over the schedule's defaults."""
    low = min_interval or defaults.min_interval
    high = max_interval or defaults.max_interval
    return Bounds(
        min_interval=low,
        max_interval=max(low, high),
        default=min(max(defaults.default, low), max(low, high)),
    )


POLLED_KINDS = ("feeds", "sitemaps")
"""Discovery kinds whose documents are polls; a source with none of them is not planned."""


def polled_urls(source: Source, discovery: Iterable[str]) -> tuple[str, ...]:
    """The feed (and, when the crawl reads them, sitemap) URLs of ``source`` a crawl polls."""
    kinds = set(discovery)
    return (
        *(source.feeds if "feeds" in kinds else ()),
        *(source.sitemaps if "sitemaps" in kinds else ()),
    )


def source_plans(
    store: Store,
    sources: Iterable[Source],
    discovery: Iterable[str],
    defaults: Bounds,
    now: datetime,
) -> dict[str, tuple[SourcePlan, Bounds]]:
    """``source -> (its plan, its bounds)`` for the enabled live sources with a polled document.

    The learned state is the store's ``feed_polls`` alone, so a restarted
    daemon, ``newsmon status`` and a crawl see the same plan.
    """
    discovery = tuple(discovery)
    wanted = []
    for source in sources:
        urls = polled_urls(source, discovery)
        if source.enabled and not source.archive_only and urls:
            bounds = source_bounds(defaults, source.min_interval, source.max_interval)
            wanted.append((source.name, urls, bounds))
    history = store.feed_polls(iso(now - HISTORY), [u for _, urls, _ in wanted for u in urls])
    plans = plan_sources(wanted, history)
    return {name: (plans[name], bounds) for name, _, bounds in wanted}
