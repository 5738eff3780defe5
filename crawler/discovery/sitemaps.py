"""Sitemaps, sitemap indexes and Google News sitemaps.

Scrapy's SitemapSpider keeps only ``loc``/``lastmod`` and drops the ``news:``
children (publication date, title, language) that Google News sitemaps
carry, so newsmon parses sitemaps itself. The XML parser resolves no
entities and fetches nothing from the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree


@dataclass(frozen=True)
class SitemapEntry:
    """A ``<url>`` of a urlset or a ``<sitemap>`` of an index."""

    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_publication_date: str | None = None
    news_language: str | None = None


@dataclass(frozen=True)
class ParsedSitemap:
    kind: str
    """``index``, ``urlset`` or ``invalid``."""
    entries: list[SitemapEntry] = field(default_factory=list)
    error: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
    )


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Parse an (already decompressed) sitemap document."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        return ParsedSitemap(kind="invalid", error=f"invalid XML: {exc}")
    if root is None:
        return ParsedSitemap(kind="invalid", error="empty document")
    root_name = _local(root.tag)
    if root_name == "sitemapindex":
        entries = [
            SitemapEntry(loc=loc, lastmod=_child_text(el, "lastmod"))
            for el in root
            if _local(el.tag) == "sitemap" and (loc := _child_text(el, "loc"))
        ]
        return ParsedSitemap(kind="index", entries=entries)
    if root_name == "urlset":
        entries = []
        for el in root:
            if _local(el.tag) != "url" or not (loc := _child_text(el, "loc")):
                continue
            news = next((c for c in el if _local(c.tag) == "news"), None)
            title = pub = lang = None
            if news is not None:
                title = _child_text(news, "title")
                pub = _child_text(news, "publication_date")
                publication = next((c for c in news if _local(c.tag) == "publication"), None)
                if publication is not None:
                    lang = _child_text(publication, "language")
            entries.append(
                SitemapEntry(
                    loc=loc,
                    lastmod=_child_text(el, "lastmod"),
                    news_title=title,
                    news_publication_date=pub,
                    news_language=lang,
                )
            )
        return ParsedSitemap(kind="urlset", entries=entries)
    return ParsedSitemap(kind="invalid", error=f"not a sitemap (root element <{root_name}>)")
