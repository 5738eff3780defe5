"""URL keys: variants of one article share a key, different articles never do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.urls import canonicalize_url, is_front_page, same_site, site_host

VARIANTS = json.loads(
    (Path(__file__).parent / "data" / "dedup" / "url_variants.json").read_text("utf-8")
)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # tracking parameters, whatever their value
        (
            "https://news.am/eng/news/1.html?utm_source=fb&utm_medium=social",
            "https://news.am/eng/news/1.html",
        ),
        (
            "https://news.am/eng/news/1.html?fbclid=IwAR0&gclid=Cj0&yclid=9&ysclid=x1",
            "https://news.am/eng/news/1.html",
        ),
        (
            "https://news.am/eng/news/1.html?mc_cid=a&mc_eid=b&_ga=2.1",
            "https://news.am/eng/news/1.html",
        ),
        # fragments, scheme, www./m./amp. hosts, trailing slash, case of the host
        ("http://WWW.News.AM/eng/news/1.html#comments", "https://news.am/eng/news/1.html"),
        ("https://m.news.am/eng/news/1.html", "https://news.am/eng/news/1.html"),
        ("https://amp.news.am/eng/news/1.html", "https://news.am/eng/news/1.html"),
        ("https://massispost.com/2023/01/slug/", "https://massispost.com/2023/01/slug"),
        # AMP forms
        ("https://massispost.com/2023/01/slug/amp/", "https://massispost.com/2023/01/slug"),
        ("https://news.example/a/1.amp", "https://news.example/a/1"),
        ("https://news.example/a/1.amp.html", "https://news.example/a/1.html"),
        ("https://news.example/amp/a/1", "https://news.example/a/1"),
        ("https://news.example/a/1?amp", "https://news.example/a/1"),
        ("https://news.example/a/1?amp=1&outputType=amp", "https://news.example/a/1"),
        (
            "https://news-example.cdn.ampproject.org/c/s/news.example/a/1/amp/",
            "https://news.example/a/1",
        ),
        # parameter order and duplicate slashes
        ("https://news.example/a?b=2&a=1", "https://news.example/a?a=1&b=2"),
        ("https://news.example//a//1", "https://news.example/a/1"),
        # referral labels go ...
        ("https://www.kommersant.ru/doc/5771030?from=main", "https://kommersant.ru/doc/5771030"),
        ("https://ria.ru/20230112/x-1.html?in=t", "https://ria.ru/20230112/x-1.html"),
        ("https://oc-media.org/story/?ref=twitter", "https://oc-media.org/story"),
        ("https://azatutyun.am/a/1.html?source=rss", "https://azatutyun.am/a/1.html"),
        # ... but identifying parameters stay
        ("https://jam-news.net/?p=38573&utm_campaign=x", "https://jam-news.net/?p=38573"),
        (
            "https://news.example/news.php?nid=101&from=main",
            "https://news.example/news.php?nid=101",
        ),
        ("https://news.example/article?id=123", "https://news.example/article?id=123"),
        ("https://news.example/long-read?page=2", "https://news.example/long-read?page=2"),
        # generic names carrying data are kept
        (
            "https://news.example/archive?from=2023-01-01",
            "https://news.example/archive?from=2023-01-01",
        ),
        ("https://news.example/list?from=20", "https://news.example/list?from=20"),
        ("https://news.example/record?source=12", "https://news.example/record?source=12"),
        # language subdomains and ports are part of the site
        ("https://ru.trend.az/caucasus/1.html", "https://ru.trend.az/caucasus/1.html"),
        ("http://news.example:8080/a", "https://news.example:8080/a"),
        ("//news.example/a", "https://news.example/a"),
    ],
)
def test_canonical_key(url, key):
    assert canonicalize_url(url) == key


def test_non_ascii_paths_and_hosts_are_encoded_once():
    assert (
        canonicalize_url("https://news.example/Путь/")
        == "https://news.example/%D0%9F%D1%83%D1%82%D1%8C"
    )
    assert canonicalize_url("https://news.example/%D0%9F%D1%83%D1%82%D1%8C") == canonicalize_url(
        "https://news.example/Путь"
    )


def test_path_case_is_kept():
    assert canonicalize_url("https://news.example/Story-A") != canonicalize_url(
        "https://news.example/story-a"
    )


@pytest.mark.parametrize(
    "url", ["mailto:desk@news.example", "ftp://news.example/a", "not a url", "https:///path"]
)
def test_not_http_urls_raise_value_error(url):
    with pytest.raises(ValueError):
        canonicalize_url(url)


@pytest.mark.parametrize("group", VARIANTS["same"], ids=lambda g: g[0][:50])
def test_labelled_variants_share_one_key(group):
    assert len({canonicalize_url(u) for u in group}) == 1


@pytest.mark.parametrize("group", VARIANTS["different"], ids=lambda g: g[0][:50])
def test_labelled_different_articles_keep_their_own_keys(group):
    assert len({canonicalize_url(u) for u in group}) == len(group)


def test_site_helpers():
    assert site_host("WWW.Example.AM.") == "example.am"
    assert site_host("m.co") == "m.co"  # nothing but a TLD would remain
    assert same_site("https://www.trend.az/a", "https://en.trend.az/b")
    assert same_site("http://m.news.am/a", "https://news.am/b")
    assert not same_site("https://news.am/a", "https://massispost.com/a")
    assert not same_site("https://news.am/a", "not a url")
    assert is_front_page("https://news.am/") and is_front_page("https://news.am")
    assert not is_front_page("https://news.am/?p=3") and not is_front_page("https://news.am/eng/")
