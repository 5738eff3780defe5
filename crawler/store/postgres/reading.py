"""What readers ask of the archive on PostgreSQL: stories, search grouped by story, exports.

The statements are SQLite's (:mod:`crawler.store.sqlite.reading`) where the
dialects agree; this module supplies what differs: ``jsonb`` for the JSON
lists, server-side cursors so that an export of a million articles holds a
batch of rows at a time, the schema's columns, and the story search over the
``tsquery`` translation of a query as typed that :meth:`~crawler.store.base.Store.search`
uses (:func:`crawler.store.textsearch.typed_query`).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg

from crawler.store.base import ArticleFilter, StoryHit
from crawler.store.postgres.connection import QmarkConnection
from crawler.store.sqlite.reading import _WHEN, NO_FILTER, newest_per_story, story_hits
from crawler.store.sqlite.reading import ReadingStore as SqliteReadingStore
from crawler.store.sqlite.search import SNIPPET_CLOSE, SNIPPET_OPEN
from crawler.store.textsearch import snippet, typed_query

_ROWS_PER_STORY = 4
FEW_MATCHES = 20_000
"""Up to this many matching articles (as estimated), a story search reads every match from the
GIN index; above, it walks the date index from the newest article."""
"""Matching rows read per story wanted, at first (and the growth when they were too few)."""
TOPIC_ELEMENTS = "jsonb_array_elements_text({col}::jsonb) AS jt(value)"
"""The elements of the JSON list in column ``{col}``, as rows with a ``jt.value`` (read where a
store predates ``article_topics``: :mod:`crawler.store.sql.topics`)."""


class ReadingStore(SqliteReadingStore):
    """Reads for people over ``self.conn`` (mixed into the PostgreSQL store)."""

    conn: QmarkConnection
    _DRIVER_ERROR = psycopg.Error
    _TOPICS = TOPIC_ELEMENTS

    def _stream(self, sql: str, params: list[object]) -> Iterator[tuple]:
        return self.conn.stream(sql, params)

    def _columns(self, table: str) -> list[str]:
        return [
            name
            for (name,) in self.conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                [table],
            )
        ]

    def _few_matches(
        self, matching: str, params: list[object], limit: int, tsquery: str
    ) -> list[tuple] | None:
        """The newest ``limit`` stories of a query that few articles match: every match read
        through the GIN index, then ordered; ``None`` for a query too common for that.

        Few is the planner's own estimate (its statistics of the words), but the plan is not
        left to it: it sorts a rare word's matches well, yet estimates a NEAR query (an OR of
        phrases) as the sum of its parts and walks the date index through every article,
        checking each (40 s for 46 matches among 1M articles). Within this transaction it has
        no plan but the index's bitmap, which stops at the cap if the estimate was wrong.

        The estimate is of the words' matches alone, what the bitmap reads: with the filters,
        a common word within one topic is estimated as few (10.5k of 200k articles) while the
        bitmap reads its 180k matches (290 ms, where the date walk stops after 2.5 ms).
        """
        words = "SELECT 1 FROM articles a WHERE a.search_vector @@ ?::tsquery"
        plan = self.conn.execute(f"EXPLAIN (FORMAT JSON) {words}", [tsquery]).fetchone()[0]
        if plan[0]["Plan"]["Plan Rows"] > FEW_MATCHES:
            return None
        with self.conn.raw.transaction():
            self.conn.execute("SET LOCAL enable_seqscan = off")
            self.conn.execute("SET LOCAL enable_indexscan = off")
            found = self.conn.execute(f"{matching} LIMIT ?", [*params, FEW_MATCHES + 1]).fetchall()
        if len(found) > FEW_MATCHES:
            return None
        found.sort(key=lambda row: (row[-1], row[0]), reverse=True)
        return newest_per_story((row[:-1] for row in found), limit)

    def _newest_matches(self, matching: str, params: list[object], limit: int) -> list[tuple]:
        """The newest ``limit`` stories of a query many articles match, walking the date index."""
        # Newest first with a LIMIT: for a common word the planner walks the date index
        # (m003) from the newest article and stops, instead of sorting every match. Copies
        # of one story use up rows, so an answer short of stories is asked again, for more.
        sql = f"{matching} ORDER BY at DESC, a.id DESC LIMIT ?"
        batch = limit * _ROWS_PER_STORY
        while True:
            found = self.conn.execute(sql, [*params, batch]).fetchall()
            rows = newest_per_story((row[:-1] for row in found), limit)
            if len(rows) == limit or len(found) < batch:
                return rows
            batch *= _ROWS_PER_STORY

    def search_stories(
        self, query: str, filters: ArticleFilter = NO_FILTER, *, limit: int = 20
    ) -> list[StoryHit]:
        parsed = typed_query(query)
        condition, params = self._where(filters, walk=True)
        matching = (
            "SELECT a.id, a.story_id, a.published_at, a.source, a.title, a.url, a.relevant, "
            f"a.topics, {_WHEN.format(a='a')} AS at FROM articles a "
            f"WHERE a.search_vector @@ ?::tsquery AND {condition}"
        )
        rows = self._few_matches(matching, [parsed.tsquery, *params], limit, parsed.tsquery)
        if rows is None:
            rows = self._newest_matches(matching, [parsed.tsquery, *params], limit)
        copies = self._copies([row[1] for row in rows])
        ids = [copy["id"] for story in copies.values() for copy in story]
        snippets = {
            article_id: snippet(body, parsed, marks=(SNIPPET_OPEN, SNIPPET_CLOSE))
            for article_id, body in self.conn.execute(
                "SELECT id, body FROM articles WHERE search_vector @@ ?::tsquery AND id = ANY(?)",
                [parsed.tsquery, ids],
            )
        }
        return story_hits(rows, copies, snippets)
