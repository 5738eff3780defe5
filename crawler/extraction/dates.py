"""Finding a page's publication and modification dates (raw strings), with the kind of
evidence each publication date is.

The page's own statements are read from the most to the least explicit; the
kind (``DateCandidate.kind``) tells the dates pipeline how far to trust it
against the feed / sitemap / API date:

1. structured data (``structured``): JSON-LD ``datePublished`` of the article
   object (not of its comments or live-blog updates), microdata
   ``itemprop="datePublished"``; ``article:published_time`` and the other
   publication meta tags (``meta``); hAtom ``published`` and ``<time pubdate>``
   (``time``);
2. the date printed next to the headline, as a reader sees it (``dateline``);
   one introduced by "updated" / "обновлено" / … is a modification date;
3. a full date in the URL (``/2023/01/12/``, ``url``);

and then the weak guesses, which a feed date overrides:

4. the first element marked as a date (``class="date"``, ``id="datum"`` …)
   outside comments, sidebars and related links, away from the headline (``far``);
5. a date inside a sentence near the headline, "the statement of 9 November
   2020" (``text``);
6. htmldate's heuristics (extensive search, original date) as the last resort
   (``htmldate``; ``year`` when its answer is 1 January of a year the page only
   names, as in a copyright line).

A candidate only counts when ``crawler.dates`` can read it as a plausible day,
so an empty or broken field falls through to the next source. Normalisation to
UTC is ``crawler.dates``' job; this module never modifies ``tree``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from htmldate import find_date
from lxml import etree

from crawler.dates import EARLIEST, day_first_in_country, find_date_mentions, parse_date_as_written
from crawler.extraction.bylines import (
    Byline,
    date_element,
    headline_dates,
    in_comment,
    inside_foreign,
)
from crawler.extraction.structured import CLASS_TOKEN

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article.published", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "parsely-pub-date", "sailthru.date",
    "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
    "citation_publication_date", "prism.publicationdate", "article_date_original",
    "originalpublicationdate", "cxenseparse:recs:publishtime", "date", "dc.date",
)  # fmt: skip
_MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "og:updated_time",
    "article:updated_time", "dc.date.modified", "dcterms.modified",
    "last-modified", "lastmod", "parsely-updated",
)  # fmt: skip

# JSON-LD types whose dates are the article's; WebPage comes after them.
_ARTICLE_TYPE = re.compile(r"article|posting|report|newsarticle|review|recipe|howto", re.IGNORECASE)
_PAGE_TYPE = re.compile(r"webpage|itempage", re.IGNORECASE)

_URL_DATE = re.compile(
    r"(?<!\d)(20\d\d|19\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)"
)


@dataclass(frozen=True)
class DateCandidate:
    """A publication date as the page writes it, and the kind of evidence it is."""

    raw: str
    """The string as found (attribute value or visible text), stripped."""
    kind: str
    """One of ``crawler.dates.STRONG_KINDS`` (``structured``, ``meta``, ``time``,
    ``dateline``, ``url``) or ``WEAK_KINDS`` (``far``, ``text``, ``year``, ``htmldate``)."""


def find_dates(
    tree, url: str, structured: dict | None = None
) -> tuple[DateCandidate | None, str | None]:
    """The page's strongest publication-date candidate and its raw modification date.

    ``tree`` is not modified."""
    if tree is None:
        return None, None
    ok = _Plausible(_page_languages(tree), numeric_day_first(tree, url))
    published, modified = _structured_dates(tree, structured, ok)
    # The page text is searched when the publication date is not declared.
    # A declared publication date without a declared modification date does
    # not justify the search (about 2 ms a page): the modified date is then
    # left unknown rather than read from the text.
    if published is None:
        byline = headline_dates(tree, structured, ok.languages, ok)
        modified = modified or byline.modified
        published = next(_visible_dates(tree, url, byline, ok), None)
    return published, modified


def _visible_dates(tree, url: str, byline: Byline, ok: _Plausible) -> Iterator[DateCandidate]:
    """Candidates a reader sees (or the URL shows), strongest first, each looked for lazily."""
    if byline.dateline:
        yield DateCandidate(byline.dateline, byline.dateline_kind)
    in_url = _url_date(url)
    if ok(in_url):
        yield DateCandidate(in_url, "url")
    marked = date_element(tree, ok.languages, ok)
    if marked:
        yield DateCandidate(marked, "far")
    if byline.in_text:
        yield DateCandidate(byline.in_text, "text")
    found = find_date(deepcopy(tree), url=url, extensive_search=True, original_date=True)
    if isinstance(found, str) and ok(found):
        yield DateCandidate(found, _htmldate_kind(found, tree, ok.languages, ok.day_first))


def _htmldate_kind(found: str, tree, languages: list[str], day_first: bool | None = None) -> str:
    """``year`` when htmldate's answer is 1 January and the page never writes that day
    (its reading of a copyright line or a lone year), else ``htmldate``."""
    if not found.endswith("-01-01"):
        return "htmldate"
    text = " ".join(tree.xpath("//body//text()"))
    day = found[:10]
    for mention in find_date_mentions(text, languages, day_first):
        if mention.value.date().isoformat() == day:
            return "htmldate"
    return "year"


class _Plausible:
    """Whether a raw string reads as a date between 1990 and tomorrow."""

    def __init__(self, languages: list[str], day_first: bool | None = None):
        self.languages = languages
        self.day_first = day_first
        self.latest = datetime.now(UTC) + timedelta(days=1)

    def __call__(self, raw) -> bool:
        if not isinstance(raw, str) or not raw.strip():
            return False
        value = parse_date_as_written(raw, languages=self.languages, day_first=self.day_first)
        return value is not None and value.year >= EARLIEST.year and value <= self.latest


def _page_languages(tree) -> list[str]:
    """The page's declared language (``<html lang>``) as the date parser's hint; English if none."""
    langs = tree.xpath(
        "/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
    )
    code = langs[0].strip().lower()[:2] if langs and langs[0].strip() else ""
    return [code] if code.isalpha() and len(code) == 2 else ["en"]


# Country-code domains that are sold as brands (".io", ".tv") say nothing of the country.
_BRAND_DOMAINS = frozenset("ai cc co fm gg io la ly me nu sh so tk to tv ws".split())
_REGION = re.compile(r"^[a-z]{2,3}[-_]([a-z]{2})(?:$|[-_])", re.IGNORECASE)


def numeric_day_first(tree, url: str) -> bool | None:
    """Whether the page writes ``01/02/2023`` for 1 February: True, False, or None (unknown).

    Where the page is published says it: the country of its domain (``.ie``, ``.am``),
    else the region of ``og:locale`` or ``<html lang>`` (``en_GB``, ``en-US``)."""
    host = urlsplit(url).hostname or ""
    top = host.rsplit(".", 1)[-1].lower()
    if len(top) == 2 and top not in _BRAND_DOMAINS:
        return day_first_in_country("gb" if top == "uk" else top)
    declared = tree.xpath(
        '//meta[@property="og:locale"]/@content | /html/@lang | /html/@xml:lang',
        namespaces={"xml": "http://www.w3.org/XML/1998/namespace"},
    )
    for value in declared:
        region = _REGION.match(value.strip())
        if region:
            return day_first_in_country(region.group(1))
    return None


# --- structured data --------------------------------------------------------------


def _structured_dates(
    tree, structured: dict | None, ok: _Plausible
) -> tuple[DateCandidate | None, str | None]:
    """The first plausible published / modified value, most explicit source first.

    Sources are read lazily (each a function), so a page whose JSON-LD or meta tags give
    the date is not searched for microdata and hAtom classes as well."""
    articles, pages = _json_ld_objects(tree)
    if structured and _types_match(structured, _ARTICLE_TYPE):
        articles.insert(0, structured)
    elif structured:
        pages.insert(0, structured)
    published_sources: list = [
        *(
            ("structured", lambda obj=obj: obj.get("datePublished") or obj.get("dateCreated"))
            for obj in articles
        ),
        ("meta", lambda: _meta(tree, _PUBLISHED_META)),
        ("structured", lambda: _microdata(tree, "datePublished")),
        ("time", lambda: _hatom(tree, "published")),
        *(("structured", lambda obj=obj: obj.get("datePublished")) for obj in pages),
    ]
    modified_sources: list = [
        *(lambda obj=obj: obj.get("dateModified") for obj in articles),
        lambda: _meta(tree, _MODIFIED_META),
        lambda: _microdata(tree, "dateModified"),
        lambda: _hatom(tree, "updated"),
        *(lambda obj=obj: obj.get("dateModified") for obj in pages),
    ]
    published = None
    for kind, source in published_sources:
        value = source()
        if ok(value):
            published = DateCandidate(value.strip(), kind)
            break
    modified = next((v.strip() for v in (f() for f in modified_sources) if ok(v)), None)
    return published, modified


def _types_match(obj: dict, pattern: re.Pattern) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and pattern.search(t) for t in types)


def _json_ld_objects(tree) -> tuple[list[dict], list[dict]]:
    """Top-level JSON-LD objects (``@graph`` and ``mainEntity`` unfolded): articles, pages."""
    articles: list[dict] = []
    pages: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        text = script.text_content() or ""
        try:
            data = json.loads(text)
        except ValueError:
            # Broken JSON-LD is common (trailing commas, raw newlines): read the field itself.
            found = re.search(r'"datePublished"\s*:\s*"([^"]{6,40})"', text)
            if found:
                articles.append({"@type": "Article", "datePublished": found.group(1)})
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if not isinstance(obj, dict):
                continue
            for key in ("@graph", "mainEntity"):
                inner = obj.get(key)
                stack.extend(
                    inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else []
                )
            if _types_match(obj, _ARTICLE_TYPE):
                articles.append(obj)
            elif _types_match(obj, _PAGE_TYPE):
                pages.append(obj)
    return articles, pages


def _meta(tree, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` (in that order of preference) among ``<meta property|name>``."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key in names and value and key not in found:
            found[key] = value
    return next((found[name] for name in names if name in found), None)


def _element_date(element) -> str | None:
    """The date an element carries: its machine-readable attribute, else its short text."""
    for attribute in ("content", "datetime", "title"):
        value = element.get(attribute)
        if value and value.strip():
            return value.strip()
    text = " ".join(element.text_content().split())
    return text if 0 < len(text) <= 80 else None


# Written from the attributes up (``//@itemprop[…]/..``): libxml2 then tests only the
# elements that have the attribute, several times faster than ``//*[@itemprop=…]``.
_MICRODATA = {
    prop: etree.XPath(f'//@itemprop[.="{prop}"]/..') for prop in ("datePublished", "dateModified")
}
_HATOM = {
    "published": etree.XPath(CLASS_TOKEN.format("published") + " | //@pubdate/parent::time"),
    "updated": etree.XPath(CLASS_TOKEN.format("updated")),
}


def _microdata(tree, prop: str) -> str | None:
    """``itemprop=prop`` of the article, not of a comment or review inside it."""
    for element in _MICRODATA[prop](tree):
        if not in_comment(element):
            value = _element_date(element)
            if value:
                return value
    return None


def _hatom(tree, name: str) -> str | None:
    """hAtom ``published`` / ``updated`` (WordPress themes: ``<time class="entry-date published">``)."""
    for element in _HATOM[name](tree):
        if element.tag in ("time", "abbr", "span", "p", "div") and not inside_foreign(element):
            value = _element_date(element)
            if value:
                return value
    return None


def _url_date(url: str) -> str | None:
    """``YYYY-MM-DD`` from a full date in the URL's path (``/2023/01/12/``, ``20230112``);
    whether it is a real, plausible day is the caller's check."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    m = _URL_DATE.search(path)
    if not m:
        return None
    year, _, month, day = m.groups()
    return f"{year}-{month}-{day}"
