"""Sitemap parsing, including the news: children SitemapSpider drops."""

from __future__ import annotations

from crawler.discovery.sitemaps import parse_sitemap
from tests.mockweb import content

BASE = "https://news.example"


def test_index():
    parsed = parse_sitemap(content.sitemap_index(BASE).encode())
    assert parsed.kind == "index"
    assert [e.loc for e in parsed.entries] == [
        BASE + "/sitemap-news.xml.gz",
        BASE + "/sitemap-2015.xml",
    ]
    assert parsed.entries[1].lastmod == "2015-12-31T00:00:00+03:00"


def test_google_news_sitemap_keeps_publication_date_and_title():
    arts = [a for a in content.ARTICLES if a.site == "rusnews"]
    parsed = parse_sitemap(content.news_sitemap(BASE, arts).encode())
    assert parsed.kind == "urlset"
    first = parsed.entries[0]
    assert first.loc == BASE + "/news/1001"
    assert first.news_publication_date == "2023-01-12T14:05:00+03:00"
    assert first.news_title == arts[0].title
    assert first.news_language == "ru"


def test_plain_urlset_and_invalid():
    plain = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/x</loc><lastmod>2023-01-01</lastmod></url></urlset>'
    parsed = parse_sitemap(plain)
    assert parsed.entries[0].lastmod == "2023-01-01" and parsed.entries[0].news_title is None
    assert parse_sitemap(b"<html><body/></html>").kind == "invalid"
    assert parse_sitemap(b"not xml at all").kind == "invalid"


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&x;</loc></url></urlset>'
    ).encode()
    parsed = parse_sitemap(doc)
    assert all("TOPSECRET" not in e.loc for e in parsed.entries)
