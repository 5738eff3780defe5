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
            return sqlite_utils.Database(connect_read_only(path, timeout=timeout))
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
        if not memory:
            _use_wal(conn, timeout)
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


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the database to WAL, waiting for other processes doing the same.

    Changing the journal mode needs the database to itself and SQLite does not
    call the busy handler for it: two processes creating one database at once
    would see "database is locked" at once. Retry until the timeout instead.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def _make_folder(folder: Path) -> None:
    """Create the database's folder; a file in its place is "Not a directory", as the OS says."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
            break
    folder.mkdir(parents=True, exist_ok=True)


def connect_read_only(path: str | Path, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A connection that never writes the database, as an analyst's copy needs."""
    return _read_only(path, timeout)[1]


def read_only_uri(path: str | Path) -> str:
    """The SQLite URI that opens ``path`` read-only here (``mode=ro`` or ``immutable=1``), for
    tools that open the file themselves (Datasette). Raises sqlite3.Error or StoreError."""
    uri, conn = _read_only(path, BUSY_TIMEOUT_S)
    conn.close()
    return uri


def _read_only(path: str | Path, timeout: float) -> tuple[str, sqlite3.Connection]:
    """``mode=ro`` sees the write-ahead log's transactions but needs the ``-shm``
    file, which it creates when the folder is writable. In a read-only folder
    with no log beside the database (a copy, a checkpointed file) nothing can
    change the file under us, so ``immutable=1`` reads it without any
    shared-memory file; with a log but no ``-shm`` there is no safe way in.
    """
    path = Path(path).resolve()
    base = f"file:{quote(str(path))}"
    try:
        return f"{base}?mode=ro", _opened(f"{base}?mode=ro", timeout)
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc):
            raise
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{path}: cannot read it here: its write-ahead log {wal.name} needs "
                f"{path.name}-shm beside it or a writable folder (copy the folder somewhere writable)"
            ) from None
        return f"{base}?immutable=1", _opened(f"{base}?immutable=1", timeout)


def _opened(uri: str, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )
    try:
        # Opening is lazy: the first read is what fails on a file it cannot use.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


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
