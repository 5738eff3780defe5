"""Freshness: the polls of each feed, the entries they listed, and how long new articles took.

The SQL is written for both backends (PostgreSQL runs it through
``QmarkConnection``); only the ``freshness`` view's notion of "a day ago"
differs, see :func:`freshness_query`.

- ``feed_polls``: one row per request of a feed or news sitemap, the history
  :func:`crawler.freshness.next_poll` learns from; a feed keeps its polls of
  :data:`crawler.polling.HISTORY` and at most :data:`MAX_POLLS_PER_FEED`.
- ``feed_entries``: the entries each feed has listed (by URL key), with when
  a poll first and last listed them, so that a poll's new entries are those
  no earlier poll listed. Entries not listed for a while are pruned.
- ``article_lags``: for each new article, its publication time, its first
  listing in a feed, and when its row was made.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from crawler.store.values import (
    ArticleLag,
    ListedEntry,
    NewArticle,
    PollRow,
    SourceFreshness,
    chunks,
)

MAX_POLLS_PER_FEED = 200
"""Polls kept per feed, so that the history the daemon reads on each tick stays small:
200 polls are 6½ hours of a feed polled every 2 minutes, 7 days of one polled hourly."""

FRESHNESS_TABLES = [
    """
    CREATE TABLE feed_polls (
        id {id} PRIMARY KEY,
        feed_url TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        status INTEGER,
        new_entries INTEGER NOT NULL DEFAULT 0,
        entry_times TEXT NOT NULL DEFAULT '[]',
        retry_after_s {real},
        hint_s {real},
        listed INTEGER
    )
    """,
    "CREATE INDEX idx_feed_polls_feed ON feed_polls(feed_url, at)",
    "CREATE INDEX idx_feed_polls_at ON feed_polls(at)",
    """
    CREATE TABLE feed_entries (
        feed_url TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        source TEXT NOT NULL,
        first_listed_at TEXT NOT NULL,
        last_listed_at TEXT NOT NULL,
        published_at TEXT,
        PRIMARY KEY (feed_url, entry_key)
    )
    """,
    """
    CREATE TABLE article_lags (
        article_id {bigint} PRIMARY KEY REFERENCES articles(id),
        source TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        published_at TEXT,
        first_listed_at TEXT,
        lag_publication_s {real},
        lag_feed_s {real}
    )
    """,
    "CREATE INDEX idx_article_lags_stored ON article_lags(stored_at, source)",
]
"""The freshness tables of both backends (``{id}``, ``{real}``, ``{bigint}``: each one's types)."""

SQLITE_DAY_AGO = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-1 day')"


def _median(column: str) -> str:
    # Neither backend's SQL shares a median aggregate: rank the values, average the middle one(s).
    return f"""
        SELECT source, {column} AS lag,
               ROW_NUMBER() OVER (PARTITION BY source ORDER BY {column}) AS rn,
               COUNT(*) OVER (PARTITION BY source) AS n
        FROM recent WHERE {column} IS NOT NULL"""


def freshness_query(since: str) -> str:
    """Per source: new articles with a lag stored from ``since`` (an SQL expression), their median lags."""
    return f"""
        WITH recent AS (
            SELECT source, stored_at, lag_publication_s, lag_feed_s FROM article_lags
            WHERE stored_at >= {since}
        ),
        pub AS ({_median("lag_publication_s")}),
        feed AS ({_median("lag_feed_s")})
        SELECT r.source AS source,
               COUNT(*) AS articles,
               (SELECT AVG(lag) FROM pub WHERE pub.source = r.source
                  AND pub.rn IN ((pub.n + 1) / 2, (pub.n + 2) / 2)) AS median_lag_publication_s,
               (SELECT AVG(lag) FROM feed WHERE feed.source = r.source
                  AND feed.rn IN ((feed.n + 1) / 2, (feed.n + 2) / 2)) AS median_lag_feed_s,
               MAX(r.stored_at) AS last_stored_at
        FROM recent r GROUP BY r.source"""


def _times(text: str | None) -> tuple[str, ...]:
    # Most polls find nothing new: their empty list is not worth a JSON parse.
    return tuple(json.loads(text)) if text and text != "[]" else ()


class FreshnessStore:
    """Store-level reads and writes of feed polls and lags over ``self.conn``."""

    conn: sqlite3.Connection

    def listed_before(self, feed_url: str, keys: Sequence[str]) -> dict[str, str]:
        """``key -> first listed at`` of those of entry ``keys`` an earlier poll of ``feed_url`` listed."""
        found: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(keys)), 500):
            found.update(
                self.conn.execute(
                    "SELECT entry_key, first_listed_at FROM feed_entries WHERE feed_url = ? "
                    f"AND entry_key IN ({', '.join('?' for _ in part)})",
                    [feed_url, *part],
                ).fetchall()
            )
        return found

    def record_polls(
        self,
        polls: Sequence[PollRow],
        entries: Sequence[ListedEntry],
        *,
        polls_since: str,
        entries_since: str,
    ) -> None:
        """Record polls and the entries they listed (an entry listed before keeps its first time);
        drop the polls of these feeds older than ``polls_since`` (or past the most recent
        ones kept per feed) and their entries last listed before ``entries_since``."""
        with self.write() as tx:
            tx.conn.executemany(
                "INSERT INTO feed_polls (feed_url, source, at, status, new_entries, entry_times, "
                "retry_after_s, hint_s, listed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (p.feed_url, p.source, p.at, p.status, p.new_entries,
                     json.dumps(list(p.entry_times)), p.retry_after_s, p.hint_s, p.listed)
                    for p in polls
                ],
            )  # fmt: skip
            tx.conn.executemany(
                "INSERT INTO feed_entries (feed_url, entry_key, source, first_listed_at, "
                "last_listed_at, published_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (feed_url, entry_key) DO UPDATE SET "
                "last_listed_at = excluded.last_listed_at "
                "WHERE excluded.last_listed_at > feed_entries.last_listed_at",
                [
                    (e.feed_url, e.key, e.source, e.listed_at, e.listed_at, e.published_at)
                    for e in entries
                ],
            )
            for feed_url in sorted({p.feed_url for p in polls}):
                tx.conn.execute(
                    "DELETE FROM feed_polls WHERE feed_url = ? AND (at < ? OR id NOT IN "
                    "(SELECT id FROM feed_polls WHERE feed_url = ? ORDER BY at DESC, id DESC LIMIT ?))",
                    [feed_url, polls_since, feed_url, MAX_POLLS_PER_FEED],
                )
                tx.conn.execute(
                    "DELETE FROM feed_entries WHERE feed_url = ? AND last_listed_at < ?",
                    [feed_url, entries_since],
                )

    def feed_polls(
        self, since: str, feeds: Sequence[str] | None = None
    ) -> dict[str, list[PollRow]]:
        """``feed url -> its polls answered from since``, oldest first (of ``feeds`` only, if given)."""
        where, params = "at >= ?", [since]
        if feeds is not None:
            if not feeds:
                return {}
            where += f" AND feed_url IN ({', '.join('?' for _ in feeds)})"
            params += list(feeds)
        history: dict[str, list[PollRow]] = {}
        for url, source, at, status, new, times, retry, hint, listed in self.conn.execute(
            "SELECT feed_url, source, at, status, new_entries, entry_times, retry_after_s, hint_s, "
            f"listed FROM feed_polls WHERE {where} ORDER BY feed_url, at, id",
            params,
        ):
            history.setdefault(url, []).append(
                PollRow(url, source, at, status, new, _times(times), retry, hint, listed)
            )
        return history

    def new_articles(self, keys: Sequence[str], since: str) -> list[NewArticle]:
        """The articles known under one of ``keys`` (URL key or alias) whose row was made at or after ``since``."""
        found: list[NewArticle] = []
        columns = "a.id, a.source, a.published_at, a.first_seen_at"
        for part in chunks(list(dict.fromkeys(keys)), 400):
            marks = ", ".join("?" for _ in part)
            rows = self.conn.execute(
                f"SELECT a.url_key, {columns} FROM articles a "
                f"WHERE a.url_key IN ({marks}) AND a.first_seen_at >= ? UNION ALL "
                f"SELECT u.url_key, {columns} FROM url_aliases u JOIN articles a ON a.id = u.article_id "
                f"WHERE u.url_key IN ({marks}) AND a.first_seen_at >= ?",
                [*part, since, *part, since],
            )
            found += [NewArticle(*row) for row in rows]
        return found

    def record_lags(self, lags: Sequence[ArticleLag]) -> None:
        """Record new articles' lags (an article recorded before keeps its row)."""
        with self.write() as tx:
            tx.conn.executemany(
                "INSERT INTO article_lags (article_id, source, stored_at, published_at, "
                "first_listed_at, lag_publication_s, lag_feed_s) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (article_id) DO NOTHING",
                [
                    (lag.article_id, lag.source, lag.stored_at, lag.published_at, lag.first_listed_at,
                     lag.lag_publication_s, lag.lag_feed_s)
                    for lag in lags
                ],
            )  # fmt: skip

    def freshness(self, since: str) -> dict[str, SourceFreshness]:
        """``source -> its median lags`` over the articles stored at or after ``since``."""
        return {
            row[0]: SourceFreshness(*row)
            for row in self.conn.execute(freshness_query("?"), [since])
        }
