"""First-pass extraction: structured data, trafilatura body, htmldate dates."""

from __future__ import annotations

import json
import re
from copy import deepcopy

import py3langid
import trafilatura
from lxml import html as lxml_html

from crawler.extraction.article import Article
from crawler.extraction.dates import find_dates

_NEWS_TYPES = {"newsarticle", "article", "reportagenews", "blogposting", "analysisnewsarticle", "webpage"}


def _parse(html: str | bytes) -> lxml_html.HtmlElement | None:
    tree = trafilatura.load_html(html)
    return tree


def _json_ld(tree) -> dict:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if not isinstance(obj, dict):
                continue
            if "@graph" in obj and isinstance(obj["@graph"], list):
                stack.extend(obj["@graph"])
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in _NEWS_TYPES for t in types):
                return obj
    return {}


def _meta(tree, *names: str) -> str | None:
    for name in names:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content'):
            if value and value.strip():
                return value.strip()
    return None


def extract_article(html: str | bytes, url: str, *, language_hint: str | None = None) -> Article:
    """Extract title, body, authors, dates and language from one page."""
    article = Article(url=url)
    tree = _parse(html)
    if tree is None:
        return article
    ld = _json_ld(tree)
    article.title = (ld.get("headline") if isinstance(ld.get("headline"), str) else None) or _meta(tree, "og:title")
    if not article.title:
        titles = tree.xpath("//title/text()")
        article.title = titles[0].strip() if titles else None
    article.published_raw, article.modified_raw = find_dates(tree, url, ld)
    canon = tree.xpath('//link[@rel="canonical"]/@href')
    article.canonical_url = canon[0].strip() if canon else _meta(tree, "og:url")
    article.description = _meta(tree, "description", "og:description")
    body = trafilatura.extract(deepcopy(tree), url=url, favor_precision=True, include_comments=False)
    if body:
        article.body = re.sub(r"\n+", "\n\n", body.strip())
    if article.body:
        article.language = py3langid.classify(article.body[:2000])[0]
    else:
        article.language = language_hint
    return article
