"""When to poll a feed next: learned from what the feed did on earlier polls.

A pure function of a feed's poll history (no clock, no I/O, no Scrapy), so the
daemon, the tests and ``benchmarks/freshness.py`` (a simulated day with a fake
clock) all use the same rule. The crawl records one :class:`Poll` per feed
request; the daemon asks :func:`next_poll` after each crawl and polls the feed
again when the returned interval has passed.

The rule, in order of precedence:

1. ``Retry-After`` on a 429 / 503: never ask again before it (capped at
   :data:`RETRY_AFTER_CAP`, still at least the source's ``min_interval``).
2. Consecutive failures (network errors, 5xx, 429 without ``Retry-After``)
   lengthen the interval linearly with their number, up to ``max_interval``;
   the first success returns the feed to its learned rate.
3. The learned rate: new entries per hour over recent polls, so that a poll
   finds about :data:`TARGET_NEW_PER_POLL` new entries, bounded by
   ``min_interval`` / ``max_interval`` and never shorter than a feed's own
   ``ttl`` / ``sy:updatePeriod`` / ``Cache-Control: max-age`` hint.
4. With too little history: the source's default interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

RETRY_AFTER_CAP = timedelta(hours=6)
TARGET_NEW_PER_POLL = 1.0
HISTORY_WINDOW = timedelta(days=7)
MIN_POLLS_TO_LEARN = 4


@dataclass(frozen=True)
class Poll:
    """One request of one feed (or news sitemap), as the crawl saw it."""

    at: datetime
    """When the request was answered (timezone-aware, UTC)."""
    status: int | None
    """HTTP status; ``None`` for a network error (DNS, refused, timeout)."""
    new_entries: int = 0
    """Entries the feed listed that no earlier poll of it listed."""
    entry_times: tuple[datetime, ...] = ()
    """Publication times of those new entries, where the feed gives them (UTC)."""
    retry_after: timedelta | None = None
    """The ``Retry-After`` of a 429 / 503 answer."""
    hint: timedelta | None = None
    """The feed's own update period: RSS ``ttl``, ``sy:updatePeriod`` /
    ``sy:updateFrequency``, or ``Cache-Control: max-age``."""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class Bounds:
    """A source's polling limits (``min_interval`` / ``max_interval`` in sources.toml)."""

    min_interval: timedelta = timedelta(minutes=2)
    max_interval: timedelta = timedelta(hours=6)
    default: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Decision:
    """How long to wait before the next poll, and why (``newsmon status`` shows both)."""

    interval: timedelta
    kind: str
    """``"retry-after"``, ``"backoff"``, ``"hint"``, ``"learned"`` or ``"default"``."""
    reason: str
    """One line for people, e.g. ``"learned: ~6 new/h"`` or ``"backoff: 3 failures in a row"``."""


def _clamp(value: timedelta, bounds: Bounds) -> timedelta:
    return max(bounds.min_interval, min(bounds.max_interval, value))


def _minutes(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds >= 60:
        return f"{round(seconds / 60)}m"
    return f"{seconds}s"


def next_poll(history: Sequence[Poll], bounds: Bounds) -> Decision:
    """The wait before the next poll of a feed whose polls, oldest first, are ``history``."""
    if not history:
        return Decision(bounds.default, "default", f"default: every {_minutes(bounds.default)}")
    last = history[-1]
    if last.retry_after is not None and last.status in (429, 503):
        wait = max(bounds.min_interval, min(last.retry_after, RETRY_AFTER_CAP))
        return Decision(wait, "retry-after", f"retry-after: {_minutes(wait)} asked by the site")
    failures = 0
    for poll in reversed(history):
        if not poll.failed:
            break
        failures += 1
    successes = [p for p in history if not p.failed and p.at >= last.at - HISTORY_WINDOW]
    learned = _learned(successes, bounds)
    if failures:
        base = learned.interval if learned else bounds.default
        wait = _clamp(base * (1 + failures), bounds)
        return Decision(wait, "backoff", f"backoff: {failures} failure(s) in a row")
    return learned or Decision(
        bounds.default, "default", f"default: every {_minutes(bounds.default)}"
    )


def _learned(polls: Sequence[Poll], bounds: Bounds) -> Decision | None:
    """Interval from the rate of new entries over the recent successful polls."""
    if len(polls) < MIN_POLLS_TO_LEARN:
        return None
    span = polls[-1].at - polls[0].at
    if span <= timedelta(0):
        return None
    # The first poll's entries may be the feed's whole backlog: count what came after.
    new = sum(p.new_entries for p in polls[1:])
    hint = next((p.hint for p in reversed(polls) if p.hint is not None), None)
    if new == 0:
        wait = bounds.max_interval
        reason = f"learned: nothing new in {_minutes(span)}"
    else:
        per_hour = new / (span.total_seconds() / 3600)
        wait = timedelta(hours=TARGET_NEW_PER_POLL / per_hour)
        reason = f"learned: ~{per_hour:.1f} new/h"
    wait = _clamp(wait, bounds)
    if hint is not None and wait < hint:
        wait = _clamp(hint, bounds)
        return Decision(wait, "hint", f"hint: the feed says it updates every {_minutes(hint)}")
    return Decision(wait, "learned", reason)
