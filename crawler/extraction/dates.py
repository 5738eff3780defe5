"""Finding a page's publication and modification dates (raw strings).

The page's own statements are read from the most to the least explicit:

1. structured data: JSON-LD ``datePublished`` of the article object (not of
   its comments or live-blog updates), ``article:published_time`` and the other
   publication meta tags, microdata ``itemprop="datePublished"``, hAtom
   ``published`` and ``<time pubdate>``;
2. the date printed next to the headline, as a reader sees it (the byline);
   one introduced by "updated" / "обновлено" / … is a modification date;
3. a full date in the URL (``/2023/01/12/``);
4. htmldate's heuristics (extensive search, original date) as the last resort.

A candidate only counts when ``crawler.dates`` can read it as a plausible day,
so an empty or broken field falls through to the next source. Normalisation to
UTC is ``crawler.dates``' job; this module never modifies ``tree``.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from datetime import UTC, datetime, timedelta

from htmldate import find_date

from crawler.dates import find_date_mentions, parse_date_as_written

EARLIEST_YEAR = 1990

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article.published", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "parsely-pub-date", "sailthru.date",
    "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
    "citation_publication_date", "prism.publicationdate", "article_date_original",
    "originalpublicationdate", "cxenseparse:recs:publishtime", "date", "dc.date",
)  # fmt: skip
_MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "og:updated_time",
    "article:updated_time", "datemodified", "dc.date.modified", "dcterms.modified",
    "last-modified", "lastmod", "parsely-updated",
)  # fmt: skip

# JSON-LD types whose dates are the article's; WebPage comes after them.
_ARTICLE_TYPE = re.compile(r"article|posting|report|newsarticle|review|recipe|howto", re.IGNORECASE)
_PAGE_TYPE = re.compile(r"webpage|itempage", re.IGNORECASE)

# Containers whose dates belong to something else than the article (by class or
# id word); "has-sidebar", "no-comments" and the like describe the page instead.
# Page footers stay: an article's <footer> often holds its byline.
_FOREIGN = re.compile(r"comment|respon[sd]|reply|sidebar|related|teaser|widget|recommend", re.IGNORECASE)
_COMMENT = re.compile(r"comment|answer|review|reply", re.IGNORECASE)
_STATE_PREFIX = re.compile(r"^(has|with|no|show|hide|is|open|closed)[-_]", re.IGNORECASE)
_FOREIGN_TAGS = frozenset({"aside", "nav"})
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "title", "select", "textarea", "iframe", "form"}
)
_UPDATED = re.compile(
    r"(updated?|modified|aktualisiert|geändert|mis à jour|actualizado|aggiornato|bijgewerkt"
    r"|обновлен\w*|изменен\w*|թարմացվ\w*|yenilən\w*|güncellen\w*)\W{0,3}(on|am|le|el|at)?\W*$",
    re.IGNORECASE,
)
_DATE_MARK = re.compile(
    r"(^|[-_])(date|datum|fecha|datetime|timestamp|pubdate|published|posted|dateline|time|zeit)s?([-_]|$)",
    re.IGNORECASE,
)
_HIDDEN_CLASS = re.compile(r"^(hidden|d-none|hide|is-hidden|visually-hidden)$", re.IGNORECASE)
_URL_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")

# Window around the headline searched for the byline date, in characters of
# visible text. Dates before the headline (kickers, date boxes) count double distance.
_AFTER_HEADLINE = 400
_BEFORE_HEADLINE = 150


def find_dates(tree, url: str, structured: dict | None = None) -> tuple[str | None, str | None]:
    """``(published_raw, modified_raw)`` of the page; ``tree`` is not modified."""
    if tree is None:
        return None, None
    languages = _page_languages(tree)
    ok = _Plausible(languages)
    published, modified = _structured_dates(tree, structured, ok)
    if published is None or modified is None:
        visible_published, visible_modified = _headline_dates(tree, structured, languages, ok)
        published = published or visible_published
        modified = modified or visible_modified
    if published is None:
        published = _url_date(url)
    if published is None:
        published = _date_element(tree, languages, ok)
    if published is None:
        found = find_date(deepcopy(tree), url=url, extensive_search=True, original_date=True)
        published = found if isinstance(found, str) and ok(found) else None
    return published, modified


class _Plausible:
    """Whether a raw string reads as a date between 1990 and tomorrow."""

    def __init__(self, languages: list[str]):
        self.languages = languages
        self.latest = datetime.now(UTC) + timedelta(days=1)

    def __call__(self, raw) -> bool:
        if not isinstance(raw, str) or not raw.strip():
            return False
        value = parse_date_as_written(raw, languages=self.languages)
        return value is not None and value.year >= EARLIEST_YEAR and value <= self.latest


def _page_languages(tree) -> list[str]:
    langs = tree.xpath("/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
    code = langs[0].strip().lower()[:2] if langs and langs[0].strip() else ""
    return [code] if code.isalpha() and len(code) == 2 else ["en"]


# --- structured data --------------------------------------------------------------


def _structured_dates(tree, structured: dict | None, ok: _Plausible) -> tuple[str | None, str | None]:
    published_sources = []
    modified_sources = []
    articles, pages = _json_ld_objects(tree)
    if structured and _types_match(structured, _ARTICLE_TYPE):
        articles.insert(0, structured)
    elif structured:
        pages.insert(0, structured)
    for obj in articles:
        published_sources.append(obj.get("datePublished") or obj.get("dateCreated"))
        modified_sources.append(obj.get("dateModified"))
    published_sources.append(_meta(tree, _PUBLISHED_META))
    modified_sources.append(_meta(tree, _MODIFIED_META))
    published_sources.append(_microdata(tree, "datePublished"))
    modified_sources.append(_microdata(tree, "dateModified"))
    published_sources.append(_hatom(tree, "published"))
    modified_sources.append(_hatom(tree, "updated"))
    for obj in pages:
        published_sources.append(obj.get("datePublished"))
        modified_sources.append(obj.get("dateModified"))
    published = next((v.strip() for v in published_sources if ok(v)), None)
    modified = next((v.strip() for v in modified_sources if ok(v)), None)
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
                stack.extend(inner if isinstance(inner, list) else [inner] if isinstance(inner, dict) else [])
            if _types_match(obj, _ARTICLE_TYPE):
                articles.append(obj)
            elif _types_match(obj, _PAGE_TYPE):
                pages.append(obj)
    return articles, pages


def _meta(tree, names: tuple[str, ...]) -> str | None:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key in names and value and key not in found:
            found[key] = value
    return next((found[name] for name in names if name in found), None)


def _is_foreign(element) -> bool:
    """Whether ``element`` is comments, a sidebar, related links or the like."""
    if element.tag in _FOREIGN_TAGS:
        return True
    if element.tag in ("body", "html"):
        return False
    marks = f"{element.get('class', '')} {element.get('id', '')}".split() + [element.get("itemtype", "")]
    return any(_FOREIGN.search(m) and not _STATE_PREFIX.match(m) for m in marks)


def _is_hidden(element) -> bool:
    """Whether ``element`` is not shown to a reader (``hidden``, ``display:none``, class ``hidden``)."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if "display:none" in element.get("style", "").replace(" ", "").lower():
        return True
    return any(_HIDDEN_CLASS.match(m) for m in element.get("class", "").split())


def _foreign(element) -> bool:
    """Whether ``element`` sits in comments, a sidebar, related links or the like."""
    return any(_is_foreign(ancestor) for ancestor in element.iterancestors())


def _element_date(element) -> str | None:
    for attribute in ("content", "datetime", "title"):
        value = element.get(attribute)
        if value and value.strip():
            return value.strip()
    text = " ".join(element.text_content().split())
    return text if 0 < len(text) <= 80 else None


def _in_comment(element) -> bool:
    """Whether ``element`` belongs to a comment or review rather than to the article."""
    for ancestor in element.iterancestors():
        if ancestor.get("itemscope") is not None:
            return bool(_COMMENT.search(ancestor.get("itemtype", "")))
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".split()
        if any(_COMMENT.search(m) and not _STATE_PREFIX.match(m) for m in marks):
            return True
    return False


def _microdata(tree, prop: str) -> str | None:
    for element in tree.xpath(f'//*[@itemprop="{prop}"]'):
        if element.tag != "meta" and not _in_comment(element):
            value = _element_date(element)
            if value:
                return value
    return None


def _hatom(tree, name: str) -> str | None:
    path = f'//*[contains(concat(" ", normalize-space(@class), " "), " {name} ")]'
    if name == "published":
        path += " | //time[@pubdate]"
    for element in tree.xpath(path):
        if element.tag in ("time", "abbr", "span", "p", "div") and not _foreign(element):
            value = _element_date(element)
            if value:
                return value
    return None


# --- the date next to the headline ------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _headline(tree, structured: dict | None):
    """The heading element that carries the article's title, or None."""
    references = [_norm(t) for t in tree.xpath("//title/text()")]
    references += [_norm(v) for v in tree.xpath('//meta[@property="og:title" or @name="twitter:title"]/@content')]
    if structured and isinstance(structured.get("headline"), str):
        references.append(_norm(structured["headline"]))
    references = [r for r in references if r]
    best, best_length = None, 0
    h1s = [h for h in tree.xpath("//h1") if not _is_logo(h)]
    for heading in h1s + [h for h in tree.xpath("//h2") if not _is_logo(h)]:
        text = _norm(heading.text_content())
        if len(text) < 8 or len(text) <= best_length:
            continue
        if any(text in ref or ref in text for ref in references):
            best, best_length = heading, len(text)
    if best is None and len(h1s) == 1:
        best = h1s[0]
    return best


def _is_logo(heading) -> bool:
    """A heading that links to the site's home page names the site, not the article."""
    for href in heading.xpath(".//a/@href"):
        path = re.sub(r"^[a-z]+://[^/]+", "", href.strip())
        if path in ("", "/"):
            return True
    return False


def _visible_text(root, headline) -> tuple[str, int, int]:
    """Visible text of ``root`` (whitespace collapsed) and the headline's span in it."""
    parts: list[str] = []
    length = 0
    span = [0, 0]

    def add(text: str | None) -> None:
        nonlocal length
        if text:
            words = text.split()
            if words:
                piece = " ".join(words) + " "
                parts.append(piece)
                length += len(piece)

    # Element boundaries separate words ("<span>Feb</span><span>18</span>").
    stack: list = [(root, False)]
    while stack:
        element, closing = stack.pop()
        if closing:
            if element is headline:
                span[1] = length
            add(element.tail)
            continue
        if not isinstance(element.tag, str):  # comments, processing instructions
            add(element.tail)
            continue
        if element.tag in _SKIP_TAGS or (element is not headline and (_is_foreign(element) or _is_hidden(element))):
            add(element.tail)
            continue
        if element is headline:
            span[0] = length
        add(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return "".join(parts), span[0], span[1]


def _headline_dates(tree, structured, languages, ok) -> tuple[str | None, str | None]:
    headline = _headline(tree, structured)
    if headline is None:
        return None, None
    body = tree.find(".//body")
    text, start, end = _visible_text(body if body is not None else tree.getroot(), headline)
    window_start = max(0, start - _BEFORE_HEADLINE)
    window = text[window_start : end + _AFTER_HEADLINE]
    published: tuple[float, str] | None = None
    modified: tuple[float, str] | None = None
    for mention in find_date_mentions(window, languages):
        position = window_start + mention.start
        if position >= end:
            distance = float(position - end)
        elif window_start + mention.end <= start:
            distance = 2.0 * (start - window_start - mention.end)
        else:
            continue  # a date inside the headline is its subject, not its byline
        if not ok(mention.raw) or mention.value.year < EARLIEST_YEAR:
            continue
        lead = window[max(0, mention.start - 40) : mention.start]
        if _UPDATED.search(lead):
            if modified is None or distance < modified[0]:
                modified = (distance, mention.raw)
        elif published is None or distance < published[0]:
            published = (distance, mention.raw)
    return (published[1] if published else None), (modified[1] if modified else None)


def _date_element(tree, languages, ok) -> str | None:
    """The first element marked as a date (``class="date"``, ``id="datum"`` …) that shows one."""
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')}".split()
        if not any(_DATE_MARK.search(m) for m in marks) or _foreign(element):
            continue
        text = _visible_text(element, None)[0].strip()
        if not text or len(text) > 80:
            continue
        for mention in find_date_mentions(text, languages):
            if ok(mention.raw) and mention.value.year >= EARLIEST_YEAR:
                return mention.raw
    return None


def _url_date(url: str) -> str | None:
    path = url.split("?", 1)[0].split("#", 1)[0]
    m = _URL_DATE.search(path)
    if not m:
        return None
    year, _, month, day = m.groups()
    try:
        value = datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        return None
    if value.year < EARLIEST_YEAR or value > datetime.now(UTC) + timedelta(days=1):
        return None
    return f"{year}-{month}-{day}"

