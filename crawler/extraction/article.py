"""The result of extracting one page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Article:
    """What a page says, as plain values; dates are raw strings (see crawler.dates)."""

    url: str
    """URL the HTML came from."""
    title: str | None = None
    """Headline without the site-name suffix."""
    body: str | None = None
    """Plain text, paragraphs separated by one blank line."""
    authors: list[str] = field(default_factory=list)
    """Author names in page order, without "By", job titles or the site's own name."""
    published_raw: str | None = None
    """Publication date string as found (structured data first)."""
    published_kind: str | None = None
    """What kind of evidence ``published_raw`` is (``structured``, ``meta``, ``dateline``,
    ``text``, ``year`` …; see ``crawler.dates.STRONG_KINDS`` and ``WEAK_KINDS``)."""
    modified_raw: str | None = None
    """Last-modified date string as found, None if the page states none."""
    numeric_day_first: bool | None = None
    """How the page orders numeric dates: True when ``01/02/2023`` is 1 February, False
    when it is 2 January, None when the page does not say (its language decides)."""
    language: str | None = None
    """ISO 639-1 of the text (declared languages are hints only)."""
    canonical_url: str | None = None
    """Absolute ``rel=canonical`` / ``og:url`` / JSON-LD ``url`` of the page, None if none."""
    description: str | None = None
    """Standfirst: JSON-LD / OpenGraph / meta description, plain text."""
    section: str | None = None
    """Section or category as the publisher names it."""
    tags: list[str] = field(default_factory=list)
    """Publisher keywords / tags, without repeats, at most 30."""
    image: str | None = None
    """Absolute URL of the lead image."""

    def to_dict(self) -> dict:
        """All fields as a plain dict (JSON-ready)."""
        return asdict(self)
