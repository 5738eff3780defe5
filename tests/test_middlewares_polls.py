"""Feed polls recorded by real crawls of the mock news web: Retry-After obeyed, lags recorded, status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response as ScrapyResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.polls import FeedPollsMiddleware
from tests.conftest import run_newsmon
from tests.mockweb import content
from tests.mockweb.server import Response
from tests.test_e2e_crawl import query

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def crawl(sources: Path, db: Path, *names: str):
    return run_newsmon(
        "crawl", *names, "--sources", str(sources), "--db", str(db), "--since", "all",
        "--discovery", "feeds", *FAST, cwd=sources.parent,
    )  # fmt: skip


def feed_requests(web, site: str, path: str) -> int:
    return len([r for r in web.requests(site) if r.path == path])


def test_a_feed_answering_429_with_retry_after_is_not_asked_again_before_then(
    mock_web, mock_sources, tmp_path
):
    mock_web.route("azpress", "/rss", Response(429, b"slow down", {"Retry-After": "120"}))
    db = tmp_path / "news.db"
    first = crawl(mock_sources, db, "azpress", "armwire")
    assert first.returncode == 0, first.stderr
    # Scrapy would retry a 429 at once: the site asked for two minutes.
    assert feed_requests(mock_web, "azpress", "/rss") == 1
    second = crawl(mock_sources, db, "azpress", "armwire")
    assert second.returncode == 0, second.stderr
    assert feed_requests(mock_web, "azpress", "/rss") == 1
    assert f"skipped: {mock_web.base_url('azpress')}/rss: retry-after until" in second.stdout
    polls = query(db, "SELECT source, status, retry_after_s FROM feed_polls ORDER BY id")
    assert [p for p in polls if p["source"] == "azpress"] == [
        {"source": "azpress", "status": 429, "retry_after_s": 120.0}
    ]
    assert [p["status"] for p in polls if p["source"] == "armwire"] == [200, 304]
    status = run_newsmon("status", "--db", str(db), "--sources", str(mock_sources), "--json")
    sources = {s["source"]: s for s in json.loads(status.stdout)["sources"]}
    polling = sources["azpress"]["polling"]
    assert polling["kind"] in ("retry-after", "backoff") and polling["reason"]
    waited = datetime.fromisoformat(polling["next_poll_at"]) - datetime.fromisoformat(
        polling["last_poll_at"]
    )
    assert waited >= timedelta(seconds=120)


def test_the_lag_of_a_new_article_is_recorded_and_shown_by_status(mock_web, mock_sources, tmp_path):
    db = tmp_path / "news.db"
    assert crawl(mock_sources, db, "armwire").returncode == 0
    # What the feed listed at its first poll is its backlog, not news.
    assert query(db, "SELECT * FROM article_lags") == []
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    fresh = content.MockArticle(
        site="armwire",
        path="/2026/hakari-bridge-reopens/",
        title="Hakari bridge checkpoint reopens for convoys",
        paragraphs=[
            "The checkpoint on the Hakari bridge reopened on Monday for aid convoys, officials said.",
            "Trucks carrying flour and medicine crossed into the Lachin corridor by the afternoon.",
            "Russian peacekeepers escorted the first convoy from Goris towards Stepanakert.",
            "Residents of Stepanakert said shelves had been empty for weeks before the crossing.",
        ],
        language="en",
        template="wordpress",
        published=published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        published_utc=published.isoformat(),
    )
    base = mock_web.base_url("armwire")
    mock_web.route(
        "armwire",
        fresh.path,
        Response(200, content.render_article(fresh, base).encode(), {"Content-Type": "text/html"}),
    )
    listed = [a for a in content.ARTICLES if a.site == "armwire" and a.in_feed] + [fresh]
    mock_web.route(
        "armwire",
        "/feed/",
        Response(200, content.rss2("armwire", base, listed).encode(), {"Content-Type": "application/rss+xml"}),
    )  # fmt: skip
    second = crawl(mock_sources, db, "armwire")
    assert second.returncode == 0, second.stderr
    (lag,) = query(
        db, "SELECT l.*, a.url FROM article_lags l JOIN articles a ON a.id = l.article_id"
    )
    assert lag["url"] == base + fresh.path
    assert lag["published_at"] == published.isoformat()
    assert 0 <= lag["lag_feed_s"] < 120
    assert 300 <= lag["lag_publication_s"] < 300 + 120
    listed_after = datetime.fromisoformat(lag["first_listed_at"]) - published
    assert lag["lag_publication_s"] - lag["lag_feed_s"] == listed_after.total_seconds() >= 300
    polls = query(db, "SELECT new_entries FROM feed_polls ORDER BY id")
    assert [p["new_entries"] for p in polls][1:] == [1]  # the first poll's are its backlog

    status = run_newsmon("status", "--db", str(db), "--sources", str(mock_sources), "--json")
    assert status.returncode == 0, status.stderr
    armwire = next(s for s in json.loads(status.stdout)["sources"] if s["source"] == "armwire")
    assert armwire["freshness"]["articles"] == 1
    assert armwire["freshness"]["median_lag_feed_seconds"] == lag["lag_feed_s"]
    assert armwire["freshness"]["median_lag_publication_seconds"] == lag["lag_publication_s"]
    assert armwire["polling"]["kind"] == "default" and armwire["polling"]["reason"]
    text = run_newsmon(
        "status", "--db", str(db), "--sources", str(mock_sources), env={"COLUMNS": "400"}
    )
    assert "default: every 15m" in text.stdout and "from feed" in text.stdout


def test_an_adaptive_crawl_requests_only_the_feeds_that_are_due(mock_web, mock_sources, tmp_path):
    db = tmp_path / "news.db"
    base = mock_web.base_url("azpress")
    mock_web.route("azpress", "/rss2", mock_web.routes["azpress"]["/rss"])
    assert crawl(mock_sources, db, "azpress").returncode == 0
    assert feed_requests(mock_web, "azpress", "/rss") == 1
    # A second feed for the source: never polled, so due; the first was polled a moment ago.
    text = mock_sources.read_text().replace(f'"{base}/rss"', f'"{base}/rss", "{base}/rss2"')
    mock_sources.write_text(text)
    due_only = ["-s", "NEWSMON_POLL_DUE_ONLY=True", "-s", "NEWSMON_POLL_DEFAULT_INTERVAL=10m"]
    second = crawl(mock_sources, db, "azpress", *due_only)
    assert second.returncode == 0, second.stderr
    assert feed_requests(mock_web, "azpress", "/rss") == 1
    assert feed_requests(mock_web, "azpress", "/rss2") == 1
    # Without the daemon's setting a crawl reads every feed, as before.
    assert crawl(mock_sources, db, "azpress").returncode == 0
    assert feed_requests(mock_web, "azpress", "/rss") == 2


# --- the middleware alone, built with Scrapy's get_crawler -------------------------------


def polls_middleware(tmp_path):
    crawler = get_crawler(settings_dict={"NEWSMON_DB": str(tmp_path / "news.db")})
    middleware = FeedPollsMiddleware.from_crawler(crawler)
    middleware.spider_opened()
    return crawler, middleware


def feed_request(url: str, **meta):
    return Request(url, meta={"newsmon_source": "wire", "newsmon_kind": "feed", **meta})


def test_the_middleware_records_each_attempt_and_obeys_retry_after(tmp_path):
    crawler, middleware = polls_middleware(tmp_path)
    article = feed_request("https://wire.example/a/1", newsmon_kind="article")
    assert middleware.process_request(article) is None
    assert middleware.process_response(article, ScrapyResponse(article.url)) is not None
    # A timeout is a poll without a status; a request refused before it left is none.
    first = feed_request("https://wire.example/rss")
    middleware.process_exception(first, TimeoutError())
    middleware.process_exception(first, IgnoreRequest("robots.txt"))
    # Redirected: the poll is of the URL the source lists.
    moved = feed_request("https://wire.example/new-rss", redirect_urls=["https://wire.example/rss"])
    answer = ScrapyResponse(moved.url, status=429, headers={"Retry-After": "120"}, request=moved)
    middleware.process_response(moved, answer)
    assert moved.meta["dont_retry"] is True  # Scrapy's retry would ask again at once
    assert [(d.feed_url, d.status) for d in middleware.drafts] == [
        ("https://wire.example/rss", None),
        ("https://wire.example/rss", 429),
    ]
    assert middleware.drafts[1].retry_after.total_seconds() == 120
    with pytest.raises(IgnoreRequest, match="retry-after until"):
        middleware.process_request(feed_request("https://wire.example/rss"))
    assert crawler.stats.get_value("freshness/retry_after_skipped") == 1
    ok = feed_request("https://wire.example/other")
    middleware.process_response(
        ok, ScrapyResponse(ok.url, headers={"Cache-Control": "max-age=300"}, request=ok)
    )
    assert ok.meta["newsmon_poll"].hint.total_seconds() == 300
    middleware.spider_closed(reason="finished")
    assert crawler.stats.get_value("freshness/polls") == 3
