"""``extract_article``: one page's HTML to an :class:`Article`.

The page is parsed once and every step reads that one tree without changing
it: the structured data (JSON-LD, meta, links) first, then the body from two
trafilatura runs (trafilatura copies the tree before cleaning it), merged and
cleaned of page furniture, and checked against the publisher's
``articleBody`` when that is complete. Dates come from
:func:`crawler.extraction.dates.find_dates`, which gets the JSON-LD article
object found here.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawler.extraction import furniture
from crawler.extraction.article import Article
from crawler.extraction.authors import clean_authors
from crawler.extraction.body import Block, extract_blocks, reconcile, render, structured_paragraphs
from crawler.extraction.credits import element_texts, page_authors
from crawler.extraction.dates import find_dates
from crawler.extraction.language import detect_language
from crawler.extraction.structured import (
    Structured,
    image_url,
    read_structured,
    text_value,
    text_values,
)
from crawler.extraction.titles import best_title, visible_headline

MAX_TAGS = 30
MAX_SIGNATURE = 80
"""Longest closing paragraph read as a byline to leave out of the body (characters)."""


def parse_html(html: str | bytes) -> etree._Element | None:
    """The page as an lxml tree (bytes are decoded by their declared or detected charset)."""
    if not html.strip():
        return None
    tree = _parse_plain(html)
    return tree if tree is not None else trafilatura.load_html(html)


# The parser of trafilatura.load_html, with one difference: every element is an
# HtmlElement (lxml.html gives <form>, <input>… their own subclasses through a Python
# callback run for each element object created, about 0.6 ms a page across the
# extraction; nothing here or in trafilatura and htmldate uses those subclasses).
_PARSER = lxml_html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)
# Characters trafilatura.load_html deletes before parsing (XML forbids them): C0 controls
# but tab, LF and CR, and U+FFFE / U+FFFF.
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_NONCHARACTERS = ("\ufffe", "\uffff")
_SLASHED_DOCTYPE = re.compile(r"^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)


def _parse_plain(html: str | bytes) -> etree._Element | None:
    """The tree ``trafilatura.load_html`` would build, for a UTF-8 page that needs none
    of its repairs; None when it might need one (the caller then uses load_html).

    load_html deletes forbidden characters with a regular expression over the whole
    page and parses the text: about 0.6 ms of its 1.5 ms on a 180 KiB page go to that
    search and to lxml re-encoding the text. Checking the UTF-8 bytes and parsing them
    gives the same tree."""
    if isinstance(html, str):
        try:
            data = html.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            return None
        text = html
    else:
        # Compressed bodies and byte order marks are load_html's to handle.
        if not html.lstrip()[:1] == b"<":
            return None
        try:
            text = html.decode("utf-8")
        except UnicodeDecodeError:
            return None
        data = html
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) or any(
        bad in text for bad in _NONCHARACTERS
    ):
        return None
    beginning = text[:50].lower()
    if "html" not in beginning:
        return None  # load_html's check of doubtful documents
    if "doctype" in beginning and _SLASHED_DOCTYPE.match(text.partition("\n")[0]):
        return None
    if any("<html" in line and line.endswith("/>") for line in text[:4096].splitlines()[:4]):
        return None
    try:
        tree = lxml_html.fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree if tree is not None and len(tree) >= 1 else None


def extract_article(
    html: str | bytes, url: str, *, language_hint: str | None = None, recall_run: bool = False
) -> Article:
    """What the page at ``url`` says: headline, body, authors, dates, language and extras.

    ``language_hint`` is the source's language, used only when the text cannot tell.
    ``recall_run`` adds a second, balanced trafilatura run (slower, see ``body``).
    A page that cannot be parsed gives an Article with only ``url`` set."""
    article = Article(url=url)
    tree = parse_html(html)
    if tree is None:
        return article
    found = read_structured(tree, url)
    ld = found.article
    # The whole document, as "//h1" would read it, but without XPath's node-set building.
    root = tree.getroottree().getroot()
    headings = element_texts(root.iter("h1"))
    title_tag = _first(element_texts(root.iter("title")))
    site_names = _site_names(found)
    # The publisher's own headline first, then the social one: where <h1> and <title>
    # disagree with them, the checked headlines of fields-dev's tuning half side with
    # the publisher's declarations; the visible <h1> decides only when none exists.
    titles = [
        text_value(ld.get("headline")),
        found.first("og:title"),
        found.first("twitter:title"),
        visible_headline(title_tag, headings, site_names, url),
        text_value(found.page.get("headline") or found.page.get("name")),
        title_tag,
    ]
    article.title = best_title(titles, site_names, url, headings)
    article.description = (
        text_value(ld.get("description"))
        or found.first("og:description", "description", "twitter:description")
        or None
    )
    echoes = [t for t in [article.title, *titles, *headings] if t]
    article.body = _body(tree, found, echoes, article.description, recall_run)
    article.published_raw, article.modified_raw = find_dates(
        tree, url, found.article or found.page or None
    )
    article.authors = page_authors(tree, found, site_names, url)
    article.body = _without_signature(article.body, article.authors)
    article.language = detect_language(
        article.body or article.title,
        [
            text_value(ld.get("inLanguage")),
            found.html_lang,
            found.first("og:locale", "content-language"),
            language_hint,
        ],
    )
    article.canonical_url = _absolute(
        url,
        _first(found.links.get("canonical", []))
        or found.first("og:url")
        or text_value(ld.get("url"))
        or _node_id(ld.get("mainEntityOfPage")),
    )
    article.section = (
        text_value(ld.get("articleSection"))
        or found.first("article:section", "parsely-section", "section")
        or None
    )
    article.tags = _tags(found)
    article.image = _absolute(
        url,
        found.first("og:image", "og:image:url", "og:image:secure_url")
        or image_url(ld.get("image"))
        or found.first("twitter:image"),
    )
    return article


def _body(
    tree, found: Structured, titles: list[str], description: str | None, recall_run: bool = False
) -> str | None:
    blocks = extract_blocks(tree, recall_run=recall_run)
    standfirsts = [description] if description else []
    blocks = furniture.remove_furniture(blocks, titles, standfirsts)
    published = [
        Block(text, "p", 0.0) for text in structured_paragraphs(found.article.get("articleBody"))
    ]
    if published:
        published = furniture.remove_furniture(published, titles, standfirsts)
        blocks = reconcile(blocks, published)
    return render(blocks)


def _without_signature(body: str | None, authors: list[str]) -> str | None:
    """``body`` without a closing paragraph that is only the byline ("Jane Doe", "By Jane Doe")."""
    if not body or not authors:
        return body
    paragraphs = body.split("\n\n")
    credited = {a.casefold() for a in authors}
    for i in range(len(paragraphs) - 1, max(-1, len(paragraphs) - 4), -1):
        names = clean_authors([paragraphs[i]]) if len(paragraphs[i]) <= MAX_SIGNATURE else []
        if names and {n.casefold() for n in names} <= credited:
            del paragraphs[i]
            return "\n\n".join(paragraphs)
    return body


def _site_names(found: Structured) -> list[str]:
    names = found.all(
        "og:site_name", "application-name", "twitter:site", "al:ios:app_name", "publisher"
    )
    names += found.organisations
    publisher = found.resolve(found.article.get("publisher"))
    if publisher:
        names += text_values(publisher)
    return [n.lstrip("@") for n in dict.fromkeys(names) if n]


def _tags(found: Structured) -> list[str]:
    values = found.all("article:tag")
    keywords = found.article.get("keywords")
    if isinstance(keywords, str):
        values += keywords.split(",")
    else:
        values += text_values(keywords)
    if not values:
        for raw in found.all("news_keywords", "keywords"):
            values += raw.split(",")
    tags: dict[str, str] = {}
    for value in values:
        tag = " ".join(str(value).split()).strip(" ;")
        if tag and len(tag) <= 80:
            tags.setdefault(tag.lower(), tag)
    return list(tags.values())[:MAX_TAGS]


def _node_id(value) -> str | None:
    """``mainEntityOfPage`` as a URL: a string, or an object's ``@id`` / ``url``."""
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None
