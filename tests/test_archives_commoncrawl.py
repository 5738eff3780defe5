"""Common Crawl's crawl list, index pages and WARC records by byte range (pure functions)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archives.cdx import CdxError, select_captures
from crawler.archives.commoncrawl import (
    index_query_url,
    location,
    parse_collinfo,
    parse_index_page,
    parse_num_pages,
    record_bytes,
    record_request,
)
from crawler.archives.warc import WarcDamaged, read_record

JAN, FEB = datetime(2023, 1, 1, tzinfo=UTC), datetime(2023, 2, 28, tzinfo=UTC)


def test_collinfo_gives_each_crawl_its_index_and_dates():
    body = json.dumps([
        {"id": "CC-MAIN-2023-14", "cdx-api": "https://index.test/CC-MAIN-2023-14-index",
         "from": "2023-03-20T00:00:00", "to": "2023-04-02T00:00:00"},
        {"id": "CC-MAIN-2023-06", "cdx-api": "/CC-MAIN-2023-06-index"},  # no dates: its week
        {"id": "CC-MAIN-2012", "cdx-api": "/CC-MAIN-2012-index"},  # neither: always asked
    ]).encode()  # fmt: skip
    march, feb, old = parse_collinfo(body, "https://index.test/collinfo.json")
    assert march.api == "https://index.test/CC-MAIN-2023-14-index"
    assert feb.api == "https://index.test/CC-MAIN-2023-06-index"
    assert march.start == datetime(2023, 3, 20, tzinfo=UTC)
    assert feb.start < datetime(2023, 2, 6, tzinfo=UTC) < feb.end
    assert old.start is None and old.end is None
    assert [c.overlaps(JAN, FEB) for c in (march, feb, old)] == [False, True, True]
    assert march.overlaps(JAN, None)  # an open window reaches every later crawl
    assert not march.overlaps(datetime(2023, 4, 3, tzinfo=UTC), None)


@pytest.mark.parametrize(
    "body", [b"<html>busy</html>", b'{"id": "x"}', b'[{"id": "x"}]', b"[1, 2]"]
)
def test_collinfo_garbage(body):
    with pytest.raises(CdxError, match="not a Common Crawl collinfo.json"):
        parse_collinfo(body, "https://index.test/collinfo.json")


def test_index_query_asks_for_the_page_count_then_a_page():
    count = index_query_url("https://i.test/CC-X-index", "news.am", JAN, FEB)
    page = index_query_url("https://i.test/CC-X-index", "news.am", JAN, None, page=3)
    q = parse_qs(urlsplit(count).query)
    assert q["url"] == ["news.am"] and q["matchType"] == ["domain"] and q["output"] == ["json"]
    assert q["from"] == ["20230101000000"] and q["to"] == ["20230228000000"]
    assert q["filter"] == ["status:200", "mime:text/html"]
    assert q["showNumPages"] == ["true"] and "page" not in q
    q = parse_qs(urlsplit(page).query)
    assert q["page"] == ["3"] and "to" not in q and "showNumPages" not in q


def test_page_count_and_an_empty_listing():
    assert parse_num_pages(b'{"pages": 4, "pageSize": 5, "blocks": 17}') == 4
    empty = b'{"message": "No Captures found for: news.am/*"}'
    assert parse_num_pages(empty, 404) == 0
    assert parse_index_page(empty, 404) == []
    with pytest.raises(CdxError, match="page count"):
        parse_num_pages(b'{"pages": "many"}')
    with pytest.raises(CdxError, match="HTTP 404"):
        parse_index_page(b"<html>Not found</html>", 404)
    with pytest.raises(CdxError, match="HTTP 500"):
        parse_index_page(b"", 500)


def test_index_rows_become_captures_with_their_record_location():
    lines = [
        {"urlkey": "am,news)/a/1", "timestamp": "20230110080000", "url": "https://news.am/a/1",
         "mime": "text/html", "mime-detected": "text/html", "status": "200",
         "filename": "crawl-data/CC-X/w.warc.gz", "offset": "1200", "length": "5300"},
        {"timestamp": "20230111080000", "url": "https://news.am/a/1", "mime": "text/html",
         "status": "200", "filename": "crawl-data/CC-X/v.warc.gz", "offset": 7, "length": 9},
        {"timestamp": "20230110090000", "url": "https://news.am/logo.png", "mime": "text/html",
         "mime-detected": "image/png", "status": "200", "filename": "f", "offset": "0", "length": "5"},
    ]  # fmt: skip
    rows = parse_index_page("".join(json.dumps(x) + "\n" for x in lines).encode())
    assert rows[0] == {
        "original": "https://news.am/a/1", "timestamp": "20230110080000", "mimetype": "text/html",
        "statuscode": "200", "length": "5300", "location": "crawl-data/CC-X/w.warc.gz 1200 5300",
    }  # fmt: skip
    captures, left_out = select_captures(rows)
    # The earliest of one URL; the detected type wins over the declared one.
    assert [(c.url, c.location) for c in captures] == [
        ("https://news.am/a/1", "crawl-data/CC-X/w.warc.gz 1200 5300")
    ]
    assert left_out == 2


@pytest.mark.parametrize(
    "body, what",
    [
        (b"<html>Service Unavailable</html>", "line 1"),
        (b'{"url": "https://a/1", "timestamp": "2023"}\n', "lacks url, timestamp, filename"),
        (
            b'{"url": "u", "timestamp": "t", "filename": "f", "offset": "x", "length": "1"}',
            "bad offset",
        ),
        (b"[1, 2]", "line 1"),
    ],
)
def test_index_page_garbage(body, what):
    with pytest.raises(CdxError, match="not a Common Crawl index listing") as caught:
        parse_index_page(body)
    assert what in str(caught.value)


def warc_file(*bodies: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    out, spans = io.BytesIO(), []
    writer = WARCWriter(out, gzip=True)
    for number, body in enumerate(bodies):
        http = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        start = out.tell()
        writer.write_record(
            writer.create_warc_record(
                f"https://news.am/a/{number}", "response", payload=io.BytesIO(body),
                http_headers=http, warc_headers_dict={"WARC-Date": "2023-01-10T08:00:00Z"},
            )
        )  # fmt: skip
        spans.append((start, out.tell() - start))
    return out.getvalue(), spans


def test_a_record_by_byte_range():
    data, spans = warc_file(b"<html>first</html>", b"<html>second</html>")
    offset, length = spans[1]
    where = location("crawl-data/CC-X/w.warc.gz", offset, length)
    assert record_request("https://data.test/", where) == (
        "https://data.test/crawl-data/CC-X/w.warc.gz",
        f"bytes={offset}-{offset + length - 1}",
    )
    page = read_record(record_bytes(data[offset : offset + length], 206, where))
    assert (page.url, page.status, page.body) == (
        "https://news.am/a/1",
        200,
        b"<html>second</html>",
    )
    assert page.captured_at == "2023-01-10T08:00:00+00:00"
    # A host that ignores Range answers the whole file: the record is cut out of it.
    assert read_record(record_bytes(data, 200, where)).body == b"<html>second</html>"


@pytest.mark.parametrize("data", [b"", b"<html>busy</html>", b"\x1f\x8b\x08\x00garbage"])
def test_a_record_that_is_not_one(data):
    with pytest.raises(WarcDamaged, match="not a WARC"):
        read_record(data)
