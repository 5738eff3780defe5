"""Articles, their versions and URL aliases, HTTP validators: what PostgreSQL writes its own way.

Reads and writes whose SQL both backends accept come from the shared classes
(:mod:`crawler.store.sql.articles`, through
:class:`~crawler.store.postgres.connection.QmarkConnection`); this module
holds the rest: the id drawn in the insert, quoted column names, the
search column filled beside the text, and the dialect hooks of ``describe``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from crawler.store.postgres.connection import QmarkConnection, redacted
from crawler.store.sql import articles as shared
from crawler.store.textsearch import tsvector_text

SEARCH_VECTOR = "?::tsvector"
"""The indexed words of an article (:func:`crawler.store.textsearch.tsvector_text`)."""


def _columns(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


class ArticleWrites(shared.ArticleWrites):
    """Writes of articles inside a write transaction over ``self.conn``."""

    conn: QmarkConnection

    def insert_article(self, row: Mapping[str, object], story_id: int | None) -> int:
        values = {k: v for k, v in row.items() if k not in ("id", "story_id")}
        marks = ", ".join("?" for _ in values)
        # The id is drawn first so that an article alone in its story points
        # at itself in the same statement (one round trip, not two).
        return self.conn.execute(
            f"INSERT INTO articles (id, story_id, {_columns(values)}, search_vector) "
            f"SELECT n.id, COALESCE(?::bigint, n.id), {marks}, {SEARCH_VECTOR} FROM "
            "(SELECT nextval(pg_get_serial_sequence('articles', 'id')) AS id) n RETURNING id",
            [story_id, *values.values(), tsvector_text(str(row["title"]), str(row["body"]))],
        ).fetchone()[0]  # fmt: skip

    def update_article(self, article_id: int, values: Mapping[str, object]) -> None:
        self.conn.execute(
            f"UPDATE articles SET {', '.join(f'{_columns([c])} = ?' for c in values)} WHERE id = ?",
            [*values.values(), article_id],
        )
        if "title" in values or "body" in values:
            title, body = self.conn.execute(
                "SELECT title, body FROM articles WHERE id = ?", [article_id]
            ).fetchone()
            self.conn.execute(
                f"UPDATE articles SET search_vector = {SEARCH_VECTOR} WHERE id = ?",
                [tsvector_text(title, body), article_id],
            )

    def _insert_loaded(self, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        title, body = list(columns).index("title"), list(columns).index("body")
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(
            f"INSERT INTO articles ({_columns(columns)}, search_vector) VALUES ({marks}, {SEARCH_VECTOR})",
            ([*row, tsvector_text(str(row[title]), str(row[body]))] for row in rows),
        )
        if "id" in columns:
            # Ids given by the caller do not advance the identity: later inserts must not reuse them.
            self.conn.execute(
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                "GREATEST((SELECT MAX(id) FROM articles), 1))"
            )


class ArticleStore(shared.ArticleStore):
    """Store-level reads of the archive and the HTTP validators over ``self.conn``."""

    conn: QmarkConnection

    _LEAST = "LEAST"
    _DAY_AGO = "to_char(now() AT TIME ZONE 'UTC' - interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS')"

    def _location(self) -> tuple[str, int]:
        size = self.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        return redacted(self.url), size
