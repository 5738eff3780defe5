"""The first crawl of a new source reads a longer window; later crawls the routine one."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import ConfigError, Source, load_sources
from crawler.db import connect
from crawler.firstcrawl import (
    backfill_hints,
    crawl_window,
    first_crawl_windows,
    never_crawled,
    parse_first_window,
)
from crawler.runs import finish_run, start_run
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


def test_a_source_with_an_article_or_a_fetched_page_is_not_new(tmp_path):
    db = connect(tmp_path / "n.db")
    ok = start_run(db, trigger="manual", sources=["fetched", "failed"])
    finish_run(db, ok, status="ok", per_source={
        "fetched": {"pages_fetched": 1}, "failed": {"pages_fetched": 0, "errors": 3},
    })  # fmt: skip
    db.execute(
        "INSERT INTO articles (url, url_key, source, title, body, fetched_at, first_seen_at, content_hash) "
        "VALUES ('https://s/1', 's/1', 'stored', 't', 'b', '2026-01-01', '2026-01-01', 'h')"
    )
    assert never_crawled(db, ["fetched", "failed", "stored", "unseen"]) == {"failed", "unseen"}
    db.close()


def test_windows_of_a_crawl_only_for_new_sources_with_their_own_first_window(tmp_path):
    db = connect(tmp_path / "w.db")
    db.execute(
        "INSERT INTO articles (url, url_key, source, title, body, fetched_at, first_seen_at, content_hash) "
        "VALUES ('https://o/1', 'o/1', 'old', 't', 'b', '2026-01-01', '2026-01-01', 'h')"
    )
    sources = [
        Source(name="old", url="https://o/", language="en"),
        Source(name="new", url="https://n/", language="en"),
        Source(name="deep", url="https://d/", language="en", first_window="90d"),
        Source(name="off", url="https://f/", language="en", first_window="none"),
    ]
    routine = NOW - timedelta(days=2)
    windows = first_crawl_windows(db, sources, routine, timedelta(days=30), now=NOW)
    assert windows == {"new": NOW - timedelta(days=30), "deep": NOW - timedelta(days=90)}
    assert first_crawl_windows(db, sources, None, timedelta(days=30), now=NOW) == {}
    db.close()


def test_the_hint_names_the_backfill_command():
    stats = {"first_crawl/newco": "2026-11-05T09:00:00+00:00", "source/newco/errors": 0}
    assert backfill_hints(stats, today=NOW) == [
        "first crawl of newco: read what its feeds and sitemaps list since 2026-11-05; "
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

    def publish(self) -> None:
        rss = content.rss2("armwire", self.base, self.feed).encode()
        self.web.route(
            self.site, "/feed", Response(200, rss, {"Content-Type": "application/rss+xml"})
        )
        sitemap = content.news_sitemap(self.base, self.sitemap).encode()
        self.web.route(
            self.site, "/sitemap.xml", Response(200, sitemap, {"Content-Type": "application/xml"})
        )

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
    assert "first crawl of newco: read what its feeds and sitemaps list since" in first.stdout
    assert "newsmon crawl newco --since DATE" in first.stdout
    assert "first crawl of brief" in first.stdout

    # The second crawl is a routine one: a newly listed article of 8 days is too old now.
    newco.feed += [
        newco.article("fresh", timedelta(hours=2)),
        newco.article("late-listed", timedelta(days=8)),
    ]
    newco.publish()
    second = crawl(tmp_path, sources, "newco")
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
