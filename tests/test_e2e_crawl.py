"""End to end: ``newsmon crawl`` in a subprocess against the mock news web."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crawler.store import open_store
from tests.conftest import run_newsmon
from tests.mockweb import content

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]
ARTICLE_PATHS = {a.path for a in content.ARTICLES}


def crawl(sources, db, *extra):
    # Run beside the sources file: a server store's logs go to the working folder.
    return run_newsmon(
        "crawl", "--sources", str(sources), "--db", str(db), "--since", "all", *FAST, *extra,
        cwd=Path(sources).parent,
    )  # fmt: skip


def query(db, sql: str) -> list[dict]:
    """Rows of ``sql`` in the store ``db`` (a SQLite file or a PostgreSQL URL), as dicts."""
    if str(db).startswith("postgresql://"):
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(str(db), row_factory=dict_row) as conn:
            return conn.execute(sql).fetchall()
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def rows(db) -> dict[str, dict]:
    return {
        r["url"].split("/", 3)[3].join(["/", ""]): r for r in query(db, "SELECT * FROM articles")
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """The ``--db`` value of each backend: a file, or an empty database of the session's server."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "news.db"


def article_requests(web) -> list[str]:
    return [
        r.path for r in web.requests() if r.path in ARTICLE_PATHS or r.path.startswith("/private/")
    ]


@pytest.mark.slow
def test_crawl_stores_the_mock_web_then_fetches_nothing_again(mock_web, mock_sources, db):
    result = crawl(mock_sources, db)
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout  # the summary table

    stored = rows(db)
    assert set(stored) == ARTICLE_PATHS
    for expected in content.ARTICLES:
        row = stored[expected.path]
        assert row["source"] == expected.site
        assert row["title"] == expected.title
        assert row["published_at"] == expected.published_utc, expected.path
        assert row["language"] == expected.language, expected.path
        assert bool(row["relevant"]) == expected.relevant, expected.path
        # every paragraph is in the body, in order, separated by blank lines
        assert row["body"].startswith(expected.paragraphs[0]) or expected.template == "opengraph"
        for first, second in zip(expected.paragraphs, expected.paragraphs[1:], strict=False):
            assert f"{first}\n\n{second}" in row["body"], expected.path
        assert "Leave a Reply" not in row["body"]
        assert "You May Also Like" not in row["body"]
        assert "Newsletter" not in row["body"]
        assert json.loads(row["authors"]) == expected.authors, expected.path
        assert row["story_id"] is not None
        if expected.relevant:
            assert json.loads(row["topics"]), expected.path

    # the tracking parameters of the feed link are gone from the stored URL
    assert all("utm_" not in r["url"] for r in stored.values())
    # a syndicated copy joins the story of the original
    copy = next(a for a in content.ARTICLES if a.story_of)
    assert stored[copy.path]["story_id"] == stored[copy.story_of]["id"]
    # robots.txt: the disallowed page was never requested
    assert not [p for p in article_requests(mock_web) if p.startswith("/private/")]

    (run,) = query(db, "SELECT trigger, status, articles_new, pages_fetched FROM crawl_runs")
    assert (run["trigger"], run["status"], run["articles_new"]) == ("manual", "ok", len(stored))
    assert run["pages_fetched"] > 0
    with open_store(db, read_only=True) as store:
        assert store.count_matches("Hakari") >= 2

    # second run: no article fetched again, feeds and sitemaps answered 304
    mock_web.clear_log()
    again = crawl(mock_sources, db)
    assert again.returncode == 0, again.stderr
    assert article_requests(mock_web) == []
    conditional = [
        r for r in mock_web.requests() if r.path in ("/feed/", "/atom.xml", "/rss", "/sitemap.xml")
    ]
    assert conditional and all("If-None-Match" in r.headers for r in conditional)
    assert len(rows(db)) == len(ARTICLE_PATHS)
    (totals,) = query(db, "SELECT count(*) AS runs, sum(articles_new) AS new FROM crawl_runs")
    assert (totals["runs"], totals["new"]) == (2, len(ARTICLE_PATHS))


@pytest.mark.slow
def test_crawl_of_named_source_only(mock_web, mock_sources, tmp_path):
    db = tmp_path / "news.db"
    result = run_newsmon(
        "crawl", "azpress", "--sources", str(mock_sources), "--db", str(db), "--since", "all", *FAST
    )
    assert result.returncode == 0, result.stderr
    assert {r["source"] for r in rows(db).values()} == {"azpress"}
    assert {r.site for r in mock_web.requests()} == {"azpress"}


def test_unknown_source_is_a_one_line_error(mock_sources, tmp_path):
    result = run_newsmon(
        "crawl", "nosuch", "--sources", str(mock_sources), "--db", str(tmp_path / "x.db")
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown source 'nosuch'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_sources_exit_non_zero_quickly(tmp_path):
    sources = tmp_path / "sources.toml"
    # port 9 on loopback: connection refused at once
    sources.write_text(
        '[[source]]\nname = "gone"\nurl = "http://127.0.0.1:9/"\nlanguage = "en"\n'
        'feeds = ["http://127.0.0.1:9/feed/"]\nallow_private = true\n'
    )
    result = run_newsmon(
        "crawl",
        "--sources",
        str(sources),
        "--db",
        str(tmp_path / "x.db"),
        *FAST,
        "-s",
        "RETRY_TIMES=0",
    )
    assert result.returncode == 3
    assert "no source could be reached" in result.stderr
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("SELECT status FROM crawl_runs").fetchone()[0] == "unreachable"
    conn.close()


@pytest.mark.slow
def test_an_updated_article_is_fetched_again_and_its_old_text_kept(
    mock_web, mock_sources, tmp_path
):
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from tests.mockweb import Response

    db = tmp_path / "news.db"
    assert crawl(mock_sources, db, "rusnews", "--discovery", "feeds").returncode == 0
    original = next(a for a in content.ARTICLES if a.path == "/news/1003")
    edited = replace(
        original,
        paragraphs=original.paragraphs + ["Обновлено: движение по коридору частично возобновлено."],
    )
    base = mock_web.base_url("rusnews")
    mock_web.route(
        "rusnews",
        edited.path,
        Response(
            200,
            content.render_article(edited, base).encode(),
            {"Content-Type": "text/html; charset=utf-8"},
        ),
    )
    # strictly later than the first crawl's fetched_at (which has seconds precision)
    now = (datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)).isoformat()
    feed = content.atom("rusnews", base, [edited], updated={edited.path: now}).encode()
    mock_web.route(
        "rusnews",
        "/atom.xml",
        Response(200, feed, {"Content-Type": "application/atom+xml"}, conditional=True),
    )
    mock_web.clear_log()

    result = crawl(mock_sources, db, "rusnews", "--discovery", "feeds")
    assert result.returncode == 0, result.stderr
    assert [r.path for r in mock_web.requests() if r.path == edited.path] == [edited.path]
    conn = sqlite3.connect(db)
    body, modified = conn.execute(
        "SELECT body, modified_at FROM articles WHERE url LIKE '%/news/1003'"
    ).fetchone()
    assert body.endswith("частично возобновлено.") and modified is not None
    versions = conn.execute("SELECT body FROM article_versions").fetchall()
    assert len(versions) == 1 and "частично" not in versions[0][0]
    assert (
        conn.execute("SELECT articles_updated FROM crawl_runs ORDER BY id DESC").fetchone()[0] == 1
    )
    conn.close()
