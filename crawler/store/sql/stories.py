"""The story index (:mod:`crawler.stories`): LSH bands and paragraphs of each article.

The writes run on both backends; the reads are SQLite's, PostgreSQL asks its own
questions (:mod:`crawler.store.postgres.stories`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from crawler.store.common import newest_per_key
from crawler.store.sql.articles import ADD_BAND, ADD_PARAGRAPH
from crawler.store.values import chunks

_KEYS_PER_QUERY = 500
"""Paragraph hashes per query (SQLite allows at least 999 parameters)."""
_JUDGED_PER_QUERY = 100
"""Paragraphs judged per query (two parameters each)."""


class StoryReads:
    """Reads of the story index over ``self.conn``."""

    conn: sqlite3.Connection

    def story_info(self, article_id: int) -> tuple[str, int | None, str] | None:
        """``(source, story_id, content_hash)`` of a stored article."""
        return self.conn.execute(
            "SELECT source, story_id, content_hash FROM articles WHERE id = ?", [article_id]
        ).fetchone()

    def band_candidates(self, bands: Sequence[int], per_band: int) -> list[tuple[int, int]]:
        """``(band, article id)`` of the newest ``per_band`` articles holding each band."""
        return newest_per_key(
            self.conn,
            "SELECT band_hash, article_id FROM story_bands WHERE band_hash = ? "
            "ORDER BY article_id DESC LIMIT ?",
            bands,
            per_band,
        )

    def shared_paragraphs(self, keys: Sequence[int]) -> set[int]:
        """Those of paragraph hashes ``keys`` that two stored articles or more hold."""
        shared: set[int] = set()
        for chunk in chunks(keys, _KEYS_PER_QUERY):
            values = ", ".join("(?)" for _ in chunk)
            shared.update(
                key
                for (key,) in self.conn.execute(
                    f"WITH k(h) AS (VALUES {values}) SELECT h FROM k WHERE ("
                    "SELECT count(*) FROM (SELECT 1 FROM story_paragraphs p WHERE p.para_hash = k.h LIMIT 2)"
                    ") = 2",
                    list(chunk),
                )
            )
        return shared

    def paragraph_holders(
        self, keys: Sequence[int], sample: int
    ) -> list[tuple[int, int | None, str]]:
        """``(paragraph, story_id, source)`` of the newest ``sample`` articles holding each of ``keys``."""
        return newest_per_key(
            self.conn,
            "SELECT p.para_hash, a.story_id, a.source FROM story_paragraphs p JOIN articles a "
            "ON a.id = p.article_id WHERE p.para_hash = ? ORDER BY p.article_id DESC LIMIT ?",
            keys,
            sample,
            _JUDGED_PER_QUERY,
        )


class StoryWrites:
    """Writes to the story index inside a write transaction over ``self.conn``."""

    conn: sqlite3.Connection

    def merge_story(self, into: int, other: int) -> None:
        """Move every article of story ``other`` into story ``into``."""
        self.conn.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [into, other])

    def index_story_text(
        self, article_id: int, bands: Iterable[int], paragraphs: Iterable[int]
    ) -> None:
        """Add the article's bands and paragraph hashes to the story index (existing rows kept)."""
        self.conn.executemany(ADD_BAND, [(band, article_id) for band in bands])
        self.conn.executemany(ADD_PARAGRAPH, [(key, article_id) for key in paragraphs])
