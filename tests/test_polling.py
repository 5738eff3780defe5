"""crawler.polling with a fake clock: what a crawl records, and when each feed is due next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.discovery.feeds import parse_feed, update_period
from crawler.freshness import Bounds
from crawler.polling import (
    PollDraft,
    cache_max_age,
    iso,
    parse_retry_after,
    plan_sources,
    record_polls,
    retry_blocks,
    source_bounds,
)
from crawler.store import open_store

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
BOUNDS = Bounds(
    min_interval=timedelta(minutes=2),
    max_interval=timedelta(hours=6),
    default=timedelta(minutes=15),
)


@pytest.fixture
def store(tmp_path):
    opened = open_store(str(tmp_path / "news.db"))
    yield opened
    opened.close()


class FakeFeed:
    """A feed that lists its latest ``size`` entries; ``publish`` adds some."""

    def __init__(self, url: str, source: str, size: int = 20):
        self.url, self.source, self.size = url, source, size
        self.entries: list[str] = []

    def publish(self, n: int) -> None:
        start = len(self.entries)
        self.entries += [f"{self.source}.example/a/{start + i}" for i in range(n)]

    def poll(self, store, at: datetime, status: int | None = 200, **kw) -> None:
        draft = PollDraft(self.url, self.source, at, status, **kw)
        if status == 200:
            draft.listed([(key, None) for key in self.entries[-self.size :]], None)
        record_polls(store, [draft], started_at=at)


def plan(store, now: datetime, *feeds: FakeFeed, bounds: Bounds = BOUNDS):
    history = store.feed_polls(iso(now - timedelta(days=7)))
    plans = plan_sources([(f.source, [f.url], bounds) for f in feeds], history)
    return {name: p.next for name, p in plans.items()}


def drive(store, feeds: dict[FakeFeed, int], hours: int) -> dict[str, int]:
    """Poll each feed whenever it is due over ``hours`` of fake time (``rate`` entries per hour each);
    returns the number of polls of each."""
    polls = {f.source: 0 for f in feeds}
    now = T0
    published = {f: 0.0 for f in feeds}
    while now < T0 + timedelta(hours=hours):
        for feed, rate in feeds.items():
            published[feed] += rate / 60
            if published[feed] >= 1:
                feed.publish(int(published[feed]))
                published[feed] -= int(published[feed])
        due = plan(store, now, *feeds)
        for feed in feeds:
            if due[feed.source].due_at <= now:
                feed.poll(store, now)
                polls[feed.source] += 1
        now += timedelta(minutes=1)
    return polls


def test_a_busy_feed_is_polled_more_often_than_a_quiet_one(store):
    wire, weekly = (
        FakeFeed("https://wire.example/rss", "wire"),
        FakeFeed("https://weekly.example/rss", "weekly"),
    )
    wire.publish(20)
    weekly.publish(5)
    polls = drive(store, {wire: 20, weekly: 0}, hours=12)
    assert polls["wire"] > 3 * polls["weekly"]
    due = plan(store, T0 + timedelta(hours=12), wire, weekly)
    assert due["wire"].decision.kind == "learned"
    assert due["wire"].decision.interval < BOUNDS.default
    # The rule's own figures are its tests' (tests/test_freshness_rule.py); here, the order.
    assert due["weekly"].decision.interval > 5 * due["wire"].decision.interval


def test_new_entries_are_those_no_earlier_poll_listed(store):
    feed = FakeFeed("https://wire.example/rss", "wire", size=5)
    feed.publish(5)
    feed.poll(store, T0)
    feed.publish(2)  # two new, two old ones drop off the end of the feed
    feed.poll(store, T0 + timedelta(minutes=10))
    feed.poll(store, T0 + timedelta(minutes=20), status=304)
    polls = store.feed_polls(iso(T0))[feed.url]
    assert [(p.status, p.new_entries, p.listed) for p in polls] == [
        (200, 5, 5),
        (200, 2, 5),
        (304, 0, None),  # a 304 lists nothing the crawl read
    ]


def test_a_429_with_retry_after_is_not_asked_again_before_it(store):
    feed = FakeFeed("https://busy.example/rss", "busy")
    feed.publish(3)
    feed.poll(store, T0, status=429, retry_after=timedelta(seconds=120))
    history = store.feed_polls(iso(T0 - timedelta(hours=1)))
    assert retry_blocks(history, T0 + timedelta(seconds=119)) == {
        feed.url: T0 + timedelta(seconds=120)
    }
    assert retry_blocks(history, T0 + timedelta(seconds=120)) == {}
    # The site's 2 minutes are a minimum of the next poll, never a maximum.
    due = plan(store, T0, feed, bounds=Bounds(min_interval=timedelta(minutes=5)))["busy"]
    assert due.decision.kind in ("retry-after", "backoff")
    assert due.due_at >= T0 + timedelta(minutes=5)
    # A Retry-After longer than the bounds still holds (up to the rule's cap).
    feed.poll(store, T0 + timedelta(minutes=5), status=503, retry_after=timedelta(hours=1))
    assert plan(store, T0, feed)["busy"].due_at >= T0 + timedelta(minutes=65)


def test_a_failing_feed_backs_off_and_recovers(store):
    feed = FakeFeed("https://flaky.example/rss", "flaky")
    now = T0
    for _ in range(6):  # a learned rate first
        feed.publish(2)
        feed.poll(store, now)
        now += timedelta(minutes=10)
    learned = plan(store, now, feed)["flaky"].decision
    assert learned.kind == "learned"
    waits = []
    for status in (500, None, 503):
        feed.poll(store, now, status=status)
        decision = plan(store, now, feed)["flaky"].decision
        assert decision.kind == "backoff"
        waits.append(decision.interval)
        now += decision.interval
    assert waits == sorted(waits) and waits[0] < waits[-1] and waits[0] > learned.interval
    feed.publish(2)
    feed.poll(store, now)
    assert plan(store, now, feed)["flaky"].decision.kind == "learned"


def test_the_history_is_bounded(store):
    feed = FakeFeed("https://wire.example/rss", "wire")
    feed.poll(store, T0)
    feed.poll(store, T0 + timedelta(days=8))
    assert [p.at for p in store.feed_polls("2000")[feed.url]] == [iso(T0 + timedelta(days=8))]


def test_the_lag_of_a_new_article_is_recorded(store):
    feed = FakeFeed("https://wire.example/rss", "wire")
    feed.publish(3)
    feed.poll(store, T0)  # the feed's backlog: no lag for those
    feed.publish(1)
    listed = T0 + timedelta(minutes=10)
    draft = PollDraft(feed.url, "wire", listed, 200)
    key = feed.entries[-1]
    draft.listed(
        [(k, iso(T0 + timedelta(minutes=7)) if k == key else None) for k in feed.entries], None
    )
    stored = listed + timedelta(seconds=40)
    with store.write() as tx:
        for n, k in enumerate(feed.entries):
            at = stored if k == key else T0
            tx.insert_article(
                {
                    "url": f"https://{k}", "url_key": k, "source": "wire", "title": f"t{n}",
                    "body": f"b{n}", "fetched_at": iso(at), "first_seen_at": iso(at),
                    "content_hash": f"h{n}", "published_at": None,
                },
                None,
            )  # fmt: skip
    assert record_polls(store, [draft], started_at=listed) == 1
    lag = store.freshness(iso(T0))["wire"]
    assert lag.articles == 1
    assert lag.median_lag_feed_s == 40
    assert lag.median_lag_publication_s == 3 * 60 + 40  # the feed's date, the page having none


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        ("Sat, 01 Jun 2024 08:05:00 GMT", timedelta(minutes=5)),
        ("Sat, 01 Jun 2024 07:00:00 GMT", timedelta(0)),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(value, expected):
    assert parse_retry_after(value, T0) == expected


def test_the_hints_of_headers_and_feeds():
    assert cache_max_age("public, max-age=600") == timedelta(minutes=10)
    assert cache_max_age("no-cache") is None and cache_max_age("max-age=0") is None
    assert update_period({"ttl": "30"}) == timedelta(minutes=30)
    assert update_period({"sy_updateperiod": "hourly", "sy_updatefrequency": "2"}) == timedelta(
        minutes=30
    )
    assert update_period({"sy_updateperiod": "daily"}) == timedelta(days=1)
    assert update_period({"ttl": "x"}) is None
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><ttl>45</ttl>'
        b"<item><link>https://a.example/1</link></item></channel></rss>"
    )
    assert parse_feed(rss, "https://a.example/rss").update_period == timedelta(minutes=45)


def test_a_sources_bounds_override_the_defaults():
    own = source_bounds(BOUNDS, timedelta(minutes=30), None)
    assert own.min_interval == timedelta(minutes=30) and own.max_interval == BOUNDS.max_interval
    assert own.default == timedelta(minutes=30)  # the default moves inside the source's bounds
    assert source_bounds(BOUNDS, None, None) == BOUNDS


def test_the_sqlite_freshness_view_gives_the_medians_of_the_last_day(store):
    import sqlite3

    from crawler.store.values import ArticleLag

    now = datetime.now(UTC)
    with store.write() as tx:
        ids = [
            tx.insert_article(
                {
                    "url": f"https://w/{n}",
                    "url_key": f"w/{n}",
                    "source": "wire",
                    "title": "t",
                    "body": f"b{n}",
                    "fetched_at": iso(now),
                    "first_seen_at": iso(now),
                    "content_hash": f"h{n}",
                },
                None,
            )  # fmt: skip
            for n in range(3)
        ]
    store.record_lags(
        [
            ArticleLag(ids[0], "wire", iso(now), lag_feed_s=60.0),
            ArticleLag(ids[1], "wire", iso(now), lag_feed_s=180.0, lag_publication_s=5.0),
            ArticleLag(ids[2], "wire", iso(now - timedelta(days=2)), lag_feed_s=9999.0),
        ]
    )
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute("SELECT * FROM freshness").fetchall()
    finally:
        conn.close()
    assert [r[:4] for r in rows] == [("wire", 2, 5.0, 120.0)]
