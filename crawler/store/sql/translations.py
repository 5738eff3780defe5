"""The translation index (:class:`crawler.stories.TranslationIndex`): signature keys, signatures, story links."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from crawler.store.common import insert_new, newest_per_key, upsert

_KEYS_PER_QUERY = 400
"""Signature keys per statement (two parameters each)."""

# The SQL here is written for both backends (PostgreSQL runs it through
# crawler.store.postgres.connection.QmarkConnection).
_SIGNATURE_COLUMNS = ("article_id", "language", "family", "signature")
_ADD_KEY = insert_new("translation_keys", ("key", "article_id"))


class TranslationReads:
    """Reads of the translation index over ``self.conn``."""

    conn: sqlite3.Connection

    def translation_key_holders(self, keys: Sequence[str], per_key: int) -> list[tuple[str, int]]:
        """``(key, article id)`` of the newest ``per_key`` articles holding each signature key."""
        return newest_per_key(
            self.conn,
            "SELECT key, article_id FROM translation_keys WHERE key = ? "
            "ORDER BY article_id DESC LIMIT ?",
            keys,
            per_key,
            _KEYS_PER_QUERY,
        )

    def translation_signatures(
        self, article_ids: Sequence[int], other_than: str | None
    ) -> list[tuple[int, int | None, str | None, str | None, str | None, str]]:
        """``(id, story_id, published or first seen, language, family, encoded signature)`` of
        those of ``article_ids`` whose language is not ``other_than``."""
        if not article_ids:
            return []
        return self.conn.execute(
            "SELECT a.id, a.story_id, coalesce(a.published_at, a.first_seen_at), s.language, "
            "s.family, s.signature FROM translation_signatures s JOIN articles a ON a.id = s.article_id "
            f"WHERE s.article_id IN ({', '.join('?' for _ in article_ids)}) AND s.language != ?",
            [*article_ids, other_than or ""],
        ).fetchall()


class TranslationWrites:
    """Writes to the translation index inside a write transaction over ``self.conn``."""

    conn: sqlite3.Connection

    def index_translation(
        self,
        article_id: int,
        *,
        language: str | None,
        family: str | None,
        signature: str,
        keys: Iterable[str],
    ) -> None:
        """Index an article by its translation signature (replacing an earlier one) and its keys."""
        self.conn.execute(
            upsert("translation_signatures", _SIGNATURE_COLUMNS, ("article_id",)),
            [article_id, language, family, signature],
        )
        self.conn.executemany(_ADD_KEY, [(key, article_id) for key in keys])

    def link_story(
        self, article_id: int, *, linked_id: int, story_id: int, kind: str, evidence: str, at: str
    ) -> None:
        """Record why an article joined a story other than by copying (``kind``, evidence as JSON)."""
        self.conn.execute(
            upsert(
                "story_links",
                ("article_id", "linked_id", "story_id", "kind", "evidence", "linked_at"),
                ("article_id",),
            ),
            [article_id, linked_id, story_id, kind, evidence, at],
        )

    def load_translations(
        self,
        signatures: Iterable[tuple[int, str | None, str | None, str]],
        keys: Iterable[tuple[str, int]],
    ) -> None:
        """Bulk-insert ``(article id, language, family, signature)`` rows and ``(key, article id)`` rows."""
        self.conn.executemany(
            f"INSERT INTO translation_signatures ({', '.join(_SIGNATURE_COLUMNS)}) VALUES (?, ?, ?, ?)",
            signatures,
        )
        self.conn.executemany(_ADD_KEY, keys)
