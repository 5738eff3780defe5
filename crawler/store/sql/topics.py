"""Which articles carry a topic, for the reading commands and the alerts: read through
``article_topics`` (one row per article and topic, kept by triggers: SQLite
``m071_serve_article_topics``, PostgreSQL ``m008_serve_article_topics``).

One condition, in two spellings for the two ways a statement meets articles
(at 1M articles, a topic on 57k of them; docs/performance.md):

- :data:`TOPIC_ARTICLES` when the topic picks the articles (an export, every
  story of a topic): SQLite reads the topic's index range and looks each article
  up by id, in id order (121 ms, against 506 ms unpacking every JSON list).
- :data:`ON_TOPIC` when the articles come from another index (newest first
  down the date index, a story's copies through the story index): one
  primary-key probe per article met. Spelt as ``IN``, SQLite would drive the
  walk from the topic's list and sort all of it first (187 ms for the 300
  newest instead of 2 ms), and build that list again on every run of a
  statement executed once per story.

PostgreSQL plans both as the same semi-join, choosing by its statistics.

A store read without migrating (``read_only``: an analyst's copy) may have been
made before the table: there the topics are unpacked from the JSON lists of
``articles.topics``, as they were before it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

TABLE = "article_topics"
TOPIC_ARTICLES = "{a}.id IN (SELECT article_id FROM article_topics WHERE topic IN ({marks}))"
"""Article ``{a}`` has one of the topics ``{marks}`` (placeholders), read as the topics' articles."""
ON_TOPIC = (
    "EXISTS (SELECT 1 FROM article_topics tp "
    "WHERE tp.article_id = {a}.id AND tp.topic IN ({marks}))"
)
"""Article ``{a}`` has one of the topics ``{marks}``, checked article by article."""
JSON_TOPIC = "EXISTS (SELECT 1 FROM {elements} WHERE jt.value IN ({marks}))"
"""The same from the JSON list (``{elements}``: the backend's elements of ``{a}.topics``)."""


class TopicFilters:
    """The topic conditions of a store's readers and alerts over ``self.conn``.

    The backend supplies :attr:`_TOPICS` (its JSON functions) and ``_columns``
    (its catalogue), both from its ``reading`` module.
    """

    conn: Any
    _TOPICS: str
    """The elements of a JSON list column ``{col}``, as rows of ``jt.value``."""

    def _columns(self, table: str) -> list[str]:
        raise NotImplementedError

    @functools.cached_property
    def _topics_table(self) -> bool:
        """Whether the store has ``article_topics`` (a read-only copy made before it has not).

        Asked once per store: a read-only store is never migrated under it, and a
        writable one was migrated when it was opened.
        """
        return bool(self._columns(TABLE))

    def _topic_condition(self, topics: Sequence[str], alias: str = "a", *, walk: bool) -> str:
        """The condition that article ``alias`` has one of ``topics`` (bound in this order):
        ``walk`` when the statement meets its articles through another index."""
        marks = ", ".join("?" for _ in topics)
        if not self._topics_table:
            elements = self._TOPICS.format(col=f"{alias}.topics")
            return JSON_TOPIC.format(elements=elements, marks=marks)
        return (ON_TOPIC if walk else TOPIC_ARTICLES).format(a=alias, marks=marks)

    def _known_topics(self) -> list[str]:
        """Every topic an article has, once each, in order (the topic index, read once)."""
        if self._topics_table:
            sql = f"SELECT DISTINCT topic FROM {TABLE} ORDER BY 1"
        else:
            elements = self._TOPICS.format(col="a.topics")
            sql = f"SELECT DISTINCT jt.value FROM articles a, {elements} ORDER BY 1"
        return [topic for (topic,) in self.conn.execute(sql)]

    def _has_topic(self, topic: str) -> bool:
        """Whether an article has ``topic`` (one probe of the topic index)."""
        if self._topics_table:
            sql = f"SELECT 1 FROM {TABLE} WHERE topic = ? LIMIT 1"
        else:
            elements = self._TOPICS.format(col="a.topics")
            sql = f"SELECT 1 FROM articles a, {elements} WHERE jt.value = ? LIMIT 1"
        return self.conn.execute(sql, [topic]).fetchone() is not None
