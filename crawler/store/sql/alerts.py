"""Alerts: their stories and the delivery ledger (``alerts``, ``alert_channels``, ``alert_deliveries``).

A story is the set of articles sharing a ``story_id`` (the id of its first
stored article). The ledger remembers, per alert and channel, which stories
the channel accepted and with how many outlets. When two stories merge, the
survivor holds the other's first article, so "delivered" is looked up
through every article id of the story: a merge does not resend a story.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from crawler.store.common import insert_new, upsert
from crawler.store.sql.topics import TopicFilters
from crawler.store.values import AlertClaim, AlertStory, SearchQueryError, StoreError, chunks

_STORY_BATCH = 500
_UPSERT_DELIVERY = upsert(
    "alert_deliveries",
    ("alert", "channel", "story_id", "outlets", "delivered_at"),
    key=("alert", "channel", "story_id"),
)


def shape_stories(rows: Sequence[tuple]) -> list[AlertStory]:
    """Fold article rows ``(story_id, first_seen_at, title, url, source, language, topics)``,
    ordered by story then publication, into one :class:`AlertStory` per story (input order)."""
    stories: dict[int, dict] = {}
    for story_id, first_seen, title, url, source, language, topics in rows:
        story = stories.get(story_id)
        if story is None:
            story = stories[story_id] = {
                "story_id": story_id,
                "title": title,
                "url": url,
                "outlets": [],
                "languages": [],
                "first_seen": first_seen,
                "topics": set(),
            }
        story["first_seen"] = min(story["first_seen"], first_seen)
        if source not in story["outlets"]:
            story["outlets"].append(source)
        if language and language not in story["languages"]:
            story["languages"].append(language)
        try:
            story["topics"].update(json.loads(topics or "[]"))
        except (ValueError, TypeError):
            pass  # an unreadable topics cell is rescore's to count; the story still goes out
    return [AlertStory(**{**s, "topics": sorted(s["topics"])}) for s in stories.values()]


class AlertStore(TopicFilters):
    """The alert methods of :class:`crawler.store.base.Store` over ``self.conn``.

    A story is delivered once per alert and channel: the ledger is written only
    after the channel accepted it; a lease keeps two ``alerts run`` off one channel.

    What SQL dialects write differently is in class attributes (and
    :meth:`_match_clause`, :meth:`_story_ids`), which the PostgreSQL backend overrides.
    """

    conn: sqlite3.Connection

    # Delivered outlets of a story on one channel, through every article id of the
    # story (see the module docstring); 0 when never delivered. CROSS JOIN keeps
    # SQLite from scanning the channel's whole ledger once per story.
    _DELIVERED = (
        "COALESCE((SELECT MAX(d.outlets) FROM articles a2 CROSS JOIN alert_deliveries d "
        "ON d.alert = ? AND d.channel = ? AND d.story_id = a2.id WHERE a2.story_id = s.sid), 0)"
    )

    def alert_start(self, alert: str, now: str) -> str:
        """When ``alert`` was first run (recorded at ``now`` the first time it is asked)."""
        with self.write() as tx:
            tx.conn.execute(insert_new("alerts", ("name", "created_at")), [alert, now])
            return tx.conn.execute(
                "SELECT created_at FROM alerts WHERE name = ?", [alert]
            ).fetchone()[0]

    def alert_stories(
        self,
        *,
        topics: Sequence[str] = (),
        search: str | None = None,
        since: str | None = None,
        pending_for: tuple[str, str] | None = None,
        updates: bool = False,
        limit: int = 50,
    ) -> list[AlertStory]:
        """Relevant stories (with one of ``topics`` if given, an article matching the full-text
        ``search``), first seen from ``since``. With ``pending_for=(alert, channel)``: those the
        channel has not accepted yet (or, with ``updates``, that more outlets carry since), oldest
        first; without: the newest first. Raises :class:`SearchQueryError`."""
        hit_where = ["a.relevant = 1"]
        params: list[object] = []
        if topics:
            # Checked per candidate: the relevant articles are few, and with ``since``
            # an index range of their first sightings.
            hit_where.append(self._topic_condition(topics, walk=True))
            params.extend(topics)
        if search:
            clause, match = self._match_clause(search)
            hit_where.append(clause)
            params.append(match)
        if since:
            # A story first seen from `since` on has every copy seen from then on.
            hit_where.append("a.first_seen_at >= ?")
            params.append(since)
        where: list[str] = []
        if since:
            where.append("s.first_seen >= ?")
            params.append(since)
        if pending_for:
            where.append(f"{self._DELIVERED} < (CASE WHEN ? = 1 THEN s.outlets ELSE 1 END)")
            params.extend([*pending_for, int(updates)])
        order = "s.first_seen, s.sid" if pending_for else "s.first_seen DESC, s.sid DESC"
        sql = (
            "WITH hits AS (SELECT DISTINCT a.story_id AS sid FROM articles a "
            f"WHERE {' AND '.join(hit_where)}), "
            "s AS (SELECT a.story_id AS sid, MIN(a.first_seen_at) AS first_seen, "
            "COUNT(DISTINCT a.source) AS outlets FROM articles a "
            "WHERE a.story_id IN (SELECT sid FROM hits) GROUP BY a.story_id) "
            f"SELECT s.sid FROM s {'WHERE ' + ' AND '.join(where) if where else ''} "
            f"ORDER BY {order} LIMIT ?"
        )
        params.append(limit)
        return self._stories(self._story_ids(sql, params, searching=bool(search)))

    def _match_clause(self, search: str) -> tuple[str, object]:
        """The condition that article ``a`` matches the full-text ``search``, and its parameter."""
        # Checked per candidate (a seek in the match list): a query matching most of
        # the archive would otherwise build the whole list first.
        return (
            "EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.id AND f.articles_fts MATCH ?)",
            search,
        )

    def _story_ids(self, sql: str, params: list[object], *, searching: bool) -> list[int]:
        try:
            return [sid for (sid,) in self.conn.execute(sql, params)]
        except sqlite3.OperationalError as exc:
            if searching and "no such table" not in str(exc):
                raise SearchQueryError(str(exc)) from None
            raise StoreError(str(exc)) from None

    def _stories(self, ids: list[int]) -> list[AlertStory]:
        by_id: dict[int, AlertStory] = {}
        for batch in chunks(ids, _STORY_BATCH):
            rows = self.conn.execute(
                "SELECT story_id, first_seen_at, title, url, source, language, topics "
                f"FROM articles WHERE story_id IN ({', '.join('?' for _ in batch)}) "
                "ORDER BY story_id, COALESCE(published_at, first_seen_at), id",
                list(batch),
            ).fetchall()
            by_id.update((story.story_id, story) for story in shape_stories(rows))
        return [by_id[i] for i in ids if i in by_id]

    def claim_alert_channel(
        self, alert: str, channel: str, *, owner: str, now: str, lease_until: str
    ) -> AlertClaim:
        """Take the channel's lease until ``lease_until`` if it is due and no other owner holds it."""
        with self.write() as tx:
            tx.conn.execute(insert_new("alert_channels", ("alert", "channel")), [alert, channel])
            failures, next_at, holder, held_until = tx.conn.execute(
                "SELECT failures, next_attempt_at, lease_owner, lease_until FROM alert_channels "
                "WHERE alert = ? AND channel = ?",
                [alert, channel],
            ).fetchone()
            if holder and holder != owner and held_until and held_until > now:
                return AlertClaim(False, failures, next_at, busy_until=held_until)
            if next_at and next_at > now:
                return AlertClaim(False, failures, next_at)
            tx.conn.execute(
                "UPDATE alert_channels SET lease_owner = ?, lease_until = ? "
                "WHERE alert = ? AND channel = ?",
                [owner, lease_until, alert, channel],
            )
            return AlertClaim(True, failures, next_at)

    def record_alert_delivery(
        self,
        alert: str,
        channel: str,
        stories: Sequence[AlertStory],
        *,
        owner: str,
        now: str,
        lease_until: str,
    ) -> None:
        """The channel accepted ``stories``: remember them, clear its failures, extend the lease."""
        with self.write() as tx:
            tx.conn.executemany(
                _UPSERT_DELIVERY,
                [(alert, channel, s.story_id, len(s.outlets), now) for s in stories],
            )
            tx.conn.execute(
                "UPDATE alert_channels SET failures = 0, next_attempt_at = NULL, "
                "last_error = NULL, last_success_at = ?, "
                "lease_until = CASE WHEN lease_owner = ? THEN ? ELSE lease_until END "
                "WHERE alert = ? AND channel = ?",
                [now, owner, lease_until, alert, channel],
            )

    def record_alert_failure(
        self, alert: str, channel: str, *, owner: str, error: str, retry_at: str
    ) -> None:
        """An attempt failed: count it, set the next attempt time, release the lease."""
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE alert_channels SET failures = failures + 1, next_attempt_at = ?, "
                "last_error = ?, "
                "lease_owner = CASE WHEN lease_owner = ? THEN NULL ELSE lease_owner END, "
                "lease_until = CASE WHEN lease_owner = ? THEN NULL ELSE lease_until END "
                "WHERE alert = ? AND channel = ?",
                [retry_at, error, owner, owner, alert, channel],
            )

    def release_alert_channel(self, alert: str, channel: str, *, owner: str) -> None:
        with self.write() as tx:
            tx.conn.execute(
                "UPDATE alert_channels SET lease_owner = NULL, lease_until = NULL "
                "WHERE alert = ? AND channel = ? AND lease_owner = ?",
                [alert, channel, owner],
            )
