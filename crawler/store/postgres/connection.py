"""PostgreSQL connections: autocommit reads, write transactions that queue like SQLite's.

The SQL the two backends share is written once, with SQLite's ``?``
placeholders; :class:`QmarkConnection` hands it to psycopg with ``%s`` ones
(no statement of newsmon has a ``?`` or ``%`` of its own). Booleans are bound
as 0/1, as SQLite stores them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg

from crawler.store.base import StoreError
from crawler.store.values import redacted  # noqa: F401 (callers import it from here)

CONNECT_TIMEOUT_S = 30
_QMARK = re.compile(r"[?%]")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (same on every machine)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


WRITE_LOCK = advisory_key("newsmon:write")
"""Held by every write transaction: writers queue as on SQLite, so a batch's
read-then-write (dedup, story grouping) sees every batch committed before it."""


def _bound(params: Sequence[object] | None) -> list[object] | None:
    if params is None:
        return None
    return [int(p) if isinstance(p, bool) else p for p in params]


class QmarkConnection:
    """A psycopg connection that takes ``?`` placeholders (the SQL shared with SQLite)."""

    def __init__(self, raw: psycopg.Connection):
        self.raw = raw
        self._cursors = 0

    @staticmethod
    def sql(statement: str) -> str:
        return _QMARK.sub(lambda m: "%s" if m.group() == "?" else "%%", statement)

    def execute(self, statement: str, params: Sequence[object] | None = None) -> psycopg.Cursor:
        return self.raw.execute(self.sql(statement), _bound(params))

    def executemany(self, statement: str, rows: Iterable[Sequence[object]]) -> None:
        rows = [_bound(row) for row in rows]
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)

    def stream(
        self, statement: str, params: Sequence[object] | None = None, *, batch: int = 1000
    ) -> Iterator[tuple]:
        """The rows of a query, ``batch`` at a time from a server-side cursor (in a transaction of
        its own, or the caller's): the client never holds the whole result."""
        self._cursors += 1
        with self.raw.transaction(), self.raw.cursor(name=f"newsmon_{self._cursors}") as cursor:
            cursor.itersize = batch
            cursor.execute(self.sql(statement), _bound(params))
            yield from cursor

    def close(self) -> None:
        self.raw.close()


def connect(url: str, *, read_only: bool = False) -> QmarkConnection:
    """An autocommit connection to ``url``; StoreError (one line) when the server refuses."""
    options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, **options)
    except psycopg.Error as exc:
        raise StoreError(f"{redacted(url)}: {one_line(exc)}") from None
    return QmarkConnection(raw)


@contextmanager
def write_transaction(conn: QmarkConnection) -> Iterator[QmarkConnection]:
    """One transaction holding :data:`WRITE_LOCK` (nested use is a savepoint)."""
    outer = conn.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.raw.transaction():
        if outer:
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        yield conn


def one_line(exc: BaseException) -> str:
    """The first line of a driver error (psycopg adds DETAIL and HINT lines)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
