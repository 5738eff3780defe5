"""What the SQLite and PostgreSQL stores share: the store object's frame and the SQL both accept.

A backend's store class derives from :class:`BackendStore` and supplies its
dialect as a few hooks (the driver's errors, its write transaction, its
full-text search, how an inserted row's id comes back), the way SQLAlchemy's
dialects or APScheduler's job stores share one base. The statement builders
write "insert unless there" and "insert or overwrite" as ``ON CONFLICT``,
which SQLite (3.24+) and PostgreSQL both accept, so the concern modules write
those statements once for both backends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar

from crawler.store.values import StoreError, chunks, translate_driver_errors

UNWRAPPED = {"write", "close", "open", "exists", "local_path", "source_locks", "daemon_lock"}
"""Store methods that translate errors themselves (or raise none of the driver's)."""


def driver_errors_as_store_errors(errors: type[Exception] | tuple, message: Callable):
    """The class decorator of a backend's store and transaction classes (see
    :func:`~crawler.store.values.translate_driver_errors`)."""
    return translate_driver_errors(errors, message, UNWRAPPED)


def insert_new(table: str, columns: Sequence[str]) -> str:
    """Insert one row of ``columns`` unless its key is there (the row there stays as it is)."""
    return f"{_insert(table, columns)} ON CONFLICT DO NOTHING"


def upsert(
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    *,
    update: Sequence[str] | None = None,
    where: str = "",
) -> str:
    """Insert one row of ``columns``, or overwrite the row with its ``key``: its ``update``
    columns (default: every other one), only where ``where`` holds when given (``excluded``
    names the row offered)."""
    if update is None:
        update = [c for c in columns if c not in key]
    updates = ", ".join(f"{c} = excluded.{c}" for c in update)
    return f"{_insert(table, columns)} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}" + (
        f" WHERE {where}" if where else ""
    )


def newest_per_key(
    conn: Any, select: str, keys: Sequence[object], limit: int, per_statement: int | None = None
) -> list[tuple]:
    """The rows of ``select`` (``?`` for one key, then ``LIMIT ?``) for each of ``keys``, in order.

    One statement for ``per_statement`` keys (all when None), a LIMITed
    subquery per key: the cost does not grow with the table. (The alias:
    PostgreSQL before 16 wants one on a subquery in FROM.)
    """
    part = f"SELECT * FROM ({select}) AS held"
    found: list[tuple] = []
    for chunk in chunks(keys, per_statement or max(len(keys), 1)):
        found.extend(
            conn.execute(
                " UNION ALL ".join([part] * len(chunk)),
                [x for key in chunk for x in (key, limit)],
            )
        )
    return found


def search_conditions(
    match: str, term: object, sources: Sequence[str], relevant: bool
) -> tuple[list[str], list[object]]:
    """The conditions of :meth:`BackendStore.search` on articles ``a`` and their parameters: the
    backend's full-text ``match`` (its parameter ``term``), then the sources and relevance."""
    where, params = [match], [term]
    if sources:
        where.append(f"a.source IN ({', '.join('?' for _ in sources)})")
        params.extend(sources)
    if relevant:
        where.append("a.relevant = 1")
    return where, params


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


class BackendStore:
    """The frame of a backend's store: closing, write transactions, full-text search.

    The hooks a backend supplies: :attr:`_driver_errors` and :meth:`_error_line`
    (what leaves :meth:`write` as :class:`StoreError`), :meth:`_transaction`
    (its write transaction on ``self.conn``), :attr:`_search_articles` and
    :attr:`_count_matches` (its full-text search, as functions of the
    connection) and :meth:`_inserted_id`.
    """

    conn: Any
    _tx: Any
    """The transaction object :meth:`write` hands out (over ``self.conn``)."""
    _driver_errors: ClassVar[type[Exception] | tuple]
    _search_articles: Callable[..., list[dict]]
    _count_matches: Callable[..., int]

    @staticmethod
    def _error_line(exc: Exception) -> str:
        return str(exc) or type(exc).__name__

    def _transaction(self) -> AbstractContextManager:
        raise NotImplementedError

    @staticmethod
    def _inserted_id(conn: Any, sql: str, params: Sequence[object]) -> int:
        """Run the ``INSERT`` ``sql`` of one row with an ``id`` column; the id it was given."""
        raise NotImplementedError

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Any]:
        """A short write transaction; concurrent writers wait for each other, never duplicate a row."""
        try:
            with self._transaction():
                yield self._tx
        except self._driver_errors as exc:
            raise StoreError(self._error_line(exc)) from exc

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        sources: Sequence[str] = (),
        relevant: bool = False,
    ) -> list[dict]:
        """Articles matching a full-text ``query``, best first: ``id, published_at, source, title,
        url, relevant, snippet`` (matched words in ``[`` ``]``). Raises :class:`SearchQueryError`."""
        return self._search_articles(
            self.conn, query, limit=limit, sources=sources, relevant=relevant
        )

    def count_matches(self, query: str) -> int:
        """How many articles a full-text ``query`` matches."""
        return self._count_matches(self.conn, query)
