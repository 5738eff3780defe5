"""Page extraction: pure functions from (html, url) to an :class:`Article`.

The publisher's structured data first (JSON-LD, OpenGraph / ``article:``
meta, ``<time datetime>``), then a boilerplate-removing extractor for the
body. One HTML parse is shared by every step. Nothing here touches the
network or Scrapy, so it is tested on saved HTML.
"""

from __future__ import annotations

from crawler.extraction.article import Article
from crawler.extraction.extract import extract_article

__all__ = ["Article", "extract_article"]
