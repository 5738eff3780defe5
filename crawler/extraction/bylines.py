"""Dates as a reader sees them: next to the headline, or in an element marked as a date.

The page's visible text is walked in document order with element boundaries as
word breaks (``<span>Feb</span><span>18</span>`` reads "Feb 18"), leaving out
what a reader does not see (scripts, hidden elements) and what belongs to
something else than the article (comments, sidebars, related links, widgets).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import NamedTuple

from crawler.dates import find_date_mentions

Plausible = Callable[[str], bool]
"""Whether a raw date string reads as a plausible publication day."""

# Containers whose dates belong to something else than the article (by class or
# id word); "has-sidebar", "no-comments" and the like describe the page instead.
# Page footers stay: an article's <footer> often holds its byline.
_FOREIGN = re.compile(
    r"comment|respon[sd]|reply|sidebar|related|teaser|widget|recommend", re.IGNORECASE
)
_COMMENT = re.compile(r"comment|answer|review|reply", re.IGNORECASE)
_STATE_PREFIX = re.compile(r"^(has|with|no|show|hide|is|open|closed)[-_]", re.IGNORECASE)
_FOREIGN_TAGS = frozenset({"aside", "nav"})
_SKIP_TAGS = frozenset(
    "script style noscript template svg head title select textarea iframe form".split()
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
# Window around the headline searched for the byline date, in characters of
# visible text. Dates before the headline (kickers, date boxes) count double distance.
_AFTER_HEADLINE = 400
_BEFORE_HEADLINE = 150
# A date with this many words around it in its block is one the article talks
# about ("the statement of 9 November 2020"), not the one it was published on;
# a byline line has a few ("By Jane Doe | Published 12 January 2023, 14:05").
_PROSE_WORDS = 12
_WORD = re.compile(r"[^\W\d_]{2,}")
_INLINE_TAGS = frozenset("a abbr b bdi cite em font i mark q s small strong sub sup u".split())


def _is_foreign(element) -> bool:
    """Whether ``element`` is comments, a sidebar, related links or the like."""
    if element.tag in _FOREIGN_TAGS:
        return True
    if element.tag in ("body", "html"):
        return False
    marks = f"{element.get('class', '')} {element.get('id', '')}".split() + [
        element.get("itemtype", "")
    ]
    return any(_FOREIGN.search(m) and not _STATE_PREFIX.match(m) for m in marks)


def _is_hidden(element) -> bool:
    """Whether ``element`` is not shown to a reader (``hidden``, ``display:none``, class ``hidden``)."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if "display:none" in element.get("style", "").replace(" ", "").lower():
        return True
    return any(_HIDDEN_CLASS.match(m) for m in element.get("class", "").split())


def inside_foreign(element) -> bool:
    """Whether ``element`` sits in comments, a sidebar, related links or the like."""
    return any(_is_foreign(ancestor) for ancestor in element.iterancestors())


def in_comment(element) -> bool:
    """Whether ``element`` belongs to a comment or review rather than to the article."""
    for ancestor in element.iterancestors():
        if ancestor.get("itemscope") is not None:
            return bool(_COMMENT.search(ancestor.get("itemtype", "")))
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".split()
        if any(_COMMENT.search(m) and not _STATE_PREFIX.match(m) for m in marks):
            return True
    return False


# --- the date next to the headline ------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def headline_element(tree, structured: dict | None):
    """The heading element that carries the article's title, or None."""
    references = [_norm(t) for t in tree.xpath("//title/text()")]
    references += [
        _norm(v)
        for v in tree.xpath('//meta[@property="og:title" or @name="twitter:title"]/@content')
    ]
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


def visible_text(
    root,
    headline,
    breaks: list[int] | None = None,
    stamps: list[tuple[int, int, str]] | None = None,
) -> tuple[str, int, int]:
    """Visible text of ``root`` (whitespace collapsed) and the headline's span in it.

    ``breaks``, when given, receives the offsets where a block (any element but
    inline ones like ``<a>``, ``<em>``) opens or closes, in increasing order;
    ``stamps`` the span and ``datetime`` of every visible ``<time datetime>``."""
    opened: list[int] = []
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
            if stamps is not None and element.tag == "time" and element.get("datetime"):
                stamps.append((opened.pop(), length, element.get("datetime").strip()))
            if breaks is not None and element.tag not in _INLINE_TAGS:
                breaks.append(length)
            if element is not root:
                add(element.tail)
            continue
        if not isinstance(element.tag, str):  # comments, processing instructions
            add(element.tail)
            continue
        if element.tag in _SKIP_TAGS or (
            element is not headline and (_is_foreign(element) or _is_hidden(element))
        ):
            add(element.tail)
            continue
        if element is headline:
            span[0] = length
        if breaks is not None and element.tag not in _INLINE_TAGS:
            breaks.append(length)
        if stamps is not None and element.tag == "time" and element.get("datetime"):
            opened.append(length)
        add(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return "".join(parts), span[0], span[1]


class Byline(NamedTuple):
    """Dates printed near the headline, raw."""

    dateline: str | None
    """The publication date nearest the headline outside running prose."""
    in_text: str | None
    """The nearest date inside a paragraph of prose ("the statement of 9 November 2020")."""
    modified: str | None
    """The nearest date introduced by "updated" / "обновлено" / …"""
    dateline_kind: str = "dateline"
    """``time`` when the dateline is a ``<time datetime>`` element's value, else ``dateline``."""


def _in_prose(text: str, start: int, end: int, breaks: list[int]) -> bool:
    """Whether ``text[start:end]`` sits in a run of prose, not in a byline line: the block
    text around it (up to the nearest block boundaries) has many words besides it."""
    before = bisect_right(breaks, start)
    block_start = breaks[before - 1] if before else 0
    after = bisect_left(breaks, end)
    block_end = breaks[after] if after < len(breaks) else len(text)
    words = _WORD.findall(text[block_start:start]) + _WORD.findall(text[end:block_end])
    # A sentence runs on lower-case words ("vanished in the early hours of Sunday, …");
    # a byline line is names and labels ("By John-Paul Clark, Senior Reporter").
    flowing = sum(word.islower() for word in words)
    return len(words) >= _PROSE_WORDS or (len(words) >= 7 and flowing >= 5)


def headline_dates(tree, structured: dict | None, languages: list[str], ok: Plausible) -> Byline:
    """Dates printed nearest the headline; "updated …" ones are modifications.

    A ``<time datetime>`` element is read by its machine value ("vor 2 Stunden",
    "12 Jan" show no year), which also wins over the text it shows."""
    headline = headline_element(tree, structured)
    if headline is None:
        return Byline(None, None, None)
    body = tree.find(".//body")
    breaks: list[int] = []
    stamps: list[tuple[int, int, str]] = []
    text, start, end = visible_text(
        body if body is not None else tree.getroot(), headline, breaks, stamps
    )
    window_start = max(0, start - _BEFORE_HEADLINE)
    window_end = end + _AFTER_HEADLINE
    found = [
        (window_start + m.start, window_start + m.end, m.raw, False)
        for m in find_date_mentions(text[window_start:window_end], languages)
    ]
    found += [(a, b, raw, True) for a, b, raw in stamps if window_start <= a < window_end]
    nearest: dict[str, tuple[float, str, bool]] = {}
    for position, stop, raw, stamp in found:
        if position >= end:
            distance = float(position - end)
        elif stop <= start:
            distance = 2.0 * (start - stop)
        else:
            continue  # a date inside the headline is its subject, not its byline
        if not ok(raw):
            continue
        if _UPDATED.search(text[max(0, position - 40) : position]):
            kind = "modified"
        elif _in_prose(text, position, stop, breaks):
            kind = "in_text"
        else:
            kind = "dateline"
        # At equal distance (the text a <time> shows), its machine value wins.
        best = nearest.get(kind)
        if best is None or (distance, not stamp) < (best[0], not best[2]):
            nearest[kind] = (distance, raw, stamp)
    dateline = nearest.get("dateline")
    return Byline(
        dateline[1] if dateline else None,
        nearest["in_text"][1] if "in_text" in nearest else None,
        nearest["modified"][1] if "modified" in nearest else None,
        "time" if dateline and dateline[2] else "dateline",
    )


def date_element(tree, languages: list[str], ok: Plausible) -> str | None:
    """The first element marked as a date (``class="date"``, ``id="datum"`` …) that shows one."""
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')}".split()
        if not any(_DATE_MARK.search(m) for m in marks) or inside_foreign(element):
            continue
        text = visible_text(element, None)[0].strip()
        if not text or len(text) > 80:
            continue
        for mention in find_date_mentions(text, languages):
            if ok(mention.raw):
                return mention.raw
    return None
