"""``newsmon backfill --archive commoncrawl`` and ``all`` against stand-in archives on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from crawler.extraction import extract_article
from tests.conftest import one_line_error, run_newsmon
from tests.mockweb import content
from tests.mockweb.commoncrawl import CcCapture, StandInCommonCrawl
from tests.mockweb.wayback import Capture, StandInWayback
from tests.test_spiders_archive import ARTICLE_PATHS, FAST, PAGE_DATES, page, rows, sources

EARLY = "20230110080000"  # the first crawl's capture of every article
LATE = "20230325101500"  # the second crawl's


@pytest.fixture
def commoncrawl(mock_web):
    """Two crawls of the window holding every article, one older crawl, and non-articles."""
    archive = StandInCommonCrawl(mock_web)
    archive.add_crawl("CC-MAIN-2019-04", "2019-01-15T00:00:00", "2019-01-24T00:00:00")
    archive.add_crawl("CC-MAIN-2023-06", "2023-01-08T00:00:00", "2023-01-20T00:00:00")
    # An entry without dates (older lists): its name's year and week place it.
    archive.add_crawl("CC-MAIN-2023-14", None, None)
    for article in content.ARTICLES:
        base = mock_web.base_url(article.site)
        archive.add(
            "CC-MAIN-2023-14", CcCapture(LATE, f"{base}{article.path}", page(article, base))
        )
        archive.add(
            "CC-MAIN-2023-06", CcCapture(EARLY, f"{base}{article.path}", page(article, base))
        )
    armwire = mock_web.base_url("armwire")
    archive.add(
        "CC-MAIN-2023-06", CcCapture(EARLY, f"{armwire}/logo.png", b"\x89PNG", mime="image/png")
    )
    archive.add(
        "CC-MAIN-2023-06", CcCapture(EARLY, f"{armwire}/2023/01/gone/", b"gone", status=404)
    )
    archive.add(
        "CC-MAIN-2023-06", CcCapture(EARLY, f"{armwire}/tag/karabakh/", b"<html>tag</html>")
    )
    old = content.ARTICLES[0]
    archive.add(
        "CC-MAIN-2019-04",
        CcCapture("20190120000000", f"{armwire}/2019/01/old/", page(old, armwire)),
    )
    return archive


def backfill(src, db, *archives, args=(), **kw):
    settings = ["-s", "NEWSMON_ALLOW_PRIVATE_NETWORKS=True"]
    for archive in archives:
        if isinstance(archive, StandInCommonCrawl):
            settings += ["-s", f"NEWSMON_COMMONCRAWL_INDEX={archive.collinfo_url}",
                         "-s", f"NEWSMON_COMMONCRAWL_DATA={archive.data_url}"]  # fmt: skip
        else:
            settings += ["-s", f"NEWSMON_WAYBACK_CDX={archive.cdx_url}",
                         "-s", f"NEWSMON_WAYBACK_ROOT={archive.root}"]  # fmt: skip
    return run_newsmon(
        "backfill", "--sources", str(src), "--db", str(db), *FAST, *settings, *args, **kw
    )


def ledger(db) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    conn = sqlite3.connect(db)
    try:
        return {
            (archive, url): (state, captured, location)
            for archive, url, state, captured, location in conn.execute(
                "SELECT archive, url, state, captured, location FROM archive_captures"
            )
        }
    finally:
        conn.close()


@pytest.mark.slow
def test_commoncrawl_backfill_stores_every_article_once_from_its_earliest_crawl(
    mock_web, commoncrawl, tmp_path
):
    db = tmp_path / "n.db"
    before = datetime.now(UTC).replace(microsecond=0)
    result = backfill(
        sources(mock_web, tmp_path), db, commoncrawl,
        args=["--archive", "commoncrawl", "--since", "2022-12-01", "--until", "2023-09-30"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(db)
    assert set(stored) == ARTICLE_PATHS
    for expected in content.ARTICLES:
        row = stored[expected.path]
        base = mock_web.base_url(expected.site)
        assert row["url"] == base + expected.path
        assert row["fetched_url"] == base + expected.path
        assert row["source"] == expected.site
        assert row["archive"] == "commoncrawl"
        assert row["captured_at"] == "2023-01-10T08:00:00+00:00"
        assert row["fetched_at"] >= before.isoformat()
        assert row["title"] == expected.title
        assert row["published_at"] == PAGE_DATES.get(expected.path, expected.published_utc)
        assert row["language"] == expected.language
        assert bool(row["relevant"]) == expected.relevant, expected.path
        on_page = extract_article(page(expected, base).decode(), base + expected.path).authors
        assert json.loads(row["authors"]) == list(on_page), expected.path
        assert expected.paragraphs[-1] in row["body"]
    copy = next(a for a in content.ARTICLES if a.story_of)
    assert stored[copy.path]["story_id"] == stored[copy.story_of]["story_id"]
    # One byte range per article, of the earlier crawl's record; nothing else fetched.
    fetches = commoncrawl.fetches()
    assert len(fetches) == len(ARTICLE_PATHS)
    crawl = commoncrawl.crawls["CC-MAIN-2023-06"]
    records = {c.url: c for c in crawl.captures}
    for fetch in fetches:
        assert fetch.path == f"/data/{crawl.filename}"
        first, last = map(int, fetch.headers["Range"].removeprefix("bytes=").split("-"))
        (capture,) = [c for c in records.values() if c.offset == first]
        assert last == capture.offset + capture.length - 1
    # The 2019 crawl is outside the window: its index is never asked.
    assert commoncrawl.listings("CC-MAIN-2019-04") == []
    assert commoncrawl.listings("CC-MAIN-2023-14")
    # The ledger keeps where each record lies.
    kept = ledger(db)
    article = content.ARTICLES[0]
    url = mock_web.base_url(article.site) + article.path
    assert kept[("commoncrawl", url)] == (
        "fetched", "2023-01-10T08:00:00+00:00",
        f"{crawl.filename} {records[url].offset} {records[url].length}",
    )  # fmt: skip
    summary = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:-1]}
    armwire = [int(n) for n in summary["armwire"]]  # listed, not_articles, skipped, fetched …
    assert armwire[3] == armwire[5] == 4
    assert armwire[0] == 9  # 4 articles in each crawl and the tag page (the index filters the rest)

    again = backfill(
        sources(mock_web, tmp_path), db, commoncrawl,
        args=["--archive", "commoncrawl", "--since", "2022-12-01", "--until", "2023-09-30"],
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(commoncrawl.fetches()) == len(ARTICLE_PATHS)


@pytest.mark.slow
def test_all_merges_both_archives_with_one_capture_per_url(mock_web, tmp_path):
    wayback, commoncrawl = StandInWayback(mock_web), StandInCommonCrawl(mock_web)
    commoncrawl.add_crawl("CC-MAIN-2023-06", "2023-01-08T00:00:00", "2023-01-31T00:00:00")
    earliest = {}
    for number, article in enumerate(content.ARTICLES):
        base = mock_web.base_url(article.site)
        url = base + article.path
        # Every other article was captured first by Common Crawl, the others by Wayback.
        cc, wb = ("20230112000000", "20230120000000")[:: 1 if number % 2 else -1]
        commoncrawl.add("CC-MAIN-2023-06", CcCapture(cc, url, page(article, base)))
        wayback.add(Capture(wb, url, page(article, base)))
        earliest[article.path] = ("commoncrawl", cc) if cc < wb else ("wayback", wb)
    db = tmp_path / "n.db"
    result = backfill(
        sources(mock_web, tmp_path), db, wayback, commoncrawl,
        args=["--archive", "all", "--since", "2023-01-01", "--until", "2023-02-28"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(db)
    assert set(stored) == ARTICLE_PATHS
    for path, (archive, timestamp) in earliest.items():
        assert stored[path]["archive"] == archive, path
        assert (
            stored[path]["captured_at"]
            == datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()
        )
    # Each URL fetched once, from one archive.
    from_cc = len(commoncrawl.fetches())
    from_wayback = len(wayback.fetches())
    assert from_cc + from_wayback == len(ARTICLE_PATHS)
    assert from_cc == sum(1 for a, _ in earliest.values() if a == "commoncrawl")
    states = ledger(db)
    for article in content.ARTICLES:
        url = mock_web.base_url(article.site) + article.path
        chosen = earliest[article.path][0]
        other = "wayback" if chosen == "commoncrawl" else "commoncrawl"
        assert states[(chosen, url)][0] == "fetched" and states[(other, url)][0] == "skipped"


@pytest.mark.slow
@pytest.mark.parametrize(
    "garbage, message",
    [
        ("collinfo_answer", "not a Common Crawl collinfo.json"),
        ("index_answer", "not a Common Crawl index listing"),
        ("data_answer", "were not WARC records"),
    ],
)
def test_commoncrawl_answering_garbage_is_one_line_and_exit_1(mock_web, tmp_path, garbage, message):
    archive = StandInCommonCrawl(mock_web)
    archive.add_crawl("CC-MAIN-2023-06", "2023-01-08T00:00:00", "2023-01-31T00:00:00")
    article = next(a for a in content.ARTICLES if a.site == "armwire")
    base = mock_web.base_url("armwire")
    archive.add("CC-MAIN-2023-06", CcCapture(EARLY, base + article.path, page(article, base)))
    setattr(archive, garbage, b"<html>Service Unavailable</html>\n")
    result = backfill(
        sources(mock_web, tmp_path), tmp_path / "n.db", archive,
        args=["armwire", "--archive", "commoncrawl", "--since", "2023-01-01"],
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    assert message in one_line_error(result)
    assert rows(tmp_path / "n.db") == {}
