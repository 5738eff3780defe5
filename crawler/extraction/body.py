"""The article body: trafilatura's text, cleaned of page furniture.

By default one run in ``favor_precision`` mode. With ``recall_run`` a second,
balanced run finds blocks precision mode dropped (+0.001 F1 on the dev set
for about 50% more extraction time, so it is off by default). A block only
the balanced run found is taken when it sits *between* blocks both runs
agree on (a heading or a paragraph inside the article), never before the
first or after the last (where standfirsts, related links and author notes
live). On the dev set this takes 13 true blocks for 2 false ones that the
link-density check then removes.

Then page furniture the extractors let through is removed: a repeated
headline at the top, share / follow / subscribe lines, newsletter boxes,
comment forms, related-story lists, promo lines. The rules are written for
any news site in the four languages newsmon reads, never for one site.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.xml import xmltotxt

_TOKEN = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    """The lower-cased ``\\w+`` tokens of ``text``."""
    return _TOKEN.findall(text.lower())


def text_key(text: str | None) -> str:
    """Lower-cased ``\\w+`` tokens joined by single spaces (None: ""): how paragraphs,
    headlines and standfirsts are compared."""
    return " ".join(_tokens(text or ""))


@dataclass
class Block:
    """One top-level element of an extracted body: a paragraph, heading, list, quote or table."""

    text: str
    """Plain text; list items and table rows on their own lines."""
    tag: str
    """trafilatura's element name: ``p``, ``head``, ``list``, ``quote``, ``table``…"""
    link_share: float
    """Share of the text's characters that sit inside links (0..1)."""

    # Cached: the furniture rules and the run merge ask for these several times a block.
    @cached_property
    def key(self) -> str:
        """Lower-cased word tokens: how blocks of two runs are matched."""
        return text_key(self.text)

    @cached_property
    def words(self) -> int:
        """Number of ``\\w+`` tokens."""
        return len(_TOKEN.findall(self.text))


def extract_blocks(tree, *, recall_run: bool = False) -> list[Block]:
    """The body blocks of a parsed page, from one trafilatura run, or two with ``recall_run``.

    Both runs skip trafilatura's comparison with readability and jusText (its
    ``fast`` mode, a third of the time; no difference on the dev set) unless the
    precise run comes back nearly empty: then the balanced run is the full
    cascade, and its text replaces the precise one when it found much more."""
    precise = run_trafilatura(tree, precision=True, fast=True)
    precise_chars = sum(len(b.text) for b in precise)
    weak = precise_chars < WEAK_CHARS
    if not weak and not recall_run:
        return precise
    balanced = run_trafilatura(tree, precision=False, fast=not weak)
    if weak and sum(len(b.text) for b in balanced) > RESCUE_RATIO * precise_chars:
        return balanced
    return merge_runs(precise, balanced)


WEAK_CHARS = 500
"""A precise run shorter than this (characters) may have missed the article."""
RESCUE_RATIO = 2.0
"""How much more text the full balanced run must find to replace a weak precise run."""


def run_trafilatura(tree, *, precision: bool, fast: bool = False) -> list[Block]:
    """Blocks of one trafilatura run; ``tree`` is not modified (trafilatura copies it).

    No URL is given: it would only resolve link targets, which are not kept."""
    document = trafilatura.bare_extraction(
        tree,
        fast=fast,
        favor_precision=precision,
        include_comments=False,
        include_tables=True,
        include_links=True,
        with_metadata=False,
    )
    if document is None or document.body is None:
        return []
    return to_blocks(document.body)


def to_blocks(body: etree._Element) -> list[Block]:
    """Split trafilatura's body element into plain-text blocks (the element is modified)."""
    blocks = []
    for child in body:
        if not isinstance(child.tag, str):
            continue
        link_chars = sum(len("".join(ref.itertext()).strip()) for ref in child.iter("ref"))
        # Links are kept in the run only to measure link density; text is rendered without them.
        etree.strip_tags(child, "ref")
        text = xmltotxt(child, False).strip()
        if not text:
            continue
        chars = len("".join(text.split()))
        blocks.append(Block(text, child.tag, min(1.0, link_chars / chars) if chars else 0.0))
    return blocks


def merge_runs(
    precise: list[Block], balanced: list[Block], *, max_link_share: float = 0.5
) -> list[Block]:
    """``precise`` plus the blocks of ``balanced`` that lie between two blocks both runs share."""
    if not precise:
        return list(balanced)
    keys = {block.key for block in precise}
    shared = [i for i, block in enumerate(balanced) if block.key in keys]
    if len(shared) < 2:
        return list(precise)
    extra: dict[str, list[Block]] = {}
    for a, b in zip(shared, shared[1:], strict=False):
        gap = [
            block
            for block in balanced[a + 1 : b]
            if block.key and block.key not in keys and block.link_share <= max_link_share
        ]
        if gap:
            extra.setdefault(balanced[a].key, []).extend(gap)
    if not extra:
        return list(precise)
    merged: list[Block] = []
    for block in precise:
        merged.append(block)
        merged.extend(extra.pop(block.key, ()))
    return merged


def render(blocks: list[Block]) -> str | None:
    """Blocks as plain text: one paragraph per line of text, separated by one blank line."""
    paragraphs = []
    for block in blocks:
        for line in block.text.split("\n"):
            line = " ".join(line.split())
            if line:
                paragraphs.append(line)
    return "\n\n".join(paragraphs) or None


def shingles(text: str, size: int = 4) -> Counter:
    """Multiset of ``size``-token shingles of ``\\w+`` tokens (the dev set's scoring unit)."""
    return _shingles(_tokens(text), size)


def _shingles(tokens: list[str], size: int = 4) -> Counter:
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


# --- the publisher's articleBody --------------------------------------------------------------

_TRUNCATED = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|&hellip;?)\s*$")
_BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "tr",
    "br",
}


def structured_paragraphs(value: str | list | None) -> list[str]:
    """JSON-LD ``articleBody`` as paragraphs; ``[]`` when absent or visibly truncated.

    Publishers write it as plain text with newlines, as one run of text, or as HTML."""
    if isinstance(value, list):
        value = "\n\n".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str) or not value.strip():
        return []
    text = value.strip()
    if _TRUNCATED.search(text):
        return []
    if re.search(r"</?(?:p|div|br|h\d|li|blockquote)\b", text, re.IGNORECASE):
        text = _html_to_text(text)
    # Some CMSs escape twice ("&amp;quot;").
    text = html.unescape(html.unescape(text))
    return [" ".join(line.split()) for line in re.split(r"\n+", text) if line.strip()]


def _html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    for element in root.iter("script", "style"):
        element.text = ""
    return root.text_content()


def reconcile(blocks: list[Block], published: list[Block]) -> list[Block]:
    """Check extracted ``blocks`` against the publisher's complete ``articleBody`` paragraphs.

    * Same article, extraction misses part of it: the publisher's text wins.
    * Same article, extraction covers it: blocks with no text in it are page furniture.
    * Extraction far shorter than articleBody: extraction failed, articleBody wins.
    * Otherwise (articleBody is something else, a summary, another story): blocks stay.
    """
    if not published:
        return blocks
    ld_tokens = _tokens("\n".join(b.text for b in published))
    ld = _shingles(ld_tokens)
    ld_size = sum(ld.values())
    if ld_size < MIN_STRUCTURED_SHINGLES:
        return blocks
    ours = shingles("\n".join(b.text for b in blocks))
    ours_size = sum(ours.values())
    if ours_size < 0.5 * ld_size:
        return published
    common = sum((ours & ld).values())
    if common < 0.8 * ours_size:
        return blocks
    # A one-paragraph articleBody loses the page's paragraphs: it must bring more to win.
    wanted = STRUCTURED_COVERAGE if len(published) > 1 else STRUCTURED_COVERAGE_ONE_PARAGRAPH
    if _missing_share(ld_tokens, ours) > 1 - wanted:
        return published
    ld_key = " ".join(ld_tokens)  # text_key of the publisher's text
    kept = []
    for block in blocks:
        if block.words >= 4:
            own = shingles(block.text)
            size = sum(own.values())
            if size and sum((own & ld).values()) < 0.2 * size:
                continue
        elif block.tag != "head" and block.key not in ld_key:
            continue
        kept.append(block)
    return kept or blocks


def missing_share(text: str, found: Counter, size: int = 4) -> float:
    """Share of ``text``'s shingles absent from the multiset ``found``, counting only runs
    of at least ``size`` missing shingles.

    Shorter runs are where paragraphs meet (the page adds a heading, splits or joins
    paragraphs differently): not missing text. A passage the text holds twice and the
    page once is missing once."""
    return _missing_share(_tokens(text), found, size)


def _missing_share(tokens: list[str], found: Counter, size: int = 4) -> float:
    """:func:`missing_share` of text already split into lower-cased tokens."""
    total = len(tokens) - size + 1
    if total <= 0:
        return 0.0
    available = Counter(found)
    missing = run = 0
    for i in range(total):
        shingle = tuple(tokens[i : i + size])
        if available[shingle] > 0:
            available[shingle] -= 1
            missing += run if run >= size else 0
            run = 0
        else:
            run += 1
    missing += run if run >= size else 0
    return missing / total


MIN_STRUCTURED_SHINGLES = 40
"""An articleBody shorter than this (in 4-token shingles) is a teaser, not the article."""
STRUCTURED_COVERAGE = 0.98
"""Share of a multi-paragraph articleBody the extraction must hold for its blocks to stay."""
STRUCTURED_COVERAGE_ONE_PARAGRAPH = 0.9
