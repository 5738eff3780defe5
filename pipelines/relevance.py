"""Mark the topics an article is about (rules in crawler/topics.toml).

Every article passes, relevant or not: the storage stage keeps them all, and
``newsmon rescore`` can re-apply changed topics later without a crawl.
Stats: ``relevance/scored``, ``relevance/relevant``, ``relevance/topic/<name>``.
"""

from __future__ import annotations

from crawler.items import ArticleItem
from crawler.relevance import TopicSet, load_topics


def apply_relevance(topics: TopicSet, item: ArticleItem) -> ArticleItem:
    """Set ``topics``, ``topic_terms``, ``relevance_score`` and ``relevant`` on ``item``."""
    result = topics.match(item.title or item.feed_title, item.body, item.published_at)
    item.topics = result.topics
    item.topic_terms = result.terms
    item.relevance_score = result.score
    item.relevant = result.relevant
    return item


class RelevancePipeline:
    """Scores each item against the topics file named by ``NEWSMON_TOPICS_FILE``."""

    def __init__(self, stats, topics: TopicSet):
        self.stats = stats
        self.topics = topics

    @classmethod
    def from_crawler(cls, crawler):
        # A bad topics file raises ConfigError here, before anything is fetched.
        return cls(crawler.stats, load_topics(crawler.settings.get("NEWSMON_TOPICS_FILE")))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        apply_relevance(self.topics, item)
        self.stats.inc_value("relevance/scored")
        if item.relevant:
            self.stats.inc_value("relevance/relevant")
            for name in item.topics:
                self.stats.inc_value(f"relevance/topic/{name}")
        return item
