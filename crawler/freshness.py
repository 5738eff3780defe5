"""When to poll a feed next: learned from what the feed did on earlier polls.

A pure function of a feed's poll history (no clock, no I/O, no Scrapy), so the
daemon, the tests and ``benchmarks/freshness.py`` (a simulated week with a fake
clock) all use the same rule. The crawl records one :class:`Poll` per feed
request; the daemon asks :func:`next_poll` after each crawl and polls the feed
again when the returned interval has passed since the last poll.

The rule, in order of precedence:

1. ``Retry-After`` on a 429 / 503: never ask again before it (capped at
   :data:`RETRY_AFTER_CAP`, still at least the source's ``min_interval``).
   A site that answered 429 within the last :data:`RATE_LIMIT_MEMORY` is not
   polled more often than the pause it asked for afterwards either, so a
   rate limit is learned instead of hit on every other poll (a 503's pause,
   maintenance, holds for the one wait).
2. Consecutive failures (network errors, 5xx, 429) double the interval from
   the learned one at each failure, up to ``max_interval``: a poll after an
   outage of length T comes at most about T late, and a dead feed costs a
   handful of requests a day. The first success returns the feed to its
   learned rate, since the history of successes is unchanged.
3. The learned rate, by hour of day. New entries over the last
   :data:`HISTORY_WINDOW` are placed at their publication times (clamped to
   the interval between the two polls that framed them; spread over it when
   the feed gives no dates) and counted per UTC hour of day, each hour's rate
   smoothed towards the feed's overall rate. A feed busier than its profile
   over the last :data:`RECENT` hours (breaking news) has the profile scaled
   up. Polls are then spent at a rate proportional to the square root of the
   publishing rate: for Poisson arrivals this is the spacing that minimises
   the total lag for a given number of requests (an entry waits half an
   interval on average, and a busy hour has more entries waiting). The
   constant is set by the source's ``default`` interval: a feed publishing
   one entry per ``default`` is polled every ``default`` / :data:`PACE`.
   The next poll comes when the poll rate integrated over the coming hours
   reaches one, so a wire that is quiet at night is polled rarely at night
   and again soon after its morning starts.
4. A feed listing only its latest entries (``Poll.listed``) is polled before
   :data:`LISTED_SHARE` of that listing can have been replaced, so a slow
   poll does not lose entries.
5. ``min_interval`` / ``max_interval`` bound the result; a feed's own
   ``ttl`` / ``sy:updatePeriod`` / ``Cache-Control: max-age`` hint is a lower
   bound.
6. With too little history (fewer than :data:`MIN_POLLS_TO_LEARN` successful
   polls): the source's default interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

RETRY_AFTER_CAP = timedelta(hours=6)
RATE_LIMIT_MEMORY = timedelta(hours=24)
HISTORY_WINDOW = timedelta(days=7)
MIN_POLLS_TO_LEARN = 4
PRIOR_ENTRIES = 2.0
"""Weight of the prior in entries: of one entry per default interval in the
overall rate, and of the overall rate in each hour of day's. A busy feed's
hours speak for themselves within a day, a sparse feed's lean on its overall
rate for weeks."""
RECENT = timedelta(hours=2)
RECENT_PRIOR = 2.0
"""Pseudo-entries that keep a couple of lucky entries from reading as a burst."""
HOUR_KERNEL = (1.0, 2.0, 1.0)
"""Weights of an hour's neighbours and itself in its estimate."""
PACE = 1.5
"""Polls per default interval for a feed publishing one entry per default interval."""
LISTED_SHARE = 0.5
"""Share of a feed's listing that may turn over between two polls."""

_HOUR = 3600.0


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
    listed: int | None = None
    """How many entries the feed listed in all (``None``: not known, or a 304)."""

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


def _rate(per_hour: float) -> str:
    return f"{per_hour:.1f} new/h" if per_hour >= 1 else f"{per_hour * 24:.1f} new/day"


def _default(bounds: Bounds) -> Decision:
    return Decision(bounds.default, "default", f"default: every {_minutes(bounds.default)}")


def next_poll(history: Sequence[Poll], bounds: Bounds) -> Decision:
    """The wait before the next poll of a feed whose polls, oldest first, are ``history``."""
    if not history:
        return _default(bounds)
    last = history[-1]
    recent = [p for p in history if p.at >= last.at - HISTORY_WINDOW]
    decision = _learned(recent, bounds) or _default(bounds)
    failures = 0
    for poll in reversed(recent):
        if not poll.failed:
            break
        failures += 1
    if failures:
        # Doubling from the learned interval: the first retry comes as usual
        # (one failure is often a blip), later ones space out geometrically.
        wait = _clamp(decision.interval * 2 ** (failures - 1), bounds)
        decision = Decision(wait, "backoff", f"backoff: {failures} failure(s) in a row")
    asked = _asked_pause(recent, last, bounds)
    if asked is not None and asked[0] > decision.interval:
        wait, current = asked
        reason = (
            f"retry-after: {_minutes(wait)} asked by the site"
            if current
            else f"retry-after: the site asked for {_minutes(wait)} within the last day"
        )
        decision = Decision(wait, "retry-after", reason)
    return decision


def _asked_pause(
    polls: Sequence[Poll], last: Poll, bounds: Bounds
) -> tuple[timedelta, bool] | None:
    """The pause the site asks for (capped), and whether the last poll asked it.

    A 503's ``Retry-After`` (maintenance) holds for that one wait; a 429's
    (a rate limit) holds for :data:`RATE_LIMIT_MEMORY`, or the feed would be
    polled faster than the limit again as soon as one poll succeeded."""
    current = last.status in (429, 503) and last.retry_after is not None
    asked = [
        p.retry_after
        for p in polls
        if p.retry_after is not None
        and (p is last and current or p.status == 429 and p.at >= last.at - RATE_LIMIT_MEMORY)
    ]
    if not asked:
        return None
    return max(bounds.min_interval, min(max(asked), RETRY_AFTER_CAP)), current


@dataclass
class _Profile:
    """A feed's publishing rate (entries per hour) by UTC hour of day, learned from its polls."""

    per_hour: list[float]
    overall: float
    boost: float
    listed: int | None


def _hour_of(ts: float) -> int:
    return int(ts // _HOUR) % 24


def _spread(start: float, end: float, weight: float, bins: list[float]) -> None:
    """Add ``weight`` spread evenly over [start, end] to the hour-of-day ``bins``."""
    length = end - start
    if length <= 0:
        bins[_hour_of(end)] += weight
        return
    t = start
    while t < end:
        boundary = min(end, (math.floor(t / _HOUR) + 1) * _HOUR)
        bins[_hour_of(t)] += weight * (boundary - t) / length
        t = boundary


def _smooth(bins: list[float]) -> list[float]:
    """Blend each hour with its neighbours: rhythms are smooth, and a sparse feed has few entries per hour."""
    total = sum(HOUR_KERNEL)
    reach = len(HOUR_KERNEL) // 2
    return [
        sum(w * bins[(h + k - reach) % 24] for k, w in enumerate(HOUR_KERNEL)) / total
        for h in range(24)
    ]


def _profile(polls: Sequence[Poll], default_h: float) -> _Profile | None:
    successes = [p for p in polls if not p.failed]
    if len(successes) < MIN_POLLS_TO_LEARN:
        return None
    start = successes[0].at.timestamp()
    end = successes[-1].at.timestamp()
    if end <= start:
        return None
    counts = [0.0] * 24
    recent_from = end - RECENT.total_seconds()
    recent = 0.0
    total = 0.0
    previous = start
    # The first success's entries may be the feed's whole backlog: it only
    # opens the observation; what came after is counted.
    for poll in successes[1:]:
        at = poll.at.timestamp()
        dated = poll.entry_times[: poll.new_entries]
        for when in dated:
            ts = min(at, max(previous, when.timestamp()))
            counts[_hour_of(ts)] += 1
            if ts >= recent_from:
                recent += 1
        undated = poll.new_entries - len(dated)
        if undated > 0:
            _spread(previous, at, undated, counts)
            if at > recent_from:
                share = (at - max(previous, recent_from)) / (at - previous) if at > previous else 1
                recent += undated * share
        total += poll.new_entries
        previous = at
    exposure = [0.0] * 24
    _spread(start, end, (end - start) / _HOUR, exposure)
    # Until the feed has shown otherwise, it is taken to publish one entry per
    # default interval: an hour without news is not yet a quiet feed.
    overall = (total + PRIOR_ENTRIES) / ((end - start) / _HOUR + PRIOR_ENTRIES * default_h)
    counts, exposure = _smooth(counts), _smooth(exposure)
    prior_hours = PRIOR_ENTRIES / overall
    per_hour = [(counts[h] + PRIOR_ENTRIES) / (exposure[h] + prior_hours) for h in range(24)]
    # Compare the last hours with what the profile expected of them.
    expected = [0.0] * 24
    window_start = max(start, recent_from)
    _spread(window_start, end, (end - window_start) / _HOUR, expected)
    expected_recent = sum(e * r for e, r in zip(expected, per_hour, strict=True))
    boost = max(1.0, (recent + RECENT_PRIOR) / (expected_recent + RECENT_PRIOR))
    listed = next((p.listed for p in reversed(successes) if p.listed), None)
    return _Profile(per_hour, overall, boost, listed)


def _learned(polls: Sequence[Poll], bounds: Bounds) -> Decision | None:
    """Interval from the feed's publishing rate by hour of day over its recent polls."""
    default_h = bounds.default.total_seconds() / _HOUR
    profile = _profile(polls, default_h)
    if profile is None:
        return None
    start = polls[-1].at.timestamp()
    t = start
    limit = start + bounds.max_interval.total_seconds()
    entries_cap = LISTED_SHARE * profile.listed if profile.listed else math.inf
    mass = 0.0
    entries = 0.0
    capped_by_listing = False
    while t < limit:
        boundary = min(limit, (math.floor(t / _HOUR) + 1) * _HOUR)
        rate = profile.per_hour[_hour_of(t)] * profile.boost
        polls_per_hour = PACE * math.sqrt(rate / default_h)
        span = (boundary - t) / _HOUR
        to_poll = (1.0 - mass) / polls_per_hour if polls_per_hour > 0 else math.inf
        to_cap = (entries_cap - entries) / rate if rate > 0 else math.inf
        if min(to_poll, to_cap) <= span:
            capped_by_listing = to_cap < to_poll
            t += min(to_poll, to_cap) * _HOUR
            break
        mass += polls_per_hour * span
        entries += rate * span
        t = boundary
    wait = _clamp(timedelta(seconds=t - start), bounds)
    now_rate = profile.per_hour[_hour_of(start)] * profile.boost
    if capped_by_listing:
        reason = f"learned: before the {profile.listed} listed entries turn over"
    else:
        reason = f"learned: ~{_rate(now_rate)} now, {_rate(profile.overall)} on average"
        if profile.boost > 1.5:
            reason += f", busier than usual (x{profile.boost:.1f})"
    hint = next((p.hint for p in reversed(polls) if p.hint is not None and not p.failed), None)
    if hint is not None and wait < hint:
        wait = _clamp(hint, bounds)
        return Decision(wait, "hint", f"hint: the feed says it updates every {_minutes(hint)}")
    return Decision(wait, "learned", reason)
