"""WordPress REST API: search URLs and post parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.discovery.wordpress import parse_posts, search_url
from tests.mockweb import content


def test_search_url():
    url = search_url(
        "https://wp.example/", "Lachin corridor", after=datetime(2023, 1, 1, tzinfo=UTC), page=2
    )
    parts = urlsplit(url)
    assert parts.path == "/wp-json/wp/v2/posts"
    query = parse_qs(parts.query)
    assert (
        query["search"] == ["Lachin corridor"]
        and query["page"] == ["2"]
        and query["after"] == ["2023-01-01T00:00:00"]
    )


def test_parse_posts():
    arts = [a for a in content.ARTICLES if a.site == "armwire"][:2]
    posts = parse_posts(content.wordpress_posts("https://wp.example", arts).encode())
    assert [p.link for p in posts] == ["https://wp.example" + a.path for a in arts]
    assert posts[0].date_gmt == "2023-01-12T10:05:00+00:00"
    assert posts[0].title == arts[0].title
    assert posts[0].authors == ("Ani Hovhannisyan",)
    assert "<p>" in posts[0].content_html


@pytest.mark.parametrize("body", [b"<html>", b'{"code": "rest_no_route"}'])
def test_not_posts(body):
    with pytest.raises(ValueError):
        parse_posts(body)
