"""The SQLite backend of :class:`crawler.store.base.Store`: one connection, WAL, FTS5, file locks.

The store holds one connection for the process's work (a crawl's components
share it through the crawler). Reads run in autocommit mode; a write
transaction (:meth:`SqliteStore.write`) starts with ``BEGIN IMMEDIATE`` and
hands out a :class:`SqliteTransaction` over the same connection. Errors of
the driver leave as :class:`StoreError` with SQLite's own message.

Source locks are OS file locks in ``locks/`` beside the database file
(:mod:`crawler.store.filelocks`): the kernel drops them when the holder dies.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from crawler.store.base import Store, StoreError, WriteTransaction
from crawler.store.common import BackendStore, driver_errors_as_store_errors
from crawler.store.filelocks import FileLock, SourceLocks, lock_dir
from crawler.store.sqlite import connection
from crawler.store.sqlite.reading import ReadingStore
from crawler.store.sqlite.search import count_matches, search_articles

_PREFIX = "sqlite://"


def sqlite_path(url: str) -> str:
    """The database file a ``--db`` value names: a plain path, or ``sqlite:///path``.

    As in SQLAlchemy, ``sqlite:///data/x.db`` is relative and
    ``sqlite:////srv/x.db`` absolute; ``sqlite://`` alone is in memory.
    """
    if url[: len(_PREFIX)].lower() != _PREFIX:
        return url
    rest = url[len(_PREFIX) :]
    if not rest:
        return ":memory:"
    if not rest.startswith("/"):
        raise StoreError(
            f"{url}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path"
        )
    return rest[1:] or ":memory:"


_driver_errors_as_store_errors = driver_errors_as_store_errors(
    sqlite3.Error, BackendStore._error_line
)


@_driver_errors_as_store_errors
class SqliteTransaction(WriteTransaction):
    """The writes (and reads) of one ``BEGIN IMMEDIATE`` transaction."""


@_driver_errors_as_store_errors
class SqliteStore(ReadingStore, Store):
    """A newsmon database in one SQLite file."""

    _driver_errors = sqlite3.Error
    _search_articles = staticmethod(search_articles)
    _count_matches = staticmethod(count_matches)

    def __init__(self, url: str, db, path: str, read_only: bool = False):
        self.url = url
        self.db = db
        """The ``sqlite_utils.Database`` (backend-specific tests and migrations use it)."""
        self.conn: sqlite3.Connection = db.conn
        self.path = path
        self.read_only = read_only
        self._tx = SqliteTransaction(self.conn)

    # --- opening --------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, migrate: bool = True, read_only: bool = False) -> SqliteStore:
        path = sqlite_path(url)
        if read_only and not cls.exists(url):
            raise StoreError(f"{url}: no such database")
        db = connection.connect(path, migrate=migrate and not read_only, read_only=read_only)
        return cls(url, db, path, read_only)

    @classmethod
    def exists(cls, url: str) -> bool:
        return Path(sqlite_path(url)).is_file()

    @classmethod
    def local_path(cls, url: str) -> Path | None:
        path = sqlite_path(url)
        return None if path == ":memory:" else Path(path)

    # --- the hooks of BackendStore ------------------------------------------------
    def _transaction(self) -> AbstractContextManager:
        return connection.write_transaction(self.db)

    @staticmethod
    def _inserted_id(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> int:
        return int(conn.execute(sql, params).lastrowid)

    # --- locks ----------------------------------------------------------------------
    def _lock_dir(self) -> Path:
        if self.path == ":memory:":
            raise StoreError("an in-memory database has no locks")
        return lock_dir(self.path)

    def source_locks(self, sources: Iterable[str]) -> SourceLocks:
        return SourceLocks(self._lock_dir(), sources)

    def daemon_lock(self) -> FileLock:
        return FileLock(self._lock_dir() / f"daemon-{Path(self.path).stem}.lock")
