"""The CDX listing: queries, answers, and which captures are articles."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.archives.cdx import (
    CdxError,
    parse_listing,
    parse_timestamp,
    query_url,
    select_captures,
    site_of,
    wayback_fetch_url,
)
from crawler.middlewares.backoff import retry_after_seconds

HEADER = ["timestamp", "original", "mimetype", "statuscode", "length"]


def listing(*rows, resume=None) -> bytes:
    data = [HEADER, *rows]
    if resume:
        data += [[], [resume]]
    return json.dumps(data).encode()


def test_query_names_the_domain_window_filters_and_resume_key():
    url = query_url(
        "http://cdx.test/cdx",
        "artsakhpress.am",
        datetime(2022, 12, 12, tzinfo=UTC),
        datetime(2023, 9, 30, 23, 59, tzinfo=UTC),
        page_size=500,
        resume_key="abc",
    )
    q = parse_qs(urlsplit(url).query)
    assert q["url"] == ["artsakhpress.am"] and q["matchType"] == ["domain"]
    assert q["from"] == ["20221212000000"] and q["to"] == ["20230930235900"]
    assert q["filter"] == ["statuscode:200", "mimetype:text/html"]
    assert q["limit"] == ["500"] and q["resumeKey"] == ["abc"] and q["output"] == ["json"]
    assert "to" not in parse_qs(
        urlsplit(
            query_url("http://c/cdx", "a.am", datetime(2023, 1, 1, tzinfo=UTC), None, page_size=1)
        ).query
    )


def test_site_and_fetch_url():
    assert site_of("https://www.artsakhpress.am/eng/") == "artsakhpress.am"
    assert site_of("http://127.0.0.1:8080/") == "127.0.0.1:8080"
    rows, _ = parse_listing(listing(["20230115093000", "http://a.am/x/1", "text/html", "200", "9"]))
    [capture], _ = select_captures(rows)
    assert wayback_fetch_url("https://web.archive.org/web/", capture) == (
        "https://web.archive.org/web/20230115093000id_/http://a.am/x/1"
    )
    assert capture.captured_at == "2023-01-15T09:30:00+00:00"


def test_listing_with_a_resume_key_and_an_empty_answer():
    rows, key = parse_listing(
        listing(["20230101000000", "http://a.am/1", "text/html", "200", "5"], resume="k2")
    )
    assert key == "k2" and rows[0]["original"] == "http://a.am/1"
    assert parse_listing(b"") == ([], None)
    assert parse_listing(b"[]") == ([], None)
    assert parse_listing(listing()) == ([], None)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>busy</html>",
        b'{"error": 1}',
        b'[["a", "b"], ["1"]]',
        b'[["timestamp"], ["1"]]',
        b"\xff\xfe",
    ],
)
def test_garbage_is_a_cdx_error(body):
    with pytest.raises(CdxError, match="not a CDX JSON listing"):
        parse_listing(body)


def test_one_capture_per_url_the_earliest_article_like_one():
    rows, _ = parse_listing(
        listing(
            ["20230320120000", "http://a.am/2023/01/x/", "text/html", "200", "900"],
            [
                "20230115093000",
                "https://www.a.am/2023/01/x/?utm_source=t",
                "text/html",
                "200",
                "900",
            ],
            ["20230116000000", "http://a.am/2023/01/y/", "text/html; charset=utf-8", "200", "900"],
            ["20230116000000", "http://a.am/2023/01/z/", "text/html", "404", "900"],
            ["20230116000000", "http://a.am/logo.png", "image/png", "200", "900"],
            ["20230116000000", "http://a.am/tag/karabakh/", "text/html", "200", "900"],
            ["20230116000000", "http://a.am/2023/01/empty/", "text/html", "200", "0"],
            ["20230116000000", "mailto:x@a.am", "text/html", "200", "900"],
        )
    )
    kept, left_out = select_captures(rows, re.compile(r"/\d{4}/\d{2}/"))
    assert sorted((c.url, c.timestamp) for c in kept) == [
        ("http://a.am/2023/01/y/", "20230116000000"),
        ("https://www.a.am/2023/01/x/?utm_source=t", "20230115093000"),
    ]
    assert left_out == 6
    everything, _ = select_captures(rows)
    assert "http://a.am/tag/karabakh/" in {c.url for c in everything}


def test_until_a_date_includes_the_whole_day():
    from crawler.archives.cdx import window_end

    now = datetime(2026, 12, 5, tzinfo=UTC)
    assert window_end("2023-09-30", now=now) == datetime(
        2023, 9, 30, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert window_end("2023-09-30T12:00", now=now) == datetime(2023, 9, 30, 12, tzinfo=UTC)
    assert window_end("10d", now=now) == datetime(2026, 11, 25, tzinfo=UTC)


def test_timestamps():
    assert parse_timestamp("2023") == datetime(2023, 1, 1, tzinfo=UTC)
    assert parse_timestamp("202302") == datetime(2023, 2, 1, tzinfo=UTC)
    for bad in ("", "20231", "2023-01-01", "20231399000000"):
        with pytest.raises(CdxError):
            parse_timestamp(bad)


def test_retry_after():
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(b"30") == 30.0
    assert retry_after_seconds("Sat, 05 Dec 2026 10:01:00 GMT", now=now) == 60.0
    assert retry_after_seconds("Sat, 05 Dec 2026 09:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None


# --- sources.toml: article_pattern, archive_only -------------------------------------


def test_archive_only_sources_need_no_feeds_and_are_left_out_of_a_crawl(tmp_path):
    from crawler.config import ConfigError, load_sources

    path = tmp_path / "s.toml"
    live = '[[source]]\nname = "live"\nurl = "https://live.am/"\nlanguage = "hy"\nfeeds = ["https://live.am/rss"]\n'
    gone = '[[source]]\nname = "gone"\nurl = "https://gone.am/"\nlanguage = "hy"\narchive_only = true\n'
    path.write_text(live + gone + 'article_pattern = "/news/\\\\d+"\n')
    sources = load_sources(path)
    assert [s.name for s in sources.select([])] == ["live"]
    assert [s.name for s in sources.select([], archives=True)] == ["live", "gone"]
    assert sources.get("gone").article_pattern == "/news/\\d+"
    path.write_text(live + gone + 'article_pattern = "/news/(\\\\d+"\n')
    with pytest.raises(ConfigError, match="source 'gone': field 'article_pattern': not a regular"):
        load_sources(path)
    path.write_text(gone.replace("archive_only = true\n", ""))
    with pytest.raises(ConfigError, match="needs at least one of"):
        load_sources(path)
