"""RSS 2.0, RSS 1.0 and Atom feeds, through feedparser.

feedparser is the reference parser for the feed zoo (RSS 0.9x-2.0, RSS 1.0 /
RDF, Atom 0.3/1.0, broken XML through its loose parser); it does not resolve
external entities.
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass
from datetime import timedelta

import feedparser

from crawler.discovery import plain_text


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed."""

    url: str
    """Absolute link of the article."""
    title: str | None
    """Title, plain text."""
    published_raw: str | None
    """Publication date string as written in the feed."""
    updated_raw: str | None
    """Update date string as written in the feed."""
    summary: str | None
    """Summary, plain text."""
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    """Entries in feed order."""
    error: str | None
    """Why the document is not a usable feed (None when it is)."""
    version: str
    """feedparser's name for the format, e.g. ``rss20``, ``rss10``, ``atom10``."""
    malformed: bool = False
    """True when the XML is broken and feedparser's loose parser recovered the entries."""
    skipped: int = 0
    """Entries left out because their link is not http(s) (``javascript:``, ``file:`` ...)."""
    update_period: timedelta | None = None
    """How often the feed says it changes: RSS ``ttl``, or ``sy:updatePeriod`` / ``sy:updateFrequency``."""


_SY_PERIODS = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=30),
    "yearly": timedelta(days=365),
}


def update_period(channel: dict) -> timedelta | None:
    """The feed's own update period from its channel (feedparser's ``feed``); None when it gives none.

    ``ttl`` is in minutes; ``sy:updateFrequency`` is the number of updates per
    ``sy:updatePeriod`` (1 when absent). A value that is not a positive number is ignored.
    """
    ttl = str(channel.get("ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        return timedelta(minutes=int(ttl))
    period = _SY_PERIODS.get(str(channel.get("sy_updateperiod") or "").strip().lower())
    if period is None:
        return None
    frequency = str(channel.get("sy_updatefrequency") or "1").strip()
    return period / int(frequency) if frequency.isdigit() and int(frequency) > 0 else period


def parse_feed(body: bytes, url: str) -> ParsedFeed:
    """Parse a feed document; entries without an http(s) link are left out."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    entries: list[FeedEntry] = []
    skipped = 0
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link or not link.strip().lower().startswith(("http://", "https://")):
            skipped += 1
            continue
        authors = tuple(a.get("name") for a in entry.get("authors", []) if a.get("name"))
        entries.append(
            FeedEntry(
                url=link.strip(),
                title=plain_text(entry.get("title")),
                # dict.get: FeedParserDict maps a missing "published" to
                # "updated" (with a warning); keep the two apart here.
                published_raw=dict.get(entry, "published")
                or dict.get(entry, "created")
                or dict.get(entry, "updated"),
                updated_raw=dict.get(entry, "updated"),
                summary=plain_text(entry.get("summary")),
                authors=authors,
            )
        )
    error = None
    bozo = bool(parsed.get("bozo"))
    # A SAX error means broken XML; feedparser's other "bozo" notes (no or
    # another declared content type or encoding) are about headers it was not given.
    broken_xml = isinstance(parsed.get("bozo_exception"), xml.sax.SAXException)
    if not entries:
        if bozo:
            exc = parsed.get("bozo_exception")
            error = f"not a valid feed: {type(exc).__name__}: {exc}"
        elif not parsed.get("version"):
            error = "not a feed (no RSS or Atom root element)"
    return ParsedFeed(
        entries=entries,
        error=error,
        version=parsed.get("version") or "",
        malformed=broken_xml and bool(entries),
        skipped=skipped,
        update_period=update_period(parsed.get("feed") or {}),
    )
