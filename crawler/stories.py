"""The near-duplicate index: copies of one text share a ``story_id``.

A story is one text and its copies: wire copy carried by several outlets, a
republication with another dateline, an appended "Source: …" line, other
boilerplate, light edits, or a shortened version. Two outlets' own reports of
the same event are two stories, and so are two days of a formulaic report
(a price list, a daily bulletin) whose figures differ.

Texts are compared without furniture: a paragraph already found in articles
of ``COMMON_STORIES`` different stories, or on two unrelated pages of the
same site (a promo line, a "most read" or "related" list that extraction let
through, a standard disclaimer) says nothing about the story and is left out.

The index lives in the store and is queried per article, so it survives
restarts and its cost does not grow with the database:

- ``story_bands``: one row per LSH band of each article's text
  (:mod:`crawler.fingerprint`); the bands of a new text are looked up, newest
  articles first, at most ``PER_BAND`` per band, and the ``MAX_VERIFY``
  candidates sharing most bands (at least ``MIN_BANDS``) are compared exactly
  with their stored body (:func:`is_copy`);
- ``story_paragraphs``: one row per paragraph of each article, read (the
  latest ``COMMON_SAMPLE`` rows of a paragraph) to tell furniture from text.

The new article joins the oldest story among its matches; when it matches
several, they are one story and are merged into the oldest (copies that
arrived before the text linking them).

A new article that copies no stored text may be the same report in another
language: :class:`TranslationIndex` finds it by what survives translation
(:mod:`crawler.translations`) through ``translation_keys``, and the article
joins that story; ``story_links`` records the link and its evidence.

This module never imports Scrapy.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.fingerprint import (
    BodyPrint,
    Paragraph,
    Sketch,
    changed_figures,
    containment,
    jaccard,
    paragraph_records,
    paragraphs,
    sketch_paragraphs,
)
from crawler.translations import (
    MIN_SHARED_WEAK,
    Decision,
    Signature,
    decide,
    decode,
    hours_between,
)

if TYPE_CHECKING:
    from crawler.store import WriteTransaction

logger = logging.getLogger(__name__)

PER_BAND = 12
"""Newest articles read per band."""
MAX_VERIFY = 6
"""Candidates compared exactly per article."""
MIN_BANDS = 2
"""Bands a candidate must share. One shared band is most often one common
phrase (each band is the minimum of one hash over all shingles); a copy
sharing a fifth of its shingles shares two or more of the 20 bands with
probability 0.93, a third of them 0.997."""
MIN_CONTAINMENT = 0.6
"""Share of the shorter text's prose shingles that must appear in the longer one."""
MIN_SHARED = 12
"""Shingles the two texts must share (a sentence or two), so that short texts
sharing one stock phrase are not taken for copies."""
MIN_LEAD = 0.5
"""Share of the shorter text's lead (its first words) found in the longer
one's prose. A copy starts with the story; leaked furniture two pages share
does not, and a teaser of the story in a list of headlines is not a copy."""
SAME_SOURCE_JACCARD = 0.8
"""Two articles of one source join one story only when nearly all their text
is shared: what two pages of one site have in common is more often the site's
own furniture than one story."""
COMMON_STORIES = 3
"""A paragraph found in articles of this many different stories is furniture.
Two would also catch a story's own paragraphs after one missed merge."""
SOURCE_STORIES = 2
"""A paragraph found on a source's pages of this many different stories is
that site's furniture."""
COMMON_SAMPLE = 8
"""Latest articles read per paragraph to count its stories."""
SKETCH_CACHE = 2000
"""Stored articles whose sketches a crawl keeps in memory (a few kB each)."""


@dataclass(frozen=True)
class StoryMatch:
    """A stored article whose text the new one copies (or is copied by)."""

    article_id: int
    """Row id of the matching stored article."""
    story_id: int
    """Story of that article: the story the new one joins."""
    containment: float
    """Share of the shorter prose's shingles found in the longer one, 0..1."""
    jaccard: float
    """Shared prose shingles over all prose shingles of the two texts, 0..1."""


def is_copy(a: Sketch, b: Sketch, *, same_source: bool = False) -> bool:
    """True when one text is, for the most part, a copy of the other.

    Texts are compared by their prose (list items left out: lists of
    headlines with teasers are how leaked furniture repeats other stories).
    Containment rather than Jaccard, so that a brief carrying the first
    paragraphs of a long wire story still counts as a copy of it; within one
    source, near-identity (``SAME_SOURCE_JACCARD``). The shorter text's lead
    must be in the longer one (``MIN_LEAD``). A copy keeps more of the
    figures it shares a context with than it changes: the next day's price
    report or bulletin says the same words around other numbers.
    """
    one, other = a.prose or a.shingles, b.prose or b.shingles
    if not one or not other:
        return False
    shared = len(one & other)
    if one != other:
        if shared < MIN_SHARED:
            return False
        if same_source:
            if shared / len(one | other) < SAME_SOURCE_JACCARD:
                return False
        elif shared / min(len(one), len(other)) < MIN_CONTAINMENT:
            return False
    short, long = (a, b) if len(one) <= len(other) else (b, a)
    if len(short.lead & (long.prose or long.shingles)) < MIN_LEAD * len(short.lead):
        return False
    kept, changed = changed_figures(short.figures, long.figures)
    return changed == 0 or kept > changed


def _ranked(
    rows: Iterable[tuple[int | str, int]], keys: Mapping[int | str, float], least: float, most: int
) -> list[int]:
    """Ids of the ``most`` articles holding ``least`` weight of ``keys`` (key -> weight), most held first, then newest.

    ``rows`` are the ``(key, article id)`` the index holds for the keys (a
    bounded number per key, so the cost does not grow with the index).
    """
    held: Counter[int] = Counter()
    for key, article_id in rows:
        held[article_id] += keys[key]
    ranked = sorted(
        (article_id for article_id, weight in held.items() if weight >= least),
        key=lambda article_id: (-held[article_id], -article_id),
    )
    return ranked[:most]


@dataclass(frozen=True)
class _Kept:
    """A stored article's sketch as kept in :class:`SketchCache` (arrays: a tenth of a set's memory)."""

    content_hash: str | None
    keys: tuple[int, ...]
    excluded: frozenset[int]
    shingles: array
    prose: array | None
    lead: array
    figures: frozenset[tuple[str, str, str]]

    def sketch(self) -> Sketch:
        shingles = frozenset(self.shingles)
        prose = shingles if self.prose is None else frozenset(self.prose)
        return Sketch(shingles, frozenset(self.lead), prose, self.figures, ())


class SketchCache:
    """Sketches of stored articles, by row id, kept across the batches of one crawl.

    A new article is compared with the stored articles it may copy; those are
    most often articles stored minutes before, whose sketch was made when they
    were stored. An entry is used only while the article's ``content_hash``
    and the furniture left out of it are unchanged (another process may have
    edited the row, a paragraph may have become furniture since).
    """

    def __init__(self, size: int = SKETCH_CACHE):
        self.size = size
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, article_id: int, content_hash: str | None) -> _Kept | None:
        kept = self._kept.get(article_id)
        if kept is None or kept.content_hash != content_hash:
            return None
        self._kept.move_to_end(article_id)
        return kept

    def put(
        self,
        article_id: int,
        content_hash: str | None,
        keys: tuple[int, ...],
        excluded: frozenset[int],
        text: Sketch,
    ) -> None:
        if self.size <= 0:
            return
        self._kept[article_id] = _Kept(
            content_hash,
            keys,
            excluded,
            array("I", text.shingles),
            None if text.prose is text.shingles else array("I", text.prose),
            array("I", text.lead),
            text.figures,
        )
        self._kept.move_to_end(article_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


class StoryIndex:
    """Story matching inside one store write transaction (make one per batch).

    ``cache`` keeps stored articles' sketches between batches (one per crawl).
    """

    def __init__(self, tx: WriteTransaction, cache: SketchCache | None = None):
        self.tx = tx
        self.cache = cache if cache is not None else SketchCache(0)
        # paragraph hash -> source -> furniture there (until the paragraph is added again)
        self._furniture: dict[int, dict[str | None, bool]] = {}
        # paragraph hashes held by fewer than two articles: furniture nowhere (until added again)
        self._rare: set[int] = set()

    def is_furniture(self, paragraph: int, source: str | None) -> bool:
        """True when paragraph hash ``paragraph`` is furniture on ``source``'s pages.

        Among the latest ``COMMON_SAMPLE`` articles holding the paragraph: it
        spans ``COMMON_STORIES`` stories, or two stories of ``source`` itself
        (the site's own template, seen on two of its unrelated pages).
        """
        if paragraph in self._rare:
            return False
        known = self._furniture.setdefault(paragraph, {})
        found = known.get(source)
        if found is None:
            self._judge([paragraph], source)
            found = known[source]
        return found

    def _judge(self, keys: list[int], source: str | None) -> None:
        """Tell, for each of paragraph hashes ``keys``, whether it is furniture on ``source``'s pages."""
        rows: dict[int, list[tuple[int, str]]] = {key: [] for key in keys}
        for held, story, where in self.tx.paragraph_holders(keys, COMMON_SAMPLE):
            rows[held].append((story, where))
        for key, found in rows.items():
            stories = {story for story, _ in found}
            own = {story for story, where in found if where == source}
            self._furniture.setdefault(key, {})[source] = (
                len(stories) >= COMMON_STORIES or len(own) >= SOURCE_STORIES
            )

    def excluded(self, keys: Sequence[int], source: str | None) -> frozenset[int]:
        """Those of paragraph hashes ``keys`` that are furniture on ``source``'s pages."""
        unknown = [
            key
            for key in dict.fromkeys(keys)
            if key not in self._rare and source not in self._furniture.get(key, ())
        ]
        if unknown:
            # Most paragraphs of an article are its own: one query finds the
            # few held by two articles or more, the only ones that can be furniture.
            shared = self.tx.shared_paragraphs(unknown)
            self._rare.update(set(unknown) - shared)
            self._judge([key for key in unknown if key in shared], source)
        return frozenset(key for key in keys if self.is_furniture(key, source))

    def story_text(self, body: str | None, source: str | None) -> str:
        """``body`` of an article of ``source`` without its furniture paragraphs."""
        return "\n\n".join(
            text for text, key in paragraphs(body) if not self.is_furniture(key, source)
        )

    def sketch(self, body: str | None, source: str | None, *, with_bands: bool = True) -> Sketch:
        """Sketch of ``body`` (of ``source``) without its furniture."""
        return self._sketch(paragraph_records(body), source, None, with_bands)[0]

    def sketch_of(self, made: BodyPrint, source: str | None) -> tuple[Sketch, frozenset[int]]:
        """Sketch (bands included) of a new body without its furniture, and the furniture left out.

        The body's whole sketch is used as it is when none of its paragraphs
        is furniture, the common case.
        """
        return self._sketch(made.paragraphs, source, made.sketch, True)

    def _sketch(
        self,
        records: Sequence[Paragraph],
        source: str | None,
        whole: Sketch | None,
        with_bands: bool,
    ) -> tuple[Sketch, frozenset[int]]:
        excluded = self.excluded([record.key for record in records], source)
        if not excluded and whole is not None:
            return whole, excluded
        kept = [record for record in records if record.key not in excluded]
        return sketch_paragraphs(kept, with_bands=with_bands), excluded

    def stored_sketch(
        self, article_id: int, source: str | None, content_hash: str | None
    ) -> Sketch | None:
        """Sketch (no bands) of stored article ``article_id`` without its furniture; None if gone."""
        kept = self.cache.get(article_id, content_hash)
        if kept is not None:
            excluded = self.excluded(kept.keys, source)
            if excluded == kept.excluded:
                self.cache.hits += 1
                return kept.sketch()
        self.cache.misses += 1
        body = self.tx.article_body(article_id)
        if body is None:
            return None
        records = paragraph_records(body)
        text, excluded = self._sketch(records, source, None, False)
        self.cache.put(article_id, content_hash, tuple(r.key for r in records), excluded, text)
        return text

    def candidates(self, bands: tuple[int, ...]) -> list[int]:
        """Ids of stored articles sharing ``MIN_BANDS`` of ``bands``, most shared bands first, then newest."""
        return _ranked(
            self.tx.band_candidates(bands, PER_BAND),
            dict.fromkeys(bands, 1.0),
            MIN_BANDS,
            MAX_VERIFY,
        )

    def find(self, text: Sketch, source: str | None = None) -> list[StoryMatch]:
        """Stored articles that ``text`` (of ``source``) copies, or is copied by, best first.

        Empty: a new story. Matches in several stories mean those stories are
        one (their first copies arrived without the text that links them).
        """
        matches = []
        for article_id in self.candidates(text.bands):
            row = self.tx.story_info(article_id)
            if row is None:
                continue
            other_source, story_id, other_hash = row
            other = self.stored_sketch(article_id, other_source, other_hash)
            if other is None:
                continue
            if is_copy(text, other, same_source=other_source == source):
                matches.append(
                    StoryMatch(
                        article_id,
                        story_id or article_id,
                        containment(text.prose, other.prose),
                        jaccard(text.prose, other.prose),
                    )
                )
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard))

    def join(self, matches: list[StoryMatch]) -> int | None:
        """The story the new article joins: the oldest of the matched stories, into which the others are merged."""
        stories = sorted({m.story_id for m in matches})
        if not stories:
            return None
        for other in stories[1:]:
            self.tx.merge_story(stories[0], other)
            logger.info("story %d merged into story %d", other, stories[0])
        return stories[0]

    def add(
        self,
        article_id: int,
        made: BodyPrint,
        text: Sketch,
        excluded: frozenset[int] = frozenset(),
    ) -> None:
        """Index article ``article_id``: the paragraphs of its body (``made``) and the bands of ``text``.

        ``text`` is the sketch of the body without the furniture ``excluded``
        (:meth:`sketch_of`); it is kept in the crawl's cache. Rows already
        there are kept: an edited article stays findable by the bands of its
        earlier text, so a late copy of the first version still finds its story.
        """
        keys = tuple(record.key for record in made.paragraphs)
        self.tx.index_story_text(article_id, text.bands, set(keys))
        for key in keys:
            self._furniture.pop(key, None)
            self._rare.discard(key)
        self.cache.put(article_id, made.content_hash, keys, excluded, text)


# --------------------------------------------------------------------------
# Translations: one report in other languages joins the story (crawler.translations)
# --------------------------------------------------------------------------

PER_KEY = 16
"""Newest articles read per signature key."""
MIN_KEY_WEIGHT = MIN_SHARED_WEAK
"""Weight of the signature keys a candidate must share with the new text (the least a link needs)."""
MAX_CANDIDATES = 8
"""Candidates whose signatures are compared per article."""


@dataclass(frozen=True)
class TranslationMatch:
    """A stored article in another language that the new one translates (or is translated by)."""

    article_id: int
    story_id: int
    decision: Decision


class TranslationIndex:
    """The translation index inside one store write transaction (make one per batch).

    ``translation_keys`` holds the specific keys of each article's signature
    (:meth:`Signature.index_keys`); a new text's keys are looked up, newest
    articles first, at most ``PER_KEY`` per key, and the ``MAX_CANDIDATES``
    sharing the most key weight have their stored signature (``translation_signatures``)
    compared by :func:`crawler.translations.decide`. A link is recorded in
    ``story_links`` with its evidence.
    """

    def __init__(self, tx: WriteTransaction):
        self.tx = tx

    def candidates(self, text: Signature) -> list[int]:
        """Ids of stored articles sharing ``MIN_KEY_WEIGHT`` of ``text``'s index keys, most shared first, then newest."""
        keys = text.index_keys()
        return _ranked(
            self.tx.translation_key_holders(list(keys), PER_KEY),
            keys,
            MIN_KEY_WEIGHT,
            MAX_CANDIDATES,
        )

    def find(
        self, text: Signature, family: str | None, published: str | None
    ) -> TranslationMatch | None:
        """The stored article in another language that ``text`` (of outlet ``family``, published at ``published``) translates.

        None when no candidate is linked; of several, the one agreeing best.
        """
        found = self.candidates(text)
        if not found:
            return None
        rows = self.tx.translation_signatures(found, text.language)
        best: TranslationMatch | None = None
        for article_id, story_id, when, language, other_family, encoded in rows:
            decision = decide(
                text,
                decode(language, encoded),
                same_family=family is not None and family == other_family,
                hours_apart=hours_between(published, when),
            )
            if decision.linked and (
                best is None
                or (decision.agreement, decision.shared)
                > (best.decision.agreement, best.decision.shared)
            ):
                best = TranslationMatch(article_id, story_id or article_id, decision)
        return best

    def add(self, article_id: int, text: Signature, family: str | None) -> None:
        """Index article ``article_id`` by its signature ``text`` (replacing an earlier one)."""
        self.tx.index_translation(
            article_id,
            language=text.language,
            family=family,
            signature=text.encode(),
            keys=text.index_keys(),
        )

    def link(self, article_id: int, match: TranslationMatch) -> None:
        """Record that article ``article_id`` joined ``match``'s story as a translation, with the evidence."""
        self.tx.link_story(
            article_id,
            linked_id=match.article_id,
            story_id=match.story_id,
            kind="translation",
            evidence=json.dumps(match.decision.evidence, ensure_ascii=False),
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
