"""The publisher's structured data: JSON-LD, OpenGraph / ``article:`` meta, ``<link>``.

Everything here reads the parsed page and returns plain values; nothing is
inferred from the visible text (that is :mod:`crawler.extraction.body`'s job).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

# schema.org types whose object describes the article itself (lower case).
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenews",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "factcheck",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "scholarlyarticle",
    "techarticle",
    "report",
}
# Types that may carry a headline when no article object exists.
PAGE_TYPES = {"webpage", "itempage", "medicalwebpage", "collectionpage"}

# XPath of the elements whose class attribute holds the token ``{0}`` (``str.format`` it).
# Written from the attributes up (``//@class[…]/..``): libxml2 then tests only elements
# that have the attribute. The plain ``contains`` first: most class attributes fail it
# before any string is built.
CLASS_TOKEN = (
    '//@class[contains(., "{0}")][contains(concat(" ", normalize-space(.), " "), " {0} ")]/..'
)

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Structured:
    """What the page declares about itself, before any text heuristics."""

    article: dict = field(default_factory=dict)
    """The JSON-LD object of the article (NewsArticle and kin), ``{}`` if none."""
    page: dict = field(default_factory=dict)
    """A JSON-LD WebPage object, a weaker source of headline and dates."""
    organisations: list[str] = field(default_factory=list)
    """Names of Organization / NewsMediaOrganization / WebSite objects (site names)."""
    meta: dict[str, list[str]] = field(default_factory=dict)
    """``<meta>`` values by lower-cased ``property`` / ``name`` / ``itemprop``, in page order."""
    links: dict[str, list[str]] = field(default_factory=dict)
    """``<link>`` hrefs by lower-cased ``rel`` token."""
    html_lang: str | None = None
    """``<html lang>`` (or ``xml:lang``) as written."""
    nodes: dict[str, dict] = field(default_factory=dict)
    """JSON-LD objects by ``@id``, to follow references (Yoast's ``"author": {"@id": …}``)."""

    def resolve(self, value: Any) -> Any:
        """``value`` with ``{"@id": …}`` references replaced by the objects they name."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            ref = value.get("@id")
            if isinstance(ref, str) and ref in self.nodes:
                return self.nodes[ref]
        return value

    def first(self, *names: str) -> str | None:
        """First non-empty meta value among ``names`` (checked in order)."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value:
                    return value
        return None

    def all(self, *names: str) -> list[str]:
        """Every meta value of ``names``, in order, without repeats."""
        seen: dict[str, None] = {}
        for name in names:
            for value in self.meta.get(name, ()):
                if value:
                    seen.setdefault(value, None)
        return list(seen)


def loads_lenient(text: str) -> Any:
    """Parse JSON-LD as publishers write it: raw control characters, trailing commas,
    HTML comment or CDATA wrappers. Raises ``ValueError`` when nothing helps."""
    text = text.strip()
    for prefix, suffix in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")):
        if text.startswith(prefix) and text.endswith(suffix):
            text = text[len(prefix) : -len(suffix)].strip()
    text = text.rstrip(";").strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text))
    try:
        return json.loads(repaired, strict=False)
    except ValueError:
        # Several objects written one after another in one script.
        decoder = json.JSONDecoder(strict=False)
        objects, pos = [], 0
        while pos < len(repaired):
            while pos < len(repaired) and repaired[pos] in " \t\r\n,;":
                pos += 1
            if pos >= len(repaired):
                break
            obj, pos = decoder.raw_decode(repaired, pos)
            objects.append(obj)
        return objects


def _walk(data: Any):
    """``(object, top)`` for every dict in a JSON-LD document; ``top`` is true for the
    document's own objects (top level or ``@graph``), false for nested values."""
    stack: list[tuple[Any, bool]] = [(data, True)]
    while stack:
        item, top = stack.pop(0)
        if isinstance(item, list):
            stack[0:0] = [(value, top) for value in item]
        elif isinstance(item, dict):
            yield item, top
            for key, value in item.items():
                if key == "@graph":
                    stack.append((value, True))
                elif isinstance(value, (list, dict)) and key not in _NOT_WALKED:
                    stack.append((value, False))


# Values that describe people and organisations around the article, not articles.
_NOT_WALKED = {"author", "publisher", "creator", "contributor", "editor", "sourceOrganization"}


def _types(obj: dict) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.lower().rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _article_score(obj: dict, url: str | None) -> tuple:
    """Rank candidate article objects: the one about this URL, with a body, with a headline."""
    own = obj.get("url") or obj.get("mainEntityOfPage")
    if isinstance(own, dict):
        own = own.get("@id") or own.get("url")
    same_url = bool(url and isinstance(own, str) and own.rstrip("/") == url.rstrip("/"))
    return (same_url, bool(obj.get("articleBody")), bool(obj.get("headline")))


def read_structured(tree: etree._Element, url: str | None = None) -> Structured:
    """Collect JSON-LD objects, meta tags and links of a parsed page."""
    found = Structured()
    articles: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text or ""
        if not text.strip():
            continue
        try:
            data = loads_lenient(text)
        except ValueError:
            continue
        for obj, top in _walk(data):
            if isinstance(obj.get("@id"), str) and len(obj) > 1:
                found.nodes.setdefault(obj["@id"], obj)
            types = _types(obj)
            if types & ARTICLE_TYPES:
                articles.append(obj)
            elif types & PAGE_TYPES and not found.page:
                found.page = obj
            elif top and types & {"organization", "newsmediaorganization", "website"}:
                name = obj.get("name")
                if isinstance(name, str) and name.strip():
                    found.organisations.append(html.unescape(name.strip()))
            publisher = obj.get("publisher")
            if (
                isinstance(publisher, dict)
                and isinstance(publisher.get("name"), str)
                and types & ARTICLE_TYPES
            ):
                found.organisations.append(html.unescape(publisher["name"].strip()))
    if articles:
        # max() keeps the first of equals: page order breaks ties.
        found.article = max(articles, key=lambda obj: _article_score(obj, url))

    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = " ".join(html.unescape(content).split())
        for attr in ("property", "name", "itemprop"):
            key = meta.get(attr)
            if key:
                found.meta.setdefault(key.strip().lower(), []).append(content)
    for link in tree.iter("link"):
        href = (link.get("href") or "").strip()
        for rel in (link.get("rel") or "").lower().split():
            if href:
                found.links.setdefault(rel, []).append(href)
    root = tree.getroottree().getroot()
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    found.html_lang = lang.strip() if lang and lang.strip() else None
    return found


def text_value(value: Any) -> str | None:
    """A JSON-LD value as one clean string (first of a list, ``name`` of an object)."""
    if isinstance(value, list):
        for item in value:
            text = text_value(item)
            if text:
                return text
        return None
    if isinstance(value, dict):
        return text_value(value.get("name") or value.get("@value") or value.get("url"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    text = " ".join(html.unescape(value).split())
    return text or None


def text_values(value: Any) -> list[str]:
    """A JSON-LD value as a list of clean strings (lists, objects' names, plain strings)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = text_value(item)
        if text and text not in out:
            out.append(text)
    return out


def image_url(value: Any) -> str | None:
    """The first image URL of a JSON-LD ``image`` value."""
    if isinstance(value, list):
        for item in value:
            found = image_url(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        return image_url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
