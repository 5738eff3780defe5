"""The PostgreSQL backend of :class:`crawler.store.base.Store`: one connection, advisory locks.

The store holds one autocommit connection for the process's work (a crawl's
components share it through the crawler). A write transaction
(:meth:`PostgresStore.write`) takes the store's write lock first, so that
writers on any machine queue as SQLite's do and a batch's checks (is this
URL stored? which story does this text belong to?) see every batch committed
before it; unique keys and ``ON CONFLICT`` keep duplicates out regardless.
Driver errors leave as :class:`StoreError` with the server's first line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg

from crawler.store.base import Store, StoreError, WriteTransaction
from crawler.store.common import driver_errors_as_store_errors
from crawler.store.postgres import connection, schema
from crawler.store.postgres.alerts import AlertStore
from crawler.store.postgres.articles import ArticleStore, ArticleWrites
from crawler.store.postgres.connection import QmarkConnection, one_line, redacted
from crawler.store.postgres.locks import AdvisoryLock, Session, SourceLocks
from crawler.store.postgres.reading import ReadingStore
from crawler.store.postgres.runs import RunStore
from crawler.store.postgres.search import count_matches, search_articles
from crawler.store.postgres.stories import StoryReads

_translated = driver_errors_as_store_errors(psycopg.Error, one_line)


@_translated
class PostgresTransaction(ArticleWrites, StoryReads, WriteTransaction):
    """The writes (and reads) of one write transaction."""


@_translated
class PostgresStore(ArticleStore, RunStore, AlertStore, StoryReads, ReadingStore, Store):
    """A newsmon database on a PostgreSQL server (``postgresql://user:pw@host:port/name``)."""

    _driver_errors = psycopg.Error
    _error_line = staticmethod(one_line)
    _search_articles = staticmethod(search_articles)
    _count_matches = staticmethod(count_matches)

    def __init__(self, url: str, conn: QmarkConnection, read_only: bool = False):
        self.url = url
        self.conn = conn
        self.read_only = read_only
        self._tx = PostgresTransaction(conn)

    # --- opening --------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, migrate: bool = True, read_only: bool = False) -> PostgresStore:
        conn = connection.connect(url, read_only=read_only)
        try:
            if read_only or not migrate:
                if read_only and schema.pending(conn) == [m.__name__ for m in schema.MIGRATIONS]:
                    raise StoreError(f"{redacted(url)}: no newsmon tables in this database")
            else:
                schema.apply_migrations(conn)
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(f"{redacted(url)}: {one_line(exc)}") from None
        except StoreError:
            conn.close()
            raise
        return cls(url, conn, read_only)

    @classmethod
    def exists(cls, url: str) -> bool:
        """Whether the database holds newsmon's tables.

        A server that cannot be reached is a :class:`StoreError` naming the
        cause, not "no such database": the operator must see which it is.
        """
        conn = connection.connect(url)
        try:
            return conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is not None
        finally:
            conn.close()

    @classmethod
    def local_path(cls, url: str) -> Path | None:
        return None

    # --- the hooks of BackendStore ------------------------------------------------
    def _transaction(self) -> AbstractContextManager:
        return connection.write_transaction(self.conn)

    @staticmethod
    def _inserted_id(conn: QmarkConnection, sql: str, params: Sequence[object]) -> int:
        return conn.execute(f"{sql} RETURNING id", params).fetchone()[0]

    # --- locks ----------------------------------------------------------------------
    def source_locks(self, sources: Iterable[str]) -> SourceLocks:
        return SourceLocks(self.url, sources)

    def daemon_lock(self) -> AdvisoryLock:
        # On the store's own session: held while the store is open, as documented.
        return AdvisoryLock(self.url, "daemon", Session(self.url, self.conn))
