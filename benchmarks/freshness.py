"""Lag and feed requests of fixed and adaptive polling over a simulated week.

    .venv/bin/python benchmarks/freshness.py                # the table (8 days, the last reported)
    .venv/bin/python benchmarks/freshness.py --json         # the same figures as JSON
    .venv/bin/python benchmarks/freshness.py --per-outlet   # and a row per outlet

No network and no real time: a fake clock drives 30 simulated outlets whose
entries arrive as Poisson processes with hour-of-day rates in each outlet's
own time zone (a wire every ~3 minutes in working hours, dailies with morning
and evening peaks, a weekly, broadcasters, blogs, a press office …), a day's
volume varying from day to day and weekends quieter. An entry appears in its
feed a few minutes after its publication time (the CMS's cache), and each
feed lists only its latest N entries, so an entry that scrolls out before a
poll sees it is lost. One feed breaks for two hours on the reported day (an
hour of network errors, then an hour of 503s), one answers 429 with
``Retry-After`` when asked again within 20 minutes, some carry ``ttl`` /
``sy:updatePeriod`` hints, some give no dates, and on the reported day the
outlets that cover the region publish at three times their rate for three
hours (breaking news).

Three policies read the same entries: every feed every 15 minutes (the
default schedule today); a duplicate-share rule in the manner of Media Cloud's
rss-fetcher (for comparison); and adaptive, where after each poll
``crawler.freshness.next_poll`` (the daemon's rule) decides the wait from the
poll history a crawl records (``Poll(at, status, new_entries, entry_times,
retry_after, hint, listed)``). Eight days are simulated and the last one is
reported, so the adaptive rule starts the day with a week of learned state.

Printed per policy: the median and 90th percentile of the lag from an entry's
appearance in its feed to its row (the poll that lists it, plus
:data:`CRAWL_LATENCY` for the article's fetch, extraction and storage), the
feed requests of the day over the 30 outlets, and the entries lost.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import statistics
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.freshness import HISTORY_WINDOW, Bounds, Poll, next_poll  # noqa: E402

START = datetime(2026, 11, 24, tzinfo=UTC)  # a Tuesday
DAY = 86400.0
CRAWL_LATENCY = 60.0
"""Seconds from a feed's answer to the article's row: the daemon's tick, the
article request, extraction and storage."""
FIXED_INTERVAL = 900.0
BREAKING = (13, 16, 3.0)
"""UTC hours and factor of the burst the regional outlets publish on the reported day."""


def _hours(spans: Sequence[tuple[int, int, float]], night: float) -> tuple[float, ...]:
    """24 local hourly rates: ``night`` everywhere except the (from, to, rate) spans."""
    rates = [night] * 24
    for start, end, rate in spans:
        for hour in range(start, end):
            rates[hour % 24] = rate
    return tuple(rates)


def _two_peaks(peak: float) -> tuple[float, ...]:
    """A daily: morning and evening peaks, a calmer afternoon, a quiet night."""
    return _hours([(7, 10, peak), (10, 18, peak / 3), (18, 21, peak), (21, 24, peak / 4)], 0.1)


@dataclass(frozen=True)
class Outlet:
    """A simulated outlet: its rhythm and the way its feed answers."""

    name: str
    tz: int
    """Hours from UTC of the outlet's clock (its rhythm is in local time)."""
    rates: tuple[float, ...]
    """Entries per hour for each local hour of a weekday."""
    weekend: float = 0.6
    weekdays: frozenset[int] | None = None
    """Only these days publish (``datetime.weekday()``); ``None``: every day."""
    listed: int = 30
    dated: bool = True
    hint: timedelta | None = None
    regional: bool = False
    """Covers the region, so publishes more in the breaking-news burst."""
    outage: tuple[int, int] | None = None
    """Local hour of the reported day the feed breaks, and for how many hours."""
    rate_limit: float | None = None
    """Seconds between served requests below which the site answers 429."""
    cache_delay: float = 300.0
    """Upper bound, in seconds, of the delay before a published entry appears in the feed."""


def outlets() -> list[Outlet]:
    """The 30 outlets of the simulated day."""
    hourly, daily = timedelta(hours=1), timedelta(days=1)
    return [
        Outlet(
            "wire-am",
            4,
            _hours([(8, 19, 20.0), (19, 23, 3.0)], 0.3),
            listed=10,
            regional=True,
        ),
        Outlet("wire-ru", 3, _hours([(7, 20, 12.0), (20, 24, 4.0)], 1.0), listed=20, regional=True),
        Outlet("wire-az", 4, _hours([(9, 19, 10.0), (19, 23, 2.0)], 0.2), listed=20, regional=True),
        Outlet("agency-intl", 0, _hours([(6, 22, 6.0)], 1.5), weekend=0.8, listed=15),
        Outlet("daily-1", 4, _two_peaks(8.0), listed=20, regional=True),
        Outlet("daily-2", 4, _two_peaks(6.0), listed=30, regional=True),
        Outlet("daily-3", 3, _two_peaks(5.0), listed=10, regional=True),
        Outlet("daily-4", 4, _two_peaks(4.0), listed=50, regional=True),
        Outlet("daily-5", 4, _two_peaks(3.0), listed=20, dated=False),
        Outlet("daily-6", 3, _two_peaks(3.0), listed=25),
        Outlet("daily-7", 0, _two_peaks(2.0), listed=20),
        Outlet("daily-8", 1, _two_peaks(1.5), listed=15, hint=timedelta(minutes=30)),
        Outlet(
            "weekly",
            4,
            _hours([(10, 11, 6.0)], 0.0),
            weekdays=frozenset({1}),
            listed=10,
            hint=daily,
        ),
        Outlet("daily-broken", 4, _two_peaks(4.0), listed=20, regional=True, outage=(10, 2)),
        Outlet("daily-limited", 3, _hours([(8, 21, 6.0)], 0.3), listed=30, rate_limit=1200.0),
        Outlet("tv-1", 4, _hours([(6, 24, 3.0)], 0.2), listed=20, regional=True),
        Outlet("tv-2", 3, _hours([(7, 22, 2.0)], 0.1), listed=20, hint=timedelta(minutes=30)),
        Outlet("regional-wp", 4, _hours([(9, 19, 1.0)], 0.0), listed=10, hint=hourly),
        Outlet("think-tank", 0, _hours([(9, 18, 0.1)], 0.0), weekend=0.0, listed=10, hint=hourly),
        Outlet("press-office", 4, _hours([(9, 18, 0.6)], 0.0), weekend=0.15, listed=20),
        Outlet("diaspora-la", -8, _two_peaks(2.0), listed=20),
        Outlet("diaspora-ny", -5, _two_peaks(1.5), listed=20, dated=False),
        Outlet("blog", 4, _hours([(8, 24, 0.15)], 0.0), listed=10, dated=False),
        Outlet("tabloid", 3, _hours([(8, 23, 8.0)], 0.5), listed=10, dated=False),
        Outlet("journal", 0, _hours([(9, 17, 0.06)], 0.0), weekend=0.0, listed=10, hint=daily),
        Outlet("business", 4, _hours([(9, 18, 2.0)], 0.1), weekend=0.3, listed=20),
        Outlet("opinion", 3, _two_peaks(1.0), listed=20),
        Outlet("broadcaster", 0, _hours([(0, 24, 4.0)], 4.0), weekend=0.9, listed=25),
        Outlet("fact-check", 4, _hours([(10, 20, 0.3)], 0.0), listed=10),
        Outlet("regional-ru", 3, _two_peaks(3.0), listed=20, dated=False, regional=True),
    ]


@dataclass
class Entry:
    published: float
    appeared: float


def entries_of(outlet: Outlet, days: int, seed: int, burst_day: int) -> list[Entry]:
    """Poisson arrivals with the outlet's hourly rates, a random volume per day, sorted by appearance."""
    rng = random.Random(f"{seed}/{outlet.name}")
    start = START.timestamp()
    result = []
    for day in range(days):
        weekday = (START + timedelta(days=day)).weekday()
        if outlet.weekdays is not None and weekday not in outlet.weekdays:
            continue
        volume = rng.lognormvariate(0.0, 0.25)
        if weekday >= 5:
            volume *= outlet.weekend
        for hour in range(24):
            # The outlet's local hour `hour` of its day `day`, on the UTC axis.
            begin = start + day * DAY + (hour - outlet.tz) * 3600.0
            rate = outlet.rates[hour] * volume
            utc_hour = int((begin - start) // 3600) % 24
            if outlet.regional and day == burst_day and BREAKING[0] <= utc_hour < BREAKING[1]:
                rate *= BREAKING[2]
            if rate <= 0:
                continue
            t = begin + rng.expovariate(rate / 3600.0)
            while t < begin + 3600.0:
                result.append(Entry(t, t + rng.uniform(0.0, outlet.cache_delay)))
                t += rng.expovariate(rate / 3600.0)
    result.sort(key=lambda e: e.appeared)
    return result


@dataclass
class Outcome:
    """What one policy did to one outlet on the reported day."""

    lags: list[float] = field(default_factory=list)
    requests: int = 0
    failed: int = 0
    lost: int = 0
    entries: int = 0


class Feed:
    """An outlet's feed as a poller sees it: entries, listing size, faults."""

    def __init__(self, outlet: Outlet, entries: list[Entry], report_from: float) -> None:
        self.outlet = outlet
        self.entries = entries
        self.appeared = [e.appeared for e in entries]
        self.seen = 0
        self.last_served = -math.inf
        self.outage: tuple[float, float] | None = None
        if outlet.outage is not None:
            hour, length = outlet.outage
            begin = report_from + (hour - outlet.tz) * 3600.0
            self.outage = (begin, begin + length * 3600.0)

    def poll(self, t: float, window: tuple[float, float], outcome: Outcome) -> Poll:
        at = datetime.fromtimestamp(t, UTC)
        in_window = window[0] <= t < window[1]
        if in_window:
            outcome.requests += 1
        if self.outage is not None and self.outage[0] <= t < self.outage[1]:
            # The first hour of the outage the host is unreachable, then it answers 503.
            status = None if t < self.outage[0] + 3600.0 else 503
            outcome.failed += in_window
            return Poll(at, status)
        limit = self.outlet.rate_limit
        if limit is not None and t - self.last_served < limit:
            outcome.failed += in_window
            return Poll(at, 429, retry_after=timedelta(seconds=limit))
        self.last_served = t
        available = bisect.bisect_right(self.appeared, t)
        first_listed = max(0, available - self.outlet.listed)
        for index in range(self.seen, first_listed):
            if window[0] <= self.appeared[index] < window[1]:
                outcome.lost += 1
        new = self.entries[max(self.seen, first_listed) : available]
        self.seen = available
        for entry in new:
            if window[0] <= entry.appeared < window[1]:
                outcome.lags.append(t + CRAWL_LATENCY - entry.appeared)
        times = (
            tuple(datetime.fromtimestamp(e.published, UTC) for e in new)
            if self.outlet.dated
            else ()
        )
        # Conditional requests: an unchanged feed answers 304, with no listing to count.
        return Poll(
            at,
            200 if new else 304,
            new_entries=len(new),
            entry_times=times,
            hint=self.outlet.hint,
            listed=min(available, self.outlet.listed) if new else None,
        )


Policy = Callable[[Sequence[Poll], float], float]
"""After a poll (the history ends with it, at time t): when to poll next."""


def fixed_policy(history: Sequence[Poll], t: float) -> float:
    """Today's schedule: every feed every 15 minutes, on the quarter hour, whatever it answered."""
    return (math.floor(t / FIXED_INTERVAL) + 1) * FIXED_INTERVAL


def adaptive_policy(bounds: Bounds) -> Policy:
    def policy(history: Sequence[Poll], t: float) -> float:
        return t + next_poll(history, bounds).interval.total_seconds()

    return policy


DUPLICATE_BANDS = (0.33, 0.67)
DUPLICATE_STEPS = (300.0, 60.0)
"""Seconds taken off when a poll's listing is mostly new, added when mostly known."""


def duplicate_share_policy(bounds: Bounds) -> Policy:
    """Media Cloud rss-fetcher's way, in this benchmark's minutes: after a success
    the interval shrinks by a step when under a third of the listing was already
    known (back to the default at once from above it) and grows by a smaller step
    when two thirds or more were (a 304 counts as all known), never below the
    feed's hint; failures multiply it by their number (linear backoff, capped);
    a longer ``Retry-After`` wins, capped at a day."""
    interval = bounds.default.total_seconds()
    lowest, highest = bounds.min_interval.total_seconds(), bounds.max_interval.total_seconds()

    def policy(history: Sequence[Poll], t: float) -> float:
        nonlocal interval
        last = history[-1]
        if not last.failed:
            listed = last.listed or 0
            known = (listed - last.new_entries) / listed if listed and last.new_entries else 1.0
            if known < DUPLICATE_BANDS[0]:
                default = bounds.default.total_seconds()
                interval = default if interval > default else interval - DUPLICATE_STEPS[0]
            elif known >= DUPLICATE_BANDS[1]:
                interval += DUPLICATE_STEPS[1]
            floor = max(lowest, last.hint.total_seconds() if last.hint else 0.0)
            interval = min(highest, max(floor, interval))
            return t + interval
        failures = 0
        for poll in reversed(history):
            if not poll.failed:
                break
            failures += 1
        wait = min(highest, interval * failures)
        if last.retry_after is not None:
            wait = max(wait, min(last.retry_after.total_seconds(), DAY))
        return t + wait

    return policy


def simulate(
    outlet: Outlet, policy: Policy, *, days: int, seed: int, offset: float = 0.0
) -> Outcome:
    """Poll one outlet for ``days`` days with ``policy``; the figures are those of the last day."""
    start = START.timestamp()
    report_from = start + (days - 1) * DAY
    window = (report_from, report_from + DAY)
    # Entries of the reported day still listed at midnight are read by a later poll.
    feed = Feed(outlet, entries_of(outlet, days + 1, seed, days - 1), report_from)
    outcome = Outcome(entries=sum(window[0] <= a < window[1] for a in feed.appeared))
    keep = HISTORY_WINDOW.total_seconds() + DAY
    history: deque[Poll] = deque()
    t = start + offset
    until = window[1] + 12 * 3600.0
    while t < until:
        history.append(feed.poll(t, window, outcome))
        while history[0].at.timestamp() < t - keep:
            history.popleft()
        t = policy(history, t)
    return outcome


@dataclass
class Summary:
    policy: str
    median_lag_min: float | None
    p90_lag_min: float | None
    requests: int
    failed_requests: int
    entries: int
    lost: int


def summarise(policy: str, outcomes: Sequence[Outcome]) -> Summary:
    lags = sorted(lag for o in outcomes for lag in o.lags)
    return Summary(
        policy,
        round(statistics.median(lags) / 60, 1) if lags else None,
        round(_quantile(lags, 0.9) / 60, 1) if lags else None,
        sum(o.requests for o in outcomes),
        sum(o.failed for o in outcomes),
        sum(o.entries for o in outcomes),
        sum(o.lost for o in outcomes),
    )


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run(
    chosen: Sequence[Outlet], *, days: int, seed: int, bounds: Bounds | None = None
) -> dict[str, tuple[Summary, list[Outcome]]]:
    """Every policy over the same entries: policy name → (summary, outcome per outlet)."""
    bounds = bounds or Bounds()
    policies: dict[str, Callable[[], Policy]] = {
        "fixed 15 min": lambda: fixed_policy,
        "duplicate share": lambda: duplicate_share_policy(bounds),
        "adaptive": lambda: adaptive_policy(bounds),
    }
    result = {}
    for name, make in policies.items():
        # Each outlet gets its own policy: the duplicate-share one keeps state.
        outcomes = [
            simulate(outlet, make(), days=days, seed=seed, offset=index * 20.0)
            for index, outlet in enumerate(chosen)
        ]
        result[name] = (summarise(name, outcomes), outcomes)
    return result


def _min(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=8, help="days simulated; the last is reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--per-outlet", action="store_true", help="a row per outlet too")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    chosen = outlets()
    result = run(chosen, days=args.days, seed=args.seed)
    if args.json:
        print(
            json.dumps(
                {
                    "days": args.days,
                    "seed": args.seed,
                    "crawl_latency_s": CRAWL_LATENCY,
                    "policies": [vars(summary) for summary, _ in result.values()],
                    "per_outlet": {
                        name: {
                            outlet.name: {
                                "entries": o.entries,
                                "requests": o.requests,
                                "lost": o.lost,
                                "median_lag_min": round(statistics.median(o.lags) / 60, 1)
                                if o.lags
                                else None,
                            }
                            for outlet, o in zip(chosen, outcomes, strict=True)
                        }
                        for name, (_, outcomes) in result.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    rows = [["policy", "median lag", "p90 lag", "requests/day", "failed", "entries", "lost"]]
    for summary, _ in result.values():
        rows.append(
            [
                summary.policy,
                _min(summary.median_lag_min),
                _min(summary.p90_lag_min),
                str(summary.requests),
                str(summary.failed_requests),
                str(summary.entries),
                str(summary.lost),
            ]
        )
    print(f"{len(chosen)} outlets, day {args.days} of {args.days} simulated, seed {args.seed}")
    print(_table(rows))
    if args.per_outlet:
        rows = [["outlet", "entries"]]
        for name in result:
            rows[0] += [f"{name}: req", "median", "lost"]
        for index, outlet in enumerate(chosen):
            row = [outlet.name, str(result["adaptive"][1][index].entries)]
            for _, outcomes in result.values():
                o = outcomes[index]
                median = f"{statistics.median(o.lags) / 60:.1f}" if o.lags else "-"
                row += [str(o.requests), median, str(o.lost)]
            rows.append(row)
        print()
        print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
