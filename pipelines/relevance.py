"""Mark the topics an article is about (crawler/topics.toml)."""

from __future__ import annotations

from crawler.items import ArticleItem
from crawler.relevance import TopicSet, load_topics


class RelevancePipeline:
    def __init__(self, stats, topics: TopicSet):
        self.stats = stats
        self.topics = topics

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, load_topics(crawler.settings.get("NEWSMON_TOPICS_FILE")))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        result = self.topics.match(item.title, item.body)
        item.topics = result.topics
        item.topic_terms = result.terms
        item.relevance_score = result.score
        item.relevant = result.relevant
        if item.relevant:
            self.stats.inc_value("relevance/relevant")
        return item
