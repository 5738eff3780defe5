"""The CDX query API (the Wayback Machine's CDX server, pywb, Common Crawl's indexes).

A query names a site (``url`` with ``matchType=domain``), a time range
(``from`` / ``to``, ``YYYYMMDDhhmmss`` prefixes), filters and the fields
wanted; ``output=json`` answers a list of rows whose first row names the
fields, and with ``showResumeKey=true`` ends with an empty row and a row
holding the key that continues the listing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from crawler.urls import url_key

FIELDS = ("timestamp", "original", "mimetype", "statuscode", "length")
"""The fields asked for (``fl``)."""


class CdxError(ValueError):
    """An archive's index answered something that is not a CDX listing; the message is one line."""


@dataclass(frozen=True)
class Capture:
    """One archived copy of a page."""

    url: str
    """The page's original URL (never the archive's)."""
    timestamp: str
    """When the archive captured it, ``YYYYMMDDhhmmss`` (UTC)."""
    key: str
    """``crawler.urls.url_key`` of ``url``: one capture per key is kept."""
    location: str | None = None
    """Where its WARC record lies, for archives that say (Common Crawl: ``filename offset length``)."""

    @property
    def captured_at(self) -> str:
        """The capture time, ISO 8601 UTC."""
        return parse_timestamp(self.timestamp).isoformat()


def parse_timestamp(timestamp: str) -> datetime:
    """``20230105123000`` (or a shorter prefix) -> aware UTC datetime; CdxError if not one."""
    if not re.fullmatch(r"\d{4}(?:\d\d){0,5}", timestamp or ""):
        raise CdxError(f"not a capture timestamp: {timestamp!r:.40}")
    padded = (timestamp + "0101000000"[len(timestamp) - 4 :]) if len(timestamp) < 14 else timestamp
    try:
        return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise CdxError(f"not a capture timestamp: {timestamp!r:.40}") from None


def to_timestamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def query_url(
    endpoint: str,
    site: str,
    since: datetime,
    until: datetime | None,
    *,
    page_size: int,
    resume_key: str | None = None,
) -> str:
    """The CDX query listing the HTML pages captured with status 200 of ``site``'s domain."""
    params: list[tuple[str, str]] = [
        ("url", site),
        ("matchType", "domain"),
        ("from", to_timestamp(since)),
        ("output", "json"),
        ("fl", ",".join(FIELDS)),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
        ("showResumeKey", "true"),
        ("limit", str(page_size)),
    ]
    if until is not None:
        params.insert(3, ("to", to_timestamp(until)))
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{endpoint}?{urlencode(params)}"


def site_of(url: str) -> str:
    """The host a source's home page is on, without ``www.`` (``matchType=domain`` takes subdomains)."""
    host = urlsplit(url).netloc
    return host.removeprefix("www.")


def parse_listing(body: bytes) -> tuple[list[dict[str, str]], str | None]:
    """The rows of one CDX JSON answer (as field -> value) and the resume key, if any.

    An empty answer is an empty listing; anything else that is not the
    JSON the API gives raises :class:`CdxError`.
    """
    if not body.strip():
        return [], None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CdxError(f"not a CDX JSON listing ({type(exc).__name__})") from None
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise CdxError("not a CDX JSON listing (expected a list of rows)")
    if not data:
        return [], None
    header, rows = data[0], data[1:]
    if not all(isinstance(name, str) for name in header) or "original" not in header:
        raise CdxError("not a CDX JSON listing (no header row naming 'original')")
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume_key, rows = str(rows[-1][0]), rows[:-2]
    listed = []
    for row in rows:
        if len(row) != len(header):
            raise CdxError(
                f"not a CDX JSON listing (a row of {len(row)} fields, header has {len(header)})"
            )
        listed.append({name: str(value) for name, value in zip(header, row, strict=True)})
    return listed, resume_key


def select_captures(
    rows: list[dict[str, str]], pattern: re.Pattern[str] | None = None
) -> tuple[list[Capture], int]:
    """The captures that look like articles, one per URL (the earliest), and how many rows were left out.

    Kept: status 200, an HTML type, an http(s) URL matching ``pattern``
    (the source's ``article_pattern``) when there is one. Rows are left in
    whatever order the index gives.
    """
    earliest: dict[str, Capture] = {}
    left_out = 0
    for row in rows:
        url = row.get("original", "")
        mime = row.get("mimetype", "text/html").lower()
        status = row.get("statuscode", "200")
        key = url_key(url) if url.lower().startswith(("http://", "https://")) else None
        if (
            key is None
            or status != "200"
            or "html" not in mime
            or (pattern is not None and not pattern.search(url))
            or row.get("length") == "0"
        ):
            left_out += 1
            continue
        timestamp = row.get("timestamp", "")
        parse_timestamp(timestamp)
        capture = Capture(url=url, timestamp=timestamp, key=key, location=row.get("location"))
        kept = earliest.get(key)
        if kept is None or timestamp < kept.timestamp:
            if kept is not None:
                left_out += 1
            earliest[key] = capture
        else:
            left_out += 1
    return list(earliest.values()), left_out


def wayback_fetch_url(root: str, capture: Capture) -> str:
    """The capture's original bytes (``id_``: no banner, no rewritten links)."""
    return f"{root.rstrip('/')}/{capture.timestamp}id_/{capture.url}"


def window_end(text: str, *, now: datetime | None = None) -> datetime | None:
    """The end of a backfill window: ``--until 2023-09-30`` includes that whole day."""
    from crawler.durations import parse_since

    end = parse_since(text, now=now)
    if end is not None and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text):
        end = end + timedelta(days=1, microseconds=-1)
    return end
