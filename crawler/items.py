"""The item that flows from the spider through the pipelines into storage.

Raw values are kept beside normalised ones (``published_raw`` next to
``published_at``), as zyte-common-items does for ``datePublished``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.fingerprint import BodyPrint


@dataclass
class ArticleItem:
    """One news article as discovered, extracted and enriched by the pipelines."""

    # --- set by the spider -------------------------------------------------
    url: str
    """URL of the fetched page after redirects (for WordPress items: the post's link)."""
    source: str
    """Name of the source in ``sources.toml``."""
    title: str | None = None
    """Headline without the site-name suffix, plain text."""
    body: str | None = None
    """Article text, plain text, paragraphs separated by one blank line."""
    request_url: str | None = None
    """URL as discovered (feed/sitemap link), before redirects."""
    canonical_url: str | None = None
    """``rel=canonical`` / ``og:url`` of the page as published, if any."""
    authors: list[str] = field(default_factory=list)
    """Author names, in page order, without 'By'."""
    description: str | None = None
    """Standfirst / meta description, plain text."""
    section: str | None = None
    """Section or category as the publisher names it."""
    tags: list[str] = field(default_factory=list)
    """Publisher keywords / tags."""
    image: str | None = None
    """URL of the lead image."""
    language: str | None = None
    """ISO 639-1 language of the article text (detected or declared)."""
    source_language: str | None = None
    """ISO 639-1 main language of the source (a hint only)."""
    source_family: str | None = None
    """Outlet family of the source (its editions in other languages share it); None: the source alone."""
    date_languages: list[str] = field(default_factory=list)
    """ISO 639-1 codes handed to the date parser for this source."""
    timezone: str | None = None
    """IANA time zone of the source, used to read local times."""
    published_raw: str | None = None
    """Publication date string as found on the page (structured data first)."""
    published_kind: str | None = None
    """Kind of page evidence ``published_raw`` is (``structured``, ``meta``, ``time``,
    ``dateline``, ``url``; weak: ``far``, ``text``, ``year``, ``htmldate``)."""
    modified_raw: str | None = None
    """Last-modified date string as found on the page."""
    numeric_day_first: bool | None = None
    """True when the page writes ``01/02/2023`` for 1 February, False for 2 January,
    None when it does not say (the source's zone, then its language decide)."""
    feed_published_raw: str | None = None
    """Publication date string from the feed, news sitemap or WordPress API (fallback)."""
    feed_title: str | None = None
    """Title given by the feed / sitemap / API (fallback for ``title``)."""
    feed_summary: str | None = None
    """Summary given by the feed, plain text (fallback for ``description``)."""
    discovered_via: str | None = None
    """``feed``, ``sitemap`` or ``wordpress``."""
    fetched_at: str | None = None
    """When the page was fetched, ISO 8601 UTC."""
    archive: str | None = None
    """The web archive the page's text came from (``wayback``, ``warc``); None when read live."""
    captured_at: str | None = None
    """When that archive captured the page, ISO 8601 UTC."""
    body_print: BodyPrint | None = field(default=None, repr=False, compare=False)
    """Fingerprints of ``body`` made where the page was extracted (not stored):
    dedup and storage use them while they still describe the body."""
    # --- set by the pipelines ---------------------------------------------
    published_at: str | None = None
    """Publication instant, ISO 8601 UTC (``2023-01-12T10:05:00+00:00``), None if unknown."""
    modified_at: str | None = None
    """Last-modified instant, ISO 8601 UTC, None if unknown."""
    date_source: str | None = None
    """Where ``published_at`` came from: the page's evidence kind (see ``published_kind``;
    ``page`` when unknown), or ``feed``, ``sitemap``, ``wordpress`` for the discovery date."""
    url_key: str | None = None
    """Canonical form of the article URL, unique in the database."""
    url_aliases: list[str] = field(default_factory=list)
    """Other URLs under which this article was seen (request URL, redirects, canonical)."""
    content_hash: str | None = None
    """SHA-256 hex of the normalised body text."""
    story_url: str | None = None
    """``url_key`` of the first stored article of the same story (None: starts a new story)."""
    translation_of: int | None = None
    """Row id of the stored article in another language this one was linked to as its translation."""
    existing_id: int | None = None
    """Row id when this article is already stored (an update), else None."""
    relevant: bool = False
    """True when at least one topic matched."""
    topics: list[str] = field(default_factory=list)
    """Names of matched topics."""
    topic_terms: dict[str, list[str]] = field(default_factory=dict)
    """Per matched topic, the terms that matched."""
    relevance_score: float = 0.0
    """Highest topic score (title-weighted term matches)."""
