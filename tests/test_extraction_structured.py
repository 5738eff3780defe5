"""Reading the publisher's structured data: JSON-LD (lenient), meta tags, links."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from crawler.extraction.structured import (
    image_url,
    loads_lenient,
    read_structured,
    text_value,
    text_values,
)


def page(head: str, body: str = "<p>x</p>", lang: str = "en") -> lxml_html.HtmlElement:
    return lxml_html.fromstring(
        f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
    )


def ld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


def test_article_in_a_graph_with_author_reference():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://e.org/a/", "name": "Page name"},
            {
                "@type": "NewsArticle",
                "headline": "Headline",
                "author": {"@id": "#p1"},
                "publisher": {"@id": "#org"},
            },
            {"@type": "Person", "@id": "#p1", "name": "Ani Hakobyan"},
            {"@type": "Organization", "@id": "#org", "name": "Asbarez"},
        ],
    }
    found = read_structured(page(ld(graph)), "https://e.org/a/")
    assert found.article["headline"] == "Headline"
    assert found.page["name"] == "Page name"
    assert text_values(found.resolve(found.article["author"])) == ["Ani Hakobyan"]
    assert "Asbarez" in found.organisations


def test_the_article_about_this_url_is_chosen():
    objects = [
        {"@type": "NewsArticle", "headline": "Other story", "url": "https://e.org/other/"},
        {"@type": ["NewsArticle"], "headline": "This story", "url": "https://e.org/this/"},
    ]
    found = read_structured(page(ld(objects)), "https://e.org/this")
    assert found.article["headline"] == "This story"


def test_nested_organisations_are_not_site_names():
    obj = {
        "@type": "NewsArticle",
        "headline": "H",
        "about": {"@type": "Organization", "name": "Red Cross"},
    }
    found = read_structured(page(ld(obj)))
    assert "Red Cross" not in found.organisations


@pytest.mark.parametrize(
    "text",
    [
        '{"@type": "NewsArticle", "headline": "Line\nbreak"}',  # raw control character
        '{"@type": "NewsArticle", "headline": "H",}',  # trailing comma
        '<!--{"@type": "NewsArticle", "headline": "H"}-->',
        '{"@type": "NewsArticle", "headline": "H"};',
        '{"@type": "WebSite", "name": "S"}\n{"@type": "NewsArticle", "headline": "H"}',  # two objects
    ],
)
def test_lenient_json(text):
    data = loads_lenient(text)
    objects = data if isinstance(data, list) else [data]
    assert any(o.get("@type") == "NewsArticle" for o in objects)


def test_broken_json_ld_is_skipped():
    found = read_structured(page('<script type="application/ld+json">{not json at all</script>'))
    assert found.article == {}


def test_meta_and_links():
    head = (
        '<meta property="og:title" content="OG &amp; title">'
        '<meta property="article:tag" content="a"><meta property="article:tag" content="b">'
        '<meta name="Description" content="  spaced   text ">'
        '<meta itemprop="datePublished" content="2023-01-01">'
        '<link rel="canonical" href="https://e.org/c"><link rel="alternate amphtml" href="https://e.org/amp">'
    )
    found = read_structured(page(head, lang="hy-AM"))
    assert found.first("og:title") == "OG & title"
    assert found.all("article:tag") == ["a", "b"]
    assert found.first("description") == "spaced text"
    assert found.first("datepublished") == "2023-01-01"
    assert found.links["canonical"] == ["https://e.org/c"]
    assert found.links["amphtml"] == ["https://e.org/amp"]
    assert found.html_lang == "hy-AM"


def test_value_helpers():
    assert text_value([{"name": " A &amp; B "}]) == "A & B"
    assert text_value(2023) == "2023"
    assert text_value(None) is None
    assert text_values(["x", {"name": "y"}, "x"]) == ["x", "y"]
    assert (
        image_url([{"@type": "ImageObject", "url": "https://e.org/i.jpg"}]) == "https://e.org/i.jpg"
    )
    assert image_url({"contentUrl": "https://e.org/j.jpg"}) == "https://e.org/j.jpg"
    assert image_url(None) is None
