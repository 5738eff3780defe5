"""Pure parsers for the places where outlets list their articles.

Each takes response bytes and returns plain entries; the spider turns entries
into requests. No Scrapy imports, so they are tested on saved documents.
"""

from __future__ import annotations

from w3lib.html import remove_tags, replace_entities


def plain_text(html: str | None) -> str | None:
    """An HTML snippet (feed summary, API title) as one line of plain text; None when empty."""
    if not html:
        return None
    text = " ".join(replace_entities(remove_tags(html)).split())
    return text or None
