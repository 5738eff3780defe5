"""Who a page credits for an article, from its structured data and its visible text.

Evidence in order of strength: people the publisher declares (JSON-LD ``author``,
author meta tags); a byline printed by the headline ("Von Lars Meier", "By Jane
Doe") or marked as one (``class="byline"``, ``itemprop="author"``); a signature
closing the article (``<p><em>Jane Doe</em></p>`` after the last paragraph);
``rel="author"`` links, which often name a CMS account; and last a desk, agency
or the outlet itself when the publisher declares it as the author and credits no
one else ("Redaktion hessenschau.de", "Guardian staff reporter").
"""

from __future__ import annotations

from lxml import etree

from crawler.extraction.authors import (
    caseless,
    clean_authors,
    clean_name,
    desk_credit,
    looks_like_name,
)
from crawler.extraction.bylines import headline_element, visible_text
from crawler.extraction.structured import CLASS_TOKEN, Structured, text_value

AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "citation_author",
    "twitter:misc:written by",  # Yoast's "Written by" label, often the only readable name
)
_MARKED_BYLINES = etree.XPath(
    '//@itemprop[.="author"]/..//*[@itemprop="name"]'
    ' | //@itemprop[.="author"]/parent::*[not(.//*[@itemprop="name"])]'
    f" | {CLASS_TOKEN.format('byline')} | {CLASS_TOKEN.format('author-name')}"
    f" | {CLASS_TOKEN.format('article-byline')} | {CLASS_TOKEN.format('article-author')}"
)
_AUTHOR_LINKS = etree.XPath('//@rel[.="author"]/parent::a')
_ORGANISATIONS = {"organization", "newsmediaorganization", "newsagency", "corporation"}
# Leads of a byline printed under the headline, and how much visible text after the
# headline is searched for one (characters).
_LEADS = frozenset(
    "by von par por door av af di".split() + ["text:", "texte:", "autor:", "autorin:", "автор:"]
)
_AFTER_HEADLINE = 300
_EMPHASIS = frozenset({"em", "i", "strong", "b"})
_SIGNATURE_CHARS = 40
_PARAGRAPH_CHARS = 100


def declared_credits(found: Structured) -> tuple[list[str], list[str]]:
    """``(people, organisations)`` named as the JSON-LD article's author (or creator)."""
    value = found.resolve(found.article.get("author")) or found.resolve(
        found.article.get("creator")
    )
    people: list[str] = []
    organisations: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        item = found.resolve(item)
        if isinstance(item, dict):
            name = text_value(item.get("name"))
            if not name:
                # schema.org allows a Person with only its parts.
                parts = [text_value(item.get(k)) for k in ("givenName", "familyName")]
                name = " ".join(p for p in parts if p) or None
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            kinds = {str(t).lower().rsplit("/", 1)[-1] for t in types if t}
            if name:
                (organisations if kinds & _ORGANISATIONS else people).append(name)
        else:
            name = text_value(item)
            if name:
                people.append(name)
    return people, organisations


def headline_bylines(tree, structured: dict | None) -> list[str]:
    """Bylines printed just below (or above) the headline: "Von Lars Meier und Jana Roth"."""
    headline = headline_element(tree, structured)
    if headline is None:
        return []
    body = tree.find(".//body")
    text, start, end = visible_text(
        body if body is not None else tree.getroottree().getroot(), headline
    )
    words = text[end : end + _AFTER_HEADLINE].split()
    found: list[str] = []
    for i, word in enumerate(words):
        if word.lower() not in _LEADS or (word[0].islower() and word != "di"):
            continue
        taken = []
        for token in words[i + 1 : i + 14]:
            bare = token.rstrip(",")
            if not (bare[:1].isupper() or bare.lower() in _JOINING or caseless(bare)):
                break
            taken.append(token)
            if token.endswith((".", "|")):
                break
        while taken and taken[-1].rstrip(",").lower() in _JOINING:
            taken.pop()
        if taken:
            found.append(" ".join(taken))
    return found


_JOINING = frozenset(
    "and und et og och y e i a en ve и և və & von van der de la le da di dos".split()
)


def signature(tree) -> str | None:
    """A name set alone under the article's last paragraph: ``<p><em>Jane Doe</em></p>`` or a
    right-aligned paragraph, followed by no more article text."""
    for paragraph in tree.iter("p"):
        text = " ".join(paragraph.text_content().split())
        if not text or len(text) > _SIGNATURE_CHARS or not looks_like_name(text):
            continue
        if not (_emphasised(paragraph) or _right_aligned(paragraph)):
            continue
        before = paragraph.getprevious()
        if (
            before is None
            or before.tag != "p"
            or len(before.text_content().strip()) < _PARAGRAPH_CHARS
        ):
            continue
        if any(_plain_paragraph(p) for p in paragraph.itersiblings()):
            continue
        return text
    return None


def _emphasised(paragraph) -> bool:
    """All of the paragraph's text sits in one ``<em>`` / ``<strong>``."""
    children = list(paragraph)
    return (
        len(children) == 1
        and children[0].tag in _EMPHASIS
        and not (paragraph.text or "").strip()
        and not (children[0].tail or "").strip()
    )


def _right_aligned(paragraph) -> bool:
    style = (paragraph.get("style") or "").replace(" ", "").lower()
    return "text-align:right" in style or paragraph.get("align") == "right"


def _plain_paragraph(element) -> bool:
    """Article text after a would-be signature: a long paragraph not wholly emphasised."""
    return (
        element.tag == "p"
        and len(element.text_content().strip()) >= _PARAGRAPH_CHARS
        and not _emphasised(element)
    )


def element_texts(elements) -> list[str]:
    """Each element's text with whitespace collapsed (strings as they are), empty ones left out."""
    out = []
    for element in elements:
        text = (
            " ".join("".join(element.itertext()).split())
            if hasattr(element, "itertext")
            else str(element)
        )
        if text:
            out.append(text)
    return out


def page_authors(tree, found: Structured, site_names: list[str], url: str) -> list[str]:
    """The people (or agencies, or desk) the page credits for the article, strongest evidence first."""
    people, organisations = declared_credits(found)
    clean = lambda values: clean_authors(values, site_names, url)  # noqa: E731
    for source in (
        lambda: people,
        lambda: found.all(*AUTHOR_META),
        lambda: element_texts(_MARKED_BYLINES(tree))[:5],
        lambda: headline_bylines(tree, found.article or found.page or None),
        lambda: [s] if (s := signature(tree)) else [],
        lambda: element_texts(_AUTHOR_LINKS(tree))[:5],
        lambda: organisations,
    ):
        authors = clean(source())
        if authors:
            return authors
    # Nothing reads as a person or an agency: the desk or outlet the publisher declares
    # as the author. A "Person" named like the site is a CMS account, not a credit.
    desks = [v for v in people if clean_name(v)[0] is None] + organisations
    for value in desks:
        if desk := desk_credit(value):
            return [desk]
    return []
