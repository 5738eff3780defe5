"""The full-text index over folded text: ``Laçın``, ``LAÇIN`` and ``Lacin`` are one word in it.

SQLite's ``unicode61 remove_diacritics 2`` tokenizer folds case and most
diacritics; the letters it leaves alone but topics.toml merges
(:data:`crawler.store.ftsquery.INDEX_FOLDS`: ``ı``, ``ə``, ``й``, ``ё``,
Armenian ``ւ``, ligatures, soft hyphens …) are replaced in SQL, with nested
``replace()`` calls in the triggers that keep ``articles_fts`` in step with
``articles``. Plain SQL, so that any tool writing rows (sqlite-utils,
Datasette plugins) keeps the index right with no function to register.

``articles_fts`` stays an external-content table over ``articles`` (snippets
show the stored text). Its ``'rebuild'`` command would index the unfolded
columns: :func:`rebuild` is the way to rebuild it.
"""

from __future__ import annotations

import sqlite3

from crawler.store.ftsquery import INDEX_FOLDS

_PER_STAGE = 12
"""Nested replace() calls per subquery: inside a trigger SQLite's parser stack overflows near 20."""


def _replaced(column: str, folds: list[tuple[str, str]]) -> str:
    expression = column
    for char, replacement in folds:
        expression = f"replace({expression}, char({ord(char)}), '{replacement}')"
    return expression


def folded_rows(rowid: str, title: str, body: str, table: str = "") -> str:
    """A SELECT of ``rowid, title, body`` (of ``table``, if any) with :data:`INDEX_FOLDS` applied.

    The replacements run in stages, one subquery each, to stay within the
    parser's nesting limit.
    """
    folds = list(INDEX_FOLDS.items())
    stages = [folds[start : start + _PER_STAGE] for start in range(0, len(folds), _PER_STAGE)]
    sql = f"SELECT {rowid} AS r, {_replaced(title, stages[0])} AS t, {_replaced(body, stages[0])} AS b"
    sql += f" FROM {table}" if table else ""
    for stage in stages[1:]:
        sql = f"SELECT r, {_replaced('t', stage)} AS t, {_replaced('b', stage)} AS b FROM ({sql})"
    return sql


def create_triggers(conn: sqlite3.Connection) -> None:
    """(Re)create the triggers that index folded titles and bodies."""
    for name in ("articles_ai", "articles_ad", "articles_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    new = folded_rows("new.rowid", "new.title", "new.body")
    old = folded_rows("old.rowid", "old.title", "old.body")
    conn.execute(
        f"CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN "
        f"INSERT INTO articles_fts (rowid, title, body) {new}; END"
    )
    conn.execute(
        f"CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN "
        f"INSERT INTO articles_fts (articles_fts, rowid, title, body) SELECT 'delete', * FROM ({old}); END"
    )
    # Story links, rescoring and counters do not touch the indexed text (m002).
    conn.execute(
        f"CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN "
        f"INSERT INTO articles_fts (articles_fts, rowid, title, body) SELECT 'delete', * FROM ({old}); "
        f"INSERT INTO articles_fts (rowid, title, body) {new}; END"
    )


def rebuild(conn: sqlite3.Connection) -> None:
    """Index every stored article's folded text afresh."""
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, body) "
        + folded_rows("rowid", "title", "body", "articles")
    )


def is_folded(conn: sqlite3.Connection) -> bool:
    """Whether the database's index holds folded text (a read-only store cannot migrate an old one)."""
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_ai'"
    ).fetchone()
    return bool(row) and "replace(" in row[0]
