"""Finding a page's publication and modification dates (raw strings).

Structured data first (JSON-LD, ``article:`` meta, ``<time datetime>``),
then htmldate's heuristics. Normalisation to UTC is ``crawler.dates``' job.
"""

from __future__ import annotations

from copy import deepcopy

from htmldate import find_date


def find_dates(tree, url: str, structured: dict | None = None) -> tuple[str | None, str | None]:
    """``(published_raw, modified_raw)`` of the page; ``tree`` is not modified."""
    structured = structured or {}
    published = structured.get("datePublished")
    modified = structured.get("dateModified")
    if not published:
        values = tree.xpath('//meta[@property="article:published_time" or @name="article:published_time"]/@content')
        published = values[0].strip() if values else None
    if not modified:
        values = tree.xpath('//meta[@property="article:modified_time" or @name="article:modified_time"]/@content')
        modified = values[0].strip() if values else None
    if not published:
        published = find_date(deepcopy(tree), url=url, extensive_search=True, original_date=True)
    return (published if isinstance(published, str) else None, modified if isinstance(modified, str) else None)
