"""The polling rule (crawler.freshness.next_poll) on hand-built poll histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from benchmarks import freshness as simulation
from crawler.freshness import MIN_POLLS_TO_LEARN, RETRY_AFTER_CAP, Bounds, Poll, next_poll

DAY0 = datetime(2026, 11, 23, tzinfo=UTC)
BOUNDS = Bounds()


# Every test with the process's local zone away from UTC (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("local_zone")


def feed(
    until: datetime,
    *,
    every: timedelta = timedelta(minutes=10),
    per_hour: float | None = None,
    hours: range = range(24),
    days: float = 3,
    dated: bool = True,
    **fields,
) -> list[Poll]:
    """Successful polls every ``every`` for ``days`` up to ``until``, entries at ``per_hour``
    during the UTC ``hours``, evenly spaced (dated at their arrival when ``dated``)."""
    polls: list[Poll] = []
    at = until - timedelta(days=days)
    owed = 0.0
    while at <= until:
        arrived: list[datetime] = []
        if per_hour and at.hour in hours:
            owed += per_hour * every.total_seconds() / 3600
            while owed >= 1:
                owed -= 1
                arrived.append(at - every * (owed / (per_hour * every.total_seconds() / 3600)))
        polls.append(
            Poll(
                at,
                200 if arrived else 304,
                new_entries=len(arrived),
                entry_times=tuple(sorted(arrived)) if dated else (),
                **fields,
            )
        )
        at += every
    return polls


NOON = DAY0 + timedelta(days=7, hours=12)


def test_a_busy_feed_is_polled_more_often_than_a_quiet_one():
    busy = next_poll(feed(NOON, per_hour=20), BOUNDS)
    quiet = next_poll(feed(NOON, per_hour=0.5), BOUNDS)
    silent = next_poll(feed(NOON, days=7), BOUNDS)
    assert busy.kind == quiet.kind == silent.kind == "learned"
    assert busy.interval < timedelta(minutes=10) < quiet.interval < silent.interval
    assert silent.interval > timedelta(hours=2)


def test_an_hour_without_news_is_not_yet_a_quiet_feed():
    """Until a feed has shown its rhythm it is taken to publish about once per default interval."""
    new = next_poll(feed(NOON, days=1 / 24), BOUNDS)
    assert new.kind == "learned"
    assert BOUNDS.default <= new.interval <= 2 * BOUNDS.default


def test_polls_follow_the_square_root_of_the_rate():
    """Four times the entries: half the interval, not a quarter (lag against requests)."""
    slow = next_poll(feed(NOON, per_hour=2), BOUNDS).interval
    fast = next_poll(feed(NOON, per_hour=8), BOUNDS).interval
    assert fast / slow == pytest.approx(0.5, rel=0.1)


def test_undated_entries_are_learned_from_the_polls_that_found_them():
    dated = next_poll(feed(NOON, per_hour=6), BOUNDS).interval
    undated = next_poll(feed(NOON, per_hour=6, dated=False), BOUNDS).interval
    assert undated == pytest.approx(dated, rel=0.1)


def test_a_daytime_wire_is_polled_less_at_night_and_again_before_its_morning():
    office = range(8, 18)
    night = DAY0 + timedelta(days=7, hours=2)
    day = DAY0 + timedelta(days=7, hours=11)
    at_night = next_poll(feed(night, per_hour=20, hours=office, days=7), BOUNDS)
    by_day = next_poll(feed(day, per_hour=20, hours=office, days=7), BOUNDS)
    assert by_day.interval < timedelta(minutes=10)
    assert at_night.interval > 5 * by_day.interval
    # The night's wait ends around the wire's morning, not hours into it.
    assert night + at_night.interval <= night.replace(hour=8, minute=30)


def test_a_burst_beyond_the_profile_shortens_the_interval():
    usual = feed(NOON, per_hour=2, days=7)
    calm = next_poll(usual, BOUNDS)
    burst_start = NOON - timedelta(hours=2)
    breaking = [p for p in usual if p.at <= burst_start] + feed(NOON, per_hour=20, days=2 / 24)[1:]
    busy = next_poll(breaking, BOUNDS)
    assert busy.interval < calm.interval / 2
    assert "busier than usual" in busy.reason


def test_a_short_listing_is_read_before_it_turns_over():
    whole = next_poll(feed(NOON, per_hour=20, listed=100), BOUNDS)
    latest_2 = next_poll(feed(NOON, per_hour=20, listed=2), BOUNDS)
    assert latest_2.interval < whole.interval
    # 20 entries an hour, half of a 2-entry listing: 3 minutes.
    assert latest_2.interval == pytest.approx(timedelta(minutes=3), rel=0.15)
    assert "listed entries" in latest_2.reason


def with_polls(history: list[Poll], *statuses: int | None, **fields) -> list[Poll]:
    polls = list(history)
    for status in statuses:
        polls.append(Poll(polls[-1].at + timedelta(minutes=10), status, **fields))
    return polls


def test_retry_after_is_honoured():
    busy = feed(NOON, per_hour=20)
    decision = next_poll(with_polls(busy, 429, retry_after=timedelta(seconds=120)), BOUNDS)
    assert decision.interval >= timedelta(seconds=120)
    longer = next_poll(with_polls(busy, 429, retry_after=timedelta(minutes=40)), BOUNDS)
    assert longer.interval == timedelta(minutes=40)
    assert longer.kind == "retry-after"
    unavailable = next_poll(with_polls(busy, 503, retry_after=timedelta(minutes=30)), BOUNDS)
    assert unavailable.interval == timedelta(minutes=30)


def test_retry_after_is_capped_but_not_below_the_minimum():
    busy = feed(NOON, per_hour=20)
    huge = next_poll(with_polls(busy, 429, retry_after=timedelta(days=3)), BOUNDS)
    assert huge.interval == RETRY_AFTER_CAP
    tiny = next_poll(
        with_polls(busy, 429, retry_after=timedelta(seconds=1)),
        Bounds(min_interval=timedelta(minutes=5)),
    )
    assert tiny.interval >= timedelta(minutes=5)


def test_a_rate_limit_is_remembered_for_a_day():
    busy = feed(NOON, per_hour=20)
    learned = next_poll(busy, BOUNDS).interval
    limited = with_polls(busy, 429, retry_after=timedelta(minutes=20))
    after = next_poll(with_polls(limited, 200, new_entries=3, listed=30), BOUNDS)
    assert after.interval == timedelta(minutes=20) > learned
    assert after.kind == "retry-after"
    # A day of quiet successes later the feed is back to its learned rate.
    later = limited + feed(limited[-1].at + timedelta(hours=25), per_hour=20, days=25 / 24)[1:]
    assert next_poll(later, BOUNDS).interval < timedelta(minutes=20)


def test_a_maintenance_pause_is_not_remembered():
    busy = feed(NOON, per_hour=20)
    down = with_polls(busy, 503, retry_after=timedelta(minutes=30))
    assert next_poll(down, BOUNDS).interval == timedelta(minutes=30)
    after = next_poll(with_polls(down, 200, new_entries=3, listed=30), BOUNDS)
    assert after.kind == "learned"
    assert after.interval < timedelta(minutes=10)


def test_failures_back_off_and_a_success_returns_to_the_learned_rate():
    busy = feed(NOON, per_hour=20)
    learned = next_poll(busy, BOUNDS)
    waits = []
    history = busy
    for status in (None, 503, None, 500, 429, None, None, None, None, None, None):
        history = with_polls(history, status)
        decision = next_poll(history, BOUNDS)
        assert decision.kind == "backoff"
        waits.append(decision.interval)
    assert waits[0] == learned.interval
    assert all(a < b for a, b in zip(waits[:5], waits[1:6], strict=True))
    assert max(waits) == BOUNDS.max_interval
    recovered = next_poll(with_polls(history, 200, new_entries=2), BOUNDS)
    assert recovered.kind == "learned"
    assert recovered.interval == pytest.approx(learned.interval, rel=0.25)


def test_hints_are_lower_bounds():
    busy = feed(NOON, per_hour=20, hint=timedelta(hours=1))
    decision = next_poll(busy, BOUNDS)
    assert decision.interval == timedelta(hours=1)
    assert decision.kind == "hint"
    # A hint shorter than the learned interval does not shorten it.
    quiet = next_poll(feed(NOON, per_hour=0.5), BOUNDS)
    hinted = next_poll(feed(NOON, per_hour=0.5, hint=timedelta(minutes=5)), BOUNDS)
    assert hinted.interval == quiet.interval
    assert hinted.kind == "learned"


def test_bounds_are_respected():
    tight = Bounds(min_interval=timedelta(minutes=10), max_interval=timedelta(hours=2))
    assert next_poll(feed(NOON, per_hour=60), tight).interval == timedelta(minutes=10)
    assert next_poll(feed(NOON, days=7), tight).interval == timedelta(hours=2)
    weekly_hint = feed(NOON, per_hour=20, hint=timedelta(days=7))
    assert next_poll(weekly_hint, tight).interval == timedelta(hours=2)
    failing = with_polls(feed(NOON, per_hour=1), *[None] * 12)
    assert next_poll(failing, tight).interval == timedelta(hours=2)


def test_too_little_history_gives_the_default():
    bounds = Bounds(default=timedelta(minutes=20))
    assert next_poll([], bounds).interval == timedelta(minutes=20)
    few = feed(NOON, per_hour=60, days=20 / 60 / 24)
    assert len(few) < MIN_POLLS_TO_LEARN
    decision = next_poll(few, bounds)
    assert (decision.kind, decision.interval) == ("default", timedelta(minutes=20))
    failed = with_polls(few, None, None)
    assert next_poll(failed, bounds).interval == timedelta(minutes=40)


def test_adaptive_polling_beats_fixed_polling_in_a_small_simulation():
    """A few outlets of the benchmark over three days: lower lag, no more requests, no more losses."""
    chosen = [
        o
        for o in simulation.outlets()
        if o.name
        in {"wire-am", "daily-1", "daily-4", "weekly", "daily-broken", "blog", "think-tank", "tv-2"}
    ]
    result = simulation.run(chosen, days=3, seed=7)
    fixed, _ = result["fixed 15 min"]
    adaptive, _ = result["adaptive"]
    assert adaptive.entries == fixed.entries > 300
    assert adaptive.median_lag_min < fixed.median_lag_min
    assert adaptive.median_lag_min <= 5.0
    assert adaptive.requests <= fixed.requests
    assert adaptive.lost <= fixed.lost
