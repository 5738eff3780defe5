"""A crawl reaching further back than a feed or sitemap was last read with reads it in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.firstcrawl import ALL_TIME, reaches_further_back, window_key
from crawler.store import open_store
from tests.test_firstcrawl import Outlet, crawl, stored, web  # noqa: F401  (web: the fixture)


def test_a_window_reaches_further_back_only_when_it_starts_earlier():
    june = window_key(datetime(2026, 6, 1, tzinfo=UTC))
    may = window_key(datetime(2026, 5, 1, 23, tzinfo=UTC))
    assert reaches_further_back(may, june)
    assert not reaches_further_back(june, may)
    assert not reaches_further_back(june, june)
    assert reaches_further_back(june, None)  # never recorded: read in full
    assert window_key(None) == ALL_TIME
    assert reaches_further_back(ALL_TIME, may)
    assert not reaches_further_back(may, ALL_TIME)


def test_window_keys_are_utc():
    from zoneinfo import ZoneInfo

    local = datetime(2026, 6, 1, 3, tzinfo=ZoneInfo("Asia/Yerevan"))
    assert window_key(local) == "2026-05-31T23:00:00+00:00"


def test_read_windows_round_trip(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        assert store.read_windows() == {}
        store.save_read_windows(
            {"http://a/feed": ALL_TIME, "http://a/s.xml": "2026-01-01T00:00:00+00:00"}
        )
        store.save_read_windows({"http://a/s.xml": "2026-02-01T00:00:00+00:00"})
        assert store.read_windows() == {
            "http://a/feed": ALL_TIME,
            "http://a/s.xml": "2026-02-01T00:00:00+00:00",
        }


@pytest.mark.slow
def test_since_after_an_ordinary_crawl_stores_the_older_entries(web, tmp_path):  # noqa: F811
    outlet = Outlet(web, "oldco")
    outlet.feed = [
        outlet.article(s, timedelta(days=d)) for s, d in (("today", 0.2), ("last-year", 200))
    ]
    outlet.sitemap = [
        outlet.article(s, timedelta(days=d)) for s, d in (("sm-today", 0.3), ("sm-old", 150))
    ]
    outlet.publish()
    sources = tmp_path / "sources.toml"
    sources.write_text(outlet.toml())
    db = tmp_path / "n.db"

    crawl(tmp_path, sources)  # the first crawl: 30 days back
    assert stored(db, "oldco") == {"today", "sm-today"}
    crawl(tmp_path, sources)  # a routine one: unchanged documents cost a 304
    assert outlet.feed_requests()[1].get("If-None-Match")

    since = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%d")
    crawl(tmp_path, sources, "--since", since)
    assert stored(db, "oldco") == {"today", "last-year", "sm-today", "sm-old"}
    # Read in full, without validators: a 304 would have hidden last year's entries.
    assert outlet.feed_requests()[2].get("If-None-Match") is None
    sitemap_asks = [r.headers for r in web.requests("oldco") if r.path == "/sitemap.xml"]
    assert sitemap_asks[2].get("If-None-Match") is None

    # Now read back to that date, the same backfill again is a 304.
    crawl(tmp_path, sources, "--since", since)
    assert outlet.feed_requests()[3].get("If-None-Match")
    # ... and a routine crawl after it too (its window is narrower).
    crawl(tmp_path, sources)
    assert outlet.feed_requests()[4].get("If-None-Match")
