"""The story index (:mod:`crawler.stories`) in PostgreSQL: one statement per question, arrays bound whole."""

from __future__ import annotations

from collections.abc import Sequence

from crawler.store.postgres.connection import QmarkConnection
from crawler.store.sql import stories as shared


class StoryReads(shared.StoryReads):
    """Reads of the story index over ``self.conn``."""

    conn: QmarkConnection

    def band_candidates(self, bands: Sequence[int], per_band: int) -> list[tuple[int, int]]:
        if not bands:
            return []
        rows = self.conn.execute(
            "SELECT k.h, b.article_id FROM unnest(?::bigint[]) WITH ORDINALITY AS k(h, n) "
            "CROSS JOIN LATERAL (SELECT article_id FROM story_bands WHERE band_hash = k.h "
            "ORDER BY article_id DESC LIMIT ?) b ORDER BY k.n, b.article_id DESC",
            [list(bands), per_band],
        )
        return [tuple(r) for r in rows]

    def shared_paragraphs(self, keys: Sequence[int]) -> set[int]:
        if not keys:
            return set()
        rows = self.conn.execute(
            "SELECT k.h FROM unnest(?::bigint[]) AS k(h) WHERE (SELECT count(*) FROM "
            "(SELECT 1 FROM story_paragraphs p WHERE p.para_hash = k.h LIMIT 2) two) = 2",
            [list(keys)],
        )
        return {key for (key,) in rows}

    def paragraph_holders(
        self, keys: Sequence[int], sample: int
    ) -> list[tuple[int, int | None, str]]:
        if not keys:
            return []
        rows = self.conn.execute(
            "SELECT k.h, s.story_id, s.source FROM unnest(?::bigint[]) WITH ORDINALITY AS k(h, n) "
            "CROSS JOIN LATERAL (SELECT a.story_id, a.source, p.article_id FROM story_paragraphs p "
            "JOIN articles a ON a.id = p.article_id WHERE p.para_hash = k.h "
            "ORDER BY p.article_id DESC LIMIT ?) s ORDER BY k.n, s.article_id DESC",
            [list(keys), sample],
        )
        return [tuple(r) for r in rows]
