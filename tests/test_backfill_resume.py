"""A backfill killed outright (SIGKILL) in the middle of its listings resumes them where they stopped."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT
from tests.mockweb import content
from tests.mockweb.commoncrawl import CcCapture, StandInCommonCrawl
from tests.mockweb.wayback import Capture, StandInWayback
from tests.test_backfill_commoncrawl import backfill
from tests.test_spiders_archive import ARTICLE_PATHS, page, rows, sources

SINCE = "2023-01-01"
LISTING_DELAY = 0.6  # seconds per listing page while the first run is being killed


def listings(db) -> dict[tuple[str, str, str], tuple[str | None, int, int]]:
    """``(archive, source, part) -> (cursor, pages, done)`` of the ledger."""
    conn = sqlite3.connect(db)
    try:
        return {
            (archive, source, part): (cursor, pages, done)
            for archive, source, part, cursor, pages, done in conn.execute(
                "SELECT archive, source, part, cursor, pages, done FROM archive_listings"
            )
        }
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        conn.close()


def slowly(handler):
    def slow(request):
        time.sleep(LISTING_DELAY)
        return handler(request)

    return slow


def wayback_archive(mock_web):
    archive = StandInWayback(mock_web)
    for article in content.ARTICLES:
        base = mock_web.base_url(article.site)
        for ts in ("20230320120000", "20230115093000"):
            archive.add(Capture(ts, f"{base}{article.path}", page(article, base)))
    # One listing row a page: every source's listing takes several pages.
    return archive, ["-s", "NEWSMON_ARCHIVE_PAGE_SIZE=1"]


def commoncrawl_archive(mock_web):
    archive = StandInCommonCrawl(mock_web, rows_per_page=1)
    archive.add_crawl("CC-MAIN-2023-06", "2023-01-08T00:00:00", "2023-01-31T00:00:00")
    for article in content.ARTICLES:
        base = mock_web.base_url(article.site)
        archive.add(
            "CC-MAIN-2023-06", CcCapture("20230110080000", base + article.path, page(article, base))
        )
    return archive, ["--archive", "commoncrawl"]


def site_listings(archive) -> dict[str, list]:
    """The listing requests each source's site got, in order."""
    found: dict[str, list] = {}
    for request in archive.listings():
        found.setdefault(request.query["url"][0], []).append(request)
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "make_archive", [wayback_archive, commoncrawl_archive], ids=["wayback", "commoncrawl"]
)
def test_a_killed_listing_resumes_after_its_last_recorded_page(mock_web, tmp_path, make_archive):
    archive, args = make_archive(mock_web)
    src, db = sources(mock_web, tmp_path), tmp_path / "n.db"
    routes = mock_web.routes[archive.site]
    fast = {path: handler for path, handler in routes.items() if path.endswith(("/cdx", "-index"))}
    for path, handler in fast.items():
        routes[path] = slowly(handler)
    command = [
        sys.executable, "-m", "crawler.cli", "backfill", "--sources", str(src), "--db", str(db),
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "NEWSMON_PROGRESS_INTERVAL=0",
        "-s", "NEWSMON_ALLOW_PRIVATE_NETWORKS=True",
        *_endpoints(archive), *args, "--since", SINCE,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any(
        pages >= 2 and not done for _, pages, done in listings(db).values()
    ):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    saved = listings(db)
    interrupted = {key: value for key, value in saved.items() if not value[2]}
    assert interrupted, saved  # killed in the middle of a listing
    stored_before = set(rows(db))
    before = {site: len(requests) for site, requests in site_listings(archive).items()}
    for path, handler in fast.items():
        routes[path] = handler

    last = backfill(src, db, archive, args=[*args, "--since", SINCE])
    assert last.returncode == 0, last.stderr[-3000:]
    assert set(rows(db)) == ARTICLE_PATHS
    after = site_listings(archive)
    for (kind, source, _part), (cursor, pages, _) in interrupted.items():
        site = mock_web.base_url(source).removeprefix("http://")
        again = after[site][before.get(site, 0) :]
        total = _pages(archive, source, mock_web)
        if kind == "wayback":
            # The first page asked again is the one after the last page recorded.
            assert again[0].query.get("resumeKey") == [cursor]
        else:
            assert "showNumPages" not in again[0].query
            assert again[0].query["page"] == [cursor.split("/")[0]] == [str(pages)]
        assert len(again) == total - pages, (source, again)
    assert all(done for _, _, done in listings(db).values())
    # No capture whose article was stored is fetched again.
    fetched = _fetched_urls(archive)
    repeated = {url for url in fetched if fetched.count(url) > 1}
    stored_paths = {"/" + url.split("/", 3)[3] for url in repeated}
    assert not stored_paths & stored_before


def _endpoints(archive) -> list[str]:
    if isinstance(archive, StandInCommonCrawl):
        return ["-s", f"NEWSMON_COMMONCRAWL_INDEX={archive.collinfo_url}",
                "-s", f"NEWSMON_COMMONCRAWL_DATA={archive.data_url}"]  # fmt: skip
    return [
        "-s",
        f"NEWSMON_WAYBACK_CDX={archive.cdx_url}",
        "-s",
        f"NEWSMON_WAYBACK_ROOT={archive.root}",
    ]


def _pages(archive, source: str, mock_web) -> int:
    """How many pages the source's listing has (one row a page)."""
    base = mock_web.base_url(source)
    if isinstance(archive, StandInCommonCrawl):
        return sum(c.url.startswith(base) for c in archive.crawls["CC-MAIN-2023-06"].captures)
    return sum(c.original.startswith(base) for c in archive.captures)


def _fetched_urls(archive) -> list[str]:
    if isinstance(archive, StandInCommonCrawl):
        captures = archive.crawls["CC-MAIN-2023-06"].captures
        by_range = {f"bytes={c.offset}-{c.offset + c.length - 1}": c.url for c in captures}
        return [by_range[r.headers["Range"]] for r in archive.fetches()]
    return [f.split("id_/", 1)[1] for f in archive.fetches()]
