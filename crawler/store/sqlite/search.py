"""Full-text search with SQLite FTS5 (``articles_fts``: title and body, diacritics folded)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from crawler.store.base import SearchQueryError, StoreError
from crawler.store.common import search_conditions
from crawler.store.ftsquery import fts5_query
from crawler.store.sqlite.ftsfold import is_folded

SNIPPET_OPEN, SNIPPET_CLOSE = "[", "]"


def search_articles(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    sources: Sequence[str] = (),
    relevant: bool = False,
) -> list[dict]:
    """Articles matching ``query`` (words as typed, FTS5 operators kept), best match first.

    Values are bound as parameters, never formatted into the SQL. Raises
    :class:`SearchQueryError` when the query is not valid FTS5, and
    :class:`StoreError` when the database has no articles' index.
    """
    where, params = search_conditions(
        "articles_fts MATCH ?", match_expression(conn, query), sources, relevant
    )
    params.append(limit)
    try:
        cursor = conn.execute(
            "SELECT a.id, a.published_at, a.source, a.title, a.url, a.relevant, "
            f"snippet(articles_fts, 1, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 16) AS snippet "
            "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY articles_fts.rank LIMIT ?",
            params,
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "no such table" in message:
            raise StoreError(message) from None
        raise SearchQueryError(message) from None
    except sqlite3.Error as exc:
        raise StoreError(str(exc)) from None


def count_matches(conn: sqlite3.Connection, query: str) -> int:
    """How many articles match ``query`` (benchmarks report it beside the time)."""
    return conn.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
        [match_expression(conn, query)],
    ).fetchone()[0]


def match_expression(conn: sqlite3.Connection, query: str) -> str:
    """The FTS5 expression of a query as typed (:mod:`crawler.store.ftsquery`), folded as the index is."""
    return fts5_query(query, fold=is_folded(conn))
