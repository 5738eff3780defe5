"""Source and daemon locks of the PostgreSQL backend: session-level advisory locks.

An advisory lock lives in the server, so it holds across every machine that
writes to the database, and the server drops it when the holding session
ends, however the process died: no stale lock. Each lock set has its own
connection (a crawl's store connection runs transactions; locks outlive
them). Who holds a lock is recorded in ``lock_holders`` for the waiting
side's message; a record whose session no longer holds the lock is ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import psycopg

from crawler.store.base import Holder, StoreError, utcnow_iso
from crawler.store.filelocks import SourceLocks as FileSourceLocks
from crawler.store.postgres.connection import QmarkConnection, advisory_key, connect, one_line


class Session:
    """The connection a lock set holds its locks on, opened at the first attempt."""

    def __init__(self, url: str, conn: QmarkConnection | None = None):
        self.url = url
        self.conn = conn
        self.borrowed = conn is not None
        """A borrowed connection (the store's) is its owner's to close."""

    def get(self) -> QmarkConnection:
        if self.conn is None:
            self.conn = connect(self.url)
        return self.conn

    def close(self) -> None:
        if self.conn is not None and not self.borrowed:
            conn, self.conn = self.conn, None
            conn.close()  # the server releases whatever this session still holds


class AdvisoryLock:
    """One exclusive lock named ``name`` in the database at ``url`` (a :class:`crawler.store.base.Lock`)."""

    def __init__(self, url: str, name: str, session: Session | None = None):
        self.name = name
        self.key = advisory_key(f"newsmon:{name}")
        self._own_session = session is None
        self.session = session or Session(url)
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self, *, run_id: int | None = None) -> bool:
        if self._held:
            return True
        try:
            conn = self.session.get()
            self._held = conn.execute("SELECT pg_try_advisory_lock(?)", [self.key]).fetchone()[0]
        except psycopg.Error as exc:
            raise StoreError(f"lock {self.name}: {one_line(exc)}") from None
        if self._held:
            self.write_holder(run_id=run_id)
        return self._held

    def write_holder(self, *, run_id: int | None = None) -> None:
        """Record this process (and its run id) as the holder."""
        if not self._held:
            return
        self.session.get().execute(
            "INSERT INTO lock_holders (name, pid, run_id, since, backend_pid) "
            "VALUES (?, ?, ?, ?, pg_backend_pid()) ON CONFLICT (name) DO UPDATE SET "
            "pid = excluded.pid, run_id = excluded.run_id, since = excluded.since, "
            "backend_pid = excluded.backend_pid",
            [self.name, os.getpid(), run_id, utcnow_iso()],
        )

    def holder(self) -> Holder | None:
        try:
            row = (
                self.session.get()
                .execute(
                    "SELECT h.pid, h.run_id, h.since FROM lock_holders h WHERE h.name = ? AND "
                    "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.pid = h.backend_pid AND l.database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database()))",
                    [self.name],
                )
                .fetchone()
            )
        except (psycopg.Error, StoreError):
            return None
        return Holder(*row) if row else None

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        try:
            conn = self.session.get()
            conn.execute(
                "DELETE FROM lock_holders WHERE name = ? AND backend_pid = pg_backend_pid()",
                [self.name],
            )
            conn.execute("SELECT pg_advisory_unlock(?)", [self.key])
        except psycopg.Error:
            self.session.close()  # a broken session has lost its locks anyway
        if self._own_session:
            self.session.close()


class SourceLocks(FileSourceLocks):
    """The locks of the sources one crawl wants, on one session; see :meth:`acquire`."""

    def __init__(self, url: str, sources: Iterable[str]):
        self.directory = "the database"
        self.session = Session(url)
        self.locks = {
            name: AdvisoryLock(url, f"source:{name}", self.session)
            for name in dict.fromkeys(sources)
        }

    def release(self) -> None:
        super().release()
        self.session.close()
