"""Headlines without the site name, and which of the page's titles is the headline.

Publishers decorate ``<title>`` and often ``og:title`` with their name
(" | Asbarez", " - Armenpress", " — TASS", "News.am :: …"). A segment is the
site name when it matches a name the page declares (``og:site_name``, the
JSON-LD publisher) or the host name, or when the page's own ``<h1>`` is the
title without it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Spaced separators first: " - " must not split "Nagorno-Karabakh".
_SEPARATORS = (
    " | ", " || ", " – ", " — ", " - ", " :: ", " · ", " • ", " « ", " » ", " ‹ ", " › ",
    " / ", " // ", " ~ ", " : ", ": ", "|",
)  # fmt: skip
# Articles before a site's name: "The Daily Courier" for dailycourier.com.
_ARTICLE_WORDS = re.compile(r"^(?:the|der|die|das|le|la|les|el|il|lo|de|het)\s+", re.IGNORECASE)
# A trailing segment that names only the kind of page: "… | News", "… – Nachrichten".
_GENERIC_TAIL = frozenset(
    "news nachrichten noticias notícias actualités actualite notizie nieuws wiadomości "
    "новости новини haberler xəbərlər լուրեր".split()
)
_SLUG = re.compile(r"[\W_]+")
# A byline appended to a title: "Headline | Site | by Jane Doe", "… – von Lars Meier".
_BYLINE_SEGMENT = re.compile(r"^(?:by|von|par|por|door|przez)\s+[^\W\d_]", re.IGNORECASE)
# Words a site name carries besides its own (matched after lower-casing).
_SITE_WORDS = re.compile(
    r"\b(?:news|online|com|org|net|am|az|ru|info|media|agency|the|tv|daily|weekly|"
    r"новости|информационное агентство|лурер)\b"
)


def _slug(text: str) -> str:
    return _SLUG.sub("", text.lower())


# Names and titles are compared in this form by the byline code too.
slug = _slug


def host_names(url: str | None) -> list[str]:
    """Labels of the URL's host that can name the site: ``armenpress`` for www.armenpress.am."""
    if not url:
        return []
    host = (urlsplit(url).hostname or "").lower()
    labels = [
        label
        for label in host.split(".")
        if label not in ("www", "m", "mobile", "amp", "en", "ru", "hy", "az", "arm")
    ]
    names = []
    if len(labels) >= 2:
        names.append(labels[-2])  # the registered name: armenpress, asbarez, tass
        names.append("".join(labels))  # news.am -> newsam
    return [n for n in names if len(n) >= 3]


def is_site_name(
    segment: str, site_names: list[str], hosts: list[str], *, strict: bool = False
) -> bool:
    """True when ``segment`` (a piece of a title) names the site rather than the story.

    ``strict`` (for a leading segment, where headlines start) wants the host name itself,
    not a segment the host name merely contains."""
    slug = _slug(segment)
    if not slug or len(segment.split()) > 6:
        return False
    bare = _slug(_SITE_WORDS.sub(" ", segment.lower()))
    for name in site_names:
        name_slug = _slug(name)
        name_bare = _slug(_SITE_WORDS.sub(" ", name.lower()))
        if not name_slug:
            continue
        if slug == name_slug or (bare and bare == name_bare):
            return True
        # The short form of a long name: "Asbarez" for "Asbarez Armenian Daily".
        if not strict and len(slug) >= 4 and name_slug.startswith(slug):
            return True
    plain = _slug(_ARTICLE_WORDS.sub("", segment.strip()))
    for host in hosts:
        if host in (slug, bare, plain):
            return True
        # The host's name and a word more at the end: "Daily Courier Online".
        if not strict and len(segment.split()) <= 4 and host in slug and len(host) >= 6:
            if len(host) >= 0.6 * len(slug):
                return True
        # "Asbarez" for asbarez.com at the end; never a leading segment the host merely resembles.
        if not strict and len(bare) >= 4 and bare in host and len(bare) >= 0.6 * len(host):
            return True
    return False


def strip_site_name(
    title: str, site_names: list[str], url: str | None = None, headings: list[str] = ()
) -> str:
    """``title`` without a leading or trailing site-name segment (repeatedly: "A | Section | Site")."""
    title = " ".join(title.split())
    hosts = host_names(url)
    heading_slugs = {_slug(h) for h in headings if h and h.strip()}
    if _slug(title) in heading_slugs:
        # The page's own heading is the whole title, separators included.
        return title
    changed = True
    while changed:
        changed = False
        for sep in _SEPARATORS:
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            first, _, rest = title.partition(sep)
            if head.strip() and (
                is_site_name(tail, site_names, hosts)
                or tail.strip().lower() in _GENERIC_TAIL
                or _slug(head) in heading_slugs
                or (_BYLINE_SEGMENT.match(tail.strip()) and len(tail.split()) <= 6)
            ):
                title, changed = head.strip(), True
                break
            if rest.strip() and (
                is_site_name(first, site_names, hosts, strict=True) or _slug(rest) in heading_slugs
            ):
                title, changed = rest.strip(), True
                break
    return title


def best_title(
    candidates: list[str | None],
    site_names: list[str],
    url: str | None = None,
    headings: list[str] = (),
) -> str | None:
    """The first usable candidate (structured headline, og:title, ``<title>``…) without the
    site name and without a kicker that another candidate leaves out.

    ``headings`` are the page's ``<h1>`` texts: a title that is a heading plus a
    separator and more is cut back to the heading."""
    titles = [strip_site_name(c, site_names, url, headings) for c in candidates if c and c.strip()]
    titles = [t for t in titles if t]
    if titles:
        return without_kicker(untruncated(titles[0], titles[1:]), titles[1:])
    for heading in headings:
        if heading and heading.strip():
            return " ".join(heading.split())
    return None


# What ends a kicker (German "Dachzeile", a quote or a topic set before the headline).
_KICKER_END = re.compile(r"(?:[:|–—]|\s-)\W*$")


def untruncated(title: str, others: list[str]) -> str:
    """``title`` or, when it was cut short ("Sweden tells households how to…"), the page's
    other title that it begins."""
    if not title.endswith(("…", "...")):
        return title
    stem = title.rstrip(".…").rstrip()
    for other in others:
        if len(other) > len(stem) and other.startswith(stem) and not other.endswith(("…", "...")):
            return other
    return title


def without_kicker(title: str, others: list[str]) -> str:
    """``title`` without a leading kicker when another of the page's titles is the rest of it:
    '"Es wird bald beginnen": Trump spricht …' beside og:title 'Trump spricht …'."""
    for other in others:
        if len(other) < len(title) and title.endswith(other) and len(other.split()) >= 3:
            kicker = title[: -len(other)].rstrip()
            if kicker and _KICKER_END.search(kicker) and len(kicker.split()) <= 8:
                return other
    return title


def visible_headline(
    title_tag: str | None, headings: list[str], site_names: list[str], url: str | None
) -> str | None:
    """The ``<h1>`` that ``<title>`` repeats (site name aside): the headline readers see.

    Social titles (``og:title``) are sometimes rewritten for sharing; the page's own
    heading, confirmed by ``<title>``, is the one printed above the article."""
    if not title_tag:
        return None
    full = _slug(title_tag)
    stripped = _slug(strip_site_name(title_tag, site_names, url))
    for heading in headings:
        slug = _slug(heading)
        if slug and (slug == full or slug == stripped):
            return " ".join(heading.split())
    return None
