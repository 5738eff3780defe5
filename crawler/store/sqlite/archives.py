"""Backfill: the window each feed or sitemap was last read with (the SQLite statements).

A conditional GET only tells whether a document changed, not whether the
crawl asking wants older entries than the last one took: the window start a
document was last read in full with is kept beside its validators
(``read_windows``), so a crawl reaching further back reads it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from crawler.store.base import utcnow_iso


class ArchiveStore:
    """Store-level reads and writes of backfills over ``self.conn``."""

    conn: sqlite3.Connection

    def read_windows(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT url, since FROM read_windows"))

    def save_read_windows(self, windows: Mapping[str, str]) -> None:
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                "INSERT OR REPLACE INTO read_windows (url, since, read_at) VALUES (?, ?, ?)",
                [(url, since, now) for url, since in windows.items()],
            )
