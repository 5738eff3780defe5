"""Headlines without the site name, and bylines without "By".

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
_SEPARATORS = (" | ", " || ", " – ", " — ", " - ", " :: ", " · ", " • ", " « ", " » ", " / ", "|")
_SLUG = re.compile(r"[\W_]+")
# Words a site name carries besides its own (matched after lower-casing).
_SITE_WORDS = re.compile(
    r"\b(?:news|online|com|org|net|am|az|ru|info|media|agency|the|tv|daily|weekly|"
    r"новости|информационное агентство|лурер)\b"
)


def _slug(text: str) -> str:
    return _SLUG.sub("", text.lower())


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
    for host in hosts:
        if slug == host or bare == host:
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
                is_site_name(tail, site_names, hosts) or _slug(head) in heading_slugs
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
    """The first usable candidate (structured headline, og:title, ``<title>``…) without the site name.

    ``headings`` are the page's ``<h1>`` texts: a title that is a heading plus a
    separator and more is cut back to the heading."""
    for candidate in candidates:
        if candidate and candidate.strip():
            title = strip_site_name(candidate, site_names, url, headings)
            if title:
                return title
    for heading in headings:
        if heading and heading.strip():
            return " ".join(heading.split())
    return None


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


# --- bylines ---------------------------------------------------------------------------------------

_BY = re.compile(
    r"^\s*(?:written\s+by|posted\s+by|reported\s+by|words\s+by|by|from|author|authors|"
    r"автор(?:ы)?|текст|հեղինակ|müəllif)\s*[:՝,-]?\s+",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bи\b|\bև\b|\bvə\b|\n)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"https?://|www\.|@|\d|/|\b(?:writer|editor|correspondent|reporter|contributor|columnist|staff|"
    r"photographer|updated|published|корреспондент|редактор|թղթակից|müxbir)\b",
    re.IGNORECASE,
)
MAX_BYLINE_CHARS = 120
"""A longer string is prose (a comment policy, a bio), not a byline."""


def clean_authors(
    values: list[str], site_names: list[str] = (), url: str | None = None
) -> list[str]:
    """Author names from byline strings: "By A and B" -> ["A", "B"]; no URLs, handles, job
    titles or the site's own name (``site_names``, the host of ``url``)."""
    site_slugs = {_slug(s) for s in site_names if s} | set(host_names(url))
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        if not value:
            continue
        value = " ".join(str(value).split())
        if len(value) > MAX_BYLINE_CHARS:
            continue
        value = _BY.sub("", value)
        for part in _SPLIT.split(value):
            part = _BY.sub("", part).strip(" .·|-–—:")
            if not part or _NOT_A_NAME.search(part) or len(part.split()) > 5 or len(part) < 3:
                continue
            slug = _slug(part)
            if not slug or slug in seen or slug in site_slugs:
                continue
            seen.add(slug)
            # "ROBERT BURNS" -> "Robert Burns"; mixed case ("Ed McCain") is left as written.
            names.append(part.title() if part.isupper() else part)
    return names
