"""SQLite connections: WAL, a busy timeout, and write transactions that take the lock up front.

Several processes write to one database (the daemon's crawls and operators'
one-off crawls). SQLite copes when every connection has a busy timeout, the
journal is WAL, and every write transaction starts with ``BEGIN IMMEDIATE``
(a deferred transaction that later upgrades to a write lock fails at once with
"database is locked", whatever the timeout).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from crawler.store.base import StoreError

BUSY_TIMEOUT_S = 60.0
CACHED_STATEMENTS = 512
"""Prepared statements kept per connection: a crawl's components share one
connection, and the story index alone issues a statement per batch size."""


def connect(
    path: str | Path,
    *,
    migrate: bool = True,
    timeout: float = BUSY_TIMEOUT_S,
    read_only: bool = False,
) -> sqlite_utils.Database:
    """Open (creating if needed, unless ``read_only``) the newsmon database at ``path``.

    The connection is in autocommit mode; group writes with
    :func:`write_transaction`. With ``migrate`` the schema is brought up to date.
    """
    path = Path(path)
    memory = str(path) == ":memory:"
    try:
        if read_only:
            # A reader never writes, nor creates a file.
            conn = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?mode=ro",
                uri=True,
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            return sqlite_utils.Database(conn)
        if not memory:
            _make_folder(path.parent)
            # Created here, not by SQLite: a refusal then names its cause
            # ("Read-only file system") instead of "unable to open database file".
            if not path.exists():
                path.touch()
        conn = sqlite3.connect(
            str(path),
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=CACHED_STATEMENTS,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal" and not memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = sqlite_utils.Database(conn)
        if migrate:
            from crawler.store.sqlite.schema import apply_migrations

            apply_migrations(db)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: {exc}") from None
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}") from None
    return db


def _make_folder(folder: Path) -> None:
    """Create the database's folder; a file in its place is "Not a directory", as the OS says."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
            break
    folder.mkdir(parents=True, exist_ok=True)


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A short write transaction that takes the write lock up front.

    ``BEGIN IMMEDIATE`` waits for the busy timeout instead of failing at once
    when another process holds the lock. Nested use falls back to a savepoint.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            # busy_timeout already waited; a second chance covers a lock held
            # across the whole timeout by a slow writer.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
