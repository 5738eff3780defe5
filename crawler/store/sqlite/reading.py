"""What readers ask of the archive: stories, search grouped by story, exports. The SQLite statements.

Everything here reads through a cursor and hands rows on as they come, so
an export of a million articles holds one row (one story) at a time.
"""

from __future__ import annotations

import bisect
import functools
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from crawler.store.base import (
    EXPORT_FIELDS,
    LIST_FIELDS,
    ArticleFilter,
    SearchQueryError,
    StoreError,
    Story,
    StoryHit,
)
from crawler.store.sql.topics import TopicFilters
from crawler.store.sqlite.search import SNIPPET_CLOSE, SNIPPET_OPEN, match_expression

NO_FILTER = ArticleFilter()
_WHEN = "coalesce({a}.published_at, {a}.first_seen_at)"
STORY_WALK = 250
"""Articles a listing of the newest stories walks per story wanted before it groups every
selected article instead."""
_ABOVE_ANY_ID = float("inf")
"""Ranks after every story id: ``(t, _ABOVE_ANY_ID)`` follows every story first seen at ``t``."""
_COPY_CHUNK = 1000
TOPIC_ELEMENTS = "json_each({col}) jt"
"""The elements of the JSON list in column ``{col}``, as rows with a ``jt.value`` (read where a
store predates ``article_topics``: :mod:`crawler.store.sql.topics`)."""
SUBSET_TABLES = (
    "article_versions",
    "url_aliases",
    "story_bands",
    "story_paragraphs",
    "translation_signatures",
    "translation_keys",
    "story_links",
)
"""What a subset database holds of each of its articles beside the row (``export_subset``):
earlier texts, other URLs, the copy index and the translation index, so that
stories, search and a later crawl into it see what the archive saw."""


def _streamed(method):
    """A generator method whose driver errors leave as StoreError while it is iterated
    (the store's own wrapper only sees the call that makes the generator)."""

    @functools.wraps(method)
    def translated(self, *args, **kwargs):
        try:
            yield from method(self, *args, **kwargs)
        except self._DRIVER_ERROR as exc:
            text = str(exc).strip() or type(exc).__name__
            raise StoreError(text.splitlines()[0]) from exc

    return translated


def where(filters: ArticleFilter, alias: str = "a", topic: str = "") -> tuple[str, list[object]]:
    """The SQL condition (and its parameters) selecting the articles ``filters`` names;
    ``topic``, when they name one: the condition that article ``alias`` has the topic bound
    to its one ``?`` (:meth:`~crawler.store.sql.topics.TopicFilters._topic_condition`)."""
    clauses, params = ["TRUE"], []
    if filters.relevant:
        clauses.append(f"{alias}.relevant = 1")
    if filters.topic is not None:
        clauses.append(topic)
        params.append(filters.topic)
    if filters.sources:
        clauses.append(f"{alias}.source IN ({', '.join('?' for _ in filters.sources)})")
        params.extend(filters.sources)
    when = _WHEN.format(a=alias)
    if filters.since is not None:
        clauses.append(f"{when} >= ?")
        params.append(filters.since)
    if filters.until is not None:
        clauses.append(f"{when} < ?")
        params.append(filters.until)
    return " AND ".join(clauses), params


def _lists(row: dict) -> dict:
    for name in LIST_FIELDS:
        if name in row:
            try:
                row[name] = json.loads(row[name] or "[]")
            except ValueError:
                row[name] = []
    return row


class ReadingStore(TopicFilters):
    """Reads for people over ``self.conn`` (mixed into the SQLite store).

    The PostgreSQL backend overrides what its dialect writes differently:
    :data:`_TOPICS`, :meth:`_stream`, :meth:`_columns`, :meth:`search_stories`.
    """

    conn: sqlite3.Connection
    _DRIVER_ERROR: type[Exception] = sqlite3.Error
    _TOPICS = TOPIC_ELEMENTS

    def _where(
        self, filters: ArticleFilter, alias: str = "a", *, walk: bool = False
    ) -> tuple[str, list[object]]:
        """:func:`where`; ``walk`` when the statement meets its articles through another
        index than the filters' (see :mod:`crawler.store.sql.topics`)."""
        topic = ""
        if filters.topic is not None:
            topic = self._topic_condition([filters.topic], alias, walk=walk)
        return where(filters, alias, topic)

    def _stream(self, sql: str, params: list[object]) -> Iterator[tuple]:
        """The rows of a query as the driver hands them over (never the whole result at once)."""
        yield from self.conn.execute(sql, params)

    def _columns(self, table: str) -> list[str]:
        """The column names of ``table``, in order."""
        return [c for (c,) in self.conn.execute(f"SELECT name FROM pragma_table_info('{table}')")]

    @_streamed
    def stories(
        self, filters: ArticleFilter = NO_FILTER, *, limit: int | None = None
    ) -> Iterator[Story]:
        picked, params = self._where(filters)
        # Met down the date index or through the story index: checked one by one.
        condition, _ = self._where(filters, walk=True)
        grouped = (
            f"SELECT a.story_id AS sid, min({_WHEN.format(a='a')}) AS first_seen "
            f"FROM articles a WHERE {picked} GROUP BY a.story_id"
        )
        if limit is None:  # every story: each selected article grouped by its story
            selected, selected_params = grouped, params
        else:
            newest = self._newest_stories(condition, params, limit)
            if newest is None:
                selected = f"{grouped} ORDER BY first_seen DESC, sid DESC LIMIT ?"
                selected_params = [*params, limit]
            elif not newest:
                return
            else:
                selected = " UNION ALL ".join(["SELECT ? AS sid, ? AS first_seen"] * len(newest))
                selected_params = [value for story in newest for value in story]
        # Copies are joined back through the story_id index: a second pass over
        # the selected articles per story would be quadratic.
        sql = (
            f"WITH s AS ({selected}) "
            f"SELECT s.sid, s.first_seen, a.title, a.url, a.source, a.published_at, a.language, a.topics "
            f"FROM s JOIN articles a ON a.story_id = s.sid WHERE {condition} "
            f"ORDER BY s.first_seen DESC, s.sid DESC, {_WHEN.format(a='a')}, a.id"
        )
        rows = self._stream(sql, [*selected_params, *params])
        story: dict | None = None
        for sid, first_seen, title, url, source, published_at, language, topics in rows:
            if story is None or story["story_id"] != sid:
                if story is not None:
                    yield _story(story)
                story = {"story_id": sid, "title": title, "first_seen": first_seen,
                         "outlets": {}, "languages": {}, "articles": [], "topics": {}}  # fmt: skip
            story["outlets"][source] = None
            if language:
                story["languages"][language] = None
            for topic in _lists({"topics": topics})["topics"]:
                story["topics"][topic] = None
            story["articles"].append({"url": url, "source": source, "published_at": published_at})
        if story is not None:
            yield _story(story)

    def _newest_stories(
        self, condition: str, params: list[object], limit: int
    ) -> list[tuple] | None:
        """``(story_id, first_seen)`` of the ``limit`` stories first seen last among the selected
        articles, newest first, without grouping every selected article (9.8 s at 1M);
        ``None`` when the walk below runs past :data:`STORY_WALK` articles per story.

        The selected articles are walked newest first down the date index; each story met is
        given its first sighting (its oldest selected article, through the story index). A
        story not met yet has its articles all later in the walk, so it was first seen at the
        walk's time or before; once ``limit`` stories met were first seen after that time, no
        other can come before them. Where many articles share one time (a bulk import's
        undated articles) the walk cannot stop early and the caller groups instead.
        """
        when = _WHEN.format(a="a")
        budget = STORY_WALK * limit
        ranks: list[tuple] = []  # (first_seen, story_id) of the stories met, ascending
        met: set[int] = set()
        walk = self._stream(
            f"SELECT a.story_id, {when} FROM articles a WHERE {condition} "
            f"ORDER BY {when} DESC, a.id DESC LIMIT ?",
            [*params, budget],
        )
        walked = 0
        try:
            for story_id, at in walk:
                walked += 1
                if story_id not in met:
                    met.add(story_id)
                    (first_seen,) = self.conn.execute(
                        f"SELECT min({when}) FROM articles a WHERE a.story_id = ? AND {condition}",
                        [story_id, *params],
                    ).fetchone()
                    bisect.insort(ranks, (first_seen, story_id))
                # stories met that were first seen after ``at``: those ranked above (at, any id)
                if len(ranks) - bisect.bisect_right(ranks, (at, _ABOVE_ANY_ID)) >= limit:
                    break
            else:
                if walked == budget:  # stopped by the budget, not by having seen every article
                    return None
        finally:
            walk.close()
        return [(story, seen) for seen, story in ranks[::-1][:limit]]

    def search_stories(
        self, query: str, filters: ArticleFilter = NO_FILTER, *, limit: int = 20
    ) -> list[StoryHit]:
        match = match_expression(self.conn, query)
        condition, params = self._where(filters, walk=True)
        when = _WHEN.format(a="a")
        try:
            # Newest first down the date index, each article checked against the
            # matches: the scan stops at the limit-th story instead of ranking
            # every match (a common word matches most of the archive).
            cursor = self.conn.execute(
                "WITH m(id) AS MATERIALIZED (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) "
                "SELECT a.id, a.story_id, a.published_at, a.source, a.title, a.url, a.relevant, a.topics "
                f"FROM articles a {self._date_index()}WHERE a.id IN m AND {condition} "
                f"ORDER BY {when} DESC, a.id DESC",
                [match, *params],
            )
            rows = newest_per_story(cursor, limit)
            cursor.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise StoreError(str(exc)) from None
            raise SearchQueryError(str(exc)) from None
        copies = self._copies([row[1] for row in rows])
        # Snippets, and which copies match, in one pass of the query: with
        # "rowid = ?" it would be evaluated again for each copy.
        ids = [copy["id"] for story in copies.values() for copy in story]
        snippets = dict(
            self.conn.execute(
                f"SELECT rowid, snippet(articles_fts, 1, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 16) "
                f"FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({', '.join('?' for _ in ids)})",
                [match, *ids],
            )
        )
        return story_hits(rows, copies, snippets)

    def _date_index(self) -> str:
        """``INDEXED BY`` the articles' date index (m021), or nothing on an older read-only copy."""
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_articles_when'"
        ).fetchone()
        return "INDEXED BY idx_articles_when " if found else ""

    def _copies(self, story_ids: list[int]) -> dict[int, list[dict]]:
        found: dict[int, list[dict]] = {}
        if not story_ids:
            return found
        rows = self.conn.execute(
            "SELECT a.story_id, a.id, a.source, a.url, a.published_at FROM articles a "
            f"WHERE a.story_id IN ({', '.join('?' for _ in story_ids)}) "
            f"ORDER BY {_WHEN.format(a='a')}, a.id",
            story_ids,
        )
        for sid, article_id, source, url, published_at in rows:
            found.setdefault(sid, []).append(
                {"id": article_id, "source": source, "url": url, "published_at": published_at}
            )
        return found

    @_streamed
    def export_articles(self, filters: ArticleFilter = NO_FILTER) -> Iterator[dict]:
        condition, params = self._where(filters)
        rows = self._stream(
            f"SELECT {', '.join('a.' + f for f in EXPORT_FIELDS)} FROM articles a "
            f"WHERE {condition} ORDER BY a.id",
            params,
        )
        for row in rows:
            yield _lists(dict(zip(EXPORT_FIELDS, row, strict=True)))

    def export_subset(self, path: str, filters: ArticleFilter = NO_FILTER) -> int:
        from crawler.store.sqlite.store import SqliteStore

        if Path(path).exists():
            raise StoreError(f"{path}: already exists (the subset goes into a new file)")
        condition, params = self._where(filters)
        story, story_params = self._subset_story(filters)
        target = SqliteStore.open(path)
        count = 0
        try:
            # The subset's own schema decides: another backend's extra columns
            # (PostgreSQL's search vector) stay behind.
            kept = set(target._columns("articles"))
            columns = [c for c in self._columns("articles") if c in kept and c != "story_id"]
            articles = self._stream(
                f"SELECT {', '.join('a.' + c for c in columns)}, {story} FROM articles a "
                f"WHERE {condition} ORDER BY a.id",
                [*story_params, *params],
            )
            for chunk in _chunks(articles):
                with target.write() as tx:
                    tx.load_articles([*columns, "story_id"], chunk)
                count += len(chunk)
            for table in SUBSET_TABLES:
                self._copy_rows(target, table, filters)
        finally:
            target.close()
        return count

    def _subset_story(self, filters: ArticleFilter) -> tuple[str, list[object]]:
        """The story of article ``a`` in a subset: its story's first article there.

        A story is named after its first article, which the subset may leave out.
        """
        inner, inner_params = self._where(filters, "b", walk=True)
        return (
            f"(SELECT min(b.id) FROM articles b WHERE b.story_id = a.story_id AND {inner})",
            inner_params,
        )

    def _copy_rows(self, target, table: str, filters: ArticleFilter) -> None:
        """Copy into ``target`` the rows of ``table`` whose article is in the subset.

        A story link is copied when the article it links to is in the subset
        too, its story named as the subset names the articles' stories.
        """
        condition, params = self._where(filters)
        kept = set(target._columns(table))
        names = [c for c in self._columns(table) if c in kept]
        values, joins, first_params = [f"t.{n}" for n in names], "", []
        if table == "story_links":
            story, story_params = self._subset_story(filters)
            linked, linked_params = self._where(filters, "l", walk=True)
            values[names.index("story_id")] = story
            joins = f"JOIN articles l ON l.id = t.linked_id AND {linked} "
            first_params = [*story_params, *linked_params]
        rows = self._stream(
            f"SELECT {', '.join(values)} FROM {table} t JOIN articles a ON a.id = t.article_id "
            f"{joins}WHERE {condition}",
            [*first_params, *params],
        )
        insert = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        )
        for chunk in _chunks(rows):
            with target.write() as tx:
                tx.conn.executemany(insert, chunk)

    def known_values(self, field: str) -> list[str]:
        if field == "topics":
            return self._known_topics()
        sql = f"SELECT DISTINCT {_column(field)} FROM articles ORDER BY 1"
        return [value for (value,) in self.conn.execute(sql)]

    def has_value(self, field: str, value: str) -> bool:
        if field == "topics":
            return self._has_topic(value)
        sql = f"SELECT 1 FROM articles WHERE {_column(field)} = ? LIMIT 1"
        return self.conn.execute(sql, [value]).fetchone() is not None


def _column(field: str) -> str:
    if field != "source":
        raise ValueError(f"no listing of {field!r} (source or topics)")
    return field


def _story(story: dict) -> Story:
    return Story(
        story_id=story["story_id"],
        title=story["title"],
        first_seen=story["first_seen"],
        outlets=list(story["outlets"]),
        languages=list(story["languages"]),
        articles=story["articles"],
        topics=list(story["topics"]),
    )


def newest_per_story(rows: Iterable[tuple], limit: int) -> list[tuple]:
    """The first row of each story (``row[1]``) among ``rows``, newest first, up to ``limit``
    stories; reads no further than it needs."""
    found, stories = [], set()
    for row in rows:
        if row[1] in stories:
            continue
        stories.add(row[1])
        found.append(row)
        if len(found) == limit:
            break
    return found


def story_hits(
    rows: list[tuple], copies: dict[int, list[dict]], snippets: dict[int, str]
) -> list[StoryHit]:
    """The hits of :meth:`ReadingStore.search_stories`: ``rows`` are each story's newest
    matching article ``(id, story_id, published_at, source, title, url, relevant, topics)``,
    ``copies`` every copy of those stories, ``snippets`` the snippet of each copy that matches."""
    hits = []
    for article_id, sid, published_at, source, title, url, relevant, topics in rows:
        story = copies.get(sid, [])
        hits.append(
            StoryHit(
                story_id=sid,
                id=article_id,
                published_at=published_at,
                source=source,
                title=title,
                url=url,
                relevant=bool(relevant),
                topics=_lists({"topics": topics})["topics"],
                snippet=snippets.get(article_id) or "",
                matching_copies=sum(copy["id"] in snippets for copy in story),
                also_in=[
                    {k: v for k, v in copy.items() if k != "id"}
                    for copy in story
                    if copy["id"] != article_id
                ],
            )
        )
    return hits


def _chunks(rows: Iterator[tuple]) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _COPY_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
