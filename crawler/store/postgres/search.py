"""Full-text search in PostgreSQL: the FTS5 syntax translated to ``tsquery`` over ``search_vector``."""

from __future__ import annotations

import re
from collections.abc import Sequence

import psycopg

from crawler.store.base import StoreError
from crawler.store.common import search_conditions
from crawler.store.postgres.connection import QmarkConnection, one_line
from crawler.store.sqlite.search import SNIPPET_CLOSE, SNIPPET_OPEN
from crawler.store.textsearch import snippet, typed_query


def search_articles(
    conn: QmarkConnection,
    query: str,
    *,
    limit: int = 20,
    sources: Sequence[str] = (),
    relevant: bool = False,
) -> list[dict]:
    """Articles matching ``query`` (words as typed, FTS5 operators kept, as on SQLite), best
    first (title matches weigh more). Raises :class:`SearchQueryError` naming what is wrong.
    """
    parsed = typed_query(query)
    # The query's parameter is bound in the FROM clause below, before the sources'.
    where, params = search_conditions("a.search_vector @@ q.q", parsed.tsquery, sources, relevant)
    params.append(limit)
    try:
        cursor = conn.execute(
            "SELECT a.id, a.published_at, a.source, a.title, a.url, a.relevant, a.body "
            "FROM articles a, (SELECT ?::tsquery AS q) q "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY ts_rank(a.search_vector, q.q) DESC, a.id LIMIT ?",
            params,
        )
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except psycopg.Error as exc:
        raise StoreError(one_line(exc)) from None
    for row in rows:
        row["snippet"] = snippet(row.pop("body"), parsed, marks=(SNIPPET_OPEN, SNIPPET_CLOSE))
    return rows


def count_matches(conn: QmarkConnection, query: str) -> int:
    """How many articles match ``query`` (benchmarks report it beside the time)."""
    return conn.execute(
        "SELECT count(*) FROM articles WHERE search_vector @@ ?::tsquery",
        [typed_query(query).tsquery],
    ).fetchone()[0]


def index_with_server_folding(conn: QmarkConnection) -> None:
    """Reindex every article with the server's ``unaccent`` and ``lower`` instead of newsmon's folding.

    The alternative that ``benchmarks/search_agreement.py`` measures against
    FTS5 (with :func:`server_search_words` for the query); not used otherwise.
    """
    conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    conn.execute(
        "UPDATE articles SET search_vector = "
        "setweight(to_tsvector('simple', lower(unaccent(title))), 'A') || "
        "setweight(to_tsvector('simple', lower(unaccent(body))), 'B')"
    )


def server_search_words(conn: QmarkConnection, text: str) -> list[str]:
    """The words of ``text`` folded by the server's ``unaccent`` and ``lower``."""
    lowered = conn.execute("SELECT lower(unaccent(?))", [text]).fetchone()[0]
    return re.sub(r"[\W_]+", " ", lowered).split()
