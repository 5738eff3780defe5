"""The tables both backends create (crawler/store/tables.py) and the statements both run
(crawler/store/common.py): written once, formatted per backend."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from crawler.store.common import insert_new, newest_per_key, upsert
from crawler.store.tables import POSTGRES_TYPES, SQLITE_TYPES, TABLES, create_table

# The migrations that ran these templates are applied on users' databases: a
# template is never edited (a change is a new migration), so its text is pinned.
PINNED = {
    "sqlite": "66ccd798e391e4b6619164fa5513a48534dc60ef57e3b76869b8b6c9fd317dbd",
    "postgresql": "3435b9e12082ab3b1caf2e44472037dd10342658a1e2dd7a975889e51aba49f7",
}


@pytest.mark.parametrize(
    "backend, types", [("sqlite", SQLITE_TYPES), ("postgresql", POSTGRES_TYPES)]
)
def test_the_templates_are_the_text_the_migrations_ran(backend, types):
    text = "\n".join(create_table(name, types) for name in sorted(TABLES))
    assert hashlib.sha256(text.encode()).hexdigest() == PINNED[backend]


def test_every_table_is_created_by_sqlite_with_the_columns_one_backend_added_first():
    conn = sqlite3.connect(":memory:")
    for name in TABLES:
        conn.execute(create_table(name, SQLITE_TYPES, indent="    "))
    conn.execute(
        create_table("crawl_runs", SQLITE_TYPES, more=["host TEXT"]).replace("crawl_runs", "r2", 1)
    )
    columns = [row[1] for row in conn.execute("PRAGMA table_info(r2)")]
    assert columns[-2:] == ["message", "host"]
    # WITHOUT ROWID where SQLite's migrations asked for it, and only there.
    sql = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    assert (
        sql["story_bands"].rstrip().endswith("WITHOUT ROWID")
        and "WITHOUT ROWID" not in sql["articles"]
    )


def test_sqlite_keeps_the_indentation_its_migrations_wrote():
    plain = create_table("url_aliases", SQLITE_TYPES)
    indented = create_table("url_aliases", SQLITE_TYPES, indent="    ")
    assert indented.splitlines() == [("    " + line) if line else "" for line in plain.splitlines()]
    assert "INTEGER NOT NULL REFERENCES" in indented and "BIGINT" in create_table(
        "url_aliases", POSTGRES_TYPES
    )


@pytest.fixture
def conn():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT, part TEXT, v INTEGER, w INTEGER, PRIMARY KEY (k, part))")
    return conn


def test_insert_new_leaves_the_row_there(conn):
    conn.execute(insert_new("t", ("k", "part", "v")), ["a", "x", 1])
    conn.execute(insert_new("t", ("k", "part", "v")), ["a", "x", 2])
    assert conn.execute("SELECT v FROM t").fetchall() == [(1,)]


def test_upsert_overwrites_the_other_columns_of_the_row_with_its_key(conn):
    statement = upsert("t", ("k", "part", "v", "w"), ("k", "part"))
    conn.execute(statement, ["a", "x", 1, 1])
    conn.execute(statement, ["a", "x", 2, 3])
    conn.execute(statement, ["a", "y", 5, 5])
    assert conn.execute("SELECT * FROM t ORDER BY part").fetchall() == [
        ("a", "x", 2, 3),
        ("a", "y", 5, 5),
    ]


def test_upsert_updates_only_the_columns_named_where_the_condition_holds(conn):
    statement = upsert(
        "t", ("k", "part", "v", "w"), ("k", "part"), update=("v",), where="excluded.v < t.v"
    )
    conn.execute(statement, ["a", "x", 5, 5])
    conn.execute(statement, ["a", "x", 9, 9])  # not smaller: kept
    conn.execute(statement, ["a", "x", 3, 7])  # smaller: v taken, w left
    assert conn.execute("SELECT v, w FROM t").fetchall() == [(3, 5)]


def test_newest_per_key_answers_each_key_in_order_in_statements_of_the_given_size(conn):
    conn.executemany(
        "INSERT INTO t VALUES (?, ?, ?, 0)", [(k, str(n), n) for k in "abc" for n in range(5)]
    )
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    rows = newest_per_key(
        conn, "SELECT k, v FROM t WHERE k = ? ORDER BY v DESC LIMIT ?", ["c", "a", "b"], 2, 2
    )
    assert rows == [("c", 4), ("c", 3), ("a", 4), ("a", 3), ("b", 4), ("b", 3)]
    assert len(statements) == 2
    assert newest_per_key(conn, "SELECT k, v FROM t WHERE k = ? LIMIT ?", [], 2) == []
