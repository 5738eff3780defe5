"""Articles, their versions and URL aliases, HTTP validators: the statements both backends run.

PostgreSQL runs them through :class:`~crawler.store.postgres.connection.QmarkConnection`
and overrides what it writes its own way (:mod:`crawler.store.postgres.articles`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from crawler.store.common import insert_new, upsert
from crawler.store.values import ArticleRef, ScoredArticle, utcnow_iso

_REF = "a.id, a.url_key, a.content_hash, a.fetched_at, a.story_id"
_ADD_ALIAS = insert_new("url_aliases", ("url_key", "article_id"))
ADD_BAND = insert_new("story_bands", ("band_hash", "article_id"))
ADD_PARAGRAPH = insert_new("story_paragraphs", ("para_hash", "article_id"))


class ArticleReads:
    """Reads of articles over ``self.conn``."""

    conn: sqlite3.Connection

    def find_article(self, keys: Sequence[str]) -> ArticleRef | None:
        """The stored article known under one of ``keys`` (its own URL key or an alias)."""
        placeholders = ",".join("?" for _ in keys)
        row = self.conn.execute(
            f"SELECT {_REF} FROM articles a WHERE a.url_key IN ({placeholders}) UNION ALL "
            f"SELECT {_REF} FROM url_aliases u JOIN articles a ON a.id = u.article_id "
            f"WHERE u.url_key IN ({placeholders}) LIMIT 1",
            [*keys, *keys],
        ).fetchone()
        return ArticleRef(*row) if row else None

    def article_body(self, article_id: int) -> str | None:
        row = self.conn.execute("SELECT body FROM articles WHERE id = ?", [article_id]).fetchone()
        return row[0] if row else None

    def article(self, article_id: int) -> dict | None:
        """Every stored field of one article, by column name."""
        cursor = self.conn.execute("SELECT * FROM articles WHERE id = ?", [article_id])
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    def article_key(self, article_id: int) -> str | None:
        """The URL key of article ``article_id``."""
        row = self.conn.execute(
            "SELECT url_key FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        return row[0] if row else None

    def same_text_key(self, source: str, content_hash: str) -> str | None:
        """URL key of an article of ``source`` whose body hashes to ``content_hash``."""
        row = self.conn.execute(
            "SELECT url_key FROM articles WHERE source = ? AND content_hash = ? LIMIT 1",
            [source, content_hash],
        ).fetchone()
        return row[0] if row else None


class ArticleWrites:
    """Writes of articles inside a write transaction over ``self.conn``."""

    conn: sqlite3.Connection

    def insert_article(self, row: Mapping[str, object], story_id: int | None) -> int:
        """Insert a new article (columns of ``row``) in story ``story_id`` (None: its own); return its id."""
        cursor = self.conn.execute(
            f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        article_id = int(cursor.lastrowid)
        self.conn.execute(
            "UPDATE articles SET story_id = ? WHERE id = ?", [story_id or article_id, article_id]
        )
        return article_id

    def update_article(self, article_id: int, values: Mapping[str, object]) -> None:
        self.conn.execute(
            f"UPDATE articles SET {', '.join(f'[{column}] = ?' for column in values)} WHERE id = ?",
            [*values.values(), article_id],
        )

    def archive_version(self, article_id: int, replaced_at: str) -> None:
        """Keep the article's current text and dates in its version history before it is replaced."""
        self.conn.execute(
            "INSERT INTO article_versions (article_id, title, body, content_hash, published_at, "
            "modified_at, fetched_at, replaced_at) SELECT id, title, body, content_hash, "
            "published_at, modified_at, fetched_at, ? FROM articles WHERE id = ?",
            [replaced_at, article_id],
        )

    def add_aliases(self, article_id: int, keys: Iterable[str]) -> None:
        """Record other URL keys of the article (a key already recorded keeps its article)."""
        self.conn.executemany(_ADD_ALIAS, [(key, article_id) for key in keys])

    def load_articles(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        bands: Iterable[tuple[int, int]] = (),
        paragraphs: Iterable[tuple[int, int]] = (),
    ) -> None:
        """Bulk-insert articles (``columns`` may include ``id`` and ``story_id``) already indexed:
        their ``(band, article id)`` and ``(paragraph, article id)`` rows come with them."""
        self._insert_loaded(columns, rows)
        self.conn.executemany(ADD_BAND, bands)
        self.conn.executemany(ADD_PARAGRAPH, paragraphs)

    def _insert_loaded(self, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        """Insert the articles of :meth:`load_articles` (a backend adds what it indexes beside)."""
        self.conn.executemany(
            f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            rows,
        )

    def set_relevance(
        self,
        article_id: int,
        *,
        content_hash: str,
        title: str,
        relevant: bool,
        topics: str,
        topic_terms: str,
        score: float,
    ) -> bool:
        """Rewrite an article's relevance unless its text changed since it was read; True when written."""
        cursor = self.conn.execute(
            "UPDATE articles SET relevant = ?, topics = ?, topic_terms = ?, relevance_score = ? "
            "WHERE id = ? AND content_hash = ? AND title = ?",
            [int(relevant), topics, topic_terms, score, article_id, content_hash, title],
        )
        return cursor.rowcount > 0


class ArticleStore:
    """Store-level reads of the archive and the HTTP validators over ``self.conn``."""

    conn: sqlite3.Connection
    path: str

    def count_articles(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def article_stories(self) -> list[tuple[str, int]]:
        """``(fetched URL, story id)`` of every stored article."""
        return self.conn.execute("SELECT fetched_url, story_id FROM articles").fetchall()

    def scoring_batch(self, after_id: int, limit: int) -> list[ScoredArticle]:
        """Up to ``limit`` articles with ids above ``after_id``, by id."""
        rows = self.conn.execute(
            "SELECT id, title, body, content_hash, relevant, topics, topic_terms, relevance_score, "
            "published_at FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            [after_id, limit],
        ).fetchall()
        return [ScoredArticle(*row) for row in rows]

    # The dialect's hooks: since when an article counts as of the last day, and the
    # smaller of two values (SQLite's MIN of two arguments is a scalar function).
    _DAY_AGO = "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day')"
    _LEAST = "MIN"

    def describe(self) -> dict:
        """Where the store is and what it holds: ``path, size_bytes, articles, relevant_articles,
        articles_last_24h, sources_with_articles, runs``."""
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        path, size = self._location()
        return {
            "path": path,
            "size_bytes": size,
            "articles": one("SELECT COUNT(*) FROM articles"),
            "relevant_articles": one("SELECT COUNT(*) FROM articles WHERE relevant = 1"),
            "articles_last_24h": one(
                f"SELECT COUNT(*) FROM articles WHERE first_seen_at >= {self._DAY_AGO}"
            ),
            "sources_with_articles": one("SELECT COUNT(DISTINCT source) FROM articles"),
            "runs": one("SELECT COUNT(*) FROM crawl_runs"),
        }

    def _location(self) -> tuple[str, int]:
        """Where the store is, as ``describe`` shows it, and its size in bytes."""
        path = self.path
        size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        return str(Path(path).resolve()), size

    def article_times(self, source: str, since: str) -> list[tuple[str | None, str]]:
        # An article's time is at most its publication, so only articles published
        # (or, undated, first seen) since the cutoff can fall in the window: two
        # ranges of the (source, published_at) index, not a scan of the source.
        """``(published_at, first_seen_at)`` of the articles of ``source`` published, or
        (undated) first seen, at or after ``since`` (ISO 8601 UTC)."""
        return self.conn.execute(
            "SELECT published_at, first_seen_at FROM articles WHERE source = ? AND published_at >= ? "
            "UNION ALL SELECT published_at, first_seen_at FROM articles "
            "WHERE source = ? AND published_at IS NULL AND first_seen_at >= ?",
            [source, since, source, since],
        ).fetchall()

    def last_article_time(self, source: str) -> str | None:
        """The latest time an article of ``source`` appeared: published, or first seen when earlier or unknown."""
        return self.conn.execute(
            f"SELECT MAX({self._LEAST}(COALESCE(published_at, first_seen_at), first_seen_at)) "
            "FROM articles WHERE source = ?",
            [source],
        ).fetchone()[0]

    def http_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """``url -> (etag, last_modified)`` of every feed and sitemap fetched before."""
        return {
            url: (etag, modified)
            for url, etag, modified in self.conn.execute(
                "SELECT url, etag, last_modified FROM http_validators"
            )
        }

    def save_http_validators(self, validators: Mapping[str, tuple[str | None, str | None]]) -> None:
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                upsert("http_validators", ("url", "etag", "last_modified", "updated_at"), ("url",)),
                [(url, etag, modified, now) for url, (etag, modified) in validators.items()],
            )
