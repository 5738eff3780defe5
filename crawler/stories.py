"""The near-duplicate index: copies of one text share a ``story_id``.

A story is one text and its copies: wire copy carried by several outlets, a
republication with another dateline, an appended "Source: …" line, other
boilerplate, light edits, or a shortened version. Two outlets' own reports of
the same event are two stories.

The index lives in the database (``story_bands``: one row per LSH band of each
stored article, see :mod:`crawler.fingerprint`) and is queried per article, so
it survives restarts and its cost does not grow with the database:

1. each band of the new text is looked up in the index, newest articles
   first, at most ``PER_BAND`` per band (a band shared by many articles, such
   as one made by an outlet's boilerplate, cannot flood the candidates);
2. the candidates sharing most bands (at most ``MAX_VERIFY``) are compared
   exactly, shingle by shingle, with their stored body;
3. the first story whose text passes :func:`is_copy` wins, the best match first.

This module never imports Scrapy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlite_utils

from crawler.fingerprint import Sketch, containment, jaccard, shingles

PER_BAND = 12
"""Newest articles read per band."""
MAX_VERIFY = 6
"""Candidates compared exactly per article."""
MIN_CONTAINMENT = 0.5
"""Share of the shorter text that must appear in the longer one."""
MIN_SHARED = 12
"""Shingles the two texts must share (a sentence or two), so that short texts
sharing one stock phrase are not taken for copies."""


@dataclass(frozen=True)
class StoryMatch:
    """A stored article whose text the new one copies (or is copied by)."""

    article_id: int
    """Row id of the matching stored article."""
    story_id: int
    """Story of that article: the story the new one joins."""
    containment: float
    """Share of the shorter text found in the longer one, 0..1."""
    jaccard: float
    """Shared shingles over all shingles of the two texts, 0..1."""


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """True when one text is, for the most part, a copy of the other.

    Containment rather than Jaccard, so that a brief carrying the first
    paragraphs of a long wire story still counts as a copy of it.
    """
    if not a or not b:
        return False
    if a == b:
        return True
    shared = len(a & b)
    return shared >= MIN_SHARED and shared / min(len(a), len(b)) >= MIN_CONTAINMENT


def candidates(db: sqlite_utils.Database, bands: tuple[int, ...], *, exclude: int | None = None) -> list[int]:
    """Ids of stored articles sharing bands with ``bands``, most shared bands first, then newest."""
    hits: Counter[int] = Counter()
    for band in bands:
        rows = db.execute(
            "SELECT article_id FROM story_bands WHERE band_hash = ? ORDER BY article_id DESC LIMIT ?",
            [band, PER_BAND],
        )
        for (article_id,) in rows:
            if article_id != exclude:
                hits[article_id] += 1
    ranked = sorted(hits, key=lambda article_id: (-hits[article_id], -article_id))
    return ranked[:MAX_VERIFY]


def find_story(db: sqlite_utils.Database, sketch: Sketch, *, exclude: int | None = None) -> StoryMatch | None:
    """The stored article that ``sketch``'s text copies best, or None (a new story)."""
    best: StoryMatch | None = None
    for article_id in candidates(db, sketch.bands, exclude=exclude):
        row = db.execute("SELECT body, story_id FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            continue
        body, story_id = row
        other = shingles(body)
        if not is_copy(sketch.shingles, other):
            continue
        match = StoryMatch(
            article_id, story_id or article_id, containment(sketch.shingles, other), jaccard(sketch.shingles, other)
        )
        if best is None or (match.containment, match.jaccard) > (best.containment, best.jaccard):
            best = match
    return best


def add_article(db: sqlite_utils.Database, article_id: int, sketch: Sketch) -> None:
    """Index ``article_id`` under the bands of ``sketch`` (bands already there are kept).

    An edited article keeps the bands of its earlier text too: a late copy of
    the first version still finds its story.
    """
    db.conn.executemany(
        "INSERT OR IGNORE INTO story_bands (band_hash, article_id) VALUES (?, ?)",
        [(band, article_id) for band in sketch.bands],
    )
