"""Backfill: the window each feed or sitemap was last read with, the ledger of archive captures.

The SQL is written for both backends (PostgreSQL runs it through
``QmarkConnection``).

A conditional GET only tells whether a document changed, not whether the
crawl asking wants older entries than the last one took: the window start a
document was last read in full with is kept beside its validators
(``read_windows``), so a crawl reaching further back reads it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from crawler.store.base import chunks, utcnow_iso


class ArchiveStore:
    """Store-level reads and writes of backfills over ``self.conn``."""

    conn: sqlite3.Connection

    def read_windows(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT url, since FROM read_windows"))

    def save_read_windows(self, windows: Mapping[str, str]) -> None:
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                "INSERT INTO read_windows (url, since, read_at) VALUES (?, ?, ?) ON CONFLICT (url) "
                "DO UPDATE SET since = excluded.since, read_at = excluded.read_at",
                [(url, since, now) for url, since in windows.items()],
            )

    def record_captures(
        self, archive: str, source: str, captures: Sequence[tuple[str, str, str]]
    ) -> list[tuple[str, str, str]]:
        """Add listed ``(url_key, url, captured)`` to the ledger; returns those still to fetch.

        A URL listed before keeps its row, except that a capture not yet
        fetched gives way to an earlier one (a later listing may reach
        further back).
        """
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                "INSERT INTO archive_captures (archive, url_key, source, url, captured, listed_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (archive, url_key) DO UPDATE SET "
                "url = excluded.url, captured = excluded.captured "
                "WHERE archive_captures.state = 'listed' "
                "AND excluded.captured < archive_captures.captured",
                [(archive, key, source, url, captured, now) for key, url, captured in captures],
            )
            pending = []
            for part in chunks([key for key, _, _ in captures], 500):
                pending += tx.conn.execute(
                    "SELECT url_key, url, captured FROM archive_captures WHERE archive = ? "
                    f"AND state = 'listed' AND url_key IN ({', '.join('?' for _ in part)})",
                    [archive, *part],
                ).fetchall()
        return [tuple(row) for row in pending]

    def pending_captures(
        self, archive: str, source: str, since: str, until: str | None
    ) -> list[tuple[str, str, str]]:
        """``(url_key, url, captured)`` listed for ``source`` in the window but not fetched yet."""
        return [
            tuple(row)
            for row in self.conn.execute(
                "SELECT url_key, url, captured FROM archive_captures WHERE archive = ? AND source = ? "
                "AND state = 'listed' AND captured >= ? AND captured <= ? ORDER BY captured",
                [archive, source, since, until or "9999"],
            )
        ]

    def mark_captures(self, archive: str, url_keys: Sequence[str], state: str) -> None:
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                "UPDATE archive_captures SET state = ?, fetched_at = ? WHERE archive = ? AND url_key = ?",
                [(state, now, archive, key) for key in url_keys],
            )

    def capture_states(self, archive: str | None = None) -> dict[str, dict[str, int]]:
        """``source -> state -> count`` of the ledger (of one archive, or all)."""
        counts: dict[str, dict[str, int]] = {}
        # The filter only when given: PostgreSQL cannot type a parameter compared with NULL alone.
        where, params = ("WHERE archive = ?", [archive]) if archive is not None else ("", [])
        for source, state, n in self.conn.execute(
            f"SELECT source, state, COUNT(*) FROM archive_captures {where} GROUP BY source, state",
            params,
        ):
            counts.setdefault(source, {})[state] = n
        return counts
