"""``newsmon backfill`` against a stand-in Wayback Machine (CDX server and captures) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from crawler.extraction import extract_article
from tests.conftest import REPO_ROOT, one_line_error, run_newsmon
from tests.mockweb import content
from tests.mockweb.server import Response
from tests.mockweb.wayback import Capture, StandInWayback

FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "NEWSMON_ARCHIVE_BACKOFF=0.2",
    "-s",
    "NEWSMON_PROGRESS_INTERVAL=0",  # one_line_error() reads stderr
]
ARTICLE_PATHS = {a.path for a in content.ARTICLES}
# A page that writes a local time with no zone is read in the source's zone
# (America/Los_Angeles); a live crawl takes the feed's zoned date over it.
PAGE_DATES = {"/2023/01/hakari-bridge-protest/": "2023-01-09T18:00:00+00:00"}
FIRST = "20230115093000"  # the earliest capture of every article
LATER = "20230320120000"


def page(article: content.MockArticle, base: str) -> bytes:
    return content.render_article(article, base).encode()


@pytest.fixture
def wayback(mock_web):
    """Every mock article captured twice, plus the awkward captures of an archive."""
    archive = StandInWayback(mock_web)
    for article in content.ARTICLES:
        base = mock_web.base_url(article.site)
        for ts in (LATER, FIRST):  # listed out of order: the earliest must win
            archive.add(Capture(ts, f"{base}{article.path}", page(article, base)))
    armwire = mock_web.base_url("armwire")
    # Not articles: an image, a 404 capture in the index, a page outside the article pattern.
    archive.add(Capture(FIRST, f"{armwire}/logo.png", b"\x89PNG", mimetype="image/png"))
    archive.add(Capture(FIRST, f"{armwire}/2023/01/gone/", b"<html>gone</html>", status=404))
    archive.add(Capture(FIRST, f"{armwire}/tag/karabakh/", b"<html><title>tag</title></html>"))
    # Outside the window.
    old = content.ARTICLES[0]
    archive.add(Capture("20190101000000", f"{armwire}/2019/01/old-news/", page(old, armwire)))
    return archive


def sources(mock_web, tmp_path, extra: str = ""):
    path = mock_web.sources_toml(tmp_path / "sources.toml")
    text = path.read_text().replace(
        'name = "armwire"', 'name = "armwire"\narticle_pattern = "/\\\\d{4}/\\\\d{2}/"'
    )
    path.write_text(text + extra)
    return path


def backfill(src, db, wayback, *extra, **kw):
    return run_newsmon(
        "backfill", "--sources", str(src), "--db", str(db), *FAST,
        "-s", f"NEWSMON_WAYBACK_CDX={wayback.cdx_url}", "-s", f"NEWSMON_WAYBACK_ROOT={wayback.root}",
        "-s", "NEWSMON_ALLOW_PRIVATE_NETWORKS=True", *extra, **kw,
    )  # fmt: skip


def rows(db) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {
            "/" + r["url"].split("/", 3)[3]: dict(r) for r in conn.execute("SELECT * FROM articles")
        }
    finally:
        conn.close()


@pytest.mark.slow
def test_backfill_stores_every_article_capture_once_with_its_archive(mock_web, wayback, tmp_path):
    db = tmp_path / "n.db"
    before = datetime.now(UTC).replace(microsecond=0)
    result = backfill(
        sources(mock_web, tmp_path), db, wayback, "--since", "2022-12-01", "--until", "2023-09-30"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(db)
    assert set(stored) == ARTICLE_PATHS
    for expected in content.ARTICLES:
        row = stored[expected.path]
        # The original URL, never the archive's.
        assert row["url"] == mock_web.base_url(expected.site) + expected.path
        assert "/web/" not in row["fetched_url"]
        assert row["source"] == expected.site
        assert row["archive"] == "wayback"
        assert row["captured_at"] == "2023-01-15T09:30:00+00:00"
        assert row["fetched_at"] >= before.isoformat()
        assert row["title"] == expected.title
        assert row["published_at"] == PAGE_DATES.get(expected.path, expected.published_utc)
        assert row["language"] == expected.language
        assert bool(row["relevant"]) == expected.relevant, expected.path
        # Authors as the page gives them (a live crawl may add the feed's).
        base = mock_web.base_url(expected.site)
        on_page = extract_article(page(expected, base).decode(), base + expected.path).authors
        assert json.loads(row["authors"]) == list(on_page), expected.path
        assert expected.paragraphs[-1] in row["body"]
    copy = next(a for a in content.ARTICLES if a.story_of)
    # Fetched in any order: the copy and its original share one story.
    assert stored[copy.path]["story_id"] == stored[copy.story_of]["story_id"]
    # One fetch per article, the earliest capture, nothing of the non-articles.
    fetches = wayback.fetches()
    assert len(fetches) == len(ARTICLE_PATHS)
    assert all(f.startswith(f"/web/{FIRST}id_/") for f in fetches)
    assert "armwire" in result.stdout and "backfill finished" in result.stdout
    summary = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:-1]}
    # listed, not_articles, skipped, fetched, failed, stored ...
    armwire = [int(n) for n in summary["armwire"]]
    assert armwire[3] == armwire[5] == 4
    assert (
        armwire[1] >= 5
    )  # the second captures and the tag page (the image and the 404 are filtered by the index)

    # The same backfill again fetches nothing: every capture is in the ledger.
    again = backfill(sources(mock_web, tmp_path), db, wayback, "--since", "2022-12-01")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(wayback.fetches()) == len(ARTICLE_PATHS)
    assert len(rows(db)) == len(ARTICLE_PATHS)


@pytest.mark.slow
def test_a_live_and_an_archived_copy_are_one_row(mock_web, wayback, tmp_path):
    db = tmp_path / "n.db"
    src = sources(mock_web, tmp_path)
    live = run_newsmon("crawl", "--sources", str(src), "--db", str(db), "--since", "all", *FAST[:4])
    assert live.returncode == 0, live.stderr[-2000:]
    assert set(rows(db)) == ARTICLE_PATHS
    result = backfill(src, db, wayback, "--since", "2022-12-01")
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(db)
    assert set(stored) == ARTICLE_PATHS
    assert all(r["archive"] is None for r in stored.values())  # the live copy is the row
    assert wayback.fetches() == []


@pytest.mark.slow
def test_429_then_200_a_redirect_and_a_404_capture(mock_web, tmp_path):
    archive = StandInWayback(mock_web)
    armwire = mock_web.base_url("armwire")
    one, two, three, four = content.ARTICLES[:4]
    archive.add(Capture(FIRST, f"{armwire}{four.path}", answers=[
        Response(503, b"busy"), Response(502, b"busy"),
        Response(200, page(four, armwire), {"Content-Type": "text/html"}),
    ]))  # fmt: skip
    archive.add(Capture(FIRST, f"{armwire}{one.path}", answers=[
        Response(429, b"slow down", {"Retry-After": "1"}),
        Response(200, page(one, armwire), {"Content-Type": "text/html"}),
    ]))  # fmt: skip
    # Wayback answers a capture's URL with a redirect to the capture it really has.
    real = f"/web/{LATER}id_/{armwire}{two.path}"
    archive.add(Capture(FIRST, f"{armwire}{two.path}", answers=[
        Response(302, b"", {"Location": archive.base + real}),
    ]))  # fmt: skip
    mock_web.route(
        "wayback", real, Response(200, page(two, armwire), {"Content-Type": "text/html"})
    )
    archive.add(
        Capture(FIRST, f"{armwire}{three.path}", answers=[Response(404, b"no such capture")])
    )
    db = tmp_path / "n.db"
    result = backfill(sources(mock_web, tmp_path), db, archive, "armwire", "--since", "2023-01-01")
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(db)
    assert set(stored) == {one.path, two.path, four.path}
    assert stored[two.path]["url"] == f"{armwire}{two.path}"
    # Asked again after the 429's Retry-After, and after each 5xx (backing off).
    fetches = archive.fetches()
    assert fetches.count(f"/web/{FIRST}id_/{armwire}{one.path}") == 2
    assert fetches.count(f"/web/{FIRST}id_/{armwire}{four.path}") == 3
    conn = sqlite3.connect(db)
    states = dict(conn.execute("SELECT url, state FROM archive_captures").fetchall())
    assert states[f"{armwire}{three.path}"] == "failed"
    assert states[f"{armwire}{one.path}"] == "fetched"


@pytest.mark.slow
def test_listing_pages_follow_the_resume_key(mock_web, wayback, tmp_path):
    db = tmp_path / "n.db"
    result = backfill(
        sources(mock_web, tmp_path), db, wayback, "rusnews", "--since", "2023-01-01",
        "-s", "NEWSMON_ARCHIVE_PAGE_SIZE=2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(wayback.listings()) == 3  # 6 captures of rusnews, 2 a page
    assert {p for p in rows(db)} == {a.path for a in content.ARTICLES if a.site == "rusnews"}


@pytest.mark.slow
def test_limit_then_resume_after_the_process_is_killed(mock_web, wayback, tmp_path):
    db = tmp_path / "n.db"
    src = sources(mock_web, tmp_path)
    first = backfill(src, db, wayback, "--since", "2023-01-01", "--limit", "3")
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(rows(db)) == 3
    # Slow captures from now on, and the next backfill killed outright in the middle.
    for capture in wayback.captures:
        body = capture.body

        def slow(request, body=body):
            time.sleep(0.7)
            return Response(200, body, {"Content-Type": "text/html"})

        wayback.web.route("wayback", f"/web/{capture.timestamp}id_/{capture.original}", slow)
    args = [
        "backfill", "--sources", str(src), "--db", str(db), *FAST,
        "-s", f"NEWSMON_WAYBACK_CDX={wayback.cdx_url}", "-s", f"NEWSMON_WAYBACK_ROOT={wayback.root}",
        "-s", "NEWSMON_ALLOW_PRIVATE_NETWORKS=True", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "-s", "NEWSMON_DB_BATCH_SIZE=1", "--since", "2023-01-01",
    ]  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(rows(db)) < 5:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = set(rows(db))
    assert 5 <= len(partial) < len(ARTICLE_PATHS)
    before = len(wayback.fetches())
    last = backfill(src, db, wayback, "--since", "2023-01-01")
    assert last.returncode == 0, last.stderr[-3000:]
    assert set(rows(db)) == ARTICLE_PATHS
    # The last run fetched only what the killed one had not stored.
    again = {f.split("id_/", 1)[1] for f in wayback.fetches()[before:]}
    assert again == {
        mock_web.base_url(a.site) + a.path for a in content.ARTICLES if a.path not in partial
    }
    assert all(f"/web/{FIRST}id_/" in f for f in wayback.fetches())


@pytest.mark.parametrize(
    "args, message",
    [
        (["nosuch", "--since", "2023-01-01"], "unknown source 'nosuch'"),
        (["--since", "2023-03-01", "--until", "2023-01-01"], "is before --since"),
        (["--since", "someday"], "--since"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(mock_web, tmp_path, args, message):
    archive = StandInWayback(mock_web)
    result = backfill(sources(mock_web, tmp_path), tmp_path / "n.db", archive, *args)
    assert result.returncode == 2
    assert message in one_line_error(result)


@pytest.mark.slow
def test_an_archive_answering_garbage(mock_web, tmp_path):
    archive = StandInWayback(mock_web)
    archive.cdx_answer = b"<html>Service Unavailable</html>"
    result = backfill(
        sources(mock_web, tmp_path), tmp_path / "n.db", archive, "armwire", "--since", "2023-01-01"
    )
    assert result.returncode == 1
    assert "not a CDX listing" in one_line_error(result)
