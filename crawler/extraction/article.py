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
    published_raw: str | None = None
    """Publication date string as found (structured data first)."""
    modified_raw: str | None = None
    language: str | None = None
    """ISO 639-1 of the text."""
    canonical_url: str | None = None
    description: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
