"""Common Crawl: the list of crawls, each crawl's CDX index, and WARC records by byte range.

``collinfo.json`` lists the crawls (``id``, ``cdx-api``, and in newer
lists ``from`` / ``to``); each crawl's index server (pywb) answers
``?url=…&matchType=domain&output=json`` with one JSON object per line
(``url``, ``timestamp``, ``mime``, ``status``, ``filename``, ``offset``,
``length`` …), a page at a time (``showNumPages=true`` says how many,
``page=N`` gives one), and a 404 "No Captures found" when nothing matches.
A capture's bytes are one gzip member of a WARC file on the data host:
``filename`` from ``offset`` for ``length`` bytes.

Pure functions, no Scrapy and no I/O, like :mod:`crawler.archives.cdx`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urljoin

from crawler.archives.cdx import CdxError, to_timestamp

# A crawl named by year and ISO week, without dates in the list: it ran
# within a few weeks of that week's Monday.
_WEEK_SLACK = timedelta(days=28)


@dataclass(frozen=True)
class Crawl:
    """One Common Crawl crawl and its index."""

    id: str
    """``CC-MAIN-2023-06``."""
    api: str
    """The crawl's CDX endpoint (absolute URL)."""
    start: datetime | None
    """When its captures begin (UTC), if known."""
    end: datetime | None
    """When its captures end (UTC), if known."""

    def overlaps(self, since: datetime, until: datetime | None) -> bool:
        """Whether the crawl can hold captures of the window (an undated crawl always can)."""
        return (self.end is None or self.end >= since) and (
            until is None or self.start is None or self.start <= until
        )


def parse_collinfo(body: bytes, base: str) -> list[Crawl]:
    """The crawls a ``collinfo.json`` lists (``cdx-api`` resolved against ``base``); CdxError if not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CdxError(f"not a Common Crawl collinfo.json ({type(exc).__name__})") from None
    if not isinstance(data, list) or not all(
        isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("cdx-api"), str)
        for e in data
    ):
        raise CdxError(
            "not a Common Crawl collinfo.json (expected a list of crawls with 'cdx-api')"
        )
    crawls = []
    for entry in data:
        start, end = _when(entry.get("from")), _when(entry.get("to"))
        if start is None and end is None:
            start, end = _week_of(entry["id"])
        crawls.append(Crawl(entry["id"], urljoin(base, entry["cdx-api"]), start, end))
    return crawls


def _when(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _week_of(crawl_id: str) -> tuple[datetime | None, datetime | None]:
    found = re.search(r"(\d{4})-(\d{2})$", crawl_id)
    if not found or not 1 <= int(found[2]) <= 53:
        return None, None
    monday = datetime.fromisocalendar(int(found[1]), int(found[2]), 1).replace(tzinfo=UTC)
    return monday - _WEEK_SLACK, monday + _WEEK_SLACK


def index_query_url(
    api: str, site: str, since: datetime, until: datetime | None, *, page: int | None = None
) -> str:
    """One crawl's index query for the HTML pages captured with status 200 of ``site``'s domain.

    ``page=None`` asks how many pages the listing has (``showNumPages``).
    """
    params: list[tuple[str, str]] = [
        ("url", site),
        ("matchType", "domain"),
        ("from", to_timestamp(since)),
        ("output", "json"),
        ("filter", "status:200"),
        ("filter", "mime:text/html"),
    ]
    if until is not None:
        params.insert(3, ("to", to_timestamp(until)))
    params.append(("showNumPages", "true") if page is None else ("page", str(page)))
    return f"{api}?{urlencode(params)}"


def parse_num_pages(body: bytes, status: int = 200) -> int:
    """How many pages a crawl's listing has (``showNumPages``); 0 when nothing matches."""
    if _no_captures(body, status):
        return 0
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CdxError(f"not a Common Crawl page count ({type(exc).__name__})") from None
    pages = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
        raise CdxError("not a Common Crawl page count (no 'pages' number)")
    return pages


def parse_index_page(body: bytes, status: int = 200) -> list[dict[str, str]]:
    """The rows of one index page, named as the Wayback CDX names them, with ``location``.

    ``original``, ``timestamp``, ``mimetype`` (the detected type first),
    ``statuscode``, ``length``, and ``location`` (:func:`location`) for
    :func:`crawler.archives.cdx.select_captures`.
    """
    if _no_captures(body, status):
        return []
    rows = []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CdxError(
                f"not a Common Crawl index listing (line {number}: {type(exc).__name__})"
            ) from None
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str | int) for k in ("url", "timestamp", "filename", "offset")
        ):
            raise CdxError(
                f"not a Common Crawl index listing (line {number} lacks url, timestamp, filename or offset)"
            )
        offset, length = str(entry["offset"]), str(entry.get("length", ""))
        if not offset.isdigit() or not length.isdigit():
            raise CdxError(
                f"not a Common Crawl index listing (line {number}: bad offset or length)"
            )
        rows.append(
            {
                "original": str(entry["url"]),
                "timestamp": str(entry["timestamp"]),
                "mimetype": str(entry.get("mime-detected") or entry.get("mime") or "text/html"),
                "statuscode": str(entry.get("status", "200")),
                "length": length,
                "location": location(str(entry["filename"]), int(offset), int(length)),
            }
        )
    return rows


def _no_captures(body: bytes, status: int) -> bool:
    # The index answers a listing with nothing in it with a 404 and a JSON message.
    if status != 404:
        if status != 200:
            raise CdxError(f"the Common Crawl index answered HTTP {status}")
        return False
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        message = ""
    if "No Captures found" not in str(message):
        raise CdxError("the Common Crawl index answered HTTP 404 without 'No Captures found'")
    return True


def location(filename: str, offset: int, length: int) -> str:
    """Where a capture's record lies, as the ledger keeps it: ``filename offset length``."""
    return f"{filename} {offset} {length}"


def parse_location(text: str) -> tuple[str, int, int]:
    filename, offset, length = text.rsplit(" ", 2)
    return filename, int(offset), int(length)


def record_request(data_root: str, where: str) -> tuple[str, str]:
    """The URL of a capture's WARC file and the ``Range`` header that asks for its record."""
    filename, offset, length = parse_location(where)
    return (
        f"{data_root.rstrip('/')}/{filename.lstrip('/')}",
        f"bytes={offset}-{offset + length - 1}",
    )


def record_bytes(body: bytes, status: int, where: str) -> bytes:
    """The record's bytes out of a data host's answer (a 206, or a 200 that ignored ``Range``)."""
    _, offset, length = parse_location(where)
    if status == 200 and len(body) > length:
        return body[offset : offset + length]
    return body
