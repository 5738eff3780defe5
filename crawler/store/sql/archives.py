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

from crawler.store.common import upsert
from crawler.store.values import Listing, chunks, utcnow_iso

LISTINGS_TABLE = """
    CREATE TABLE archive_listings (
        archive TEXT NOT NULL,
        source TEXT NOT NULL,
        since TEXT NOT NULL,
        until TEXT NOT NULL,
        part TEXT NOT NULL,
        cursor TEXT,
        pages INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (archive, source, since, until, part)
    )
"""
"""The table of m042 (PostgreSQL: m003), created as written by both backends: never edit it, add a migration."""


# A URL listed before keeps its row, except that a capture not yet fetched
# gives way to an earlier one.
_ADD_CAPTURE = upsert(
    "archive_captures",
    ("archive", "url_key", "source", "url", "captured", "location", "listed_at"),
    key=("archive", "url_key"),
    update=("url", "captured", "location"),
    where="archive_captures.state = 'listed' AND excluded.captured < archive_captures.captured",
)
_LISTING_KEY = ("archive", "source", "since", "until", "part")
_SAVE_LISTING = upsert(
    "archive_listings", (*_LISTING_KEY, "cursor", "pages", "done", "updated_at"), _LISTING_KEY
)


class ArchiveStore:
    """Store-level reads and writes of backfills over ``self.conn``."""

    conn: sqlite3.Connection

    def read_windows(self) -> dict[str, str]:
        """``url -> window start`` (ISO 8601 UTC; ``crawler.firstcrawl.ALL_TIME``: no limit) each feed or sitemap was last read in full with."""
        return dict(self.conn.execute("SELECT url, since FROM read_windows"))

    def save_read_windows(self, windows: Mapping[str, str]) -> None:
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                upsert("read_windows", ("url", "since", "read_at"), ("url",)),
                [(url, since, now) for url, since in windows.items()],
            )

    def record_captures(
        self,
        archive: str,
        source: str,
        captures: Sequence[tuple[str, str, str, str | None]],
        listing: Listing | None = None,
    ) -> list[tuple[str, str, str, str | None]]:
        """Add listed ``(url_key, url, captured, location)`` to the ledger; returns those still to fetch.

        A URL listed before keeps its row, except that a capture not yet
        fetched gives way to an earlier one (a later listing may reach
        further back). ``listing`` is saved in the same transaction, so a
        listing resumed after a kill starts after the last page recorded.
        """
        now = utcnow_iso()
        with self.write() as tx:
            tx.conn.executemany(
                _ADD_CAPTURE,
                [
                    (archive, key, source, url, captured, location, now)
                    for key, url, captured, location in captures
                ],
            )
            pending = []
            for part in chunks([c[0] for c in captures], 500):
                pending += tx.conn.execute(
                    "SELECT url_key, url, captured, location FROM archive_captures "
                    f"WHERE archive = ? AND state = 'listed' AND url_key IN ({', '.join('?' for _ in part)})",
                    [archive, *part],
                ).fetchall()
            if listing is not None:
                tx.conn.execute(
                    _SAVE_LISTING,
                    [
                        archive, source, listing.since, listing.until or "", listing.part,
                        listing.cursor, listing.pages, int(listing.done), now,
                    ],
                )  # fmt: skip
        return [tuple(row) for row in pending]

    def listing(
        self, archive: str, source: str, since: str, until: str | None, part: str = ""
    ) -> Listing | None:
        """How far the listing of ``source`` in ``archive`` over this window got (None: never started)."""
        row = self.conn.execute(
            "SELECT cursor, pages, done FROM archive_listings WHERE archive = ? AND source = ? "
            "AND since = ? AND until = ? AND part = ?",
            [archive, source, since, until or "", part],
        ).fetchone()
        if row is None:
            return None
        return Listing(since, until, part, cursor=row[0], pages=row[1], done=bool(row[2]))

    def pending_captures(
        self, archive: str, source: str, since: str, until: str | None
    ) -> list[tuple[str, str, str, str | None]]:
        """``(url_key, url, captured, location)`` listed for ``source`` in the window but not fetched yet."""
        return [
            tuple(row)
            for row in self.conn.execute(
                "SELECT url_key, url, captured, location FROM archive_captures "
                "WHERE archive = ? AND source = ? "
                "AND state = 'listed' AND captured >= ? AND captured <= ? ORDER BY captured",
                [archive, source, since, until or "9999"],
            )
        ]

    def mark_captures(self, archive: str, url_keys: Sequence[str], state: str) -> None:
        """``fetched``, ``failed`` or ``skipped``: these captures are not fetched again."""
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
