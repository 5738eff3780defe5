"""The first crawl of a new source reads a longer window; later crawls the routine one."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import ConfigError, Source, load_sources
from crawler.firstcrawl import (
    backfill_hints,
    crawl_window,
    first_crawl_windows,
    not_yet_crawled,
    parse_first_window,
    record_first_crawls,
)
from crawler.runs import start_run
from crawler.store import open_store
from tests.conftest import run_newsmon
from tests.mockweb import content
from tests.mockweb.server import MockWeb, Response

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]
WORDS = "blockade corridor convoy bridge mission ministry statement session council report".split()


def test_a_new_source_gets_the_first_window_and_an_old_one_the_routine_one():
    routine = NOW - timedelta(days=2)
    assert crawl_window(routine, timedelta(days=30), new=True, now=NOW) == NOW - timedelta(days=30)
    assert crawl_window(routine, timedelta(days=30), new=False, now=NOW) == routine
    assert crawl_window(routine, None, new=True, now=NOW) == routine  # first window off
    assert crawl_window(None, timedelta(days=30), new=True, now=NOW) is None  # no limit stays
    # A routine window wider than the first one is kept.
    wide = NOW - timedelta(days=90)
    assert crawl_window(wide, timedelta(days=30), new=True, now=NOW) == wide


def test_first_window_values():
    assert parse_first_window("30d") == timedelta(days=30)
    for off in (None, "", "0", "none", "off"):
        assert parse_first_window(off) is None
    with pytest.raises(ValueError, match="not a duration"):
        parse_first_window("thirty days")


def add_article(db, source: str) -> None:
    n = db.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    db.conn.execute(
        "INSERT INTO articles (url, url_key, source, title, body, fetched_at, first_seen_at, content_hash) "
        "VALUES (?, ?, ?, 't', 'b', '2026-01-01', '2026-01-01', ?)",
        [f"https://s/{n}", f"s/{n}", source, f"h{n}"],
    )


def test_the_migration_counts_sources_with_an_article_or_a_fetched_page_as_crawled(tmp_path):
    from crawler.store.sqlite.schema import migrations

    db = open_store(tmp_path / "n.db", migrate=False)
    migrations.apply(db.db, stop_before="m005_sched_first_crawls")
    ok = start_run(db, trigger="manual", sources=["fetched", "failed"])
    db.finish_run(ok, status="ok", per_source={
        "fetched": {"pages_fetched": 1}, "failed": {"pages_fetched": 0, "errors": 3},
    })  # fmt: skip
    add_article(db, "stored")
    migrations.apply(db.db)
    names = ["fetched", "failed", "stored", "unseen"]
    assert not_yet_crawled(db, names, ["feeds", "wordpress"]) == {
        ("failed", "feeds"), ("failed", "wordpress"), ("unseen", "feeds"), ("unseen", "wordpress"),
    }  # fmt: skip
    db.close()


def test_first_crawls_are_recorded_per_kind_once(tmp_path):
    db = open_store(tmp_path / "n.db")
    record_first_crawls(db, [("a", "feeds")], at="2026-12-01T00:00:00+00:00")
    record_first_crawls(db, [("a", "feeds"), ("b", "sitemaps")], at="2026-12-02T00:00:00+00:00")
    assert not_yet_crawled(db, ["a", "b"], ["feeds", "sitemaps"]) == {
        ("a", "sitemaps"), ("b", "feeds"),
    }  # fmt: skip
    assert db.conn.execute("SELECT crawled_at FROM first_crawls WHERE source = 'a'").fetchone() == (
        "2026-12-01T00:00:00+00:00",
    )
    db.close()


def test_windows_of_a_crawl_only_for_new_kinds_with_a_sources_own_first_window(tmp_path):
    db = open_store(tmp_path / "w.db")
    record_first_crawls(db, [("old", "feeds"), ("old", "sitemaps"), ("half", "feeds")], at="x")
    lists = {"feeds": ("https://x/feed",), "sitemaps": ("https://x/sitemap.xml",)}
    sources = [
        Source(name="old", url="https://o/", language="en", **lists),
        Source(name="half", url="https://h/", language="en", **lists),
        Source(name="deep", url="https://d/", language="en", first_window="90d", **lists),
        Source(name="off", url="https://f/", language="en", first_window="none", **lists),
        Source(name="feedless", url="https://s/", language="en", sitemaps=lists["sitemaps"]),
    ]
    new = not_yet_crawled(db, [s.name for s in sources], ["feeds", "sitemaps", "wordpress"])
    routine = NOW - timedelta(days=2)
    windows = first_crawl_windows(sources, new, routine, timedelta(days=30), now=NOW)
    assert windows == {
        ("half", "sitemaps"): NOW - timedelta(days=30),
        ("deep", "feeds"): NOW - timedelta(days=90),
        ("deep", "sitemaps"): NOW - timedelta(days=90),
        ("feedless", "sitemaps"): NOW - timedelta(days=30),
    }
    assert first_crawl_windows(sources, new, None, timedelta(days=30), now=NOW) == {}
    db.close()


def test_the_hint_names_the_kinds_and_the_backfill_command():
    stats = {
        "first_window/newco/feeds": "2026-11-05T09:00:00+00:00",
        "first_window/newco/sitemaps": "2026-09-06T09:00:00+00:00",
        "source/newco/errors": 0,
    }
    assert backfill_hints(stats, today=NOW) == [
        "first crawl of newco (feeds, sitemaps): read what they list since 2026-09-06; "
        "to go further back: newsmon crawl newco --since DATE (e.g. 2025-12-05)"
    ]


def test_first_window_in_sources_toml_is_validated(tmp_path):
    path = tmp_path / "s.toml"
    entry = '[[source]]\nname = "a"\nurl = "https://a.example/"\nlanguage = "en"\nfeeds = ["https://a.example/f"]\n'
    path.write_text(entry + 'first_window = "90d"\n')
    assert load_sources(path).get("a").first_window == "90d"
    path.write_text(entry + 'first_window = "3 months"\n')
    with pytest.raises(ConfigError, match="source 'a': field 'first_window': '3 months' is not"):
        load_sources(path)


# --- a real crawl against the mock web ------------------------------------------------


class Outlet:
    """A mock outlet whose feed and news sitemap list articles of given ages (now is the real clock)."""

    def __init__(self, web: MockWeb, site: str):
        self.web, self.site = web, site
        self.base = web.add_site(site)
        self.feed: list[content.MockArticle] = []
        self.sitemap: list[content.MockArticle] = []

    def article(self, slug: str, age: timedelta) -> content.MockArticle:
        when = (datetime.now(UTC) - age).replace(microsecond=0)
        words = [
            WORDS[(len(slug) * 7 + i * 3 + ord(slug[i % len(slug)])) % len(WORDS)]
            for i in range(40)
        ]
        paragraphs = [
            f"{slug.title()} {n}: " + " ".join(words[n:] + words[:n]) + "." for n in range(5)
        ]
        article = content.MockArticle(
            site="armwire", path=f"/{self.site}/{slug}/", title=f"{self.site} {slug.replace('-', ' ')}",
            paragraphs=paragraphs, language="en", template="wordpress",
            published=when.isoformat(), published_utc=when.isoformat(),
        )  # fmt: skip
        page = content.render_article(article, self.base).encode()
        self.web.route(self.site, article.path, Response(200, page, {"Content-Type": "text/html"}))
        return article

    def publish(self) -> str:
        """Serve the feed and the sitemap (with ETags); returns the feed's ETag."""
        rss = content.rss2("armwire", self.base, self.feed).encode()
        rss_type = {"Content-Type": "application/rss+xml"}
        self.web.route(self.site, "/feed", Response(200, rss, rss_type, conditional=True))
        sitemap = content.news_sitemap(self.base, self.sitemap).encode()
        xml_type = {"Content-Type": "application/xml"}
        self.web.route(
            self.site, "/sitemap.xml", Response(200, sitemap, xml_type, conditional=True)
        )
        return '"' + hashlib.md5(rss).hexdigest() + '"'

    def feed_requests(self) -> list[dict[str, str]]:
        """Headers of each request for the feed so far."""
        return [r.headers for r in self.web.requests(self.site) if r.path == "/feed"]

    def toml(self, extra: str = "") -> str:
        return (
            f'[[source]]\nname = "{self.site}"\nurl = "{self.base}/"\nlanguage = "en"\n'
            f'feeds = ["{self.base}/feed"]\nsitemaps = ["{self.base}/sitemap.xml"]\nallow_private = true\n{extra}\n'
        )


@pytest.fixture
def web():
    web = MockWeb()
    yield web
    web.stop()


def stored(db: Path, source: str) -> set[str]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url FROM articles WHERE source = ?", [source]).fetchall()
    conn.close()
    return {url.rstrip("/").rsplit("/", 1)[1] for (url,) in rows}


def crawl(tmp_path: Path, sources: Path, *args: str):
    # Away from UTC, so a window computed in local time would show.
    result = run_newsmon(
        "crawl", *args, "--sources", str(sources), "--db", str(tmp_path / "n.db"), *FAST,
        env={"TZ": "Pacific/Kiritimati"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_a_new_source_reads_a_month_back_once_then_the_routine_window(web, tmp_path):
    newco = Outlet(web, "newco")
    newco.feed = [newco.article(slug, timedelta(days=age)) for slug, age in
                  (("yesterday", 1), ("last-week", 8), ("last-month", 25), ("two-months-ago", 60))]  # fmt: skip
    newco.sitemap = [newco.article(slug, timedelta(days=age)) for slug, age in
                     (("in-sitemap-recent", 3), ("in-sitemap-old", 45))]  # fmt: skip
    newco.publish()
    brief = Outlet(web, "brief")  # its own, shorter first window
    brief.feed = [
        brief.article(slug, timedelta(days=age)) for slug, age in (("today", 0.2), ("week-old", 6))
    ]
    brief.publish()
    sources = tmp_path / "sources.toml"
    sources.write_text(newco.toml() + brief.toml('first_window = "4d"'))

    first = crawl(tmp_path, sources)
    # Older than the routine 2 days, inside the first 30: read on the first crawl.
    assert stored(tmp_path / "n.db", "newco") == {
        "yesterday",
        "last-week",
        "last-month",
        "in-sitemap-recent",
    }
    assert stored(tmp_path / "n.db", "brief") == {"today"}
    assert "first crawl of newco (feeds, sitemaps): read what they list since" in first.stdout
    assert "newsmon crawl newco --since DATE" in first.stdout
    assert "first crawl of brief" in first.stdout
    assert [h.get("If-None-Match") for h in newco.feed_requests()] == [None]

    # The second crawl is a routine one: a newly listed article of 8 days is too old now.
    newco.feed += [
        newco.article("fresh", timedelta(hours=2)),
        newco.article("late-listed", timedelta(days=8)),
    ]
    newco.publish()
    second = crawl(tmp_path, sources, "newco")
    # The first crawl kept the feed's validators for the next one.
    assert newco.feed_requests()[1].get("If-None-Match")
    assert stored(tmp_path / "n.db", "newco") == {
        "yesterday",
        "last-week",
        "last-month",
        "in-sitemap-recent",
        "fresh",
    }
    assert "first crawl" not in second.stdout


@pytest.mark.slow
def test_an_explicit_since_wins_over_the_first_window(web, tmp_path):
    newco = Outlet(web, "newco")
    newco.feed = [
        newco.article(slug, timedelta(days=age)) for slug, age in (("recent", 1), ("older", 10))
    ]
    newco.publish()
    sources = tmp_path / "sources.toml"
    sources.write_text(newco.toml())
    result = crawl(tmp_path, sources, "--since", "3d")
    assert stored(tmp_path / "n.db", "newco") == {"recent"}
    assert "first crawl" not in result.stdout
    # That crawl was its first: the next one is routine, not a month long.
    newco.feed.append(newco.article("older-still", timedelta(days=9)))
    newco.publish()
    crawl(tmp_path, sources)
    assert stored(tmp_path / "n.db", "newco") == {"recent"}


@pytest.mark.slow
def test_each_discovery_kind_has_its_own_first_crawl(web, tmp_path):
    # The daemon's feeds job reaches a new source before its sitemaps job.
    newco = Outlet(web, "newco")
    newco.feed = [newco.article("from-feed", timedelta(days=10))]
    newco.sitemap = [newco.article("from-sitemap", timedelta(days=12))]
    etag = newco.publish()
    sources = tmp_path / "sources.toml"
    sources.write_text(newco.toml())
    # A crawl stopped before it finished saw the feed and kept its ETag: the
    # first crawl still reads the feed whole, not a 304.
    db = open_store(tmp_path / "n.db")
    db.conn.execute(
        "INSERT INTO http_validators (url, etag, updated_at) VALUES (?, ?, '2026-01-01')",
        [f"{newco.base}/feed", etag],
    )
    db.close()
    feeds = crawl(tmp_path, sources, "--discovery", "feeds")
    assert [h.get("If-None-Match") for h in newco.feed_requests()] == [None]
    assert stored(tmp_path / "n.db", "newco") == {"from-feed"}
    assert "first crawl of newco (feeds)" in feeds.stdout
    sitemaps = crawl(tmp_path, sources, "--discovery", "sitemaps")
    assert stored(tmp_path / "n.db", "newco") == {"from-feed", "from-sitemap"}
    assert "first crawl of newco (sitemaps)" in sitemaps.stdout
    newco.sitemap.append(newco.article("late-in-sitemap", timedelta(days=9)))
    newco.publish()
    again = crawl(tmp_path, sources)
    assert stored(tmp_path / "n.db", "newco") == {"from-feed", "from-sitemap"}
    assert "first crawl" not in again.stdout
